"""The applicant's satisfaction rating of a dossier (đánh giá mức độ hài lòng), and its counts.

Who and when (the rule this module enforces):

* only the account that submitted the dossier (``permissions.is_applicant``); an official who may
  see the dossier is refused, and a dossier registered at the desk for a person without an
  account is rated at the desk's own kiosk, not here;
* only once the agency has answered: the result is ready or handed back, or the dossier was
  refused (at reception or in processing): :data:`RATEABLE`. A withdrawn or stopped dossier, or
  one still in progress, cannot be rated;
* once per dossier: a second attempt is refused with a clear message (the database's one-to-one
  constraint backs this up when two attempts race).

The rating is audited and published on the outbox as ``dossiers.rated`` in the same transaction.
:func:`rating_summary` counts ratings per agency, procedure and period for the evaluation
indicators (tỷ lệ hài lòng).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet

from chinhquyen.audit import services as audit
from chinhquyen.dossiers import clock, permissions, timing
from chinhquyen.dossiers.errors import DossierStateError, invalid
from chinhquyen.dossiers.models import Dossier, DossierRating, Satisfaction, Status
from chinhquyen.events import services as events

RATEABLE = frozenset(
    {Status.RESULT_READY, Status.RETURNED, Status.REFUSED_PROCESSING, Status.REFUSED_RECEPTION}
)
REASONS: dict[str, str] = {
    "slow": "Thời gian giải quyết lâu",
    "attitude": "Thái độ cán bộ chưa tốt",
    "many_supplements": "Yêu cầu bổ sung hồ sơ nhiều lần",
    "unclear_guidance": "Hướng dẫn chưa rõ ràng",
    "other": "Khác",
}
MAX_COMMENT = 2000


def can_rate(user: Any, dossier: Dossier) -> bool:
    """Whether ``user`` may rate ``dossier`` now (applicant, answered, not rated yet)."""
    return (
        permissions.is_applicant(user, dossier)
        and dossier.status in RATEABLE
        and not DossierRating.objects.filter(dossier_id=dossier.pk).exists()
    )


def rating_of(dossier: Dossier) -> DossierRating | None:
    return DossierRating.objects.filter(dossier_id=dossier.pk).first()


def _clean(level: Any, reasons: Any, comment: Any) -> tuple[str, list[str], str]:
    errors: dict[str, list[str]] = {}
    if level not in Satisfaction.values:
        errors["level"] = ["Vui lòng chọn mức độ hài lòng."]
    chosen: list[str] = []
    for value in reasons or []:
        if value not in REASONS:
            errors.setdefault("reasons", []).append("Lý do đã chọn không có trong danh sách.")
        elif value not in chosen:
            chosen.append(value)
    text = str(comment or "").strip()
    if len(text) > MAX_COMMENT:
        errors["comment"] = [f"Ý kiến dài quá {MAX_COMMENT} ký tự."]
    if "other" in chosen and not text:
        errors["comment"] = ["Bạn chọn lý do «Khác»: vui lòng ghi rõ ý kiến."]
    if errors:
        raise invalid(errors, code="invalid")
    return level, chosen, text


def rate_dossier(
    actor: Any,
    dossier: Dossier,
    level: str,
    reasons: Sequence[str] = (),
    comment: str = "",
) -> DossierRating:
    """Record the applicant's rating of ``dossier``: once, after the agency has answered.

    Raises ``PermissionDenied`` (not the applicant), :class:`DossierStateError` (not answered
    yet: ``not_rateable``; rated already: ``already_rated``) or ``ValidationError`` (inputs).
    """
    if not permissions.is_applicant(actor, dossier):
        raise PermissionDenied("Chỉ người đã nộp hồ sơ mới được đánh giá việc giải quyết hồ sơ.")
    level, chosen, text = _clean(level, reasons, comment)
    with transaction.atomic():
        # The current state, locked: a rating must not race a change of the dossier.
        d = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("agency", "procedure")
            .get(pk=dossier.pk)
        )
        if d.status not in RATEABLE:
            raise DossierStateError(
                "Bạn đánh giá được khi hồ sơ đã có kết quả (hoặc có văn bản trả lời từ chối); "
                f"hồ sơ {d.code} đang ở trạng thái «{d.get_status_display()}».",
                code="not_rateable",
            )
        if DossierRating.objects.filter(dossier=d).exists():
            raise _already(d)
        try:
            with transaction.atomic():
                rating = DossierRating.objects.create(
                    dossier=d,
                    rated_by=actor,
                    level=level,
                    reasons=chosen,
                    comment=text,
                    agency=d.agency,
                    procedure=d.procedure,
                    created_at=clock.now(),
                )
        except IntegrityError:
            raise _already(d) from None
        audit.record(
            "dossiers.rated",
            obj=d,
            changes={"level": level, "reasons": chosen, "comment": text},
            actor=actor,
        )
        events.publish(
            "dossiers.rated",
            aggregate=d,
            payload={
                "code": d.code,
                "level": level,
                "reasons": chosen,
                "has_comment": bool(text),
                "agency": d.agency.code,
                "procedure": d.procedure.code,
                "status": d.status,
            },
            idempotency_key=f"dossiers:{d.pk}:rated",
        )
    return rating


def _already(d: Dossier) -> DossierStateError:
    return DossierStateError(
        f"Hồ sơ {d.code} đã được đánh giá; mỗi hồ sơ chỉ được đánh giá một lần.",
        code="already_rated",
    )


# --- counts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingSummary:
    """Counts of ratings and the share of satisfied ones (rất hài lòng + hài lòng)."""

    total: int
    very_satisfied: int
    satisfied: int
    not_satisfied: int
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def satisfied_count(self) -> int:
        return self.very_satisfied + self.satisfied

    @property
    def satisfied_share(self) -> float | None:
        """Satisfied ratings over all ratings (0–1), ``None`` when there is none."""
        return round(self.satisfied_count / self.total, 4) if self.total else None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timing.TZ)


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def ratings(
    *, agency: Any = None, procedure: Any = None, period: Any = None
) -> QuerySet[DossierRating]:
    """Ratings of ``agency`` and ``procedure`` (objects or ids) given in ``period``.

    ``period``: ``(start, end)`` dates, both included, in Vietnam time, or an object with
    ``start`` and ``end`` (such as ``forms.Period``); either end may be ``None``.
    """
    qs = DossierRating.objects.all()
    if agency is not None:
        qs = qs.filter(agency_id=_pk(agency))
    if procedure is not None:
        qs = qs.filter(procedure_id=_pk(procedure))
    if period is not None:
        start, end = (
            (period.start, period.end) if hasattr(period, "start") else (period[0], period[1])
        )
        if start is not None:
            qs = qs.filter(created_at__gte=_day_start(start))
        if end is not None:
            qs = qs.filter(created_at__lt=_day_start(end + timedelta(days=1)))
    return qs


def rating_summary(agency: Any = None, procedure: Any = None, period: Any = None) -> RatingSummary:
    """Counts per level, the satisfied share and the count of each reason (one query for the
    levels, one for the reasons)."""
    qs = ratings(agency=agency, procedure=procedure, period=period)
    counts = qs.aggregate(
        total=Count("id"),
        very=Count("id", filter=Q(level=Satisfaction.VERY_SATISFIED)),
        ok=Count("id", filter=Q(level=Satisfaction.SATISFIED)),
        not_ok=Count("id", filter=Q(level=Satisfaction.NOT_SATISFIED)),
    )
    reasons: Counter[str] = Counter()
    for chosen in qs.values_list("reasons", flat=True).iterator():
        reasons.update(chosen or [])
    return RatingSummary(
        total=counts["total"],
        very_satisfied=counts["very"],
        satisfied=counts["ok"],
        not_satisfied=counts["not_ok"],
        reasons=dict(reasons),
    )
