"""``chinhquyen worker``: run background tasks (outbox deliveries and others) until stopped."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from chinhquyen.events import services

log = logging.getLogger("chinhquyen.worker")

# Rounds of ``deliver_due`` in one go before the poller sleeps again (each round is bounded).
MAX_ROUNDS = 100


class Command(DbWorkerCommand):
    help = "Chạy tiến trình nền: gửi sự kiện outbox và các tác vụ khác (django-tasks, CSDL)."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)
        parser.add_argument(
            "--outbox-interval",
            type=float,
            default=1.0,
            help="Giây giữa hai lần tìm lượt gửi outbox đến hạn (mặc định 1).",
        )

    def handle(self, *args, outbox_interval: float = 1.0, **options) -> None:
        stop = threading.Event()
        if options.get("batch"):
            self.deliver_until_idle()
        else:
            threading.Thread(target=self._poll, args=(stop, outbox_interval), daemon=True).start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()

    @staticmethod
    def deliver_until_idle() -> int:
        """Deliver what is due until nothing due is left (or :data:`MAX_ROUNDS` rounds)."""
        total = 0
        for _ in range(MAX_ROUNDS):
            delivered = services.deliver_due()
            total += delivered
            if not delivered:
                break
        return total

    @classmethod
    def _poll(cls, stop: threading.Event, interval: float) -> None:
        """The outbox loop: deliveries are the queue (publishing writes no task rows)."""
        try:
            while True:
                try:
                    close_old_connections()
                    cls.deliver_until_idle()
                except Exception:  # noqa: BLE001 - keep polling
                    log.exception("outbox delivery round failed")
                if stop.wait(interval):
                    break
        finally:
            connection.close()
