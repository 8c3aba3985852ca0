"""Write side of the dossier engine: one function per action, the one door for every change.

Every action function

1. takes keyword-only, typed arguments, among them ``actor`` (the person acting; ``None`` only
   for the platform itself where the workflow allows it) and ``expected_version`` (the version
   of the dossier the person's form was built from);
2. locks the dossier row, then checks, in this order: that the actor may see it, that the
   version is current (:class:`~chinhquyen.dossiers.errors.StaleDossierError` otherwise), that
   the action is allowed in the current state (:class:`~chinhquyen.dossiers.errors.DossierStateError`),
   that the actor may perform it (:class:`~django.core.exceptions.PermissionDenied`), and that the
   required inputs are there and valid (:class:`~django.core.exceptions.ValidationError`);
3. changes the dossier, increments its version, and writes the control-sheet line
   (:class:`DossierEvent`), the audit record and the outbox event **in one transaction**.

Any error leaves the database as it was. Messages are Vietnamese and say what is wrong.
Deadlines come only from :mod:`chinhquyen.calendars` (through :mod:`chinhquyen.dossiers.timing`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q

from chinhquyen.accounts.models import User
from chinhquyen.audit import services as audit
from chinhquyen.catalog.models import (
    Channel,
    Procedure,
    ProcedureAgency,
    ProcedureChannel,
    ProcedureVersion,
    ProcessStep,
    RequiredPaper,
)
from chinhquyen.core import fastsql
from chinhquyen.dossiers import clock, codes, files, permissions, timing, workflow
from chinhquyen.dossiers.errors import DossierStateError, StaleDossierError, invalid
from chinhquyen.dossiers.models import (
    ApiToken,
    ApplicantKind,
    DeadlineUnit,
    Delivery,
    Dossier,
    DossierEvent,
    DossierPause,
    DueDateChange,
    Participation,
    ProcedureRules,
    ResultPaper,
    Status,
    StepAssignment,
    SubmittedPaper,
    SupplementRequest,
)
from chinhquyen.events import services as events
from chinhquyen.lib import cccd, party, phone
from chinhquyen.organizations.models import Agency, Desk

MAX_FORM_DATA_BYTES = 200_000
_SECRET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_APPLICANT_FIELDS = (
    "kind",
    "name",
    "identity_number",
    "tax_code",
    "representative",
    "phone",
    "email",
    "address",
)


# --- helpers ---------------------------------------------------------------------------------


def _action(fn: Callable[..., Dossier]) -> Callable[..., Dossier]:
    """Every action reads each agency's calendar once (see ``timing.one_calendar_read``)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Dossier:
        with timing.one_calendar_read():
            return fn(*args, **kwargs)

    return wrapper


def _label(user: Any) -> str:
    if user is None:
        return "Hệ thống"
    return (getattr(user, "full_name", "") or user.get_username())[:255]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


_TRACKED = [f for f in Dossier._meta.concrete_fields if not f.primary_key]


# Only what every action needs: the procedure (45 columns) loads when an action uses it. The SQL
# is compiled once per database (compiling it cost more than running it).
_LOCKED = fastsql.Prepared(
    lambda pk: (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("agency", "current_step")
        .annotate(procedure_code=F("procedure__code"))
        .filter(pk=pk)
    )
)


def _lock(dossier: Dossier | int) -> Dossier:
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    found = _LOCKED.get(pk)
    if found is None:
        raise invalid("Không tìm thấy hồ sơ.", code="not_found")
    step = found.current_step
    if step is not None and step.agency_id == found.agency_id:
        step.agency = found.agency
    found._loaded = {f.attname: getattr(found, f.attname) for f in _TRACKED}
    return found


# Catalog rows reception reads, compiled once like the lock (same rows as the ORM reads).
_PROCEDURE = fastsql.Prepared(lambda pk: Procedure.objects.filter(pk=pk))
_CHANNELS = fastsql.Prepared(lambda p: ProcedureChannel.objects.filter(procedure_id=p))
_PAPERS = fastsql.Prepared(
    lambda p: RequiredPaper.objects.filter(procedure_id=p).order_by("position")
)
_PAPERS_GIVEN = fastsql.Prepared(
    lambda d: SubmittedPaper.objects.filter(dossier_id=d, required_paper__isnull=False).only(
        "id", "required_paper_id"
    )
)
_STEPS = fastsql.Prepared(
    lambda p, a: (
        ProcessStep.objects.filter(Q(agency_id=a) | Q(agency__isnull=True), procedure_id=p)
        .select_related("agency")
        .order_by("position")
    ),
    arity=2,
)
_ACTIVE_PARTS = fastsql.Prepared(
    lambda d: Participation.objects.filter(
        dossier_id=d, state=Participation.State.ACTIVE
    ).select_related("agency")
)
_PROCEDURE_AGENCIES = fastsql.Prepared(
    lambda p: ProcedureAgency.objects.filter(procedure_id=p).only("id", "agency_id")
)
_ONE_RESULT = fastsql.Prepared(lambda d: ResultPaper.objects.filter(dossier_id=d).only("id")[:1])
_VERSION = fastsql.Prepared(
    lambda p: (
        ProcedureVersion.objects.filter(procedure_id=p)
        .order_by("-number")
        .only("id", "procedure_id", "number")[:1]
    )
)


def _load_procedure(d: Dossier) -> Procedure:
    """The dossier's procedure with its channels, in two compiled reads (cached on ``d``)."""
    if not Dossier.procedure.is_cached(d):
        procedure = _PROCEDURE.get(d.procedure_id)
        channels = procedure.channels.all()
        channels._result_cache = _CHANNELS.all(procedure.pk)
        channels._prefetch_done = True
        procedure._prefetched_objects_cache = {"channels": channels}
        d.procedure = procedure
    return d.procedure


def _save(d: Dossier) -> None:
    """Insert a new dossier, or update only the columns the action changed."""
    loaded = getattr(d, "_loaded", None)
    if loaded is None:
        d.save()
        return
    changed = [f.attname for f in _TRACKED if getattr(d, f.attname) != loaded[f.attname]]
    if not changed:
        return  # a dossier just inserted by this action (every other action bumps the version)
    fastsql.update(d, [*changed, "updated_at"])
    d._loaded = {f.attname: getattr(d, f.attname) for f in _TRACKED}


def _deny(name: str) -> PermissionDenied:
    spec = workflow.action(name)
    return PermissionDenied(
        f"Bạn không có quyền «{spec.label.lower()}» đối với hồ sơ này; thao tác này dành cho "
        f"{permissions.who_label(name)}."
    )


def _begin(
    name: str,
    *,
    actor: Any,
    dossier: Dossier | int,
    expected_version: Any,
    participation: Any = None,
) -> tuple[Dossier, Participation | None]:
    """Lock the dossier and run the checks every action shares."""
    d = _lock(dossier)
    if actor is not None and not permissions.can_view_dossier(actor, d):
        raise PermissionDenied("Bạn không có quyền xem hay xử lý hồ sơ này.")
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise invalid(
            {
                "expected_version": [
                    "Cần gửi phiên bản hồ sơ (số nguyên) mà biểu mẫu đang hiển thị."
                ]
            },
            code="required",
        )
    if d.version != expected_version:
        raise StaleDossierError(code=d.code, current=d.version, expected=expected_version)
    workflow.check_state(name, d.status)
    part = _participation(d, participation) if participation is not None else None
    if not permissions.can_perform(actor, name, d, participation=part):
        raise _deny(name)
    return d, part


def _participation(d: Dossier, value: Any) -> Participation:
    pk = value.pk if isinstance(value, Participation) else value
    part = (
        Participation.objects.select_for_update(of=("self",))
        .select_related("agency")
        .filter(dossier=d, pk=pk)
        .first()
    )
    if part is None:
        raise invalid(
            {"participation": ["Phần việc phối hợp/liên thông này không thuộc hồ sơ."]},
            code="invalid",
        )
    return part


@dataclass
class _Before:
    status: str
    due_at: datetime | None
    step: int | None
    assignee: int | None


def _before(d: Dossier) -> _Before:
    step = d.current_step
    return _Before(
        d.status,
        d.due_at,
        step.position if step else None,
        step.assignee_id if step else None,
    )


def _payload(d: Dossier, name: str) -> dict[str, Any]:
    return {
        "code": d.code,
        "action": name,
        "status": d.status,
        "national_status": workflow.national_status(d.status),
        "channel": d.channel,
        "national_channel": workflow.NATIONAL_CHANNELS.get(d.channel),
        "agency": d.agency.code,
        "procedure": getattr(d, "procedure_code", None) or d.procedure.code,
        "due_at": _iso(d.due_at),
        "version": d.version,
    }


# ``event`` keys of ``_finish`` that name a relation (given as an object or None) → column.
_EVENT_ATTNAMES = {f.name: f.attname for f in DossierEvent._meta.concrete_fields if f.is_relation}
_EVENT_COLUMNS = {f.name for f in DossierEvent._meta.concrete_fields if not f.is_relation}


def _finish(
    d: Dossier,
    name: str,
    *,
    actor: Any,
    at: datetime,
    before: _Before | None,
    event: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
) -> Dossier:
    """Save the dossier with a new version; write its event, audit record and outbox event."""
    if before is not None:
        d.version += 1
    _save(d)
    event = dict(event or {})
    step = d.current_step
    # The control-sheet line, audit record and outbox rows are written without model instances
    # (nothing here reads them back); the same rows and checks as ``audit.record`` and
    # ``events.publish``.
    line = {
        "dossier_id": d.pk,
        "seq": d.version,
        "action": name,
        "at": at,
        "actor_id": actor.pk if actor is not None else None,
        "actor_label": _label(actor),
        "from_status": before.status if before else "",
        "to_status": d.status,
        "step_position": event.pop("step_position", step.position if step else None),
        "due_before": before.due_at if before else None,
        "due_after": d.due_at,
    }
    for key, value in event.items():
        if key in _EVENT_ATTNAMES:
            line[_EVENT_ATTNAMES[key]] = getattr(value, "pk", value)
        elif key in _EVENT_COLUMNS:
            line[key] = value
        else:  # as the model's constructor refuses it
            raise TypeError(f"DossierEvent has no field {key!r}.")
    fastsql.insert_row(DossierEvent, line)
    changes: dict[str, Any] = {}
    after = _before(d)
    if before is None:
        changes["status"] = {"before": None, "after": d.status}
    else:
        for key in ("status", "due_at", "step", "assignee"):
            old, new = getattr(before, key), getattr(after, key)
            if old != new:
                changes[key] = {
                    "before": _iso(old) if isinstance(old, datetime) else old,
                    "after": _iso(new) if isinstance(new, datetime) else new,
                }
    changes["version"] = d.version
    if details:
        changes["details"] = dict(details)
    audit._record_row(f"dossiers.{name}", obj=d, changes=changes, actor=actor)
    events._publish_row(
        f"dossiers.{name}",
        aggregate=d,
        payload=_payload(d, name),
        idempotency_key=f"dossiers:{d.pk}:v{d.version}",
    )
    return d


