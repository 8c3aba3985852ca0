"""The transactional outbox: events written with the state change, delivered later by the worker."""

from __future__ import annotations

import uuid

from django.db import models


class OutboxEvent(models.Model):
    """Something that happened, to be told to the handlers registered for its type."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_type = models.CharField("loại sự kiện", max_length=100, db_index=True)
    aggregate_type = models.CharField("loại đối tượng", max_length=100, blank=True)
    aggregate_id = models.CharField("mã đối tượng", max_length=100, blank=True)
    payload = models.JSONField("nội dung", default=dict)
    idempotency_key = models.CharField("khóa chống lặp", max_length=200, unique=True)
    created_at = models.DateTimeField("thời điểm", auto_now_add=True)

    class Meta:
        verbose_name = "sự kiện outbox"
        verbose_name_plural = "sự kiện outbox"
        ordering = ["-created_at"]
        # Retention (services.prune) reads the oldest events first.
        indexes = [models.Index(fields=["created_at"], name="outbox_event_created")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.aggregate_type}:{self.aggregate_id}"


class Delivery(models.Model):
    """One event handed to one handler: attempts, the last error, and when to try again."""

    class Status(models.TextChoices):
        PENDING = "pending", "Đang chờ gửi"
        DELIVERED = "delivered", "Đã gửi"
        FAILED = "failed", "Lỗi, sẽ thử lại"
        DEAD = "dead", "Lỗi, đã dừng thử"

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField("bộ xử lý", max_length=200)
    status = models.CharField(
        "trạng thái", max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField("số lần thử", default=0)
    next_attempt_at = models.DateTimeField("lần thử tiếp theo", null=True, blank=True)
    last_error = models.TextField("lỗi gần nhất", blank=True)
    delivered_at = models.DateTimeField("thời điểm gửi xong", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "lượt gửi sự kiện"
        verbose_name_plural = "lượt gửi sự kiện"
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="delivery_once_per_handler")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.handler} ({self.get_status_display()})"

    @property
    def idempotency_key(self) -> str:
        """Stable across retries: handlers pass it to outside services to avoid double effects."""
        return f"{self.event.idempotency_key}:{self.handler}"
