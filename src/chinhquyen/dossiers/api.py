"""REST API of the dossier engine, mounted at ``/api/v1/dossiers``.

Authentication: ``Authorization: Bearer <API token>`` for integrations, or the browser session
(see :mod:`chinhquyen.dossiers.auth`). Every write goes through :mod:`.services`; every read
through :mod:`.selectors`, so the API sees exactly what the screens see.

Errors are JSON ``{"detail": "<Vietnamese message>", "code": "...", "errors": {field: [...]}}``:
403 ``forbidden``, 404 ``not_found``, 409 for the dossier's state (``wrong_state``, ``stale``,
``new_date_once``, ``supplement_window_closed``, ``form_not_available``…), 422 for input
(``missing_papers``, ``required``, ``file_type``, ``file_too_large``, ``invalid_date``…).

The mandated forms (Mẫu 01–06) download as PDF: ``GET /{code}/forms/{01..05}.pdf`` and
``GET /forms/06.pdf?agency=&from=&to=`` (see :mod:`.forms`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.http import parse_etags, quote_etag
from ninja import File, Form, P, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.responses import NinjaJSONEncoder
from pydantic import Field as PydanticField
from pydantic import ValidationError as PydanticValidationError

from chinhquyen.accounts.models import User
from chinhquyen.catalog import selectors as catalog_selectors
from chinhquyen.dossiers import (
    clock,
    forms,
    permissions,
    ratings,
    selectors,
    services,
    timing,
    workflow,
)
from chinhquyen.dossiers import lookup as public_lookup
from chinhquyen.dossiers.auth import SessionOrNothing, dossier_auth
from chinhquyen.dossiers.errors import DossierStateError, error_code, invalid
from chinhquyen.dossiers.models import ApiToken, Dossier, Participation
from chinhquyen.lib import agency_code
from chinhquyen.organizations.models import Agency, Desk

router = Router(tags=["dossiers"], auth=dossier_auth())
MAX_PER_PAGE = 100


class NotFound(Exception):
    pass


# --- schemas -------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str
    code: str
    errors: dict[str, list[str]] | None = None


ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ApplicantIn(Schema):
    kind: str = PydanticField("person", description="person (cá nhân) hoặc organisation (tổ chức)")
    name: str
    identity_number: str = PydanticField("", description="Số định danh cá nhân, 12 chữ số")
    tax_code: str = ""
    representative: str = PydanticField("", description="Người đại diện/người được ủy quyền")
    phone: str = ""
    email: str = ""
    address: str = ""


class SubmitIn(Schema):
    procedure: str = PydanticField(description="Mã thủ tục, ví dụ 1.004946")
    agency: str = PydanticField(description="Mã định danh cơ quan tiếp nhận")
    channel: str = PydanticField(
        "online", description="online (công dân nộp); direct/postal (cán bộ một cửa đăng ký)"
    )
    applicant: ApplicantIn | None = PydanticField(
        None, description="Chủ hồ sơ; bỏ trống khi nộp trực tuyến cho chính mình"
    )
    form_data: dict[str, Any] = PydanticField(default_factory=dict)
    result_delivery: str | None = PydanticField(None, description="desk, post hoặc online")
    paper_group: str = ""
    subject: str = ""
    desk: int | None = None


class ApplicantOut(Schema):
    kind: str
    name: str
    identity_number_masked: str
    tax_code: str
    representative: str
    phone_masked: str
    email: str
    address: str


class DossierSummary(Schema):
    code: str
    status: str
    status_label: str
    national_status: int
    national_status_label: str
    channel: str
    procedure_code: str
    procedure_name: str
    agency_code: str
    agency_name: str
    applicant_name: str
    submitted_at: datetime
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    overdue: bool
    version: int


class StepOut(Schema):
    id: int
    position: int
    name: str
    agency_code: str
    responsible_role: str
    assignee: str | None
    started_at: datetime
    due_at: datetime
    finished_at: datetime | None
    outcome: str
    opinion: str
    timing: str
    overdue: bool


class PartOut(Schema):
    id: int
    kind: str
    batch: int
    position: int
    agency_code: str
    agency_name: str
    task: str
    state: str
    pauses_deadline: bool
    started_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    opinion: str
    timing: str


class PaperOut(Schema):
    id: int
    required_paper_id: int | None
    required_paper_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class ResultOut(Schema):
    id: int
    kind: str
    name: str
    number: str
    content_type: str
    size: int
    sha256: str
    issued_at: datetime
    url: str


class DueChangeOut(Schema):
    kind: str
    at: datetime
    before: datetime | None
    after: datetime | None
    reason: str


class EventOut(Schema):
    seq: int
    action: str
    action_label: str
    at: datetime
    actor: str
    from_status: str
    to_status: str
    step_position: int | None
    from_user: str | None
    to_user: str | None
    from_agency: str | None
    to_agency: str | None
    to_label: str
    opinion: str
    due_before: datetime | None
    due_after: datetime | None
    timing: str


class DossierOut(DossierSummary):
    subject: str
    procedure_version: int | None
    applicant: ApplicantOut
    submitted_by: str | None
    desk: str | None
    result_delivery: str
    lookup_secret: str
    fee_amount: int | None
    obligation_amount: int | None
    obligation_paid_at: datetime | None
    rescheduled_due_at: datetime | None
    clock_paused_since: datetime | None
    current_step: StepOut | None
    steps: list[StepOut]
    participations: list[PartOut]
    papers: list[PaperOut]
    results: list[ResultOut]
    due_changes: list[DueChangeOut]
    events: list[EventOut]
    actions: list[str] = PydanticField(description="Thao tác người gọi được phép thực hiện lúc này")


class PageOut(Schema):
    total: int
    page: int
    per_page: int
    items: list[DossierSummary]


class ListParams(Schema):
    status: str | None = PydanticField(None, description="Trạng thái nội bộ hoặc số 1–10")
    agency: str | None = None
    procedure: str | None = None
    channel: str | None = None
    overdue: bool | None = None
    received_from: date | None = None
    received_to: date | None = None
    q: str | None = PydanticField(None, description="Đầu mã hồ sơ hoặc tên chủ hồ sơ")
    page: int = PydanticField(1, ge=1, le=100_000)
    per_page: int = PydanticField(20, ge=1, le=MAX_PER_PAGE)


class SupplementItemIn(Schema):
    paper: int | None = PydanticField(None, description="Id thành phần hồ sơ của thủ tục")
    name: str = ""
    reason: str = ""


class PartIn(Schema):
    agency: str
    task: str = ""
    working_days: float | None = None
    working_hours: float | None = None


class ActionIn(Schema):
    """Inputs of an action; each action reads the ones it needs (see docs/dossiers.md)."""

    expected_version: int | None = PydanticField(None, description="Phiên bản hồ sơ đang hiển thị")
    opinion: str | None = None
    reason: str | None = None
    reasons: str | list[str] | None = None
    note: str | None = None
    items: list[SupplementItemIn] | None = None
    assignee: str | None = PydanticField(None, description="Tên đăng nhập của cán bộ")
    next_assignee: str | None = None
    agency: str | None = None
    question: str | None = None
    working_days: float | None = None
    working_hours: float | None = None
    pause: bool | None = None
    mode: str | None = PydanticField(None, description="sequential hoặc parallel")
    parts: list[PartIn] | None = None
    participation: int | None = None
    desk: int | None = None
    paper_group: str | None = None
    new_due_at: datetime | None = None
    amount: int | None = None
    description: str | None = None
    reference: str | None = None
    via: str | None = PydanticField(None, description="desk, post hoặc online")
    collected_by: str | None = None
    tracking_number: str | None = None


class DuePromptOut(Schema):
    code: str
    procedure_name: str
    due_at: datetime
    working_days_left: float
    overdue: bool


class LookupIn(Schema):
    code: str
    secret: str = PydanticField(
        description="Mã tra cứu in trên giấy tiếp nhận, hoặc 4 số cuối điện thoại của người nộp"
    )


class LookupOut(Schema):
    code: str
    procedure_name: str
    agency_name: str
    status_label: str
    plain_status: str
    national_status: int
    national_status_label: str
    current_unit: str
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None


class TokenIn(Schema):
    owner: str = PydanticField(description="Tên đăng nhập của tài khoản sở hữu")
    name: str
    agencies: list[str] = PydanticField(default_factory=list)
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    owner: str
    prefix: str
    agencies: list[str]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    token: str | None = PydanticField(None, description="Chỉ trả về một lần, khi vừa tạo")


# --- helpers -------------------------------------------------------------------------------------


def _error(status: int, detail: str, code: str, errors: dict | None = None) -> Status:
    return Status(status, {"detail": detail, "code": code, "errors": errors})


def _run(fn):
    """Run ``fn`` and turn the engine's exceptions into structured JSON errors."""
    try:
        return fn()
    except NotFound as exc:
        return _error(404, str(exc) or "Không tìm thấy hồ sơ.", "not_found")
    except PermissionDenied as exc:
        return _error(403, str(exc) or "Bạn không có quyền thực hiện thao tác này.", "forbidden")
    except DossierStateError as exc:
        return _error(409, exc.messages[0], error_code(exc), {"__all__": exc.messages})
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        first = next(iter(errors.values()))[0]
        return _error(422, first, error_code(exc), errors)