def _rules(d: Dossier) -> ProcedureRules:
    rules = ProcedureRules.objects.filter(procedure_id=d.procedure_id).first()
    return rules or ProcedureRules(procedure_id=d.procedure_id)


def _text(value: Any, field: str, label: str, *, required: bool = True, limit: int = 4000) -> str:
    text = (
        " ".join(str(value or "").split()) if "\n" not in str(value or "") else str(value).strip()
    )
    if required and not text:
        raise invalid({field: [f"Cần nhập {label}."]}, code="required")
    if len(text) > limit:
        raise invalid(
            {field: [f"{label[:1].upper()}{label[1:]} dài quá {limit} ký tự."]}, code="too_long"
        )
    return text


def _reasons(value: Any, field: str = "reasons") -> str:
    if isinstance(value, list | tuple):
        items = [str(v).strip() for v in value if str(v or "").strip()]
        value = "\n".join(f"- {item}" for item in items)
    return _text(value, field, "lý do")


def _pauses(d: Dossier) -> list[DossierPause]:
    """The dossier's pauses, read once per action (the cache is dropped when they change)."""
    cached = getattr(d, "_pause_cache", None)
    if cached is None:
        cached = d._pause_cache = list(d.pauses.all()) if d.pause_count else []
    return cached


def _open_pauses(d: Dossier) -> list[DossierPause]:
    return [p for p in _pauses(d) if p.ended_at is None]


def _pause(d: Dossier, kind: str, at: datetime, reason: str, participation=None) -> DossierPause:
    pause = DossierPause.objects.create(
        dossier=d, kind=kind, started_at=at, reason=reason[:300], participation=participation
    )
    d._pause_cache = None
    d.pause_count += 1
    if d.clock_paused_since is None:
        d.clock_paused_since = at
    return pause


def _end_pauses(d: Dossier, at: datetime, **filters: Any) -> int:
    ended = d.pauses.filter(ended_at__isnull=True, **filters).update(ended_at=at)
    d._pause_cache = None
    open_starts = [p.started_at for p in _open_pauses(d)]
    d.clock_paused_since = min(open_starts) if open_starts else None
    return ended


def _refresh_deadlines(
    d: Dossier, at: datetime, *, kind: str, actor: Any, reason: str = ""
) -> None:
    """Recompute the dossier's and the current step's due dates after a pause or a restart."""
    pauses = _pauses(d)
    new_due = timing.dossier_due(d, pauses=pauses)
    if new_due != d.due_at:
        DueDateChange.objects.create(
            dossier=d, kind=kind, at=at, before=d.due_at, after=new_due, reason=reason, actor=actor
        )
        d.due_at = new_due
    step = d.current_step
    if step is not None and step.finished_at is None:
        step.due_at = timing.step_due(
            step.agency, step.started_at, step.allowance_hours, pauses, unit=d.deadline_unit
        )
        step.save(update_fields=["due_at"])


def _start_step(
    d: Dossier, entry: Mapping[str, Any], at: datetime, assignee: Any, assigned_by: Any
) -> StepAssignment:
    agency = (
        d.agency if entry["agency_id"] == d.agency_id else Agency.objects.get(pk=entry["agency_id"])
    )
    step = StepAssignment(
        dossier=d,
        position=entry["position"],
        name=entry["name"],
        responsible_role=entry.get("responsible_role", ""),
        responsible_unit=entry.get("responsible_unit", ""),
        agency=agency,
        allowance_hours=Decimal(str(entry["allowance_hours"])),
        assignee=assignee,
        assigned_by=assigned_by if assignee else None,
        assigned_at=at if assignee else None,
        started_at=at,
        due_at=timing.step_due(
            agency, at, entry["allowance_hours"], _pauses(d), unit=d.deadline_unit
        ),
    )
    fastsql.insert(step)
    d.current_step = step
    return step


def _check_assignee(d: Dossier, assignee: Any, field: str = "assignee") -> None:
    if assignee is not None and not permissions.can_be_assigned(assignee, d):
        step = d.current_step
        role = step.get_responsible_role_display().lower() if step.responsible_role else "cán bộ"
        raise invalid(
            {
                field: [
                    f"{_label(assignee)} không phải {role} của {step.agency.name}, "
                    f"không nhận được bước «{step.name}»."
                ]
            },
            code="invalid_assignee",
        )


def _process_entry(d: Dossier, position: int, offset: int) -> Mapping[str, Any] | None:
    positions = [e["position"] for e in d.process]
    if position not in positions:
        return None
    i = positions.index(position) + offset
    return d.process[i] if 0 <= i < len(d.process) else None


def _step_target_label(entry: Mapping[str, Any], assignee: Any) -> str:
    if assignee is not None:
        return _label(assignee)
    return entry.get("responsible_unit") or entry["name"]


def _close_open_work(d: Dossier, at: datetime, actor: Any) -> None:
    """The dossier ends early: close the open step, cancel other agencies' parts, end pauses."""
    step = d.current_step
    if step is not None and step.finished_at is None:
        step.finished_at, step.finished_by = at, actor
        step.outcome = StepAssignment.Outcome.CLOSED
        step.save(update_fields=["finished_at", "finished_by", "outcome"])
    d.participations.filter(
        state__in=[Participation.State.ACTIVE, Participation.State.WAITING]
    ).update(state=Participation.State.CANCELLED, finished_at=at)
    _end_pauses(d, at)
    d.closed_at = at


# --- applicant and papers --------------------------------------------------------------------


