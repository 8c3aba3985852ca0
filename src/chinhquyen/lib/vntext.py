"""Vietnamese text helpers: normalisation for storage and folding for search.

Vietnamese can reach us in two Unicode forms: precomposed (NFC, what keyboards on Windows and
most web forms send) and decomposed (NFD, what macOS file names and some Excel exports hold).
``"Đăng ký"`` typed on two machines can therefore be two different strings. We store NFC
(:func:`normalize`) and compare through :func:`fold`, which also ignores diacritics, case and
extra spaces, and treats đ/Đ as d, so ``"dang ky"`` finds ``"Đăng ký"``.

Plain functions, no Django.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_D = str.maketrans({"đ": "d", "Đ": "D"})


def normalize(text: str | None) -> str:
    """NFC, with runs of white space collapsed to one space and the ends trimmed.

    >>> normalize("  Xa\u0303   Nghi Phú ")
    'Xã Nghi Phú'
    """
    if not text:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str | None) -> str:
    """A search key: no diacritics, đ→d, lower case, single spaces; same for NFC and NFD input.

    >>> fold("Đăng ký  khai sinh")
    'dang ky khai sinh'
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_D).lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", unicodedata.normalize("NFC", stripped.translate(_D).lower())).strip()


def contains_folded(haystack: str | None, needle: str | None) -> bool:
    """True if ``needle`` occurs in ``haystack`` when both are folded (an empty needle matches)."""
    return fold(needle) in fold(haystack)
