"""``chinhquyen worker``: run background tasks (outbox deliveries and others) until stopped."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from chinhquyen.events import services

log = logging.getLogger("chinhquyen.worker")

# Rounds of ``deliver_due`` in one go before the poller sleeps again (each round is bounded).
MAX_ROUNDS = 100
# Seconds between two housekeeping rounds (stale registrations, spent verification codes, the
# outbox's and the notification log's retention).
HOUSEKEEPING_INTERVAL = 3600.0


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
        parser.add_argument(
            "--housekeeping-interval",
            type=float,
            default=HOUSEKEEPING_INTERVAL,
            help="Giây giữa hai lần dọn dữ liệu hết hạn lưu giữ: đăng ký chưa xác minh, mã xác "
            "minh cũ, outbox đã gửi, nội dung thông báo cũ (mặc định 3600; 0 để tắt).",
        )

    def handle(
        self,
        *args,
        outbox_interval: float = 1.0,
        housekeeping_interval: float = HOUSEKEEPING_INTERVAL,
        **options,
    ) -> None:
        stop = threading.Event()
        if options.get("batch"):
            self.deliver_until_idle()
            if housekeeping_interval > 0:
                self.housekeep()
        else:
            threading.Thread(target=self._poll, args=(stop, outbox_interval), daemon=True).start()
            if housekeeping_interval > 0:
                threading.Thread(
                    target=self._housekeeping_loop,
                    args=(stop, housekeeping_interval),
                    daemon=True,
                ).start()
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

    @staticmethod
    def housekeep() -> dict[str, Any]:
        """One housekeeping round (:func:`chinhquyen.core.housekeeping.run_all`): registrations
        never confirmed, spent codes, abandoned drafts, the outbox's and the notification log's
        retention. Returns each step's result (``None`` when it failed). Only counts are logged,
        never who; a failure is logged by its kind and not raised, and the next round tries again.
        """
        from chinhquyen.core import housekeeping

        results = housekeeping.run_all()
        done = results.get("accounts")
        if done is not None and (done.accounts or done.total_codes):
            log.info(
                "housekeeping: %d unverified registrations, %d verification codes deleted",
                done.accounts,
                done.total_codes,
            )
        for name in ("drafts", "retention"):
            found = housekeeping.counts(results.get(name))
            if any(found.values()):
                log.info(
                    "housekeeping %s: %s",
                    name,
                    ", ".join(f"{key} {value}" for key, value in found.items()),
                )
        return results

    @classmethod
    def _housekeeping_loop(cls, stop: threading.Event, interval: float) -> None:
        """The housekeeping thread: a round at start, then one every ``interval`` seconds."""
        try:
            while True:
                try:
                    close_old_connections()
                except Exception as exc:  # noqa: BLE001 - housekeep() reports a lasting fault
                    log.error("housekeeping connection check failed (%s)", type(exc).__name__)
                cls.housekeep()
                if stop.wait(interval):
                    break
        finally:
            connection.close()
