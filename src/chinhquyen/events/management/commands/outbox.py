"""``chinhquyen outbox``: look at and nudge outbox deliveries."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from chinhquyen.events import services
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
