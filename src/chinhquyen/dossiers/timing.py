"""Deadlines of a dossier, of its steps and of other agencies' parts, all computed by ``calendars``.

Nothing here counts days itself: every due moment comes from
:mod:`chinhquyen.calendars.deadlines` with the agency's working calendar. This module only
gathers the inputs a dossier holds (its start, unit and amount, the paper 15:00 rule, its pauses,
the moment its deadline restarted after a supplement, the new date of an apology) and asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError

from chinhquyen.calendars import deadlines
from chinhquyen.calendars.exceptions import CalendarError
from chinhquyen.calendars.selectors import calendar_for
from chinhquyen.catalog.parsing import TimeUnit
from chinhquyen.dossiers import codes
from chinhquyen.dossiers.models import DeadlineUnit, Timing

TZ = deadlines.TZ


_memo: ContextVar[dict | None] = ContextVar("dossier_calendar_memo", default=None)


@contextmanager
def one_calendar_read() -> Iterator[None]:
    """Inside, each agency's calendar is read once (one action or one list: a consistent view
    and one revision check instead of one per deadline)."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def calendar(agency: Any) -> deadlines.CalendarSnapshot:
    memo = _memo.get()
    key = getattr(agency, "pk", agency)
    if memo is not None and key in memo:
        return memo[key]
    snapshot = calendar_for(agency)
    if memo is not None:
        memo[key] = snapshot
    return snapshot


def _calendar_error(exc: CalendarError) -> ValidationError:
    return ValidationError(exc.message, code=exc.code)


def procedure_deadline(
    procedure: Any, channel: str, process: list[dict[str, Any]]
) -> tuple[str, Decimal | None]:
    """(unit, amount) of the procedure's processing time for ``channel``.

    The channel's own time, else the direct channel's, else the sum of the internal process's
    step allowances (working hours). Raises a ValidationError when none is known.
    """
    duration = procedure.processing_time(channel) or procedure.processing_time()
    if duration is not None:
        unit, value = duration.unit, duration.value
        if unit == TimeUnit.SAME_DAY:
            return DeadlineUnit.SAME_DAY, None
        if value is not None and value > 0:
            if unit == TimeUnit.WORKING_DAY:
                return DeadlineUnit.WORKING_DAYS, Decimal(value)
            if unit in (TimeUnit.WORKING_HOUR, TimeUnit.HOUR):
                return DeadlineUnit.WORKING_HOURS, Decimal(value)
            if unit == TimeUnit.DAY:
                return DeadlineUnit.CALENDAR_DAYS, Decimal(value)
            if unit == TimeUnit.WEEK:
                return DeadlineUnit.CALENDAR_DAYS, Decimal(value) * 7
    total = sum((Decimal(str(s["allowance_hours"])) for s in process), Decimal(0))
    if total > 0:
        return DeadlineUnit.WORKING_HOURS, total
    raise ValidationError(
        "Thủ tục chưa có thời hạn giải quyết tính được (ngày làm việc, giờ làm việc hoặc quy "
        "trình nội bộ có thời gian từng bước); không thể hẹn ngày trả kết quả. Quản trị viên cần "
        "bổ sung thời hạn trong danh mục thủ tục.",
        code="no_deadline",
    )


def _pause_list(pauses: Any, now: datetime | None) -> list[deadlines.Pause]:
    out = []
    for p in pauses:
        end = p.ended_at or now
        if end is not None and end > p.started_at:
            out.append(deadlines.Pause(p.started_at, end, p.get_kind_display()))
    return out


def compute(
    cal: deadlines.CalendarSnapshot,
    start: datetime,
    unit: str,
    amount: Decimal | Fraction | None,
    *,
    pauses: list[deadlines.Pause] = (),  # type: ignore[assignment]
    restarts: list[datetime] = (),  # type: ignore[assignment]
    paper: bool = False,
) -> datetime:
    """The due moment of ``amount`` ``unit`` from ``start`` in ``cal``."""
    cutoff = codes.paper_cutoff()
    try:
        if unit == DeadlineUnit.WORKING_DAYS:
            return deadlines.compute(
                cal, start, working_days=amount, pauses=pauses, restarts=restarts,
                paper=paper, cutoff=cutoff,
            ).due  # fmt: skip
        if unit == DeadlineUnit.WORKING_HOURS:
            return deadlines.compute(
                cal, start, working_hours=amount, pauses=pauses, restarts=restarts,
                paper=paper, cutoff=cutoff,
            ).due  # fmt: skip
        anchor = deadlines.effective_start(
            cal, start, restarts=restarts, paper=paper, cutoff=cutoff
        )
        if unit == DeadlineUnit.SAME_DAY:
            # The end of the working day counting starts on: from that day's opening, one day.
            first = deadlines.next_working_moment(cal, anchor)
            midnight = datetime(first.year, first.month, first.day, tzinfo=TZ)
            opening = deadlines.next_working_moment(cal, midnight)
            return deadlines.add_working_days(cal, opening, 1)
        if unit == DeadlineUnit.CALENDAR_DAYS:
            paused = sum(
                (p.end - max(p.start, anchor) for p in pauses if p.end > anchor),
                timedelta(0),
            )
            end = anchor + timedelta(days=float(amount or 0)) + paused
            return deadlines.next_working_moment(cal, end)
    except CalendarError as exc:
        raise _calendar_error(exc) from exc
    raise ValueError(f"unknown deadline unit {unit!r}")


