"""Errors of the working calendar, each with a Vietnamese message that can be shown as it is.

Plain Python (no Django) so that :mod:`chinhquyen.calendars.deadlines` can raise them. Every class
is a :class:`ValueError` with a short machine-readable ``code`` used by the API and the CLI.
"""

from __future__ import annotations


class CalendarError(ValueError):
    """Base class: bad input to the calendar or deadline functions."""

    code = "calendar_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NaiveDatetimeError(CalendarError):
    code = "naive_datetime"

    def __init__(self, what: str = "Thời điểm") -> None:
        super().__init__(
            f"{what} phải có múi giờ (ví dụ 2026-02-12T09:00+07:00); "
            "không nhận thời điểm không rõ múi giờ."
        )


class NegativeDurationError(CalendarError):
    code = "negative_duration"

    def __init__(self, value: object, unit: str) -> None:
        super().__init__(f"Thời hạn không được âm (nhận được {value} {unit}).")


class InvalidDurationError(CalendarError):
    code = "invalid_duration"


class InvalidIntervalError(CalendarError):
    code = "invalid_interval"


class OutsideSeededYearsError(CalendarError):
    """A moment (or a deadline) falls in a year the calendar holds no data for."""

    code = "outside_seeded_years"

    def __init__(self, year: int, seeded: frozenset[int] | set[int] | tuple[int, ...] = ()) -> None:
        self.year = year
        have = _describe_years(seeded)
        super().__init__(
            f"Lịch làm việc năm {year} chưa được khởi tạo ({have}); không thể tính thời hạn. "
            f"Quản trị viên chạy «chinhquyen calendar seed --years {year}» hoặc bổ sung lịch năm đó."
        )


class UnknownAgencyError(CalendarError):
    code = "unknown_agency"

    def __init__(self, code_value: str) -> None:
        self.agency_code = code_value
        super().__init__(f"Không tìm thấy cơ quan có mã định danh «{code_value}».")


class InvalidCalendarError(CalendarError):
    """The calendar data itself is inconsistent (office hours overlapping, and so on)."""

    code = "invalid_calendar"


def _describe_years(years) -> str:
    ys = sorted(years)
    if not ys:
        return "chưa có năm nào"
    runs: list[str] = []
    start = prev = ys[0]
    for y in ys[1:] + [None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        runs.append(str(start) if start == prev else f"{start}–{prev}")
        if y is not None:
            start = prev = y
    return "đã có: " + ", ".join(runs)
