"""Django admin for operators: dossiers are read-only here (every change goes through
:mod:`chinhquyen.dossiers.services`); procedure rules and API tokens change through services."""

from __future__ import annotations

from django.contrib import admin, messages

from chinhquyen.dossiers import services
from chinhquyen.dossiers.models import (
    ApiToken,
    Dossier,
    DossierEvent,
    ProcedureRules,
    StepAssignment,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = DossierEvent
    fields = ("seq", "action", "at", "actor_label", "to_label", "timing", "opinion")
    readonly_fields = fields


class StepInline(ReadOnlyInline):
    model = StepAssignment
    fields = ("position", "name", "assignee", "started_at", "due_at", "finished_at", "timing")
    readonly_fields = fields


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = ("code", "procedure", "agency", "status", "received_at", "due_at")
    list_filter = ("status", "channel", "agency")
    search_fields = ("code", "applicant_name")
    date_hierarchy = "submitted_at"
    inlines = [StepInline, EventInline]
    exclude = ("applicant_identity_number", "lookup_secret", "idempotency_key")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.exclude]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ProcedureRules)
class ProcedureRulesAdmin(admin.ModelAdmin):
    list_display = (
        "procedure",
        "supplement_window_days",
        "consultation_pauses_deadline",
        "obligation_pauses_deadline",
    )
    search_fields = ("procedure__code", "procedure__name")
    raw_id_fields = ("procedure",)

    def save_model(self, request, obj, form, change) -> None:
        saved = services.set_procedure_rules(
            actor=request.user,
            procedure=obj.procedure,
            supplement_window_days=obj.supplement_window_days,
            consultation_pauses_deadline=obj.consultation_pauses_deadline,
            obligation_pauses_deadline=obj.obligation_pauses_deadline,
            legal_basis=obj.legal_basis,
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "owner__username", "prefix")
    readonly_fields = ("name", "owner", "prefix", "agencies", "created_at", "created_by",
                       "last_used_at", "expires_at", "revoked_at")  # fmt: skip
    exclude = ("token_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False  # created through the API or services, so the token is shown once

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Thu hồi các mã đã chọn")
    def revoke(self, request, queryset) -> None:
        for token in queryset.select_related("owner"):
            services.revoke_api_token(actor=request.user, token=token)
        messages.success(request, "Đã thu hồi.")