def _user(request: HttpRequest) -> Any:
    return request.auth


def _dossier(request: HttpRequest, code: str) -> Dossier:
    found = selectors.get_for_user(_user(request), code)
    if found is None:
        raise NotFound("Không tìm thấy hồ sơ, hoặc bạn không có quyền xem hồ sơ này.")
    return found


def _agency(code: str | None, field: str = "agency") -> Agency:
    agency = Agency.objects.filter(code=agency_code.normalize(code or "")).first() if code else None
    if agency is None:
        raise ValidationError({field: [f"Không tìm thấy cơ quan có mã định danh «{code}»."]})
    return agency


def _official(username: str | None, field: str) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username.strip(), kind=User.Kind.OFFICIAL).first()
    if user is None:
        raise ValidationError({field: [f"Không tìm thấy cán bộ «{username}»."]})
    return user


def _summary(d: Dossier, now: datetime | None = None) -> dict[str, Any]:
    return {
        "code": d.code,
        "status": d.status,
        "status_label": d.get_status_display(),
        "national_status": workflow.national_status(d.status),
        "national_status_label": workflow.national_status_label(d.status),
        "channel": d.channel,
        "procedure_code": d.procedure.code,
        "procedure_name": d.procedure.name,
        "agency_code": d.agency.code,
        "agency_name": d.agency.name,
        "applicant_name": d.applicant_name,
        "submitted_at": d.submitted_at,
        "received_at": d.received_at,
        "due_at": d.due_at,
        "finished_at": d.finished_at,
        "returned_at": d.returned_at,
        "overdue": _is_overdue(d, now),
        "version": d.version,
    }


