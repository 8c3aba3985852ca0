"""Message texts (rows an administrator edits) and the log of every notification sent.

Thông báo cho người dân: SMS, thư điện tử và Zalo. The log keeps the full destination so a
message can be sent again, but every screen shows it masked and no log line carries it.
"""

from __future__ import annotations

from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "Thư điện tử"
    SMS = "sms", "Tin nhắn SMS"
    ZALO = "zalo", "Zalo (tin ZNS)"


class MessageTemplate(models.Model):
    """Mẫu nội dung thông báo: one text per (key, channel), a Django template string.

    For e-mail ``subject`` is the subject line; for Zalo it is the ZNS template id approved by
    Zalo and ``body`` holds one ``parameter: value`` line per template parameter.
    """

    key = models.CharField("mã mẫu", max_length=100, help_text="Ví dụ: dossier.received")
    channel = models.CharField("kênh", max_length=10, choices=Channel.choices)
    subject = models.CharField("tiêu đề (e-mail) / mã mẫu ZNS (Zalo)", max_length=255, blank=True)
    body = models.TextField(
        "nội dung",
        help_text="Cú pháp mẫu Django, ví dụ {{ code }}. SMS nên dưới 160 ký tự không dấu.",
    )
    description = models.CharField("dùng khi nào", max_length=255, blank=True)
    sensitive = models.BooleanField(
        "chứa mã bí mật",
        default=False,
        help_text="Nội dung (ví dụ mã xác minh) không được lưu lại sau khi gửi.",
    )
    active = models.BooleanField("đang dùng", default=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "mẫu thông báo"
        verbose_name_plural = "mẫu thông báo"
        ordering = ["key", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["key", "channel"], name="message_template_once")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.get_channel_display()})"


class Notification(models.Model):
    """One message to one destination through one channel, and what became of it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Chờ gửi"
        SENT = "sent", "Đã gửi"
        FAILED = "failed", "Gửi không được"
        SKIPPED = "skipped", "Bỏ qua (kênh chưa cấu hình)"

    channel = models.CharField("kênh", max_length=10, choices=Channel.choices)
    template_key = models.CharField("mẫu", max_length=100)
    destination = models.CharField("nơi nhận", max_length=255)
    subject = models.CharField("tiêu đề", max_length=255, blank=True)
    body = models.TextField("nội dung", blank=True)
    data = models.JSONField("tham số (Zalo)", default=dict, blank=True)
    sensitive = models.BooleanField("chứa mã bí mật", default=False)
    ref_type = models.CharField("loại đối tượng", max_length=100, blank=True)
    ref_id = models.CharField("mã đối tượng", max_length=100, blank=True)
    ref_label = models.CharField("đối tượng", max_length=100, blank=True)
    status = models.CharField(
        "trạng thái", max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    provider_message_id = models.CharField("mã tin của nhà cung cấp", max_length=200, blank=True)
    error = models.TextField("lỗi", blank=True)
    attempts = models.PositiveIntegerField("số lần thử", default=0)
    idempotency_key = models.CharField("khóa chống gửi trùng", max_length=300, unique=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    sent_at = models.DateTimeField("gửi lúc", null=True, blank=True)

    class Meta:
        verbose_name = "thông báo đã gửi"
        verbose_name_plural = "nhật ký thông báo"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["ref_type", "ref_id"], name="notification_ref"),
            models.Index(fields=["status", "created_at"], name="notification_status"),
            # Retention (notifications.retention) reads only rows not yet cleared.
            models.Index(
                fields=["created_at"],
                condition=~models.Q(destination=""),
                name="notification_prune",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template_key} → {self.masked_destination} ({self.get_status_display()})"

    @property
    def masked_destination(self) -> str:
        return mask_destination(self.destination)


def mask_destination(value: str) -> str:
    """``09******78``, ``a***@example.vn``: enough for a person to recognise their own."""
    if not value:
        return ""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if len(value) < 5:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]
