from __future__ import annotations

from django.contrib import admin, messages

from chinhquyen.events import services
from chinhquyen.events.models import Delivery, OutboxEvent


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
        count = 0
        for delivery in queryset.exclude(status=Delivery.Status.DELIVERED):
            services.retry(delivery)
            count += 1
        self.message_user(request, f"Đã đưa {count} lượt gửi vào hàng đợi.", messages.SUCCESS)
