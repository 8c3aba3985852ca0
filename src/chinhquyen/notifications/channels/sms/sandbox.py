"""A sandbox brandname SMS gateway: a real HTTP server speaking :mod:`.protocol`.

It checks requests the way a gateway does (API key, brandname, phone number, GSM-7 content
when ``IsUnicode`` is 0, length), keeps what it accepted in memory and, if asked, appends it
as JSON lines to a file. Used by the tests over a real socket and by ``chinhquyen sms-sandbox``
on development machines. ``GET /api/sms/messages`` lists what it received.

Not for production: it sends nothing to any phone.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from chinhquyen.lib import phone as phones
from chinhquyen.notifications import smstext
from chinhquyen.notifications.channels.sms import protocol

SEND_PATH = "/api/sms/send"
LIST_PATH = "/api/sms/messages"


class SandboxGateway:
    """``start()`` in a thread (tests) or ``serve_forever()`` (the management command)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = "sandbox-key",
        brandname: str = "CHINHQUYEN",
        store: Path | str | None = None,
    ) -> None:
        self.api_key, self.brandname = api_key, brandname
        self.store = Path(store) if store else None
        self.messages: list[dict[str, Any]] = []
        self._by_request: dict[str, str] = {}
        self._failures: list[str] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.server = ThreadingHTTPServer((host, port), _handler_for(self))
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{SEND_PATH}"

    def fail_next(self, code: str, times: int = 1) -> None:
        """Answer the next ``times`` valid requests with ``CodeResult`` ``code`` (tests)."""
        with self._lock:
            self._failures.extend([code] * times)

    def start(self) -> SandboxGateway:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- the protocol ------------------------------------------------------------------------

    def handle_send(self, body: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(body, dict):
            return _error("98")
        if body.get("ApiKey") != self.api_key:
            return _error("101")
        if body.get("Brandname") != self.brandname:
            return _error("104")
        content = body.get("Content")
        if not isinstance(content, str) or not content.strip():
            return _error("110")
        unicode = body.get("IsUnicode") == 1
        if not unicode and not smstext.is_gsm7(content):
            return _error("117")
        if smstext.segments(content) > protocol.MAX_SEGMENTS:
            return _error("116")
        number = str(body.get("Phone") or "")
        if not phones.looks_like_phone(number):
            return _error("118")
        with self._lock:
            if self._failures:
                return _error(self._failures.pop(0))
            request_id = str(body.get("RequestId") or "")
            if request_id and request_id in self._by_request:
                return {"CodeResult": protocol.OK, "SMSID": self._by_request[request_id]}
            sms_id = uuid.uuid4().hex
            record = {
                "SMSID": sms_id,
                "Phone": phones.normalize(number),
                "Brandname": self.brandname,
                "Content": content,
                "IsUnicode": 1 if unicode else 0,
                "RequestId": request_id,
                "Segments": smstext.segments(content),
                "ReceivedAt": datetime.now(UTC).isoformat(),
            }
            self.messages.append(record)
            if request_id:
                self._by_request[request_id] = sms_id
            if self.store is not None:
                self.store.parent.mkdir(parents=True, exist_ok=True)
                with self.store.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return {"CodeResult": protocol.OK, "SMSID": sms_id}


def _error(code: str) -> dict[str, Any]:
    return {"CodeResult": code, "ErrorMessage": protocol.CODES.get(code, "")}


def _handler_for(gateway: SandboxGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "chinhquyen-sms-sandbox"

        def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
            if self.path.split("?")[0] != SEND_PATH:
                self._reply(404, {"error": "not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(min(length, 64_000))
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                self._reply(400, _error("98"))
                return
            self._reply(200, gateway.handle_send(body))

        def do_GET(self) -> None:  # noqa: N802
            if self.path.split("?")[0] != LIST_PATH:
                self._reply(404, {"error": "not found"})
                return
            with gateway._lock:
                self._reply(200, {"messages": list(gateway.messages)})

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # request lines carry nothing useful and we keep phone numbers out of logs

    return Handler
