"""Deadline arithmetic (tính thời hạn) in working days and working hours.

Pure Python: no Django and no database. Every function takes a :class:`CalendarSnapshot` (the days
off, the worked Saturdays and the office hours of one agency, built by
:func:`chinhquyen.calendars.loader.calendar_for` or by hand in tests) and aware datetimes, computes
in Asia/Ho_Chi_Minh and returns aware datetimes.

The model
---------
Every moment has a position on two clocks that advance only during the office hours of working days:

* the **working-time clock** ``W``: microseconds of office time since the calendar's first day;
* the **working-day clock** ``P = i + e / L``: ``i`` is the index of the working day, ``e`` the office
  time already elapsed that day and ``L`` that day's office time. A whole working day is 1 on this
  clock whatever its hours (a 4-hour Saturday worked in exchange counts as one day).

Adding N working hours gives the earliest moment whose ``W`` is ``W(start) + N``; adding N working
days the earliest moment whose ``P`` is ``P(start) + N``. "Earliest" means a deadline that ends
exactly with a day's office hours reads 17:00 of that day, not 07:30 of the next. Counting is the
difference of the clocks, so adding then counting gives N back exactly: the arithmetic uses integers
(microseconds) and fractions, never floats.

The one-stop rules (Decree 61/2018, Art. 18–19, and its successors):

* ``paper=True``: a paper dossier received after the cut-off (default 15:00) is forwarded, and
  counted, from the next working morning;
* ``pauses``: intervals that do not count (waiting for the applicant's supplement, or for another
  agency); they never shorten a deadline;
* ``restarts``: moments at which the deadline restarts from zero (a complete supplement arrived); the
  latest one is the new start, and pauses before it no longer matter.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cached_property
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from chinhquyen.calendars.exceptions import (
    CalendarError,
    InvalidCalendarError,
    InvalidDurationError,
    InvalidIntervalError,
    NaiveDatetimeError,
    NegativeDurationError,
    OutsideSeededYearsError,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_CUTOFF = time(15, 0)
Interval = tuple[time, time]
DEFAULT_HOURS: tuple[Interval, ...] = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
DEFAULT_WEEK: Mapping[int, tuple[Interval, ...]] = {weekday: DEFAULT_HOURS for weekday in range(5)}

HOLIDAY = "holiday"
DAY_OFF_SWAP = "day_off_swap"
WORKED_DAY = "worked_day"
KINDS = (HOLIDAY, DAY_OFF_SWAP, WORKED_DAY)
DAYS_OFF_KINDS = frozenset({HOLIDAY, DAY_OFF_SWAP})
KIND_LABELS = {HOLIDAY: "Nghỉ lễ, Tết", DAY_OFF_SWAP: "Nghỉ hoán đổi", WORKED_DAY: "Làm bù"}
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

DAYS = "days"
HOURS = "hours"
UNIT_LABELS = {DAYS: "ngày làm việc", HOURS: "giờ làm việc"}

US_PER_SECOND = 1_000_000
US_PER_HOUR = 3600 * US_PER_SECOND
_ONE_US = timedelta(microseconds=1)


# --- Data -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayInfo:
    """A day that differs from the ordinary week: a holiday, a weekday off, a Saturday worked."""

    kind: str
    name: str
    legal_source: str = ""
    agency_specific: bool = False
    pair_date: date | None = None

    @property
    def is_day_off(self) -> bool:
        return self.kind in DAYS_OFF_KINDS


class Pause(NamedTuple):
    """An interval that does not count (tạm dừng tính thời hạn)."""

    start: datetime
    end: datetime
    reason: str = ""


@dataclass(frozen=True, eq=False)
class CalendarSnapshot:
    """One agency's working calendar: which years are known, special days, weekly office hours.

    ``office_hours`` maps a weekday (0 = Monday) to its intervals; weekdays not in it are days off.
    A worked day (``WORKED_DAY``) on a weekday without hours uses :attr:`worked_day_hours`.
    """

    years: frozenset[int]
    special_days: Mapping[date, DayInfo] = field(default_factory=dict)
    office_hours: Mapping[int, tuple[Interval, ...]] = field(
        default_factory=lambda: dict(DEFAULT_WEEK)
    )
    agency_code: str = ""
    agency_name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "years", frozenset(int(y) for y in self.years))
        hours: dict[int, tuple[Interval, ...]] = {}
        for weekday, intervals in self.office_hours.items():
            if not 0 <= int(weekday) <= 6:
                raise InvalidCalendarError(
                    f"Thứ trong tuần phải từ 0 (Thứ Hai) đến 6 (Chủ nhật), nhận {weekday}."
                )
            intervals = tuple(sorted((tuple(iv) for iv in intervals), key=lambda iv: iv[0]))
            previous_end: time | None = None
            for begin, end in intervals:
                if not begin < end:
                    raise InvalidCalendarError(
                        f"Giờ làm việc {WEEKDAYS[weekday]}: giờ bắt đầu {begin:%H:%M} phải trước giờ kết thúc {end:%H:%M}."
                    )
                if previous_end is not None and begin < previous_end:
                    raise InvalidCalendarError(
                        f"Giờ làm việc {WEEKDAYS[weekday]}: các buổi chồng lên nhau."
                    )
                previous_end = end
            if intervals:
                hours[int(weekday)] = intervals
        object.__setattr__(self, "office_hours", hours)
        object.__setattr__(self, "special_days", dict(self.special_days))

    def __repr__(self) -> str:
        years = sorted(self.years)
        span = f"{years[0]}–{years[-1]}" if years else "none"
        return (
            f"<CalendarSnapshot {self.agency_code or 'national'} years={span} "
            f"special_days={len(self.special_days)} weekdays={sorted(self.office_hours)}>"
        )

    @property
    def days_off(self) -> frozenset[date]:
        return frozenset(d for d, info in self.special_days.items() if info.kind in DAYS_OFF_KINDS)

    @property
    def worked_days(self) -> frozenset[date]:
        return frozenset(d for d, info in self.special_days.items() if info.kind == WORKED_DAY)

    @property
    def worked_day_hours(self) -> tuple[Interval, ...]:
        """Hours of a Saturday worked in exchange: those of the first working weekday."""
        return self.office_hours[min(self.office_hours)] if self.office_hours else DEFAULT_HOURS

    def hours_for(self, day: date) -> tuple[Interval, ...]:
        info = self.special_days.get(day)
        if info is not None:
            if info.kind in DAYS_OFF_KINDS:
                return ()
            if info.kind == WORKED_DAY:
                return self.office_hours.get(day.weekday()) or self.worked_day_hours
        return self.office_hours.get(day.weekday(), ())

    def is_working_day(self, day: date) -> bool:
        if day.year not in self.years:
            raise OutsideSeededYearsError(day.year, self.years)
        return bool(self.hours_for(day))

    @cached_property
    def compiled(self) -> _Compiled:
        return _Compiled(self)


# --- Input checking ---------------------------------------------------------------------------


def _aware(value: Any, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise CalendarError(
            f"{what} phải là một thời điểm (ngày giờ), nhận được {type(value).__name__}."
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(what)
    return value


def _fraction(value: Any, unit: str) -> Fraction:
    if isinstance(value, bool):
        raise InvalidDurationError(f"Thời hạn phải là một số {unit}.")
    try:
        if isinstance(value, int | Fraction):
            result = Fraction(value)
        elif isinstance(value, Decimal):
            result = Fraction(value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ValueError(value)
            result = Fraction(repr(value))
        elif isinstance(value, str):
            result = Fraction(Decimal(value.strip().replace(",", ".")))
        else:
            raise TypeError(value)
    except (ValueError, TypeError, ArithmeticError, InvalidOperation) as exc:
        raise InvalidDurationError(
            f"Thời hạn «{value}» không phải là một số {unit} hợp lệ."
        ) from exc
    if result < 0:
        raise NegativeDurationError(value, unit)
    return result


def _days(value: Any) -> Fraction | int:
    if type(value) is int:  # the common case, kept an int for speed (ints behave as fractions here)
        if value < 0:
            raise NegativeDurationError(value, UNIT_LABELS[DAYS])
        return value
    return _fraction(value, UNIT_LABELS[DAYS])


def _microseconds(value: Any) -> int:
    if type(value) is int:
        if value < 0:
            raise NegativeDurationError(value, UNIT_LABELS[HOURS])
        return value * US_PER_HOUR
    if isinstance(value, timedelta):
        if value < timedelta(0):
            raise NegativeDurationError(value, UNIT_LABELS[HOURS])
        return value // _ONE_US
    hours = _fraction(value, UNIT_LABELS[HOURS])
    return math.ceil(hours * US_PER_HOUR)


def _pauses(pauses: Iterable[Any], after: datetime) -> list[Pause]:
    """Sorted, merged pauses that end after ``after``, clipped to start no earlier than it."""
    items: list[Pause] = []
    for raw in pauses or ():
        pause = raw if isinstance(raw, Pause) else Pause(*raw)
        begin = _aware(pause.start, "Thời điểm bắt đầu tạm dừng")
        end = _aware(pause.end, "Thời điểm kết thúc tạm dừng")
        if end < begin:
            raise InvalidIntervalError(
                f"Khoảng tạm dừng kết thúc ({fmt(end)}) trước khi bắt đầu ({fmt(begin)})."
            )
        if end <= after:
            continue
        items.append(Pause(max(begin, after), end, pause.reason))
    items.sort(key=lambda p: p.start)
    merged: list[Pause] = []
    for pause in items:
        if merged and pause.start <= merged[-1].end:
            last = merged[-1]
            reason = (
                last.reason
                if not pause.reason or pause.reason == last.reason
                else f"{last.reason}; {pause.reason}"
            )
            merged[-1] = Pause(last.start, max(last.end, pause.end), reason)
        else:
            merged.append(pause)
    return [p for p in merged if p.end > p.start]


def _anchor(start: datetime, restarts: Iterable[datetime]) -> datetime:
    anchor = start
    for raw in restarts or ():
        moment = _aware(raw, "Thời điểm tính lại từ đầu")
        if moment < start:
            raise InvalidIntervalError(
                f"Thời điểm tính lại từ đầu ({fmt(moment)}) không được trước thời điểm bắt đầu ({fmt(start)})."
            )
        anchor = max(anchor, moment)
    return anchor


# --- The compiled calendar --------------------------------------------------------------------


def _us_of(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * US_PER_SECOND + t.microsecond


class _Compiled:
    """Arrays over the seeded years: working days, their office intervals and cumulative office time."""

    def __init__(self, snapshot: CalendarSnapshot) -> None:
        self.snapshot = snapshot
        self.years = snapshot.years
        self.ordinals: list[int] = []  # ordinal of each working day
        self.intervals: list[tuple[tuple[int, int], ...]] = []  # microseconds since local midnight
        self.length: list[int] = []  # office time of each working day
        self.cum: list[int] = []  # office time before each working day
        self.cum_end: list[int] = []  # office time up to the end of each working day
        self.first: list[int] = []  # per calendar day: index of the first working day on/after it
        if not self.years:
            self.base = self.span = 0
            self.first_year = self.last_year = 0
            return
        self.first_year, self.last_year = min(self.years), max(self.years)
        self.base = date(self.first_year, 1, 1).toordinal()
        self.span = date(self.last_year, 12, 31).toordinal() - self.base + 1
        total = 0
        hour_cache: dict[tuple[Interval, ...], tuple[tuple[int, int], ...]] = {}
        for offset in range(self.span):
            self.first.append(len(self.ordinals))
            day = date.fromordinal(self.base + offset)
            if day.year not in self.years:
                continue
            hours = snapshot.hours_for(day)
            if not hours:
                continue
            micro = hour_cache.get(hours)
            if micro is None:
                micro = hour_cache[hours] = tuple((_us_of(a), _us_of(b)) for a, b in hours)
            length = sum(b - a for a, b in micro)
            self.ordinals.append(self.base + offset)
            self.intervals.append(micro)
            self.length.append(length)
            self.cum.append(total)
            total += length
            self.cum_end.append(total)
        self.first.append(len(self.ordinals))
        self.cum.append(total)
        self.count = len(self.ordinals)

    # -- seeded-year checks

    def outside(self, year: int) -> OutsideSeededYearsError:
        return OutsideSeededYearsError(year, self.years)

    def check_span(self, first: datetime, last: datetime) -> None:
        y0, y1 = first.astimezone(TZ).year, last.astimezone(TZ).year
        for year in range(y0, y1 + 1):
            if year not in self.years:
                raise self.outside(year)

    def day_index(self, day: date) -> int | None:
        """Index of ``day`` among working days, or None if it is not a working day."""
        offset = day.toordinal() - self.base
        if day.year not in self.years or not 0 <= offset < self.span:
            raise self.outside(day.year)
        i = self.first[offset]
        return i if i < self.count and self.ordinals[i] == day.toordinal() else None

    # -- positions

    def locate(self, t: datetime) -> tuple[int, int]:
        """(working-day index, office time elapsed that day) of a moment; (i, 0) before day i opens."""
        local = t.astimezone(TZ)
        offset = local.toordinal() - self.base
        if local.year not in self.years or not 0 <= offset < self.span:
            raise self.outside(local.year)
        i = self.first[offset]
        if i < self.count and self.ordinals[i] == self.base + offset:
            us = (
                (local.hour * 60 + local.minute) * 60 + local.second
            ) * US_PER_SECOND + local.microsecond
            elapsed = 0
            for begin, end in self.intervals[i]:
                if us <= begin:
                    break
                if us < end:
                    elapsed += us - begin
                    break
                elapsed += end - begin
            return i, elapsed
        return i, 0

    def w(self, t: datetime) -> int:
        i, e = self.locate(t)
        return self.cum[i] + e

    def p(self, t: datetime) -> Fraction:
        i, e = self.locate(t)
        return Fraction(i) if e == 0 else i + Fraction(e, self.length[i])

    # -- moments

    def _at(self, i: int, us: int) -> datetime:
        day = date.fromordinal(self.ordinals[i])
        return datetime(day.year, day.month, day.day, tzinfo=TZ) + timedelta(microseconds=us)

    def _beyond_end(self) -> OutsideSeededYearsError:
        return self.outside(self.last_year + 1)

    def moment(self, i: int, e: int) -> datetime:
        """The earliest moment at position (i, e): the end of day i-1 rather than the opening of day i."""
        if e == 0 and i > 0:
            i -= 1
            e = self.length[i]
        if i >= self.count:
            raise self._beyond_end()
        acc = 0
        for begin, end in self.intervals[i]:
            if e <= acc + end - begin:
                return self._at(i, begin + e - acc)
            acc += end - begin
        raise AssertionError("elapsed time beyond the day's office hours")  # pragma: no cover

    def latest(self, i: int, e: int) -> datetime:
        """The latest moment at position (i, e): the opening of day i+1 rather than the end of day i."""
        if i >= self.count:
            raise self._beyond_end()
        acc = 0
        for begin, end in self.intervals[i]:
            if e < acc + end - begin:
                return self._at(i, begin + e - acc)
            acc += end - begin
        return self.latest(i + 1, 0)

    def opening(self, i: int) -> datetime:
        return self.latest(i, 0)

    def from_w(self, w: int) -> datetime:
        if not self.count or w > self.cum[self.count]:
            raise self._beyond_end()
        i = bisect.bisect_left(self.cum_end, w)
        return self.moment(i, w - self.cum[i])

    def from_p(self, p: Fraction) -> datetime:
        j = p.numerator // p.denominator
        rest = p - j
        if rest == 0:
            if j > self.count:
                raise self._beyond_end()
            return self.moment(j, 0)
        if j >= self.count:
            raise self._beyond_end()
        product = rest * self.length[j]
        return self.moment(j, -((-product.numerator) // product.denominator))  # ceiling

    # -- arithmetic

    def add_days(self, t: datetime, days: Fraction | int, pauses: list[Pause]) -> datetime:
        if not pauses and days.denominator == 1:
            i, e = self.locate(t)
            j = i + days.numerator
            if e == 0:
                if j > self.count:
                    raise self._beyond_end()
                return self.moment(j, 0)
            if j >= self.count:
                raise self._beyond_end()
            if self.length[j] == self.length[i]:
                return self.moment(j, e)
        return self._walk(t, days, pauses, self.p, self.from_p)

    def add_us(self, t: datetime, us: int, pauses: list[Pause]) -> datetime:
        if not pauses:
            return self.from_w(self.w(t) + us)
        return self._walk(t, us, pauses, self.w, self.from_w)

    @staticmethod
    def _walk(t, amount, pauses, clock, inverse) -> datetime:
        cursor = clock(t)
        remaining = amount
        for pause in pauses:
            gap = clock(pause.start) - cursor
            if gap >= remaining:
                break
            if gap > 0:
                remaining -= gap
            cursor = max(cursor, clock(pause.end))
        return inverse(cursor + remaining)

    def measure(self, start: datetime, end: datetime, pauses: list[Pause], clock) -> Any:
        total = clock(end) - clock(start)
        for pause in pauses:
            if pause.start >= end:
                break
            total -= clock(min(pause.end, end)) - clock(pause.start)
        return total

    def next_working_moment(self, t: datetime) -> datetime:
        i, e = self.locate(t)
        return self.latest(i, e)


# --- Public functions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """The result of a computation: where counting started and when it ends."""

    unit: str
    amount: Fraction | int
    start: datetime
    effective_start: datetime
    due: datetime
    pauses: tuple[Pause, ...] = ()
    restarted: bool = False
    cutoff_applied: bool = False


def effective_start(
    calendar: CalendarSnapshot,
    start: datetime,
    *,
    restarts: Iterable[datetime] = (),
    paper: bool = False,
    cutoff: time = DEFAULT_CUTOFF,
) -> datetime:
    """The moment counting starts: the latest restart (or ``start``), after the paper cut-off rule."""
    return _effective(calendar, _aware(start, "Thời điểm bắt đầu"), restarts, paper, cutoff)[0]


def _effective(calendar, start, restarts, paper, cutoff) -> tuple[datetime, bool]:
    anchor = _anchor(start, restarts)
    local = anchor.astimezone(TZ)
    if not paper:
        return local, False
    if not isinstance(cutoff, time):
        raise CalendarError("Giờ chốt nhận hồ sơ giấy phải là một giờ trong ngày (ví dụ 15:00).")
    c = calendar.compiled
    i = c.day_index(local.date())
    if i is not None and local.time() > cutoff:
        if i + 1 >= c.count:
            raise c.outside(local.year + 1)
        return c.opening(i + 1), True
    return local, False


def compute(
    calendar: CalendarSnapshot,
    start: datetime,
    *,
    working_days: Any = None,
    working_hours: Any = None,
    pauses: Iterable[Any] = (),
    restarts: Iterable[datetime] = (),
    paper: bool = False,
    cutoff: time = DEFAULT_CUTOFF,
) -> Deadline:
    """Compute a deadline of ``working_days`` or ``working_hours`` (exactly one) from ``start``."""
    if (working_days is None) == (working_hours is None):
        raise InvalidDurationError("Cần đúng một trong hai: số ngày làm việc hoặc số giờ làm việc.")
    start = _aware(start, "Thời điểm bắt đầu")
    restarts = list(restarts or ())
    unit = DAYS if working_days is not None else HOURS
    amount_days = _days(working_days) if unit == DAYS else None
    amount_us = _microseconds(working_hours) if unit == HOURS else None
    c = calendar.compiled
    eff, shifted = _effective(calendar, start, restarts, paper, cutoff)
    merged = _pauses(pauses, eff)
    if unit == DAYS:
        amount = amount_days
        due = c.next_working_moment(eff) if amount == 0 else c.add_days(eff, amount, merged)
    else:
        amount = (
            amount_us // US_PER_HOUR
            if amount_us % US_PER_HOUR == 0
            else Fraction(amount_us, US_PER_HOUR)
        )
        due = c.next_working_moment(eff) if amount_us == 0 else c.add_us(eff, amount_us, merged)
    c.check_span(eff, due)
    return Deadline(
        unit=unit,
        amount=amount,
        start=start.astimezone(TZ),
        effective_start=eff,
        due=due,
        pauses=tuple(merged),
        restarted=_anchor(start, restarts) != start,
        cutoff_applied=shifted,
    )


def add_working_days(
    calendar: CalendarSnapshot, start: datetime, days: Any, **options: Any
) -> datetime:
    """The due moment of ``days`` working days from ``start`` (options: pauses, restarts, paper, cutoff)."""
    return compute(calendar, start, working_days=days, **options).due


def add_working_hours(
    calendar: CalendarSnapshot, start: datetime, hours: Any, **options: Any
) -> datetime:
    """The due moment of ``hours`` working hours (a number or a timedelta) from ``start``."""
    return compute(calendar, start, working_hours=hours, **options).due


def _count(calendar, start, end, pauses, unit) -> Fraction:
    start = _aware(start, "Thời điểm bắt đầu")
    end = _aware(end, "Thời điểm kết thúc")
    if end < start:
        raise InvalidIntervalError(
            f"Thời điểm kết thúc ({fmt(end)}) trước thời điểm bắt đầu ({fmt(start)})."
        )
    c = calendar.compiled
    c.check_span(start, end)
    merged = _pauses(pauses, start)
    if unit == DAYS:
        return c.measure(start, end, merged, c.p)
    return Fraction(c.measure(start, end, merged, c.w), US_PER_HOUR)


def count_working_days(
    calendar: CalendarSnapshot, start: datetime, end: datetime, *, pauses=()
) -> Fraction:
    """Working days between two moments (a fraction: half a day is 1/2), pauses not counted."""
    return _count(calendar, start, end, pauses, DAYS)


def count_working_hours(
    calendar: CalendarSnapshot, start: datetime, end: datetime, *, pauses=()
) -> Fraction:
    """Working hours between two moments (an exact fraction of hours), pauses not counted."""
    return _count(calendar, start, end, pauses, HOURS)


def is_working_day(calendar: CalendarSnapshot, day: date) -> bool:
    return calendar.is_working_day(day)


def next_working_moment(calendar: CalendarSnapshot, moment: datetime) -> datetime:
    """``moment`` itself during office hours, otherwise the next opening."""
    return calendar.compiled.next_working_moment(_aware(moment, "Thời điểm"))


# --- Explanation ------------------------------------------------------------------------------

COUNTED = "counted"
PARTIAL = "partial"
SKIPPED = "skipped"


@dataclass(frozen=True)
class ExplainedDay:
    """One calendar day between the start and the due date, and whether (how much of) it counted."""

    date: date
    status: str
    kind: str
    reason: str
    counted_us: int = 0
    day_us: int = 0
    legal_source: str = ""

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.date.weekday()]

    @property
    def hours(self) -> Fraction:
        return Fraction(self.counted_us, US_PER_HOUR)

    @property
    def day_fraction(self) -> Fraction:
        return Fraction(self.counted_us, self.day_us) if self.day_us else Fraction(0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "weekday": self.weekday,
            "status": self.status,
            "kind": self.kind,
            "reason": self.reason,
            "legal_source": self.legal_source,
            "counted_days": number(self.day_fraction),
            "counted_hours": number(self.hours),
        }


@dataclass(frozen=True)
class Explanation:
    deadline: Deadline
    days: tuple[ExplainedDay, ...]
    notes: tuple[str, ...]
    agency_code: str = ""

    @property
    def total(self) -> Fraction:
        """What the counted days add up to, in the deadline's unit (equals the amount asked for)."""
        if self.deadline.unit == DAYS:
            return sum((d.day_fraction for d in self.days), Fraction(0))
        return sum((d.hours for d in self.days), Fraction(0))

    def as_dict(self) -> dict[str, Any]:
        return {
            **deadline_dict(self.deadline, self.agency_code),
            "notes": list(self.notes),
            "days": [d.as_dict() for d in self.days],
        }

    def as_text(self) -> str:
        d = self.deadline
        lines = [
            f"Thời hạn: {number(d.amount)} {UNIT_LABELS[d.unit]}"
            + (f" — cơ quan {self.agency_code}" if self.agency_code else ""),
            f"Bắt đầu: {fmt(d.start)}",
            f"Bắt đầu tính: {fmt(d.effective_start)}",
            f"Hạn: {fmt(d.due)} ({isoformat(d.due)})",
            "",
        ]
        lines += [f"- {note}" for note in self.notes]
        if self.notes:
            lines.append("")
        marks = {COUNTED: "[tính]   ", PARTIAL: "[một phần]", SKIPPED: "[bỏ qua] "}
        for day in self.days:
            if not day.counted_us:
                amount = ""
            elif d.unit == DAYS and day.status == COUNTED:
                amount = "1 ngày"
            else:
                amount = duration_text(day.counted_us)
            lines.append(
                f"{day.date:%d/%m/%Y} {day.weekday:<8} {marks[day.status]} {amount:>13}  {day.reason}"
            )
        return "\n".join(lines)


