"""``chinhquyen up``: migrate, load demo data on an empty database, run web server and worker.

This is what ``make run`` calls. Both processes stop together on Ctrl-C (or when one dies).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Khởi động toàn bộ nền tảng: máy chủ web và tiến trình nền (kèm dữ liệu mẫu nếu CSDL trống)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-demo", action="store_true", help="Không nạp dữ liệu mẫu.")

    def handle(self, *args, host: str, port: int, no_demo: bool, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Đã cập nhật cấu trúc cơ sở dữ liệu.")
        if not no_demo:
            from chinhquyen.accounts.models import User

            if not User.objects.exists():
                self.stdout.write("Cơ sở dữ liệu trống: đang nạp dữ liệu mẫu…")
                call_command("demo")
        env = os.environ.copy()
        web = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                sys.executable,
                "-m",
                "uvicorn",
                "chinhquyen.asgi:application",
                "--host",
                host,
                "--port",
                str(port),
                "--no-access-log",
                "--lifespan",
                "off",
            ],
            env=env,
        )
        worker = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "chinhquyen",
                "worker",
                "--no-startup-delay",
                "--verbosity",
                "1",
            ],
            env=env,
        )
        processes = {"web": web, "worker": worker}
        self.stdout.write(
            self.style.SUCCESS(
                f"Nền tảng đang chạy tại http://{host}:{port}/ (tiến trình nền đã bật). Nhấn Ctrl-C để dừng."
            )
        )

        stopping = threading.Event()

        def request_stop(*_) -> None:
            stopping.set()

        # Installed explicitly: a shell may start us with SIGINT ignored (e.g. in the background).
        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        while not stopping.is_set() and all(proc.poll() is None for proc in processes.values()):
            stopping.wait(0.5)
        self.stdout.write("Đang dừng máy chủ web và tiến trình nền…")
        for proc in processes.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in processes.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        dead = [
            name for name, proc in processes.items() if proc.returncode not in (0, -2, -15, None)
        ]
        if dead:
            self.stderr.write(f"Tiến trình dừng bất thường: {', '.join(dead)}")
