"""Write side of the outbox: publish inside the change's transaction; deliver from the worker."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from chinhquyen.audit import services as audit
from chinhquyen.core import fastsql
from chinhquyen.events import registry
from chinhquyen.events.models import Delivery, OutboxEvent

log = logging.getLogger(__name__)


def publish(
    event_type: str,
    *,
    aggregate: models.Model | None = None,
    aggregate_type: str = "",
    aggregate_id: str | int = "",
    payload: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> OutboxEvent:
    """Write an event and one delivery per registered handler, in the caller's transaction.

    A rolled-back change leaves neither event nor delivery. The worker polls the deliveries that
    are due (:func:`deliver_due`), so publishing writes no task row of its own: the delivery,
    with its status and ``next_attempt_at``, is the queue entry.
    Publishing twice with the same ``idempotency_key`` returns the first event.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events.publish() must be called inside transaction.atomic().")
    if aggregate is not None:
        aggregate_type = aggregate_type or aggregate._meta.label_lower
        aggregate_id = aggregate_id or aggregate.pk
    key = idempotency_key or f"{event_type}:{uuid.uuid4()}"
    event = OutboxEvent(
        event_type=event_type,
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        payload=payload or {},
        idempotency_key=key,
    )
    # One statement: the key's unique index decides; only a repeated key reads the first event.
    if not fastsql.insert(event, ignore_conflicts=True):
        return OutboxEvent.objects.get(idempotency_key=key)
    for name in registry.handlers_for(event_type):
        fastsql.insert(Delivery(event=event, handler=name, next_attempt_at=event.created_at))
    return event


def _publish_row(
    event_type: str, *, aggregate: models.Model, payload: dict[str, Any], idempotency_key: str
) -> None:
    """:func:`publish` for the dossier engine: the same event and deliveries, written without
    model instances (the engine does not use them)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events.publish() must be called inside transaction.atomic().")
    event = fastsql.insert_row(
        OutboxEvent,
        {
            "id": uuid.uuid4(),
            "event_type": event_type,
            "aggregate_type": aggregate._meta.label_lower,
            "aggregate_id": str(aggregate.pk),
            "payload": payload,
            "idempotency_key": idempotency_key,
        },
        ignore_conflicts=True,
    )
    if event is None:
        return  # a repeated key: the first event and its deliveries stand
    for name in registry.handlers_for(event_type):
        fastsql.insert_row(
            Delivery, {"event_id": event.id, "handler": name, "next_attempt_at": event.created_at}
        )


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at 1 hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def deliver(delivery_id: int) -> str:
    """Run one delivery. Returns its new status. Safe to call twice: delivered stays delivered.

    The handler runs in a savepoint. When it raises, what it wrote is rolled back and the error
    (its type and a short message) is kept on the delivery; it is tried again after
    :func:`backoff`, up to ``OUTBOX_MAX_ATTEMPTS`` attempts. On the last attempt, or at once when
    it raises :class:`~chinhquyen.events.registry.GiveUp`, the delivery is ``dead`` and the
    handler's ``on_give_up`` callback writes its failure record (see :func:`_give_up`).
    """
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in (Delivery.Status.DELIVERED, Delivery.Status.DEAD):
            return delivery.status if delivery else "missing"
        if delivery.next_attempt_at and delivery.next_attempt_at > timezone.now() + timedelta(
            seconds=1
        ):
            return delivery.status  # not due yet: another queued task will run it then
        fn = registry.get(delivery.handler)
        delivery.attempts += 1
        try:
            if fn is None:
                raise LookupError(f"no handler registered under {delivery.handler}")
            with transaction.atomic():
                fn(delivery.event, delivery)
        except Exception as exc:  # noqa: BLE001 - any handler failure is retried
            delivery.last_error = describe_error(exc)
            last = delivery.attempts >= settings.OUTBOX_MAX_ATTEMPTS
            if last or isinstance(exc, registry.GiveUp):
                delivery.status = Delivery.Status.DEAD
                delivery.next_attempt_at = None
                log.log(
                    logging.ERROR if last else logging.WARNING,
                    "outbox delivery %s (%s) dead after %s attempts: %s",
                    delivery.pk,
                    delivery.handler,
                    delivery.attempts,
                    type(exc).__name__,
                )
                _give_up(delivery, exc)
            else:
                delivery.status = Delivery.Status.FAILED
                delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
                log.warning(
                    "outbox delivery %s failed, retry at %s", delivery.pk, delivery.next_attempt_at
                )
        else:
            delivery.status = Delivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
            delivery.last_error = ""
        delivery.save()
        return delivery.status


def _give_up(delivery: Delivery, exc: BaseException) -> None:
    """Run the handler's ``on_give_up`` callback after the handler's rollback, in its own
    savepoint: its failure record commits with the ``dead`` status, and a callback that fails
    leaves the delivery ``dead`` all the same (logged and noted in ``last_error``)."""
    callback = registry.callbacks(delivery.handler).on_give_up
    if callback is None:
        return
    try:
        with transaction.atomic():
            callback(delivery.event, delivery, exc)
    except Exception as callback_exc:  # noqa: BLE001 - the delivery's status must stand
        # The message, not the traceback: it is masked like ``last_error``.
        log.error(
            "outbox delivery %s: give-up callback failed: %s",
            delivery.pk,
            describe_error(callback_exc),
        )
        note = f"\n(bộ xử lý không ghi nhận được lỗi: {describe_error(callback_exc)})"
        delivery.last_error = (delivery.last_error + note)[: ERROR_LENGTH * 2]


# What an error looks like on a delivery: its type and the first line of its message, with
# e-mail addresses and long digit runs (phone and identity numbers) masked.
ERROR_LENGTH = 300
_EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
_DIGITS = re.compile(r"\+?\d{9,}")


def describe_error(exc: BaseException) -> str:
    """``Type: message`` for operators: short, one line, without personal data."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    message = mask_personal(message)
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text if len(text) <= ERROR_LENGTH else text[: ERROR_LENGTH - 1] + "…"