def _is_overdue(d: Dossier, now: datetime | None) -> bool:
    from chinhquyen.dossiers import clock

    if d.due_at is None:
        return False
    if d.status in workflow.FINISHED:
        return bool(d.finished_at and d.finished_at > d.due_at)
    if d.status not in workflow.IN_PROCESS:
        return False
    return (d.clock_paused_since or now or clock.now()) > d.due_at


def _name(user: Any) -> str | None:
    return (user.full_name or user.username) if user is not None else None


def _step(flag: selectors.StepFlag) -> dict[str, Any]:
    s = flag.step
    return {
        "id": s.pk, "position": s.position, "name": s.name, "agency_code": s.agency.code,
        "responsible_role": s.responsible_role, "assignee": _name(s.assignee),
        "started_at": s.started_at, "due_at": s.due_at, "finished_at": s.finished_at,
        "outcome": s.outcome, "opinion": s.opinion, "timing": flag.timing,
        "overdue": flag.overdue,
    }  # fmt: skip


def allowed_actions(user: Any, d: Dossier) -> list[str]:
    """The actions ``user`` may take on ``d`` now: by its status and record
    (:func:`workflow.available_actions_for`) and by who the user is (``permissions``)."""
    out = []
    active = list(
        d.participations.filter(state=Participation.State.ACTIVE).select_related("agency")
    )
    for name in workflow.available_actions_for(d):
        spec = workflow.action(name)
        if spec.scope == workflow.PARTICIPANT:
            consult = name == "answer_consultation"
            parts = [p for p in active if (p.kind == Participation.Kind.CONSULTATION) == consult]
            if any(permissions.can_perform(user, name, d, participation=p) for p in parts):
                out.append(name)
        elif permissions.can_perform(user, name, d):
            out.append(name)
    return out


def _detail(d: Dossier, user: Any) -> dict[str, Any]:
    flags = selectors.step_flags(d)
    steps = [_step(f) for f in flags]
    current = next((s for s in steps if s["id"] == d.current_step_id), None)
    return {
        **_summary(d),
        "subject": d.subject,
        "procedure_version": d.procedure_version,
        "applicant": {
            "kind": d.applicant_kind,
            "name": d.applicant_name,
            "identity_number_masked": d.masked_identity_number,
            "tax_code": d.applicant_tax_code,
            "representative": d.applicant_representative,
            "phone_masked": d.masked_phone,
            "email": d.applicant_email,
            "address": d.applicant_address,
        },  # fmt: skip
        "submitted_by": d.submitted_by.get_username() if d.submitted_by_id else None,
        "desk": d.desk.name if d.desk_id else None,
        "result_delivery": d.result_delivery,
        "lookup_secret": d.lookup_secret,
        "fee_amount": d.fee_amount,
        "obligation_amount": d.obligation_amount,
        "obligation_paid_at": d.obligation_paid_at,
        "rescheduled_due_at": d.rescheduled_due_at,
        "clock_paused_since": d.clock_paused_since,
        "current_step": current,
        "steps": steps,
        "participations": [
            {
                "id": p.pk,
                "kind": p.kind,
                "batch": p.batch,
                "position": p.position,
                "agency_code": p.agency.code,
                "agency_name": p.agency.name,
                "task": p.task,
                "state": p.state,
                "pauses_deadline": p.pauses_deadline,
                "started_at": p.started_at,
                "due_at": p.due_at,
                "finished_at": p.finished_at,
                "opinion": p.opinion,
                "timing": p.timing,
            }  # fmt: skip
            for p in d.participations.select_related("agency")
        ],
        "papers": [
            {
                "id": p.pk,
                "required_paper_id": p.required_paper_id,
                "required_paper_name": p.required_paper_name,
                "original_name": p.original_name,
                "content_type": p.content_type,
                "size": p.size,
                "sha256": p.sha256,
                "uploaded_at": p.uploaded_at,
            }  # fmt: skip
            for p in d.papers.all()
        ],
        "results": [
            {
                "id": r.pk,
                "kind": r.kind,
                "name": r.name,
                "number": r.number,
                "content_type": r.content_type,
                "size": r.size,
                "sha256": r.sha256,
                "issued_at": r.issued_at,
                "url": f"/api/v1/dossiers/{d.code}/results/{r.pk}",
            }  # fmt: skip
            for r in d.results.all()
        ],
        "due_changes": [
            {"kind": c.kind, "at": c.at, "before": c.before, "after": c.after, "reason": c.reason}
            for c in d.due_changes.all()
        ],
        "events": [
            {
                "seq": e.seq,
                "action": e.action,
                "action_label": workflow.ACTIONS[e.action].label
                if e.action in workflow.ACTIONS
                else e.action,
                "at": e.at,
                "actor": e.actor_label,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "step_position": e.step_position,
                "from_user": _name(e.from_user),
                "to_user": _name(e.to_user),
                "from_agency": e.from_agency.code if e.from_agency_id else None,
                "to_agency": e.to_agency.code if e.to_agency_id else None,
                "to_label": e.to_label,
                "opinion": e.opinion,
                "due_before": e.due_before,
                "due_after": e.due_after,
                "timing": e.timing,
            }  # fmt: skip
            for e in selectors.control_sheet(d)
        ],
        "actions": allowed_actions(user, d),
    }


