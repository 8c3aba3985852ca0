"""Housekeeping of the outbox and the notification log: the stated retention, applied.

* Outbox (:func:`chinhquyen.events.services.prune`): events whose deliveries were all delivered
  are deleted with their deliveries after ``OUTBOX_RETENTION_DAYS`` (30); pending, failed and
  dead ones stay for the operators.
* Notification log (:func:`chinhquyen.notifications.retention.prune`): after
  ``NOTIFICATION_RETENTION_DAYS`` (365) a row keeps the facts of the message but loses its
  destination and text; verification-code rows are deleted.

The background worker calls :func:`run` in its housekeeping round; ``chinhquyen outbox prune``
runs it by hand (``--dry-run`` to see the counts first).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from chinhquyen.events import services


def run(now: datetime | None = None, *, dry_run: bool = False) -> dict[str, int]:
    """Both prunes with the configured retentions; returns their counts.

    Keys: ``outbox_events``, ``outbox_deliveries`` (deleted), ``outbox_kept`` (old events held
    back by a delivery not delivered), ``notifications_cleared`` (destination and text blanked),
    ``notifications_deleted`` (verification-code rows). Counts only, never who.
    """
    from chinhquyen.notifications import retention

    now = now or timezone.now()
    outbox = services.prune(now=now, dry_run=dry_run)
    notifications = retention.prune(now=now, dry_run=dry_run)
    return {
        "outbox_events": outbox["events"],
        "outbox_deliveries": outbox["deliveries"],
        "outbox_kept": outbox["kept"],
        "notifications_cleared": notifications["cleared"],
        "notifications_deleted": notifications["deleted"],
    }
