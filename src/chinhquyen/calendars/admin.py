"""Django admin for the working calendar. Every save and delete goes through the services (audited)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from chinhquyen.calendars import services
from chinhquyen.calendars.models import CalendarDay, OfficeHours, SeededYear
from chinhquyen.calendars.permissions import can_edit_calendar


class _ThroughServices(admin.ModelAdmin):
    """Saves and deletes call a service; only calendar editors may change anything."""

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request) and can_edit_calendar(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and can_edit_calendar(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and can_edit_calendar(request.user)

    def _save(self, request, obj) -> object:  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    def _delete(self, request, obj) -> None:  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    def save_model(self, request, obj, form, change) -> None:
        saved = self._save(request, obj)
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request, obj) -> None:
        self._delete(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self._delete(request, obj)


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ("date", "kind", "name", "legal_source", "pair_date", "agency")

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                services.validate_override(
                    day=data["date"],
                    kind=data["kind"],
                    name=data["name"],
                    legal_source=data.get("legal_source", ""),
                    agency=data.get("agency"),
                    pair_date=data.get("pair_date"),
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


@admin.register(CalendarDay)
class CalendarDayAdmin(_ThroughServices):
    form = CalendarDayForm
    list_display = ("date", "weekday", "kind", "name", "agency", "origin", "is_active")
    list_filter = ("kind", "origin", "is_active", ("agency", admin.EmptyFieldListFilter))
    search_fields = ("name", "legal_source", "agency__code", "agency__name")
    date_hierarchy = "date"
    raw_id_fields = ("agency",)
    fields = ("date", "kind", "name", "legal_source", "pair_date", "agency")
    ordering = ("-date",)

    @admin.display(description="thứ")
    def weekday(self, obj: CalendarDay) -> str:
        from chinhquyen.calendars.deadlines import WEEKDAYS

        return WEEKDAYS[obj.date.weekday()]

    def _save(self, request, obj: CalendarDay):
        return services.save_override(
            actor=request.user,
            date=obj.date,
            kind=obj.kind,
            name=obj.name,
            legal_source=obj.legal_source,
            agency=obj.agency,
            pair_date=obj.pair_date,
            day_id=obj.pk,
        )

    def _delete(self, request, obj: CalendarDay) -> None:
        services.delete_override(actor=request.user, day=obj)


@admin.register(OfficeHours)
class OfficeHoursAdmin(_ThroughServices):
    list_display = (
        "agency",
        "weekday",
        "morning_start",
        "morning_end",
        "afternoon_start",
        "afternoon_end",
    )
    list_filter = ("weekday", ("agency", admin.EmptyFieldListFilter))
    raw_id_fields = ("agency",)
    search_fields = ("agency__code", "agency__name")

    def _save(self, request, obj: OfficeHours):
        return services.save_office_hours(
            actor=request.user,
            agency=obj.agency,
            weekday=obj.weekday,
            morning_start=obj.morning_start,
            morning_end=obj.morning_end,
            afternoon_start=obj.afternoon_start,
            afternoon_end=obj.afternoon_end,
            hours_id=obj.pk,
        )

    def _delete(self, request, obj: OfficeHours) -> None:
        services.delete_office_hours(actor=request.user, hours=obj)


@admin.register(SeededYear)
class SeededYearAdmin(admin.ModelAdmin):
    """Read-only: years are added by ``chinhquyen calendar seed``."""

    list_display = ("year", "source", "seeded_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