# --- actions -------------------------------------------------------------------------------------


def _common(request, d: Dossier, body: ActionIn) -> dict[str, Any]:
    return {"actor": _user(request), "dossier": d, "expected_version": body.expected_version}


def _parts(body: ActionIn) -> list[dict[str, Any]]:
    return [
        {
            "agency": _agency(p.agency, "parts"),
            "task": p.task,
            "working_days": p.working_days,
            "working_hours": p.working_hours,
        }
        for p in body.parts or []
    ]


ACTION_CALLS = {
    "receive": lambda b, c: services.receive(
        **c, desk=Desk.objects.filter(pk=b.desk).first() if b.desk else None,
        paper_group=b.paper_group, note=b.note or "",
    ),
    "request_supplement": lambda b, c: services.request_supplement(
        **c, items=[i.dict() for i in b.items or []], note=b.note or ""
    ),
    "supplement_received": lambda b, c: services.supplement_received(**c, note=b.note or ""),
    "refuse_reception": lambda b, c: services.refuse_reception(**c, reasons=b.reasons or ""),
    "forward": lambda b, c: services.forward(
        **c, assignee=_official(b.assignee, "assignee"), note=b.note or ""
    ),
    "assign": lambda b, c: services.assign(**c, assignee=_official(b.assignee, "assignee")),
    "reassign": lambda b, c: services.reassign(
        **c, assignee=_official(b.assignee, "assignee"), reason=b.reason or ""
    ),
    "complete_step": lambda b, c: services.complete_step(
        **c, opinion=b.opinion or "", next_assignee=_official(b.next_assignee, "next_assignee")
    ),
    "return_to_previous_step": lambda b, c: services.return_to_previous_step(
        **c, reason=b.reason or ""
    ),
    "consult": lambda b, c: services.consult(
        **c, agency=_agency(b.agency), question=b.question or "",
        working_days=b.working_days, working_hours=b.working_hours, pause=b.pause,
    ),
    "answer_consultation": lambda b, c: services.answer_consultation(
        **c, participation=b.participation, opinion=b.opinion or ""
    ),
    "transfer_inter_agency": lambda b, c: services.transfer_inter_agency(
        **c, mode=b.mode or "", parts=_parts(b), note=b.note or ""
    ),
    "complete_participation": lambda b, c: services.complete_participation(
        **c, participation=b.participation, opinion=b.opinion or ""
    ),
    "approve": lambda b, c: services.approve(**c, opinion=b.opinion or ""),
    "refuse_processing": lambda b, c: services.refuse_processing(**c, reasons=b.reasons or ""),
    "return_result": lambda b, c: services.return_result(
        **c, via=b.via or "", collected_by=b.collected_by or "",
        tracking_number=b.tracking_number or "", note=b.note or "",
    ),
    "withdraw": lambda b, c: services.withdraw(**c, reason=b.reason or ""),
    "stop_processing": lambda b, c: services.stop_processing(**c, reason=b.reason or ""),
    "request_financial_obligation": lambda b, c: services.request_financial_obligation(
        **c, amount=b.amount, description=b.description or ""
    ),
    "obligation_paid": lambda b, c: services.obligation_paid(
        **c, reference=b.reference or "", amount=b.amount
    ),
    "propose_new_date": lambda b, c: services.propose_new_date(
        **c, new_due_at=b.new_due_at, reason=b.reason or ""
    ),
}  # fmt: skip
FILE_ACTIONS = {
    "attach_paper": "POST /api/v1/dossiers/{code}/papers (multipart)",
    "issue_result": "POST /api/v1/dossiers/{code}/results (multipart)",
}


# --- endpoints -----------------------------------------------------------------------------------


