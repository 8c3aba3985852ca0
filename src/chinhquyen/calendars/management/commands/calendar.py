"""``chinhquyen calendar``: seed the national calendar, compute and explain deadlines, list days off.

    chinhquyen calendar seed [--years 2020-2030]
    chinhquyen calendar due --start 2026-02-12T09:00 --working-days 5 [--agency CODE] [--json]
    chinhquyen calendar due --start 2026-02-12T09:00 --working-hours 16 [--paper] [--cutoff 15:00]
        [--pause START/END[/lý do]]... [--restart MOMENT]...
    chinhquyen calendar explain ... (same arguments as due)
    chinhquyen calendar days --year 2026 [--agency CODE] [--json]

A --start (or pause, restart) without an offset is Vietnam time (+07:00); output is ISO 8601 +07:00.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from chinhquyen.calendars import deadlines, parsing, selectors, services
from chinhquyen.calendars.exceptions import CalendarError
from chinhquyen.core.context import request_context


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


class Command(BaseCommand):
    help = "Lịch làm việc: khởi tạo lịch quốc gia, tính và giải thích thời hạn, liệt kê ngày nghỉ."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{seed,due,explain,days}")
        seed = sub.add_parser(
            "seed",
            help="Khởi tạo lịch quốc gia từ thư viện holidays (không ghi đè sửa đổi của quản trị viên).",
        )
        seed.add_argument(
            "--years",
            default="2020-2030",
            help="Ví dụ 2020-2030 hoặc 2026,2027 (mặc định 2020-2030).",
        )
        seed.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")
        for name, text in (
            ("due", "Tính hạn."),
            ("explain", "Giải thích hạn: ngày được tính, ngày bỏ qua và lý do."),
        ):
            p = sub.add_parser(name, help=text)
            p.add_argument(
                "--start",
                required=True,
                help="Thời điểm bắt đầu, ISO 8601; không có múi giờ thì hiểu là giờ Việt Nam.",
            )
            amount = p.add_mutually_exclusive_group(required=True)
            amount.add_argument("--working-days", help="Số ngày làm việc.")
            amount.add_argument("--working-hours", help="Số giờ làm việc.")
            p.add_argument(
                "--agency", default="", help="Mã định danh cơ quan (mặc định: lịch toàn quốc)."
            )
            p.add_argument(
                "--paper",
                action="store_true",
                help="Hồ sơ giấy: nhận sau giờ chốt thì tính từ sáng ngày làm việc tiếp theo.",
            )
            p.add_argument(
                "--cutoff", default="15:00", help="Giờ chốt cho hồ sơ giấy (mặc định 15:00)."
            )
            p.add_argument(
                "--pause",
                action="append",
                default=[],
                metavar="START/END[/LÝ DO]",
                help="Khoảng tạm dừng không tính (lặp lại được).",
            )
            p.add_argument(
                "--restart",
                action="append",
                default=[],
                metavar="MOMENT",
                help="Thời điểm tính lại từ đầu sau khi nhận đủ hồ sơ bổ sung (lặp lại được; lấy thời điểm muộn nhất).",
            )
            p.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")
        days = sub.add_parser(
            "days", help="Liệt kê ngày nghỉ lễ, nghỉ hoán đổi và ngày làm bù của một năm."
        )
        days.add_argument("--year", required=True)
        days.add_argument("--agency", default="")
        days.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with request_context(user=None, ip=None, source="cli"):
                getattr(self, f"_{options['action']}")(options)
        except CalendarError as exc:
            raise CommandError(exc.message) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc

    def _seed(self, options: dict[str, Any]) -> None:
        result = services.seed_national_calendar(parsing.parse_years(options["years"]))
        if options["json"]:
            self.stdout.write(_dump(result.as_dict()))
            return
        years = result.years
        self.stdout.write(
            f"Lịch quốc gia {years[0]}–{years[-1]}: thêm {result.created}, cập nhật {result.updated}, "
            f"bỏ {result.removed}, giữ nguyên {result.kept_admin_edits} ngày quản trị viên đã sửa; "
            f"năm mới khởi tạo: {', '.join(map(str, result.new_years)) or 'không'}."
        )

    def _computation(self, options: dict[str, Any]) -> dict[str, Any]:
        local = {"naive_is_local": True}
        return {
            "working_days": options["working_days"],
            "working_hours": options["working_hours"],
            "paper": options["paper"],
            "cutoff": parsing.parse_time(options["cutoff"], what="Giờ chốt (--cutoff)"),
            "pauses": [parsing.parse_pause(text, **local) for text in options["pause"]],
            "restarts": [
                parsing.parse_moment(t, what="Thời điểm tính lại (--restart)", **local)
                for t in options["restart"]
            ],
        }

    def _due(self, options: dict[str, Any]) -> None:
        start = parsing.parse_moment(
            options["start"], what="Thời điểm bắt đầu (--start)", naive_is_local=True
        )
        calendar = selectors.calendar_for(options["agency"] or None)
        result = deadlines.compute(calendar, start, **self._computation(options))
        if options["json"]:
            self.stdout.write(_dump(deadlines.deadline_dict(result, calendar.agency_code)))
        else:
            self.stdout.write(deadlines.isoformat(result.due))

    def _explain(self, options: dict[str, Any]) -> None:
        start = parsing.parse_moment(
            options["start"], what="Thời điểm bắt đầu (--start)", naive_is_local=True
        )
        calendar = selectors.calendar_for(options["agency"] or None)
        explanation = deadlines.explain(calendar, start, **self._computation(options))
        self.stdout.write(
            _dump(explanation.as_dict()) if options["json"] else explanation.as_text()
        )

    def _days(self, options: dict[str, Any]) -> None:
        year = parsing.parse_year(options["year"])
        agency = selectors.resolve_agency(options["agency"] or None)
        seeded = year in selectors.seeded_years()
        rows = selectors.days_for_year(year, agency)
        if options["json"]:
            self.stdout.write(
                _dump(
                    {
                        "year": year,
                        "agency": agency.code if agency else None,
                        "seeded": seeded,
                        "days": [r.as_dict() for r in rows],
                    }
                )
            )
            return
        if not seeded:
            self.stderr.write(
                f"Cảnh báo: lịch năm {year} chưa được khởi tạo (chinhquyen calendar seed --years {year})."
            )
        for r in rows:
            scope = f" [{r.agency_code}]" if r.agency_code else ""
            self.stdout.write(
                f"{r.date.isoformat()}  {r.weekday:<8}  {r.kind_label:<14}  {r.name}{scope}"
            )
