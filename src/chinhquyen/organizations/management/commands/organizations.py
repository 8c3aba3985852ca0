"""``chinhquyen organizations …``: load reference data, import/export agencies, legacy lookup.

Runs as the system (no acting user); every write is audited with source ``cli``. Each
subcommand takes ``--json`` to print a machine-readable result. The exit status is 1 when an
import rejected rows or a lookup found nothing, 2 for a bad file or bad arguments.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from chinhquyen.core.context import request_context
from chinhquyen.organizations import selectors, services


def _messages(exc: ValidationError) -> str:
    return "; ".join(exc.messages)


class Command(BaseCommand):
    help = "Danh mục đơn vị hành chính, cơ quan và tra cứu địa chỉ cũ (trước 01/7/2025)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="LỆNH")

        p = sub.add_parser("load-units", help="Nạp/cập nhật 34 tỉnh và 3.321 xã, phường, đặc khu.")
        p.add_argument("--path", help="tệp JSON (có thể nén gzip); mặc định: dữ liệu kèm theo")
        p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

        p = sub.add_parser("load-legacy", help="Nạp bảng chuyển đổi xã cũ → xã mới.")
        p.add_argument("--path", help="tệp CSV (có thể nén gzip); mặc định: dữ liệu kèm theo")
        p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

        p = sub.add_parser("import-agencies", help="Nhập/cập nhật cơ quan từ tệp CSV hoặc JSON.")
        p.add_argument("path", help="tệp .csv hoặc .json")
        p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

        p = sub.add_parser("export-agencies", help="Xuất danh sách cơ quan.")
        p.add_argument("--format", choices=("json", "csv"), default="json", dest="fmt")
        p.add_argument("-o", "--output", help="ghi ra tệp thay vì màn hình")
        p.add_argument("--json", action="store_true", help="(bỏ qua: đầu ra đã là dữ liệu)")

        p = sub.add_parser("find-legacy", help="Tra xã/phường mới của một xã cũ.")
        p.add_argument("--name", help='tên xã cũ, có hoặc không dấu, ví dụ "Xã Nghi Phú"')
        p.add_argument("--code", help="mã xã cũ (5 chữ số)")
        p.add_argument("--district", help="quận/huyện cũ")
        p.add_argument("--province", help="tỉnh cũ")
        p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        handler = {
            "load-units": self._load_units,
            "load-legacy": self._load_legacy,
            "import-agencies": self._import_agencies,
            "export-agencies": self._export_agencies,
            "find-legacy": self._find_legacy,
        }[options["subcommand"]]
        with request_context(user=None, ip=None, source="cli"):
            try:
                handler(options)
            except ValidationError as exc:
                raise CommandError(_messages(exc), returncode=2) from exc

    def _emit(self, options: dict[str, Any], data: Any, text: str) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(text)

    def _load(self, options: dict[str, Any], loader: Any, what: str) -> None:
        report = loader(path=options["path"])
        lines = [f"{what} ({report.source}): {report.summary()}"]
        lines += [f"  bỏ qua: {reason}" for reason in report.skipped]
        self._emit(options, report.as_dict(), "\n".join(lines))

    def _load_units(self, options: dict[str, Any]) -> None:
        self._load(options, services.load_administrative_units, "Đơn vị hành chính")

    def _load_legacy(self, options: dict[str, Any]) -> None:
        self._load(options, services.load_legacy_mappings, "Bảng chuyển đổi xã cũ - mới")

    def _import_agencies(self, options: dict[str, Any]) -> None:
        report = services.import_agencies(path=options["path"])
        text = "\n".join([f"Nhập cơ quan: {report.summary()}", *report.lines()])
        self._emit(options, report.as_dict(), text)
        if not report.ok:
            raise CommandError(f"{len(report.rejected)} dòng bị từ chối.", returncode=1)

    def _export_agencies(self, options: dict[str, Any]) -> None:
        content = services.export_agencies(fmt=options["fmt"])
        if options["output"]:
            Path(options["output"]).write_text(content, encoding="utf-8")
            self.stderr.write(f"Đã ghi {options['output']}.")
        else:
            self.stdout.write(content, ending="")

    def _find_legacy(self, options: dict[str, Any]) -> None:
        if not options["name"] and not options["code"]:
            raise CommandError("Cần --name hoặc --code của xã cũ.", returncode=2)
        matches = selectors.find_new_unit(
            old_name=options["name"],
            old_code=options["code"],
            old_district=options["district"],
            old_province=options["province"],
        )
        data = [
            {
                "old_code": m.old_code,
                "old_name": m.old_name,
                "old_district": m.old_district,
                "old_province": m.old_province,
                "whole": m.whole,
                "note": m.note,
                "new_code": m.new_unit.code,
                "new_name": m.new_unit.name,
                "new_province_code": m.new_unit.province.code if m.new_unit.province else None,
                "new_province": m.new_unit.province.name if m.new_unit.province else None,
            }
            for m in matches
        ]
        lines = [
            f"{d['old_name']} ({d['old_district']}, {d['old_province']}, mã {d['old_code']}) → "
            f"{d['new_name']}, {d['new_province']} (mã {d['new_code']}; "
            f"{'nhập toàn bộ' if d['whole'] else 'nhập một phần'})"
            for d in data
        ]
        if options["json"] or matches:
            self._emit(options, data, "\n".join(lines))
        if not matches:
            raise CommandError("Không tìm thấy xã cũ phù hợp.", returncode=1)