@router.post(
    "/lookup",
    auth=None,
    response={200: LookupOut, 429: ErrorOut, **ERRORS},
    summary="Tra cứu tình trạng hồ sơ bằng mã hồ sơ và mã tra cứu (hoặc 4 số cuối điện thoại)",
    description=(
        "Không cần đăng nhập; không trả về thông tin cá nhân. Sai mã hồ sơ hay sai mã tra cứu "
        "đều trả 404 `not_found` như nhau. Giới hạn số lần tra cứu theo địa chỉ máy gửi (chung "
        "với trang /tra-cuu/): vượt quá trả 429 `rate_limited`."
    ),
)
def lookup(request, body: LookupIn):
    # The answers below are built here from typed values in exactly the declared shapes
    # (LookupOut, ErrorOut), so they are rendered directly as the API's JSON renderer does
    # rather than validated again against the response schema: the hottest anonymous endpoint.
    if public_lookup.limited(request):
        return _lookup_json(_LOOKUP_LIMITED, 429)
    d = public_lookup.find(body.code, body.secret)
    if d is None:
        return _lookup_json(_LOOKUP_NOT_FOUND, 404)
    found = public_lookup.public_status(d, now=clock.now())
    data = {
        "code": found.code, "procedure_name": found.procedure_name,
        "agency_name": found.agency_name, "status_label": workflow.status_label(d.status),
        "plain_status": found.status_label, "national_status": found.national_status,
        "national_status_label": found.national_status_label,
        "current_unit": found.current_unit, "received_at": found.received_at,
        "due_at": found.due_at, "finished_at": found.finished_at,
        "returned_at": found.returned_at,
    }  # fmt: skip
    return _lookup_json(data, 200)


def _lookup_json(data: dict[str, Any], status: int) -> HttpResponse:
    """``data`` as ninja's default JSON renderer writes it (same encoder and content type)."""
    return HttpResponse(
        json.dumps(data, cls=NinjaJSONEncoder),
        status=status,
        content_type="application/json; charset=utf-8",
    )


_LOOKUP_LIMITED = {
    "detail": "Bạn đã tra cứu quá nhiều lần; vui lòng đợi vài phút rồi thử lại.",
    "code": "rate_limited",
    "errors": None,
}
_LOOKUP_NOT_FOUND = {
    "detail": "Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này.",
    "code": "not_found",
    "errors": None,
}


class RatingReasonOut(Schema):
    code: str = PydanticField(description="Mã lý do, gửi trong `reasons` khi đánh giá")
    text: str = PydanticField(description="Nội dung hiển thị cho người đánh giá")
    levels: list[str] = PydanticField(description="Các mức hài lòng dùng được lý do này")
    requires_comment: bool = PydanticField(description="Chọn lý do này thì phải ghi ý kiến")


RATING_REASONS_MAX_AGE = 300


@router.get(
    "/rating-reasons",
    auth=None,
    response={200: list[RatingReasonOut], 304: None},
    summary="Danh sách lý do đánh giá mức độ hài lòng đang dùng, theo thứ tự hiển thị",
    description=(
        "Không cần đăng nhập. Lý do do tỉnh quản lý (thêm, sửa, thôi dùng) nên đọc từ đây thay vì "
        "ghi cứng; `levels` là các mức (very_satisfied, satisfied, not_satisfied) dùng được lý do. "
        f"Lưu đệm được {RATING_REASONS_MAX_AGE} giây; có ETag (If-None-Match → 304)."
    ),
)
def rating_reasons(request):
    rows = [
        {"code": r.code, "text": r.text, "levels": r.levels,
         "requires_comment": r.requires_comment}
        for r in ratings.active_reasons()
    ]  # fmt: skip
    body = json.dumps(rows, ensure_ascii=False).encode()
    etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={RATING_REASONS_MAX_AGE}"
    return response


@router.get(
    "/due-soon",
    response={200: list[DuePromptOut], **ERRORS},
    summary="Hồ sơ sắp đến hạn (≤ 1 ngày làm việc) hoặc quá hạn cần lập phiếu xin lỗi",
)
def due_soon(request):
    return [
        {
            "code": p.dossier.code,
            "procedure_name": p.dossier.procedure.name,
            "due_at": p.due_at,
            "working_days_left": p.working_days_left,
            "overdue": p.overdue,
        }
        for p in selectors.due_soon(_user(request))
    ]


@router.post(
    "/tokens",
    auth=SessionOrNothing(),
    response={201: TokenOut, **ERRORS},
    summary="Cấp mã truy cập API cho một ứng dụng tích hợp (chỉ hiển thị một lần)",
)
def create_token(request, body: TokenIn):
    def run():
        owner = User.objects.filter(username=body.owner.strip()).first()
        if owner is None:
            raise ValidationError({"owner": [f"Không tìm thấy tài khoản «{body.owner}»."]})
        agencies = [_agency(code, "agencies") for code in body.agencies]
        token, raw = services.create_api_token(
            actor=_user(request), owner=owner, name=body.name, agencies=agencies,
            expires_at=body.expires_at,
        )  # fmt: skip
        return Status(201, {**_token(token), "token": raw})

    return _run(run)


@router.post(
    "/tokens/{token_id}/revoke",
    auth=SessionOrNothing(),
    response={200: TokenOut, **ERRORS},
    summary="Thu hồi mã truy cập API",
)
def revoke_token(request, token_id: int):
    def run():
        token = ApiToken.objects.select_related("owner").filter(pk=token_id).first()
        if token is None:
            raise NotFound("Không tìm thấy mã truy cập.")
        return Status(200, _token(services.revoke_api_token(actor=_user(request), token=token)))

    return _run(run)


def _token(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk, "name": token.name, "owner": token.owner.get_username(),
        "prefix": token.prefix, "agencies": [a.code for a in token.agencies.all()],
        "created_at": token.created_at, "last_used_at": token.last_used_at,
        "expires_at": token.expires_at, "revoked_at": token.revoked_at,
    }  # fmt: skip


