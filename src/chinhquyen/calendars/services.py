"""Write side of the working calendar: seeding, overrides, office hours. Audited, one transaction each.

``actor=None`` means the system itself (the ``calendar seed`` command, the demo loader); views,
API handlers and the admin always pass ``request.user``, whose permission is checked here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from chinhquyen.audit import services as audit
from chinhquyen.calendars import deadlines, loader, national
from chinhquyen.calendars.exceptions import CalendarError
from chinhquyen.calendars.models import CalendarDay, OfficeHours, SeededYear
from chinhquyen.calendars.permissions import can_edit_calendar
from chinhquyen.events import services as events
from chinhquyen.organizations.models import Agency

DEFAULT_SEED_YEARS = range(2020, 2031)
NATIONAL_LABEL = "Lịch làm việc toàn quốc"


def _require_edit(actor: Any, agency: Agency | None) -> None:
    if actor is not None and not can_edit_calendar(actor, agency):
        raise PermissionDenied("Chỉ quản trị hệ thống cấp tỉnh được sửa lịch làm việc.")


def _agency(value: Any) -> Agency | None:
    try:
        return loader.resolve_agency(value)
    except CalendarError as exc:
        raise ValidationError({"agency": exc.message}) from exc


def _as_date(value: Any, field_name: str, label: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValidationError(
            {field_name: f"{label} «{value}» không đúng dạng năm-tháng-ngày."}
        ) from exc


# --- Seeding ----------------------------------------------------------------------------------


@dataclass
class SeedResult:
    years: list[int]
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept_admin_edits: int = 0
    new_years: list[int] = field(default_factory=list)
    office_hours_created: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.created
            or self.updated
            or self.removed
            or self.new_years
            or self.office_hours_created
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def seed_national_calendar(
    years: Iterable[int] = DEFAULT_SEED_YEARS, *, actor: Any = None
) -> SeedResult:
    """Load the national calendar of ``years`` from the ``holidays`` package and ``data/sources.json``.

    Idempotent: a second run changes nothing. Rows an administrator created, edited or removed are
    never touched; seeded rows the package no longer gives are removed. Marks the years as seeded
    and creates the national default office hours (Monday–Friday) if there are none.
    """
    _require_edit(actor, None)
    wanted_years = sorted({int(y) for y in years})
    for year in wanted_years:
        if not 1995 <= year <= 2100:
            raise ValidationError(
                f"Không khởi tạo được lịch năm {year}: chỉ hỗ trợ từ 1995 đến 2100."
            )
    result = SeedResult(years=wanted_years)
    if not wanted_years:
        return result
    wanted = {day.date: day for day in national.national_days(wanted_years)}
    year_set = set(wanted_years)
    with transaction.atomic():
        existing = {
            row.date: row
            for row in CalendarDay.objects.select_for_update().filter(
                agency__isnull=True,
                date__gte=date(wanted_years[0], 1, 1),
                date__lte=date(wanted_years[-1], 12, 31),
            )
            if row.date.year in year_set
        }
        to_create, to_update = [], []
        for day, item in wanted.items():
            row = existing.pop(day, None)
            if row is None:
                to_create.append(
                    CalendarDay(
                        date=day,
                        agency=None,
                        kind=item.kind,
                        name=item.name,
                        legal_source=item.legal_source,
                        pair_date=item.pair_date,
                        origin=CalendarDay.Origin.SEED,
                    )
                )
            elif row.origin == CalendarDay.Origin.ADMIN:
                result.kept_admin_edits += 1
            elif (row.kind, row.name, row.legal_source, row.pair_date, row.is_active) != (
                item.kind,
                item.name,
                item.legal_source,
                item.pair_date,
                True,
            ):
                row.kind, row.name, row.legal_source = item.kind, item.name, item.legal_source
                row.pair_date, row.is_active = item.pair_date, True
                to_update.append(row)
        stale = [row.pk for row in existing.values() if row.origin == CalendarDay.Origin.SEED]
        CalendarDay.objects.bulk_create(to_create)
        for row in to_update:
            row.save(
                update_fields=[
                    "kind",
                    "name",
                    "legal_source",
                    "pair_date",
                    "is_active",
                    "updated_at",
                ]
            )
        if stale:
            CalendarDay.objects.filter(pk__in=stale).delete()
        result.created, result.updated, result.removed = len(to_create), len(to_update), len(stale)
        known = set(SeededYear.objects.filter(year__in=wanted_years).values_list("year", flat=True))
        result.new_years = [y for y in wanted_years if y not in known]
        SeededYear.objects.bulk_create(
            [SeededYear(year=y, source=national.PACKAGE_LABEL) for y in result.new_years]
        )
        if not OfficeHours.objects.filter(agency__isnull=True).exists():
            OfficeHours.objects.bulk_create(
                [OfficeHours(agency=None, weekday=wd) for wd in range(5)]
            )
            result.office_hours_created = 5
        if result.changed:
            loader.bump_revision()
            audit.record(
                "calendars.seed",
                object_type="calendars.calendar",
                object_id="national",
                object_label=NATIONAL_LABEL,
                changes={**result.as_dict(), "source": national.PACKAGE_LABEL},
                actor=actor,
            )
            events.publish(
                "calendars.seeded",
                aggregate_type="calendars.calendar",
                aggregate_id="national",
                payload=result.as_dict(),
            )
    return result


# --- Overrides --------------------------------------------------------------------------------


def _base_week(agency: Agency | None) -> dict[int, tuple]:
    hours, _ = loader.office_hours_of(agency)
    return hours


def validate_override(
    *,
    day: date,
    kind: str,
    name: str,
    legal_source: str,
    agency: Agency | None,
    pair_date: date | None,
) -> tuple[str, str]:
    """Check one day before saving it; returns the cleaned name and legal source.

    Raises :class:`ValidationError` keyed by field. Used by :func:`save_override` and by admin forms.
    """
    errors: dict[str, str] = {}
    if kind not in CalendarDay.Kind.values:
        errors["kind"] = (
            "Loại ngày phải là: nghỉ lễ, Tết (holiday), nghỉ hoán đổi (day_off_swap) hoặc làm bù (worked_day)."
        )
    name = (name or "").strip()
    legal_source = (legal_source or "").strip()
    if not name:
        errors["name"] = "Cần nhập tên ngày (ví dụ «Ngày nghỉ (thay cho ngày 10/01/2026)»)."
    elif len(name) > 200:
        errors["name"] = "Tên ngày dài tối đa 200 ký tự."
    if len(legal_source) > 500:
        errors["legal_source"] = "Căn cứ pháp lý dài tối đa 500 ký tự."
    if pair_date is not None and pair_date == day:
        errors["pair_date"] = "Ngày hoán đổi tương ứng phải khác ngày đang sửa."
    if not SeededYear.objects.filter(year=day.year).exists():
        errors["date"] = (
            f"Năm {day.year} chưa được khởi tạo lịch; chạy «chinhquyen calendar seed --years {day.year}» trước."
        )
    if errors:
        raise ValidationError(errors)
    week = _base_week(agency)
    works_normally = day.weekday() in week
    label = f"{deadlines.WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}"
    if kind == CalendarDay.Kind.DAY_OFF_SWAP and not works_normally:
        raise ValidationError(
            {
                "kind": f"{label} vốn là ngày nghỉ; ngày nghỉ hoán đổi phải là một ngày làm việc bình thường."
            }
        )
    if kind == CalendarDay.Kind.WORKED_DAY and works_normally:
        national_off = (
            agency is not None
            and CalendarDay.objects.filter(
                agency__isnull=True,
                date=day,
                is_active=True,
                kind__in=list(deadlines.DAYS_OFF_KINDS),
            ).exists()
        )
        if not national_off:
            raise ValidationError(
                {
                    "kind": f"{label} vốn là ngày làm việc; ngày làm bù phải là ngày nghỉ (thứ Bảy, Chủ nhật hoặc ngày lễ)."
                }
            )
    return name, legal_source


def save_override(
    *,
    actor: Any,
    date: Any,
    kind: str,
    name: str,
    legal_source: str = "",
    agency: Any = None,
    pair_date: Any = None,
    day_id: int | None = None,
) -> CalendarDay:
    """Add or change one day of the national calendar (``agency=None``) or of an agency's calendar.

    Without ``day_id`` the row of that date and scope is created, or replaced if it exists (a
    removed national day is restored). With ``day_id`` that row is changed (its date may move).
    """
    the_agency = _agency(agency)
    _require_edit(actor, the_agency)
    day = _as_date(date, "date", "Ngày")
    if day is None:
        raise ValidationError({"date": "Cần nhập ngày."})
    pair = _as_date(pair_date, "pair_date", "Ngày hoán đổi tương ứng")
    clean_name, clean_source = validate_override(
        day=day, kind=kind, name=name, legal_source=legal_source, agency=the_agency, pair_date=pair
    )
    with transaction.atomic():
        same_slot = (
            CalendarDay.objects.select_for_update().filter(date=day, agency=the_agency).first()
        )
        if day_id is not None:
            row = CalendarDay.objects.select_for_update().filter(pk=day_id).first()
            if row is None:
                raise ValidationError(f"Không tìm thấy ngày đặc biệt số {day_id}.")
            if same_slot is not None and same_slot.pk != row.pk:
                raise ValidationError({"date": f"Lịch đã có ngày {day:%d/%m/%Y}; hãy sửa ngày đó."})
        else:
            row = same_slot or CalendarDay(date=day, agency=the_agency)
        before = row.as_dict() if row.pk else {}
        row.date, row.agency, row.kind, row.name = day, the_agency, kind, clean_name
        row.legal_source, row.pair_date = clean_source, pair
        row.is_active, row.origin = True, CalendarDay.Origin.ADMIN
        row.save()
        after = row.as_dict()
        loader.bump_revision()
        audit.record(
            "calendars.override_saved", obj=row, changes=audit.diff(before, after), actor=actor
        )
        events.publish(
            "calendars.override_changed",
            aggregate=row,
            payload={"action": "saved", "id": row.pk, **after, "before": before or None},
        )
    return row


def delete_override(*, actor: Any, day: CalendarDay | int) -> None:
    """Remove a day: an agency's row is deleted; a national row is kept inactive so seeding skips it."""
    row = day if isinstance(day, CalendarDay) else CalendarDay.objects.filter(pk=day).first()
    if row is None:
        raise CalendarDay.DoesNotExist(f"Không tìm thấy ngày đặc biệt số {day}.")
    _require_edit(actor, row.agency)
    with transaction.atomic():
        row = (
            CalendarDay.objects.select_for_update(of=("self",))
            .select_related("agency")
            .get(pk=row.pk)
        )
        before = row.as_dict()
        pk, label = row.pk, str(row)
        if row.agency_id is None:
            if not row.is_active and row.origin == CalendarDay.Origin.ADMIN:
                return
            row.is_active, row.origin = False, CalendarDay.Origin.ADMIN
            row.save(update_fields=["is_active", "origin", "updated_at"])
            after = row.as_dict()
        else:
            row.delete()
            after = {}
        loader.bump_revision()
        audit.record(
            "calendars.override_removed",
            object_type=CalendarDay._meta.label_lower,
            object_id=pk,
            object_label=label,
            changes=audit.diff(before, after),
            actor=actor,
        )
        events.publish(
            "calendars.override_changed",
            aggregate_type=CalendarDay._meta.label_lower,
            aggregate_id=pk,
            payload={"action": "removed", "id": pk, **before},
        )


