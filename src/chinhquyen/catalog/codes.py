"""National procedure codes (mã thủ tục hành chính).

A code is a level digit, a dot and six digits (``1.001612``, ``2.000123``, ``3.000164``,
``5.000123``), optionally followed by a dot and the identifier of the agency that publishes its
local variant (``1.000494.000.00.00.H29``). The base is what the national database (CSDLQG về
TTHC) assigns; the suffix is an agency identifier code (QCVN 102:2016 / Decision 20/2020).

Plain functions, no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chinhquyen.lib import agency_code

MAX_LENGTH = 8 + 1 + agency_code.MAX_LENGTH
_CODE = re.compile(r"^(?P<base>[1-9]\.\d{6})(?:\.(?P<suffix>[0-9A-Z][0-9A-Z.]*))?$")
# What a person may type while looking a procedure up by code: "1.00", "1.001612", "2.0001".
CODE_PREFIX = re.compile(r"^[1-9](?:\.[0-9A-Za-z.]*)?$")


class InvalidProcedureCode(ValueError):
    """Raised with a Vietnamese message that can be shown to the person who typed the code."""


@dataclass(frozen=True)
class ProcedureCode:
    base: str
    suffix: str = ""

    def __str__(self) -> str:
        return f"{self.base}.{self.suffix}" if self.suffix else self.base


def normalize(code: str | None) -> str:
    return re.sub(r"\s+", "", code or "").upper()


def parse(code: str | None) -> ProcedureCode:
    """Split and validate a code; raise :class:`InvalidProcedureCode` saying what is wrong."""
    value = normalize(code)
    if not value:
        raise InvalidProcedureCode("Mã thủ tục không được để trống.")
    if len(value) > MAX_LENGTH:
        raise InvalidProcedureCode(f"Mã thủ tục dài tối đa {MAX_LENGTH} ký tự.")
    match = _CODE.match(value)
    if not match:
        raise InvalidProcedureCode(
            "Mã thủ tục phải có dạng 1.001612 (một chữ số, dấu chấm, sáu chữ số), "
            "có thể kèm mã định danh cơ quan, ví dụ 1.000494.000.00.00.H29."
        )
    suffix = match.group("suffix") or ""
    if suffix:
        try:
            suffix = agency_code.validate(suffix)
        except agency_code.InvalidAgencyCode as exc:
            raise InvalidProcedureCode(
                f"Phần mã cơ quan sau mã thủ tục không hợp lệ: {exc}"
            ) from exc
    return ProcedureCode(base=match.group("base"), suffix=suffix)


def is_valid(code: str | None) -> bool:
    try:
        parse(code)
    except InvalidProcedureCode:
        return False
    return True


def looks_like_code(text: str | None) -> bool:
    """True for input that can only be (the beginning of) a code: ``1.00``, ``2.000123``."""
    value = (text or "").strip()
    return bool(value) and "." in value and bool(CODE_PREFIX.match(value))
