"""Citizen identity numbers (CCCD / số định danh cá nhân), Circular 07/2016/TT-BCA.

Twelve digits: three for the province where the birth was registered (001–096, pre-2025 codes,
which stay valid), one for century and sex (0/1 = 20th century male/female, 2/3 = 21st, …), two
for the year of birth, six random. There is no checksum, so the structure is all we can check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

_VN = ZoneInfo("Asia/Ho_Chi_Minh")

# Province codes of birth registration (Circular 07/2016/TT-BCA, Annex): the 63 pre-2025 provinces.
PROVINCE_CODES = frozenset(
    {
        "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019",
        "020", "022", "024", "025", "026", "027", "030", "031", "033", "034", "035", "036",
        "037", "038", "040", "042", "044", "045", "046", "048", "049", "051", "052", "054",
        "056", "058", "060", "062", "064", "066", "067", "068", "070", "072", "074", "075",
        "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093",
        "094", "095", "096",
    }
)  # fmt: skip


class InvalidIdentityNumber(ValueError):
    """Raised with a Vietnamese message for the person who typed the number."""


@dataclass(frozen=True)
class IdentityInfo:
    number: str
    province_code: str
    birth_year: int
    female: bool


def parse(value: str, *, today: date | None = None) -> IdentityInfo:
    number = re.sub(r"\s+", "", value or "")
    if not number:
        raise InvalidIdentityNumber("Vui lòng nhập số định danh cá nhân (CCCD).")
    if not number.isdigit() or not number.isascii():
        raise InvalidIdentityNumber("Số định danh cá nhân chỉ gồm chữ số.")
    if len(number) != 12:
        raise InvalidIdentityNumber(
            f"Số định danh cá nhân phải có đúng 12 chữ số (đang có {len(number)})."
        )
    province = number[:3]
    if province not in PROVINCE_CODES:
        raise InvalidIdentityNumber(
            f"Ba số đầu ({province}) không phải mã tỉnh nơi đăng ký khai sinh hợp lệ."
        )
    century_sex = int(number[3])
    year = (century_sex // 2 + 19) * 100 + int(number[4:6])
    current_year = (today or datetime.now(_VN).date()).year
    if year > current_year or year < 1900:
        raise InvalidIdentityNumber(
            "Chữ số thứ 4–6 (thế kỷ, giới tính và năm sinh) không hợp lệ: năm sinh "
            f"{year} không thể có."
        )
    return IdentityInfo(
        number=number, province_code=province, birth_year=year, female=bool(century_sex % 2)
    )


def validate(value: str) -> str:
    """Return the normalised 12-digit number or raise :class:`InvalidIdentityNumber`."""
    return parse(value).number


def mask(number: str) -> str:
    """Show only the last three digits: ``*********789``. Safe for screens and logs."""
    if not number:
        return ""
    return "*" * (len(number) - 3) + number[-3:]
