from __future__ import annotations

from django.contrib import admin, messages

from chinhquyen.notifications import services
from chinhquyen.notifications.models import MessageTemplate, Notification


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("key", "channel", "subject", "active", "updated_at")
    list_filter = ("channel", "active")
    search_fields = ("key", "subject", "body", "description")
    readonly_fields = ("updated_at",)
    fields = (
        "key",
        "channel",
        "description",
        "subject",
        "body",
        "sensitive",
        "active",
        "updated_at",
    )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The log: read-only, destinations masked (the full one stays in the database only)."""

    list_display = ("created_at", "template_key", "channel", "masked", "ref_label", "status",
                    "attempts", "sent_at")  # fmt: skip
    list_filter = ("status", "channel", "template_key")
    search_fields = ("ref_label", "ref_id", "template_key", "provider_message_id")
    date_hierarchy = "created_at"
    fields = ("created_at", "channel", "template_key", "masked", "ref_type", "ref_id", "ref_label",
              "subject", "body", "data", "status", "attempts", "provider_message_id", "error",
              "sent_at")  # fmt: skip
    readonly_fields = fields
    actions = ["resend"]

    @admin.display(description="nơi nhận")
    def masked(self, obj: Notification) -> str:
        return obj.masked_destination

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Gửi lại các thông báo lỗi/bỏ qua đã chọn")
    def resend(self, request, queryset) -> None:
        count = 0
        for row in queryset.filter(status__in=["failed", "skipped"], sensitive=False):
            if services.resend(row).status == Notification.Status.QUEUED:
                count += 1
        self.message_user(request, f"Đã đưa {count} thông báo vào hàng đợi gửi.", messages.SUCCESS)
