"""Properties of the deadline arithmetic, over random starts, durations and pauses (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chinhquyen.calendars import deadlines as dl
from chinhquyen.calendars.national import national_days
from chinhquyen.calendars.tests.conftest import national_snapshot

NATIONAL = national_snapshot()
# An agency with uneven days (a Saturday morning, a short Friday), its own day off and a worked day.
_hours = dict(dl.DEFAULT_WEEK)
_hours[4] = ((time(7, 0), time(11, 0)), (time(13, 0), time(16, 0)))
_hours[5] = ((time(8, 0), time(11, 30)),)
_special = {d.date: d.info() for d in national_days(range(2024, 2029))}
AGENCY = dl.CalendarSnapshot(
    years=NATIONAL.years, special_days=_special, office_hours=_hours, agency_code="000.00.01.H41"
)
CALENDARS = st.sampled_from([NATIONAL, AGENCY])

ZONES = st.sampled_from([dl.TZ, UTC, timezone(timedelta(hours=-5)), ZoneInfo("Asia/Tokyo")])
starts = st.builds(
    lambda naive, zone: naive.replace(tzinfo=dl.TZ).astimezone(zone),
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31, 23, 59)),
    ZONES,
)
whole_days = st.integers(min_value=0, max_value=120)
day_amounts = st.one_of(whole_days, st.fractions(min_value=0, max_value=60, max_denominator=8))
hour_amounts = st.one_of(
    st.integers(min_value=0, max_value=400),
    st.fractions(min_value=0, max_value=400, max_denominator=60),
)

CHECKS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOLERANCE = Fraction(1, 10**6)  # uneven days round to the microsecond; even days are exact


@st.composite
def pauses_after(draw, start: datetime):
    """Up to six random pauses in the weeks after ``start``, some overlapping, some before it."""
    out = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        offset = draw(st.integers(min_value=-3 * 24 * 60, max_value=60 * 24 * 60))
        length = draw(st.integers(min_value=0, max_value=12 * 24 * 60))
        begin = start + timedelta(minutes=offset)
        out.append((begin, begin + timedelta(minutes=length)))
    return out


def _is_within_office_hours(cal: dl.CalendarSnapshot, moment: datetime) -> bool:
    local = moment.astimezone(dl.TZ)
    hours = cal.hours_for(local.date())
    return any(a <= local.time() <= b for a, b in hours)


@CHECKS
@given(cal=CALENDARS, start=starts, n=day_amounts)
def test_adding_then_counting_days_gives_n_back(cal, start, n):
    due = dl.add_working_days(cal, start, n)
    counted = dl.count_working_days(cal, start, due)
    if cal is NATIONAL and Fraction(n).denominator == 1:
        assert counted == n  # whole days on a calendar of even days: exact
    else:
        assert abs(counted - n) < TOLERANCE  # otherwise within a microsecond of office time


@CHECKS
@given(cal=CALENDARS, start=starts, n=hour_amounts)
def test_adding_then_counting_hours_gives_n_back(cal, start, n):
    due = dl.add_working_hours(cal, start, n)
    assert abs(dl.count_working_hours(cal, start, due) - n) <= Fraction(1, dl.US_PER_HOUR)


@CHECKS
@given(cal=CALENDARS, start=starts, n=whole_days.filter(bool), paper=st.booleans())
def test_a_deadline_never_falls_on_a_day_off(cal, start, n, paper):
    due = dl.add_working_days(cal, start, n, paper=paper)
    local = due.astimezone(dl.TZ)
    assert cal.is_working_day(local.date())
    assert _is_within_office_hours(cal, due)
    assert due.utcoffset() == timedelta(hours=7)
    assert due > start


@CHECKS
@given(cal=CALENDARS, start=starts, n=hour_amounts.filter(bool))
def test_an_hours_deadline_never_falls_outside_office_hours(cal, start, n):
    due = dl.add_working_hours(cal, start, n)
    assert cal.is_working_day(due.astimezone(dl.TZ).date())
    assert _is_within_office_hours(cal, due)


@CHECKS
@given(cal=CALENDARS, start=starts, n=day_amounts, data=st.data())
def test_pauses_never_shorten_a_deadline_and_are_not_counted(cal, start, n, data):
    pauses = data.draw(pauses_after(start))
    plain = dl.add_working_days(cal, start, n)
    paused = dl.add_working_days(cal, start, n, pauses=pauses)
    assert paused >= plain
    counted = dl.count_working_days(cal, start, paused, pauses=pauses)
    assert abs(counted - n) < TOLERANCE


@CHECKS
@given(cal=CALENDARS, start=starts, n=hour_amounts, data=st.data())
def test_pauses_never_shorten_an_hours_deadline(cal, start, n, data):
    pauses = data.draw(pauses_after(start))
    plain = dl.add_working_hours(cal, start, n)
    paused = dl.add_working_hours(cal, start, n, pauses=pauses)
    assert paused >= plain
    assert abs(dl.count_working_hours(cal, start, paused, pauses=pauses) - n) < Fraction(
        1, dl.US_PER_HOUR
    )


@CHECKS
@given(cal=CALENDARS, a=starts, b=starts, n=whole_days)
def test_a_later_start_never_gives_an_earlier_deadline(cal, a, b, n):
    first, second = sorted([a, b])
    assert dl.add_working_days(cal, first, n) <= dl.add_working_days(cal, second, n)


@CHECKS
@given(start=starts, n=whole_days, k=st.integers(min_value=1, max_value=60))
def test_adding_in_two_steps_equals_adding_once(start, n, k):
    # (k = 0 is left out: a zero duration reads "the next working moment", 07:30 rather than 17:00.)
    once = dl.add_working_days(NATIONAL, start, n + k)
    assert once == dl.add_working_days(NATIONAL, dl.add_working_days(NATIONAL, start, n), k)


@CHECKS
@given(
    cal=CALENDARS,
    start=starts,
    n=whole_days,
    data=st.data(),
    hours_unit=st.booleans(),
    paper=st.booleans(),
)
def test_the_explanation_adds_up_to_the_deadline(cal, start, n, data, hours_unit, paper):
    pauses = data.draw(pauses_after(start))
    kwargs = {"working_hours": n} if hours_unit else {"working_days": n}
    explanation = dl.explain(cal, start, pauses=pauses, paper=paper, **kwargs)
    total = explanation.total
    assert abs(total - n) < TOLERANCE
    for day in explanation.days:
        if day.status != dl.SKIPPED:
            assert cal.is_working_day(day.date)
    assert explanation.days[-1].date == explanation.deadline.due.astimezone(dl.TZ).date()


@CHECKS
@given(start=starts, n=whole_days.filter(bool), data=st.data())
def test_a_restart_counts_from_zero_whatever_happened_before(start, n, data):
    restarts = sorted(
        start + timedelta(minutes=m)
        for m in data.draw(
            st.lists(st.integers(min_value=0, max_value=40 * 24 * 60), min_size=1, max_size=4)
        )
    )
    earlier_pauses = [(start, restarts[-1])]
    due = dl.add_working_days(NATIONAL, start, n, restarts=restarts, pauses=earlier_pauses)
    assert due == dl.add_working_days(NATIONAL, restarts[-1], n)
