"""Build an agency's :class:`~chinhquyen.calendars.deadlines.CalendarSnapshot` from the database.

Snapshots are kept in memory per process, keyed by the token of :class:`CalendarRevision`; every
service that changes the calendar sets a new token in its transaction, so the next computation in
any process (one indexed single-row query) sees the change.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from django.db import connection
from django.utils import timezone

from chinhquyen.calendars.deadlines import DEFAULT_WEEK, CalendarSnapshot, DayInfo
from chinhquyen.calendars.exceptions import UnknownAgencyError
from chinhquyen.calendars.models import CalendarDay, CalendarRevision, OfficeHours, SeededYear
from chinhquyen.lib import agency_code as agency_codes
from chinhquyen.organizations.models import Agency

_lock = threading.Lock()
_cache: dict[int | None, CalendarSnapshot] = {}
_cache_token: str | None = None


_TOKEN_SQL = 'SELECT "token" FROM "calendars_calendarrevision" WHERE "id" = 1'


def current_token() -> str:
    """The calendar's revision: one primary-key read, run before every deadline computation."""
    with connection.cursor() as cursor:
        cursor.execute(_TOKEN_SQL)
        row = cursor.fetchone()
    return (row[0] if row else "") or ""


def bump_revision() -> str:
    """Mark the calendar changed. Call inside the transaction of the change."""
    token = uuid.uuid4().hex
    now = timezone.now()
    if not CalendarRevision.objects.filter(pk=1).update(token=token, changed_at=now):
        CalendarRevision.objects.create(pk=1, token=token, changed_at=now)
    clear_cache()
    return token


def clear_cache() -> None:
    global _cache_token
    with _lock:
        _cache.clear()
        _cache_token = None


def resolve_agency(agency: Any) -> Agency | None:
    """``None``/"" for the national calendar, an :class:`Agency`, or an agency code (any case)."""
    if agency is None or agency == "":
        return None
    if isinstance(agency, Agency):
        return agency
    code = agency_codes.normalize(str(agency))
    found = Agency.objects.filter(code=code).first()
    if found is None:
        raise UnknownAgencyError(str(agency).strip())
    return found


def calendar_for(agency: Any = None) -> CalendarSnapshot:
    """The working calendar of ``agency`` (an Agency, a code, or None for the national calendar).

    Raises :class:`~chinhquyen.calendars.exceptions.UnknownAgencyError` for an unknown code.
    """
    global _cache_token
    found = resolve_agency(agency)
    key = found.pk if found is not None else None
    token = current_token()
    if token:
        with _lock:
            if token != _cache_token:
                _cache.clear()
                _cache_token = token
            snapshot = _cache.get(key)
        if snapshot is not None:
            return snapshot
    snapshot = build_snapshot(found)
    if token:
        with _lock:
            if _cache_token == token:
                _cache[key] = snapshot
    return snapshot


def office_hours_of(agency: Agency | None) -> tuple[dict[int, tuple], str]:
    """The weekly hours that apply to ``agency`` and where they come from ("agency"/"national"/"default")."""
    if agency is not None:
        rows = list(OfficeHours.objects.filter(agency=agency))
        if rows:
            return {r.weekday: r.intervals() for r in rows}, "agency"
    rows = list(OfficeHours.objects.filter(agency__isnull=True))
    if rows:
        return {r.weekday: r.intervals() for r in rows}, "national"
    return dict(DEFAULT_WEEK), "default"


def build_snapshot(agency: Agency | None) -> CalendarSnapshot:
    years = frozenset(SeededYear.objects.values_list("year", flat=True))
    fields = ("date", "kind", "name", "legal_source", "pair_date")
    special: dict = {}
    for day, kind, name, source, pair in CalendarDay.objects.filter(
        agency__isnull=True, is_active=True
    ).values_list(*fields):
        special[day] = DayInfo(kind, name, source, False, pair)
    if agency is not None:
        for day, kind, name, source, pair in CalendarDay.objects.filter(
            agency=agency, is_active=True
        ).values_list(*fields):
            special[day] = DayInfo(kind, name, source, True, pair)
    hours, _ = office_hours_of(agency)
    return CalendarSnapshot(
        years=years,
        special_days=special,
        office_hours=hours,
        agency_code=agency.code if agency is not None else "",
        agency_name=agency.name if agency is not None else "",
    )