@router.post(
    "",
    response={200: DossierOut, 201: DossierOut, **ERRORS},
    summary="Nộp hồ sơ (header Idempotency-Key để gửi lại an toàn)",
)
def submit(request, body: SubmitIn):
    def run():
        user = _user(request)
        key = request.headers.get("Idempotency-Key") or None
        replay = bool(key) and Dossier.objects.filter(idempotency_key=key.strip()).exists()
        procedure = catalog_selectors.get_procedure(body.procedure)
        if procedure is None:
            raise ValidationError({"procedure": [f"Không tìm thấy thủ tục «{body.procedure}»."]})
        agency = _agency(body.agency)
        applicant = body.applicant.dict() if body.applicant else None
        common = {
            "actor": user, "procedure": procedure, "agency": agency, "form_data": body.form_data,
            "paper_group": body.paper_group, "subject": body.subject, "idempotency_key": key,
        }  # fmt: skip
        if body.channel == "online":
            d = services.submit_online(
                **common, applicant=applicant, result_delivery=body.result_delivery or "online"
            )
        else:
            if applicant is None:
                raise ValidationError({"applicant": ["Cần nhập thông tin chủ hồ sơ."]})
            desk = Desk.objects.filter(pk=body.desk, agency=agency).first() if body.desk else None
            d = services.register_at_desk(
                **common, applicant=applicant, channel=body.channel, desk=desk,
                result_delivery=body.result_delivery or "desk",
            )  # fmt: skip
        d = selectors.get_for_user(user, d.code) or d
        return Status(200 if replay else 201, _detail(d, user))

    return _run(run)


class DeskIntakeIn(Schema):
    """The ``payload`` part of ``POST /desk-intake`` (JSON text in a multipart form)."""

    procedure: str = PydanticField(description="Mã thủ tục, ví dụ 1.004946")
    agency: str = PydanticField(description="Mã định danh cơ quan tiếp nhận")
    applicant: ApplicantIn
    channel: str = PydanticField("direct", description="direct (trực tiếp) hoặc postal (bưu chính)")
    desk: int | None = PydanticField(None, description="Bộ phận một cửa của cơ quan")
    papers: list[int | None] = PydanticField(
        default_factory=list,
        description="Thành phần hồ sơ (id) của từng tệp `files`, cùng thứ tự; null: giấy tờ khác",
    )
    decision: str = PydanticField(
        "receive", description="receive, request_supplement hoặc refuse_reception"
    )
    items: list[SupplementItemIn] = PydanticField(
        default_factory=list, description="Giấy tờ cần bổ sung (request_supplement)"
    )
    reasons: str | list[str] = PydanticField("", description="Lý do từ chối (refuse_reception)")
    note: str = ""
    result_delivery: str = PydanticField("desk", description="desk, post hoặc online")
    paper_group: str = ""
    subject: str = ""
    form_data: dict[str, Any] = PydanticField(default_factory=dict)


_PAYLOAD_HELP = (
    "JSON: procedure, agency, applicant {kind, name, identity_number, tax_code, representative, "
    "phone, email, address}, channel (direct/postal), desk, papers (id thành phần hồ sơ của từng "
    "tệp, cùng thứ tự với files), decision (receive/request_supplement/refuse_reception), items "
    "[{paper, name, reason}], reasons, note, result_delivery, paper_group, subject, form_data"
)


def _intake_payload(text: str) -> DeskIntakeIn:
    """``payload`` parsed and checked, or a 422 naming each wrong field."""
    try:
        return DeskIntakeIn.model_validate_json(text)
    except PydanticValidationError as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors():
            field = ".".join(str(part) for part in e["loc"]) or "payload"
            errors.setdefault(field, []).append(f"Không hợp lệ: {e['msg']}.")
        raise invalid(errors, code="invalid_payload") from None


