"""Six-digit verification codes: issue (with send limits), check (with attempt limits).

Codes are stored only as an HMAC keyed with the site's secret, so a copy of the database does
not reveal them. The limits count rows per destination, so they hold across web processes and
across repeated registrations for the same phone or e-mail.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from chinhquyen.accounts.models import User, VerificationCode
from chinhquyen.events import services as events

log = logging.getLogger("chinhquyen.accounts")

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_INTERVAL = timedelta(seconds=60)
MAX_SENDS_PER_HOUR = 5
_KEY_SALT = "chinhquyen.accounts.verification"

# Messages are the same whether or not an account exists behind the destination.
WRONG = "Mã xác minh không đúng. Vui lòng kiểm tra lại (còn {left} lần thử)."
EXPIRED = "Mã xác minh đã hết hạn hoặc không còn dùng được. Vui lòng bấm “Gửi lại mã”."
TOO_MANY = "Bạn đã nhập sai quá {max} lần. Vui lòng bấm “Gửi lại mã” để nhận mã mới."
WAIT = "Vui lòng đợi {seconds} giây rồi bấm “Gửi lại mã”."
HOURLY = "Bạn đã yêu cầu gửi mã quá {max} lần trong một giờ. Vui lòng thử lại sau."


class CodeError(Exception):
    """A code could not be sent or accepted; ``str(exc)`` is the message for the person."""


@dataclass(frozen=True)
class Destination:
    channel: str
    address: str

    @property
    def masked(self) -> str:
        from chinhquyen.lib import phone

        if self.channel == VerificationCode.Channel.SMS:
            return phone.mask(self.address)
        local, _, domain = self.address.partition("@")
        return (local[:2] + "***@" + domain) if domain else "***"


def _hash(code: str, salt: str) -> str:
    return salted_hmac(_KEY_SALT, f"{salt}:{code}", algorithm="sha256").hexdigest()


def check_send_allowed(destination: str, *, now=None) -> None:
    """Raise :class:`CodeError` when a code was sent too recently or too often to this address."""
    now = now or timezone.now()
    recent = VerificationCode.objects.filter(
        destination=destination, created_at__gt=now - timedelta(hours=1)
    )
    last = recent.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is not None and now - last < RESEND_INTERVAL:
        wait = int((RESEND_INTERVAL - (now - last)).total_seconds()) + 1
        raise CodeError(WAIT.format(seconds=wait))
    if recent.count() >= MAX_SENDS_PER_HOUR:
        raise CodeError(HOURLY.format(max=MAX_SENDS_PER_HOUR))


def issue(
    *, user: User | None, purpose: str, destination: Destination, now=None
) -> VerificationCode:
    """Create a code for ``destination`` and queue it through the outbox (in a transaction).

    With ``user=None`` (the contact belongs to another account) a row is written so that the same
    limits apply, but nothing is sent and no code can succeed.
    """
    now = now or timezone.now()
    check_send_allowed(destination.address, now=now)
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(16)
    if user is not None:
        VerificationCode.objects.filter(
            user=user, purpose=purpose, used_at__isnull=True, superseded=False
        ).update(superseded=True)
    row = VerificationCode.objects.create(
        user=user,
        purpose=purpose,
        channel=destination.channel,
        destination=destination.address,
        salt=salt,
        code_hash=_hash(code, salt),
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    if user is not None:
        events.publish(
            "accounts.verification_code_requested",
            aggregate=row,
            payload={
                "channel": destination.channel,
                "destination": destination.address,
                "code": code,
                "purpose": purpose,
            },
        )
        if settings.DEBUG:
            log.info(
                "[development only, never logged in production] verification code %s for %s",
                code,
                destination.masked,
            )
    return row


def check(row: VerificationCode, code: str, *, now=None) -> User:
    """Accept ``code`` for ``row`` (locked by the caller) or raise :class:`CodeError`."""
    now = now or timezone.now()
    if row.used_at is not None or row.superseded or row.expires_at <= now:
        raise CodeError(EXPIRED)
    if row.attempts >= MAX_ATTEMPTS:
        raise CodeError(TOO_MANY.format(max=MAX_ATTEMPTS))
    good = constant_time_compare(_hash((code or "").strip(), row.salt), row.code_hash)
    if not good or row.user_id is None:
        row.attempts += 1
        row.save(update_fields=["attempts"])
        if row.attempts >= MAX_ATTEMPTS:
            raise CodeError(TOO_MANY.format(max=MAX_ATTEMPTS))
        raise CodeError(WRONG.format(left=MAX_ATTEMPTS - row.attempts))
    row.used_at = now
    row.save(update_fields=["used_at"])
    return row.user
