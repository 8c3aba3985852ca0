"""SMS text: strip Vietnamese diacritics (keeping case) and count segments like a carrier does.

Many Vietnamese brandname SMS gateways send unaccented text: GSM-7 fits 160 characters in one
segment, while a single accented letter turns the message into UCS-2 with 70 per segment.
"""

from __future__ import annotations

import re
import unicodedata

_D = str.maketrans({"đ": "d", "Đ": "D"})
# Typographic characters that are not GSM-7, replaced by their plain look-alikes.
_PLAIN = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2026": "...",
        "\u00a0": " ",
    }
)
_SPACES = re.compile(r"[ \t]+")

# GSM 03.38 basic character set, and the extension table (each costs two septets).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")


def unaccent(text: str) -> str:
    """``"Hồ sơ Đã tiếp nhận"`` → ``"Ho so Da tiep nhan"``; NFC or NFD input alike."""
    decomposed = unicodedata.normalize("NFD", (text or "").translate(_D))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    plain = unicodedata.normalize("NFC", stripped).translate(_PLAIN)
    return _SPACES.sub(" ", plain).strip()


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def length(text: str) -> int:
    """Characters as the carrier counts them: septets for GSM-7, UTF-16 units for UCS-2."""
    if is_gsm7(text):
        return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """How many SMS the text costs: 160/153 per part in GSM-7, 70/67 in UCS-2."""
    size = length(text)
    single, multi = (160, 153) if is_gsm7(text) else (70, 67)
    if size <= single:
        return 1
    return -(-size // multi)
