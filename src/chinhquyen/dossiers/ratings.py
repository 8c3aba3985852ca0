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

The reasons a citizen may tick are rows (:class:`~chinhquyen.dossiers.models.RatingReason`) the
province edits in the admin: their text, order, the levels each is offered for, and whether it is
still in use. A rating stores the chosen reasons' codes; a new rating may only use active reasons
offered for its level. Retired reasons are still counted and named by :func:`rating_summary`. The
admin changes reasons through :func:`create_reason`, :func:`update_reason` and
:func:`delete_reason` (province administrator; audited; a reason used by a rating is never
deleted, only retired).

The rating is audited and published on the outbox as ``dossiers.rated`` in the same transaction.
:func:`rating_summary` counts ratings per agency, procedure and period for the evaluation
indicators (tỷ lệ hài lòng).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet, TextField
from django.db.models.functions import Cast

from chinhquyen.accounts.permissions import is_province_admin
from chinhquyen.audit import services as audit
from chinhquyen.dossiers import clock, permissions, timing
from chinhquyen.dossiers.errors import DossierStateError, invalid
from chinhquyen.dossiers.models import (
    Dossier,
    DossierRating,
    RatingReason,
    Satisfaction,
    Status,
)
from chinhquyen.events import services as events

RATEABLE = frozenset(
    {Status.RESULT_READY, Status.RETURNED, Status.REFUSED_PROCESSING, Status.REFUSED_RECEPTION}
)
MAX_COMMENT = 2000
MAX_REASONS = 50  # more than any list a province keeps; bounds the query
LEVEL_FLAGS: dict[str, str] = {
    Satisfaction.VERY_SATISFIED: "for_very_satisfied",
    Satisfaction.SATISFIED: "for_satisfied",
    Satisfaction.NOT_SATISFIED: "for_not_satisfied",
}


# --- the reasons offered -------------------------------------------------------------------------


def active_reasons(level: str | None = None) -> list[RatingReason]:
    """The reasons offered now, in their order; only those offered for ``level`` if given."""
    qs = RatingReason.objects.filter(is_active=True)
    if level is not None:
        if level not in LEVEL_FLAGS:
            return []
        qs = qs.filter(**{LEVEL_FLAGS[level]: True})
    return list(qs.order_by("position", "code"))


def reason_texts(codes: Iterable[str]) -> list[str]:
    """The texts of stored reason ``codes``, in the given order (retired reasons included; a code
    without a row, which only a hand-edited database can produce, is shown as it is)."""
    codes = list(codes or [])
    texts = dict(RatingReason.objects.filter(code__in=codes).values_list("code", "text"))
    return [texts.get(code, code) for code in codes]


def _level_names(levels: Iterable[str]) -> str:
    return " hoặc ".join(f"«{Satisfaction(level).label}»" for level in levels)


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
    """Check the inputs of a rating against the reasons offered now (one query for the rows)."""
    errors: dict[str, list[str]] = {}
    level_ok = level in Satisfaction.values
    if not level_ok:
        errors["level"] = ["Vui lòng chọn mức độ hài lòng."]
    if isinstance(reasons, str):
        reasons = [reasons]
    wanted: list[str] = []
    for value in reasons or []:
        code = str(value)
        if code not in wanted:
            wanted.append(code)
    reason_errors: list[str] = []
    if len(wanted) > MAX_REASONS:
        reason_errors.append(f"Chọn tối đa {MAX_REASONS} lý do.")
        wanted = []
    rows = {r.code: r for r in RatingReason.objects.filter(code__in=wanted)} if wanted else {}
    chosen: list[str] = []
    for code in wanted:
        row = rows.get(code)
        if row is None:
            message = "Lý do đã chọn không có trong danh sách."
        elif not row.is_active:
            message = f"Lý do «{row.text}» không còn được dùng; vui lòng chọn lý do khác."
        elif level_ok and not row.offered_for(level):
            message = (
                f"Lý do «{row.text}» chỉ chọn được khi bạn đánh giá {_level_names(row.levels)}."
            )
        else:
            chosen.append(code)
            continue
        if message not in reason_errors:
            reason_errors.append(message)
    if reason_errors:
        errors["reasons"] = reason_errors
    text = str(comment or "").strip()
    if len(text) > MAX_COMMENT:
        errors["comment"] = [f"Ý kiến dài quá {MAX_COMMENT} ký tự."]
    asking = [rows[code] for code in chosen if rows[code].requires_comment]
    if asking and not text:
        errors["comment"] = [f"Bạn chọn lý do «{asking[0].text}»: vui lòng ghi rõ ý kiến."]
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
        if chosen:
            # Locked, so a reason cannot be deleted or retired between the check and the save.
            still = RatingReason.objects.select_for_update().filter(code__in=chosen, is_active=True)
            if len(list(still.values_list("code", flat=True))) != len(chosen):
                raise invalid(
                    {"reasons": ["Danh sách lý do vừa được cập nhật; vui lòng chọn lại lý do."]}
                )
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
class ReasonCount:
    """How many ratings gave one reason, named by the reason's current text."""

    code: str
    text: str
    count: int
    is_active: bool


@dataclass(frozen=True)
class RatingSummary:
    """Counts of ratings and the share of satisfied ones (rất hài lòng + hài lòng).

    ``reasons`` maps each reason code given to its count; ``reason_counts`` lists every reason
    offered now (also those not given) and every retired reason that was given, in the reasons'
    order, each with its text.
    """

    total: int
    very_satisfied: int
    satisfied: int
    not_satisfied: int
    reasons: dict[str, int] = field(default_factory=dict)
    reason_counts: tuple[ReasonCount, ...] = ()

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
        reason_counts=_reason_counts(reasons),
    )


