"""Names of administrative units: their kind prefix ("Xã", "Phường", "Tỉnh"…) and search keys.

Plain functions, no models: used by the fixture builder, the loaders and the legacy lookup.
"""

from __future__ import annotations

from chinhquyen.lib.vntext import fold, normalize

#: Kinds of the 2025 two-level structure, as written at the start of the official names.
PROVINCE_KINDS = ("Thành phố", "Tỉnh")
WARD_KINDS = ("Phường", "Xã", "Đặc khu")

# Every prefix we recognise, with its canonical spelling. Longer prefixes first.
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("thanh pho", "Thành phố"),
    ("thi tran", "Thị trấn"),
    ("thi xa", "Thị xã"),
    ("dac khu", "Đặc khu"),
    ("phuong", "Phường"),
    ("quan", "Quận"),
    ("huyen", "Huyện"),
    ("tinh", "Tỉnh"),
    ("xa", "Xã"),
    ("tp.", "Thành phố"),
    ("tp", "Thành phố"),
)


def ward_code(value: object) -> str | None:
    """``4`` / ``"4"`` / ``" 00004 "`` → ``"00004"`` (ward codes have 5 digits); else ``None``."""
    text = str(value).strip()
    if not text.isdigit() or not text.isascii() or len(text) > 5:
        return None
    return text.zfill(5)


def province_code(value: object) -> str | None:
    """``1`` / ``"01"`` → ``"01"`` (province codes have 2 digits); else ``None``."""
    text = str(value).strip()
    if not text.isdigit() or not text.isascii() or len(text) > 2:
        return None
    return text.zfill(2)


def split_prefix(name: str | None) -> tuple[str, str]:
    """Split ``"Xã  Nghi Phú"`` into ``("Xã", "Nghi Phú")``; ``("", name)`` when there is none.

    The prefix is recognised with or without diacritics and in any case (``"Thị Xã"``, ``"xa"``)
    and returned in its canonical spelling. A name that is only a prefix keeps it as its name.
    """
    text = normalize(name)
    words = text.split(" ")
    folded = fold(text).split(" ")
    for key, canonical in _PREFIXES:
        size = key.count(" ") + 1
        if len(words) > size and folded[:size] == key.split(" "):
            return canonical, " ".join(words[size:])
    return "", text


def canonical_name(name: str | None) -> str:
    """The name with its prefix spelt canonically: ``"xã Bắc Sơn"`` → ``"Xã Bắc Sơn"``."""
    prefix, rest = split_prefix(name)
    return f"{prefix} {rest}" if prefix else rest


def kind_of(name: str | None, kinds: tuple[str, ...]) -> str:
    """The kind among ``kinds`` that starts ``name``, or ``""``."""
    prefix, _ = split_prefix(name)
    return prefix if prefix in kinds else ""


def name_key(name: str | None) -> str:
    """Search key of a name without its prefix: ``"Phường Nghi Phú"`` → ``"nghi phu"``."""
    return fold(split_prefix(name)[1])


def is_partial(note: str | None) -> bool:
    """A conversion-table note meaning "merged in part": ``Nhập một phần…``, ``Phần còn lại…``."""
    folded = fold(note)
    return "mot phan" in folded or folded.startswith("phan con lai")