def dossier_due(
    dossier: Any, *, pauses: Any = None, now: datetime | None = None
) -> datetime | None:
    """The dossier's due date from its inputs (``None`` before reception).

    After an apology with a new date (``rescheduled_at``), the new date holds; pauses that begin
    after it push it by their working time. A supplement completed after the new date restarts
    the full deadline from zero, as any supplement does.
    """
    if dossier.received_at is None or not dossier.deadline_unit:
        return None
    if pauses is None:
        pauses = dossier.pauses.all() if dossier.pause_count else []
    rows = list(pauses)
    pause_list = _pause_list(rows, now)
    cal = calendar(dossier.agency)
    restart = dossier.deadline_restarted_at
    if dossier.rescheduled_due_at is not None and (
        restart is None or restart <= dossier.rescheduled_at
    ):
        moment = dossier.rescheduled_at
        try:
            remaining = deadlines.count_working_hours(cal, moment, dossier.rescheduled_due_at)
            later = [p for p in pause_list if p.start >= moment]
            if not later:
                return dossier.rescheduled_due_at
            return deadlines.compute(cal, moment, working_hours=remaining, pauses=later).due
        except CalendarError as exc:
            raise _calendar_error(exc) from exc
    return compute(
        cal,
        dossier.received_at,
        dossier.deadline_unit,
        dossier.deadline_amount,
        pauses=pause_list,
        restarts=[restart] if restart else [],
        paper=dossier.paper,
    )


# The catalog converts working days to step allowances at 8 hours a day
# (``catalog.parsing.Duration.working_hours``); an office day in the calendar may be shorter
# (7:30–11:30, 13:30–17:00 is 7.5 hours). Steps of a procedure counted in days are therefore
# counted on the working-day clock, ``allowance / 8`` days each, so that the steps add up to
# exactly the dossier's deadline whatever the office hours.
HOURS_PER_WORKING_DAY = 8


def step_due(
    agency: Any,
    start: datetime,
    allowance_hours: Any,
    pauses: Any = (),
    now: datetime | None = None,
    *,
    unit: str = DeadlineUnit.WORKING_DAYS,
) -> datetime:
    """A step's own deadline: its allowance from when it started."""
    hours = Decimal(str(allowance_hours))
    if unit == DeadlineUnit.WORKING_HOURS:
        step_unit, amount = DeadlineUnit.WORKING_HOURS, hours
    else:
        step_unit, amount = DeadlineUnit.WORKING_DAYS, Fraction(hours) / HOURS_PER_WORKING_DAY
    return compute(calendar(agency), start, step_unit, amount, pauses=_pause_list(pauses, now))


def part_due(agency: Any, start: datetime, unit: str, amount: Any) -> datetime:
    """The deadline of a consultation or inter-agency part, in that agency's calendar."""
    return compute(calendar(agency), start, unit, Decimal(str(amount)))


def forward_due(agency: Any, received_at: datetime, paper: bool) -> datetime:
    """When the desk must have forwarded the dossier (Decree 61/2018 Art. 18).

    Paper received by the cut-off (15:00): the end of that working day; later, or on a day off:
    the end of the next working morning. Online dossiers go at once: the end of the working day.
    """
    cal = calendar(agency)
    cutoff = codes.paper_cutoff()
    local = received_at.astimezone(TZ)
    try:
        start = deadlines.effective_start(cal, received_at, paper=paper, cutoff=cutoff)
        first = deadlines.next_working_moment(cal, start)
        if paper and (start != local or not cal.is_working_day(local.date())):
            # The next working morning: the end of that day's first office interval.
            end = cal.hours_for(first.date())[0][1]
            return datetime.combine(first.date(), end, tzinfo=TZ)
        midnight = datetime(first.year, first.month, first.day, tzinfo=TZ)
        return deadlines.add_working_days(cal, deadlines.next_working_moment(cal, midnight), 1)
    except CalendarError as exc:
        raise _calendar_error(exc) from exc


def timing(at: datetime, due: datetime | None) -> str:
    """Early (before the due day), on time (the due day, by the due moment) or late."""
    if due is None:
        return ""
    if at > due:
        return Timing.LATE
    if at.astimezone(TZ).date() == due.astimezone(TZ).date():
        return Timing.ON_TIME
    return Timing.EARLY


def add_working_days(agency: Any, start: datetime, days: int, *, paper: bool = False) -> datetime:
    try:
        return deadlines.compute(
            calendar(agency), start, working_days=days, paper=paper, cutoff=codes.paper_cutoff()
        ).due
    except CalendarError as exc:
        raise _calendar_error(exc) from exc


def working_days_between(agency: Any, start: datetime, end: datetime) -> Fraction:
    """Working days from ``start`` to ``end`` (negative when ``end`` is before ``start``)."""
    cal = calendar(agency)
    try:
        if end >= start:
            return deadlines.count_working_days(cal, start, end)
        return -deadlines.count_working_days(cal, end, start)
    except CalendarError as exc:
        raise _calendar_error(exc) from exc


def next_working_moment(agency: Any, moment: datetime) -> datetime:
    try:
        return deadlines.next_working_moment(calendar(agency), moment)
    except CalendarError as exc:
        raise _calendar_error(exc) from exc
