"""Read side of the dossier engine: what faces, reports and the API ask.

Visibility: an applicant sees the dossiers their account submitted; an official sees the
dossiers of the agencies in their scope (received there, processed there at some step) and those
their agency takes part in (consultation, liên thông); the province administrator sees all.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from chinhquyen.accounts.permissions import OFFICIAL_ROLES, agency_ids_in_scope, roles_of
from chinhquyen.dossiers import clock, codes, permissions, timing, workflow
from chinhquyen.dossiers.models import Dossier, DossierEvent, Participation, Status, StepAssignment
from chinhquyen.organizations.selectors import agency_subtree_ids

# An apology is due at least 1 working day before the deadline; a working day is never longer
# than this many calendar days in a Vietnamese calendar (Tết: up to 9 days off in a row), so it
# bounds the cheap SQL pre-filter before the exact count by the calendar.
_PREFILTER_DAYS = 14


def _base() -> QuerySet[Dossier]:
    return Dossier.objects.select_related("procedure", "agency", "current_step", "submitted_by")


def visible_to(user: Any) -> QuerySet[Dossier]:
    """Every dossier ``user`` may see."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Dossier.objects.none()
    if not user.is_official:
        return _base().filter(submitted_by=user)
    ids = permissions.visible_agency_ids(user)
    if ids is None:
        return _base()
    if not ids:
        return _base().filter(submitted_by=user)
    steps = StepAssignment.objects.filter(dossier=OuterRef("pk"), agency_id__in=ids)
    parts = Participation.objects.filter(dossier=OuterRef("pk"), agency_id__in=ids)
    return _base().filter(
        Q(agency_id__in=ids) | Q(submitted_by=user) | Exists(steps) | Exists(parts)
    )


def get_for_user(user: Any, code: str) -> Dossier | None:
    """The dossier with ``code`` if ``user`` may see it (``None`` otherwise: no hint it exists)."""
    value = (code or "").strip().upper()
    if not value or len(value) > 60:
        return None
    dossier = visible_to(user).filter(code=value).first()
    if dossier is None or not permissions.can_view_dossier(user, dossier):
        return None
    return dossier


def lookup_public(code: str, secret: str) -> Dossier | None:
    """The dossier for the receipt's tracking lookup (code and the secret printed on it)."""
    value = (code or "").strip().upper()
    given = (secret or "").strip().upper()
    if not value or not given:
        return None
    dossier = Dossier.objects.select_related("procedure", "agency").filter(code=value).first()
    if dossier is None:
        return None
    return dossier if hmac.compare_digest(dossier.lookup_secret, given) else None


def overdue_q(now: datetime) -> Q:
    """Dossiers past their due date while the agency holds them (a pause freezes the clock)."""
    running = Q(status__in=workflow.IN_PROCESS)
    late_now = Q(clock_paused_since__isnull=True, due_at__lt=now)
    late_before_pause = Q(clock_paused_since__isnull=False, due_at__lt=F("clock_paused_since"))
    finished_late = Q(status__in=workflow.FINISHED, finished_at__gt=F("due_at"))
    return (running & (late_now | late_before_pause)) | finished_late


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timing.TZ)


def list_dossiers(
    user: Any,
    *,
    status: str | int | None = None,
    agency: str | None = None,
    procedure: str | None = None,
    channel: str | None = None,
    overdue: bool | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    q: str | None = None,
    now: datetime | None = None,
) -> QuerySet[Dossier]:
    """Dossiers ``user`` may see, filtered.

    ``status``: an internal status name or a national status number (1–10); ``agency``: the
    receiving agency's code; ``procedure``: the procedure code; ``overdue``: past the due date
    (open) or finished late; the period is on the reception date (Vietnam time), both ends
    included; ``q``: the start of a dossier code, or words of the applicant's name.
    """
    qs = visible_to(user)
    if status not in (None, ""):
        text = str(status)
        if text.isdigit():
            qs = qs.filter(status__in=workflow.internal_statuses(int(text)))
        else:
            qs = qs.filter(status=text)
    if agency:
        qs = qs.filter(agency__code=agency.strip().upper())
    if procedure:
        qs = qs.filter(procedure__code=procedure.strip())
    if channel:
        qs = qs.filter(channel=channel)
    moment = now or clock.now()
    if overdue is True:
        qs = qs.filter(overdue_q(moment))
    elif overdue is False:
        qs = qs.exclude(overdue_q(moment))
    if received_from:
        qs = qs.filter(received_at__gte=_day_start(received_from))
    if received_to:
        qs = qs.filter(received_at__lt=_day_start(received_to + timedelta(days=1)))
    if q:
        text = q.strip()
        qs = qs.filter(Q(code__startswith=text.upper()) | Q(applicant_name__icontains=text))
    return qs.order_by("-submitted_at", "-id")


@dataclass(frozen=True)
class DuePrompt:
    """A dossier whose responsible official must issue the apology (Mẫu 04) now."""

    dossier: Dossier
    due_at: datetime
    working_days_left: float
    overdue: bool


def due_soon(user: Any, *, now: datetime | None = None) -> list[DuePrompt]:
    """Late-handling prompts: open dossiers ``user`` handles (the current step's handler, or a
    leader of the processing agency) whose deadline is at most 1 working day away, or past, and
    that have not had their one new date yet."""
    moment = now or clock.now()
    lead = codes.rule("apology_lead_working_days")
    responsible = _responsible_q(user)
    if responsible is None:
        return []
    qs = (
        visible_to(user)
        .filter(status__in=workflow.IN_PROCESS, rescheduled_at__isnull=True, due_at__isnull=False)
        .filter(due_at__lte=moment + timedelta(days=_PREFILTER_DAYS))
        .filter(responsible)
        .select_related("current_step__agency")
    )
    prompts = []
    with timing.one_calendar_read():
        for dossier in qs.order_by("due_at"):
            left = timing.working_days_between(dossier.agency, moment, dossier.due_at)
            if left <= lead:
                prompts.append(DuePrompt(dossier, dossier.due_at, round(float(left), 2), left < 0))
    return prompts


