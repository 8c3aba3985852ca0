"""``chinhquyen demo``: create the demo province (idempotent)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu: tỉnh Nghệ An với các phường, xã, sở, ngành, cán bộ và công dân mẫu."

    def handle(self, *args, **options) -> None:
        from chinhquyen.core.demo import DEMO_PASSWORD, load_demo

        counts = load_demo(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã nạp dữ liệu mẫu: {counts['agencies']} cơ quan, {counts['people']} tài khoản mới. "
                f"Mật khẩu mẫu: {DEMO_PASSWORD} (xem docs/demo.md)."
            )
        )
