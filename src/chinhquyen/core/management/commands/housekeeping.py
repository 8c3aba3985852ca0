"""``chinhquyen housekeeping [--dry-run] [--json]``: every housekeeping step now, by hand."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from chinhquyen.core import housekeeping

LABELS = {
    "accounts": "Đăng ký chưa xác minh, mã xác minh đã dùng/hết hạn",
    "drafts": "Hồ sơ lưu tạm bỏ dở (và tệp đã tải lên)",
    "retention": "Outbox đã gửi xong, nội dung thông báo cũ",
}


class Command(BaseCommand):
    help = (
        "Dọn dữ liệu hết thời hạn lưu giữ (như tiến trình nền làm mỗi giờ). "
        "Removes data past its retention, as the worker does every hour."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Chỉ đếm, không xóa (count only)."
        )
        parser.add_argument("--json", action="store_true", help="Kết quả dạng JSON.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        results = housekeeping.run_all(dry_run=dry_run)
        failed = [name for name, result in results.items() if result is None]
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "dry_run": dry_run,
                        "steps": {k: housekeeping.counts(v) for k, v in results.items()},
                        "failed": failed,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            verb = "Sẽ xóa (chạy thử)" if dry_run else "Đã xử lý"
            for name, result in results.items():
                label = LABELS.get(name, name)
                if result is None:
                    self.stdout.write(self.style.ERROR(f"{label}: lỗi (xem nhật ký)"))
                    continue
                found = ", ".join(f"{k} {v}" for k, v in housekeeping.counts(result).items())
                self.stdout.write(f"{verb} — {label}: {found}")
        if failed:
            raise CommandError("Một số bước dọn dữ liệu bị lỗi: " + ", ".join(failed))