def explain(
    calendar: CalendarSnapshot,
    start: datetime,
    *,
    working_days: Any = None,
    working_hours: Any = None,
    pauses: Iterable[Any] = (),
    restarts: Iterable[datetime] = (),
    paper: bool = False,
    cutoff: time = DEFAULT_CUTOFF,
) -> Explanation:
    """The deadline and, day by day, what counted and what was skipped and why."""
    pauses = list(pauses or ())
    restarts = list(restarts or ())
    deadline = compute(
        calendar,
        start,
        working_days=working_days,
        working_hours=working_hours,
        pauses=pauses,
        restarts=restarts,
        paper=paper,
        cutoff=cutoff,
    )
    c = calendar.compiled
    w_start, w_due = c.w(deadline.effective_start), c.w(deadline.due)
    paused = [(c.w(p.start), c.w(p.end), p) for p in deadline.pauses]
    anchor = _anchor(deadline.start, restarts).astimezone(TZ)
    notes: list[str] = []
    if deadline.restarted:
        notes.append(f"Thời hạn được tính lại từ đầu từ {fmt(anchor)} (đã nhận đủ hồ sơ bổ sung).")
    if deadline.cutoff_applied:
        notes.append(
            f"Hồ sơ giấy nhận lúc {fmt(anchor)}, sau {cutoff:%H:%M}: bắt đầu tính từ "
            f"{fmt(deadline.effective_start)} (sáng ngày làm việc tiếp theo)."
        )
    for pause in deadline.pauses:
        notes.append(
            f"Tạm dừng tính thời hạn từ {fmt(pause.start)} đến {fmt(pause.end)}"
            + (f": {pause.reason}" if pause.reason else "")
            + "."
        )
    if deadline.unit == DAYS:
        notes.append(
            "Mỗi ngày làm việc được tính bằng toàn bộ giờ hành chính của ngày đó; thời hạn kết thúc "
            "vào cùng thời điểm trong ngày làm việc cuối cùng."
        )
    days: list[ExplainedDay] = []
    day = anchor.date()
    last = deadline.due.astimezone(TZ).date()
    while day <= last:
        days.append(
            _explain_day(calendar, c, day, w_start, w_due, paused, deadline, anchor, cutoff)
        )
        day += timedelta(days=1)
    return Explanation(
        deadline=deadline, days=tuple(days), notes=tuple(notes), agency_code=calendar.agency_code
    )