def clean_applicant(values: Mapping[str, Any]) -> dict[str, str]:
    """Validated applicant fields (chủ hồ sơ) with Vietnamese messages per field."""
    unknown = set(values) - set(_APPLICANT_FIELDS)
    if unknown:
        raise invalid({k: ["Trường không có trong thông tin chủ hồ sơ."] for k in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    out = {k: " ".join(str(values.get(k) or "").split()) for k in _APPLICANT_FIELDS}
    out["kind"] = out["kind"] or ApplicantKind.PERSON
    if out["kind"] not in ApplicantKind.values:
        errors["kind"] = ["Loại chủ hồ sơ phải là cá nhân (person) hoặc tổ chức (organisation)."]
    if not out["name"]:
        errors["name"] = ["Cần nhập tên chủ hồ sơ."]
    elif len(out["name"]) > 255:
        errors["name"] = ["Tên chủ hồ sơ dài quá 255 ký tự."]
    party.check_numbers(out, errors)
    if out["kind"] == ApplicantKind.ORGANISATION and not out["tax_code"]:
        errors["tax_code"] = ["Chủ hồ sơ là tổ chức: cần nhập mã số thuế/mã số doanh nghiệp."]
    if out["phone"]:
        try:
            out["phone"] = phone.normalize(out["phone"])
        except phone.InvalidPhoneNumber as exc:
            errors["phone"] = [str(exc)]
    if out["email"]:
        out["email"] = out["email"].lower()
        try:
            validate_email(out["email"])
        except ValidationError:
            errors["email"] = ["Địa chỉ thư điện tử không hợp lệ."]
    if len(out["address"]) > 500:
        errors["address"] = ["Địa chỉ dài quá 500 ký tự."]
    if errors:
        raise invalid(errors, code="invalid_applicant")
    return out


def _applicant_from_account(user: Any) -> dict[str, str]:
    business = getattr(user, "kind", "") == User.Kind.BUSINESS
    return {
        "kind": ApplicantKind.ORGANISATION if business else ApplicantKind.PERSON,
        "name": (user.organization_name if business and user.organization_name else user.full_name),
        "identity_number": "" if business else (user.identity_number or ""),
        "tax_code": user.tax_code if business else "",
        "representative": user.full_name if business else "",
        "phone": user.phone or "",
        "email": user.email or "",
        "address": "",
    }


def _check_paper_of(procedure: Procedure, required_paper: Any) -> RequiredPaper | None:
    if required_paper is None:
        return None
    pk = required_paper.pk if isinstance(required_paper, RequiredPaper) else required_paper
    paper = RequiredPaper.objects.filter(pk=pk, procedure=procedure).first()
    if paper is None:
        raise invalid(
            {"required_paper": ["Thành phần hồ sơ này không thuộc thủ tục của hồ sơ."]},
            code="invalid",
        )
    return paper


def _store_paper(
    d: Dossier,
    checked: files.CheckedFile,
    paper: RequiredPaper | None,
    actor: Any,
    at: datetime,
    stored: list[str],
) -> SubmittedPaper:
    name = files.store(checked, f"dossiers/papers/{d.agency.code}/{at:%Y/%m}")
    stored.append(name)
    supplement = (
        d.supplements.filter(received_at__isnull=True).order_by("-requested_at").first()
        if d.status == Status.AWAITING_SUPPLEMENT
        else None
    )
    item = SubmittedPaper(
        dossier=d,
        required_paper=paper,
        required_paper_name=paper.name if paper else "",
        supplement=supplement,
        file=name,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_at=at,
        uploaded_by=actor,
    )
    fastsql.insert(item)
    return item


def _check_papers(procedure: Procedure, papers: Sequence[Any]) -> list[tuple]:
    """Check every file (type, size) and its paper before anything is stored."""
    if not papers:
        return []
    known = {p.pk: p for p in _PAPERS.all(procedure.pk)}
    checked = []
    for i, item in enumerate(papers):
        required_paper, file = item[0], item[1]
        name = item[2] if len(item) > 2 else ""
        paper = None
        if required_paper is not None:
            pk = required_paper.pk if isinstance(required_paper, RequiredPaper) else required_paper
            paper = known.get(pk)
            if paper is None:
                raise invalid({f"papers[{i}]": ["Thành phần hồ sơ này không thuộc thủ tục."]})
        checked.append((paper, files.check(file, name=name, field=f"papers[{i}]")))
    return checked


def _discard(stored: list[str]) -> None:
    for name in stored:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - best effort on a failed transaction
            pass


def missing_papers(dossier: Dossier) -> list[RequiredPaper]:
    """Required papers of the procedure with no file in the dossier.

    Papers in a named group (trường hợp) are alternatives: the applicant's chosen group
    (``paper_group``) must be complete; with none chosen, one complete group is enough (the
    missing list names the group closest to complete). Only papers to submit that are not
    conditional are required (``RequiredPaper.is_required``): papers needed "nếu có" or "trong
    trường hợp …", papers to present (xuất trình) and notes (lưu ý) never are.
    """
    if isinstance(dossier, Dossier):  # reception: the same rows, read by compiled queries
        papers = _PAPERS.all(dossier.procedure_id)
        have = {p.required_paper_id for p in _PAPERS_GIVEN.all(dossier.pk)}
    else:  # anything with the same shape (a draft)
        papers = list(dossier.procedure.papers.order_by("position"))
        have = set(
            dossier.papers.exclude(required_paper=None).values_list("required_paper", flat=True)
        )
    required = [p for p in papers if p.is_required]
    common = [p for p in required if not p.group]
    missing = [p for p in common if p.pk not in have]
    groups: dict[str, list[RequiredPaper]] = {}
    for p in papers:  # a case with nothing required is still a case, complete as it is
        if p.group:
            groups.setdefault(p.group, [])
            if p.is_required:
                groups[p.group].append(p)
    if not groups:
        return missing
    if dossier.paper_group:
        chosen = groups.get(dossier.paper_group, [])
        return missing + [p for p in chosen if p.pk not in have]
    gaps = sorted(
        ([p for p in group if p.pk not in have] for group in groups.values()),
        key=len,
    )
    return missing + gaps[0]


# --- creating a dossier ------------------------------------------------------------------------


def _new_secret() -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(8))


def _check_procedure(procedure: Procedure, agency: Agency, channel: str) -> None:
    if not procedure.is_active:
        raise invalid(
            {"procedure": [f"Thủ tục {procedure.code} không còn áp dụng."]}, code="inactive"
        )
    if channel == Channel.ONLINE and not procedure.accepts_online:
        raise invalid(
            {"procedure": [f"Thủ tục {procedure.code} không tiếp nhận hồ sơ trực tuyến."]},
            code="not_online",
        )
    agencies = {link.agency_id for link in _PROCEDURE_AGENCIES.all(procedure.pk)}
    if agencies and agency.pk not in agencies:
        raise invalid(
            {"agency": [f"{agency.name} không giải quyết thủ tục {procedure.code}."]},
            code="wrong_agency",
        )
    if not agency.is_active:
        raise invalid({"agency": [f"{agency.name} không còn hoạt động."]}, code="inactive")


def _create(
    name: str,
    *,
    actor: Any,
    procedure: Procedure,
    agency: Agency,
    channel: str,
    applicant: Mapping[str, Any],
    submitted_by: Any,
    desk: Desk | None,
    form_data: Mapping[str, Any] | None,
    papers: Sequence[Any],
    result_delivery: str,
    paper_group: str,
    subject: str,
    idempotency_key: str | None,
) -> Dossier:
    key = (idempotency_key or "").strip() or None
    if key is not None:
        if len(key) > 200:
            raise invalid({"idempotency_key": ["Khóa chống nộp trùng dài quá 200 ký tự."]})
        existing = _existing(key, actor)
        if existing is not None:
            return existing
    workflow.check_inputs(
        name, {"procedure": procedure, "agency": agency, "applicant_name": applicant.get("name")}
    )
    values = clean_applicant(applicant)
    if len(json.dumps(dict(form_data or {}), default=str)) > MAX_FORM_DATA_BYTES:
        raise invalid({"form_data": ["Dữ liệu biểu mẫu điện tử quá lớn (tối đa 200 KB)."]})
    _check_procedure(procedure, agency, channel)
    if result_delivery not in Delivery.values:
        raise invalid({"result_delivery": ["Nơi nhận kết quả không hợp lệ."]})
    if desk is not None and desk.agency_id != agency.pk:
        raise invalid({"desk": ["Bộ phận một cửa không thuộc cơ quan tiếp nhận."]})
    if paper_group and not procedure.papers.filter(group=paper_group).exists():
        raise invalid({"paper_group": ["Thủ tục không có trường hợp (nhóm giấy tờ) này."]})
    checked = _check_papers(procedure, papers)
    stored: list[str] = []
    try:
        with transaction.atomic():
            at = clock.now()
            d = Dossier(
                code=codes.allocate(agency, at),
                procedure=procedure,
                channel=channel,
                subject=(subject or procedure.name)[:500],
                applicant_kind=values["kind"],
                applicant_name=values["name"],
                applicant_identity_number=values["identity_number"],
                applicant_tax_code=values["tax_code"],
                applicant_representative=values["representative"],
                applicant_phone=values["phone"],
                applicant_email=values["email"],
                applicant_address=values["address"],
                submitted_by=submitted_by,
                form_data=dict(form_data or {}),
                paper_group=paper_group,
                result_delivery=result_delivery,
                agency=agency,
                desk=desk,
                status=Status.SUBMITTED,
                submitted_at=at,
                idempotency_key=key,
                lookup_secret=_new_secret(),
            )
            fastsql.insert(d)
            d._loaded = {f.attname: getattr(d, f.attname) for f in _TRACKED}
            for paper, item in checked:
                _store_paper(d, item, paper, actor, at, stored)
            _finish(
                d,
                name,
                actor=actor,
                at=at,
                before=None,
                event={"to_agency": agency, "to_label": desk.name if desk else agency.name},
                details={
                    "channel": channel,
                    "procedure": procedure.code,
                    "applicant": values["name"],
                    "identity_number": cccd.mask(values["identity_number"]),
                    "papers": len(checked),
                },
            )
    except IntegrityError:
        _discard(stored)
        if key is not None:
            existing = _existing(key, actor)
            if existing is not None:
                return existing
        raise
    except BaseException:
        _discard(stored)
        raise
    return d


def _existing(key: str, actor: Any) -> Dossier | None:
    """The dossier a replayed key created, for the account that created it; anyone else is refused.

    An online dossier is created by its applicant's account (``submitted_by``). A desk or postal
    registration is created by the official recorded on its first control-sheet line, while
    ``submitted_by`` is the applicant's own account (if linked) — so the official's replay returns
    the dossier and the applicant's account, or another official, cannot use the key.
    """
    existing = Dossier.objects.filter(idempotency_key=key).select_related("agency").first()
    if existing is None:
        return None
    if actor is None:
        return existing
    if existing.channel == Channel.ONLINE:
        creator = existing.submitted_by_id
    else:
        creator = (
            DossierEvent.objects.filter(dossier_id=existing.pk, seq=1)
            .values_list("actor_id", flat=True)
            .first()
        )
    if creator != actor.pk:
        raise PermissionDenied("Khóa chống nộp trùng này đã được một tài khoản khác sử dụng.")
    existing._replayed = True  # tells ``receive_at_desk`` that nothing was created now
    return existing


@_action
def submit_online(
    *,
    actor: User,
    procedure: Procedure,
    agency: Agency,
    applicant: Mapping[str, Any] | None = None,
    form_data: Mapping[str, Any] | None = None,
    papers: Sequence[Any] = (),
    result_delivery: str = Delivery.ONLINE,
    paper_group: str = "",
    subject: str = "",
    idempotency_key: str | None = None,
) -> Dossier:
    """Nộp hồ sơ trực tuyến: a new dossier (national status 1) with its papers.

    ``applicant`` defaults to the account's own data; an authorised person gives the applicant's.
    ``papers`` are ``(required_paper, file[, file name])``; all are checked before any is stored.
    The same ``idempotency_key`` again returns the first dossier, unchanged.
    """
    if not permissions.can_submit_online(actor):
        raise PermissionDenied("Vui lòng đăng nhập để nộp hồ sơ trực tuyến.")
    return _create(
        "submit_online",
        actor=actor,
        procedure=procedure,
        agency=agency,
        channel=Channel.ONLINE,
        applicant=applicant if applicant is not None else _applicant_from_account(actor),
        submitted_by=actor,
        desk=None,
        form_data=form_data,
        papers=papers,
        result_delivery=result_delivery,
        paper_group=paper_group,
        subject=subject,
        idempotency_key=idempotency_key,
    )


@_action
def register_at_desk(
    *,
    actor: User,
    procedure: Procedure,
    agency: Agency,
    applicant: Mapping[str, Any],
    channel: str = Channel.DIRECT,
    desk: Desk | None = None,
    applicant_account: User | None = None,
    form_data: Mapping[str, Any] | None = None,
    papers: Sequence[Any] = (),
    result_delivery: str = Delivery.DESK,
    paper_group: str = "",
    subject: str = "",
    idempotency_key: str | None = None,
) -> Dossier:
    """Đăng ký hồ sơ nộp trực tiếp hoặc qua bưu chính, by the desk's intake officer.

    ``papers`` are the scans of the papers the applicant brought. ``applicant_account`` links the
    dossier to the applicant's own account, if they have one, so they can follow it online.
    """
    if channel not in (Channel.DIRECT, Channel.POSTAL):
        raise invalid(
            {"channel": ["Tại Bộ phận Một cửa chỉ đăng ký hồ sơ trực tiếp hoặc qua bưu chính."]}
        )
    if not permissions.can_register_at_desk(actor, agency):
        raise _deny("register_at_desk")
    return _create(
        "register_at_desk",
        actor=actor,
        procedure=procedure,
        agency=agency,
        channel=channel,
        applicant=applicant,
        submitted_by=applicant_account,
        desk=desk,
        form_data=form_data,
        papers=papers,
        result_delivery=result_delivery,
        paper_group=paper_group,
        subject=subject,
        idempotency_key=idempotency_key,
    )


@_action
def attach_paper(
    *,
    actor: User,
    dossier: Dossier,
    expected_version: int,
    required_paper: RequiredPaper | int | None,
    file: Any,
    file_name: str = "",
) -> Dossier:
    """Nộp (bổ sung) một thành phần hồ sơ: the file is checked before it is stored."""
    checked = files.check(file, name=file_name)
    stored: list[str] = []
    try:
        with transaction.atomic():
            d, _ = _begin(
                "attach_paper", actor=actor, dossier=dossier, expected_version=expected_version
            )
            paper = _check_paper_of(d.procedure, required_paper)
            at = clock.now()
            before = _before(d)
            item = _store_paper(d, checked, paper, actor, at, stored)
            _finish(
                d,
                "attach_paper",
                actor=actor,
                at=at,
                before=before,
                event={"data": {"paper": item.required_paper_name, "file": item.original_name}},
                details={"paper": item.required_paper_name, "sha256": item.sha256},
            )
    except BaseException:
        _discard(stored)
        raise
    return d


# --- reception ---------------------------------------------------------------------------------


def _process_snapshot(d: Dossier) -> list[dict[str, Any]]:
    # As catalog_selectors.process_for: the agency's own steps if it has any, else the default
    # ones; both read in one compiled query.
    rows = _STEPS.all(d.procedure_id, d.agency_id)
    steps = [s for s in rows if s.agency_id == d.agency_id] or [
        s for s in rows if s.agency_id is None
    ]
    if not steps:
        raise ValidationError(
            f"Thủ tục {d.procedure.code} chưa có quy trình nội bộ (các bước xử lý) cho "
            f"{d.agency.name}; quản trị viên cần khai báo trước khi tiếp nhận.",
            code="no_process",
        )
    return [
        {
            "position": s.position,
            "name": s.name,
            "responsible_role": s.responsible_role,
            "responsible_unit": s.responsible_unit,
            "allowance_hours": str(s.allowance_hours),
            "agency_id": s.agency_id or d.agency_id,
            "agency_code": s.agency.code if s.agency_id else d.agency.code,
        }
        for s in steps
    ]


@_action
def receive(
    *,
    actor: User,
    dossier: Dossier,
    expected_version: int,
    desk: Desk | None = None,
    paper_group: str | None = None,
    note: str = "",
) -> Dossier:
    """Tiếp nhận: check the papers are complete, then appoint the result date (Mẫu 01).

    Incomplete papers are refused with the list of what is missing (request a supplement or
    refuse reception instead). The internal process and the procedure version in force are
    fixed on the dossier now; the due date is computed by the agency's calendar.
    """
    with transaction.atomic():
        d, _ = _begin("receive", actor=actor, dossier=dossier, expected_version=expected_version)
        _load_procedure(d)
        if desk is not None:
            if desk.agency_id != d.agency_id:
                raise invalid({"desk": ["Bộ phận một cửa không thuộc cơ quan tiếp nhận."]})
            d.desk = desk
        if paper_group is not None:
            if paper_group and not d.procedure.papers.filter(group=paper_group).exists():
                raise invalid({"paper_group": ["Thủ tục không có trường hợp này."]})
            d.paper_group = paper_group
        missing = missing_papers(d)
        if missing:
            raise invalid(
                {
                    "papers": [f"Còn thiếu: {p.name[:200]}" for p in missing]  # fmt: skip
                    + [
                        "Hồ sơ chưa đủ thành phần nên chưa tiếp nhận được: yêu cầu bổ sung "
                        "(Mẫu 02) hoặc từ chối tiếp nhận (Mẫu 03)."
                    ]
                },
                code="missing_papers",
            )
        at = clock.now()
        before = _before(d)
        d.process = _process_snapshot(d)
        _load_procedure(d)
        unit, amount = timing.procedure_deadline(d.procedure, d.channel, d.process)
        version = _VERSION.get(d.procedure_id)  # in force now (catalog_selectors.current_version)
        channel_row = next(
            (c for c in d.procedure.channels.all() if c.channel == d.channel), None
        ) or next((c for c in d.procedure.channels.all() if c.channel == Channel.DIRECT), None)
        d.procedure_version = version.number if version else None
        d.deadline_unit, d.deadline_amount = unit, amount
        d.paper = d.channel != Channel.ONLINE
        d.fee_amount = channel_row.fee_amount if channel_row else None
        d.received_at = at
        d.due_at = timing.dossier_due(d, pauses=[])
        d.status = Status.RECEIVED
        fastsql.insert(
            DueDateChange(
                dossier=d, kind=DueDateChange.Kind.APPOINTED, at=at, before=None, after=d.due_at,
                actor=actor, reason=note,
            )
        )  # fmt: skip
        return _finish(
            d,
            "receive",
            actor=actor,
            at=at,
            before=before,
            event={
                "from_agency": d.agency,
                "to_agency": d.agency,
                "to_label": d.desk.name if d.desk_id else "Bộ phận Một cửa",
                "opinion": note,
                "data": {"procedure_version": d.procedure_version, "papers_complete": True},
            },
            details={"procedure_version": d.procedure_version, "deadline": f"{amount} {unit}"},
        )


def _supplement_window_end(d: Dossier) -> datetime:
    days = _rules(d).supplement_window_days
    if days is None:
        days = codes.rule("supplement_window_working_days")
    if d.received_at is None:
        return timing.add_working_days(d.agency, d.submitted_at, days)
    anchor = max(filter(None, [d.received_at, d.deadline_restarted_at]))
    return timing.add_working_days(d.agency, anchor, days, paper=d.paper)


def _supplement_items(d: Dossier, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out, errors = [], []
    for i, item in enumerate(items):
        paper_value = item.get("paper")
        paper = None
        if paper_value not in (None, ""):
            paper = RequiredPaper.objects.filter(
                pk=paper_value.pk if isinstance(paper_value, RequiredPaper) else paper_value,
                procedure=d.procedure,
            ).first()
            if paper is None:
                errors.append(f"Mục {i + 1}: thành phần hồ sơ không thuộc thủ tục.")
                continue
        name = " ".join(str(item.get("name") or (paper.name if paper else "")).split())
        reason = " ".join(str(item.get("reason") or "").split())
        if not name:
            errors.append(f"Mục {i + 1}: cần ghi tên giấy tờ cần bổ sung.")
        if not reason:
            errors.append(f"Mục {i + 1}: cần ghi lý do phải bổ sung «{name or '…'}».")
        out.append(
            {"paper_id": paper.pk if paper else None, "name": name[:500], "reason": reason[:1000]}
        )
    if errors:
        raise invalid({"items": errors}, code="invalid_items")
    return out


@_action
def request_supplement(
    *,
    actor: User,
    dossier: Dossier,
    expected_version: int,
    items: Sequence[Mapping[str, Any]],
    note: str = "",
) -> Dossier:
    """Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02): everything missing, once, each with a reason.

    ``items``: ``{"paper": RequiredPaper or id (optional), "name": str, "reason": str}``. Allowed
    only within 3 working days of reception (or of the last complete supplement), unless the
    procedure's rules say otherwise. The deadline stops until the supplement is complete, then
    restarts from zero.
    """
    with transaction.atomic():
        d, _ = _begin(
            "request_supplement", actor=actor, dossier=dossier, expected_version=expected_version
        )
        workflow.check_inputs("request_supplement", {"items": items})
        clean = _supplement_items(d, items)
        at = clock.now()
        window_end = _supplement_window_end(d)
        if at > window_end:
            anchor = (
                "lần nhận đủ hồ sơ bổ sung gần nhất" if d.deadline_restarted_at else "khi tiếp nhận"
            )
            raise DossierStateError(
                f"Đã quá thời hạn yêu cầu bổ sung hồ sơ (đến {timing.deadlines.fmt(window_end)}, "
                f"tính từ {anchor}); không được yêu cầu bổ sung nữa. Nếu hồ sơ không đủ điều kiện, "
                "hãy từ chối giải quyết và nêu rõ lý do.",
                code="supplement_window_closed",
            )
        before = _before(d)
        stage = (
            SupplementRequest.Stage.RECEPTION
            if d.status == Status.SUBMITTED
            else SupplementRequest.Stage.PROCESSING
        )
        request = SupplementRequest.objects.create(
            dossier=d, stage=stage, items=clean, note=note.strip(), requested_at=at,
            requested_by=actor, window_ends_at=window_end,
        )  # fmt: skip
        d.resume_status = d.status
        d.status = Status.AWAITING_SUPPLEMENT
        if stage == SupplementRequest.Stage.PROCESSING:
            _pause(d, DossierPause.Kind.SUPPLEMENT, at, "Chờ bổ sung hồ sơ")
        return _finish(
            d,
            "request_supplement",
            actor=actor,
            at=at,
            before=before,
            event={
                "to_label": d.applicant_name,
                "opinion": note,
                "data": {"supplement_id": request.pk, "items": clean, "stage": stage},
            },
            details={"items": [i["name"] for i in clean], "stage": stage},
        )


@_action
def supplement_received(
    *, actor: User, dossier: Dossier, expected_version: int, note: str = ""
) -> Dossier:
    """Nhận đủ hồ sơ bổ sung: the papers asked for are there; the deadline restarts from zero."""
    with transaction.atomic():
        d, _ = _begin(
            "supplement_received", actor=actor, dossier=dossier, expected_version=expected_version
        )
        request = d.supplements.filter(received_at__isnull=True).order_by("-requested_at").first()
        if request is None:  # pragma: no cover - the state implies an open request
            raise DossierStateError("Hồ sơ không có yêu cầu bổ sung nào đang chờ.")
        asked = [i for i in request.items if i.get("paper_id")]
        brought = set(
            d.papers.filter(uploaded_at__gte=request.requested_at).values_list(
                "required_paper_id", flat=True
            )
        )
        missing = [i["name"] for i in asked if i["paper_id"] not in brought]
        if missing:
            raise invalid(
                {"papers": [f"Chưa nộp bổ sung: {name[:200]}" for name in missing]},
                code="missing_papers",
            )
        at = clock.now()
        before = _before(d)
        request.received_at, request.received_by = at, actor
        request.save(update_fields=["received_at", "received_by"])
        d.status, d.resume_status = d.resume_status or Status.SUBMITTED, ""
        _end_pauses(d, at, kind=DossierPause.Kind.SUPPLEMENT)
        if request.stage == SupplementRequest.Stage.PROCESSING:
            d.deadline_restarted_at = at
            _refresh_deadlines(
                d, at, kind=DueDateChange.Kind.RESTARTED, actor=actor,
                reason="Nhận đủ hồ sơ bổ sung: thời hạn tính lại từ đầu.",
            )  # fmt: skip
        return _finish(
            d,
            "supplement_received",
            actor=actor,
            at=at,
            before=before,
            event={
                "to_agency": d.agency,
                "opinion": note,
                "data": {"supplement_id": request.pk, "restarted": d.deadline_restarted_at == at},
            },
            details={"restarted_at": _iso(d.deadline_restarted_at)},
        )


@_action
def refuse_reception(
    *, actor: User, dossier: Dossier, expected_version: int, reasons: str | Sequence[str]
) -> Dossier:
    """Từ chối tiếp nhận hồ sơ (Mẫu 03), with the reasons."""
    with transaction.atomic():
        d, _ = _begin(
            "refuse_reception", actor=actor, dossier=dossier, expected_version=expected_version
        )
        if d.received_at is not None:
            raise DossierStateError(
                "Hồ sơ đã được tiếp nhận nên không từ chối tiếp nhận được nữa; nếu hồ sơ không đủ "
                "điều kiện, lãnh đạo từ chối giải quyết (nêu rõ lý do).",
                code="already_received",
            )
        text = _reasons(reasons)
        at = clock.now()
        before = _before(d)
        _close_open_work(d, at, actor)
        d.status, d.resume_status = Status.REFUSED_RECEPTION, ""
        return _finish(
            d, "refuse_reception", actor=actor, at=at, before=before,
            event={"to_label": d.applicant_name, "opinion": text}, details={"reasons": text},
        )  # fmt: skip


# --- intake at the desk (tiếp nhận tại quầy) --------------------------------------------------

# What the desk decides about a walk-in dossier: the engine action run right after registration.
DESK_DECISIONS = ("receive", "request_supplement", "refuse_reception")


@_action
def receive_at_desk(
    *,
    actor: User,
    procedure: Procedure,
    agency: Agency,
    applicant: Mapping[str, Any],
    papers: Sequence[Any] = (),
    decision: str = "receive",
    items: Sequence[Mapping[str, Any]] = (),
    reasons: str | Sequence[str] = "",
    note: str = "",
    channel: str = Channel.DIRECT,
    desk: Desk | None = None,
    applicant_account: User | None = None,
    form_data: Mapping[str, Any] | None = None,
    result_delivery: str = Delivery.DESK,
    paper_group: str = "",
    subject: str = "",
    idempotency_key: str | None = None,
) -> Dossier:
    """Tiếp nhận hồ sơ tại quầy: register a walk-in (or postal) dossier and decide on it at once.

    The desk's one-screen intake and API clients (a kiosk, a ward's software) do the same thing
    in one call: :func:`register_at_desk`, then ``decision``, in **one transaction**:

    - ``"receive"`` (default): :func:`receive` (papers complete, result date appointed, Mẫu 01);
    - ``"request_supplement"``: :func:`request_supplement` with ``items`` and ``note`` (Mẫu 02);
    - ``"refuse_reception"``: :func:`refuse_reception` with ``reasons`` (Mẫu 03).

    Each step keeps its own checks, control-sheet line, audit record and outbox event: the
    dossier's sheet reads ``register_at_desk`` then the decision, exactly as when both are called
    one after the other. If the decision is refused (papers missing, no reasons, …) nothing is
    left: no dossier, no code used, no stored scan. ``idempotency_key`` as for
    :func:`register_at_desk`: the same key by the same official returns the first dossier,
    unchanged (whatever its state now); by anyone else it is refused.

    Files: the scans are written to storage inside the transaction (the papers' rows name them,
    and :func:`receive` reads those rows to check completeness) and deleted again if the
    transaction does not commit. The transaction is ``durable``: this action must be the
    outermost transaction, so leaving the ``with`` block without an exception means the rows are
    committed, and any exception (the decision refused, the commit itself failing) is seen here,
    where the files are removed. Called inside a caller's ``transaction.atomic()`` it raises
    ``RuntimeError`` instead of leaving files behind a later rollback that it could not see.
    Storing the files after the commit (``transaction.on_commit``) was not chosen: a dossier
    whose receipt is already printed could then lose its scans to a failed write, which breaks
    "a request that was acknowledged is on disk".
    """
    if decision not in DESK_DECISIONS:
        raise invalid(
            {"decision": ["Quyết định tại quầy phải là tiếp nhận, yêu cầu bổ sung hoặc từ chối."]}
        )
    if channel not in (Channel.DIRECT, Channel.POSTAL):
        raise invalid(
            {"channel": ["Tại Bộ phận Một cửa chỉ đăng ký hồ sơ trực tiếp hoặc qua bưu chính."]}
        )
    if not permissions.can_register_at_desk(actor, agency):
        raise _deny("register_at_desk")
    key = (idempotency_key or "").strip() or None
    if key is not None and len(key) <= 200:  # a longer key is refused by registration
        existing = _existing(key, actor)
        if existing is not None:
            return existing
    # The decision's own inputs, before a file is stored (its action checks them again).
    workflow.check_inputs(decision, {"items": items, "reasons": reasons})
    stored: list[str] = []
    try:
        with transaction.atomic(durable=True):
            d = register_at_desk(
                actor=actor, procedure=procedure, agency=agency, applicant=applicant,
                channel=channel, desk=desk, applicant_account=applicant_account,
                form_data=form_data, papers=papers, result_delivery=result_delivery,
                paper_group=paper_group, subject=subject, idempotency_key=key,
            )  # fmt: skip
            if getattr(d, "_replayed", False):
                # A twin with the same key committed first (the unique key caught it).
                return d
            stored.extend(d.papers.values_list("file", flat=True))
            version = d.version
            if decision == "receive":
                d = receive(actor=actor, dossier=d, expected_version=version, note=note)
            elif decision == "request_supplement":
                d = request_supplement(
                    actor=actor, dossier=d, expected_version=version, items=items, note=note
                )
            else:
                d = refuse_reception(actor=actor, dossier=d, expected_version=version,
                                     reasons=reasons)  # fmt: skip
    except BaseException:
        _discard(stored)
        raise
    return d


# --- processing --------------------------------------------------------------------------------


@_action
def forward(
    *, actor: User, dossier: Dossier, expected_version: int, assignee: User | None = None,
    note: str = "",
) -> Dossier:  # fmt: skip
    """Chuyển hồ sơ đến bộ phận giải quyết: the first step of the internal process starts.

    Paper dossiers must go the same working day, or the next morning when received after 15:00
    (Decree 61/2018 Art. 18); the control sheet marks the hand-over early, on time or late.
    """
    with transaction.atomic():
        d, _ = _begin("forward", actor=actor, dossier=dossier, expected_version=expected_version)
        at = clock.now()
        before = _before(d)
        entry = d.process[0]
        step = _start_step(d, entry, at, None, actor)
        _check_assignee(d, assignee)
        if assignee is not None:
            step.assignee, step.assigned_by, step.assigned_at = assignee, actor, at
            step.save(update_fields=["assignee", "assigned_by", "assigned_at"])
        due = timing.forward_due(d.agency, d.received_at, d.paper)
        d.forwarded_at = at
        d.status = Status.PROCESSING
        return _finish(
            d,
            "forward",
            actor=actor,
            at=at,
            before=before,
            event={
                "from_user": actor,
                "from_agency": d.agency,
                "to_user": assignee,
                "to_agency": step.agency,
                "to_label": _step_target_label(entry, assignee),
                "opinion": note,
                "timing": timing.timing(at, due),
                "data": {"forward_due": _iso(due)},
            },
            details={"forward_due": _iso(due)},
        )


def _assign(name: str, *, actor, dossier, expected_version, assignee, reason) -> Dossier:
    with transaction.atomic():
        d, _ = _begin(name, actor=actor, dossier=dossier, expected_version=expected_version)
        workflow.check_inputs(name, {"assignee": assignee, "reason": reason})
        step = d.current_step
        if step is None or step.finished_at is not None:
            raise DossierStateError(
                "Hồ sơ đang chờ phê duyệt, không có bước xử lý nào để phân công."
            )
        if name == "assign" and step.assignee_id is not None:
            raise DossierStateError(
                f"Bước «{step.name}» đã phân công cho {_label(step.assignee)}; dùng «phân công "
                "lại» và nêu lý do.",
                code="already_assigned",
            )
        _check_assignee(d, assignee)
        at = clock.now()
        before = _before(d)
        previous = step.assignee
        step.assignee, step.assigned_by, step.assigned_at = assignee, actor, at
        step.save(update_fields=["assignee", "assigned_by", "assigned_at"])
        return _finish(
            d,
            name,
            actor=actor,
            at=at,
            before=before,
            event={
                "from_user": previous,
                "to_user": assignee,
                "to_agency": step.agency,
                "to_label": _label(assignee),
                "opinion": reason or "",
            },
            details={"assignee": assignee.get_username(), "reason": reason or ""},
        )


@_action
def assign(*, actor: User, dossier: Dossier, expected_version: int, assignee: User) -> Dossier:
    """Phân công: the unit head gives the current step to an official holding its role."""
    return _assign(
        "assign", actor=actor, dossier=dossier, expected_version=expected_version,
        assignee=assignee, reason="",
    )  # fmt: skip


@_action
def reassign(
    *, actor: User, dossier: Dossier, expected_version: int, assignee: User, reason: str
) -> Dossier:
    """Phân công lại, with the reason."""
    return _assign(
        "reassign", actor=actor, dossier=dossier, expected_version=expected_version,
        assignee=assignee, reason=_text(reason, "reason", "lý do phân công lại"),
    )  # fmt: skip


@_action
def complete_step(
    *,
    actor: User,
    dossier: Dossier,
    expected_version: int,
    opinion: str,
    next_assignee: User | None = None,
) -> Dossier:
    """Hoàn thành bước xử lý, with the handler's opinion; the next step starts (or the decision)."""
    with transaction.atomic():
        d, _ = _begin(
            "complete_step", actor=actor, dossier=dossier, expected_version=expected_version
        )
        text = _text(opinion, "opinion", "ý kiến xử lý")
        at = clock.now()
        before = _before(d)
        step = d.current_step
        step.finished_at, step.finished_by = at, actor
        step.outcome, step.opinion = StepAssignment.Outcome.DONE, text
        step.timing = timing.timing(at, step.due_at)
        fastsql.update(step, ["finished_at", "finished_by", "outcome", "opinion", "timing"])
        entry = _process_entry(d, step.position, +1)
        event = {
            "step_position": step.position,
            "from_user": actor,
            "from_agency": step.agency,
            "opinion": text,
            "timing": step.timing,
            "data": {"step_due": _iso(step.due_at)},
        }
        if entry is None:
            if next_assignee is not None:
                raise invalid(
                    {"next_assignee": ["Đây là bước cuối: hồ sơ chuyển lãnh đạo phê duyệt."]}
                )
            d.status = Status.PENDING_DECISION
            event.update(to_agency=step.agency, to_label="Lãnh đạo phê duyệt")
        else:
            new = _start_step(d, entry, at, None, actor)
            _check_assignee(d, next_assignee, "next_assignee")
            if next_assignee is not None:
                new.assignee, new.assigned_by, new.assigned_at = next_assignee, actor, at
                new.save(update_fields=["assignee", "assigned_by", "assigned_at"])
            event.update(
                to_user=next_assignee,
                to_agency=new.agency,
                to_label=_step_target_label(entry, next_assignee),
            )
        return _finish(
            d, "complete_step", actor=actor, at=at, before=before, event=event,
            details={"step": step.position, "opinion": text, "timing": step.timing},
        )  # fmt: skip


@_action
def return_to_previous_step(
    *, actor: User, dossier: Dossier, expected_version: int, reason: str
) -> Dossier:
    """Trả lại bước trước, with the reason; the previous step's handler gets it back."""
    with transaction.atomic():
        d, _ = _begin(
            "return_to_previous_step",
            actor=actor,
            dossier=dossier,
            expected_version=expected_version,
        )
        text = _text(reason, "reason", "lý do trả lại")
        step = d.current_step
        if d.status == Status.PENDING_DECISION:
            entry = _process_entry(d, step.position, 0)
        else:
            entry = _process_entry(d, step.position, -1)
            if entry is None:
                raise DossierStateError(
                    "Hồ sơ đang ở bước đầu tiên của quy trình, không có bước trước để trả lại.",
                    code="first_step",
                )
        at = clock.now()
        before = _before(d)
        if step.finished_at is None:
            step.finished_at, step.finished_by = at, actor
            step.outcome, step.opinion = StepAssignment.Outcome.RETURNED, text
            step.timing = timing.timing(at, step.due_at)
            step.save(update_fields=["finished_at", "finished_by", "outcome", "opinion", "timing"])
        last = (
            d.steps.filter(position=entry["position"], outcome=StepAssignment.Outcome.DONE)
            .order_by("-finished_at")
            .first()
        )
        back_to = last.finished_by if last else None
        new = _start_step(d, entry, at, back_to, actor)
        d.status = Status.PROCESSING
        return _finish(
            d,
            "return_to_previous_step",
            actor=actor,
            at=at,
            before=before,
            event={
                "step_position": new.position,
                "from_user": actor,
                "from_agency": step.agency,
                "to_user": back_to,
                "to_agency": new.agency,
                "to_label": _step_target_label(entry, back_to),
                "opinion": text,
            },
            details={"to_step": new.position, "reason": text},
        )


def _part_deadline(
    working_days: Any, working_hours: Any, default_days: int | None
) -> tuple[str, Decimal]:
    if working_days not in (None, "") and working_hours not in (None, ""):
        raise ValidationError("Chỉ ghi một trong hai: số ngày làm việc hoặc số giờ làm việc.")
    unit, value = (
        (DeadlineUnit.WORKING_HOURS, working_hours)
        if working_hours not in (None, "")
        else (
            DeadlineUnit.WORKING_DAYS,
            working_days if working_days not in (None, "") else default_days,
        )
    )
    try:
        amount = Decimal(str(value))
    except Exception:  # noqa: BLE001 - any unparsable number
        amount = Decimal(-1)
    if value is None or amount <= 0 or amount > 365:
        raise invalid(
            {"deadline": ["Thời hạn phải là số ngày (hoặc giờ) làm việc lớn hơn 0."]},
            code="invalid_deadline",
        )
    return unit, amount


@_action
def consult(
    *,
    actor: User,
    dossier: Dossier,
    expected_version: int,
    agency: Agency,
    question: str,
    working_days: int | None = None,
    working_hours: int | None = None,
    pause: bool | None = None,
) -> Dossier:
    """Lấy ý kiến cơ quan khác, with its own deadline (default 5 working days).

    ``pause``: whether the dossier's deadline stops while waiting (default: the procedure's
    rule, which defaults to no).
    """
    with transaction.atomic():
        d, _ = _begin("consult", actor=actor, dossier=dossier, expected_version=expected_version)
        workflow.check_inputs("consult", {"agency": agency, "question": question})
        text = _text(question, "question", "nội dung xin ý kiến")
        own = permissions.processing_agency(d)
        if agency.pk == own.pk:
            raise invalid({"agency": ["Lấy ý kiến một cơ quan khác với cơ quan đang giải quyết."]})
        unit, amount = _part_deadline(
            working_days, working_hours, codes.rule("consultation_working_days")
        )
        pauses = _rules(d).consultation_pauses_deadline if pause is None else bool(pause)
        at = clock.now()
        before = _before(d)
        batch = (d.participations.aggregate(n=Max("batch"))["n"] or 0) + 1
        part = Participation.objects.create(
            dossier=d, kind=Participation.Kind.CONSULTATION, batch=batch, position=1,
            agency=agency, task=text, deadline_unit=unit, deadline_amount=amount,
            pauses_deadline=pauses, state=Participation.State.ACTIVE, requested_by=actor,
            requested_at=at, started_at=at, due_at=timing.part_due(agency, at, unit, amount),
        )  # fmt: skip
        if pauses:
            _pause(d, DossierPause.Kind.CONSULTATION, at, f"Chờ ý kiến {agency.name}", part)
        return _finish(
            d,
            "consult",
            actor=actor,
            at=at,
            before=before,
            event={
                "from_user": actor,
                "from_agency": own,
                "to_agency": agency,
                "to_label": agency.name,
                "opinion": text,
                "data": {"participation_id": part.pk, "due": _iso(part.due_at), "pause": pauses},
            },
            details={"agency": agency.code, "due": _iso(part.due_at), "pause": pauses},
        )


@_action
def answer_consultation(
    *,
    actor: User,
    dossier: Dossier,
    expected_version: int,
    participation: Participation | int,
    opinion: str,
) -> Dossier:
    """Trả lời xin ý kiến, by an official of the consulted agency."""
    with transaction.atomic():
        d, part = _begin(
            "answer_consultation",
            actor=actor,
            dossier=dossier,
            expected_version=expected_version,
            participation=participation,
        )
        if part.kind != Participation.Kind.CONSULTATION or part.state != Participation.State.ACTIVE:
            raise DossierStateError("Yêu cầu xin ý kiến này đã được trả lời hoặc đã hủy.")
        text = _text(opinion, "opinion", "ý kiến")
        at = clock.now()
        before = _before(d)
        part.state, part.finished_at, part.answered_by, part.opinion = (
            Participation.State.DONE, at, actor, text,
        )  # fmt: skip
        part.timing = timing.timing(at, part.due_at)
        part.save()
        if part.pauses_deadline:
            _end_pauses(d, at, participation=part)
            _refresh_deadlines(
                d, at, kind=DueDateChange.Kind.PAUSE, actor=actor,
                reason=f"Tạm dừng chờ ý kiến {part.agency.name}",
            )  # fmt: skip
        return _finish(
            d,
            "answer_consultation",
            actor=actor,
            at=at,
            before=before,
            event={
                "from_user": actor,
                "from_agency": part.agency,
                "to_agency": permissions.processing_agency(d),
                "opinion": text,
                "timing": part.timing,
                "data": {"participation_id": part.pk},
            },
            details={"agency": part.agency.code, "timing": part.timing},
        )


@_action
def transfer_inter_agency(
    *,
    actor: User,
    dossier: Dossier,
    expected_version: int,
    mode: str,
    parts: Sequence[Mapping[str, Any]],
    note: str = "",
) -> Dossier:
    """Chuyển liên thông: other agencies each do their part, in sequence or in parallel.

    ``parts``: ``{"agency": Agency, "task": str, "working_days": n}`` (or ``working_hours``).
    Sequential parts start one after another, each with its deadline from when it starts;
    parallel parts start together. When all are done the dossier comes back to the current step.
    """
    with transaction.atomic():
        d, _ = _begin(
            "transfer_inter_agency", actor=actor, dossier=dossier, expected_version=expected_version
        )
        workflow.check_inputs("transfer_inter_agency", {"mode": mode, "parts": parts})
        kinds = {
            "sequential": Participation.Kind.SEQUENTIAL,
            "parallel": Participation.Kind.PARALLEL,
        }
        if mode not in kinds:
            raise invalid(
                {
                    "mode": [
                        "Hình thức liên thông là sequential (tuần tự) hoặc parallel (song song)."
                    ]
                }
            )
        own = permissions.processing_agency(d)
        errors, clean, seen = [], [], set()
        for i, item in enumerate(parts):
            agency = item.get("agency")
            if not isinstance(agency, Agency):
                errors.append(f"Cơ quan {i + 1}: không tìm thấy cơ quan.")
                continue
            if agency.pk == own.pk or agency.pk in seen:
                errors.append(
                    f"Cơ quan {i + 1}: {agency.name} trùng với cơ quan khác trong danh sách hoặc với cơ quan đang giải quyết."
                )
                continue
            seen.add(agency.pk)
            task = " ".join(str(item.get("task") or "").split())
            if not task:
                errors.append(f"Cơ quan {i + 1}: cần ghi phần việc của {agency.name}.")
                continue
            try:
                unit, amount = _part_deadline(
                    item.get("working_days"), item.get("working_hours"), None
                )
            except ValidationError:
                errors.append(
                    f"Cơ quan {i + 1}: thời hạn phải là số ngày (hoặc giờ) làm việc lớn hơn 0."
                )
                continue
            clean.append((agency, task, unit, amount))
        if errors:
            raise invalid({"parts": errors}, code="invalid_parts")
        at = clock.now()
        before = _before(d)
        batch = (d.participations.aggregate(n=Max("batch"))["n"] or 0) + 1
        created = []
        for position, (agency, task, unit, amount) in enumerate(clean, start=1):
            active = mode == "parallel" or position == 1
            created.append(
                Participation.objects.create(
                    dossier=d, kind=kinds[mode], batch=batch, position=position, agency=agency,
                    task=task, deadline_unit=unit, deadline_amount=amount,
                    state=Participation.State.ACTIVE if active else Participation.State.WAITING,
                    requested_by=actor, requested_at=at, started_at=at if active else None,
                    due_at=timing.part_due(agency, at, unit, amount) if active else None,
                )
            )  # fmt: skip
        d.resume_status, d.status = d.status, Status.INTER_AGENCY
        first = created[0]
        return _finish(
            d,
            "transfer_inter_agency",
            actor=actor,
            at=at,
            before=before,
            event={
                "from_user": actor,
                "from_agency": own,
                "to_agency": first.agency,
                "to_label": ", ".join(p.agency.name for p in created if p.state == Participation.State.ACTIVE),
                "opinion": note,
                "data": {
                    "mode": mode,
                    "parts": [
                        {"id": p.pk, "agency": p.agency.code, "due": _iso(p.due_at)} for p in created
                    ],
                },
            },
            details={"mode": mode, "agencies": [p.agency.code for p in created]},
        )  # fmt: skip


@_action
def complete_participation(
    *,
    actor: User,
    dossier: Dossier,
    expected_version: int,
    participation: Participation | int,
    opinion: str,
) -> Dossier:
    """Hoàn thành phần liên thông, by an official of that agency; the next agency starts, or the
    dossier returns to the lead agency when every part is done."""
    with transaction.atomic():
        d, part = _begin(
            "complete_participation",
            actor=actor,
            dossier=dossier,
            expected_version=expected_version,
            participation=participation,
        )
        if part.kind == Participation.Kind.CONSULTATION or part.state != Participation.State.ACTIVE:
            raise DossierStateError("Phần liên thông này không còn chờ cơ quan xử lý.")
        text = _text(opinion, "opinion", "ý kiến, kết quả xử lý")
        at = clock.now()
        before = _before(d)
        part.state, part.finished_at, part.answered_by, part.opinion = (
            Participation.State.DONE, at, actor, text,
        )  # fmt: skip
        part.timing = timing.timing(at, part.due_at)
        part.save()
        batch = d.participations.filter(batch=part.batch).exclude(kind="consultation")
        nxt = batch.filter(state=Participation.State.WAITING).order_by("position").first()
        lead = permissions.processing_agency(d)
        to_agency = lead
        if nxt is not None:
            nxt.state, nxt.started_at = Participation.State.ACTIVE, at
            nxt.due_at = timing.part_due(nxt.agency, at, nxt.deadline_unit, nxt.deadline_amount)
            nxt.save(update_fields=["state", "started_at", "due_at"])
            to_agency = nxt.agency
        elif not batch.filter(state=Participation.State.ACTIVE).exists():
            d.status, d.resume_status = d.resume_status or Status.PROCESSING, ""
        return _finish(
            d,
            "complete_participation",
            actor=actor,
            at=at,
            before=before,
            event={
                "from_user": actor,
                "from_agency": part.agency,
                "to_agency": to_agency,
                "to_label": to_agency.name,
                "opinion": text,
                "timing": part.timing,
                "data": {"participation_id": part.pk, "next_id": nxt.pk if nxt else None},
            },
            details={"agency": part.agency.code, "timing": part.timing},
        )


# --- decision and result -----------------------------------------------------------------------


@_action
def approve(*, actor: User, dossier: Dossier, expected_version: int, opinion: str = "") -> Dossier:
    """Phê duyệt: the leader approves the result (at the last step, or after it)."""
    with transaction.atomic():
        d, _ = _begin("approve", actor=actor, dossier=dossier, expected_version=expected_version)
        step = d.current_step
        if d.status == Status.PROCESSING and _process_entry(d, step.position, +1) is not None:
            raise DossierStateError(
                f"Hồ sơ đang ở bước {step.position} «{step.name}», chưa qua hết các bước của quy "
                "trình nội bộ nên chưa phê duyệt được.",
                code="steps_remaining",
            )
        waiting = _ACTIVE_PARTS.all(d.pk)
        if waiting:
            names = ", ".join(p.agency.name for p in waiting)
            raise DossierStateError(f"Còn chờ ý kiến/kết quả của: {names}.", code="parts_pending")
        text = _text(opinion, "opinion", "ý kiến", required=False)
        at = clock.now()
        before = _before(d)
        event: dict[str, Any] = {"from_user": actor, "from_agency": step.agency, "opinion": text}
        if step.finished_at is None:
            step.finished_at, step.finished_by = at, actor
            step.outcome, step.opinion = StepAssignment.Outcome.DONE, text
            step.timing = timing.timing(at, step.due_at)
            step.save(update_fields=["finished_at", "finished_by", "outcome", "opinion", "timing"])
            event["timing"] = step.timing
        d.status = Status.APPROVED
        event.update(to_agency=d.agency, to_label="Phát hành kết quả")
        return _finish(d, "approve", actor=actor, at=at, before=before, event=event,
                       details={"opinion": text})  # fmt: skip


def _store_result(d: Dossier, checked: files.CheckedFile, kind: str, name: str, number: str,
                  actor: Any, at: datetime, stored: list[str]) -> ResultPaper:  # fmt: skip
    path = files.store(checked, f"dossiers/results/{d.agency.code}/{at:%Y/%m}")
    stored.append(path)
    # A new row only (``ResultPaper.save`` refuses to overwrite one), written as ``create`` would.
    result = ResultPaper(
        dossier=d, kind=kind, name=name[:500], number=number[:100], file=path,
        original_name=checked.original_name, content_type=checked.content_type, size=checked.size,
        sha256=checked.sha256, issued_at=at, issued_by=actor,
    )  # fmt: skip
    fastsql.insert(result)
    return result


@_action
def refuse_processing(
    *,
    actor: User,
    dossier: Dossier,
    expected_version: int,
    reasons: str | Sequence[str],
    letter: Any = None,
    letter_name: str = "",
) -> Dossier:
    """Từ chối giải quyết, with the reasons (and the signed letter, if given), within the deadline."""
    checked = files.check(letter, name=letter_name, field="letter") if letter is not None else None
    stored: list[str] = []
    try:
        with transaction.atomic():
            d, _ = _begin(
                "refuse_processing", actor=actor, dossier=dossier, expected_version=expected_version
            )
            if d.received_at is None:
                raise DossierStateError(
                    "Hồ sơ chưa được tiếp nhận: dùng từ chối tiếp nhận (Mẫu 03).",
                    code="not_received",
                )
            text = _reasons(reasons)
            at = clock.now()
            before = _before(d)
            _close_open_work(d, at, actor)
            d.closed_at = None  # the refusal letter still goes back to the applicant
            d.status, d.resume_status, d.finished_at = Status.REFUSED_PROCESSING, "", at
            if checked is not None:
                _store_result(d, checked, ResultPaper.Kind.REFUSAL,
                              "Văn bản từ chối giải quyết hồ sơ", "", actor, at, stored)  # fmt: skip
            return _finish(
                d, "refuse_processing", actor=actor, at=at, before=before,
                event={"from_user": actor, "to_label": d.applicant_name, "opinion": text,
                       "timing": timing.timing(at, d.due_at)},
                details={"reasons": text},
            )  # fmt: skip
    except BaseException:
        _discard(stored)
        raise


@_action
def issue_result(
    *,
    actor: User,
    dossier: Dossier,
    expected_version: int,
    file: Any,
    name: str,
    number: str = "",
    file_name: str = "",
) -> Dossier:
    """Phát hành kết quả: the result file (e-result) is stored once, never rewritten."""
    checked = files.check(file, name=file_name)
    stored: list[str] = []
    try:
        with transaction.atomic():
            d, _ = _begin(
                "issue_result", actor=actor, dossier=dossier, expected_version=expected_version
            )
            title = _text(name, "name", "tên kết quả", limit=500)
            at = clock.now()
            before = _before(d)
            result = _store_result(
                d, checked, ResultPaper.Kind.RESULT, title, number, actor, at, stored
            )
            d.status, d.finished_at = Status.RESULT_READY, at
            return _finish(
                d, "issue_result", actor=actor, at=at, before=before,
                event={"from_user": actor, "to_agency": d.agency, "to_label": "Bộ phận Một cửa",
                       "timing": timing.timing(at, d.due_at),
                       "data": {"result_id": result.pk, "sha256": result.sha256}},
                details={"result": title, "sha256": result.sha256},
            )  # fmt: skip
    except BaseException:
        _discard(stored)
        raise


@_action
def return_result(
    *,
    actor: User | None,
    dossier: Dossier,
    expected_version: int,
    via: str,
    collected_by: str = "",
    tracking_number: str = "",
    note: str = "",
) -> Dossier:
    """Trả kết quả at the desk (who collected it), by post (the tracking number) or online.

    Returning before the due date is allowed (early return, with notice to the applicant).
    """
    with transaction.atomic():
        d, _ = _begin(
            "return_result", actor=actor, dossier=dossier, expected_version=expected_version
        )
        workflow.check_inputs("return_result", {"via": via})
        if via not in Delivery.values:
            raise invalid({"via": ["Hình thức trả kết quả là desk, post hoặc online."]})
        if via == Delivery.DESK:
            receiver = _text(collected_by, "collected_by", "họ tên người nhận kết quả", limit=255)
        elif via == Delivery.POST:
            receiver = "Bưu chính: " + _text(
                tracking_number, "tracking_number", "số hiệu bưu gửi", limit=200
            )
        else:
            if _ONE_RESULT.get(d.pk) is None:
                raise ValidationError(
                    "Chưa có tệp kết quả điện tử để trả trực tuyến.", code="no_result"
                )
            receiver = d.applicant_name
        at = clock.now()
        before = _before(d)
        d.status, d.returned_at, d.closed_at = Status.RETURNED, at, at
        d.returned_via, d.returned_to = via, receiver[:255]
        return _finish(
            d, "return_result", actor=actor, at=at, before=before,
            event={"from_user": actor, "from_agency": d.agency, "to_label": receiver[:255],
                   "opinion": note, "timing": timing.timing(at, d.due_at),
                   "data": {"via": via}},
            details={"via": via, "timing": timing.timing(at, d.due_at)},
        )  # fmt: skip


# --- other paths -------------------------------------------------------------------------------


def _end_early(
    action: str,
    status: str,
    reason_label: str,
    *,
    actor: User,
    dossier: Dossier,
    expected_version: int,
    reason: str,
) -> Dossier:
    """Close a dossier before its result: open work is closed, the reason is recorded."""
    with transaction.atomic():
        d, _ = _begin(action, actor=actor, dossier=dossier, expected_version=expected_version)
        text = _text(reason, "reason", reason_label)
        at = clock.now()
        before = _before(d)
        _close_open_work(d, at, actor)
        d.status, d.resume_status = status, ""
        return _finish(d, action, actor=actor, at=at, before=before,
                       event={"from_user": actor, "opinion": text}, details={"reason": text})  # fmt: skip


@_action
def withdraw(*, actor: User, dossier: Dossier, expected_version: int, reason: str) -> Dossier:
    """Rút hồ sơ, at the applicant's request (online, or in writing at the desk)."""
    return _end_early("withdraw", Status.WITHDRAWN, "lý do rút hồ sơ", actor=actor,
                      dossier=dossier, expected_version=expected_version, reason=reason)  # fmt: skip


@_action
def stop_processing(
    *, actor: User, dossier: Dossier, expected_version: int, reason: str
) -> Dossier:
    """Dừng xử lý hồ sơ, by the agency's leader, with the reason."""
    return _end_early("stop_processing", Status.STOPPED, "lý do dừng xử lý", actor=actor,
                      dossier=dossier, expected_version=expected_version, reason=reason)  # fmt: skip


@_action
def request_financial_obligation(
    *,
    actor: User,
    dossier: Dossier,
    expected_version: int,
    amount: int,
    description: str,
) -> Dossier:
    """Yêu cầu thực hiện nghĩa vụ tài chính (tax, fee) of ``amount`` đồng; the deadline stops
    while the applicant pays, unless the procedure's rules say otherwise."""
    with transaction.atomic():
        d, _ = _begin(
            "request_financial_obligation",
            actor=actor,
            dossier=dossier,
            expected_version=expected_version,
        )
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise invalid(
                {"amount": ["Số tiền là số nguyên đồng, lớn hơn 0."]}, code="invalid_amount"
            )
        text = _text(description, "description", "nội dung nghĩa vụ tài chính")
        at = clock.now()
        before = _before(d)
        d.obligation_amount, d.obligation_paid_at = amount, None
        d.resume_status, d.status = d.status, Status.AWAITING_OBLIGATION
        if _rules(d).obligation_pauses_deadline:
            _pause(d, DossierPause.Kind.OBLIGATION, at, "Chờ thực hiện nghĩa vụ tài chính")
        return _finish(
            d, "request_financial_obligation", actor=actor, at=at, before=before,
            event={"to_label": d.applicant_name, "opinion": text, "data": {"amount": amount}},
            details={"amount": amount, "description": text},
        )  # fmt: skip


@_action
def obligation_paid(
    *,
    actor: User | None,
    dossier: Dossier,
    expected_version: int,
    reference: str,
    amount: int | None = None,
) -> Dossier:
    """Đã hoàn thành nghĩa vụ tài chính: the desk (or the payment gateway, ``actor=None``)
    confirms; processing resumes and the deadline continues."""
    with transaction.atomic():
        d, _ = _begin(
            "obligation_paid", actor=actor, dossier=dossier, expected_version=expected_version
        )
        ref = _text(reference, "reference", "số chứng từ/mã giao dịch", limit=200)
        if amount is not None and amount != d.obligation_amount:
            raise invalid(
                {"amount": [f"Số tiền đã nộp ({amount:,} đồng) khác số phải nộp "
                            f"({d.obligation_amount:,} đồng).".replace(",", ".")]},
                code="amount_mismatch",
            )  # fmt: skip
        at = clock.now()
        before = _before(d)
        d.obligation_paid_at = at
        d.status, d.resume_status = d.resume_status or Status.PROCESSING, ""
        _end_pauses(d, at, kind=DossierPause.Kind.OBLIGATION)
        _refresh_deadlines(d, at, kind=DueDateChange.Kind.PAUSE, actor=actor,
                           reason="Tạm dừng chờ thực hiện nghĩa vụ tài chính")  # fmt: skip
        return _finish(d, "obligation_paid", actor=actor, at=at, before=before,
                       event={"opinion": ref, "data": {"reference": ref}},
                       details={"reference": ref})  # fmt: skip


@_action
def propose_new_date(
    *,
    actor: User,
    dossier: Dossier,
    expected_version: int,
    new_due_at: datetime,
    reason: str,
) -> Dossier:
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04): a new date, only once per dossier.

    Due at least 1 working day before the deadline; a later apology is still recorded (and
    marked as not in time) because the applicant must be told.
    """
    with transaction.atomic():
        d, _ = _begin(
            "propose_new_date", actor=actor, dossier=dossier, expected_version=expected_version
        )
        if d.rescheduled_at is not None:
            raise DossierStateError(
                f"Hồ sơ đã được hẹn lại ngày trả kết quả một lần (ngày "
                f"{timing.deadlines.fmt(d.rescheduled_due_at)}); theo quy định chỉ được hẹn lại "
                "một lần.",
                code="new_date_once",
            )
        text = _text(reason, "reason", "lý do chậm trễ")
        if not isinstance(new_due_at, datetime) or new_due_at.tzinfo is None:
            raise invalid({"new_due_at": ["Ngày hẹn mới phải là một thời điểm có múi giờ."]})
        at = clock.now()
        if new_due_at <= max(filter(None, [d.due_at, at])):
            raise invalid(
                {"new_due_at": [f"Ngày hẹn mới phải sau hạn hiện tại ({timing.deadlines.fmt(d.due_at)})."]},
                code="invalid_date",
            )  # fmt: skip
        lead = codes.rule("apology_lead_working_days")
        in_time = timing.working_days_between(d.agency, at, d.due_at) >= lead
        before = _before(d)
        DueDateChange.objects.create(
            dossier=d, kind=DueDateChange.Kind.NEW_DATE, at=at, before=d.due_at, after=new_due_at,
            reason=text, actor=actor, issued_in_time=in_time,
        )  # fmt: skip
        d.rescheduled_at, d.rescheduled_due_at, d.due_at = at, new_due_at, new_due_at
        return _finish(
            d, "propose_new_date", actor=actor, at=at, before=before,
            event={"from_user": actor, "to_label": d.applicant_name, "opinion": text,
                   "timing": "" if in_time else "late",
                   "data": {"issued_in_time": in_time}},
            details={"new_due_at": _iso(new_due_at), "reason": text, "issued_in_time": in_time},
        )  # fmt: skip


# --- API tokens ----------------------------------------------------------------------------------

TOKEN_PREFIX = "cqt_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_token(
    *,
    actor: User,
    owner: User,
    name: str,
    agencies: Sequence[Agency] = (),
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for an integration; returns the row and the token, shown only this once."""
    if not permissions.can_manage_api_tokens(actor, owner):
        raise PermissionDenied("Bạn không có quyền cấp mã truy cập API cho tài khoản này.")
    label = _text(name, "name", "tên ứng dụng tích hợp", limit=200)
    if not owner.is_active:
        raise invalid({"owner": ["Tài khoản sở hữu đang bị khóa."]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=label, owner=owner, prefix=raw[: len(TOKEN_PREFIX) + 8],
            token_hash=hash_token(raw), created_by=actor, expires_at=expires_at,
        )  # fmt: skip
        token.agencies.set(agencies)
        audit.record(
            "dossiers.api_token.create",
            obj=token,
            changes={"owner": owner.get_username(), "agencies": [a.code for a in agencies]},
            actor=actor,
        )
    return token, raw


def revoke_api_token(*, actor: User, token: ApiToken) -> ApiToken:
    if not permissions.can_manage_api_tokens(actor, token.owner):
        raise PermissionDenied("Bạn không có quyền thu hồi mã truy cập API này.")
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = clock.now()
            token.save(update_fields=["revoked_at"])
            audit.record("dossiers.api_token.revoke", obj=token, actor=actor)
    return token


# --- per-procedure rules ---------------------------------------------------------------------


def set_procedure_rules(
    *,
    actor: User | None,
    procedure: Procedure,
    supplement_window_days: int | None = None,
    consultation_pauses_deadline: bool = False,
    obligation_pauses_deadline: bool = True,
    legal_basis: str = "",
) -> ProcedureRules:
    """How the engine applies the one-stop rules to ``procedure`` when its own law differs."""
    from chinhquyen.catalog.permissions import can_manage_catalog

    if actor is not None and not can_manage_catalog(actor):
        raise PermissionDenied("Bạn không có quyền sửa quy tắc xử lý hồ sơ của thủ tục.")
    if supplement_window_days is not None and not 1 <= supplement_window_days <= 60:
        raise invalid(
            {"supplement_window_days": ["Hạn yêu cầu bổ sung từ 1 đến 60 ngày làm việc."]}
        )
    with transaction.atomic():
        rules, _ = ProcedureRules.objects.select_for_update().get_or_create(procedure=procedure)
        before = {
            "supplement_window_days": rules.supplement_window_days,
            "consultation_pauses_deadline": rules.consultation_pauses_deadline,
            "obligation_pauses_deadline": rules.obligation_pauses_deadline,
            "legal_basis": rules.legal_basis,
        }
        after = {
            "supplement_window_days": supplement_window_days,
            "consultation_pauses_deadline": bool(consultation_pauses_deadline),
            "obligation_pauses_deadline": bool(obligation_pauses_deadline),
            "legal_basis": legal_basis.strip()[:500],
        }
        for key, value in after.items():
            setattr(rules, key, value)
        rules.save()
        changes = audit.diff(before, after)
        if changes:
            audit.record("dossiers.procedure_rules", obj=rules, changes=changes, actor=actor)
    return rules
