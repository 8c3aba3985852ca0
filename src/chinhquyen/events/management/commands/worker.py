"""``chinhquyen worker``: run background tasks (outbox deliveries and others) until stopped."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from chinhquyen.events import services

log = logging.getLogger("chinhquyen.worker")


class Command(DbWorkerCommand):
    help = "Chạy tiến trình nền: gửi sự kiện outbox và các tác vụ khác (django-tasks, CSDL)."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)
        parser.add_argument(
            "--sweep-interval",
            type=float,
            default=60.0,
            help="Giây giữa hai lần rà soát lượt gửi bị treo (mặc định 60).",
        )

    def handle(self, *args, sweep_interval: float = 60.0, **options) -> None:
        stop = threading.Event()
        if not options.get("batch"):
            threading.Thread(target=self._sweep, args=(stop, sweep_interval), daemon=True).start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()

    @staticmethod
    def _sweep(stop: threading.Event, interval: float) -> None:
        while not stop.wait(interval):
            try:
                close_old_connections()
                count = services.requeue_stale()
                if count:
                    log.warning("re-enqueued %s stale outbox deliveries", count)
            except Exception:  # noqa: BLE001 - keep sweeping
                log.exception("outbox sweep failed")
            finally:
                connection.close()
