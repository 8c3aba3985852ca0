"""Build the administrative-unit fixtures shipped in this folder from the official lists.

Run by hand when the official lists change, then commit the two output files::

    .venv/bin/python -m chinhquyen.organizations.data.build_fixtures --source DIR

``DIR`` holds the source lists (in this project's shared test material:
``admin-units-2025/``), which are *not* copied into the repository:

* ``cap-tinh-2025.csv``: the 34 provinces (code, short name);
* ``nested-divisions-2025.json``: provinces with full names ("Tỉnh Nghệ An") and their wards;
* ``flat-divisions-2025.json``: the 3,321 wards, communes and special zones
  (from danhmuchanhchinh.nso.gov.vn, the National Statistics Office's list);
* ``bang-chuyen-doi-dvhc-moi-cu.csv``: old commune → new ward/commune conversion table.

It writes, next to this file:

* ``units-2025.json.gz``: ``{"provinces": [{code, name, kind}], "wards": [{code, name, kind,
  province}]}``; province codes have 2 digits, ward codes 5 (zero-padded);
* ``legacy-2025.csv.gz``: ``old_code, old_name, old_district, old_province, new_code, whole,
  note`` with ``whole`` = ``whole`` (nhập toàn bộ) or ``part`` (nhập một phần).

All text is NFC with single spaces. Output is deterministic (sorted, gzip without a time stamp),
so rebuilding from the same lists gives the same bytes. Only the standard library and
``chinhquyen.lib.vntext`` are used: no Django.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from chinhquyen.lib.vntext import fold, normalize
from chinhquyen.organizations.naming import (
    PROVINCE_KINDS,
    WARD_KINDS,
    canonical_name,
    is_partial,
    kind_of,
    province_code,
    split_prefix,
    ward_code,
)

HERE = Path(__file__).resolve().parent
UNITS_FILE = "units-2025.json.gz"
LEGACY_FILE = "legacy-2025.csv.gz"
LEGACY_COLUMNS = (
    "old_code",
    "old_name",
    "old_district",
    "old_province",
    "new_code",
    "whole",
    "note",
)
SOURCE_NOTE = (
    "Danh mục đơn vị hành chính Việt Nam từ 01/7/2025 (Cục Thống kê / NSO, "
    "danhmuchanhchinh.nso.gov.vn) và bảng chuyển đổi đơn vị hành chính cũ - mới."
)

_CODE_SUFFIX = re.compile(r"\s*\(\s*\d+\s*\)\s*$")


class SourceError(ValueError):
    """The source lists are not what this script expects."""


def strip_code_suffix(text: str) -> str:
    """``"Quận Ba Đình (001)"`` → ``"Quận Ba Đình"``, prefix spelt canonically."""
    return canonical_name(_CODE_SUFFIX.sub("", normalize(text)))


# --- units ------------------------------------------------------------------------------------


def build_units(
    cap_tinh_rows: list[list[str]], nested: list[dict], flat: list[dict]
) -> tuple[dict, list[str]]:
    """Return the units document and a list of remarks about the sources."""
    remarks: list[str] = []
    full_names = {province_code(p["code"]): normalize(p["name"]) for p in nested}
    provinces = []
    for row in cap_tinh_rows:
        if not row or not row[0].strip():
            continue
        code = province_code(row[0])
        if code is None:
            raise SourceError(f"cap-tinh: mã tỉnh không hợp lệ: {row!r}")
        short = normalize(row[1])
        name = canonical_name(full_names.get(code, ""))
        if not name or split_prefix(name)[1] != split_prefix(short)[1]:
            raise SourceError(f"Tỉnh {code}: tên {short!r} không khớp {name!r} trong nested json")
        kind = kind_of(name, PROVINCE_KINDS)
        if not kind:
            raise SourceError(f"Tỉnh {code}: không xác định được loại từ tên {name!r}")
        provinces.append({"code": code, "name": name, "kind": kind})
    province_codes = {p["code"] for p in provinces}
    if len(provinces) != len(province_codes):
        raise SourceError("cap-tinh: mã tỉnh bị trùng")

    province_of_ward: dict[str, str] = {}
    province_names = {}
    for p in nested:
        pcode = province_code(p["code"])
        province_names[fold(p["name"])] = pcode
        for w in p.get("wards", []):
            province_of_ward[ward_code(w["code"])] = pcode

    wards = []
    for item in flat:
        code = ward_code(item["code"])
        if code is None:
            raise SourceError(f"flat json: mã xã không hợp lệ: {item!r}")
        raw_name = normalize(item["name"])
        name = canonical_name(raw_name)
        if name != raw_name:
            remarks.append(f"Xã {code}: viết lại tên {raw_name!r} thành {name!r}")
        kind = kind_of(name, WARD_KINDS)
        if not kind:
            raise SourceError(f"Xã {code}: không xác định được loại từ tên {name!r}")
        pcode = province_of_ward.get(code)
        if pcode is None or pcode != province_names.get(fold(item["province_name"])):
            raise SourceError(f"Xã {code}: tỉnh {item['province_name']!r} không khớp nested json")
        if pcode not in province_codes:
            raise SourceError(f"Xã {code}: tỉnh {pcode} không có trong cap-tinh")
        wards.append({"code": code, "name": name, "kind": kind, "province": pcode})
    if len({w["code"] for w in wards}) != len(wards):
        raise SourceError("flat json: mã xã bị trùng")
    provinces.sort(key=lambda p: p["code"])
    wards.sort(key=lambda w: w["code"])
    document = {
        "source": SOURCE_NOTE,
        "valid_from": "2025-07-01",
        "provinces": provinces,
        "wards": wards,
    }
    return document, remarks


# --- legacy mapping ---------------------------------------------------------------------------


@dataclass
class LegacyResult:
    rows: list[dict[str, str]] = field(default_factory=list)
    headings: int = 0
    skipped: list[str] = field(default_factory=list)


def build_legacy(source_rows: list[list[str]], ward_codes: set[str]) -> LegacyResult:
    """Clean the conversion table.

    Columns of the source: new province, new name, new code, old name, old code, note, old
    district, old province. Heading rows (column titles, province titles) are dropped; data rows
    whose old or new code is missing or unknown are skipped and listed in ``skipped``.
    """
    result = LegacyResult()
    seen: set[tuple[str, str]] = set()
    for number, raw in enumerate(source_rows, start=1):
        row = [normalize(cell) for cell in raw] + [""] * (8 - len(raw))
        new_name, new_raw, old_name, old_raw, note = row[1], row[2], row[3], row[4], row[5]
        is_title = fold(row[0]).startswith("don vi hanh chinh") or fold(new_raw) == "ma xa moi"
        if is_title or not any(row[1:8]):
            result.headings += 1
            continue
        new_code = ward_code(new_raw)
        old_code = ward_code(old_raw)
        label = f"bản ghi {number} ({old_name or '?'} → {new_name or '?'})"
        if new_code is None or new_code not in ward_codes:
            result.skipped.append(f"{label}: mã xã mới {new_raw!r} không có trong danh mục 2025")
            continue
        if old_code is None:
            result.skipped.append(f"{label}: thiếu mã xã cũ")
            continue
        if not old_name:
            result.skipped.append(f"{label}: thiếu tên xã cũ")
            continue
        if (old_code, new_code) in seen:
            result.skipped.append(f"{label}: trùng cặp mã {old_code} → {new_code}")
            continue
        seen.add((old_code, new_code))
        result.rows.append(
            {
                "old_code": old_code,
                "old_name": canonical_name(old_name),
                "old_district": strip_code_suffix(row[6]),
                "old_province": strip_code_suffix(row[7]),
                "new_code": new_code,
                "whole": "part" if is_partial(note) else "whole",
                "note": note,
            }
        )
    result.rows.sort(key=lambda r: (r["new_code"], r["old_code"]))
    return result


# --- writing ----------------------------------------------------------------------------------


def _gzip_bytes(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
        gz.write(data)
    return buffer.getvalue()


def units_bytes(document: dict) -> bytes:
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    return _gzip_bytes(text.encode("utf-8"))


def legacy_bytes(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=LEGACY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return _gzip_bytes(out.getvalue().encode("utf-8"))


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def build(source: Path, output: Path) -> dict:
    """Read the lists in ``source``, write both fixtures to ``output``, return a summary."""
    cap_tinh = _read_csv(source / "cap-tinh-2025.csv")
    nested = json.loads((source / "nested-divisions-2025.json").read_text(encoding="utf-8"))
    flat = json.loads((source / "flat-divisions-2025.json").read_text(encoding="utf-8"))
    units, remarks = build_units(cap_tinh, nested, flat)
    legacy = build_legacy(
        _read_csv(source / "bang-chuyen-doi-dvhc-moi-cu.csv"), {w["code"] for w in units["wards"]}
    )
    output.mkdir(parents=True, exist_ok=True)
    (output / UNITS_FILE).write_bytes(units_bytes(units))
    (output / LEGACY_FILE).write_bytes(legacy_bytes(legacy.rows))
    return {
        "provinces": len(units["provinces"]),
        "wards": len(units["wards"]),
        "ward_kinds": dict(Counter(w["kind"] for w in units["wards"])),
        "unit_remarks": remarks,
        "legacy_rows": len(legacy.rows),
        "legacy_whole": sum(1 for r in legacy.rows if r["whole"] == "whole"),
        "legacy_headings_dropped": legacy.headings,
        "legacy_skipped": len(legacy.skipped),
        "legacy_skipped_rows": legacy.skipped,
        "new_units_without_legacy": sorted(
            {w["code"] for w in units["wards"]} - {r["new_code"] for r in legacy.rows}
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--source", type=Path, required=True, help="folder of the official lists")
    parser.add_argument("--output", type=Path, default=HERE, help="where to write (default: here)")
    args = parser.parse_args(argv)
    try:
        summary = build(args.source, args.output)
    except (OSError, SourceError, KeyError, json.JSONDecodeError) as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
