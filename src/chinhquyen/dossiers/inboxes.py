"""The officials' inboxes (hộp việc): which dossiers wait for whom, and how close their deadline is.

Each box is one queryset built from the indexes the dossier tables already have, so that the
lists and their counters stay fast with hundreds of thousands of dossiers:

* ``dossier_agency_status`` (agency, status) for the boxes of an agency's desk;
* ``dossier_step_inbox`` (assignee, finished_at) and ``dossier_step_due`` (agency, finished_at,
  due_at) on the open step visits, joined to the dossier through ``current_step``;
* ``dossier_part_agency`` (agency, state) for consultations and inter-agency parts.

A page of a box is read in two steps (:class:`InboxQuerySet`): the ids of the page, sorted on
narrow rows, then those 25 rows with their procedure, agency and current step, without the
columns a list never shows (:data:`ROW_DEFER`). ``bench/bench_workspace.py`` times the boxes
over 100,000 dossiers; see "Hiệu năng / Performance" in ``docs/workspace.md``.

The deadline of a row is told in **working days left**, counted by the agency's calendar
(:func:`chinhquyen.dossiers.timing.working_days_between`), never by calendar days, and shown as
whole days: a part of a day counts as a day (:func:`whole_days`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from fractions import Fraction
from typing import Any

from django.db.models import F, Func, IntegerField, Q, QuerySet
from django.db.models.query import ModelIterable

from chinhquyen.accounts import permissions as accounts
from chinhquyen.accounts.models import Role
from chinhquyen.catalog.search import LIST_DEFER
from chinhquyen.dossiers import clock, permissions, selectors, timing, workflow
from chinhquyen.dossiers.models import Dossier, Participation, Status, StepAssignment


@dataclass(frozen=True)
class Box:
    slug: str
    label: str
    description: str


BOXES: tuple[Box, ...] = (
    Box(
        "cho-tiep-nhan",
        "Chờ tiếp nhận",
        "Hồ sơ nộp trực tuyến đang chờ bộ phận một cửa kiểm tra, tiếp nhận.",
    ),
    Box(
        "viec-cua-toi",
        "Việc của tôi",
        "Hồ sơ được giao cho bạn hoặc cho vai trò của bạn: bước xử lý, chuyển xử lý, "
        "ý kiến phối hợp, liên thông.",
    ),
    Box("don-vi", "Của đơn vị", "Mọi hồ sơ đang giải quyết tại cơ quan, đơn vị của bạn."),
    Box(
        "cho-ben-khac",
        "Chờ bên khác",
        "Hồ sơ đang chờ công dân bổ sung, chờ nghĩa vụ tài chính, chờ ý kiến hoặc kết quả "
        "liên thông của cơ quan khác.",
    ),
    Box("cho-phe-duyet", "Chờ phê duyệt", "Hồ sơ đã qua các bước xử lý, chờ lãnh đạo phê duyệt."),
    Box(
        "cho-tra",
        "Chờ trả kết quả",
        "Hồ sơ đã phê duyệt chờ phát hành kết quả, hoặc đã có kết quả chờ trả cho người dân.",
    ),
)
BOX_BY_SLUG = {b.slug: b for b in BOXES}

# States in which somebody else than the agency has to move first.
WAITING_STATES = (Status.AWAITING_SUPPLEMENT, Status.AWAITING_OBLIGATION, Status.INTER_AGENCY)
# Still the agency's work (what "don-vi" lists).
WORKING_STATES = tuple(sorted(workflow.OPEN - {Status.SUBMITTED}))
TO_RETURN_STATES = (Status.RESULT_READY, Status.REFUSED_PROCESSING)


class LastStepPosition(Func):
    """The ``position`` of the last entry of ``Dossier.process`` (the internal process)."""

    output_field = IntegerField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="json_extract(%(expressions)s, '$[#-1].position')"
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="((%(expressions)s -> -1) ->> 'position')::integer"
        )


def _ids(user: Any, roles: set[str] | None = None) -> set[int] | None:
    """Agencies where ``user`` holds one of ``roles`` (``None``: every agency), within any API
    token's limit."""
    ids = accounts.agency_ids_in_scope(user, roles)
    limit = permissions.token_agency_ids(user)
    if limit is not None:
        ids = set(limit) if ids is None else ids & limit
    return ids


