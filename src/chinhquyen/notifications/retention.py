"""Retention of the notification log: personal data goes after a stated period, facts stay.

A :class:`~chinhquyen.notifications.models.Notification` row holds two kinds of things:

* facts — channel, template, status, when it was created and sent, the number of attempts, the
  provider's message id, the dossier it concerns (``ref_*``). A citizen who says "I was never
  told" is answered from these, years later if need be;
* personal data — the destination (phone number, e-mail address, Zalo phone), the rendered text
  (which names the person and the dossier), the Zalo parameters, and possibly the provider's
  error message echoing the number.

Personal data may be kept only for a purpose and a period (Nghị định 13/2023/NĐ-CP). Once a row
is older than ``NOTIFICATION_RETENTION_DAYS`` (default 365), :func:`prune` therefore blanks the
destination, the text (the e-mail subject too; for Zalo the subject is the ZNS template id, a
fact, and stays) and the parameters, and masks e-mail addresses and long digit runs in the
error. The row itself stays. Rows of templates marked *sensitive* (verification codes) are
deleted instead: their text is already gone, and that a code was once sent to some phone serves
no purpose later on.

Rows still ``queued`` are in flight (the outbox may still send them) and are never touched; rows
younger than the period — failed ones included — neither.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from chinhquyen.audit import services as audit
from chinhquyen.events.services import mask_personal
from chinhquyen.notifications.models import Channel, Notification

DEFAULT_RETENTION_DAYS = 365
BATCH_SIZE = 1000
# The outbox may retry a message for a while; nothing this young is ever cleared.
MIN_RETENTION = timedelta(days=1)


def retention() -> timedelta | None:
    """How long destinations and texts are kept (``NOTIFICATION_RETENTION_DAYS``); ``None``
    when set to 0 (kept for ever)."""
    days = getattr(settings, "NOTIFICATION_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    if days is None or days <= 0:
        return None
    return max(timedelta(days=days), MIN_RETENTION)


def prunable(*, cutoff: datetime) -> models.QuerySet[Notification]:
    """Rows :func:`prune` clears or deletes: finished, older than ``cutoff``, not yet cleared.

    A cleared row has an empty destination (every row is written with one), which is also the
    condition of the ``notification_prune`` partial index: rows already cleared are not read
    again.
    """
    return (
        Notification.objects.filter(created_at__lt=cutoff)
        .exclude(status=Notification.Status.QUEUED)
        .exclude(destination="")
    )


def _clear(candidates: models.QuerySet[Notification], ids: list[int]) -> int:
    """Blank the personal data of these rows (inside the caller's transaction). The conditions
    are checked again: a row queued again meanwhile is left alone."""
    rows = candidates.filter(pk__in=ids)
    with_error = [row for row in rows.exclude(error="").only("pk", "error")]
    cleared = rows.update(
        destination="",
        body="",
        data={},
        subject=Case(When(channel=Channel.ZALO, then=F("subject")), default=Value("")),
    )
    changed = []
    for row in with_error:
        masked = mask_personal(row.error)
        if masked != row.error:
            row.error = masked
            changed.append(row)
    if changed:
        Notification.objects.bulk_update(changed, ["error"])
    return cleared


def prune(
    *,
    now: datetime | None = None,
    keep: timedelta | None = None,
    batch_size: int = BATCH_SIZE,
    dry_run: bool = False,
) -> dict[str, int]:
    """Clear rows older than ``keep`` (default: the setting); returns ``{"cleared", "deleted"}``.

    ``cleared``: rows that lost destination and text but stay as the record of a message sent;
    ``deleted``: rows of sensitive templates (verification codes) removed. Works in batches, each
    its own short transaction with one audit record of the counts (never who). With ``dry_run``
    nothing changes and the counts say what would.
    """
    now = now or timezone.now()
    keep = keep if keep is not None else retention()
    counts = {"cleared": 0, "deleted": 0}
    if keep is None:
        return counts
    keep = max(keep, MIN_RETENTION)
    candidates = prunable(cutoff=now - keep)
    if dry_run:
        counts["deleted"] = candidates.filter(sensitive=True).count()
        counts["cleared"] = candidates.filter(sensitive=False).count()
        return counts
    while True:
        with transaction.atomic():
            batch = list(
                candidates.order_by("created_at", "pk").values_list("pk", "sensitive")[:batch_size]
            )
            if not batch:
                break
            secret = [pk for pk, sensitive in batch if sensitive]
            deleted = candidates.filter(pk__in=secret).delete()[0] if secret else 0
            cleared = _clear(candidates, [pk for pk, sensitive in batch if not sensitive])
            if deleted or cleared:
                audit.record(
                    "notifications.prune",
                    object_type=Notification._meta.label_lower,
                    changes={
                        "cleared": cleared,
                        "deleted": deleted,
                        "retention_days": round(keep.total_seconds() / 86400, 2),
                    },
                )
        counts["cleared"] += cleared
        counts["deleted"] += deleted
        if not (cleared or deleted):
            break  # the batch changed meanwhile: the next run looks again
    return counts
