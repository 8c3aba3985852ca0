"""Demo satisfaction ratings: one returned demo dossier rated, one left waiting for its rating.

Run after :func:`chinhquyen.dossiers.demo.load_demo_dossiers`::

    from chinhquyen.dossiers.demo_ratings import load_demo_ratings

    load_demo_ratings()   # {"rated": 1, "waiting": 1, "created": 1}

The demo dossiers that demo citizens submitted online and that were handed back are taken in
the order of their demo key: the first is rated by its applicant (through
:func:`chinhquyen.dossiers.ratings.rate_dossier`, audited, an hour after the hand-back), the
second stays unrated so that its applicant sees "Chờ bạn đánh giá" in "Hồ sơ của tôi".
The reason given is one of the reasons offered now (:func:`demo_reasons`): ``slow`` while the
province still offers it for the level, else its first reason for that level, else none.
Idempotent: a dossier already rated is left as it is.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction

from chinhquyen.accounts.models import User
from chinhquyen.dossiers import clock, ratings
from chinhquyen.dossiers.demo import KEY_PREFIX
from chinhquyen.dossiers.models import Dossier, DossierRating, Satisfaction, Status

DEMO_RATING = {
    "level": Satisfaction.SATISFIED,
    "reasons": ["slow"],
    "comment": "Cán bộ hướng dẫn tận tình; mong rút ngắn thời gian chờ.",
}


def demo_reasons(level: str = DEMO_RATING["level"]) -> list[str]:
    """The demo rating's reasons, taken from the reasons offered now for ``level``."""
    offered = [r.code for r in ratings.active_reasons(level)]
    wanted = [code for code in DEMO_RATING["reasons"] if code in offered]
    return wanted or offered[:1]


def _returned_by_citizens() -> list[Dossier]:
    return list(
        Dossier.objects.filter(
            idempotency_key__startswith=KEY_PREFIX,
            status=Status.RETURNED,
            submitted_by__isnull=False,
            submitted_by__kind__in=[User.Kind.CITIZEN, User.Kind.BUSINESS],
        )
        .select_related("submitted_by")
        .order_by("idempotency_key")
    )


def load_demo_ratings(*, stdout: Any = None) -> dict[str, int]:
    """Rate the first returned demo dossier of a citizen; leave the second one to rate."""
    from chinhquyen.core.context import request_context

    candidates = _returned_by_citizens()
    created = 0
    if candidates:
        first = candidates[0]
        if not DossierRating.objects.filter(dossier=first).exists():
            when = (first.returned_at or clock.now()) + timedelta(hours=1)
            with request_context(user=first.submitted_by, ip=None, source="demo"):
                with clock.travel(when), transaction.atomic():
                    ratings.rate_dossier(
                        first.submitted_by,
                        first,
                        DEMO_RATING["level"],
                        demo_reasons(),
                        DEMO_RATING["comment"],
                    )
            created = 1
    rated_ids = set(
        DossierRating.objects.filter(dossier__in=candidates).values_list("dossier_id", flat=True)
    )
    result = {
        "rated": len(rated_ids),
        "waiting": sum(1 for d in candidates if d.pk not in rated_ids),
        "created": created,
    }
    if stdout is not None:
        stdout.write(
            f"Đánh giá mẫu: {result['rated']} hồ sơ đã đánh giá, {result['waiting']} chờ đánh giá."
        )
    return result