@router.post(
    "/desk-intake",
    response={200: DossierOut, 201: DossierOut, **ERRORS},
    summary="Tiếp nhận hồ sơ tại quầy: đăng ký và tiếp nhận (hoặc yêu cầu bổ sung, từ chối) một lần",
    description=(
        "Dành cho cán bộ tiếp nhận (một cửa) của cơ quan `agency`. `multipart/form-data`: phần "
        "`payload` là JSON (xem DeskIntakeIn), các tệp bản quét trong phần `files` (lặp lại), "
        "`payload.papers[i]` là thành phần hồ sơ của tệp thứ i. Đăng ký và quyết định "
        "(`decision`) chạy trong một giao dịch: bị từ chối (ví dụ còn thiếu giấy tờ: 422 "
        "`missing_papers`) thì không có hồ sơ nào và không tệp nào được lưu. Header "
        "`Idempotency-Key`: gửi lại cùng khóa trả về hồ sơ đã tạo (200), không tạo hồ sơ mới; "
        "khóa của tài khoản khác: 403."
    ),
)
def desk_intake(
    request,
    payload: Form[str, P(description=_PAYLOAD_HELP)],
    files: File[list[UploadedFile]] = None,
):
    def run():
        user = _user(request)
        body = _intake_payload(payload)
        uploads = list(files or [])
        if len(body.papers) != len(uploads):
            raise invalid(
                {
                    "papers": [
                        f"Gửi {len(uploads)} tệp nhưng payload.papers có {len(body.papers)} "
                        "mục: cần một mục (thành phần hồ sơ) cho mỗi tệp, cùng thứ tự."
                    ]
                }
            )
        key = (request.headers.get("Idempotency-Key") or "").strip() or None
        replay = bool(key) and Dossier.objects.filter(idempotency_key=key).exists()
        procedure = catalog_selectors.get_procedure(body.procedure)
        if procedure is None:
            raise ValidationError({"procedure": [f"Không tìm thấy thủ tục «{body.procedure}»."]})
        agency = _agency(body.agency)
        desk = Desk.objects.filter(pk=body.desk, agency=agency).first() if body.desk else None
        if body.desk and desk is None:
            raise invalid({"desk": ["Bộ phận một cửa không thuộc cơ quan tiếp nhận."]})
        d = services.receive_at_desk(
            actor=user, procedure=procedure, agency=agency, applicant=body.applicant.dict(),
            channel=body.channel, desk=desk, form_data=body.form_data,
            papers=[(paper, f, f.name or "") for paper, f in zip(body.papers, uploads, strict=True)],
            decision=body.decision, items=[i.dict() for i in body.items],
            reasons=body.reasons, note=body.note, result_delivery=body.result_delivery,
            paper_group=body.paper_group, subject=body.subject, idempotency_key=key,
        )  # fmt: skip
        d = selectors.get_for_user(user, d.code) or d
        return Status(200 if replay else 201, _detail(d, user))

    return _run(run)


@router.get("", response={200: PageOut, **ERRORS}, summary="Danh sách hồ sơ, có bộ lọc")
def list_dossiers(request, params: Query[ListParams]):
    def run():
        qs = selectors.list_dossiers(
            _user(request), status=params.status, agency=params.agency,
            procedure=params.procedure, channel=params.channel, overdue=params.overdue,
            received_from=params.received_from, received_to=params.received_to, q=params.q,
        )  # fmt: skip
        total = qs.count()
        start = (params.page - 1) * params.per_page
        items = [_summary(d) for d in qs[start : start + params.per_page]]
        return Status(
            200, {"total": total, "page": params.page, "per_page": params.per_page, "items": items}
        )

    return _run(run)


@router.get("/{code}", response={200: DossierOut, **ERRORS}, summary="Một hồ sơ, theo mã hồ sơ")
def read(request, code: str):
    return _run(lambda: Status(200, _detail(_dossier(request, code), _user(request))))


@router.post(
    "/{code}/actions/{action}",
    response={200: DossierOut, **ERRORS},
    summary="Thực hiện một thao tác trên hồ sơ (gửi kèm expected_version)",
)
def perform(request, code: str, action: str, body: ActionIn):
    def run():
        if action in FILE_ACTIONS:
            raise ValidationError(
                f"Thao tác «{action}» gửi kèm tệp: dùng {FILE_ACTIONS[action]}.", code="use_upload"
            )
        call = ACTION_CALLS.get(action)
        if call is None:
            raise NotFound(f"Không có thao tác «{action}».")
        d = _dossier(request, code)
        d = call(body, _common(request, d, body))
        return Status(200, _detail(d, _user(request)))

    return _run(run)


@router.post(
    "/{code}/papers",
    response={200: DossierOut, **ERRORS},
    summary="Nộp một thành phần hồ sơ (PDF, JPEG, PNG, DOCX)",
)
def upload_paper(
    request,
    code: str,
    file: File[UploadedFile],
    expected_version: Form[int],
    required_paper: Form[int | None] = None,
):
    def run():
        d = _dossier(request, code)
        d = services.attach_paper(
            actor=_user(request), dossier=d, expected_version=expected_version,
            required_paper=required_paper, file=file, file_name=file.name or "",
        )  # fmt: skip
        return Status(200, _detail(d, _user(request)))

    return _run(run)


@router.post(
    "/{code}/results",
    response={200: DossierOut, **ERRORS},
    summary="Phát hành kết quả giải quyết (tệp kết quả điện tử)",
)
def upload_result(
    request,
    code: str,
    file: File[UploadedFile],
    expected_version: Form[int],
    name: Form[str],
    number: Form[str] = "",
):
    def run():
        d = _dossier(request, code)
        d = services.issue_result(
            actor=_user(request), dossier=d, expected_version=expected_version, file=file,
            name=name, number=number, file_name=file.name or "",
        )  # fmt: skip
        return Status(200, _detail(d, _user(request)))

    return _run(run)


@router.get(
    "/{code}/results/{result_id}",
    response={200: None, **ERRORS},
    summary="Tải tệp kết quả",
)
def download_result(request, code: str, result_id: int):
    def run():
        d = _dossier(request, code)
        if not permissions.can_view_results(_user(request), d):
            raise PermissionDenied("Bạn không có quyền tải kết quả của hồ sơ này.")
        result = d.results.filter(pk=result_id).first()
        if result is None:
            raise NotFound("Không tìm thấy kết quả.")
        response = FileResponse(
            result.file.open("rb"),
            as_attachment=True,
            filename=result.original_name,
            content_type=result.content_type,
        )
        response["X-Content-SHA256"] = result.sha256
        return response

    return _run(run)


