from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction

from chinhquyen.audit.models import AuditRecord
from chinhquyen.audit.services import diff, record, verify_chain


class AuditedAdminMixin:
    """For admin screens of models without a domain service: record every save and delete."""

    audit_fields: tuple[str, ...] = ()

    def _snapshot(self, obj) -> dict:
        fields = self.audit_fields or tuple(
            f.name for f in obj._meta.concrete_fields if f.name != "password"
        )
        return {name: str(getattr(obj, name, "")) for name in fields}

    def save_model(self, request, obj, form, change) -> None:
        before = {}
        if change and obj.pk:
            old = type(obj).objects.filter(pk=obj.pk).first()
            before = self._snapshot(old) if old else {}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record(
                f"admin.{'change' if change else 'add'}",
                obj=obj,
                actor=request.user,
                changes=diff(before, self._snapshot(obj)),
            )

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():
            record("admin.delete", obj=obj, actor=request.user, changes=self._snapshot(obj))
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = (
        "seq",
        "created_at",
        "actor_label",
        "action",
        "object_type",
        "object_label",
        "ip",
    )
    list_filter = ("action", "object_type", "source")
    search_fields = ("action", "object_type", "object_id", "actor_label")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditRecord._meta.fields]
    actions = ["verify"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        from chinhquyen.accounts.permissions import can_view_audit_log

        return can_view_audit_log(request.user)

    @admin.action(description="Kiểm tra tính toàn vẹn của toàn bộ chuỗi nhật ký")
    def verify(self, request, queryset) -> None:
        result = verify_chain()
        if result.ok:
            self.message_user(
                request, f"Chuỗi nhật ký toàn vẹn: {result.checked} bản ghi.", messages.SUCCESS
            )
        else:
            self.message_user(
                request,
                f"Chuỗi nhật ký bị hỏng tại bản ghi #{result.first_broken_seq}: {result.reason}.",
                messages.ERROR,
            )