def _reason_counts(counted: Counter[str]) -> tuple[ReasonCount, ...]:
    rows = RatingReason.objects.filter(Q(is_active=True) | Q(code__in=list(counted))).order_by(
        "position", "code"
    )
    out = [ReasonCount(r.code, r.text, counted.get(r.code, 0), r.is_active) for r in rows]
    named = {r.code for r in out}
    out += [ReasonCount(c, c, n, False) for c, n in sorted(counted.items()) if c not in named]
    return tuple(out)


# --- the reasons, managed by the province (Django admin) ------------------------------------------

REASON_FIELDS = (
    "text",
    "for_very_satisfied",
    "for_satisfied",
    "for_not_satisfied",
    "requires_comment",
    "position",
    "is_active",
)


def can_manage_rating_reasons(user: Any) -> bool:
    """Add, reword, reorder and retire rating reasons: the province administrator."""
    return is_province_admin(user)


def clean_reason_values(values: dict[str, Any], instance: RatingReason | None = None) -> None:
    """Check a reason's values (the admin form shows these errors next to the fields)."""
    errors: dict[str, list[str]] = {}
    if instance is None:
        code = str(values.get("code") or "").strip()
        try:
            validate_slug(code)
            if len(code) > RatingReason._meta.get_field("code").max_length:
                raise ValidationError("too long")
        except ValidationError:
            errors["code"] = [
                "Mã lý do gồm tối đa 40 chữ không dấu, số, gạch ngang, gạch dưới, ví dụ «cho-lau»."
            ]
        else:
            if RatingReason.objects.filter(code=code).exists():
                errors["code"] = [f"Đã có lý do mang mã «{code}»."]
    elif "code" in values and values["code"] != instance.code:
        errors["code"] = ["Mã lý do không sửa được: các đánh giá đã lưu dùng mã này."]
    merged = {f: getattr(instance, f) for f in REASON_FIELDS} if instance else {}
    merged.update({k: v for k, v in values.items() if k in REASON_FIELDS})
    if "text" in merged and not str(merged["text"] or "").strip():
        errors["text"] = ["Vui lòng nhập nội dung lý do."]
    flags = [merged.get(flag, True) for flag in LEVEL_FLAGS.values()]
    if not any(flags):
        errors["__all__"] = ["Chọn ít nhất một mức hài lòng mà lý do này được dùng."]
    if errors:
        raise invalid(errors)


def _snapshot(reason: RatingReason) -> dict[str, Any]:
    return {"code": reason.code, **{f: getattr(reason, f) for f in REASON_FIELDS}}


def create_reason(*, actor: Any, code: str, text: str, **values: Any) -> RatingReason:
    """Add a reason (audited ``dossiers.rating_reason_created``)."""
    if not can_manage_rating_reasons(actor):
        raise PermissionDenied("Bạn không có quyền sửa danh sách lý do đánh giá.")
    values = {k: v for k, v in values.items() if k in REASON_FIELDS}
    clean_reason_values({"code": code, "text": text, **values})
    with transaction.atomic():
        reason = RatingReason.objects.create(code=code.strip(), text=str(text).strip(), **values)
        audit.record(
            "dossiers.rating_reason_created", obj=reason, changes=_snapshot(reason), actor=actor
        )
    return reason


def update_reason(*, actor: Any, reason: RatingReason, **changes: Any) -> RatingReason:
    """Change a reason's text, levels, order or whether it is offered (its code never changes;
    audited ``dossiers.rating_reason_changed`` with before and after)."""
    if not can_manage_rating_reasons(actor):
        raise PermissionDenied("Bạn không có quyền sửa danh sách lý do đánh giá.")
    with transaction.atomic():
        current = RatingReason.objects.select_for_update().get(pk=reason.pk)
        clean_reason_values(changes, current)
        before = _snapshot(current)
        for key, value in changes.items():
            if key in REASON_FIELDS:
                setattr(current, key, value.strip() if key == "text" else value)
        current.save()
        diff = audit.diff(before, _snapshot(current))
        if diff:
            audit.record("dossiers.rating_reason_changed", obj=current, changes=diff, actor=actor)
    return current


def ratings_using(code: str) -> QuerySet[DossierRating]:
    """The ratings that gave reason ``code``."""
    if connection.features.supports_json_field_contains:
        return DossierRating.objects.filter(reasons__contains=[code])
    # SQLite: the list is stored as JSON text; a code (a slug) appears there as "code".
    return DossierRating.objects.annotate(_reasons_text=Cast("reasons", TextField())).filter(
        _reasons_text__contains=f'"{code}"'
    )


def reason_in_use(reason: RatingReason) -> bool:
    return ratings_using(reason.code).exists()


def delete_reason(*, actor: Any, reason: RatingReason) -> None:
    """Delete a reason no rating ever gave (a mistake just made); a used reason is refused with
    ``reason_in_use``: retire it instead (audited ``dossiers.rating_reason_deleted``)."""
    if not can_manage_rating_reasons(actor):
        raise PermissionDenied("Bạn không có quyền sửa danh sách lý do đánh giá.")
    with transaction.atomic():
        current = RatingReason.objects.select_for_update().get(pk=reason.pk)
        used = ratings_using(current.code).count()
        if used:
            raise DossierStateError(
                f"Lý do «{current.text}» đã được chọn trong {used} đánh giá nên không xoá được; "
                "hãy bỏ chọn «đang dùng» để thôi hiển thị lý do này.",
                code="reason_in_use",
            )
        audit.record(
            "dossiers.rating_reason_deleted", obj=current, changes=_snapshot(current), actor=actor
        )
        current.delete()
