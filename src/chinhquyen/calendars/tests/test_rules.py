"""The national calendar of 2025–2027 and the one-stop rules, each expected date with its source.

Sources (also in calendars/data/sources.json and docs/calendars.md):
* BLLĐ 2019 = Bộ luật Lao động 2019 (Luật 45/2019/QH14): Điều 112 khoản 1 lists the holidays,
  khoản 3 lets the Prime Minister fix the Tết days and the day next to 2/9; Điều 111 khoản 3 gives
  nghỉ bù when a holiday falls on the weekly rest day.
* 2025: Văn bản 8726/VPCP-KGVX (26/11/2024) and Thông báo 6150/TB-LĐTBXH (2024).
* 2026: the Government Office's letter of 10/2025 on Tết and Quốc khánh 2026 (press reports), and
  Văn bản 12729/VPCP-KGVX (25/12/2025) on Tết Dương lịch 2026 (press reports; not in holidays 0.109).
* ND 61/2018/NĐ-CP Art. 18–19 (regulations-reference.md §1): paper dossiers received after 15:00
  are forwarded the next morning; the deadline restarts from zero once a supplement is complete.
"""

from __future__ import annotations

from datetime import UTC, date, time, timedelta
from fractions import Fraction

import pytest

from chinhquyen.calendars import deadlines as dl
from chinhquyen.calendars.exceptions import (
    CalendarError,
    InvalidDurationError,
    InvalidIntervalError,
    NaiveDatetimeError,
    NegativeDurationError,
    OutsideSeededYearsError,
)
from chinhquyen.calendars.national import national_days
from chinhquyen.calendars.tests.conftest import national_snapshot, vn


def off_days(cal, first: date, last: date) -> list[date]:
    """Weekdays off between two dates (weekends are off anyway)."""
    out, day = [], first
    while day <= last:
        if day.weekday() < 5 and not cal.is_working_day(day):
            out.append(day)
        day += timedelta(days=1)
    return out


# --- Tết ------------------------------------------------------------------------------------------


def test_tet_2025(national):
    # BLLĐ 2019 Điều 112.1.b (5 days); Văn bản 8726/VPCP-KGVX and Thông báo 6150/TB-LĐTBXH: civil
    # servants off from Sat 25/01 to Sun 02/02/2025, i.e. weekdays Mon 27/01 – Fri 31/01.
    assert off_days(national, date(2025, 1, 20), date(2025, 2, 7)) == [
        date(2025, 1, d) for d in range(27, 32)
    ]
    # Received Fri 24/01 09:00, 1 working day: the next working day is Mon 03/02.
    assert dl.add_working_days(national, vn(2025, 1, 24, 9), 1) == vn(2025, 2, 3, 9)


def test_tet_2026(national):
    # BLLĐ 2019 Điều 112.1.b; Government Office letter of 10/2025 (Tết 2026: Sat 14/02 – Sun 22/02):
    # weekdays Mon 16/02 – Fri 20/02 off. dependencies.md §3: get_nth_working_day(2026-02-12, 5) = 26/02.
    assert off_days(national, date(2026, 2, 9), date(2026, 2, 27)) == [
        date(2026, 2, d) for d in range(16, 21)
    ]
    assert dl.add_working_days(national, vn(2026, 2, 12, 9), 5) == vn(2026, 2, 26, 9)


def test_tet_2026_explanation_gives_the_reasons(national):
    explanation = dl.explain(national, vn(2026, 2, 12, 9), working_days=5)
    by_date = {d.date: d for d in explanation.days}
    assert by_date[date(2026, 2, 17)].kind == dl.HOLIDAY
    assert "Tết Nguyên Đán" in by_date[date(2026, 2, 17)].reason
    assert "Điều 112" in by_date[date(2026, 2, 17)].legal_source
    assert by_date[date(2026, 2, 14)].kind == "weekend"
    assert [d.date for d in explanation.days if d.status != dl.SKIPPED] == [
        date(2026, 2, 12),
        date(2026, 2, 13),
        date(2026, 2, 23),
        date(2026, 2, 24),
        date(2026, 2, 25),
        date(2026, 2, 26),
    ]
    assert explanation.total == 5


