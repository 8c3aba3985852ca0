"""Operator screens for the catalog (Django admin). Every save goes through catalog.services,
so each change is validated, versioned and audited; the inlines are saved as whole lists
(channels, papers, process, agencies) by the matching service function.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from chinhquyen.catalog import permissions, search, services
from chinhquyen.catalog.models import (
    Field,
    Procedure,
    ProcedureAgency,
    ProcedureChannel,
    ProcedureVersion,
    ProcessStep,
    RequiredPaper,
)

PROCEDURE_FIELDS = (
    "code", "name", "field", "at_province", "at_commune", "at_ministry", "at_other", "online_level",
    "is_active", "kind", "decision_number", "issuing_agency", "applicant_types", "competent_authority",
    "implementing_agency", "receiving_address", "delegated_agency", "coordinating_agency",
    "steps_text", "conditions", "legal_basis", "legal_basis_text", "results", "result_description",
    "keywords", "related_procedures", "source_url",
)  # fmt: skip
CHANNEL_FIELDS = ("channel", "time_value", "time_unit", "time_text", "fee_amount", "fee_text",
                  "fee_description", "description")  # fmt: skip
PAPER_FIELDS = ("group", "kind", "conditional", "condition", "name", "originals", "copies",
                "template_names")  # fmt: skip
STEP_FIELDS = ("agency", "name", "responsible_role", "responsible_unit", "allowance_hours")


class CatalogPermissionMixin:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_manage_catalog(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_manage_catalog(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return permissions.can_manage_catalog(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_manage_catalog(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # procedures are deactivated (is_active), never deleted


class ReadOnlyMixin(CatalogPermissionMixin):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _rows(formset: forms.BaseInlineFormSet, names: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE") or not form.has_changed() and not form.instance.pk:
            continue
        rows.append({name: data.get(name) for name in names})
    return rows


class ChannelFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        try:
            services._channel_rows(self.instance, _rows(self, CHANNEL_FIELDS))
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


class StepFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if not self.instance.pk:
            return
        for agency, steps in _steps_by_agency(self).items():
            try:
                services._process_rows(self.instance, steps, agency)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc


def _steps_by_agency(formset: forms.BaseInlineFormSet) -> dict[Any, list[dict[str, Any]]]:
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for form in formset.forms:
        if form.instance.pk:
            groups.setdefault(form.instance.agency, [])
    for row in _rows(formset, STEP_FIELDS):
        groups[row.pop("agency")].append(row)
    return groups


class InlinePermissionMixin:
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_manage_catalog(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_manage_catalog(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_manage_catalog(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_manage_catalog(request.user)


class ChannelInline(InlinePermissionMixin, admin.TabularInline):
    model = ProcedureChannel
    formset = ChannelFormSet
    fields = CHANNEL_FIELDS
    extra = 0


class PaperInline(InlinePermissionMixin, admin.StackedInline):
    model = RequiredPaper
    fields = (*PAPER_FIELDS, "template_file", "has_eform")
    readonly_fields = ("template_file", "has_eform")
    extra = 0
    show_change_link = True


class StepInline(InlinePermissionMixin, admin.TabularInline):
    model = ProcessStep
    formset = StepFormSet
    fields = STEP_FIELDS
    autocomplete_fields = ("agency",)
    extra = 0


class AgencyInline(InlinePermissionMixin, admin.TabularInline):
    model = ProcedureAgency
    fields = ("agency", "role")
    autocomplete_fields = ("agency",)
    extra = 0


class VersionInline(InlinePermissionMixin, admin.TabularInline):
    model = ProcedureVersion
    fields = ("number", "reason", "created_at", "created_by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-number",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ProcedureForm(forms.ModelForm):
    source_url = forms.URLField(
        label="đường dẫn nguồn", max_length=500, required=False, assume_scheme="https"
    )

    class Meta:
        model = Procedure
        fields = PROCEDURE_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            values = {k: v for k, v in cleaned.items() if k in PROCEDURE_FIELDS}
            if self.instance.pk:
                values.pop("code", None)
                values = {k: v for k, v in values.items() if k in self.changed_data}
            try:
                services.clean_procedure_values(values, self.instance if self.instance.pk else None)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


@admin.register(Procedure)
class ProcedureAdmin(CatalogPermissionMixin, admin.ModelAdmin):
    form = ProcedureForm
    list_display = ("code", "name", "field", "online_level", "version", "is_active")
    list_filter = (
        "is_active",
        "online_level",
        "at_province",
        "at_commune",
        ("field", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("code", "name", "search_name")
    list_select_related = ("field",)
    list_per_page = 50
    inlines = (ChannelInline, PaperInline, StepInline, AgencyInline, VersionInline)
    fieldsets = (
        (None, {"fields": ("code", "name", "field", "online_level", "is_active")}),
        ("Cấp thực hiện", {"fields": ("at_province", "at_commune", "at_ministry", "at_other")}),
        ("Thông tin công bố", {"fields": ("kind", "decision_number", "issuing_agency", "applicant_types",
                                          "competent_authority", "implementing_agency", "receiving_address",
                                          "delegated_agency", "coordinating_agency")}),
        ("Nội dung", {"fields": ("steps_text", "conditions", "results", "result_description", "keywords",
                                 "legal_basis", "legal_basis_text", "related_procedures", "source_url")}),
    )  # fmt: skip

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # "dang ky khai sinh" finds "Đăng ký khai sinh": search_name holds the folded words.
        results, dupes = super().get_search_results(request, queryset, search_term)
        words = search.search_tokens(search_term)
        if words:
            folded = queryset
            for word in words:
                folded = folded.filter(search_name__contains=word)
            results = results | folded
        return results, dupes

    def save_model(self, request: HttpRequest, obj: Procedure, form: Any, change: bool) -> None:
        values = {k: form.cleaned_data[k] for k in PROCEDURE_FIELDS if k in form.cleaned_data}
        if change:
            current = Procedure.objects.get(pk=obj.pk)
            changes = {k: v for k, v in values.items() if k in form.changed_data and k != "code"}
            saved = services.update_procedure(actor=request.user, procedure=current, **changes)
        else:
            code, name = values.pop("code"), values.pop("name")
            saved = services.create_procedure(actor=request.user, code=code, name=name, **values)
        _adopt(obj, saved)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        procedure = Procedure.objects.get(pk=form.instance.pk)
        for formset in formsets:
            # Saved by the services below, not by the formset; the admin's change message
            # only needs these lists.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if not formset.has_changed():
                continue
            if formset.model is ProcedureChannel:
                services.set_channels(actor=request.user, procedure=procedure,
                                      channels=_rows(formset, CHANNEL_FIELDS))  # fmt: skip
            elif formset.model is RequiredPaper:
                services.set_papers(actor=request.user, procedure=procedure, papers=[
                    {**row, "templates": row.pop("template_names") or []} for row in _rows(formset, PAPER_FIELDS)
                ])  # fmt: skip
            elif formset.model is ProcessStep:
                for agency, steps in _steps_by_agency(formset).items():
                    services.set_process(
                        actor=request.user, procedure=procedure, steps=steps, agency=agency
                    )
            elif formset.model is ProcedureAgency:
                links = [(row["agency"], row["role"]) for row in _rows(formset, ("agency", "role"))]
                services.set_agencies(actor=request.user, procedure=procedure, links=links)


def _adopt(obj: Model, saved: Model) -> None:
    for f in obj._meta.concrete_fields:
        setattr(obj, f.attname, getattr(saved, f.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


class PaperForm(forms.ModelForm):
    class Meta:
        model = RequiredPaper
        fields = ("template_file", "has_eform")

    def clean_template_file(self) -> Any:
        """Refuse a wrong type or size here, with the same check as the workspace screens."""
        upload = self.cleaned_data.get("template_file")
        if upload and "template_file" in self.changed_data:
            services.form_file_kind(upload)
        return upload


@admin.register(RequiredPaper)
class RequiredPaperAdmin(CatalogPermissionMixin, admin.ModelAdmin):
    """Upload a form file (mẫu đơn, tờ khai) for a paper; the rest is edited on the procedure."""

    form = PaperForm
    list_display = ("name_short", "procedure", "has_eform")
    search_fields = ("name", "procedure__code")
    readonly_fields = ("procedure", "group", "name", "originals", "copies", "template_names")
    fields = (
        "procedure",
        "group",
        "name",
        "originals",
        "copies",
        "template_names",
        "template_file",
        "has_eform",
    )
    list_select_related = ("procedure",)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    @admin.display(description="tên giấy tờ")
    def name_short(self, obj: RequiredPaper) -> str:
        return obj.name[:100]

    def save_model(self, request: HttpRequest, obj: RequiredPaper, form: Any, change: bool) -> None:
        current = RequiredPaper.objects.get(pk=obj.pk)
        upload = (
            form.cleaned_data.get("template_file") if "template_file" in form.changed_data else None
        )
        saved = services.attach_form_template(
            actor=request.user,
            paper=current,
            file=upload,
            has_eform=form.cleaned_data.get("has_eform"),
        )
        _adopt(obj, saved)


@admin.register(Field)
class FieldAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "name_key")


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("procedure", "number", "reason", "created_at", "created_by")
    search_fields = ("procedure__code",)
    list_select_related = ("procedure", "created_by")
    readonly_fields = ("procedure", "number", "reason", "created_at", "created_by", "snapshot")
