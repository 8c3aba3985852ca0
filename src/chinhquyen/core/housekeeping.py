"""Housekeeping: data past its stated retention, removed by one list of steps.

Each step is an app's ``run(now=..., dry_run=...)``:

* ``accounts`` — registrations never confirmed and spent verification codes
  (:func:`chinhquyen.accounts.housekeeping.run`);
* ``drafts`` — online applications never submitted and untouched, with their files
  (:func:`chinhquyen.dossiers.housekeeping.run`);
* ``retention`` — the outbox's delivered events, and the notification log's destinations and
  texts (:func:`chinhquyen.events.housekeeping.run`).

The background worker runs :func:`run_all` every hour (``--housekeeping-interval``);
``chinhquyen housekeeping [--dry-run]`` runs it by hand. A step that fails is reported by the kind
of its error (messages may hold personal data) and does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

log = logging.getLogger("chinhquyen.worker")


def _steps() -> list[tuple[str, Callable[..., Any]]]:
    from chinhquyen.accounts import housekeeping as accounts
    from chinhquyen.dossiers import housekeeping as drafts
    from chinhquyen.events import housekeeping as retention

    return [("accounts", accounts.run), ("drafts", drafts.run), ("retention", retention.run)]


def counts(result: Any) -> dict[str, Any]:
    """A step's result as a plain dict of counts (for logs and JSON output)."""
    if result is None:
        return {}
    if is_dataclass(result):
        return {k: v for k, v in asdict(result).items() if k != "dry_run"}
    return dict(result)


def run_all(*, now: datetime | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Every step in turn; each step's result, or ``None`` for a step that failed."""
    now = now or timezone.now()
    results: dict[str, Any] = {}
    for name, step in _steps():
        try:
            results[name] = step(now=now, dry_run=dry_run)
        except Exception as exc:  # noqa: BLE001 - the next round tries again
            log.error("housekeeping %s failed (%s)", name, type(exc).__name__)
            results[name] = None
    return results
