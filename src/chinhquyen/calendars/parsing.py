"""Text input of the CLI and the API: moments, pauses, cut-off times, years. Vietnamese errors."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from chinhquyen.calendars.deadlines import TZ, Pause
from chinhquyen.calendars.exceptions import CalendarError, NaiveDatetimeError

# In a query string "+07:00" arrives as " 07:00" when the client did not encode the "+".
_LOST_PLUS = re.compile(r" (\d{2}(?::?\d{2})?)$")


def parse_moment(text: str, *, what: str = "Thời điểm", naive_is_local: bool = False) -> datetime:
    """An ISO 8601 moment. Without an offset: Vietnam time if ``naive_is_local`` (the CLI), else an error."""
    value = (text or "").strip()
    if not value:
        raise CalendarError(f"{what}: chưa nhập (ví dụ 2026-02-12T09:00+07:00).")
    value = _LOST_PLUS.sub(r"+\1", value) if "T" in value else value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CalendarError(
            f"{what} «{text}» không đúng dạng ISO 8601 (ví dụ 2026-02-12T09:00+07:00)."
        ) from exc
    if moment.tzinfo is None:
        if not naive_is_local:
            raise NaiveDatetimeError(what)
        moment = moment.replace(tzinfo=TZ)
    return moment


def parse_pause(text: str, *, naive_is_local: bool = False) -> Pause:
    """``START/END`` or ``START/END/lý do``: an interval that does not count."""
    parts = (text or "").split("/", 2)
    if len(parts) < 2:
        raise CalendarError(
            f"Khoảng tạm dừng «{text}» phải có dạng BẮT_ĐẦU/KẾT_THÚC, ví dụ "
            "2026-02-13T10:00+07:00/2026-02-24T14:00+07:00."
        )
    start = parse_moment(parts[0], what="Thời điểm bắt đầu tạm dừng", naive_is_local=naive_is_local)
    end = parse_moment(parts[1], what="Thời điểm kết thúc tạm dừng", naive_is_local=naive_is_local)
    return Pause(start, end, parts[2].strip() if len(parts) > 2 else "")


def parse_time(text: str, *, what: str = "Giờ chốt") -> time:
    try:
        return time.fromisoformat((text or "").strip())
    except ValueError as exc:
        raise CalendarError(f"{what} «{text}» không đúng dạng giờ:phút (ví dụ 15:00).") from exc


def parse_date(text: str, *, what: str = "Ngày") -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError as exc:
        raise CalendarError(
            f"{what} «{text}» không đúng dạng năm-tháng-ngày (ví dụ 2026-09-01)."
        ) from exc


def parse_year(text: str | int) -> int:
    try:
        year = int(str(text).strip())
    except ValueError as exc:
        raise CalendarError(f"Năm «{text}» không hợp lệ.") from exc
    if not 1900 <= year <= 2200:
        raise CalendarError(f"Năm {year} nằm ngoài khoảng cho phép (1900–2200).")
    return year


def parse_years(text: str) -> list[int]:
    """``2026``, ``2020-2030`` or ``2025,2026``."""
    years: set[int] = set()
    for part in (text or "").replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part[1:]:
            first, last = part.split("-", 1)
            a, b = parse_year(first), parse_year(last)
            if b < a:
                raise CalendarError(f"Khoảng năm «{part}» bị ngược.")
            years.update(range(a, b + 1))
        else:
            years.add(parse_year(part))
    if not years:
        raise CalendarError("Chưa nhập năm (ví dụ 2026 hoặc 2020-2030).")
    return sorted(years)


def parse_bool(text: str | None) -> bool:
    return (text or "").strip().lower() in {"1", "true", "yes", "on", "co", "có"}