def _in(field: str, ids: set[int] | None) -> Q:
    return Q() if ids is None else Q(**{f"{field}__in": ids})


def _official(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "is_official", False)
    )


def _open_steps(q: Q) -> QuerySet[StepAssignment]:
    return StepAssignment.objects.filter(q, finished_at__isnull=True).values("pk")


def _step_pool(user: Any, roles: set[str] | None = None) -> Q:
    """Open step visits assigned to ``user``, or unassigned with a role ``user`` holds there."""
    q = Q(assignee=user)
    for role in sorted({a.role for a in accounts.roles_of(user)}):
        if role == Role.PROVINCE_ADMIN or (roles is not None and role not in roles):
            continue
        scope = _ids(user, {role})
        if scope is not None and not scope:
            continue
        q |= Q(assignee__isnull=True, responsible_role=role) & _in("agency_id", scope)
    return q


def _box_filter(user: Any, slug: str) -> Q | None:
    """The filter of box ``slug`` for ``user`` (``None``: the box is not for them)."""
    if slug == "cho-tiep-nhan":
        ids = _ids(user, {Role.INTAKE_OFFICER})
        if ids is not None and not ids:
            return None
        return Q(status=Status.SUBMITTED, channel="online") & _in("agency_id", ids)
    if slug == "viec-cua-toi":
        steps = _open_steps(_step_pool(user))
        q = Q(status__in=(Status.PROCESSING, Status.PENDING_DECISION), current_step__in=steps)
        intake = _ids(user, {Role.INTAKE_OFFICER})
        if intake is None or intake:
            q |= Q(status=Status.RECEIVED) & _in("agency_id", intake)
        participant = _ids(user, set(workflow.PARTICIPANT_ROLES))
        if participant is None or participant:
            parts = Participation.objects.filter(
                _in("agency_id", participant), state=Participation.State.ACTIVE
            ).values("dossier_id")
            q |= Q(pk__in=parts, status__in=workflow.IN_PROCESS)
        return q
    ids = _ids(user)
    if ids is not None and not ids:
        return None
    if slug == "don-vi":
        steps = _open_steps(_in("agency_id", ids))
        return Q(status__in=WORKING_STATES) & (_in("agency_id", ids) | Q(current_step__in=steps))
    if slug == "cho-ben-khac":
        # Written as an OR of branches that each start from an index: the agency's waiting
        # dossiers (agency, status), those whose open step is at the agency (the dossier's
        # current step), and the dossiers with an open consultation (few at a time).
        waiting = Q(status__in=WAITING_STATES)
        consulting = Q(
            status__in=(Status.PROCESSING, Status.PENDING_DECISION),
            pk__in=Participation.objects.filter(
                state=Participation.State.ACTIVE, kind=Participation.Kind.CONSULTATION
            ).values("dossier_id"),
        )
        if ids is None:
            return waiting | consulting
        at_steps = Q(current_step__in=_open_steps(_in("agency_id", ids)))
        mine = _in("agency_id", ids) | at_steps
        return (_in("agency_id", ids) & waiting) | (at_steps & waiting) | (consulting & mine)
    if slug == "cho-phe-duyet":
        leaders = _ids(user, set(workflow.LEADERS))
        if leaders is not None and not leaders:
            return None
        # Driven by the (status, due_at) index: few dossiers wait for a decision at a time.
        decided = Q(status=Status.PENDING_DECISION) & _in("current_step__agency_id", leaders)
        last_steps = _open_steps(_step_pool(user, set(workflow.LEADERS)))
        at_last = Q(
            status=Status.PROCESSING,
            current_step__in=last_steps,
            current_step__position=LastStepPosition(F("process")),
        )
        return decided | at_last
    if slug == "cho-tra":
        desk = _ids(user, {Role.INTAKE_OFFICER})
        issuers = _ids(user, {Role.INTAKE_OFFICER, Role.CLERK, *workflow.LEADERS})
        q = Q(pk__in=[])
        if desk is None or desk:
            q |= Q(status__in=TO_RETURN_STATES) & _in("agency_id", desk)
        if issuers is None or issuers:
            q |= Q(status=Status.APPROVED) & _in("agency_id", issuers)
        return q
    raise KeyError(slug)


