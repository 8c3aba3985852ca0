"""Django admin for organizations. Every save goes through :mod:`organizations.services`.

Administrative units and the legacy mapping are reference data loaded from the official lists
(``chinhquyen organizations load-units`` / ``load-legacy``): read-only here. Agencies are never
deleted from the admin (other rows point to them); set them inactive instead.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from chinhquyen.accounts.permissions import can_manage_organizations
from chinhquyen.lib import agency_code
from chinhquyen.lib.vntext import fold
from chinhquyen.organizations import services
from chinhquyen.organizations.models import (
    AdministrativeUnit,
    Agency,
    Counter,
    Desk,
    LegacyUnitMapping,
    Unit,
)

_FOLDED_MATCH_LIMIT = 5000
_COUNTER_FIELDS = ("desk", "number", "label", "serves", "is_active")
_DESK_FIELDS = ("agency", "name", "address", "opening_hours", "is_active")
_UNIT_FIELDS = ("agency", "code", "name", "is_one_stop")
_AGENCY_FIELDS = (
    "code",
    "name",
    "short_name",
    "kind",
    "parent",
    "admin_unit",
    "address",
    "phone",
    "email",
    "is_active",
)


class FoldedSearchMixin:
    """Search that ignores diacritics, case and NFC/NFD: "da nang" finds "Thành phố Đà Nẵng".

    Adds to the database search the rows whose ``folded_search_fields`` contain every folded
    word of the query (compared in Python, so it works the same on SQLite and PostgreSQL).
    """

    folded_search_fields: tuple[str, ...] = ()

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        words = fold(search_term).split()
        if not words or not self.folded_search_fields:
            return results, may_have_duplicates
        ids = []
        for pk, *values in queryset.values_list("pk", *self.folded_search_fields).iterator():
            haystack = fold(" ".join(str(v) for v in values if v))
            if all(word in haystack for word in words):
                ids.append(pk)
                if len(ids) >= _FOLDED_MATCH_LIMIT:
                    break
        return results | queryset.filter(pk__in=ids), may_have_duplicates


class OrganizationsPermissionMixin:
    """Who may see and change organizations: the province administrator (and superusers)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_manage_organizations(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_organizations(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return can_manage_organizations(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_organizations(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_organizations(request.user)


class ReadOnlyMixin(OrganizationsPermissionMixin):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _adopt(obj: Model, saved: Model) -> None:
    """Make the admin's in-memory ``obj`` the row the service saved (pk, normalised values)."""
    for f in obj._meta.concrete_fields:
        setattr(obj, f.attname, getattr(saved, f.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db
    obj._state.fields_cache = {}


class ServiceFormMixin:
    """Validate the form with the service's own rules so errors show next to the fields."""

    service_fields: tuple[str, ...] = ()

    def service_values(self) -> dict[str, Any]:
        return {f: self.cleaned_data[f] for f in self.service_fields if f in self.cleaned_data}

    def validate_with_service(self, values: dict[str, Any], instance: Any) -> None:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            instance = self.instance if self.instance.pk else None
            try:
                self.validate_with_service(self.service_values(), instance)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


class ServiceAdminMixin:
    """Route saves and deletes through the service functions (permission, validation, audit)."""

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        values = form.service_values()
        if change:
            current = type(obj).objects.get(pk=obj.pk)
            changes = {k: v for k, v in values.items() if k in form.changed_data}
            saved = self.service_update(request.user, current, changes)
        else:
            saved = self.service_create(request.user, values)
        _adopt(obj, saved)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Many-to-many fields were written by the service; only inlines (if any) remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def service_create(self, actor: Any, values: dict[str, Any]) -> Model:
        raise NotImplementedError

    def service_update(self, actor: Any, obj: Model, changes: dict[str, Any]) -> Model:
        raise NotImplementedError


# --- reference data ---------------------------------------------------------------------------


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(FoldedSearchMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "level", "province")
    list_filter = ("level", "kind", ("province", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name")
    folded_search_fields = ("code", "name")
    list_select_related = ("province",)
    list_per_page = 50
    ordering = ("code",)


@admin.register(LegacyUnitMapping)
class LegacyUnitMappingAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("old_code", "old_name", "old_district", "old_province", "new_unit", "whole")
    list_filter = ("whole",)
    # old_name_key holds the unaccented name, so "nghi phu" finds "Phường Nghi Phú".
    search_fields = (
        "old_code",
        "old_name",
        "old_name_key",
        "old_district",
        "old_province",
        "new_unit__name",
        "new_unit__code",
    )
    list_select_related = ("new_unit",)
    list_per_page = 50
    ordering = ("old_code",)


# --- agencies ---------------------------------------------------------------------------------


class AgencyForm(ServiceFormMixin, forms.ModelForm):
    service_fields = _AGENCY_FIELDS

    class Meta:
        model = Agency
        fields = _AGENCY_FIELDS

    def clean_code(self) -> str:
        # People type codes in lower case; the stored identifier is always upper case.
        return agency_code.normalize(self.cleaned_data.get("code", ""))

    def validate_with_service(self, values: dict[str, Any], instance: Any) -> None:
        services.clean_agency_values(values, instance)


@admin.register(Agency)
class AgencyAdmin(
    FoldedSearchMixin, ServiceAdminMixin, OrganizationsPermissionMixin, admin.ModelAdmin
):
    form = AgencyForm
    list_display = ("code", "name", "kind", "parent", "admin_unit", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "short_name")
    folded_search_fields = ("code", "name", "short_name")
    autocomplete_fields = ("parent", "admin_unit")
    list_select_related = ("parent", "admin_unit")
    fields = AgencyForm.service_fields
    ordering = ("code",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def service_create(self, actor: Any, values: dict[str, Any]) -> Model:
        return services.create_agency(actor=actor, **values)

    def service_update(self, actor: Any, obj: Model, changes: dict[str, Any]) -> Model:
        return services.update_agency(actor=actor, agency=obj, **changes)


class UnitForm(ServiceFormMixin, forms.ModelForm):
    service_fields = _UNIT_FIELDS

    class Meta:
        model = Unit
        fields = _UNIT_FIELDS

    def validate_with_service(self, values: dict[str, Any], instance: Any) -> None:
        services.clean_unit_values(values, instance)


@admin.register(Unit)
class UnitAdmin(
    FoldedSearchMixin, ServiceAdminMixin, OrganizationsPermissionMixin, admin.ModelAdmin
):
    form = UnitForm
    list_display = ("code", "name", "agency", "is_one_stop")
    list_filter = ("is_one_stop",)
    search_fields = ("code", "name", "agency__code", "agency__name")
    folded_search_fields = ("code", "name", "agency__name")
    autocomplete_fields = ("agency",)
    list_select_related = ("agency",)

    def service_create(self, actor: Any, values: dict[str, Any]) -> Model:
        return services.create_unit(actor=actor, **values)

    def service_update(self, actor: Any, obj: Model, changes: dict[str, Any]) -> Model:
        return services.update_unit(actor=actor, unit=obj, **changes)

    def delete_model(self, request: HttpRequest, obj: Unit) -> None:
        services.delete_unit(actor=request.user, unit=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            services.delete_unit(actor=request.user, unit=obj)


class DeskForm(ServiceFormMixin, forms.ModelForm):
    service_fields = _DESK_FIELDS

    class Meta:
        model = Desk
        fields = _DESK_FIELDS

    def validate_with_service(self, values: dict[str, Any], instance: Any) -> None:
        services.clean_desk_values(values, instance)


@admin.register(Desk)
class DeskAdmin(
    FoldedSearchMixin, ServiceAdminMixin, OrganizationsPermissionMixin, admin.ModelAdmin
):
    form = DeskForm
    list_display = ("name", "agency", "opening_hours", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "address", "agency__code", "agency__name")
    folded_search_fields = ("name", "address", "agency__name")
    autocomplete_fields = ("agency",)
    list_select_related = ("agency",)

    def service_create(self, actor: Any, values: dict[str, Any]) -> Model:
        return services.create_desk(actor=actor, **values)

    def service_update(self, actor: Any, obj: Model, changes: dict[str, Any]) -> Model:
        return services.update_desk(actor=actor, desk=obj, **changes)

    def delete_model(self, request: HttpRequest, obj: Desk) -> None:
        services.delete_desk(actor=request.user, desk=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            services.delete_desk(actor=request.user, desk=obj)


class CounterForm(ServiceFormMixin, forms.ModelForm):
    service_fields = _COUNTER_FIELDS

    class Meta:
        model = Counter
        fields = _COUNTER_FIELDS

    def service_values(self) -> dict[str, Any]:
        values = super().service_values()
        if "serves" in values:
            values["serves"] = list(values["serves"])
        return values

    def validate_with_service(self, values: dict[str, Any], instance: Any) -> None:
        services.clean_counter_values(values, instance)


@admin.register(Counter)
class CounterAdmin(ServiceAdminMixin, OrganizationsPermissionMixin, admin.ModelAdmin):
    form = CounterForm
    list_display = ("number", "label", "desk", "is_active")
    list_filter = ("is_active",)
    search_fields = ("label", "desk__name", "desk__agency__name")
    autocomplete_fields = ("desk", "serves")
    list_select_related = ("desk",)

    def service_create(self, actor: Any, values: dict[str, Any]) -> Model:
        return services.create_counter(actor=actor, **values)

    def service_update(self, actor: Any, obj: Model, changes: dict[str, Any]) -> Model:
        return services.update_counter(actor=actor, counter=obj, **changes)

    def delete_model(self, request: HttpRequest, obj: Counter) -> None:
        services.delete_counter(actor=request.user, counter=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            services.delete_counter(actor=request.user, counter=obj)
