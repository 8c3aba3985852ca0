"""The mandated one-stop forms of real dossiers (Mẫu 01–06, Circular 01/2018/TT-VPCP), as PDF.

This module reads a dossier's own records (its events, due-date history, supplement requests,
papers), builds the plain context each form of the regulation pack expects (see
:mod:`chinhquyen.dossiers.regulations.contexts` and docs/forms.md), picks the pack in force on the
day the dossier was received, checks who may download the form, and renders it::

    from chinhquyen.dossiers import forms

    pdf = forms.render_form(dossier=d, form_code="01", user=user, base_url="https://dvc.example.vn")
    pdf = forms.render_form(form_code="06", user=user, base_url="https://dvc.example.vn",
                            agency=ward, period=(date(2026, 11, 1), date(2026, 11, 30)))

=====  ==========================================  ======================================
Form   Built from                                  Available when
=====  ==========================================  ======================================
01     reception (event ``receive``), appointment  the dossier has been received
       (``DueDateChange`` appointed/restarted),
       papers handed in by then
02     the latest ``SupplementRequest``            a supplement has been requested
03     the ``refuse_reception`` event              reception was refused
04     the ``DueDateChange`` of kind ``new_date``  an apology with a new date was issued
05     every hand-over in the event history        at least one hand-over (the reception)
06     the agency's dossiers received in a period  always (the book may be empty)
=====  ==========================================  ======================================

Who may download: the applicant's own account forms 01–04 of their dossier; officials who see the
dossier through their agencies (receiving, processing, taking part, or above them) forms 01–05;
form 06 only officials whose scope includes the agency, and the province administrator.

Errors are the engine's: :class:`~django.core.exceptions.PermissionDenied`,
:class:`~chinhquyen.dossiers.errors.DossierStateError` (code ``form_not_available``: the dossier has
no such document yet) and :class:`~django.core.exceptions.ValidationError` (bad arguments).
Nothing here writes to the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from chinhquyen.accounts.models import Role, RoleAssignment
from chinhquyen.catalog.models import Channel
from chinhquyen.dossiers import clock, codes, permissions, regulations, selectors, timing
from chinhquyen.dossiers.errors import DossierStateError, invalid
from chinhquyen.dossiers.models import (
    DeadlineUnit,
    Delivery,
    Dossier,
    DossierEvent,
    DueDateChange,
    Participation,
    Status,
    Timing,
)
from chinhquyen.dossiers.regulations.formatting import short_date, short_datetime
from chinhquyen.organizations.models import Agency

DOSSIER_FORMS = ("01", "02", "03", "04", "05")
BOOK_FORM = "06"
ALL_FORMS = (*DOSSIER_FORMS, BOOK_FORM)
# What the applicant's own account may download; the control sheet and the book are internal.
APPLICANT_FORMS = frozenset({"01", "02", "03", "04"})
# Forms that print the applicant's phone number: printed masked (09******78). The applicant knows
# their own number, and the PDF is a file that may be forwarded, stored or printed twice. Forms 04
# and 05 do not print it; the tracking book (06) masks it itself.
PHONE_FORMS = frozenset({"01", "02", "03"})
# Setting-free relative paths, joined with the caller's base URL (the site the form points to).
LOOKUP_PATH = "/tra-cuu/"
BOOK_PATH = "/so-theo-doi"
MAX_BOOK_DAYS = 366
# Printed where the records hold nothing, so the line can be filled in by hand.
BLANK = "……………………………"
BLANK_NAME = "……………………"
APPLICANT_UNIT = "Cá nhân, tổ chức nộp hồ sơ"

NOT_AVAILABLE = "form_not_available"


@dataclass(frozen=True)
class Period:
    """Both ends included, in Vietnam dates."""

    start: date
    end: date


# --- public entry points -----------------------------------------------------------------------


def render_form(
    *,
    dossier: Dossier | None = None,
    form_code: str,
    user: Any,
    base_url: str,
    agency: Agency | None = None,
    period: Period | tuple[date, date] | None = None,
) -> bytes:
    """Form ``form_code`` as PDF bytes, after checking that ``user`` may download it.

    01–05 need ``dossier``; 06 needs ``agency`` and ``period`` (``(start, end)`` dates, both
    included). ``base_url`` (``https://dvc.example.vn``) prefixes the links printed as QR codes.
    """
    code = _form_code(form_code)
    if code == BOOK_FORM:
        if not can_download_book(user):
            raise PermissionDenied(
                "Sổ theo dõi hồ sơ (Mẫu 06) chỉ dành cho cán bộ của cơ quan tiếp nhận."
            )
        if agency is None:
            raise invalid({"agency": ["Cần chọn cơ quan của Sổ theo dõi hồ sơ."]}, code="required")
        if not can_download_book(user, agency):
            raise PermissionDenied(
                f"Bạn không có quyền tải Sổ theo dõi hồ sơ của {agency.name}: sổ chỉ dành cho cán "
                "bộ của cơ quan đó và cấp trên."
            )
    else:
        if dossier is None:
            raise invalid({"dossier": ["Cần chọn hồ sơ."]}, code="required")
        _check_dossier_access(user, dossier, code)
    context = build_context(
        form_code=code, dossier=dossier, base_url=base_url, agency=agency, period=period
    )
    day = (
        _period(period).start
        if code == BOOK_FORM
        else (dossier.received_at or dossier.submitted_at)
    )
    return _render(code, context, pack_for(day))


def build_context(
    *,
    form_code: str,
    dossier: Dossier | None = None,
    base_url: str,
    agency: Agency | None = None,
    period: Period | tuple[date, date] | None = None,
) -> dict[str, Any]:
    """The context of form ``form_code``, without any permission check (previews, tests)."""
    code = _form_code(form_code)
    base = _base_url(base_url)
    if code == BOOK_FORM:
        if agency is None:
            raise invalid({"agency": ["Cần chọn cơ quan của Sổ theo dõi hồ sơ."]}, code="required")
        return _tracking_book(agency, _period(period), base)
    if dossier is None:
        raise invalid({"dossier": ["Cần chọn hồ sơ."]}, code="required")
    d = _reload(dossier)
    return _BUILDERS[code](d, base)


def can_download(user: Any, dossier: Dossier, form_code: str) -> bool:
    """Whether ``user`` may download form ``form_code`` (01–05) of ``dossier``."""
    if form_code in APPLICANT_FORMS and permissions.is_applicant(user, dossier):
        return True
    return form_code in DOSSIER_FORMS and _official_sees(user, dossier)


def can_download_book(user: Any, agency: Agency | None = None) -> bool:
    """Officials (and, with ``agency``, those whose scope includes it) may read form 06."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not getattr(user, "is_official", False):
        return False
    ids = permissions.visible_agency_ids(user)
    if agency is None:
        return ids is None or bool(ids)
    return ids is None or agency.pk in ids


def pack_for(day: date | datetime) -> str:
    """The regulation pack in force on ``day``, else the pack named in :mod:`.codes`."""
    try:
        return regulations.pack_for(day).id
    except regulations.NoPackInForce:
        return codes.pack_name()


def lookup_url(base_url: str, dossier_code: str, secret: str = "") -> str:
    """``<base>/tra-cuu/?ma=<code>``: the page where the dossier is looked up (the QR code).

    With ``secret`` (the receipt, Mẫu 01) the URL also carries the lookup secret (``mtc``), so a
    scan shows the status at once; only the code and the secret, never personal data.
    """
    query = {"ma": dossier_code, **({"mtc": secret} if secret else {})}
    return _base_url(base_url) + f"{LOOKUP_PATH}?{urlencode(query)}"


def book_url(base_url: str, agency: Agency, period: Period) -> str:
    query = urlencode(
        {"co-quan": agency.code, "tu": period.start.isoformat(), "den": period.end.isoformat()}
    )
    return _base_url(base_url) + f"{BOOK_PATH}?{query}"


def filename(form_code: str, *, dossier: Dossier | None = None, agency=None, period=None) -> str:
    """``<code>-mau-01.pdf``; the book: ``<agency code>-mau-06-<from>-<to>.pdf``."""
    if form_code == BOOK_FORM:
        p = _period(period)
        return f"{agency.code}-mau-06-{p.start:%Y%m%d}-{p.end:%Y%m%d}.pdf"
    return f"{dossier.code}-mau-{form_code}.pdf"


# --- checks and plumbing -----------------------------------------------------------------------


def _form_code(value: Any) -> str:
    text = str(value or "").strip()
    if text.isdigit() and len(text) <= 2:
        text = text.zfill(2)
    if text not in ALL_FORMS:
        raise invalid(
            {"form_code": [f"Không có mẫu «{value}»; các mẫu là 01 đến 06."]}, code="unknown_form"
        )
    return text


def _base_url(value: str) -> str:
    base = (value or "").strip().rstrip("/")
    if not base.startswith(("https://", "http://")) or "?" in base or "#" in base:
        raise invalid(
            {"base_url": ["Địa chỉ gốc của trang tra cứu phải là http(s)://tên-miền."]},
            code="invalid",
        )
    return base


def _period(value: Period | tuple[date, date] | None) -> Period:
    if value is None:
        raise invalid({"from": ["Cần chọn kỳ của Sổ theo dõi hồ sơ."]}, code="required")
    start, end = (value.start, value.end) if isinstance(value, Period) else value
    for key, day in (("from", start), ("to", end)):
        if not isinstance(day, date) or isinstance(day, datetime):
            raise invalid({key: ["Ngày phải có dạng YYYY-MM-DD."]}, code="invalid_date")
    if start > end:
        raise invalid(
            {"to": ["Ngày kết thúc kỳ phải bằng hoặc sau ngày bắt đầu."]}, code="invalid_period"
        )
    if (end - start).days >= MAX_BOOK_DAYS:
        raise invalid(
            {"to": [f"Một lần in Sổ theo dõi tối đa {MAX_BOOK_DAYS} ngày."]}, code="invalid_period"
        )
    return Period(start, end)


def _check_dossier_access(user: Any, dossier: Dossier, code: str) -> None:
    if not permissions.can_view_dossier(user, dossier):
        raise PermissionDenied("Bạn không có quyền xem hồ sơ này.")
    if not can_download(user, dossier, code):
        raise PermissionDenied(
            "Phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 05) chỉ dành cho cán bộ của cơ quan "
            "tiếp nhận, giải quyết hồ sơ; người nộp được tải Mẫu 01–04 của hồ sơ của mình."
        )


def _official_sees(user: Any, dossier: Dossier) -> bool:
    """:func:`permissions.can_view_dossier` for an official's scope only (not as the applicant)."""
    if not getattr(user, "is_official", False) or not getattr(user, "is_active", False):
        return False
    ids = permissions.visible_agency_ids(user)
    if ids is None:
        return True
    if not ids:
        return False
    agencies = {dossier.agency_id}
    agencies |= {e.get("agency_id") for e in dossier.process or [] if e.get("agency_id")}
    if dossier.current_step_id is not None:
        agencies.add(dossier.current_step.agency_id)
    if agencies & ids:
        return True
    return dossier.participations.filter(agency_id__in=ids).exists()


def _render(code: str, context: dict[str, Any], pack: str) -> bytes:
    try:
        regulations.get_pack(pack).form(code)
    except regulations.UnknownForm:
        raise DossierStateError(
            f"Bộ biểu mẫu {pack} không có Mẫu {code}.", code="form_not_in_pack"
        ) from None
    try:
        return regulations.render(code, context, pack=pack)
    except regulations.FormContextError as exc:
        raise ValidationError(
            f"Chưa in được Mẫu {code}: dữ liệu hồ sơ thiếu hoặc sai ở «{exc.key}».",
            code="form_data_incomplete",
        ) from exc


def _reload(dossier: Dossier) -> Dossier:
    return Dossier.objects.select_related(
        "procedure", "agency__parent", "agency__admin_unit", "desk", "current_step"
    ).get(pk=dossier.pk)


def _not_available(message: str) -> DossierStateError:
    return DossierStateError(message, code=NOT_AVAILABLE)


# --- shared blocks -----------------------------------------------------------------------------


def _name(user: Any) -> str:
    if user is None:
        return "Hệ thống"
    return user.full_name or user.get_username()


def _agency_block(agency: Agency) -> dict[str, str]:
    """The issuing body, with its governing body (a people's committee prints none)."""
    block = {"name": agency.name}
    if agency.parent_id and agency.kind not in (
        Agency.Kind.WARD_COMMITTEE,
        Agency.Kind.PROVINCE_COMMITTEE,
    ):
        block["parent"] = agency.parent.name
    return block


def _place(agency: Agency) -> str:
    """The place on the date line (Decree 30/2020): the province's name for provincial bodies,
    the ward's or commune's name for theirs (``Trường Vinh``, ``Nghệ An``)."""
    current, unit = agency, None
    for _ in range(5):
        if current is None:
            break
        if current.admin_unit_id:
            unit = current.admin_unit
            break
        current = current.parent
    if unit is None:
        return agency.name
    name = unit.name
    if unit.kind and name.lower().startswith(unit.kind.lower() + " "):
        rest = name[len(unit.kind) + 1 :].strip()
        if rest and not rest.isdigit():
            name = rest
    return name


def _desk_agency(d: Dossier, receiver: Any) -> Agency:
    """Who issues the desk's forms: the receiving agency, or the public administration service
    centre whose one-stop desk received the dossier on the agency's behalf."""
    agency = getattr(receiver, "agency", None) if receiver is not None else None
    if (
        agency is not None
        and agency.pk != d.agency_id
        and agency.kind == Agency.Kind.SERVICE_CENTRE
    ):
        return agency
    return d.agency


def _desk_name(d: Dossier, desk_agency: Agency) -> str:
    """The desk that received the dossier; for one submitted online, the agency's desk."""
    if d.desk_id:
        return d.desk.name
    if desk_agency.pk != d.agency_id:
        return desk_agency.name
    desk = d.agency.desks.filter(is_active=True).order_by("id").first()
    return desk.name if desk is not None else f"Bộ phận Một cửa {d.agency.name}"


def _intake(d: Dossier) -> Any:
    """The official who received (else registered) the dossier at the desk."""
    for action in ("receive", "register_at_desk"):
        event = _last_event(d, action)
        if event is not None and event.actor is not None:
            return event.actor
    return None


def _last_event(d: Dossier, action: str) -> DossierEvent | None:
    return (
        d.events.filter(action=action)
        .select_related("actor__agency", "actor__unit")
        .order_by("-seq")
        .first()
    )


def _officer(user: Any, agency: Agency) -> dict[str, str]:
    officer = {"name": _name(user)}
    number = (getattr(getattr(user, "agency", None), "phone", "") or agency.phone or "").strip()
    if number:
        officer["phone"] = number
    return officer


def _applicant(d: Dossier, code: str) -> dict[str, str]:
    applicant = {"name": d.applicant_name, "address": d.applicant_address or BLANK}
    if code in PHONE_FORMS and d.applicant_phone:
        applicant["phone"] = d.masked_phone
    if code in PHONE_FORMS and d.applicant_email:
        applicant["email"] = d.applicant_email
    return applicant


def _dossier_block(
    d: Dossier, code: str, *, agency: Agency, issued_at: datetime, base: str
) -> dict[str, Any]:
    return {
        "agency": _agency_block(agency),
        "place": _place(agency),
        "issued_at": issued_at,
        "dossier_code": d.code,
        "lookup_url": lookup_url(base, d.code),
        "procedure": {"code": d.procedure.code, "name": d.procedure.name},
        "applicant": _applicant(d, code),
    }


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


def processing_time(d: Dossier) -> str:
    """The time the due date was computed from: ``8 giờ làm việc``, ``10 ngày``."""
    if d.deadline_unit == DeadlineUnit.SAME_DAY:
        return "Trong ngày làm việc"
    if not d.deadline_unit or d.deadline_amount is None:
        return BLANK
    return f"{_number(d.deadline_amount)} {DeadlineUnit(d.deadline_unit).label}"


def _appointment(d: Dossier) -> DueDateChange | None:
    """The appointment of the receipt: at reception, or anew after a complete supplement."""
    return (
        d.due_changes.filter(kind__in=[DueDateChange.Kind.APPOINTED, DueDateChange.Kind.RESTARTED])
        .order_by("-at", "-id")
        .first()
    )


def _vn_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timing.TZ)


