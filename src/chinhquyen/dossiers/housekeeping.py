"""Housekeeping of online applications never submitted (hồ sơ lưu tạm bị bỏ dở).

A draft (:class:`~chinhquyen.dossiers.models.DossierDraft`) holds what a citizen typed — name,
identity number, address — and the files they uploaded. One that was never submitted and that
nobody has touched for ``DRAFT_RETENTION_DAYS`` (90; ``0`` keeps them) is deleted with its files:
personal data is not kept without a purpose (Nghị định 13/2023/NĐ-CP). Submitted drafts are not
touched (their files became the dossier's). The drafts page tells citizens how long an untouched
draft is kept.

Batches of :data:`BATCH` drafts, each its own short transaction with the rows locked (a draft
saved while the batch runs waits, then is no longer stale and stays), one audit record of the
counts per batch (never who), the files deleted after the batch commits. The background worker
runs it in its housekeeping round; ``chinhquyen housekeeping`` runs every step by hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chinhquyen.audit import services as audit
from chinhquyen.dossiers import drafts
from chinhquyen.dossiers.models import DossierDraft, DraftPaper

BATCH = 500
# Never shorter: a citizen filling a form in several sittings must not lose it overnight.
MIN_RETENTION = timedelta(days=1)


def retention() -> timedelta | None:
    """How long an untouched draft is kept (``None``: for ever)."""
    days = getattr(settings, "DRAFT_RETENTION_DAYS", 90)
    if not days or days <= 0:
        return None
    return max(timedelta(days=days), MIN_RETENTION)


def purge_stale_drafts(
    *, now: datetime | None = None, dry_run: bool = False, batch: int = BATCH
) -> dict[str, int]:
    """Delete drafts never submitted and untouched for :func:`retention`, with their files.

    Returns ``{"drafts": n, "files": m}`` (with ``dry_run``: what would go, nothing deleted).
    """
    keep = retention()
    if keep is None:
        return {"drafts": 0, "files": 0}
    cutoff = (now or timezone.now()) - keep
    stale = DossierDraft.objects.filter(dossier__isnull=True, updated_at__lt=cutoff)
    if dry_run:
        return {
            "drafts": stale.count(),
            "files": DraftPaper.objects.filter(draft__in=stale.values("pk")).count(),
        }
    totals = {"drafts": 0, "files": 0}
    while True:
        with transaction.atomic():
            ids = list(
                stale.select_for_update().order_by("pk").values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            names = list(DraftPaper.objects.filter(draft_id__in=ids).values_list("file", flat=True))
            _, per_model = DossierDraft.objects.filter(pk__in=ids).delete()
            count = per_model.get(DossierDraft._meta.label, 0)
            audit.record(
                "dossiers.drafts_purged",
                object_type=DossierDraft._meta.label_lower,
                changes={
                    "drafts": count,
                    "files": len(names),
                    "older_than_days": keep.days,
                },
            )
            drafts.discard_later(names)
        totals["drafts"] += count
        totals["files"] += len(names)
        if len(ids) < batch:
            break
    return totals


def run(*, now: datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """What the worker's housekeeping round and ``chinhquyen housekeeping`` call."""
    return purge_stale_drafts(now=now, dry_run=dry_run)
