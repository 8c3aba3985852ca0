"""Operator screens for the catalog (Django admin). Every save goes through catalog.services,
so each change is validated, versioned and audited; the inlines are saved as whole lists
(channels, papers, process, agencies; a life event's procedures) by the matching service
function.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Model, Q, QuerySet
from django.http import HttpRequest

from chinhquyen.catalog import permissions, search, services
from chinhquyen.catalog.models import (
    Field,
    LifeEvent,
    LifeEventProcedure,
    Procedure,
    ProcedureAgency,
    ProcedureChannel,
    ProcedureVersion,
    ProcessStep,
    RequiredPaper,
)
from chinhquyen.lib.vntext import fold

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


# --- life events -------------------------------------------------------------------------------

LIFE_EVENT_FIELDS = ("name", "slug", "description", "order", "is_active")


class LifeEventForm(forms.ModelForm):
    """The fields of the workspace screen, checked and normalised by the same service."""

    slug = forms.CharField(
        label="đường dẫn",
        max_length=80,
        required=False,
        help_text="Chữ không dấu, số và dấu -, ví dụ khi-sinh-con. Để trống: giữ đường dẫn cũ, "
        "hoặc tạo từ tên khi thêm mới.",
    )
    order = forms.IntegerField(label="thứ tự", min_value=0, max_value=999, initial=0)

    class Meta:
        model = LifeEvent
        fields = LIFE_EVENT_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            instance = self.instance if self.instance.pk else None
            try:
                values = services._life_event_values(_event_values(cleaned, instance), instance)
            except ValidationError as exc:
                self.add_error(None, exc)
            else:
                cleaned.update(values)  # the slug as the service makes it
        return cleaned

    def validate_unique(self) -> None:
        """The slug is compared once it is a slug, by the service (above)."""


def _event_values(cleaned: dict[str, Any], instance: LifeEvent | None) -> dict[str, Any]:
    """The form's values for ``services.save_life_event``; a blank slug is kept as the workspace
    screen keeps it (the current one, or one made from the name)."""
    values = {k: cleaned.get(k) for k in LIFE_EVENT_FIELDS}
    values["slug"] = values["slug"] or (instance.slug if instance else values["name"] or "")
    return values


def _event_codes(formset: forms.BaseInlineFormSet) -> list[str]:
    """The procedures' codes in the order given (the "thứ tự" numbers, then the rows' order)."""
    rows = []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE") or not data.get("procedure"):
            continue
        order = data.get("order")
        rows.append((order is None, order or 0, index, data["procedure"].code))
    return [code for *_, code in sorted(rows)]


class LifeEventProcedureFormSet(forms.BaseInlineFormSet):
    def validate_unique(self) -> None:
        """Duplicates are refused by :meth:`clean`, in words an operator reads."""

    def clean(self) -> None:
        super().clean()
        codes = _event_codes(self)
        if len(set(codes)) != len(codes):
            raise forms.ValidationError("Mỗi thủ tục chỉ ghi một lần trong một sự kiện.")
        try:
            services._life_event_procedures(codes)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


class LifeEventProcedureForm(forms.ModelForm):
    class Meta:
        model = LifeEventProcedure
        fields = ("order", "procedure")

    def validate_unique(self) -> None:
        """Rows are rewritten as a whole list by the service: a procedure moved from one row to
        another is not a duplicate of the row it left (duplicates are refused by the formset)."""


class LifeEventProcedureInline(InlinePermissionMixin, admin.TabularInline):
    model = LifeEventProcedure
    form = LifeEventProcedureForm
    formset = LifeEventProcedureFormSet
    fields = ("order", "procedure")
    autocomplete_fields = ("procedure",)
    ordering = ("order",)
    extra = 1


@admin.register(LifeEvent)
class LifeEventAdmin(CatalogPermissionMixin, admin.ModelAdmin):
    """Sự kiện đời sống and its ordered procedures, saved by ``services.save_life_event`` (one
    audit record per save, as on the workspace screen) and deleted by
    ``services.delete_life_event``."""

    form = LifeEventForm
    inlines = (LifeEventProcedureInline,)
    fields = LIFE_EVENT_FIELDS
    list_display = ("name", "slug", "order", "procedure_count", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug", "description", "items__procedure__code")
    ordering = ("order", "name")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(procedure_count=Count("items"))

    @admin.display(description="số thủ tục", ordering="procedure_count")
    def procedure_count(self, obj: LifeEvent) -> int:
        return obj.procedure_count

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # Without marks too: "sinh con" finds "Khi sinh con" (its slug holds the folded words),
        # "dang ky khai sinh" finds the events that list that procedure.
        results, dupes = super().get_search_results(request, queryset, search_term)
        words = re.findall(r"[a-z0-9]+", fold(search_term))
        tokens = search.search_tokens(search_term)
        if words:
            matching = LifeEvent.objects.filter(
                Q(slug__contains="-".join(words))
                | Q(items__procedure__search_name__contains=" ".join(tokens))
            )
            results = results | queryset.filter(pk__in=matching.values("pk"))
        return results, dupes

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_manage_catalog(request.user)

    def save_model(self, request: HttpRequest, obj: LifeEvent, form: Any, change: bool) -> None:
        """Nothing yet: the event and its procedures are saved together in ``save_related``."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        codes: list[str] | None = None
        for formset in formsets:
            # Saved by the service below, not by the formset; the admin's change message
            # only needs these lists.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if formset.model is LifeEventProcedure:
                codes = _event_codes(formset)
        current = LifeEvent.objects.get(pk=form.instance.pk) if change else None
        saved = services.save_life_event(
            actor=request.user, event=current, procedure_codes=codes,
            **_event_values(form.cleaned_data, current),
        )  # fmt: skip
        _adopt(form.instance, saved)

    def delete_model(self, request: HttpRequest, obj: LifeEvent) -> None:
        services.delete_life_event(actor=request.user, event=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for event in queryset:
            services.delete_life_event(actor=request.user, event=event)
