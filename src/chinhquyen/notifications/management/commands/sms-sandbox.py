"""``chinhquyen sms-sandbox``: run the sandbox brandname SMS gateway in the foreground."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from chinhquyen.notifications.channels.sms.sandbox import LIST_PATH, SandboxGateway


class Command(BaseCommand):
    help = "Chạy cổng SMS thử nghiệm (sandbox) trên máy phát triển; không gửi tin thật."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument("--api-key", default="sandbox-key")
        parser.add_argument("--brandname", default="CHINHQUYEN")
        parser.add_argument(
            "--store",
            default=str(Path(settings.DATA_DIR) / "sms-sandbox.jsonl"),
            help="Tệp JSON Lines lưu các tin đã nhận ('' để chỉ giữ trong bộ nhớ).",
        )

    def handle(self, *args, **options) -> None:
        gateway = SandboxGateway(
            host=options["host"],
            port=options["port"],
            api_key=options["api_key"],
            brandname=options["brandname"],
            store=options["store"] or None,
        )
        host, port = gateway.server.server_address[:2]
        self.stdout.write(
            "Cổng SMS thử nghiệm đang chạy. Cấu hình để gửi vào đây:\n"
            f"  CHINHQUYEN_SMS_URL={gateway.url}\n"
            f"  CHINHQUYEN_SMS_API_KEY={options['api_key']}\n"
            f"  CHINHQUYEN_SMS_BRANDNAME={options['brandname']}\n"
            f"Tin đã nhận: http://{host}:{port}{LIST_PATH}"
            + (f" và tệp {options['store']}" if options["store"] else "")
            + "\nNhấn Ctrl+C để dừng."
        )
        self.stdout.flush()
        try:
            gateway.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            gateway.server.server_close()
