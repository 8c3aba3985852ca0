"""Write side of notifications: render a template per channel, log it, send it in the worker.

:func:`notify` is called from outbox handlers only. It renders the active template of each
channel, writes one :class:`Notification` row per message (``queued``) and publishes one
``notifications.send`` outbox event per row, in the handler's transaction. The worker then
delivers each of those separately (:func:`send_queued`), so a failing e-mail server never sends
the SMS twice, and a retryable error is retried by the outbox with its backoff.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.template import Context, Template
from django.utils import timezone

from chinhquyen.events import services as events
from chinhquyen.events.models import OutboxEvent
from chinhquyen.lib import phone as phones
from chinhquyen.notifications import channels as channel_registry
from chinhquyen.notifications import smstext
from chinhquyen.notifications.channels import Message, PermanentError, RetryableError
from chinhquyen.notifications.models import Channel, MessageTemplate, Notification

log = logging.getLogger(__name__)

SEND_EVENT = "notifications.send"
REDACTED = "(nội dung có mã bí mật, không lưu sau khi gửi)"


def render(template: MessageTemplate, context: Mapping[str, Any]) -> dict[str, Any]:
    """Subject, body and (for Zalo) the template parameters, as the channel will send them."""
    ctx = Context({"platform": settings.PLATFORM_NAME, **dict(context)}, autoescape=False)
    body = Template(template.body).render(ctx).strip()
    if template.channel == Channel.ZALO:
        data = {}
        for line in body.splitlines():
            name, sep, value = line.partition(":")
            if sep and name.strip():
                data[name.strip()] = value.strip()
        return {"subject": template.subject.strip(), "body": "", "data": data}
    if template.channel == Channel.SMS:
        lines = [" ".join(line.split()) for line in body.splitlines()]
        body = " ".join(line for line in lines if line)
        if not settings.NOTIFICATIONS.get("SMS_UNICODE"):
            body = smstext.unaccent(body)
        return {"subject": "", "body": body, "data": {}}
    subject = " ".join(Template(template.subject).render(ctx).split())
    return {"subject": subject[:255], "body": body + "\n", "data": {}}


def _destinations(
    to_phone: str | None, to_email: str | None, zalo_user: str | None
) -> dict[str, str]:
    found = {}
    if to_phone and phones.looks_like_phone(to_phone):
        found[Channel.SMS] = phones.normalize(to_phone)
    if to_email:
        found[Channel.EMAIL] = to_email.strip()
    if zalo_user:
        found[Channel.ZALO] = zalo_user.strip()
    return found


def _ref(ref: Any) -> tuple[str, str, str]:
    if ref is None:
        return "", "", ""
    if isinstance(ref, models.Model):
        return ref._meta.label_lower, str(ref.pk), str(ref)[:100]
    kind, ident, *label = ref
    return str(kind), str(ident), str(label[0] if label else ident)[:100]


def notify(
    *,
    template_key: str,
    context: Mapping[str, Any],
    to_phone: str | None = None,
    to_email: str | None = None,
    zalo_user: str | None = None,
    channels: Iterable[str] | None = None,
    ref: Any = None,
    key: str | None = None,
) -> list[Notification]:
    """Queue ``template_key`` to every destination given (limited to ``channels`` if named).

    ``zalo_user`` is the phone number of the person's Zalo account (ZNS addresses by phone).
    ``ref`` is the model instance the message is about, or ``(type, id[, label])``. ``key``
    makes the call idempotent (the outbox delivery's key): called again, it returns the rows
    already written. A channel without an active template for the key is left out; a channel
    that is not configured is recorded as ``skipped``.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notify() runs inside an outbox handler's transaction.")
    wanted = set(channels) if channels is not None else None
    ref_type, ref_id, ref_label = _ref(ref)
    templates = {
        t.channel: t for t in MessageTemplate.objects.filter(key=template_key, active=True)
    }
    made: list[Notification] = []
    for channel, destination in _destinations(to_phone, to_email, zalo_user).items():
        if wanted is not None and channel not in wanted:
            continue
        template = templates.get(channel)
        if template is None:
            continue
        idem = f"{key}:{channel}:{template_key}" if key else None
        if idem:
            existing = Notification.objects.filter(idempotency_key=idem).first()
            if existing is not None:
                made.append(existing)
                continue
        rendered = render(template, context)
        row = Notification(
            channel=channel,
            template_key=template_key,
            destination=destination,
            subject=rendered["subject"],
            body=rendered["body"],
            data=rendered["data"],
            sensitive=template.sensitive,
            ref_type=ref_type,
            ref_id=ref_id,
            ref_label=ref_label,
            idempotency_key=idem or f"notification:{_random_key()}",
        )
        if channel_registry.get(channel) is None:
            row.status = Notification.Status.SKIPPED
            row.error = "Kênh chưa được cấu hình."
            if row.sensitive:
                row.body, row.data = REDACTED, {}
            row.save()
        else:
            row.save()
            _queue(row, round_=0)
        made.append(row)
    return made


def _random_key() -> str:
    return uuid.uuid4().hex


def _queue(row: Notification, *, round_: int) -> None:
    events.publish(
        SEND_EVENT,
        aggregate=row,
        payload={"notification_id": row.pk},
        idempotency_key=f"{SEND_EVENT}:{row.pk}:{round_}",
    )


def provider_key(row: Notification) -> str:
    """Stable across retries of one row; providers deduplicate on it."""
    digest = hashlib.sha256(row.idempotency_key.encode()).hexdigest()[:10]
    return f"cq-{row.pk}-{digest}"


def send_queued(notification_id: int, *, attempt: int) -> Notification | None:
    """Send one queued row (the ``notifications.send`` handler).

    Raises on every failure, so the outbox rolls back this attempt and decides: a
    :class:`RetryableError` is tried again later, a :class:`PermanentError` (an outbox
    ``GiveUp``) stops at once. When the outbox stops, :func:`record_failure` marks the row. A row
    that is no longer queued is not sent again (delivering twice sends once).
    """
    row = Notification.objects.select_for_update().filter(pk=notification_id).first()
    if row is None:
        return None
    if row.status == Notification.Status.FAILED and row.sensitive:
        # An operator retried the delivery of a code whose text is gone on purpose.
        raise PermanentError("Tin có mã bí mật đã xóa nội dung: người dân cần xin mã mới.")
    if row.status == Notification.Status.FAILED and not row.destination:
        raise PermanentError("Tin đã quá thời hạn lưu: nơi nhận và nội dung đã xóa.")
    if row.status != Notification.Status.QUEUED:
        return row  # already sent, failed or skipped: delivering twice sends once
    row.attempts = attempt
    transport = channel_registry.get(row.channel)
    if transport is None:
        row.status, row.error = Notification.Status.SKIPPED, "Kênh chưa được cấu hình."
        return _done(row)
    message = Message(
        channel=row.channel,
        to=row.destination,
        subject=row.subject,
        body=row.body,
        key=provider_key(row),
        data=dict(row.data or {}),
    )
    provider_id = transport.send(message)
    row.status, row.provider_message_id = Notification.Status.SENT, provider_id[:200]
    row.sent_at, row.error = timezone.now(), ""
    return _done(row)


def record_failure(notification_id: int, *, attempt: int, error: BaseException) -> None:
    """Mark a queued row ``failed`` once the outbox has given up sending it (its ``on_give_up``).

    A permanent error is recorded as the channel gave it; anything else with the number of
    attempts. The row of a message with a secret is cleared. A row that is no longer queued
    (sent meanwhile, or failed already) is left as it is.
    """
    row = Notification.objects.select_for_update().filter(pk=notification_id).first()
    if row is None or row.status != Notification.Status.QUEUED:
        return
    row.status, row.attempts = Notification.Status.FAILED, attempt
    if isinstance(error, PermanentError):
        row.error = str(error)[:2000]
    else:
        detail = str(error) if isinstance(error, RetryableError) else events.describe_error(error)
        row.error = f"Sau {attempt} lần thử: {detail}"[:2000]
    log.warning("notification %s failed after %s attempts", row.pk, attempt)
    _done(row)


def reopen(notification_id: int) -> None:
    """Queue a failed row again when an operator retries its outbox delivery (its ``on_retry``).

    The row of a message with a secret stays failed: its text is gone on purpose; so does a row
    cleared by the retention (:mod:`~chinhquyen.notifications.retention`).
    """
    row = Notification.objects.select_for_update().filter(pk=notification_id).first()
    if row is None or row.status != Notification.Status.FAILED:
        return
    if row.sensitive or not row.destination:
        return
    row.status, row.error = Notification.Status.QUEUED, ""
    row.save(update_fields=["status", "error"])


def _done(row: Notification) -> Notification:
    if row.sensitive:
        row.body, row.data = REDACTED, {}
    row.save()
    return row


def _next_round(row: Notification) -> int:
    """One more than the highest round of this row's send events still in the outbox.

    Not their number: the outbox retention deletes old delivered events, and a count would then
    repeat the key of an event still there (so no new delivery would be written).
    """
    keys = OutboxEvent.objects.filter(event_type=SEND_EVENT, aggregate_id=str(row.pk)).values_list(
        "idempotency_key", flat=True
    )
    rounds = [int(k.rpartition(":")[2]) for k in keys if k.rpartition(":")[2].isdigit()]
    return max(rounds, default=-1) + 1


def resend(row: Notification) -> Notification:
    """Queue a failed or skipped row again (admin action): a new outbox event, new attempts."""
    with transaction.atomic():
        row = Notification.objects.select_for_update().get(pk=row.pk)
        if row.status not in (Notification.Status.FAILED, Notification.Status.SKIPPED):
            return row
        if row.sensitive or not row.destination:
            return row  # its text is gone on purpose (a code, or past the retention period)
        row.status, row.error, row.attempts = Notification.Status.QUEUED, "", 0
        row.save(update_fields=["status", "error", "attempts"])
        _queue(row, round_=_next_round(row))
    return row
