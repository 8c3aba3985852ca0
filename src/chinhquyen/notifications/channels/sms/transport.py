"""SMS channel: one HTTP POST per message to the brandname gateway (protocol in :mod:`.protocol`)."""

from __future__ import annotations

import httpx
from django.conf import settings

from chinhquyen.lib import phone as phones
from chinhquyen.notifications import smstext
from chinhquyen.notifications.channels import Message, PermanentError, RetryableError
from chinhquyen.notifications.channels.sms import protocol


class SmsTransport:
    name = "sms"

    def __init__(self, *, url: str, api_key: str, brandname: str, timeout: float = 10) -> None:
        self.url, self.api_key, self.brandname, self.timeout = url, api_key, brandname, timeout

    @classmethod
    def from_settings(cls) -> SmsTransport:
        conf = settings.NOTIFICATIONS
        return cls(
            url=conf["SMS_URL"],
            api_key=conf["SMS_API_KEY"],
            brandname=conf["SMS_BRANDNAME"],
            timeout=conf.get("SMS_TIMEOUT", 10),
        )

    def send(self, message: Message) -> str:
        try:
            number = phones.normalize(message.to)
        except phones.InvalidPhoneNumber as exc:
            raise PermanentError("số điện thoại không hợp lệ") from exc
        body = protocol.request_body(
            api_key=self.api_key,
            brandname=self.brandname,
            phone=number,
            content=message.body,
            unicode=not smstext.is_gsm7(message.body),
            request_id=message.key,
        )
        try:
            response = httpx.post(self.url, json=body, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise RetryableError(f"không kết nối được cổng SMS: {type(exc).__name__}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableError(f"cổng SMS trả lời HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError as exc:
            raise RetryableError(
                f"cổng SMS trả lời không phải JSON (HTTP {response.status_code})"
            ) from exc
        code = str(answer.get("CodeResult", ""))
        if code == protocol.OK and answer.get("SMSID"):
            return str(answer["SMSID"])
        error = protocol.describe(code)
        if code in protocol.RETRYABLE:
            raise RetryableError(f"cổng SMS: {error}")
        raise PermanentError(f"cổng SMS: {error}")