def retry(delivery: Delivery) -> None:
    """Give a delivery another go now (admin action, CLI): the worker's next poll runs it.

    The handler's ``on_retry`` callback runs in the same transaction, so it can reopen what its
    ``on_give_up`` callback closed; if it fails, nothing changes and the error is raised.
    """
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().select_related("event").get(pk=delivery.pk)
        callback = registry.callbacks(delivery.handler).on_retry
        if callback is not None:
            callback(delivery.event, delivery)
        delivery.status = Delivery.Status.PENDING
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "next_attempt_at", "updated_at"])


def deliver_due(limit: int = 500) -> int:
    """Deliver whatever is due now, in this process; returns how many were delivered.

    The worker calls it in a loop (``chinhquyen worker``), ``chinhquyen outbox deliver`` and
    tests call it directly. A delivery whose worker died mid-way was rolled back with it, so it
    is still due and the next call runs it. Two workers may pick the same delivery: ``deliver``
    locks the row and skips what is already delivered or not due.
    """
    due = (
        Delivery.objects.filter(
            status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED],
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in list(due) if deliver(pk) == Delivery.Status.DELIVERED)


# --- Retention ------------------------------------------------------------------------------

DEFAULT_OUTBOX_RETENTION_DAYS = 30
# Ids per batch of :func:`prune`: each batch is its own short transaction, so a large backlog
# never holds the SQLite write lock (or PostgreSQL row locks) for long.
PRUNE_BATCH = 1000
# A shorter retention would let a repeated publish (same idempotency key, e.g. a retried
# request) run its handlers a second time once the first event is gone.
MIN_OUTBOX_RETENTION = timedelta(days=1)


