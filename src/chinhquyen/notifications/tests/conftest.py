"""Fixtures of the notification tests: the dossier world, a sandbox SMS gateway on a real socket,
a local ZNS-style server, and a helper that runs the outbox like the worker does."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from chinhquyen.dossiers.tests.conftest import *  # noqa: F403 - the dossier fixtures
from chinhquyen.events.models import Delivery
from chinhquyen.events.services import deliver_due
from chinhquyen.notifications.channels.sms.sandbox import SandboxGateway

PUBLIC_URL = "https://dichvucong.nghean.gov.vn"
API_KEY = "khoa-thu-nghiem"
BRANDNAME = "UBND-NGHEAN"


@pytest.fixture(autouse=True)
def notification_settings(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.NOTIFICATIONS = {
        **settings.NOTIFICATIONS,
        "PUBLIC_URL": PUBLIC_URL,
        "SMS_BACKEND": "",
        "ZALO_BACKEND": "",
        "SMS_UNICODE": False,
        "EMAIL_ENABLED": True,
    }
    return settings


@pytest.fixture
def sms_gateway(settings, tmp_path):
    """The sandbox gateway on 127.0.0.1, and the SMS channel pointed at it."""
    gateway = SandboxGateway(api_key=API_KEY, brandname=BRANDNAME, store=tmp_path / "sms.jsonl")
    gateway.start()
    settings.NOTIFICATIONS = {
        **settings.NOTIFICATIONS,
        "SMS_BACKEND": "http",
        "SMS_URL": gateway.url,
        "SMS_API_KEY": API_KEY,
        "SMS_BRANDNAME": BRANDNAME,
        "SMS_TIMEOUT": 5,
    }
    try:
        yield gateway
    finally:
        gateway.stop()


class ZaloServer:
    """A local server answering like the ZNS template-message endpoint."""

    TOKEN = "zalo-token-thu-nghiem"

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"headers": dict(self.headers), "body": body})
                if self.headers.get("access_token") != outer.TOKEN:
                    status, answer = 200, {"error": -124, "message": "Access token is invalid"}
                elif outer.answers:
                    status, answer = outer.answers.pop(0)
                else:
                    status = 200
                    answer = {"error": 0, "message": "Success", "data": {"msg_id": "zns-1"}}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/message/template"


@pytest.fixture
def zalo_server(settings):
    server = ZaloServer()
    server.thread.start()
    settings.NOTIFICATIONS = {
        **settings.NOTIFICATIONS,
        "ZALO_BACKEND": "http",
        "ZALO_URL": server.url,
        "ZALO_ACCESS_TOKEN": ZaloServer.TOKEN,
        "ZALO_TIMEOUT": 5,
    }
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


def run_outbox(rounds: int = 6) -> None:
    """Deliver what is due, as the worker does, until nothing due is left (bounded)."""
    for _ in range(rounds):
        due = Delivery.objects.filter(
            status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED],
            next_attempt_at__lte=timezone.now(),
        )
        if not due.exists():
            return
        deliver_due()


def make_retries_due() -> int:
    """Skip the backoff wait: failed deliveries become due now."""
    return Delivery.objects.filter(status=Delivery.Status.FAILED).update(
        next_attempt_at=timezone.now()
    )
