"""Vietnamese phone numbers: accept what people type, store the national form ``0xxxxxxxxx``."""

from __future__ import annotations

import re


class InvalidPhoneNumber(ValueError):
    """Raised with a Vietnamese message."""


_MOBILE = re.compile(r"^0[35789]\d{8}$")
_LANDLINE = re.compile(r"^02\d{9}$")


def normalize(value: str) -> str:
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not digits:
        raise InvalidPhoneNumber("Vui lòng nhập số điện thoại.")
    if not digits.isdigit():
        raise InvalidPhoneNumber("Số điện thoại chỉ gồm chữ số (có thể bắt đầu bằng +84).")
    if not (_MOBILE.match(digits) or _LANDLINE.match(digits)):
        raise InvalidPhoneNumber(
            "Số điện thoại không hợp lệ: di động gồm 10 chữ số bắt đầu bằng 03, 05, 07, 08 hoặc 09."
        )
    return digits


def looks_like_phone(value: str) -> bool:
    try:
        normalize(value)
    except InvalidPhoneNumber:
        return False
    return True


def mask(phone: str) -> str:
    """``09******78``: enough for a person to recognise their own number."""
    if not phone or len(phone) < 4:
        return phone or ""
    return phone[:2] + "*" * (len(phone) - 4) + phone[-2:]
