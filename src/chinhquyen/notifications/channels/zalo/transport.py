"""Zalo channel: a ZNS-style template message over HTTPS/JSON.

Request: ``POST <CHINHQUYEN_ZALO_URL>`` with headers ``access_token: <token>`` and
``Content-Type: application/json``::

    {"phone": "84912345678", "template_id": "<approved template id>",
     "template_data": {"ma_ho_so": "…", "ngay_hen": "…"}, "tracking_id": "<stable key>"}

Answer: ``{"error": 0, "message": "Success", "data": {"msg_id": "…"}}``; a negative ``error``
is a refusal. Rate limits and an expired access token (refreshed outside this process) are
worth retrying; the rest (no Zalo account, template not approved, bad data) are not.
"""

from __future__ import annotations

import httpx
from django.conf import settings

from chinhquyen.lib import phone as phones
from chinhquyen.notifications.channels import Message, PermanentError, RetryableError

# -32: over the rate limit; -124: access token expired or invalid (refreshed by the operator).
RETRYABLE = frozenset({-32, -124})


def international(number: str) -> str:
    """``0912345678`` → ``84912345678``, the form ZNS expects."""
    return "84" + phones.normalize(number)[1:]


class ZaloTransport:
    name = "zalo"

    def __init__(self, *, url: str, access_token: str, timeout: float = 10) -> None:
        self.url, self.access_token, self.timeout = url, access_token, timeout

    @classmethod
    def from_settings(cls) -> ZaloTransport:
        conf = settings.NOTIFICATIONS
        return cls(
            url=conf["ZALO_URL"],
            access_token=conf["ZALO_ACCESS_TOKEN"],
            timeout=conf.get("ZALO_TIMEOUT", 10),
        )

    def send(self, message: Message) -> str:
        try:
            number = international(message.to)
        except phones.InvalidPhoneNumber as exc:
            raise PermanentError("số điện thoại không hợp lệ") from exc
        if not message.subject:
            raise PermanentError("mẫu Zalo chưa có mã mẫu ZNS (template_id)")
        body = {
            "phone": number,
            "template_id": message.subject,
            "template_data": message.data,
            "tracking_id": message.key[:48],
        }
        try:
            response = httpx.post(
                self.url,
                json=body,
                headers={"access_token": self.access_token},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise RetryableError(f"không kết nối được Zalo: {type(exc).__name__}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableError(f"Zalo trả lời HTTP {response.status_code}")
        try:
            answer = response.json()
            error = int(answer.get("error", -1))
        except (ValueError, TypeError, AttributeError) as exc:
            raise RetryableError(
                f"Zalo trả lời không đúng định dạng (HTTP {response.status_code})"
            ) from exc
        if error == 0:
            msg_id = (answer.get("data") or {}).get("msg_id")
            if msg_id:
                return str(msg_id)
            raise RetryableError("Zalo không trả mã tin (msg_id)")
        text = f"Zalo từ chối: {error} {str(answer.get('message', ''))[:200]}"
        if error in RETRYABLE:
            raise RetryableError(text)
        raise PermanentError(text)