# --- Office hours -----------------------------------------------------------------------------


def _as_time(value: Any, field_name: str) -> time | None:
    if value in (None, ""):
        return None
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValidationError(
            {field_name: f"Giờ «{value}» không đúng dạng giờ:phút (ví dụ 07:30)."}
        ) from exc


def save_office_hours(
    *,
    actor: Any,
    agency: Any,
    weekday: int,
    morning_start: Any,
    morning_end: Any,
    afternoon_start: Any = None,
    afternoon_end: Any = None,
    hours_id: int | None = None,
) -> OfficeHours:
    """Set the hours of one weekday for an agency (``agency=None``: the national default)."""
    the_agency = _agency(agency)
    _require_edit(actor, the_agency)
    try:
        weekday = int(weekday)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            {"weekday": "Thứ phải là số từ 0 (Thứ Hai) đến 6 (Chủ nhật)."}
        ) from exc
    if not 0 <= weekday <= 6:
        raise ValidationError({"weekday": "Thứ phải là số từ 0 (Thứ Hai) đến 6 (Chủ nhật)."})
    with transaction.atomic():
        same_slot = (
            OfficeHours.objects.select_for_update()
            .filter(agency=the_agency, weekday=weekday)
            .first()
        )
        if hours_id is not None:
            row = OfficeHours.objects.select_for_update().filter(pk=hours_id).first()
            if row is None:
                raise ValidationError(f"Không tìm thấy giờ làm việc số {hours_id}.")
            if same_slot is not None and same_slot.pk != row.pk:
                raise ValidationError(
                    {"weekday": "Đã có giờ làm việc cho thứ này; hãy sửa dòng đó."}
                )
        else:
            row = same_slot or OfficeHours(agency=the_agency, weekday=weekday)
        before = row.as_dict() if row.pk else {}
        row.agency, row.weekday = the_agency, weekday
        row.morning_start = _as_time(morning_start, "morning_start")
        row.morning_end = _as_time(morning_end, "morning_end")
        row.afternoon_start = _as_time(afternoon_start, "afternoon_start")
        row.afternoon_end = _as_time(afternoon_end, "afternoon_end")
        if row.morning_start is None or row.morning_end is None:
            raise ValidationError({"morning_start": "Cần nhập giờ làm việc buổi sáng."})
        row.full_clean(exclude=["agency"], validate_unique=False, validate_constraints=False)
        row.save()
        after = row.as_dict()
        loader.bump_revision()
        audit.record(
            "calendars.office_hours_saved", obj=row, changes=audit.diff(before, after), actor=actor
        )
        events.publish(
            "calendars.office_hours_changed", aggregate=row, payload={"action": "saved", **after}
        )
    return row


def delete_office_hours(*, actor: Any, hours: OfficeHours | int) -> None:
    row = hours if isinstance(hours, OfficeHours) else OfficeHours.objects.filter(pk=hours).first()
    if row is None:
        raise OfficeHours.DoesNotExist(f"Không tìm thấy giờ làm việc số {hours}.")
    _require_edit(actor, row.agency)
    with transaction.atomic():
        before, pk, label = row.as_dict(), row.pk, str(row)
        row.delete()
        loader.bump_revision()
        audit.record(
            "calendars.office_hours_removed",
            object_type=OfficeHours._meta.label_lower,
            object_id=pk,
            object_label=label,
            changes=audit.diff(before, {}),
            actor=actor,
        )
        events.publish(
            "calendars.office_hours_changed",
            aggregate_type=OfficeHours._meta.label_lower,
            aggregate_id=pk,
            payload={"action": "removed", **before},
        )