def outbox_retention() -> timedelta | None:
    """How long delivered events are kept (``OUTBOX_RETENTION_DAYS``); ``None``: for ever (0)."""
    days = getattr(settings, "OUTBOX_RETENTION_DAYS", DEFAULT_OUTBOX_RETENTION_DAYS)
    if days is None or days <= 0:
        return None
    return max(timedelta(days=days), MIN_OUTBOX_RETENTION)


def _unfinished_deliveries() -> models.QuerySet[Delivery]:
    # Named statuses rather than "not delivered": the (status, next_attempt_at) index finds
    # these few rows, where an inequality would read every delivery in each batch.
    unfinished = [s for s in Delivery.Status.values if s != Delivery.Status.DELIVERED]
    return Delivery.objects.filter(event=OuterRef("pk"), status__in=unfinished)


def prunable_events(*, cutoff: datetime) -> models.QuerySet[OutboxEvent]:
    """Events :func:`prune` may delete: created before ``cutoff``, every delivery delivered.

    An event with a pending, failed or dead delivery is the operators' to look at and stays, as
    does everything newer. An event no handler was registered for (no delivery) has nothing
    left to do and goes too.
    """
    return OutboxEvent.objects.filter(created_at__lt=cutoff).filter(
        ~Exists(_unfinished_deliveries())
    )


def prune(
    *,
    now: datetime | None = None,
    keep: timedelta | None = None,
    batch_size: int = PRUNE_BATCH,
    dry_run: bool = False,
) -> dict[str, int]:
    """Delete delivered outbox events older than ``keep`` (default: ``OUTBOX_RETENTION_DAYS``)
    with their deliveries; returns ``{"events", "deliveries", "kept"}``.

    ``kept`` counts the old events held back because a delivery is not delivered. Each batch
    deletes its delivered deliveries first, then those of its events left without any delivery,
    in one transaction: a delivery an operator sends back to the queue meanwhile (``retry``) is
    not ``delivered`` any more, so it and its event stay. Each batch that deleted something
    writes one audit record with the counts. With ``dry_run`` nothing is deleted and the counts
    say what would be.
    """
    now = now or timezone.now()
    keep = keep if keep is not None else outbox_retention()
    counts = {"events": 0, "deliveries": 0, "kept": 0}
    if keep is None:
        return counts  # retention switched off: keep everything
    keep = max(keep, MIN_OUTBOX_RETENTION)
    cutoff = now - keep
    candidates = prunable_events(cutoff=cutoff)
    counts["kept"] = (
        OutboxEvent.objects.filter(created_at__lt=cutoff)
        .filter(Exists(_unfinished_deliveries()))
        .count()
    )
    if dry_run:
        counts["events"] = candidates.count()
        counts["deliveries"] = Delivery.objects.filter(event__in=candidates).count()
        return counts
    while True:
        with transaction.atomic():
            ids = list(candidates.order_by("created_at").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            deliveries, _ = Delivery.objects.filter(
                event_id__in=ids, status=Delivery.Status.DELIVERED
            ).delete()
            _, per_model = (
                OutboxEvent.objects.filter(pk__in=ids)
                .filter(~Exists(Delivery.objects.filter(event=OuterRef("pk"))))
                .delete()
            )
            events = per_model.get(OutboxEvent._meta.label, 0)
            if events or deliveries:
                audit.record(
                    "events.prune",
                    object_type=OutboxEvent._meta.label_lower,
                    changes={
                        "events": events,
                        "deliveries": deliveries,
                        "retention_days": round(keep.total_seconds() / 86400, 2),
                    },
                )
        counts["events"] += events
        counts["deliveries"] += deliveries
        if not events:
            break  # every event of the batch changed meanwhile: the next run looks again
    return counts


def mask_personal(text: str) -> str:
    """``text`` with e-mail addresses and runs of 9+ digits (phone, identity numbers) masked,
    as on a delivery's ``last_error``."""
    return _DIGITS.sub("***", _EMAIL.sub(r"***@\1", text))
