"""How the mandated forms print dates, numbers and personal data (pure functions, no Django).

Dates follow Decree 30/2020/NĐ-CP (Phụ lục I): a day below 10 and the months 1 and 2 carry a
leading zero ("ngày 05 tháng 02 năm 2026", but "ngày 12 tháng 3 năm 2026"), so that nobody can
turn "tháng 1" into "tháng 11" with a pen. Times print as "14 giờ 30 phút" with two-digit
minutes. Every aware datetime is shown in Vietnam time whatever zone it arrives in.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from chinhquyen.lib import phone

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

PAPER_FORMS = {
    "original": "Bản chính",
    "copy": "Bản sao",
    "certified_copy": "Bản sao chứng thực",
    "electronic": "Bản điện tử",
}
HANDOVER_RESULTS = {
    "early": "Trước hạn",
    "on_time": "Đúng hạn",
    "late": "Quá hạn",
}


def local(value: datetime | date) -> datetime | date:
    """An aware datetime in Vietnam time; a plain date unchanged."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
        return value.astimezone(VIETNAM)
    return value


def _day(value: date) -> str:
    return f"{value.day:02d}"


def _month(value: date) -> str:
    return f"{value.month:02d}" if value.month <= 2 else str(value.month)


def vn_date(value: datetime | date) -> str:
    """``ngày 12 tháng 02 năm 2026`` (Decree 30/2020 padding)."""
    value = local(value)
    return f"ngày {_day(value)} tháng {_month(value)} năm {value.year}"


def vn_time(value: datetime) -> str:
    """``14 giờ 30 phút``."""
    value = local(value)
    return f"{value.hour:02d} giờ {value.minute:02d} phút"


def vn_datetime(value: datetime) -> str:
    """``14 giờ 30 phút, ngày 12 tháng 02 năm 2026``."""
    return f"{vn_time(value)}, {vn_date(value)}"


def place_date(place: str, value: datetime | date) -> str:
    """The place-and-date line under the national motto: ``Nghệ An, ngày 12 tháng 02 năm 2026``."""
    return f"{place}, {vn_date(value)}"


def short_date(value: datetime | date) -> str:
    """``12/02/2026``, for table cells."""
    value = local(value)
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def short_datetime(value: datetime) -> str:
    """``14:30 12/02/2026``, for table cells."""
    value = local(value)
    return f"{value.hour:02d}:{value.minute:02d} {short_date(value)}"


def two_digits(value: int) -> str:
    """Counts on forms are written with two digits: ``01 bộ``, ``02 bản``."""
    return f"{int(value):02d}"


def paper_form(value: str) -> str:
    """``original`` → ``Bản chính``."""
    return PAPER_FORMS.get(value, value)


def handover_result(value: str | None) -> str:
    """``early`` → ``Trước hạn``; nothing while the step is still open."""
    if not value:
        return ""
    return HANDOVER_RESULTS.get(value, value)


def mask_phone(value: str | None) -> str:
    """``09******78``: for forms that others see (the tracking book is signed at the desk)."""
    return phone.mask(value or "")
