"""The audit log: append-only, hash-chained records of every state change.

Each record stores the hash of the record before it and the SHA-256 of its own canonical content
(which includes that previous hash), so rewriting or removing any record breaks the chain from
that point on. ``chinhquyen audit verify`` walks the chain and names the first broken record.
Database triggers (see the migration) refuse UPDATE and DELETE on the table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditRecord(models.Model):
    seq = models.PositiveBigIntegerField("số thứ tự", unique=True)
    created_at = models.DateTimeField("thời điểm")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người thực hiện",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField("người thực hiện (tên lúc ghi)", max_length=200, blank=True)
    action = models.CharField("hành động", max_length=100, db_index=True)
    object_type = models.CharField("loại đối tượng", max_length=100, blank=True)
    object_id = models.CharField("mã đối tượng", max_length=100, blank=True)
    object_label = models.CharField("đối tượng", max_length=300, blank=True)
    changes = models.JSONField("trước/sau", default=dict, blank=True)
    ip = models.GenericIPAddressField("địa chỉ IP", null=True, blank=True)
    source = models.CharField("nguồn", max_length=20, default="web")
    prev_hash = models.CharField("mã băm bản ghi trước", max_length=64)
    hash = models.CharField("mã băm", max_length=64, unique=True)

    class Meta:
        verbose_name = "bản ghi kiểm toán"
        verbose_name_plural = "nhật ký kiểm toán"
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_label}"

    def save(self, *args, **kwargs) -> None:
        if self.pk and not kwargs.pop("_allow_update", False):
            raise RuntimeError("Audit records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit records are append-only.")
