"""Agency identifier codes (mã định danh cơ quan).

Two shapes are in use and both are accepted:

* QCVN 102:2016 (Circular 10/2016/TT-BTTTT): 13 characters ``V1V2V3.Z1Z2.Y1Y2.MX1X2``, the level-1
  unit (ministry or province, letter + 2 digits) on the right, e.g. ``000.00.00.H41``;
* Decision 20/2020/QĐ-TTg: at most 35 characters of ``[0-9A-Z.]``, dotted groups read left to right.

Plain functions, no Django: used by model validators, the importers and the API.
"""

from __future__ import annotations

import re

MAX_LENGTH = 35
_QCVN102 = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
_GROUP = re.compile(r"^[0-9A-Z]+$")


class InvalidAgencyCode(ValueError):
    """Raised with a Vietnamese message that can be shown to the person who typed the code."""


def normalize(code: str) -> str:
    return (code or "").strip().upper()


def validate(code: str) -> str:
    """Return the code (surrounding spaces removed), or raise :class:`InvalidAgencyCode`.

    Strict: lower case is refused, because the code is an official identifier printed on
    documents. Importers that accept what people type call :func:`normalize` first.
    """
    value = (code or "").strip()
    if not value:
        raise InvalidAgencyCode("Mã định danh cơ quan không được để trống.")
    if len(value) > MAX_LENGTH:
        raise InvalidAgencyCode(
            f"Mã định danh cơ quan dài tối đa {MAX_LENGTH} ký tự (đang có {len(value)})."
        )
    if re.search(r"[a-z]", value):
        raise InvalidAgencyCode("Mã định danh cơ quan phải viết chữ in hoa (ví dụ 000.00.00.H41).")
    if not re.fullmatch(r"[0-9A-Z.]+", value):
        raise InvalidAgencyCode(
            "Mã định danh cơ quan chỉ gồm chữ in hoa không dấu (A–Z), chữ số và dấu chấm."
        )
    groups = value.split(".")
    if any(not group for group in groups):
        raise InvalidAgencyCode(
            "Mã định danh cơ quan không được bắt đầu, kết thúc bằng dấu chấm hoặc có hai dấu chấm liền nhau."
        )
    if not all(_GROUP.match(group) for group in groups):
        raise InvalidAgencyCode("Mỗi nhóm của mã định danh chỉ gồm chữ in hoa và chữ số.")
    return value


def is_qcvn102(code: str) -> bool:
    """True for the 13-character QCVN 102:2016 shape (``000.00.00.H41``)."""
    return bool(_QCVN102.match(normalize(code)))


def level1(code: str) -> str | None:
    """The level-1 unit (ministry/province) of a QCVN 102 code, e.g. ``H41`` for Nghệ An."""
    value = normalize(code)
    return value.rsplit(".", 1)[-1] if is_qcvn102(value) else None
