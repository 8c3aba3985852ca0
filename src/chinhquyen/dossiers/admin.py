"""Django admin for operators: dossiers are read-only here (every change goes through
:mod:`chinhquyen.dossiers.services`); procedure rules and API tokens change through services;
rating reasons through :mod:`chinhquyen.dossiers.ratings` (audited, a used reason never deleted)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from chinhquyen.dossiers import ratings, services
from chinhquyen.dossiers.models import (
    ApiToken,
    Dossier,
    DossierEvent,
    ProcedureRules,
    RatingReason,
    Satisfaction,
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


class RatingReasonForm(forms.ModelForm):
    """The reason's fields, checked by :func:`ratings.clean_reason_values` (errors by field)."""

    class Meta:
        model = RatingReason
        fields = ("code", *ratings.REASON_FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            instance = self.instance if self.instance.pk else None
            values = {k: v for k, v in cleaned.items() if k == "code" or k in ratings.REASON_FIELDS}
            try:
                ratings.clean_reason_values(values, instance)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


@admin.register(RatingReason)
class RatingReasonAdmin(admin.ModelAdmin):
    """Reasons offered on the rating form: reword, reorder, add, retire (bỏ «đang dùng»).

    The code is fixed once created (ratings store it). A reason some rating gave cannot be
    deleted, only retired, so statistics keep naming it.
    """

    form = RatingReasonForm
    list_display = ("position", "text", "code", "levels_label", "requires_comment", "is_active")
    list_display_links = ("text",)
    list_filter = ("is_active",)
    search_fields = ("code", "text")
    ordering = ("position", "code")
    fieldsets = (
        (None, {"fields": ("code", "text", "position", "is_active")}),
        (
            "Hiển thị khi người đánh giá chọn",
            {"fields": ("for_very_satisfied", "for_satisfied", "for_not_satisfied")},
        ),
        (None, {"fields": ("requires_comment",)}),
    )

    @admin.display(description="dùng cho mức")
    def levels_label(self, obj: RatingReason) -> str:
        return ", ".join(str(Satisfaction(level).label) for level in obj.levels)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj is not None else ()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return ratings.can_manage_rating_reasons(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return ratings.can_manage_rating_reasons(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return ratings.can_manage_rating_reasons(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return ratings.can_manage_rating_reasons(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # One at a time, and only a reason no rating gave: no bulk delete from the list.
        return (
            obj is not None
            and ratings.can_manage_rating_reasons(request.user)
            and not ratings.reason_in_use(obj)
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {k: data[k] for k in form.changed_data if k in ratings.REASON_FIELDS}
            saved = ratings.update_reason(actor=request.user, reason=obj, **changes)
        else:
            values = {k: data[k] for k in ratings.REASON_FIELDS if k in data}
            saved = ratings.create_reason(actor=request.user, code=data["code"], **values)
        for f in obj._meta.concrete_fields:
            setattr(obj, f.attname, getattr(saved, f.attname))
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        ratings.delete_reason(actor=request.user, reason=obj)