# Columns a row of an inbox never shows: the e-form data, the internal process, the opinion of
# the current step and the long texts of the procedure (the catalog's list does the same).
ROW_DEFER = (
    "form_data",
    "process",
    "current_step__opinion",
    *(f"procedure__{name}" for name in LIST_DEFER),
)


class InboxQuerySet(QuerySet):
    """A box's dossiers; a page of it (a slice) is read in two steps.

    First the ids of the page, in the box's order: the database filters and sorts narrow rows
    (the sort key and the id) and stops at the page. Then the rows of those ids only, with
    their procedure, agency and current step. Sorting every matching dossier with all its
    joined columns before the limit costs far more with tens of thousands in a box.
    """

    def __getitem__(self, k: Any) -> Any:
        if (
            not isinstance(k, slice)
            or self._result_cache is not None
            or self._iterable_class is not ModelIterable
            or self.query.is_sliced
        ):
            return super().__getitem__(k)
        ids = list(self.values_list("pk", flat=True)[k])
        if not ids:
            return []
        rows = self.model._default_manager.filter(pk__in=ids)
        rows.query.select_related = self.query.select_related
        rows.query.deferred_loading = self.query.deferred_loading
        rows._prefetch_related_lookups = self._prefetch_related_lookups
        by_id = {row.pk: row for row in rows.order_by()}
        return [by_id[pk] for pk in ids if pk in by_id]


def box_queryset(user: Any, slug: str) -> QuerySet[Dossier]:
    """The dossiers of box ``slug`` for ``user`` (unknown slug: ``KeyError``)."""
    if slug not in BOX_BY_SLUG:
        raise KeyError(slug)
    if not _official(user):
        return Dossier.objects.none()
    q = _box_filter(user, slug)
    if q is None:
        return Dossier.objects.none()
    return (
        InboxQuerySet(Dossier)
        .select_related("procedure", "agency", "current_step")
        .defer(*ROW_DEFER)
        .filter(q)
    )


def boxes_for(user: Any) -> list[Box]:
    """The boxes that can hold something for ``user`` (by their roles)."""
    if not _official(user):
        return []
    return [b for b in BOXES if _box_filter(user, b.slug) is not None]


def counts(user: Any) -> dict[str, int]:
    """Number of dossiers in each of ``user``'s boxes (one COUNT per box)."""
    return {b.slug: box_queryset(user, b.slug).count() for b in boxes_for(user)}


# --- filters and sorting ---------------------------------------------------------------------

SORTS = {
    "han": ("due_at", "id"),
    "-han": ("-due_at", "-id"),
    "moi-nhat": ("-submitted_at", "-id"),
    "cu-nhat": ("submitted_at", "id"),
    "ma": ("code",),
}
DUE_FILTERS = {
    "qua-han": "Quá hạn",
    "hom-nay": "Đến hạn hôm nay",
    "3-ngay": "Đến hạn trong 3 ngày làm việc",
}


def _end_of_day(moment: datetime) -> datetime:
    local = moment.astimezone(timing.TZ)
    return datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=timing.TZ)