def _explain_day(
    calendar, c, day, w_start, w_due, paused, deadline, anchor, cutoff
) -> ExplainedDay:
    info = calendar.special_days.get(day)
    i = c.day_index(day)
    if i is None:
        if info is not None and info.is_day_off:
            label = "Nghỉ lễ, Tết" if info.kind == HOLIDAY else "Nghỉ hoán đổi"
            reason = f"{label}: {info.name}"
            if info.agency_specific:
                reason += " (lịch riêng của cơ quan)"
            return ExplainedDay(day, SKIPPED, info.kind, reason, legal_source=info.legal_source)
        if day.weekday() >= 5:
            return ExplainedDay(
                day, SKIPPED, "weekend", f"Nghỉ hằng tuần ({WEEKDAYS[day.weekday()]})"
            )
        return ExplainedDay(
            day, SKIPPED, "no_office_hours", f"Cơ quan không làm việc vào {WEEKDAYS[day.weekday()]}"
        )
    low, high = c.cum[i], c.cum_end[i]
    a, b = max(low, w_start), min(high, w_due)
    window = max(0, b - a)
    paused_here = []
    for p0, p1, pause in paused:
        overlap = min(b, p1) - max(a, p0)
        if overlap > 0:
            paused_here.append((overlap, pause))
    counted = window - sum(o for o, _ in paused_here)
    length = c.length[i]
    worked = info is not None and info.kind == WORKED_DAY
    base = f"Ngày làm việc ({info.name})" if worked else "Ngày làm việc"
    source = info.legal_source if worked else ""
    kind = WORKED_DAY if worked else "working"
    if counted == length:
        return ExplainedDay(day, COUNTED, kind, base, counted, length, source)
    if counted > 0:
        parts = [base]
        if a > low:
            parts.append(f"tính từ {deadline.effective_start.astimezone(TZ):%H:%M}")
        if b < high:
            parts.append(f"đến {deadline.due.astimezone(TZ):%H:%M}")
        for _, pause in paused_here:
            parts.append(_pause_text(pause, day))
        return ExplainedDay(day, PARTIAL, kind, "; ".join(parts), counted, length, source)
    if paused_here:
        return ExplainedDay(day, SKIPPED, "paused", _pause_text(paused_here[0][1], day), 0, length)
    if high <= w_start:
        if deadline.cutoff_applied and day == anchor.date():
            reason = f"Nhận hồ sơ giấy sau {cutoff:%H:%M}: chuyển sang sáng ngày làm việc tiếp theo"
            return ExplainedDay(day, SKIPPED, "after_cutoff", reason, 0, length)
        return ExplainedDay(
            day,
            SKIPPED,
            "before_start",
            "Nhận sau giờ làm việc: bắt đầu tính từ ngày làm việc tiếp theo",
            0,
            length,
        )
    return ExplainedDay(day, SKIPPED, "after_due", "Sau thời điểm hết hạn", 0, length)