def _book_position(d: Dossier) -> tuple[str, int]:
    """(volume, number) of the dossier in its agency's tracking book: one book per year."""
    year = d.received_at.astimezone(timing.TZ).year
    start = _vn_day_start(date(year, 1, 1))
    number = (
        Dossier.objects.filter(agency_id=d.agency_id, received_at__gte=start)
        .filter(Q(received_at__lt=d.received_at) | Q(received_at=d.received_at, pk__lte=d.pk))
        .count()
    )
    return f"01/{year}", number


# --- 01 ------------------------------------------------------------------------------------------

_BULLET = re.compile(r"^[\s\-+*•–]+")


def short_paper_name(text: str, limit: int = 120) -> str:
    """A catalog paper's name as a receipt line: no bullet, the first clause, at most ``limit``."""
    name = _BULLET.sub("", " ".join((text or "").split()))
    for separator in ("; ", " (", ". "):
        cut = name.find(separator)
        if cut >= 20:
            name = name[:cut]
    name = name.rstrip(" .;:,")
    if len(name) > limit:
        cut = name.rfind(" ", 0, limit)
        name = name[: cut if cut > limit // 2 else limit - 1].rstrip(" .;:,") + "…"
    return name[:1].upper() + name[1:]


def _papers(d: Dossier, until: datetime) -> list[dict[str, Any]]:
    """The papers handed in by ``until``, one line per required paper (or per loose file).

    Catalog rows that ask for no copy at all (``0`` originals, no copies) are notes of the
    catalog ("Trường hợp…"), not papers: they are left off the receipt unless nothing else is.
    """
    electronic = d.channel == Channel.ONLINE
    lines, notes, seen = [], [], set()
    rows = (
        d.papers.filter(uploaded_at__lte=until)
        .select_related("required_paper")
        .order_by("required_paper__position", "uploaded_at", "id")
    )
    for paper in rows:
        required = paper.required_paper
        key = ("paper", required.pk) if required is not None else ("file", paper.pk)
        if key in seen:
            continue
        seen.add(key)
        if required is None:
            lines.append(
                {
                    "name": paper.original_name,
                    "form": "electronic" if electronic else "copy",
                    "quantity": 1,
                }
            )
            continue
        originals, copies = required.originals, required.copies
        if electronic:
            form, quantity = "electronic", 1
        elif originals:
            form, quantity = "original", originals
        elif copies:
            form, quantity = "copy", copies
        else:
            form, quantity = "original", 1
        line = {
            "name": short_paper_name(paper.required_paper_name or required.name),
            "form": form,
            "quantity": quantity,
        }
        (notes if originals == 0 and not copies else lines).append(line)
    lines = lines or notes
    if not lines:
        lines = [{"name": d.subject or d.procedure.name, "form": "original", "quantity": 1}]
    return lines


def _delivery(d: Dossier, desk: str) -> str:
    if d.result_delivery == Delivery.POST:
        where = f", đến địa chỉ: {d.applicant_address}" if d.applicant_address else ""
        return f"Qua dịch vụ bưu chính công ích{where}"
    if d.result_delivery == Delivery.ONLINE:
        return "Nhận kết quả điện tử trên Cổng Dịch vụ công"
    address = d.desk.address if d.desk_id and d.desk.address else ""
    return f"Tại {desk}" + (f", {address}" if address else "")


def _receipt(d: Dossier, base: str) -> dict[str, Any]:
    if d.received_at is None:
        raise _not_available(
            "Hồ sơ chưa được tiếp nhận nên chưa có Giấy tiếp nhận hồ sơ và hẹn trả kết quả "
            "(Mẫu 01)."
        )
    receiver = _intake(d)
    desk_agency = _desk_agency(d, receiver)
    desk = _desk_name(d, desk_agency)
    appointment = _appointment(d)
    issued_at = appointment.at if appointment else d.received_at
    due_at = (appointment.after if appointment else None) or d.due_at
    volume, number = _book_position(d)
    return {
        **_dossier_block(d, "01", agency=desk_agency, issued_at=issued_at, base=base),
        "desk": desk,
        "papers": _papers(d, issued_at),
        "sets": 1,
        "processing_time": processing_time(d),
        "received_at": d.received_at,
        "due_at": due_at,
        "result_delivery": _delivery(d, desk),
        "intake_officer": _officer(receiver, desk_agency),
        "tracking_book": {"volume": volume, "number": number},
        # The receipt is the applicant's: its QR opens the status (code + lookup secret).
        "lookup_url": lookup_url(base, d.code, d.lookup_secret),
        "lookup_secret": d.lookup_secret,
    }


# --- 02 ------------------------------------------------------------------------------------------


def _supplement_request(d: Dossier, base: str) -> dict[str, Any]:
    request = (
        d.supplements.select_related("requested_by__agency")
        .order_by("-requested_at", "-id")
        .first()
    )
    if request is None:
        raise _not_available("Hồ sơ chưa có yêu cầu bổ sung, hoàn thiện nào nên chưa có Mẫu 02.")
    desk_agency = _desk_agency(d, _intake(d) or request.requested_by)
    items = []
    for item in request.items:
        name = item.get("name") or ""
        items.append(
            {
                "name": short_paper_name(name, 300) if item.get("paper_id") else name,
                "reason": item.get("reason") or "",
            }
        )
    return {
        **_dossier_block(d, "02", agency=desk_agency, issued_at=request.requested_at, base=base),
        "desk": _desk_name(d, desk_agency),
        "received_at": d.received_at or d.submitted_at,
        "items": items,
        "guide_officer": _officer(request.requested_by, desk_agency),
    }


# --- 03 ------------------------------------------------------------------------------------------


def split_reasons(text: str) -> list[str]:
    """The reasons as the services store them (``- reason`` per line) back into a list."""
    out = []
    for line in (text or "").splitlines():
        line = _BULLET.sub("", line).strip()
        if line:
            out.append(line)
    return out


def _refusal(d: Dossier, base: str) -> dict[str, Any]:
    event = _last_event(d, "refuse_reception")
    if d.status != Status.REFUSED_RECEPTION or event is None:
        raise _not_available(
            "Hồ sơ không bị từ chối tiếp nhận nên không có Phiếu từ chối tiếp nhận (Mẫu 03)."
        )
    desk_agency = _desk_agency(d, event.actor)
    return {
        **_dossier_block(d, "03", agency=desk_agency, issued_at=event.at, base=base),
        "desk": _desk_name(d, desk_agency),
        "received_at": d.submitted_at,
        "reasons": split_reasons(event.opinion) or [event.opinion or BLANK],
        "intake_officer": _officer(event.actor, desk_agency),
    }


# --- 04 ------------------------------------------------------------------------------------------


def _late_agency(d: Dossier) -> Agency:
    """The agency that was processing the dossier when it apologised (it signs form 04)."""
    event = _last_event(d, "propose_new_date")
    position = event.step_position if event is not None else None
    entry = next((e for e in d.process or [] if e.get("position") == position), None)
    agency_id = entry.get("agency_id") if entry else None
    if agency_id and agency_id != d.agency_id:
        return Agency.objects.select_related("parent", "admin_unit").get(pk=agency_id)
    return d.agency


def _signer(agency: Agency, actor: Any) -> dict[str, str]:
    """The head of the late agency signs; the official who issued the apology if none is known."""
    leaders = RoleAssignment.objects.filter(
        role=Role.AGENCY_LEADER, agency=agency, user__is_active=True
    ).select_related("user")
    users = [a.user for a in leaders.order_by("id")]
    person = next((u for u in users if actor is not None and u.pk == actor.pk), None)
    person = person or (users[0] if users else actor)
    if person is None:
        return {"position": "Thủ trưởng cơ quan", "name": BLANK_NAME}
    return {"position": person.position or "Thủ trưởng cơ quan", "name": _name(person)}


def _apology(d: Dossier, base: str) -> dict[str, Any]:
    change = (
        d.due_changes.filter(kind=DueDateChange.Kind.NEW_DATE)
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    if change is None or change.after is None:
        raise _not_available(
            "Hồ sơ chưa có Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04): chưa hẹn lại ngày."
        )
    agency = _late_agency(d)
    return {
        **_dossier_block(d, "04", agency=agency, issued_at=change.at, base=base),
        "received_at": d.received_at or d.submitted_at,
        "due_at": change.before or d.due_at,
        "reason": change.reason or BLANK,
        "new_due_at": change.after,
        "signer": _signer(agency, change.actor),
    }


# --- 05 ------------------------------------------------------------------------------------------

# Which events are hand-overs (or hand the dossier to or from the applicant), who gives and who
# receives: "applicant", "actor" (who acted; ``from_user`` when it is set) or "to" (``to_user``,
# else the unit named in ``to_label``/``to_agency``).
HANDOVERS: dict[str, tuple[str, str, str]] = {
    "receive": ("applicant", "actor", "Tiếp nhận"),
    "request_supplement": ("actor", "applicant", "Yêu cầu bổ sung"),
    "supplement_received": ("applicant", "actor", "Nhận đủ bổ sung"),
    "forward": ("actor", "to", "Chuyển xử lý"),
    "assign": ("actor", "to", "Phân công"),
    "reassign": ("actor", "to", "Phân công lại"),
    "complete_step": ("actor", "to", "Xong bước {step}"),
    "return_to_previous_step": ("actor", "to", "Trả lại bước trước"),
    "consult": ("actor", "to", "Xin ý kiến"),
    "answer_consultation": ("actor", "to", "Trả lời ý kiến"),
    "transfer_inter_agency": ("actor", "to", "Chuyển liên thông"),
    "complete_participation": ("actor", "to", "Xong phần liên thông"),
    "approve": ("actor", "to", "Phê duyệt"),
    "refuse_processing": ("actor", "applicant", "Từ chối giải quyết"),
    "issue_result": ("actor", "to", "Có kết quả"),
    "return_result": ("actor", "applicant", "Trả kết quả"),
    "propose_new_date": ("actor", "applicant", "Hẹn lại {new_date}"),
    "request_financial_obligation": ("actor", "applicant", "Nghĩa vụ tài chính"),
    "obligation_paid": ("applicant", "actor", "Đã nộp nghĩa vụ tài chính"),
    "withdraw": ("applicant", "actor", "Rút hồ sơ"),
    "stop_processing": ("actor", "applicant", "Dừng xử lý"),
}


def _unit_of(user: Any, agency: Agency | None) -> str:
    parts = []
    if user is not None and user.unit_id:
        parts.append(user.unit.name)
    own = user.agency if user is not None and user.agency_id else agency
    if own is not None:
        parts.append(own.name)
    return ", ".join(parts) or (agency.name if agency is not None else BLANK)


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _handover_due(
    event: DossierEvent, parts: dict[int, Participation], steps: dict[tuple, Any]
) -> datetime | None:
    """The deadline the row's early/on time/late mark was measured against."""
    data = event.data or {}
    if event.action == "forward":
        return _when(data.get("forward_due"))
    if event.action in ("complete_step", "approve"):
        step = steps.get((event.step_position, event.at))
        if step is not None:  # the step this action finished
            return step.due_at
        return _when(data.get("step_due")) if event.action == "complete_step" else None
    if event.action in ("answer_consultation", "complete_participation"):
        part = parts.get(data.get("participation_id"))
        return part.due_at if part is not None else None
    if event.action in ("issue_result", "return_result", "refuse_processing"):
        return event.due_after
    return None


# Labels the services give a receiving side that is a role rather than a unit.
_TO_UNITS = {"Phát hành kết quả": "Bộ phận phát hành kết quả"}


def _handover(
    d: Dossier, event: DossierEvent, parts: dict[int, Participation], steps: dict[tuple, Any]
) -> dict:
    giver_kind, receiver_kind, note = HANDOVERS[event.action]
    applicant = (APPLICANT_UNIT, d.applicant_name)
    if event.action == "return_result" and event.to_label:
        applicant = ("Người nhận kết quả", event.to_label)
    giver_user = event.from_user or event.actor
    actor_side = (_unit_of(giver_user, event.from_agency or d.agency), _name(giver_user))
    if event.action in ("receive", "supplement_received", "withdraw", "obligation_paid"):
        actor_side = (_unit_of(event.actor, event.to_agency or d.agency), _name(event.actor))
        if event.actor is not None and permissions.is_applicant(event.actor, d):
            actor_side = (f"Bộ phận Một cửa {d.agency.name}", BLANK_NAME)
    if event.to_user is not None:
        to_side = (_unit_of(event.to_user, event.to_agency), _name(event.to_user))
    else:
        label = _TO_UNITS.get(event.to_label, event.to_label or "")
        agency_name = event.to_agency.name if event.to_agency_id else ""
        if label and agency_name and label != agency_name:
            unit = f"{label}, {agency_name}"
        else:
            unit = label or agency_name or BLANK
        to_side = (unit, BLANK_NAME)
    sides = {"applicant": applicant, "actor": actor_side, "to": to_side}
    (from_unit, giver), (to_unit, receiver) = sides[giver_kind], sides[receiver_kind]
    row: dict[str, Any] = {
        "from_unit": from_unit,
        "to_unit": to_unit,
        "giver": giver or BLANK_NAME,
        "receiver": receiver or BLANK_NAME,
        "at": event.at,
        "note": note.format(
            step=event.step_position or "",
            new_date=short_datetime(event.due_after) if event.due_after else "",
        ),
    }
    due = _handover_due(event, parts, steps)
    if due is not None:
        row["due_at"] = due
    if event.timing in Timing.values:
        row["result"] = event.timing
    return row


def _lead_agencies(d: Dossier) -> list[Agency]:
    ids = []
    for entry in d.process or []:
        agency_id = entry.get("agency_id")
        if agency_id and agency_id not in ids:
            ids.append(agency_id)
    if not ids:
        return [d.agency]
    found = Agency.objects.in_bulk(ids)
    return [found[i] for i in ids if i in found]


def _control_sheet(d: Dossier, base: str) -> dict[str, Any]:
    events = list(
        selectors.control_sheet(d)
        .filter(action__in=list(HANDOVERS))
        .select_related(
            "actor__unit",
            "actor__agency",
            "from_user__unit",
            "from_user__agency",
            "to_user__unit",
            "to_user__agency",
        )
    )
    if not events:
        raise _not_available(
            "Hồ sơ chưa được tiếp nhận, chưa có lần giao nhận nào để in Phiếu kiểm soát (Mẫu 05)."
        )
    parts = {p.pk: p for p in d.participations.select_related("agency")}
    steps = {(s.position, s.finished_at): s for s in d.steps.filter(finished_at__isnull=False)}
    cooperating = []
    for part in parts.values():
        if part.agency.name not in cooperating:
            cooperating.append(part.agency.name)
    desk_agency = _desk_agency(d, _intake(d))
    context = {
        **_dossier_block(d, "05", agency=desk_agency, issued_at=clock.now(), base=base),
        "lead_agency": "; ".join(a.name for a in _lead_agencies(d)),
        "handovers": [_handover(d, e, parts, steps) for e in events],
    }
    if cooperating:
        context["cooperating_agencies"] = cooperating
    return context


# --- 06 ------------------------------------------------------------------------------------------


def _book_note(d: Dossier) -> str:
    notes = []
    if d.rescheduled_due_at is not None:
        notes.append(f"Hẹn lại {short_date(d.rescheduled_due_at)}")
    if d.status in (
        Status.AWAITING_SUPPLEMENT,
        Status.WITHDRAWN,
        Status.STOPPED,
        Status.REFUSED_PROCESSING,
        Status.AWAITING_OBLIGATION,
    ):
        notes.append(Status(d.status).label)
    return "; ".join(notes)


def _first_appointment(d: Dossier) -> datetime | None:
    changes = [
        c
        for c in d.due_changes.all()
        if c.kind in (DueDateChange.Kind.APPOINTED, DueDateChange.Kind.RESTARTED)
    ]
    return max(changes, key=lambda c: (c.at, c.pk)).after if changes else d.due_at


def _tracking_book(agency: Agency, period: Period, base: str) -> dict[str, Any]:
    agency = Agency.objects.select_related("parent", "admin_unit").get(pk=agency.pk)
    rows_qs = (
        Dossier.objects.filter(
            agency=agency,
            received_at__gte=_vn_day_start(period.start),
            received_at__lt=_vn_day_start(period.end + timedelta(days=1)),
        )
        .select_related("procedure")
        .prefetch_related("due_changes")
        .order_by("received_at", "id")
    )
    names: dict[int, str] = {}
    numbers: dict[int, int] = {}
    rows = []
    for d in rows_qs:
        year = d.received_at.astimezone(timing.TZ).year
        if year not in numbers:
            numbers[year] = _book_position(d)[1] - 1
        numbers[year] += 1
        lead_ids = [e["agency_id"] for e in d.process or [] if e.get("agency_id")]
        missing = [i for i in lead_ids if i not in names]
        if missing:
            names.update(Agency.objects.filter(pk__in=missing).values_list("pk", "name"))
        leads = list(dict.fromkeys(names.get(i, "") for i in lead_ids if names.get(i)))
        row: dict[str, Any] = {
            "number": numbers[year],
            "dossier_code": d.code,
            "procedure_name": d.procedure.name,
            "sets": 1,
            "applicant_name": d.applicant_name,
            "applicant_address": d.applicant_address or BLANK,
            "lead_agency": "; ".join(leads) or agency.name,
            "received_at": d.received_at,
            "due_at": _first_appointment(d) or d.received_at,
        }
        if d.applicant_phone:
            row["applicant_phone"] = d.applicant_phone  # the template prints it masked
        if d.forwarded_at:
            row["forwarded_at"] = d.forwarded_at
        if d.finished_at and d.status in (
            Status.RESULT_READY,
            Status.RETURNED,
            Status.REFUSED_PROCESSING,
        ):
            row["result_received_at"] = d.finished_at
        if d.returned_at:
            row["returned_at"] = d.returned_at
        note = _book_note(d)
        if note:
            row["note"] = note
        rows.append(row)
    desk = agency.desks.filter(is_active=True).order_by("id").first()
    context: dict[str, Any] = {
        "agency": _agency_block(agency),
        "place": _place(agency),
        "issued_at": clock.now(),
        "desk": desk.name if desk is not None else agency.name,
        "period_start": period.start,
        "period_end": period.end,
        "lookup_url": book_url(base, agency, period),
        "rows": rows,
    }
    if period.start.year == period.end.year:
        context["volume"] = f"01/{period.start.year}"
    return context


_BUILDERS = {
    "01": _receipt,
    "02": _supplement_request,
    "03": _refusal,
    "04": _apology,
    "05": _control_sheet,
}


def available_forms(dossier: Dossier) -> list[str]:
    """The forms 01–05 the dossier has now (what a screen may offer to print)."""
    out = []
    if dossier.received_at is not None:
        out.append("01")
    if dossier.supplements.exists():
        out.append("02")
    if dossier.status == Status.REFUSED_RECEPTION:
        out.append("03")
    if dossier.due_changes.filter(kind=DueDateChange.Kind.NEW_DATE).exists():
        out.append("04")
    if dossier.events.filter(action__in=list(HANDOVERS)).exists():
        out.append("05")
    return out
