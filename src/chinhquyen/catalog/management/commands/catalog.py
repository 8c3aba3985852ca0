"""``chinhquyen catalog …``: import/export the procedure catalog, search it, rebuild its index.

Runs as the system (no acting user); writes are audited with source ``cli``. The exit status is
1 when an import rejected records, 2 for a bad file or bad arguments.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from chinhquyen.catalog import search, services
from chinhquyen.core.context import request_context


class Command(BaseCommand):
    help = "Danh mục thủ tục hành chính: nhập, xuất, tìm kiếm, dựng lại chỉ mục tìm kiếm."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="LỆNH")

        p = sub.add_parser(
            "import", help="Nhập/cập nhật thủ tục từ tệp .jsonl(.gz), .json hoặc .xlsx."
        )
        p.add_argument("path", help="tệp dữ liệu TTHC quốc gia hoặc tệp đã xuất")
        p.add_argument("--json", action="store_true", help="in báo cáo dạng JSON")
        p.add_argument("--quiet", action="store_true", help="chỉ in dòng tổng kết")

        p = sub.add_parser("export", help="Xuất toàn bộ danh mục.")
        p.add_argument("--format", choices=("json", "xlsx"), default="json", dest="fmt")
        p.add_argument(
            "-o", "--output", help="ghi ra tệp (bắt buộc với xlsx khi không chuyển hướng)"
        )

        p = sub.add_parser(
            "demo", help="Nạp vài trăm thủ tục cấp tỉnh, cấp xã làm dữ liệu minh họa."
        )
        p.add_argument("--json", action="store_true", help="in báo cáo dạng JSON")
        p.add_argument("--quiet", action="store_true", help="chỉ in dòng tổng kết")

        p = sub.add_parser("search", help="Tìm thủ tục như trên cổng dịch vụ công.")
        p.add_argument("query", nargs="?", default="")
        p.add_argument("--field")
        p.add_argument("--level")
        p.add_argument("--online")
        p.add_argument("--limit", type=int, default=10)
        p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

        sub.add_parser("reindex", help="Tính lại cột và chỉ mục tìm kiếm của mọi thủ tục.")

    def handle(self, *args: Any, **options: Any) -> None:
        handler = {
            "import": self._import,
            "export": self._export,
            "demo": self._demo,
            "search": self._search,
            "reindex": self._reindex,
        }[options["subcommand"]]
        with request_context(user=None, ip=None, source="cli"):
            try:
                handler(options)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages), returncode=2) from exc

    def _report(self, options: dict[str, Any], report: services.ImportReport, title: str) -> None:
        if options.get("json"):
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            lines = [f"{title} ({report.source}): {report.summary()}"]
            counts = report.problem_counts
            if counts:
                lines.append("Những phần không đọc được (theo loại, số thủ tục):")
                lines += [f"  {n:5d}  {kind}" for kind, n in counts.items()]
            if not options.get("quiet"):
                lines += [f"  {line}" for line in report.lines()]
            self.stdout.write("\n".join(lines))
        if not report.ok:
            raise CommandError(f"{len(report.rejected)} bản ghi bị từ chối.", returncode=1)

    def _import(self, options: dict[str, Any]) -> None:
        report = services.import_catalog(path=options["path"])
        self._report(options, report, "Nhập thủ tục hành chính")

    def _demo(self, options: dict[str, Any]) -> None:
        self._report(options, services.load_demo_catalog(), "Dữ liệu minh họa")

    def _export(self, options: dict[str, Any]) -> None:
        content = services.export_catalog(fmt=options["fmt"])
        if options["output"]:
            Path(options["output"]).write_bytes(content)
            self.stderr.write(f"Đã ghi {options['output']}.")
        elif options["fmt"] == "xlsx" and sys.stdout.isatty():
            raise CommandError("Tệp xlsx là nhị phân: dùng -o TỆP.", returncode=2)
        else:
            self.stdout.flush()
            getattr(self.stdout, "_out", sys.stdout).buffer.write(content)

    def _search(self, options: dict[str, Any]) -> None:
        result = search.search(
            options["query"],
            field=options["field"],
            level=options["level"],
            online=options["online"],
            per_page=options["limit"],
        )
        items = [
            {"code": p.code, "name": p.name, "score": result.scores.get(p.id)} for p in result.items
        ]
        if options["json"]:
            data = {"total": result.total, "mode": result.mode, "corrections": result.corrections,
                    "items": items}  # fmt: skip
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{result.total} kết quả ({result.mode}).")
        if result.corrections:
            self.stdout.write(f"Đã sửa chính tả: {result.corrections}")
        for item in items:
            self.stdout.write(f"  {item['code']:<12} {item['name']}")

    def _reindex(self, options: dict[str, Any]) -> None:
        count = services.rebuild_search_index()
        self.stdout.write(f"Đã dựng lại chỉ mục tìm kiếm cho {count} thủ tục.")