def _pause_text(pause: Pause, day: date) -> str:
    begin, end = pause.start.astimezone(TZ), pause.end.astimezone(TZ)
    span = (
        "cả ngày"
        if begin.date() < day < end.date()
        else (
            f"{begin:%H:%M}–{end:%H:%M}"
            if begin.date() == day == end.date()
            else f"từ {begin:%H:%M}"
            if begin.date() == day
            else f"đến {end:%H:%M}"
        )
    )
    return "Tạm dừng " + span + (f" ({pause.reason})" if pause.reason else "")


# --- Formatting -------------------------------------------------------------------------------


def isoformat(moment: datetime) -> str:
    """ISO 8601 in Vietnam time, e.g. ``2026-02-26T09:00:00+07:00``."""
    local = moment.astimezone(TZ)
    return local.isoformat(timespec="microseconds" if local.microsecond else "seconds")


def fmt(moment: datetime) -> str:
    """Human form, e.g. ``09:00 Thứ Năm 26/02/2026``."""
    local = moment.astimezone(TZ) if moment.tzinfo else moment
    return f"{local:%H:%M} {WEEKDAYS[local.weekday()]} {local:%d/%m/%Y}"


def duration_text(us: int) -> str:
    """Office time in words, e.g. ``2 giờ 30 phút``."""
    minutes, rest = divmod(us, 60 * US_PER_SECOND)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} giờ"] if hours else []
    if minutes or (not hours and not rest):
        parts.append(f"{minutes} phút")
    if rest:
        parts.append(f"{rest / US_PER_SECOND:g} giây")
    return " ".join(parts)


def number(value: Fraction | int) -> int | float:
    """A JSON-friendly number: an int when whole, otherwise a float rounded to 6 places."""
    value = Fraction(value)
    return value.numerator if value.denominator == 1 else round(float(value), 6)


def deadline_dict(deadline: Deadline, agency_code: str = "") -> dict[str, Any]:
    return {
        "agency": agency_code or None,
        "unit": deadline.unit,
        "amount": number(deadline.amount),
        "start": isoformat(deadline.start),
        "effective_start": isoformat(deadline.effective_start),
        "due": isoformat(deadline.due),
        "restarted": deadline.restarted,
        "cutoff_applied": deadline.cutoff_applied,
        "pauses": [
            {"start": isoformat(p.start), "end": isoformat(p.end), "reason": p.reason}
            for p in deadline.pauses
        ],
    }
