"""Vietnamese tax codes (mã số thuế, also the enterprise code): the shape people must type.

Ten digits for an organisation or a person; thirteen for a dependent unit (branch), written as the
parent's ten digits, a hyphen and three digits: ``0123456789-001``.
"""

from __future__ import annotations

import re


class InvalidTaxCode(ValueError):
    """Raised with a Vietnamese message."""


_SHAPE = re.compile(r"^\d{10}(-\d{3})?$")


def validate(value: str) -> str:
    """The tax code without surrounding spaces, or :class:`InvalidTaxCode`."""
    code = (value or "").strip()
    if not _SHAPE.match(code):
        raise InvalidTaxCode("Mã số thuế gồm 10 chữ số (hoặc 13 chữ số dạng 0123456789-001).")
    return code
