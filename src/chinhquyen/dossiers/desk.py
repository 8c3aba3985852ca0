"""Read side of the one-stop desk (Bộ phận Một cửa): what the desk screens ask.

- :func:`intake_agencies`: the agencies whose desk an official works at (intake officer role);
- :func:`procedures_for_desk`: the catalog search (the one search of the portal, desk and API),
  narrowed to the procedures an agency handles;
- :func:`applicant_lookup`: prefill the applicant from an account or from an earlier dossier of
  the same agency, by identity number (CCCD) or phone number;
- :func:`returns_due`: results waiting at the desk (appointment today or overdue, or all);
- :func:`book_rows`: the lines of the tracking book (sổ theo dõi hồ sơ, Mẫu 06) of a period,
  streamed and numbered like the printed book.

Nothing here writes; every change goes through :mod:`chinhquyen.dossiers.services`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from chinhquyen.accounts import permissions as accounts
from chinhquyen.accounts.models import Role, User
from chinhquyen.catalog import search
from chinhquyen.catalog.models import Channel, Procedure, ProcedureAgency, ProcedureChannel
from chinhquyen.dossiers import permissions, timing
from chinhquyen.dossiers.models import ApplicantKind, Dossier, DueDateChange, Status
from chinhquyen.lib import cccd, phone
from chinhquyen.organizations.models import Agency, Desk
from chinhquyen.organizations.selectors import agency_subtree_ids

# Results that wait at the desk to be handed back (national status 9).
WAITING_AT_DESK = (Status.RESULT_READY, Status.REFUSED_PROCESSING)
BOOK_DEFER = ("form_data", "procedure__search_name", "procedure__search_body")


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timing.TZ)


# --- who works at which desk --------------------------------------------------------------------


def intake_agency_ids(user: Any) -> set[int]:
    """Agencies where ``user`` receives dossiers (intake officer, directly or for a subtree)."""
    ids: set[int] = set()
    for assignment in accounts.roles_of(user):
        if assignment.role != Role.INTAKE_OFFICER:
            continue
        if assignment.include_children:
            ids |= agency_subtree_ids(assignment.agency)
        else:
            ids.add(assignment.agency_id)
    limit = permissions.token_agency_ids(user)
    return ids if limit is None else ids & limit


def intake_agencies(user: Any) -> list[Agency]:
    """The agencies of :func:`intake_agency_ids`, active ones, by name."""
    ids = intake_agency_ids(user)
    if not ids:
        return []
    return list(Agency.objects.filter(pk__in=ids, is_active=True).order_by("name"))


def desks_of(agency: Agency) -> list[Desk]:
    return list(agency.desks.filter(is_active=True).order_by("id"))


# --- procedures -------------------------------------------------------------------------------


def _handled_by(agency: Agency, ids: list[int]) -> set[int]:
    """Of ``ids``, the procedures ``agency`` may receive: linked to it, or linked to no agency
    (the same rule as ``services._check_procedure``)."""
    links: dict[int, set[int]] = {}
    for pid, aid in ProcedureAgency.objects.filter(procedure_id__in=ids).values_list(
        "procedure_id", "agency_id"
    ):
        links.setdefault(pid, set()).add(aid)
    return {pid for pid in ids if pid not in links or agency.pk in links[pid]}


def procedures_for_desk(agency: Agency, q: str, *, limit: int = 8) -> list[Procedure]:
    """Procedures matching ``q`` that ``agency`` receives, best first (empty for < 2 letters)."""
    text = (q or "").strip()[: search.MAX_QUERY_CHARS]
    if len(text) < 2:
        return []
    result = search.search(text, per_page=min(search.MAX_PER_PAGE, limit * 4))
    allowed = _handled_by(agency, [p.pk for p in result.items])
    return [p for p in result.items if p.pk in allowed][:limit]


def procedure_for_desk(agency: Agency, code: str) -> Procedure | None:
    """One active procedure by code, if ``agency`` receives it, with its papers and channels."""
    from chinhquyen.catalog.selectors import get_procedure

    procedure = get_procedure(code)
    if procedure is None or not _handled_by(agency, [procedure.pk]):
        return None
    return procedure


def direct_fee(procedure: Procedure, channel: str = Channel.DIRECT) -> ProcedureChannel | None:
    """The catalog row (time and fee) of ``channel``, else of the direct channel."""
    rows = list(procedure.channels.all())
    return next((c for c in rows if c.channel == channel), None) or next(
        (c for c in rows if c.channel == Channel.DIRECT), None
    )


# --- applicant lookup -------------------------------------------------------------------------


@dataclass
class ApplicantMatch:
    """Prefill values for the applicant block, and where they came from."""

    values: dict[str, str] = field(default_factory=dict)
    source: str = ""  # "account", "dossier" or "" (nothing found)
    account: User | None = None
    dossier_code: str = ""


def _from_account(user: User) -> dict[str, str]:
    business = user.kind == User.Kind.BUSINESS
    return {
        "kind": ApplicantKind.ORGANISATION if business else ApplicantKind.PERSON,
        "name": user.organization_name if business and user.organization_name else user.full_name,
        "identity_number": "" if business else (user.identity_number or ""),
        "tax_code": user.tax_code if business else "",
        "representative": user.full_name if business else "",
        "phone": user.phone or "",
        "email": user.email or "",
        "address": "",
    }


def _from_dossier(d: Dossier) -> dict[str, str]:
    return {
        "kind": d.applicant_kind,
        "name": d.applicant_name,
        "identity_number": d.applicant_identity_number,
        "tax_code": d.applicant_tax_code,
        "representative": d.applicant_representative,
        "phone": d.applicant_phone,
        "email": d.applicant_email,
        "address": d.applicant_address,
    }


def normalize_key(identity_number: str = "", phone_number: str = "") -> tuple[str, str]:
    """The identity number and phone as stored (``("", "")`` parts for what is not valid)."""
    number = ""
    if identity_number.strip():
        try:
            number = cccd.validate(identity_number)
        except cccd.InvalidIdentityNumber:
            number = ""
    tel = ""
    if phone_number.strip():
        try:
            tel = phone.normalize(phone_number)
        except phone.InvalidPhoneNumber:
            tel = ""
    return number, tel


def account_for(identity_number: str) -> User | None:
    """The active citizen/business account holding this identity number (to link a dossier)."""
    if not identity_number:
        return None
    return (
        User.objects.filter(identity_number=identity_number, is_active=True)
        .exclude(kind=User.Kind.OFFICIAL)
        .first()
    )


def applicant_lookup(
    agency: Agency, *, identity_number: str = "", phone_number: str = ""
) -> ApplicantMatch:
    """Prefill from the applicant's account (by identity number, then phone), completed by their
    latest dossier at ``agency`` (address, e-mail); or from that dossier alone.

    Only dossiers of ``agency`` are read: the desk sees its own records, not other agencies'.
    The caller checks that the official works at ``agency``.
    """
    number, tel = normalize_key(identity_number, phone_number)
    if not number and not tel:
        return ApplicantMatch()
    people = User.objects.filter(is_active=True).exclude(kind=User.Kind.OFFICIAL)
    account = None
    if number:
        account = people.filter(identity_number=number).first()
    if account is None and tel:
        account = people.filter(phone=tel).first()
    earlier = Dossier.objects.filter(agency=agency)
    earlier = earlier.filter(
        Q(applicant_identity_number=number) if number else Q(applicant_phone=tel)
    )
    last = earlier.order_by("-submitted_at", "-id").first()
    if account is not None:
        values = _from_account(account)
        if last is not None:
            for key, value in _from_dossier(last).items():
                values[key] = values.get(key) or value
        return ApplicantMatch(values, "account", account, last.code if last else "")
    if last is not None:
        return ApplicantMatch(_from_dossier(last), "dossier", None, last.code)
    values = {"identity_number": number, "phone": tel}
    return ApplicantMatch({k: v for k, v in values.items() if v})


# --- results to return -----------------------------------------------------------------------


def returns_due(
    user: Any, *, agency_ids: set[int] | None = None, now: datetime, everything: bool = False
) -> QuerySet[Dossier]:
    """Results waiting at the desk of the official's agencies (Trả kết quả).

    Default: those whose appointment (the current due date) is today or already past;
    ``everything``: every result waiting, also those ready before their day.
    """
    ids = intake_agency_ids(user) if agency_ids is None else agency_ids
    if not ids:
        return Dossier.objects.none()
    qs = Dossier.objects.filter(agency_id__in=ids, status__in=WAITING_AT_DESK)
    if not everything:
        tomorrow = _day_start(now.astimezone(timing.TZ).date() + timedelta(days=1))
        # A result waiting at the desk was received, so it has a due date.
        qs = qs.filter(due_at__lt=tomorrow)
    return (
        qs.select_related("procedure", "agency")
        .only(
            "code",
            "version",
            "status",
            "due_at",
            "finished_at",
            "result_delivery",
            "applicant_name",
            "applicant_identity_number",
            "applicant_representative",
            "subject",
            "agency__name",
            "agency__code",
            "procedure__name",
            "procedure__code",
        )  # fmt: skip
        .order_by("due_at", "id")
    )


# --- tracking book (Mẫu 06) ------------------------------------------------------------------


def book_agencies(user: Any) -> list[Agency]:
    """Agencies whose tracking book ``user`` may read (those in their scope)."""
    ids = permissions.visible_agency_ids(user)
    qs = Agency.objects.filter(is_active=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return list(qs.order_by("name"))


def _book_qs(agency: Agency, start: date, end: date) -> QuerySet[Dossier]:
    return Dossier.objects.filter(
        agency=agency,
        received_at__gte=_day_start(start),
        received_at__lt=_day_start(end + timedelta(days=1)),
    )


def book_count(agency: Agency, start: date, end: date) -> int:
    return _book_qs(agency, start, end).count()


def _position_before(agency: Agency, d: Dossier) -> int:
    """Dossiers before ``d`` in its agency's book of the year: the book restarts at 1 every
    year (the same numbering as the dossier's line printed on form 06)."""
    year = d.received_at.astimezone(timing.TZ).year
    return (
        Dossier.objects.filter(agency=agency, received_at__gte=_day_start(date(year, 1, 1)))
        .filter(Q(received_at__lt=d.received_at) | Q(received_at=d.received_at, pk__lt=d.pk))
        .count()
    )


def book_rows(
    agency: Agency, start: date, end: date, *, offset: int = 0, limit: int | None = None
) -> Iterator[dict[str, Any]]:
    """Lines of the tracking book for ``start``–``end`` (reception dates, Vietnam time), in
    reception order, with the columns of Mẫu 06. Streams from the database (exports of a
    whole year do not load it into memory at once)."""
    appointed = DueDateChange.objects.filter(
        dossier=OuterRef("pk"),
        kind__in=(DueDateChange.Kind.APPOINTED, DueDateChange.Kind.RESTARTED),
    ).order_by("-at", "-pk")
    qs = _book_qs(agency, start, end)
    if limit is not None:
        # One page: its ids first (the index alone), so that the appointment subquery runs
        # for these lines only, not for every line the database sorts before the offset.
        ids = list(
            qs.order_by("received_at", "id").values_list("id", flat=True)[offset : offset + limit]
        )
        qs = Dossier.objects.filter(pk__in=ids)
    elif offset:
        qs = qs.order_by("received_at", "id")[offset:]
    qs = (
        qs.select_related("procedure")
        .defer(*BOOK_DEFER)
        .annotate(appointment=Subquery(appointed.values("after")[:1]))
        .order_by("received_at", "id")
    )
    numbers: dict[int, int] = {}
    names: dict[int, str] = {}
    for d in qs.iterator(chunk_size=2000):
        year = d.received_at.astimezone(timing.TZ).year
        if year not in numbers:
            numbers[year] = _position_before(agency, d)
        numbers[year] += 1
        yield _book_row(agency, d, numbers[year], names)


def _book_row(agency: Agency, d: Dossier, number: int, names: dict[int, str]) -> dict[str, Any]:
    lead_ids = [e["agency_id"] for e in d.process or [] if e.get("agency_id")]
    missing = [i for i in lead_ids if i not in names]
    if missing:
        names.update(Agency.objects.filter(pk__in=missing).values_list("pk", "name"))
    leads = list(dict.fromkeys(names[i] for i in lead_ids if names.get(i)))
    finished = d.finished_at if d.status in (
        Status.RESULT_READY, Status.RETURNED, Status.REFUSED_PROCESSING
    ) else None  # fmt: skip
    return {
        "number": number,
        "code": d.code,
        "procedure": d.procedure.name,
        "sets": 1,
        "applicant": d.applicant_name,
        "address": d.applicant_address,
        "phone": phone.mask(d.applicant_phone) if d.applicant_phone else "",
        "lead_agency": "; ".join(leads) or agency.name,
        "received_at": d.received_at,
        "due_at": d.appointment or d.due_at or d.received_at,
        "forwarded_at": d.forwarded_at,
        "result_received_at": finished,
        "returned_at": d.returned_at,
        "returned_to": d.returned_to,
        "note": _note(d),
        "status": d.get_status_display(),
    }


def _note(d: Dossier) -> str:
    from chinhquyen.dossiers.regulations.formatting import short_date

    notes = []
    if d.rescheduled_due_at is not None:
        notes.append(f"Hẹn lại {short_date(d.rescheduled_due_at)}")
    if d.status in (
        Status.AWAITING_SUPPLEMENT, Status.WITHDRAWN, Status.STOPPED,
        Status.REFUSED_PROCESSING, Status.AWAITING_OBLIGATION,
    ):  # fmt: skip
        notes.append(Status(d.status).label)
    return "; ".join(notes)