# --- Giỗ Tổ Hùng Vương ----------------------------------------------------------------------------


def test_hung_kings_2025_and_2026(national):
    # BLLĐ 2019 Điều 112.1.e: 10/3 lunar = Mon 07/04/2025.
    assert not national.is_working_day(date(2025, 4, 7))
    assert dl.add_working_days(national, vn(2025, 4, 4, 10), 1) == vn(2025, 4, 8, 10)
    # 10/3 lunar = Sun 26/04/2026, so BLLĐ 2019 Điều 111.3 gives nghỉ bù on Mon 27/04/2026.
    assert national.special_days[date(2026, 4, 26)].kind == dl.HOLIDAY
    assert not national.is_working_day(date(2026, 4, 27))
    assert "nghỉ bù" in national.special_days[date(2026, 4, 27)].name
    assert "Điều 111" in national.special_days[date(2026, 4, 27)].legal_source


# --- 30/4 – 1/5 and the 2025 swap ----------------------------------------------------------------


def test_reunification_and_labour_day_2025_with_swap(national):
    # BLLĐ 2019 Điều 112.1.c, d: 30/4 and 1/5. Thông báo 6150/TB-LĐTBXH (2024): Fri 02/05/2025 off in
    # exchange for Sat 26/04/2025 worked (5 days off, 30/4 – 4/5).
    assert off_days(national, date(2025, 4, 28), date(2025, 5, 9)) == [
        date(2025, 4, 30),
        date(2025, 5, 1),
        date(2025, 5, 2),
    ]
    swap = national.special_days[date(2025, 5, 2)]
    assert swap.kind == dl.DAY_OFF_SWAP and swap.pair_date == date(2025, 4, 26)
    assert "6150" in swap.legal_source
    worked = national.special_days[date(2025, 4, 26)]
    assert worked.kind == dl.WORKED_DAY and national.is_working_day(date(2025, 4, 26))
    # Fri 25/04 10:00 + 3 working days: Sat 26/04 (worked), Mon 28/04, Tue 29/04.
    assert dl.add_working_days(national, vn(2025, 4, 25, 10), 3) == vn(2025, 4, 29, 10)
    # Tue 29/04 10:00 + 1: 30/4, 1/5, 2/5 off, then the weekend: Mon 05/05.
    assert dl.add_working_days(national, vn(2025, 4, 29, 10), 1) == vn(2025, 5, 5, 10)


def test_reunification_and_labour_day_2026(national):
    # BLLĐ 2019 Điều 112.1.c, d: Thu 30/04 and Fri 01/05/2026, no swap.
    assert off_days(national, date(2026, 4, 28), date(2026, 5, 8)) == [
        date(2026, 4, 30),
        date(2026, 5, 1),
    ]
    assert dl.add_working_days(national, vn(2026, 4, 29, 14), 1) == vn(2026, 5, 4, 14)


# --- Quốc khánh ------------------------------------------------------------------------------------


def test_national_day_2025_with_adjacent_day(national):
    # BLLĐ 2019 Điều 112.1.đ: 02/9 and one adjacent day; Thông báo 6150/TB-LĐTBXH: Mon 01/09/2025.
    assert off_days(national, date(2025, 8, 25), date(2025, 9, 5)) == [
        date(2025, 9, 1),
        date(2025, 9, 2),
    ]
    assert dl.add_working_days(national, vn(2025, 8, 29, 9), 1) == vn(2025, 9, 3, 9)


def test_national_day_2026_with_adjacent_day_and_swap(national):
    # BLLĐ 2019 Điều 112.1.đ: Wed 02/09 and Tue 01/09/2026; Government Office letter of 10/2025:
    # Mon 31/08/2026 off in exchange for Sat 22/08/2026 worked (off 29/8 – 2/9).
    assert off_days(national, date(2026, 8, 24), date(2026, 9, 4)) == [
        date(2026, 8, 31),
        date(2026, 9, 1),
        date(2026, 9, 2),
    ]
    assert national.special_days[date(2026, 8, 31)].pair_date == date(2026, 8, 22)
    assert national.is_working_day(date(2026, 8, 22))
    assert dl.add_working_days(national, vn(2026, 8, 21, 9), 1) == vn(2026, 8, 22, 9)
    assert dl.add_working_days(national, vn(2026, 8, 28, 9), 1) == vn(2026, 9, 3, 9)


