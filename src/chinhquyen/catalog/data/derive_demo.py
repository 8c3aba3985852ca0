"""Derive the demo catalog (``demo-procedures.jsonl.gz``) from the national records.

The demo holds the procedures a province and its wards handle at their one-stop desks: records
whose implementing level includes "Cấp tỉnh" or "Cấp xã", from the fields below, at most
``cap`` per field, in code order. Records are copied unchanged (one JSON object per line).

    python src/chinhquyen/catalog/data/derive_demo.py ../shared/data/tthc/tthc-2642-procedures.jsonl.gz

The search test set (``catalog/tests/data/queries.json``) refers to these procedures.
"""

from __future__ import annotations

import gzip
import json
import sys
import unicodedata
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "demo-procedures.jsonl.gz"
LEVELS = ("Cấp tỉnh", "Cấp xã")
# Field (lĩnh vực) → how many of its procedures to keep.
FIELDS = {
    "Hộ tịch": 45,
    "Chứng thực": 12,
    "Đăng ký, quản lý cư trú": 13,
    "Cấp, quản lý căn cước": 25,
    "Lý lịch tư pháp": 3,
    "Nuôi con nuôi": 10,
    "Quốc tịch": 5,
    "Đất đai": 30,
    "Tài chính đất đai": 5,
    "Nhà ở và công sở": 12,
    "Hoạt động xây dựng": 15,
    "Quy hoạch đô thị và nông thôn": 5,
    "Thành lập và hoạt động doanh nghiệp (hộ kinh doanh)": 7,
    "Thành lập và hoạt động của doanh nghiệp": 8,
    "Thành lập và hoạt động của tổ hợp tác, hợp tác xã, liên hiệp hợp tác xã": 10,
    "Người có công": 7,
    "Chính sách": 8,
    "Giảm nghèo": 5,
    "Thực hiện chính sách BHXH": 8,
    "Thực hiện chính sách BHYT": 3,
    "Hòa giải ở cơ sở": 5,
    "Trợ giúp pháp lý": 6,
    "Khiếu nại, tố cáo": 4,
    "Bồi thường nhà nước": 4,
    "Công chứng": 6,
    "Đăng ký, quản lý phương tiện giao thông cơ giới, xe máy chuyên dùng": 12,
    "Sát hạch, cấp giấy phép lái xe": 7,
    "Đường bộ": 8,
    "Nông nghiệp": 8,
    "Trồng trọt và Bảo vệ thực vật": 4,
    "Chăn nuôi": 4,
    "Thú y": 4,
    "Lâm nghiệp": 5,
    "Thủy sản": 5,
    "Thủy lợi": 5,
    "Tài nguyên nước": 4,
    "Môi trường": 4,
    "Phòng cháy, chữa cháy": 6,
    "Định danh và xác thực điện tử": 5,
    "Đăng ký, quản lý con dấu": 1,
}


def main(source: str) -> int:
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip()]
    kept: dict[str, list[tuple[str, str]]] = {}
    for line in lines:
        record = json.loads(line)
        field = unicodedata.normalize("NFC", record.get("linh_vuc") or "").strip()
        levels = unicodedata.normalize("NFC", record.get("cap_thuc_hien") or "")
        if field in FIELDS and any(level in levels for level in LEVELS):
            kept.setdefault(field, []).append((record["ma_thu_tuc"], line))
    chosen = []
    for field, cap in FIELDS.items():
        chosen += sorted(kept.get(field, []))[:cap]
    chosen.sort()
    with gzip.open(OUTPUT, "wt", encoding="utf-8", compresslevel=9) as out:
        out.writelines(line if line.endswith("\n") else line + "\n" for _, line in chosen)
    print(f"{len(chosen)} thủ tục → {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
