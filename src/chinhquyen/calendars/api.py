"""REST API of the working calendar, mounted at ``/api/v1/calendar``.

Reads are public (the calendar and deadline arithmetic are public information); overrides need a
session of the province administrator. Errors are JSON ``{"detail": "<Vietnamese message>",
"code": "...", "errors": {...}}``: 400 for a missing or malformed parameter, 422 for input the
calendar cannot accept (a negative duration, an unknown agency, a naive moment, a year without
calendar data), 403, 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.security import django_auth

from chinhquyen.calendars import deadlines, parsing, selectors, services
from chinhquyen.calendars.exceptions import CalendarError, NaiveDatetimeError
from chinhquyen.calendars.models import CalendarDay
from chinhquyen.calendars.permissions import can_edit_calendar

router = Router(tags=["calendar"])


class ErrorOut(Schema):
    detail: str
    code: str
    errors: dict[str, list[str]] | None = None


class DayOut(Schema):
    id: int
    date: str
    weekday: str
    kind: str
    kind_label: str
    name: str
    legal_source: str
    scope: str
    agency: str | None
    pair_date: str | None
    origin: str


class DaysOut(Schema):
    year: int
    agency: str | None
    seeded: bool
    office_hours: dict[str, Any]
    days: list[DayOut]


class PauseOut(Schema):
    start: str
    end: str
    reason: str


class DueOut(Schema):
    agency: str | None
    unit: str
    amount: float
    start: str
    effective_start: str
    due: str
    restarted: bool
    cutoff_applied: bool
    pauses: list[PauseOut]


class ExplainedDayOut(Schema):
    date: str
    weekday: str
    status: str
    kind: str
    reason: str
    legal_source: str
    counted_days: float
    counted_hours: float


class ExplainOut(DueOut):
    notes: list[str]
    days: list[ExplainedDayOut]


class OverrideIn(Schema):
    """A day to add (or replace) in the national calendar (``agency`` empty) or an agency's calendar."""

    date: str = ""
    kind: str = ""
    name: str = ""
    legal_source: str = ""
    agency: str | None = None
    pair_date: str | None = None


class BadRequest(Exception):
    def __init__(self, message: str, code: str = "bad_request") -> None:
        super().__init__(message)
        self.message, self.code = message, code


def _error(status: int, detail: str, code: str, errors: dict | None = None):
    return Status(status, {"detail": detail, "code": code, "errors": errors})


def _handle(fn):
    """Run ``fn`` and turn the calendar's exceptions into JSON errors."""
    try:
        return fn()
    except BadRequest as exc:
        return _error(400, exc.message, exc.code)
    except CalendarError as exc:
        return _error(422, exc.message, exc.code)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return _error(422, next(iter(errors.values()))[0], "invalid", errors)
    except PermissionDenied as exc:
        return _error(403, str(exc) or "Không có quyền.", "forbidden")


ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ComputeQuery(Schema):
    start: str | None = None
    working_days: str | None = None
    working_hours: str | None = None
    agency: str | None = None
    paper: str | None = None
    cutoff: str | None = None
    pause: list[str] = []
    restart: list[str] = []


def _compute_args(q: ComputeQuery) -> tuple[Any, Any, dict[str, Any]]:
    if not q.start:
        raise BadRequest(
            "Thiếu tham số start (thời điểm bắt đầu, ví dụ 2026-02-12T09:00+07:00).",
            "missing_start",
        )
    days = (q.working_days or "").strip() or None
    hours = (q.working_hours or "").strip() or None
    if (days is None) == (hours is None):
        raise BadRequest(
            "Cần đúng một trong hai tham số working_days hoặc working_hours.", "missing_duration"
        )
    try:
        start = parsing.parse_moment(q.start, what="Thời điểm bắt đầu (start)")
        cutoff = (
            parsing.parse_time(q.cutoff, what="Giờ chốt (cutoff)")
            if q.cutoff
            else deadlines.DEFAULT_CUTOFF
        )
        pauses = [parsing.parse_pause(p) for p in q.pause]
        restarts = [parsing.parse_moment(r, what="Thời điểm tính lại (restart)") for r in q.restart]
    except NaiveDatetimeError:
        raise
    except CalendarError as exc:
        raise BadRequest(exc.message, exc.code) from exc
    calendar = selectors.calendar_for((q.agency or "").strip() or None)
    options = {
        "working_days": days,
        "working_hours": hours,
        "paper": parsing.parse_bool(q.paper),
        "cutoff": cutoff,
        "pauses": pauses,
        "restarts": restarts,
    }
    return calendar, start, options


