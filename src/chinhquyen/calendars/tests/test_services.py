"""Seeding, overrides and office hours through the services: audited, permission-checked, idempotent."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chinhquyen.audit.models import AuditRecord
from chinhquyen.calendars import deadlines as dl
from chinhquyen.calendars import loader, selectors, services
from chinhquyen.calendars.exceptions import OutsideSeededYearsError, UnknownAgencyError
from chinhquyen.calendars.models import CalendarDay, OfficeHours, SeededYear
from chinhquyen.calendars.national import national_days
from chinhquyen.calendars.tests.conftest import YEARS, national_snapshot, vn
from chinhquyen.events.models import OutboxEvent

pytestmark = pytest.mark.django_db


# --- Seeding ---------------------------------------------------------------------------------------


def test_seed_loads_the_package_and_marks_the_years(seeded):
    assert seeded.created == len(national_days(YEARS))
    assert seeded.new_years == list(YEARS)
    assert list(SeededYear.objects.values_list("year", flat=True)) == list(YEARS)
    assert OfficeHours.objects.filter(agency__isnull=True).count() == 5
    record = AuditRecord.objects.get(action="calendars.seed")
    assert record.changes["created"] == seeded.created
    assert OutboxEvent.objects.filter(event_type="calendars.seeded").count() == 1


def test_seed_is_idempotent(seeded):
    again = services.seed_national_calendar(YEARS)
    assert not again.changed
    assert AuditRecord.objects.filter(action="calendars.seed").count() == 1


def test_the_database_calendar_equals_the_package_calendar(seeded):
    """Same days, kinds and deadlines whether the calendar comes from SQLite, PostgreSQL or memory."""
    from_db = selectors.calendar_for(None)
    pure = national_snapshot()
    assert from_db.years == pure.years
    assert {d: (i.kind, i.name, i.pair_date) for d, i in from_db.special_days.items()} == {
        d: (i.kind, i.name, i.pair_date) for d, i in pure.special_days.items()
    }
    assert from_db.office_hours == pure.office_hours
    for start in (vn(2025, 1, 24, 9), vn(2026, 2, 12, 9), vn(2026, 8, 21, 16, 45)):
        for n in (1, 5, 15, 60):
            assert dl.add_working_days(from_db, start, n) == dl.add_working_days(pure, start, n)
            assert dl.add_working_hours(from_db, start, n) == dl.add_working_hours(pure, start, n)


def test_seed_never_overwrites_an_administrators_edit(seeded, officials):
    admin = officials["admin"]
    national_day = CalendarDay.objects.get(date=date(2026, 9, 1), agency__isnull=True)
    services.save_override(
        actor=admin,
        date=date(2026, 9, 1),
        kind="holiday",
        name="Quốc khánh (sửa tay)",
        legal_source="Văn bản thử",
    )
    removed = CalendarDay.objects.get(date=date(2026, 11, 24), agency__isnull=True)
    services.delete_override(actor=admin, day=removed)
    result = services.seed_national_calendar(YEARS)
    assert result.kept_admin_edits == 2 and result.created == 0 and result.updated == 0
    national_day.refresh_from_db()
    assert national_day.name == "Quốc khánh (sửa tay)"
    removed.refresh_from_db()
    assert not removed.is_active
    assert dl.is_working_day(selectors.calendar_for(), date(2026, 11, 24))


def test_seed_refreshes_rows_it_owns(seeded):
    row = CalendarDay.objects.get(date=date(2026, 4, 30), agency__isnull=True)
    CalendarDay.objects.filter(pk=row.pk).update(name="tên cũ")
    stale = CalendarDay.objects.create(
        date=date(2026, 6, 1), kind="holiday", name="không còn", origin=CalendarDay.Origin.SEED
    )
    result = services.seed_national_calendar([2026])
    assert result.updated == 1 and result.removed == 1
    row.refresh_from_db()
    assert row.name == "Ngày Chiến thắng"
    assert not CalendarDay.objects.filter(pk=stale.pk).exists()


def test_only_the_province_administrator_may_seed(db, officials):
    with pytest.raises(PermissionDenied):
        services.seed_national_calendar([2026], actor=officials["justice_leader"])
    assert not SeededYear.objects.exists()


# --- Overrides --------------------------------------------------------------------------------------


def test_an_override_changes_the_next_deadline_and_is_audited(seeded, officials):
    start = vn(2027, 1, 6, 9)  # Wednesday
    before = selectors.due(None, start, working_days=2).due
    assert before == vn(2027, 1, 8, 9)
    # A swap announced for next year: Fri 08/01/2027 off, Sat 16/01/2027 worked.
    day_off = services.save_override(
        actor=officials["admin"],
        date="2027-01-08",
        kind="day_off_swap",
        name="Ngày nghỉ (thay cho ngày 16/01/2027)",
        legal_source="Văn bản thử nghiệm",
        pair_date="2027-01-16",
    )
    services.save_override(
        actor=officials["admin"],
        date=date(2027, 1, 16),
        kind="worked_day",
        name="Làm bù cho ngày nghỉ 08/01/2027",
        pair_date=date(2027, 1, 8),
    )
    assert selectors.due(None, start, working_days=2).due == vn(2027, 1, 11, 9)
    assert selectors.due(None, vn(2027, 1, 15, 9), working_days=1).due == vn(2027, 1, 16, 9)
    record = AuditRecord.objects.filter(action="calendars.override_saved").order_by("seq").first()
    assert record.object_id == str(day_off.pk)
    assert record.actor_id == officials["admin"].pk
    assert record.changes["kind"] == {"before": None, "after": "day_off_swap"}
    events = OutboxEvent.objects.filter(event_type="calendars.override_changed")
    assert events.count() == 2
    assert sorted(e.payload["date"] for e in events) == ["2027-01-08", "2027-01-16"]
    assert {e.payload["action"] for e in events} == {"saved"}


def test_removing_an_override_restores_the_deadline_and_is_audited(seeded, officials):
    day = services.save_override(
        actor=officials["admin"], date="2027-03-03", kind="holiday", name="Nghỉ thử"
    )
    assert selectors.due(None, vn(2027, 3, 2, 9), working_days=1).due == vn(2027, 3, 4, 9)
    services.delete_override(actor=officials["admin"], day=day.pk)
    assert selectors.due(None, vn(2027, 3, 2, 9), working_days=1).due == vn(2027, 3, 3, 9)
    record = AuditRecord.objects.get(action="calendars.override_removed")
    assert record.changes["is_active"] == {"before": True, "after": False}


def test_an_agency_day_changes_only_that_agency(seeded, officials, agency_tree):
    justice, building = agency_tree["justice"], agency_tree["building"]
    services.save_override(
        actor=officials["admin"],
        date="2026-03-26",
        kind="holiday",
        name="Ngày truyền thống ngành Tư pháp",
        agency=justice.code,
    )
    start = vn(2026, 3, 25, 9)
    assert selectors.due(justice, start, working_days=1).due == vn(2026, 3, 27, 9)
    assert selectors.due(justice.code.lower(), start, working_days=1).due == vn(2026, 3, 27, 9)
    assert selectors.due(building, start, working_days=1).due == vn(2026, 3, 26, 9)
    assert selectors.due(None, start, working_days=1).due == vn(2026, 3, 26, 9)
    rows = selectors.days_for_year(2026, justice)
    assert any(r.scope == "agency" and r.date == date(2026, 3, 26) for r in rows)
    # Deleting an agency's own day removes the row.
    row = CalendarDay.objects.get(agency=justice)
    services.delete_override(actor=officials["admin"], day=row)
    assert not CalendarDay.objects.filter(pk=row.pk).exists()


def test_an_agency_may_work_on_a_national_holiday(seeded, officials, agency_tree):
    ward = agency_tree["ward"]
    services.save_override(
        actor=officials["admin"],
        date="2026-11-24",
        kind="worked_day",
        name="Trực tiếp nhận hồ sơ",
        agency=ward,
    )
    assert dl.is_working_day(selectors.calendar_for(ward), date(2026, 11, 24))
    assert not dl.is_working_day(selectors.calendar_for(), date(2026, 11, 24))


@pytest.mark.parametrize("who", ["justice_leader", "justice_specialist", "ward_clerk"])
def test_officials_other_than_the_administrator_may_not_change_the_calendar(seeded, officials, who):
    with pytest.raises(PermissionDenied):
        services.save_override(actor=officials[who], date="2027-01-08", kind="holiday", name="Nghỉ")
    day = CalendarDay.objects.filter(agency__isnull=True).first()
    with pytest.raises(PermissionDenied):
        services.delete_override(actor=officials[who], day=day)
    assert not AuditRecord.objects.filter(action__startswith="calendars.override").exists()


def test_a_citizen_may_not_change_the_calendar(seeded, citizen):
    with pytest.raises(PermissionDenied):
        services.save_override(actor=citizen, date="2027-01-08", kind="holiday", name="Nghỉ")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"date": "2027-01-09", "kind": "day_off_swap"}, "kind", "vốn là ngày nghỉ"),  # a Saturday
        ({"date": "2027-01-08", "kind": "worked_day"}, "kind", "vốn là ngày làm việc"),  # a Friday
        ({"date": "2031-01-08", "kind": "holiday"}, "date", "chưa được khởi tạo"),
        ({"date": "2027-01-08", "kind": "nghi"}, "kind", "Loại ngày"),
        ({"date": "2027-01-08", "kind": "holiday", "name": " "}, "name", "tên ngày"),
        ({"date": "08/01/2027", "kind": "holiday"}, "date", "năm-tháng-ngày"),
        (
            {"date": "2027-01-08", "kind": "holiday", "agency": "KHONG.CO"},
            "agency",
            "Không tìm thấy cơ quan",
        ),
    ],
)
def test_bad_overrides_get_clear_errors(seeded, officials, fields, field, message):
    data = {"name": "Ngày thử", **fields}
    with pytest.raises(ValidationError) as exc:
        services.save_override(actor=officials["admin"], **data)
    assert message in " ".join(exc.value.message_dict[field])


def test_an_override_may_replace_a_national_day_by_id(seeded, officials):
    row = CalendarDay.objects.get(date=date(2026, 9, 1), agency__isnull=True)
    moved = services.save_override(
        actor=officials["admin"],
        day_id=row.pk,
        date="2026-09-03",
        kind="holiday",
        name="Quốc khánh (ngày liền kề)",
    )
    assert moved.pk == row.pk and moved.date == date(2026, 9, 3)
    with pytest.raises(ValidationError, match="đã có"):
        services.save_override(
            actor=officials["admin"], day_id=row.pk, date="2026-09-02", kind="holiday", name="x"
        )


# --- Office hours -----------------------------------------------------------------------------------


def test_agency_office_hours(seeded, officials, agency_tree):
    ward = agency_tree["ward"]
    for weekday in range(5):
        services.save_office_hours(
            actor=officials["admin"],
            agency=ward,
            weekday=weekday,
            morning_start="07:00",
            morning_end="11:00",
            afternoon_start="13:00",
            afternoon_end="17:00",
        )
    services.save_office_hours(
        actor=officials["admin"],
        agency=ward,
        weekday=5,
        morning_start=time(7, 30),
        morning_end=time(11, 30),
    )
    cal = selectors.calendar_for(ward)
    assert cal.office_hours[5] == ((time(7, 30), time(11, 30)),)
    # Fri 06/03/2026 16:00 + 4 h: 1 h Friday, then 3 h on Saturday morning.
    assert dl.add_working_hours(cal, vn(2026, 3, 6, 16), 4) == vn(2026, 3, 7, 10, 30)
    assert AuditRecord.objects.filter(action="calendars.office_hours_saved").count() == 6
    with pytest.raises(ValidationError):
        services.save_office_hours(
            actor=officials["admin"],
            agency=ward,
            weekday=2,
            morning_start="11:00",
            morning_end="08:00",
        )
    with pytest.raises(PermissionDenied):
        services.save_office_hours(
            actor=officials["ward_clerk"],
            agency=ward,
            weekday=2,
            morning_start="08:00",
            morning_end="11:00",
        )
    services.delete_office_hours(
        actor=officials["admin"], hours=OfficeHours.objects.get(agency=ward, weekday=5)
    )
    assert 5 not in selectors.calendar_for(ward).office_hours


# --- Loader ----------------------------------------------------------------------------------------


def test_the_loader_caches_until_the_calendar_changes(
    seeded, officials, django_assert_max_num_queries
):
    first = selectors.calendar_for(None)
    with django_assert_max_num_queries(1):
        assert selectors.calendar_for(None) is first
    services.save_override(
        actor=officials["admin"], date="2027-03-03", kind="holiday", name="Nghỉ thử"
    )
    second = selectors.calendar_for(None)
    assert second is not first
    assert date(2027, 3, 3) in second.days_off


def test_unknown_agencies_and_unseeded_years_raise(seeded):
    with pytest.raises(UnknownAgencyError, match="000.99.99.H41"):
        selectors.calendar_for("000.99.99.H41")
    with pytest.raises(OutsideSeededYearsError, match="2030"):
        selectors.due(None, vn(2030, 1, 3, 9), working_days=1)


def test_without_seeding_nothing_is_guessed(db):
    with pytest.raises(OutsideSeededYearsError, match="chưa có năm nào"):
        selectors.due(None, vn(2026, 2, 12, 9), working_days=5)
    assert loader.current_token() == ""
