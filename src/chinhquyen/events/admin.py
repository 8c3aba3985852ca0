from __future__ import annotations

import logging

from django.contrib import admin, messages

from chinhquyen.events import services
from chinhquyen.events.models import Delivery, OutboxEvent

log = logging.getLogger(__name__)


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = (
        "handler",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    )
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event_type", "aggregate_type", "aggregate_id")
    list_filter = ("event_type",)
    search_fields = ("event_type", "aggregate_id", "idempotency_key")
    readonly_fields = (
        "id",
        "event_type",
        "aggregate_type",
        "aggregate_id",
        "payload",
        "idempotency_key",
        "created_at",
    )
    inlines = [DeliveryInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("updated_at", "event", "handler", "status", "attempts", "next_attempt_at")
    list_filter = ("status", "handler")
    readonly_fields = (
        "event",
        "handler",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    )
    actions = ["retry_now"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Thử gửi lại ngay")
    def retry_now(self, request, queryset) -> None:
        count, refused = 0, 0
        for delivery in queryset.exclude(status=Delivery.Status.DELIVERED):
            try:
                services.retry(delivery)
            except Exception as exc:  # noqa: BLE001 - one refused retry must not stop the others
                log.error(
                    "outbox delivery %s: retry refused: %s",
                    delivery.pk,
                    services.describe_error(exc),
                )
                refused += 1
            else:
                count += 1
        self.message_user(request, f"Đã đưa {count} lượt gửi vào hàng đợi.", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"{refused} lượt gửi không đưa lại được (xem nhật ký hệ thống).",
                messages.ERROR,
            )
