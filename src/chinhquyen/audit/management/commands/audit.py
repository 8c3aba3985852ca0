"""``chinhquyen audit verify``: check the whole hash chain of the audit log."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from chinhquyen.audit.services import verify_chain


class Command(BaseCommand):
    help = "Kiểm tra chuỗi băm của nhật ký kiểm toán."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify", help="Kiểm tra toàn bộ chuỗi, chỉ ra bản ghi hỏng đầu tiên"
        )
        verify.add_argument("--json", action="store_true")

    def handle(self, *args, action: str, **options) -> None:
        result = verify_chain()
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": result.ok,
                        "checked": result.checked,
                        "first_broken_seq": result.first_broken_seq,
                        "reason": result.reason,
                    },
                    ensure_ascii=False,
                )
            )
        elif result.ok:
            self.stdout.write(
                self.style.SUCCESS(f"Chuỗi nhật ký toàn vẹn: {result.checked} bản ghi.")
            )
        if not result.ok:
            raise CommandError(
                f"Chuỗi nhật ký bị hỏng tại bản ghi #{result.first_broken_seq}: {result.reason} "
                f"({result.checked} bản ghi trước đó hợp lệ)."
            )