# --- 24/11 ---------------------------------------------------------------------------------------


def test_vietnam_culture_day_from_2026(national):
    # Ngày Văn hóa Việt Nam 24/11: a paid holiday from 2026 (Nghị quyết 80-NQ/TW; holidays 0.109).
    assert national.is_working_day(date(2025, 11, 24))  # Monday, an ordinary working day in 2025
    assert not national.is_working_day(date(2026, 11, 24))  # Tuesday
    assert not national.is_working_day(date(2027, 11, 24))  # Wednesday
    assert dl.add_working_days(national, vn(2026, 11, 23, 9), 1) == vn(2026, 11, 25, 9)


def test_new_year_2026_swap_announced_after_the_package(national):
    # Văn bản 12729/VPCP-KGVX (25/12/2025), per press reports: Fri 02/01/2026 off, Sat 10/01/2026
    # worked. holidays 0.109 lacks it; calendars/data/sources.json supplies it.
    assert not national.is_working_day(date(2026, 1, 2))
    assert national.is_working_day(date(2026, 1, 10))
    assert "12729" in national.special_days[date(2026, 1, 2)].legal_source
    assert dl.add_working_days(national, vn(2025, 12, 31, 9), 1) == vn(2026, 1, 5, 9)


# --- Working hours and the shape of results ---------------------------------------------------------


def test_working_hours_skip_lunch_and_nights(national):
    # Default office hours 07:30–11:30 and 13:30–17:00 (domain.md "Working time").
    assert dl.add_working_hours(national, vn(2026, 3, 2, 11), 1) == vn(2026, 3, 2, 14)
    assert dl.add_working_hours(national, vn(2026, 3, 2, 7, 30), Fraction(15, 2)) == vn(
        2026, 3, 2, 17
    )
    assert dl.add_working_hours(national, vn(2026, 3, 2, 16), 2) == vn(2026, 3, 3, 8, 30)
    assert dl.add_working_hours(national, vn(2026, 3, 2, 16), timedelta(minutes=90)) == vn(
        2026, 3, 3, 8
    )
    assert dl.count_working_hours(national, vn(2026, 3, 2, 7), vn(2026, 3, 3, 8)) == Fraction(8)


def test_a_deadline_ending_with_the_day_reads_17h_not_next_morning(national):
    # Starting before opening, one working day is that whole day.
    assert dl.add_working_days(national, vn(2026, 3, 2, 7), 1) == vn(2026, 3, 2, 17)
    assert dl.add_working_days(national, vn(2026, 3, 6, 18), 1) == vn(2026, 3, 9, 17)


def test_results_are_aware_vietnam_time_whatever_the_input_zone(national):
    start_utc = vn(2026, 2, 12, 9).astimezone(UTC)
    due = dl.add_working_days(national, start_utc, 5)
    assert due == vn(2026, 2, 26, 9)
    assert due.utcoffset() == timedelta(hours=7)
    assert dl.isoformat(due) == "2026-02-26T09:00:00+07:00"


def test_zero_duration_is_the_next_working_moment(national):
    assert dl.add_working_days(national, vn(2026, 3, 7, 10), 0) == vn(2026, 3, 9, 7, 30)  # Saturday
    assert dl.add_working_hours(national, vn(2026, 3, 4, 10), 0) == vn(2026, 3, 4, 10)


def test_fractional_days(national):
    # Half a working day is half of 7.5 h of office time: from 07:30, 3 h 45 min later.
    assert dl.add_working_days(national, vn(2026, 3, 2, 7, 30), "0.5") == vn(2026, 3, 2, 11, 15)
    assert dl.count_working_days(
        national, vn(2026, 3, 2, 7, 30), vn(2026, 3, 2, 11, 15)
    ) == Fraction(1, 2)
    # From 11:00, half a day runs over lunch: 30 min before, 3 h 15 min after 13:30.
    assert dl.add_working_days(national, vn(2026, 3, 2, 11), Fraction(1, 2)) == vn(
        2026, 3, 2, 16, 45
    )


