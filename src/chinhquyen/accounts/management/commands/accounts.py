"""``chinhquyen accounts …``: housekeeping of citizen accounts.

``chinhquyen accounts purge [--dry-run] [--json]`` deletes registrations never confirmed and
spent verification codes (see :mod:`chinhquyen.accounts.housekeeping`); the worker does the same
about once an hour. Runs as the system; deletions are audited with source ``cli``.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from chinhquyen.accounts import housekeeping
from chinhquyen.core.context import request_context


def _hours(value) -> str:
    hours = value.total_seconds() / 3600
    return f"{hours / 24:g} ngày/days" if hours >= 24 else f"{hours:g} giờ/hours"


class Command(BaseCommand):
    help = "Tài khoản công dân: dọn đăng ký chưa xác minh và mã xác minh đã hết dùng."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="LỆNH")
        p = sub.add_parser(
            "purge",
            help="Xóa đăng ký chưa xác minh quá hạn và mã xác minh cũ "
            "(delete stale unverified registrations and old verification codes).",
        )
        p.add_argument(
            "--dry-run",
            action="store_true",
            help="chỉ đếm, không xóa gì (count only, delete nothing)",
        )
        p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context(user=None, ip=None, source="cli"):
            result = housekeeping.run(dry_run=options["dry_run"])
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "dry_run": result.dry_run,
                        "accounts": result.accounts,
                        "account_codes": result.account_codes,
                        "codes": result.codes,
                        "kept_referenced": result.kept_referenced,
                    }
                )
            )
            return
        accounts_age = _hours(housekeeping.unverified_retention())
        codes_age = _hours(housekeeping.code_retention())
        if result.dry_run:
            lines = [
                "Chạy thử, chưa xóa gì / Dry run, nothing deleted:",
                f"  {result.accounts} đăng ký chưa xác minh quá {accounts_age} sẽ bị xóa "
                f"(unverified registrations that would be deleted), "
                f"kèm {result.account_codes} mã xác minh của chúng (with their codes);",
                f"  {result.codes} mã xác minh đã hết dùng, cũ hơn {codes_age}, sẽ bị xóa "
                f"(spent verification codes that would be deleted).",
            ]
        else:
            lines = [
                f"Đã xóa {result.accounts} đăng ký chưa xác minh quá {accounts_age} "
                f"và {result.account_codes} mã xác minh của chúng "
                f"(deleted unverified registrations and their codes).",
                f"Đã xóa {result.codes} mã xác minh đã hết dùng, cũ hơn {codes_age} "
                f"(deleted spent verification codes).",
            ]
            if result.kept_referenced:
                lines.append(
                    f"Giữ lại {result.kept_referenced} tài khoản vì vừa có dữ liệu liên quan "
                    f"(kept: referenced while the purge ran)."
                )
        self.stdout.write("\n".join(lines))