def filter_box(
    qs: QuerySet[Dossier],
    *,
    procedure: str = "",
    status: str = "",
    due: str = "",
    sort: str = "han",
    agency: Any = None,
    now: datetime | None = None,
) -> QuerySet[Dossier]:
    """Narrow a box by procedure code, internal status, and deadline; then sort it.

    ``due``: ``qua-han`` (past due while held), ``hom-nay`` (due before the end of today),
    ``3-ngay`` (due within 3 working days of ``agency``'s calendar).
    """
    moment = now or clock.now()
    if procedure:
        qs = qs.filter(procedure__code=procedure.strip())
    if status and status in Status.values:
        qs = qs.filter(status=status)
    if due == "qua-han":
        qs = qs.filter(selectors.overdue_q(moment), status__in=workflow.IN_PROCESS)
    elif due == "hom-nay":
        qs = qs.filter(due_at__lt=_end_of_day(moment), status__in=workflow.IN_PROCESS)
    elif due == "3-ngay" and agency is not None:
        with timing.one_calendar_read():
            limit = timing.add_working_days(agency, moment, 3)
        qs = qs.filter(due_at__lte=limit, status__in=workflow.IN_PROCESS)
    return qs.order_by(*SORTS.get(sort, SORTS["han"]))


# --- the deadline of a row -------------------------------------------------------------------


@dataclass(frozen=True)
class DueState:
    """How close a dossier is to its deadline, in words and as a CSS class (never colour alone)."""

    key: str  # "late", "today", "tomorrow", "on_time", "paused", "none", "done"
    text: str
    css: str
    working_days_left: Fraction | None


def whole_days(value: Fraction | float) -> int:
    """Working days told as a whole number: a part of a day counts as a whole day.

    2.6 working days left is "còn 3 ngày làm việc" (the last, partial day is still a day to
    work in); 0.4 days late is "quá hạn 1 ngày làm việc". Never below 1 for a positive value.
    """
    return max(0, math.ceil(Fraction(value)))


def _days(value: Fraction) -> str:
    return str(whole_days(value))


def due_state(dossier: Dossier, *, now: datetime | None = None) -> DueState:
    """The deadline of ``dossier`` as shown in a list: working days left, and a state.

    Late: past the due moment; today: due before today ends; tomorrow: due on the next working
    day; on time otherwise. A paused clock (waiting for the applicant or another agency) is told
    as such, with the working days left when it stopped. Call inside
    :func:`timing.one_calendar_read` when showing many rows.
    """
    moment = now or clock.now()
    due = dossier.due_at
    if dossier.status in workflow.FINISHED or dossier.status in workflow.CLOSED:
        return DueState("done", "Đã có kết quả" if dossier.status in workflow.FINISHED
                        else "Đã kết thúc", "due-done", None)  # fmt: skip
    if due is None:
        return DueState("none", "Chưa hẹn ngày trả", "due-none", None)
    if dossier.clock_paused_since is not None:
        left = timing.working_days_between(dossier.agency, dossier.clock_paused_since, due)
        text = (
            f"Tạm dừng tính hạn (còn {_days(left)} ngày làm việc)"
            if left > 0
            else "Tạm dừng tính hạn (đã hết hạn khi tạm dừng)"
        )
        return DueState("paused", text, "due-paused", left)
    left = timing.working_days_between(dossier.agency, moment, due)
    if due < moment:
        return DueState("late", f"Quá hạn {_days(-left)} ngày làm việc", "due-late", left)
    if due < _end_of_day(moment):
        return DueState("today", "Đến hạn hôm nay", "due-today", left)
    next_day = timing.next_working_moment(dossier.agency, _end_of_day(moment))
    if due < _end_of_day(next_day):
        return DueState("tomorrow", "Đến hạn ngày làm việc tiếp theo", "due-tomorrow", left)
    return DueState("on_time", f"Còn {_days(left)} ngày làm việc", "due-on-time", left)


def leader_watch(user: Any, *, now: datetime | None = None) -> dict[str, Any]:
    """For unit heads and leaders: late steps of their units and dossiers nearly due."""
    moment = now or clock.now()
    return {
        "overdue_steps": list(selectors.overdue_steps(user, now=moment)[:200]),
        "due_soon": selectors.due_soon(user, now=moment),
    }
