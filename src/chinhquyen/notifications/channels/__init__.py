"""Delivery channels: one folder per channel, each with one small interface.

A channel is an object with ``name`` and ``send(message) -> provider message id``. It raises
:class:`RetryableError` when trying again later may work (network, provider busy, quota) and
:class:`PermanentError` when it will not (wrong number, rejected content, bad credentials).
:func:`get` picks the channel for a name from settings, or ``None`` when it is not configured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings

from chinhquyen.events.registry import GiveUp


class ChannelError(Exception):
    """A message could not be handed to the provider."""


class RetryableError(ChannelError):
    """Try again later: the outbox worker retries with backoff."""


class PermanentError(ChannelError, GiveUp):
    """Trying again will not help: the outbox stops at once and the message is recorded failed."""


@dataclass(frozen=True)
class Message:
    """What a channel sends. ``key`` is stable across retries (providers deduplicate on it)."""

    channel: str
    to: str
    body: str
    subject: str = ""
    key: str = ""
    data: dict[str, Any] = field(default_factory=dict)


class Transport(Protocol):
    name: str

    def send(self, message: Message) -> str: ...


def get(name: str) -> Transport | None:
    """The transport configured for channel ``name``, or ``None`` if it is not configured."""
    conf = settings.NOTIFICATIONS
    if name == "email":
        if not conf.get("EMAIL_ENABLED", True):
            return None
        from chinhquyen.notifications.channels.email.transport import EmailTransport

        return EmailTransport()
    if name in ("sms", "zalo"):
        backend = conf.get(f"{name.upper()}_BACKEND", "")
        if backend == "console":
            from chinhquyen.notifications.channels.console.transport import ConsoleTransport

            return ConsoleTransport(name)
        if backend == "http" and name == "sms" and conf.get("SMS_URL"):
            from chinhquyen.notifications.channels.sms.transport import SmsTransport

            return SmsTransport.from_settings()
        if backend == "http" and name == "zalo" and conf.get("ZALO_ACCESS_TOKEN"):
            from chinhquyen.notifications.channels.zalo.transport import ZaloTransport

            return ZaloTransport.from_settings()
    return None
