"""REST API of online applications in progress, mounted at ``/api/v1/dossier-drafts``.

A draft (hồ sơ lưu tạm) is created for a procedure, filled in with ``PATCH``, given its papers one
file at a time, then submitted. Submission is idempotent by construction: the draft carries its
own ``submission_key``, used as the dossier's idempotency key, so repeating ``POST …/submit``
(a retry after a lost answer) returns the same dossier with 200 instead of 201. A client may
also send ``Idempotency-Key``; it must then be the draft's ``submission_key``.

Only the owner sees a draft: anyone else gets 404. Errors are the API's usual JSON
``{"detail", "code", "errors"}``: 404 ``not_found``, 403 ``forbidden``, 409 ``draft_submitted``,
422 for input (``not_online``, ``file_type``, ``file_too_large``, ``missing_papers``,
``incomplete_draft``, ``invalid_applicant``…).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field as PydanticField

from chinhquyen.catalog import selectors as catalog_selectors
from chinhquyen.dossiers import draft_selectors, drafts
from chinhquyen.dossiers.auth import dossier_auth
from chinhquyen.dossiers.errors import DossierStateError, error_code, invalid
from chinhquyen.dossiers.models import DossierDraft

router = Router(tags=["dossier-drafts"], auth=dossier_auth())


class ErrorOut(Schema):
    detail: str
    code: str
    errors: dict[str, list[str]] | None = None


ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class DraftIn(Schema):
    procedure: str = PydanticField(description="Mã thủ tục, ví dụ 1.004946")
    agency: str | None = PydanticField(None, description="Mã định danh cơ quan tiếp nhận")


class ApplicantIn(Schema):
    kind: str = "person"
    name: str = ""
    identity_number: str = ""
    tax_code: str = ""
    representative: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


class DraftUpdate(Schema):
    applicant_choice: str | None = PydanticField(None, description="self hoặc rep-<id>")
    applicant: ApplicantIn | None = None
    subject: str | None = None
    form_data: dict[str, Any] | None = None
    paper_group: str | None = None
    result_delivery: str | None = PydanticField(None, description="online, post hoặc desk")
    agency: str | None = PydanticField(None, description="Mã định danh cơ quan tiếp nhận")


class DraftPaperOut(Schema):
    id: int
    required_paper: int | None
    required_paper_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class DraftOut(Schema):
    id: UUID
    procedure_code: str
    procedure_name: str
    agency_code: str | None
    agency_name: str | None
    applicant_choice: str
    applicant: dict[str, str]
    subject: str
    form_data: dict[str, Any]
    paper_group: str
    result_delivery: str
    papers: list[DraftPaperOut]
    missing_papers: list[str]
    problems: dict[str, list[str]]
    submission_key: str
    dossier_code: str | None
    created_at: datetime
    updated_at: datetime


class SubmittedOut(Schema):
    code: str
    agency_code: str
    agency_name: str
    submitted_at: datetime
    expected_result_at: datetime | None = PydanticField(
        None, description="Dự kiến có kết quả nếu được tiếp nhận vào ngày làm việc tiếp theo"
    )
    lookup_secret: str


class NotFound(Exception):
    pass


def _error(status: int, detail: str, code: str, errors: dict | None = None) -> Status:
    return Status(status, {"detail": detail, "code": code, "errors": errors})


def _run(fn):
    """Run ``fn`` and turn the exceptions of drafts and the engine into structured errors."""
    try:
        return fn()
    except NotFound:
        return _error(404, "Không tìm thấy hồ sơ lưu tạm.", "not_found")
    except PermissionDenied as exc:
        return _error(403, str(exc) or "Bạn không có quyền thực hiện thao tác này.", "forbidden")
    except DossierStateError as exc:
        return _error(409, exc.messages[0], error_code(exc), {"__all__": exc.messages})
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        first = next(iter(errors.values()))[0]
        return _error(422, first, error_code(exc), errors)


def _draft(request: HttpRequest, draft_id: UUID) -> DossierDraft:
    found = draft_selectors.get_draft(request.auth, draft_id)
    if found is None:
        raise NotFound
    return found


def _out(draft: DossierDraft) -> dict[str, Any]:
    data = draft.data or {}
    return {
        "id": draft.public_id,
        "procedure_code": draft.procedure.code,
        "procedure_name": draft.procedure.name,
        "agency_code": draft.agency.code if draft.agency_id else None,
        "agency_name": draft.agency.name if draft.agency_id else None,
        "applicant_choice": data.get("applicant_choice", drafts.SELF),
        "applicant": data.get("applicant") or {},
        "subject": data.get("subject", ""),
        "form_data": data.get("form_data") or {},
        "paper_group": data.get("paper_group", ""),
        "result_delivery": data.get("result_delivery", ""),
        "papers": [
            {
                "id": p.pk,
                "required_paper": p.required_paper_id,
                "required_paper_name": p.required_paper.name if p.required_paper_id else "",
                "original_name": p.original_name,
                "content_type": p.content_type,
                "size": p.size,
                "sha256": p.sha256,
                "uploaded_at": p.uploaded_at,
            }  # fmt: skip
            for p in draft.papers.select_related("required_paper")
        ],
        "missing_papers": [p.name for p in drafts.missing_papers(draft)]
        if draft.dossier_id is None
        else [],
        "problems": drafts.problems(draft) if draft.dossier_id is None else {},
        "submission_key": draft.submission_key,
        "dossier_code": draft.dossier.code if draft.dossier_id else None,
        "created_at": draft.created_at,
        "updated_at": draft.updated_at,
    }


def _fresh(request: HttpRequest, draft: DossierDraft) -> dict[str, Any]:
    return _out(draft_selectors.get_draft(request.auth, draft.public_id))


@router.post("", response={201: DraftOut, **ERRORS}, summary="Bắt đầu một hồ sơ lưu tạm")
def create(request, body: DraftIn):
    def run():
        procedure = catalog_selectors.get_procedure(body.procedure)
        if procedure is None:
            raise ValidationError({"procedure": [f"Không tìm thấy thủ tục «{body.procedure}»."]})
        draft = drafts.start_draft(actor=request.auth, procedure=procedure, agency=body.agency)
        return Status(201, _fresh(request, draft))

    return _run(run)


@router.get("", response={200: list[DraftOut], **ERRORS}, summary="Hồ sơ lưu tạm của tôi")
def list_drafts(request):
    return _run(lambda: Status(200, [_out(d) for d in draft_selectors.open_drafts(request.auth)]))


@router.get("/{draft_id}", response={200: DraftOut, **ERRORS}, summary="Một hồ sơ lưu tạm")
def read(request, draft_id: UUID):
    return _run(lambda: Status(200, _out(_draft(request, draft_id))))


@router.patch(
    "/{draft_id}", response={200: DraftOut, **ERRORS}, summary="Lưu tạm (chỉ các trường gửi lên)"
)
def update(request, draft_id: UUID, body: DraftUpdate):
    def run():
        draft = _draft(request, draft_id)
        data = body.dict(exclude_unset=True)
        drafts.save_draft(actor=request.auth, draft=draft, data=data)
        return Status(200, _fresh(request, draft))

    return _run(run)


@router.delete("/{draft_id}", response={204: None, **ERRORS}, summary="Xóa hồ sơ lưu tạm")
def delete(request, draft_id: UUID):
    def run():
        drafts.delete_draft(actor=request.auth, draft=_draft(request, draft_id))
        return Status(204, None)

    return _run(run)


@router.post(
    "/{draft_id}/papers",
    response={201: DraftOut, **ERRORS},
    summary="Tải lên một tệp cho một thành phần hồ sơ (PDF, JPEG, PNG, DOCX)",
)
def upload_paper(request, draft_id: UUID, file: File[UploadedFile], required_paper: Form[int]):
    def run():
        draft = _draft(request, draft_id)
        drafts.add_draft_paper(
            actor=request.auth, draft=draft, required_paper=required_paper, file=file,
            file_name=file.name or "",
        )  # fmt: skip
        return Status(201, _fresh(request, draft))

    return _run(run)


@router.delete(
    "/{draft_id}/papers/{paper_id}", response={200: DraftOut, **ERRORS}, summary="Bỏ một tệp"
)
def remove_paper(request, draft_id: UUID, paper_id: int):
    def run():
        draft = _draft(request, draft_id)
        drafts.remove_draft_paper(actor=request.auth, draft=draft, paper=paper_id)
        return Status(200, _fresh(request, draft))

    return _run(run)


@router.post(
    "/{draft_id}/submit",
    response={200: SubmittedOut, 201: SubmittedOut, **ERRORS},
    summary="Nộp hồ sơ (gửi lại an toàn: cùng một hồ sơ, 200)",
)
def submit(request, draft_id: UUID):
    def run():
        draft = _draft(request, draft_id)
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if key and key != draft.submission_key:
            raise invalid(
                {"Idempotency-Key": ["Khóa chống nộp trùng phải là submission_key của bản nháp."]},
                code="idempotency_key_mismatch",
            )
        replay = draft.dossier_id is not None
        dossier = drafts.submit_draft(actor=request.auth, draft=draft)
        return Status(
            200 if replay else 201,
            {
                "code": dossier.code,
                "agency_code": dossier.agency.code,
                "agency_name": dossier.agency.name,
                "submitted_at": dossier.submitted_at,
                "expected_result_at": draft_selectors.expected_result_date(dossier),
                "lookup_secret": dossier.lookup_secret,
            },
        )

    return _run(run)