# --- One-stop rules: 15:00, pauses, restarts ------------------------------------------------------


def test_paper_dossier_after_15h_counts_from_next_morning(national):
    # ND 61/2018 Art. 18: a paper dossier received after 15:00 is forwarded the next morning.
    assert dl.add_working_days(national, vn(2026, 3, 5, 14, 59), 2, paper=True) == vn(
        2026, 3, 9, 14, 59
    )
    assert dl.add_working_days(national, vn(2026, 3, 5, 15, 1), 2, paper=True) == vn(2026, 3, 9, 17)
    result = dl.compute(national, vn(2026, 3, 5, 15, 1), working_days=2, paper=True)
    assert result.cutoff_applied and result.effective_start == vn(2026, 3, 6, 7, 30)
    # Online (paper=False): no cut-off.
    assert dl.add_working_days(national, vn(2026, 3, 5, 15, 1), 2) == vn(2026, 3, 9, 15, 1)
    # The cut-off is a parameter.
    assert dl.add_working_days(
        national, vn(2026, 3, 5, 15, 30), 2, paper=True, cutoff=time(16)
    ) == vn(2026, 3, 9, 15, 30)
    explanation = dl.explain(national, vn(2026, 3, 5, 15, 1), working_days=2, paper=True)
    assert explanation.days[0].kind == "after_cutoff"
    assert explanation.total == 2


def test_pauses_do_not_count_and_can_repeat(national):
    start = vn(2026, 3, 2, 9)  # Monday
    plain = dl.add_working_days(national, start, 5)
    assert plain == vn(2026, 3, 9, 9)
    pauses = [
        (vn(2026, 3, 3, 9), vn(2026, 3, 4, 9), "chờ ý kiến Sở Xây dựng"),  # one working day
        (vn(2026, 3, 5, 13, 30), vn(2026, 3, 5, 17)),  # an afternoon (3.5 h of 7.5 h)
    ]
    due = dl.add_working_days(national, start, 5, pauses=pauses)
    assert due > plain
    assert dl.count_working_days(national, start, due, pauses=pauses) == 5
    # One day plus 7/15 of a day later: Tue 10/03 at 09:00 + 3.5 h of office time = 14:30.
    assert due == vn(2026, 3, 10, 14, 30)


def test_restart_from_zero_after_a_supplement(national):
    # ND 61/2018 Art. 19: once the supplement is complete the deadline restarts from zero.
    start = vn(2026, 3, 2, 9)
    supplement = vn(2026, 3, 12, 10)
    result = dl.compute(
        national,
        start,
        working_days=5,
        restarts=[vn(2026, 3, 4, 8), supplement],
        pauses=[(vn(2026, 3, 3, 9), supplement)],
    )
    assert result.restarted and result.effective_start == supplement
    assert result.due == dl.add_working_days(national, supplement, 5) == vn(2026, 3, 19, 10)


# --- Bad input ------------------------------------------------------------------------------------


def test_naive_datetimes_are_refused(national):
    from datetime import datetime

    with pytest.raises(NaiveDatetimeError, match="múi giờ"):
        dl.add_working_days(national, datetime(2026, 2, 12, 9), 5)
    with pytest.raises(NaiveDatetimeError):
        dl.count_working_hours(national, vn(2026, 2, 12, 9), datetime(2026, 2, 13, 9))
    with pytest.raises(NaiveDatetimeError):
        dl.add_working_days(
            national, vn(2026, 2, 12, 9), 5, pauses=[(datetime(2026, 2, 13), vn(2026, 2, 14))]
        )
    with pytest.raises(CalendarError, match="thời điểm"):
        dl.add_working_days(national, date(2026, 2, 12), 5)