@router.get(
    "/days",
    response={200: DaysOut, **ERRORS},
    summary="Ngày nghỉ lễ, nghỉ hoán đổi và làm bù của một năm",
)
def days(request: HttpRequest, year: str | None = None, agency: str | None = None):
    def run():
        if not year:
            raise BadRequest("Thiếu tham số year (ví dụ year=2026).", "missing_year")
        try:
            the_year = parsing.parse_year(year)
        except CalendarError as exc:
            raise BadRequest(exc.message, exc.code) from exc
        the_agency = selectors.resolve_agency((agency or "").strip() or None)
        return Status(
            200,
            {
                "year": the_year,
                "agency": the_agency.code if the_agency else None,
                "seeded": the_year in selectors.seeded_years(),
                "office_hours": selectors.office_hours_summary(the_agency),
                "days": [r.as_dict() for r in selectors.days_for_year(the_year, the_agency)],
            },
        )

    return _handle(run)


@router.get(
    "/due", response={200: DueOut, **ERRORS}, summary="Tính hạn theo ngày hoặc giờ làm việc"
)
def due(request: HttpRequest, q: Query[ComputeQuery]):
    def run():
        calendar, start, options = _compute_args(q)
        result = deadlines.compute(calendar, start, **options)
        return Status(200, deadlines.deadline_dict(result, calendar.agency_code))

    return _handle(run)


@router.get(
    "/explain",
    response={200: ExplainOut, **ERRORS},
    summary="Giải thích hạn: ngày được tính và ngày bỏ qua",
)
def explain(request: HttpRequest, q: Query[ComputeQuery]):
    def run():
        calendar, start, options = _compute_args(q)
        return Status(200, deadlines.explain(calendar, start, **options).as_dict())

    return _handle(run)


@router.post(
    "/overrides",
    auth=django_auth,
    response={201: DayOut, **ERRORS},
    summary="Thêm hoặc thay một ngày của lịch (quản trị hệ thống cấp tỉnh)",
)
def add_override(request: HttpRequest, payload: OverrideIn):
    def run():
        agency_code = (payload.agency or "").strip() or None
        if not can_edit_calendar(request.user):
            raise PermissionDenied("Chỉ quản trị hệ thống cấp tỉnh được sửa lịch làm việc.")
        if not payload.date.strip():
            raise BadRequest("Thiếu trường date (ví dụ 2027-01-02).", "missing_date")
        day = services.save_override(
            actor=request.user,
            date=payload.date,
            kind=payload.kind.strip(),
            name=payload.name,
            legal_source=payload.legal_source,
            agency=agency_code,
            pair_date=(payload.pair_date or "").strip() or None,
        )
        day = CalendarDay.objects.select_related("agency").get(pk=day.pk)
        return Status(201, selectors.day_row(day).as_dict())

    return _handle(run)


@router.delete(
    "/overrides/{day_id}",
    auth=django_auth,
    response={204: None, **ERRORS},
    summary="Bỏ một ngày của lịch (quản trị hệ thống cấp tỉnh)",
)
def remove_override(request: HttpRequest, day_id: int):
    def run():
        if not can_edit_calendar(request.user):
            raise PermissionDenied("Chỉ quản trị hệ thống cấp tỉnh được sửa lịch làm việc.")
        day = CalendarDay.objects.filter(pk=day_id).first()
        if day is None:
            return _error(404, f"Không tìm thấy ngày đặc biệt số {day_id}.", "not_found")
        services.delete_override(actor=request.user, day=day)
        return Status(204, None)

    return _handle(run)
