"""``chinhquyen outbox``: look at and nudge outbox deliveries."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from chinhquyen.events import housekeeping, services
from chinhquyen.events.models import Delivery


class Command(BaseCommand):
    help = "Xem và xử lý hàng đợi sự kiện outbox."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        status = sub.add_parser("status", help="Số lượt gửi theo trạng thái")
        status.add_argument("--json", action="store_true")
        sub.add_parser("deliver", help="Gửi ngay những lượt đến hạn, trong tiến trình này")
        retry = sub.add_parser(
            "retry", help="Thử lại một lượt gửi (hoặc mọi lượt đã dừng với --dead)"
        )
        retry.add_argument("delivery_id", nargs="?", type=int)
        retry.add_argument("--dead", action="store_true")
        prune = sub.add_parser(
            "prune",
            help="Dọn theo thời hạn lưu: sự kiện đã gửi xong (outbox) và nơi nhận, nội dung "
            "trong nhật ký thông báo",
        )
        prune.add_argument(
            "--dry-run", action="store_true", help="Chỉ đếm, không xóa gì (chạy thử)"
        )
        prune.add_argument("--json", action="store_true")

    def handle(self, *args, action: str, **options) -> None:
        if action == "status":
            counts = dict(Delivery.objects.values_list("status").annotate(n=Count("id")).order_by())
            if options["json"]:
                self.stdout.write(json.dumps(counts))
            else:
                for status, label in Delivery.Status.choices:
                    self.stdout.write(f"{label}: {counts.get(status, 0)}")
        elif action == "deliver":
            self.stdout.write(f"Đã gửi {services.deliver_due()} lượt.")
        elif action == "retry":
            if options["dead"]:
                deliveries = list(Delivery.objects.filter(status=Delivery.Status.DEAD))
            elif options["delivery_id"]:
                deliveries = list(Delivery.objects.filter(pk=options["delivery_id"]))
                if not deliveries:
                    raise CommandError(f"Không có lượt gửi số {options['delivery_id']}.")
            else:
                raise CommandError("Cần số lượt gửi hoặc --dead.")
            for delivery in deliveries:
                services.retry(delivery)
            self.stdout.write(f"Đã đưa {len(deliveries)} lượt gửi vào hàng đợi.")
        elif action == "prune":
            self._prune(dry_run=options["dry_run"], as_json=options["json"])

    def _prune(self, *, dry_run: bool, as_json: bool) -> None:
        """Both prunes (outbox and notification log) with the configured retentions."""
        from chinhquyen.notifications import retention

        counts = housekeeping.run(dry_run=dry_run)
        if as_json:
            self.stdout.write(json.dumps({**counts, "dry_run": dry_run}))
            return
        outbox_keep, log_keep = services.outbox_retention(), retention.retention()
        if dry_run:
            self.stdout.write("Chạy thử (--dry-run): chưa xóa gì, dưới đây là số sẽ xóa.")
        will = "sẽ xóa" if dry_run else "đã xóa"
        if outbox_keep is None:
            self.stdout.write("Outbox: không dọn (CHINHQUYEN_OUTBOX_RETENTION_DAYS=0).")
        else:
            self.stdout.write(
                f"Outbox (giữ {outbox_keep.days} ngày): {will} {counts['outbox_events']} sự kiện "
                f"và {counts['outbox_deliveries']} lượt gửi đã gửi xong; giữ lại "
                f"{counts['outbox_kept']} sự kiện cũ còn lượt gửi chưa xong hoặc lỗi."
            )
        if log_keep is None:
            self.stdout.write(
                "Nhật ký thông báo: không dọn (CHINHQUYEN_NOTIFICATION_RETENTION_DAYS=0)."
            )
        else:
            self.stdout.write(
                f"Nhật ký thông báo (giữ {log_keep.days} ngày): {will} nơi nhận và nội dung của "
                f"{counts['notifications_cleared']} tin (dòng nhật ký vẫn giữ); {will} "
                f"{counts['notifications_deleted']} tin mã xác minh."
            )