@pytest.mark.parametrize("value", [-1, "-0.5", Fraction(-1, 3)])
def test_negative_durations_are_refused(national, value):
    with pytest.raises(NegativeDurationError, match="không được âm"):
        dl.add_working_days(national, vn(2026, 2, 12, 9), value)
    with pytest.raises(NegativeDurationError):
        dl.add_working_hours(national, vn(2026, 2, 12, 9), value)
    with pytest.raises(NegativeDurationError):
        dl.add_working_hours(national, vn(2026, 2, 12, 9), timedelta(hours=-1))


@pytest.mark.parametrize("value", ["năm", True, None, float("nan"), [1]])
def test_durations_that_are_not_numbers_are_refused(national, value):
    with pytest.raises(InvalidDurationError):
        dl.compute(national, vn(2026, 2, 12, 9), working_days=value)


def test_exactly_one_unit(national):
    with pytest.raises(InvalidDurationError, match="đúng một"):
        dl.compute(national, vn(2026, 2, 12, 9), working_days=1, working_hours=1)


def test_dates_outside_the_seeded_years_raise(national):
    with pytest.raises(OutsideSeededYearsError, match="2023") as exc:
        dl.add_working_days(national, vn(2023, 12, 29, 9), 1)
    assert exc.value.year == 2023 and "2024–2028" in str(exc.value)
    # The start is known but the deadline runs past the last seeded year.
    with pytest.raises(OutsideSeededYearsError, match="2029"):
        dl.add_working_days(national, vn(2028, 12, 28, 9), 10)
    with pytest.raises(OutsideSeededYearsError, match="2029"):
        national.is_working_day(date(2029, 1, 2))


def test_a_gap_in_the_seeded_years_is_not_skipped_silently():
    cal = national_snapshot(years=[2025, 2027])
    with pytest.raises(OutsideSeededYearsError, match="2026"):
        dl.add_working_days(cal, vn(2025, 12, 30, 9), 5)
    with pytest.raises(OutsideSeededYearsError, match="2026"):
        dl.count_working_days(cal, vn(2025, 12, 30, 9), vn(2027, 1, 5, 9))


def test_bad_intervals_are_refused(national):
    with pytest.raises(InvalidIntervalError, match="trước"):
        dl.count_working_days(national, vn(2026, 2, 13), vn(2026, 2, 12))
    with pytest.raises(InvalidIntervalError):
        dl.add_working_days(
            national, vn(2026, 2, 12, 9), 1, pauses=[(vn(2026, 2, 13), vn(2026, 2, 12))]
        )
    with pytest.raises(InvalidIntervalError, match="tính lại"):
        dl.add_working_days(national, vn(2026, 2, 12, 9), 1, restarts=[vn(2026, 2, 11)])


def test_office_hours_must_make_sense():
    from chinhquyen.calendars.exceptions import InvalidCalendarError

    with pytest.raises(InvalidCalendarError):
        dl.CalendarSnapshot(years={2026}, office_hours={0: ((time(11), time(8)),)})
    with pytest.raises(InvalidCalendarError):
        dl.CalendarSnapshot(
            years={2026}, office_hours={0: ((time(8), time(12)), (time(11), time(13)))}
        )


# --- Agency calendars -------------------------------------------------------------------------------


def test_agency_with_saturday_mornings_and_own_day_off():
    hours = dict(dl.DEFAULT_WEEK)
    hours[5] = ((time(7, 30), time(11, 30)),)
    special = {d.date: d.info() for d in national_days([2026])}
    special[date(2026, 3, 9)] = dl.DayInfo(dl.HOLIDAY, "Ngày truyền thống ngành", "", True)
    cal = dl.CalendarSnapshot(
        years={2026}, special_days=special, office_hours=hours, agency_code="000.00.01.H41"
    )
    assert cal.is_working_day(date(2026, 3, 7))  # Saturday morning
    assert not cal.is_working_day(date(2026, 3, 9))
    # Fri 06/03 16:00 + 4 working hours: 1 h Friday, 3 h Saturday morning → Sat 10:30.
    assert dl.add_working_hours(cal, vn(2026, 3, 6, 16), 4) == vn(2026, 3, 7, 10, 30)
    explanation = dl.explain(cal, vn(2026, 3, 6, 10), working_days=2)
    assert any("lịch riêng" in d.reason for d in explanation.days)
    assert explanation.total == 2