# --- mandated forms (Mẫu 01–06) as PDF ---------------------------------------------------------


def _base_url(request: HttpRequest) -> str:
    """The site the forms' QR codes point to: the host the caller reached the API on."""
    return request.build_absolute_uri("/").rstrip("/")


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Personal data: never kept by shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


def _day(value: str | None, field: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise invalid(
            {field: [f"«{text[:20]}» không phải ngày dạng YYYY-MM-DD."]}, code="invalid_date"
        ) from None


@router.get(
    "/forms/06.pdf",
    response={200: None, **ERRORS},
    summary="Sổ theo dõi hồ sơ (Mẫu 06) của một cơ quan trong một kỳ, dạng PDF",
    description=(
        "Chỉ cán bộ của cơ quan (hoặc cấp trên) và quản trị viên tỉnh. Kỳ tính theo ngày tiếp "
        "nhận (giờ Việt Nam), gồm cả hai đầu; bỏ trống `from`/`to`: từ đầu tháng đến hôm nay."
    ),
)
def tracking_book_pdf(
    request,
    agency: Query[str | None, P(description="Mã định danh cơ quan tiếp nhận")] = None,
    date_from: Query[str | None, P(alias="from", description="Từ ngày (YYYY-MM-DD)")] = None,
    date_to: Query[str | None, P(alias="to", description="Đến ngày (YYYY-MM-DD)")] = None,
):
    def run():
        user = _user(request)
        if not forms.can_download_book(user):
            raise PermissionDenied(
                "Sổ theo dõi hồ sơ (Mẫu 06) chỉ dành cho cán bộ của cơ quan tiếp nhận."
            )
        if not agency:
            raise invalid({"agency": ["Cần ghi mã định danh cơ quan (agency)."]}, code="required")
        the_agency = _agency(agency)
        start, end = _day(date_from, "from"), _day(date_to, "to")
        today = clock.now().astimezone(timing.TZ).date()
        end = end or (today if start is None or start <= today else start)
        start = start or end.replace(day=1)
        period = forms.Period(start, end)
        pdf = forms.render_form(
            form_code=forms.BOOK_FORM, user=user, base_url=_base_url(request),
            agency=the_agency, period=period,
        )  # fmt: skip
        return _pdf(pdf, forms.filename(forms.BOOK_FORM, agency=the_agency, period=period))

    return _run(run)


@router.get(
    "/{code}/forms/{form_code}.pdf",
    response={200: None, **ERRORS},
    summary="Tải mẫu phiếu của hồ sơ (Mẫu 01–05) dạng PDF",
    description=(
        "01 Giấy tiếp nhận và hẹn trả kết quả, 02 Phiếu yêu cầu bổ sung, 03 Phiếu từ chối tiếp "
        "nhận, 04 Phiếu xin lỗi và hẹn lại ngày trả, 05 Phiếu kiểm soát. Người nộp được tải "
        "01–04 của hồ sơ của mình; cán bộ của các cơ quan tiếp nhận, giải quyết hồ sơ tải cả "
        "01–05. Hồ sơ chưa có phiếu đó: 409 `form_not_available`."
    ),
)
def dossier_form_pdf(request, code: str, form_code: str):
    def run():
        if form_code not in forms.DOSSIER_FORMS:
            raise NotFound(
                f"Hồ sơ không có mẫu «{form_code}»; các mẫu của một hồ sơ là 01–05 (Mẫu 06, Sổ "
                "theo dõi hồ sơ, ở /api/v1/dossiers/forms/06.pdf)."
            )
        d = _dossier(request, code)
        pdf = forms.render_form(
            dossier=d, form_code=form_code, user=_user(request), base_url=_base_url(request)
        )
        return _pdf(pdf, forms.filename(form_code, dossier=d))

    return _run(run)


# --- satisfaction rating -------------------------------------------------------------------------


class RatingIn(Schema):
    level: str = PydanticField(description="very_satisfied, satisfied hoặc not_satisfied")
    reasons: list[str] = PydanticField(
        default_factory=list,
        description="Mã các lý do (GET /api/v1/dossiers/rating-reasons): lý do đang dùng và dùng "
        "được cho mức đã chọn",
    )
    comment: str = ""


class RatingOut(Schema):
    code: str
    level: str
    level_label: str
    reasons: list[str]
    comment: str
    created_at: datetime


@router.post(
    "/{code}/rating",
    response={201: RatingOut, **ERRORS},
    summary="Người nộp đánh giá mức độ hài lòng (một lần, khi hồ sơ đã có kết quả)",
)
def rate(request, code: str, body: RatingIn):
    def run():
        d = _dossier(request, code)
        r = ratings.rate_dossier(_user(request), d, body.level, body.reasons, body.comment)
        return Status(
            201,
            {
                "code": d.code, "level": r.level, "level_label": r.get_level_display(),
                "reasons": r.reasons, "comment": r.comment, "created_at": r.created_at,
            },
        )  # fmt: skip

    return _run(run)