def _responsible(user: Any, dossier: Dossier) -> bool:
    if permissions.is_step_handler(user, dossier):
        return True
    agency = permissions.processing_agency(dossier)
    return any(permissions.in_scope(user, role, agency) for role in workflow.LEADERS)


def _role_agency_ids(user: Any) -> dict[str, set[int]]:
    """For each role ``user`` holds: the agencies it covers (subtrees included), within any API
    token's limit; the same answer as ``permissions.in_scope`` gives agency by agency."""
    out: dict[str, set[int]] = {}
    for assignment in roles_of(user):
        ids = (
            agency_subtree_ids(assignment.agency)
            if assignment.include_children
            else {assignment.agency_id}
        )
        out.setdefault(assignment.role, set()).update(ids)
    limit = permissions.token_agency_ids(user)
    if limit is not None:
        out = {role: ids & limit for role, ids in out.items()}
    return {role: ids for role, ids in out.items() if ids}


def _responsible_q(user: Any) -> Q | None:
    """:func:`_responsible` as a filter on dossiers (``None``: nothing can match).

    The handler of the current, open step (its assignee; while nobody is assigned, whoever
    holds its responsible role, or any official role when it names none, in its agency), or a
    leader of the processing agency (the current step's, else the receiving agency).
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    by_role = _role_agency_ids(user)
    limit = permissions.token_agency_ids(user)
    step_open = Q(current_step__isnull=False, current_step__finished_at__isnull=True)
    if limit is not None:
        step_open &= Q(current_step__agency_id__in=limit)
    pool = Q(pk__in=[])
    for role, ids in by_role.items():
        pool |= Q(current_step__responsible_role=role, current_step__agency_id__in=ids)
    any_role = set().union(*(by_role.get(r, set()) for r in OFFICIAL_ROLES))
    if any_role:
        pool |= Q(current_step__responsible_role="", current_step__agency_id__in=any_role)
    handler = step_open & (
        Q(current_step__assignee_id=user.pk) | (Q(current_step__assignee__isnull=True) & pool)
    )
    leading = set().union(*(by_role.get(r, set()) for r in workflow.LEADERS))
    leader = Q(pk__in=[])
    if leading:
        leader = Q(current_step__isnull=False, current_step__agency_id__in=leading) | Q(
            current_step__isnull=True, agency_id__in=leading
        )
    return handler | leader


@dataclass(frozen=True)
class StepFlag:
    step: StepAssignment
    due_at: datetime
    finished_at: datetime | None
    overdue: bool
    timing: str
    # Who finished (completed or sent back) the step: may differ from the assignee, e.g. a step
    # nobody was assigned to, done by one of the officials holding its role. ``None`` while the
    # step is open, or when it was closed because the dossier ended (withdrawn, stopped...).
    finished_by: Any = None


def step_flags(dossier: Dossier, *, now: datetime | None = None) -> list[StepFlag]:
    """Every step visit of the dossier with its deadline and whether it is (or was) late."""
    moment = now or clock.now()
    out = []
    steps = dossier.steps.select_related("assignee", "agency", "finished_by")
    for step in steps.order_by("started_at", "id"):
        finisher = None
        if step.finished_at is not None and step.outcome != StepAssignment.Outcome.CLOSED:
            finisher = step.finished_by
        if step.finished_at is not None:
            late = step.finished_at > step.due_at
            mark = step.timing or timing.timing(step.finished_at, step.due_at)
        else:
            paused = dossier.clock_paused_since
            late = (paused or moment) > step.due_at
            mark = "late" if late else ""
        out.append(StepFlag(step, step.due_at, step.finished_at, late, mark, finisher))
    return out


def overdue_steps(user: Any, *, now: datetime | None = None) -> QuerySet[StepAssignment]:
    """Open steps past their own deadline in the agencies a unit head or leader oversees."""
    moment = now or clock.now()
    ids = agency_ids_in_scope(user, set(workflow.LEADERS))
    limit = permissions.token_agency_ids(user)
    if ids is not None and limit is not None:
        ids = ids & limit
    elif limit is not None:
        ids = set(limit)
    qs = StepAssignment.objects.filter(
        finished_at__isnull=True,
        dossier__status__in=workflow.IN_PROCESS,
        dossier__clock_paused_since__isnull=True,
        due_at__lt=moment,
    ).select_related("dossier", "assignee", "agency")
    if ids is not None:
        qs = qs.filter(agency_id__in=ids)
    return qs.order_by("due_at")


def inbox(user: Any) -> QuerySet[Dossier]:
    """Dossiers waiting for ``user``: steps assigned to them, or unassigned steps of their role."""
    if user is None or not getattr(user, "is_official", False):
        return Dossier.objects.none()
    pool = Q()
    for assignment in roles_of(user):
        pool |= Q(
            current_step__assignee__isnull=True,
            current_step__responsible_role=assignment.role,
            current_step__agency_id=assignment.agency_id,
        )
    return (
        _base()
        .filter(current_step__finished_at__isnull=True, status=Status.PROCESSING)
        .filter(Q(current_step__assignee=user) | pool)
        .order_by("current_step__due_at")
    )


def control_sheet(dossier: Dossier) -> QuerySet[DossierEvent]:
    """The control sheet (Mẫu 05): every event in order, with the people and agencies."""
    return dossier.events.select_related(
        "actor", "from_user", "to_user", "from_agency", "to_agency"
    ).order_by("seq")
