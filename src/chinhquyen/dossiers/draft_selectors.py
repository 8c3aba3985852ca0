"""Read side of online applications in progress: a citizen's drafts, the upload slots of a
draft, who the citizen may apply for, and the expected result date shown after submission."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet

from chinhquyen.accounts.selectors import applicants_for
from chinhquyen.catalog import selectors as catalog_selectors
from chinhquyen.catalog.models import Channel, PaperKind, RequiredPaper
from chinhquyen.dossiers import drafts, timing
from chinhquyen.dossiers.models import Dossier, DossierDraft, DraftPaper


def open_drafts(user: Any) -> QuerySet[DossierDraft]:
    """The account's drafts not yet submitted (hồ sơ lưu tạm), most recently changed first."""
    if not getattr(user, "is_authenticated", False):
        return DossierDraft.objects.none()
    return (
        DossierDraft.objects.filter(owner=user, dossier__isnull=True)
        .select_related("procedure", "agency")
        .order_by("-updated_at", "-id")
    )


def get_draft(user: Any, public_id: Any) -> DossierDraft | None:
    """One of the account's own drafts (submitted or not); ``None`` for anyone else's."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        value = public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
    except (TypeError, ValueError):
        return None
    return (
        DossierDraft.objects.filter(owner=user, public_id=value)
        .select_related("procedure", "agency", "dossier", "dossier__agency")
        .prefetch_related(
            Prefetch("papers", queryset=DraftPaper.objects.select_related("required_paper"))
        )
        .first()
    )


@dataclass
class PaperSlot:
    """One required paper of the procedure and the files already uploaded for it."""

    paper: RequiredPaper
    files: list[DraftPaper] = field(default_factory=list)
    missing: bool = False


PRESENT_HEADING = "Giấy tờ xuất trình"


def paper_slots(draft: DossierDraft) -> list[tuple[str, list[PaperSlot]]]:
    """Upload slots grouped by case (trường hợp): the common papers, then each group; with a
    case chosen, only that case's papers besides the common ones.

    Papers to present (xuất trình) come last under :data:`PRESENT_HEADING`: the citizen may
    upload a copy, but they are never required online — the clerk sees the original when the
    citizen comes for the result. Notes (lưu ý) get no slot (:func:`paper_notes`).
    """
    chosen = (draft.data or {}).get("paper_group", "")
    uploaded: dict[int, list[DraftPaper]] = {}
    for item in draft.papers.all():
        uploaded.setdefault(item.required_paper_id, []).append(item)
    missing = {p.pk for p in drafts.missing_papers(draft)}
    groups: list[tuple[str, list[PaperSlot]]] = []
    present: list[PaperSlot] = []
    for paper in draft.procedure.papers.order_by("position", "id"):
        if paper.kind == PaperKind.NOTE or (chosen and paper.group and paper.group != chosen):
            continue
        slot = PaperSlot(paper, uploaded.get(paper.pk, []), paper.pk in missing)
        if paper.kind == PaperKind.PRESENT:
            present.append(slot)
            continue
        if not groups or groups[-1][0] != paper.group:
            groups.append((paper.group, []))
        groups[-1][1].append(slot)
    if present:
        groups.append((PRESENT_HEADING, present))
    return groups


def paper_notes(draft: DossierDraft) -> list[RequiredPaper]:
    """The procedure's notes (lưu ý) for the chosen case: shown as guidance, never uploaded."""
    chosen = (draft.data or {}).get("paper_group", "")
    return [
        p
        for p in draft.procedure.papers.filter(kind=PaperKind.NOTE).order_by("position", "id")
        if not (chosen and p.group and p.group != chosen)
    ]


def paper_groups(draft: DossierDraft) -> list[str]:
    """The cases (trường hợp) of the procedure's papers, in catalog order."""
    seen: list[str] = []
    papers = draft.procedure.papers.exclude(kind=PaperKind.NOTE).order_by("position")
    for group in papers.values_list("group", flat=True):
        if group and group not in seen:
            seen.append(group)
    return seen


@dataclass(frozen=True)
class ApplicantChoice:
    """Someone the citizen may apply for: themselves, or a person or organisation they represent."""

    key: str
    label: str
    values: dict[str, str]


def applicant_choices(user: Any) -> list[ApplicantChoice]:
    """Myself first, then each person or organisation the account applies for
    (:func:`chinhquyen.accounts.selectors.applicants_for`)."""
    return [
        ApplicantChoice(
            str(item["id"]),
            str(item.get("label") or item["name"]),
            {name: str(item.get(name) or "") for name in drafts.APPLICANT_FIELDS},
        )
        for item in applicants_for(user)
    ]


def expected_result_date(dossier: Dossier) -> datetime | None:
    """When the result is due if the desk receives the dossier on the next working day.

    Computed as the engine will compute it on reception (:func:`timing.procedure_deadline` and
    :func:`timing.compute` with the receiving agency's calendar), starting from the opening of the
    first working day after submission. ``None`` when the procedure has no computable time.
    """
    if dossier.due_at is not None:
        return dossier.due_at
    with timing.one_calendar_read():
        try:
            local = dossier.submitted_at.astimezone(timing.TZ)
            midnight = datetime(local.year, local.month, local.day, tzinfo=timing.TZ)
            reception = timing.next_working_moment(dossier.agency, midnight + timedelta(days=1))
            steps = catalog_selectors.process_for(dossier.procedure, dossier.agency)
            process = [{"allowance_hours": str(s.allowance_hours)} for s in steps]
            unit, amount = timing.procedure_deadline(dossier.procedure, Channel.ONLINE, process)
            return timing.compute(timing.calendar(dossier.agency), reception, unit, amount)
        except ValidationError:
            return None
