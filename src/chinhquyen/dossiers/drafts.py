"""Write side of online applications in progress (hồ sơ lưu tạm, :class:`DossierDraft`).

A citizen fills in an application over several screens (or API calls) and may leave at any
moment: every step is saved on the server, on the account, so a session that expires, a closed
browser or another device loses nothing. Submitting turns the draft into a dossier through
:func:`chinhquyen.dossiers.services.submit_online`, with the draft's own ``submission_key`` as the
idempotency key, so a double click or a retried request yields one dossier.

Same conventions as :mod:`.services`: keyword-only arguments, the owner check first, Vietnamese
messages (:mod:`.errors`), files checked by :mod:`.files` before anything is stored.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction

from chinhquyen.accounts.models import User
from chinhquyen.accounts.selectors import own_applicant
from chinhquyen.audit import services as audit
from chinhquyen.catalog.models import PaperKind, Procedure, ProcedureAgency, RequiredPaper
from chinhquyen.dossiers import clock, files, permissions, services
from chinhquyen.dossiers.errors import DossierStateError, invalid
from chinhquyen.dossiers.models import (
    Delivery,
    Dossier,
    DossierDraft,
    DraftPaper,
)
from chinhquyen.organizations.models import Agency

MAX_OPEN_DRAFTS = 50
MAX_FILES_PER_PAPER = 10
MAX_FILES_PER_DRAFT = 40
MAX_TEXT = 4000
STEPS = ("applicant", "details", "papers", "review")
APPLICANT_FIELDS = (
    "kind",
    "name",
    "identity_number",
    "tax_code",
    "representative",
    "phone",
    "email",
    "address",
)
DATA_KEYS = (
    "applicant_choice",
    "applicant",
    "subject",
    "form_data",
    "paper_group",
    "result_delivery",
    "agency",
    "step",
)
SELF = "self"
_PLACEHOLDER_TAX_CODE = "0000000000"


# --- helpers ---------------------------------------------------------------------------------


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_owner(user: Any, draft: DossierDraft) -> bool:
    """Only the account that started a draft may see or change it."""
    return _active(user) and draft.owner_id == user.pk


def _check_owner(actor: Any, draft: DossierDraft) -> None:
    if not is_owner(actor, draft):
        raise PermissionDenied("Bạn không có quyền xem hay sửa hồ sơ lưu tạm này.")


def _check_open(draft: DossierDraft) -> None:
    if draft.dossier_id is not None:
        raise DossierStateError(
            "Hồ sơ này đã được nộp; không sửa được bản lưu tạm nữa.", code="draft_submitted"
        )


def _check_online(procedure: Procedure) -> None:
    if not procedure.is_active:
        raise invalid(
            {"procedure": [f"Thủ tục {procedure.code} không còn áp dụng."]}, code="inactive"
        )
    if not procedure.accepts_online:
        raise invalid(
            {
                "procedure": [
                    f"Thủ tục {procedure.code} chưa nhận hồ sơ trực tuyến; vui lòng nộp trực "
                    "tiếp tại Bộ phận Một cửa hoặc qua bưu chính."
                ]
            },
            code="not_online",
        )


def receiving_agencies(procedure: Procedure) -> list[Agency]:
    """Agencies a citizen may send this procedure's dossier to.

    The places named as receiving (nơi tiếp nhận) if the catalog names any, else every local agency
    that handles the procedure; a procedure with no local agency yet may go to any active agency
    (the engine accepts that too).
    """
    links = ProcedureAgency.objects.filter(procedure=procedure, agency__is_active=True)
    receiving = links.filter(role=ProcedureAgency.Role.RECEIVING)
    chosen = receiving if receiving.exists() else links
    ids = set(chosen.values_list("agency_id", flat=True))
    if ids:
        return list(Agency.objects.filter(pk__in=ids).order_by("name"))
    if ProcedureAgency.objects.filter(procedure=procedure).exists():
        return []
    return list(Agency.objects.filter(is_active=True).order_by("name"))


def _agency_for(procedure: Procedure, value: Any) -> Agency | None:
    if value in (None, ""):
        return None
    options = receiving_agencies(procedure)
    for agency in options:
        if (isinstance(value, Agency) and agency.pk == value.pk) or str(value).strip() in (
            agency.code,
            str(agency.pk),
        ):
            return agency
    raise invalid(
        {
            "agency": [
                "Cơ quan này không tiếp nhận hồ sơ của thủ tục; vui lòng chọn trong danh sách."
            ]
        },
        code="wrong_agency",
    )


def account_applicant(user: Any) -> dict[str, str]:
    """The account's own data as applicant (chủ hồ sơ)."""
    return own_applicant(user)


def _text(value: Any, field: str, label: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise invalid({field: [f"{label} phải là chữ."]})
    text = " ".join(str(value).split()) if limit <= 500 else str(value).strip()
    if len(text) > limit:
        raise invalid({field: [f"{label} dài quá {limit} ký tự."]})
    return text


def clean_draft_applicant(values: Any) -> dict[str, str]:
    """Applicant fields of a draft: every field given is checked as the engine will check it;
    what is still missing (the name, an organisation's tax code) is only required on submission."""
    if not isinstance(values, Mapping):
        raise invalid({"applicant": ["Thông tin chủ hồ sơ không hợp lệ."]})
    raw = dict(values)
    name = " ".join(str(raw.get("name") or "").split())
    tax_code = " ".join(str(raw.get("tax_code") or "").split())
    # Stand-ins for what may still be missing, so that only real mistakes are reported now.
    probe = {**raw, "name": name or "-", "tax_code": tax_code or _PLACEHOLDER_TAX_CODE}
    out = services.clean_applicant(probe)
    out["tax_code"] = tax_code
    out["name"] = name
    return out


def _clean_form_data(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise invalid({"form_data": ["Dữ liệu biểu mẫu điện tử phải là một bảng khóa – giá trị."]})
    data = dict(value)
    if len(json.dumps(data, default=str)) > services.MAX_FORM_DATA_BYTES:
        raise invalid({"form_data": ["Dữ liệu biểu mẫu điện tử quá lớn (tối đa 200 KB)."]})
    return data


def discard_later(names: list[str]) -> None:
    """Delete stored files once the transaction that stops using them has committed."""

    def run() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:  # pragma: no cover - best effort
                pass

    transaction.on_commit(run)


def _touch(draft: DossierDraft) -> None:
    draft.save(update_fields=["updated_at"])


# --- actions ---------------------------------------------------------------------------------


def start_draft(*, actor: User, procedure: Procedure, agency: Agency | None = None) -> DossierDraft:
    """Bắt đầu nộp hồ sơ trực tuyến: a new draft prefilled with the account's own data.

    Only for a procedure that accepts online dossiers, and an account that may apply online.
    """
    if not permissions.can_submit_online(actor):
        raise PermissionDenied("Vui lòng đăng nhập để nộp hồ sơ trực tuyến.")
    _check_online(procedure)
    if DossierDraft.objects.filter(owner=actor, dossier__isnull=True).count() >= MAX_OPEN_DRAFTS:
        raise invalid(
            f"Bạn đang có {MAX_OPEN_DRAFTS} hồ sơ lưu tạm; vui lòng nộp hoặc xóa bớt trước khi "
            "bắt đầu hồ sơ mới.",
            code="too_many_drafts",
        )
    chosen = _agency_for(procedure, agency)
    if chosen is None:
        options = receiving_agencies(procedure)
        chosen = options[0] if len(options) == 1 else None
    return DossierDraft.objects.create(
        public_id=uuid.uuid4(),
        owner=actor,
        procedure=procedure,
        agency=chosen,
        data={
            "applicant_choice": SELF,
            "applicant": account_applicant(actor),
            "subject": "",
            "form_data": {},
            "paper_group": "",
            "result_delivery": Delivery.ONLINE,
            "step": STEPS[0],
        },
        submission_key=f"draft-{uuid.uuid4().hex}",
    )


def save_draft(*, actor: User, draft: DossierDraft, data: Mapping[str, Any]) -> DossierDraft:
    """Lưu tạm: merge ``data`` into the draft.

    Keys: ``applicant_choice`` and ``applicant`` (chủ hồ sơ), ``subject``, ``form_data`` (e-form
    fields), ``paper_group`` (trường hợp), ``result_delivery``, ``agency`` (receiving agency, an
    Agency, its code or id), ``step`` (where the citizen is). What is given is checked now (a wrong
    phone number is refused with its message); what is still missing is only required on
    submission. Any error leaves the draft as it was.
    """
    _check_owner(actor, draft)
    _check_open(draft)
    unknown = set(data) - set(DATA_KEYS)
    if unknown:
        raise invalid({k: ["Trường không có trong hồ sơ lưu tạm."] for k in sorted(unknown)})
    merged = dict(draft.data or {})
    agency = draft.agency
    if "applicant" in data:
        merged["applicant"] = clean_draft_applicant(data["applicant"])
    if "applicant_choice" in data:
        merged["applicant_choice"] = _text(data["applicant_choice"], "applicant_choice",
                                           "Lựa chọn chủ hồ sơ", 100) or SELF  # fmt: skip
    if "subject" in data:
        merged["subject"] = _text(data["subject"], "subject", "Trích yếu", 500)
    if "form_data" in data:
        merged["form_data"] = _clean_form_data(data["form_data"])
    if "paper_group" in data:
        group = _text(data["paper_group"], "paper_group", "Trường hợp", MAX_TEXT)
        if group and not draft.procedure.papers.filter(group=group).exists():
            raise invalid({"paper_group": ["Thủ tục không có trường hợp (nhóm giấy tờ) này."]})
        merged["paper_group"] = group
    if "result_delivery" in data:
        delivery = _text(data["result_delivery"], "result_delivery", "Nơi nhận kết quả", 20)
        if delivery not in Delivery.values:
            raise invalid({"result_delivery": ["Nơi nhận kết quả không hợp lệ."]})
        merged["result_delivery"] = delivery
    if "step" in data:
        step = _text(data["step"], "step", "Bước", 20)
        if step not in STEPS:
            raise invalid({"step": ["Bước không hợp lệ."]})
        merged["step"] = step
    if "agency" in data:
        agency = _agency_for(draft.procedure, data["agency"])
    draft.data = merged
    draft.agency = agency
    draft.save(update_fields=["data", "agency", "updated_at"])
    return draft


def add_draft_paper(
    *,
    actor: User,
    draft: DossierDraft,
    required_paper: RequiredPaper | int,
    file: Any,
    file_name: str = "",
) -> DraftPaper:
    """Tải lên một thành phần hồ sơ: the file is checked (type by content, size) before storage."""
    _check_owner(actor, draft)
    _check_open(draft)
    pk = required_paper.pk if isinstance(required_paper, RequiredPaper) else required_paper
    paper = RequiredPaper.objects.filter(pk=pk, procedure_id=draft.procedure_id).first()
    if paper is None:
        raise invalid(
            {"required_paper": ["Thành phần hồ sơ này không thuộc thủ tục đang nộp."]},
            code="invalid",
        )
    if paper.kind == PaperKind.NOTE:  # guidance (lưu ý), not a paper
        raise invalid(
            {"required_paper": ["Đây là lưu ý của thủ tục, không phải giấy tờ cần tải lên."]},
            code="invalid",
        )
    if draft.papers.filter(required_paper=paper).count() >= MAX_FILES_PER_PAPER:
        raise invalid(
            {"file": [f"Mỗi thành phần hồ sơ nhận tối đa {MAX_FILES_PER_PAPER} tệp."]},
            code="too_many_files",
        )
    if draft.papers.count() >= MAX_FILES_PER_DRAFT:
        raise invalid(
            {"file": [f"Một hồ sơ nhận tối đa {MAX_FILES_PER_DRAFT} tệp."]}, code="too_many_files"
        )
    checked = files.check(file, name=file_name)
    at = clock.now()
    name = files.store(checked, f"dossiers/drafts/{at:%Y/%m}")
    try:
        with transaction.atomic():
            item = DraftPaper.objects.create(
                draft=draft,
                required_paper=paper,
                file=name,
                original_name=checked.original_name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                uploaded_at=at,
            )
            _touch(draft)
    except BaseException:
        default_storage.delete(name)
        raise
    return item


def remove_draft_paper(*, actor: User, draft: DossierDraft, paper: DraftPaper | int) -> None:
    """Bỏ một tệp đã tải lên (the stored file goes once the change is committed)."""
    _check_owner(actor, draft)
    _check_open(draft)
    pk = paper.pk if isinstance(paper, DraftPaper) else paper
    item = DraftPaper.objects.filter(pk=pk, draft=draft).first()
    if item is None:
        raise invalid({"paper": ["Không tìm thấy tệp này trong hồ sơ lưu tạm."]}, code="not_found")
    with transaction.atomic():
        name = item.file.name
        item.delete()
        _touch(draft)
        discard_later([name])


def delete_draft(*, actor: User, draft: DossierDraft) -> None:
    """Xóa hồ sơ lưu tạm và các tệp của nó (a submitted dossier is not affected)."""
    _check_owner(actor, draft)
    _check_open(draft)
    with transaction.atomic():
        names = [p.file.name for p in draft.papers.all()]
        audit.record(
            "dossiers.draft_deleted",
            obj=draft,
            changes={"procedure": draft.procedure.code, "files": len(names)},
            actor=actor,
        )
        draft.delete()
        discard_later(names)


def _draft_as_dossier(draft: DossierDraft) -> SimpleNamespace:
    """What :func:`services.missing_papers` reads of a dossier, taken from the draft."""
    return SimpleNamespace(
        procedure=draft.procedure,
        papers=draft.papers,
        paper_group=(draft.data or {}).get("paper_group", ""),
    )


def missing_papers(draft: DossierDraft) -> list[RequiredPaper]:
    """Required papers with no file yet, by the same rule the desk applies on reception."""
    return services.missing_papers(_draft_as_dossier(draft))


def problems(draft: DossierDraft) -> dict[str, list[str]]:
    """What still stops the draft from being submitted, per field (empty: ready)."""
    data = draft.data or {}
    errors: dict[str, list[str]] = {}
    try:
        applicant = services.clean_applicant(
            {k: v for k, v in (data.get("applicant") or {}).items() if k in APPLICANT_FIELDS}
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    else:
        if data.get("result_delivery") == Delivery.POST and not applicant["address"]:
            errors["address"] = ["Nhận kết quả qua bưu chính: cần nhập địa chỉ nhận."]
    if draft.agency_id is None:
        errors["agency"] = ["Cần chọn cơ quan tiếp nhận hồ sơ."]
    missing = missing_papers(draft)
    if missing:
        errors["papers"] = [f"Còn thiếu: {p.name[:200]}" for p in missing]
    return errors


@transaction.atomic
def submit_draft(*, actor: User, draft: DossierDraft) -> Dossier:
    """Nộp hồ sơ: the draft becomes a dossier (national status 1) with its papers.

    The draft is locked, so two clicks arriving together wait for each other; the second finds
    the dossier of the first and returns it. The engine is called with the draft's
    ``submission_key`` as idempotency key, so a retry after a lost answer returns the same dossier.
    The draft's own copies of the files are deleted once the dossier holds its own.
    """
    _check_owner(actor, draft)
    # No join to the dossier here: a request that waited for the lock sees the draft row as the
    # first one left it, but a joined row from before the wait (PostgreSQL, read committed).
    locked = (
        DossierDraft.objects.select_for_update(of=("self",))
        .select_related("procedure", "agency")
        .get(pk=draft.pk)
    )
    if locked.dossier_id is not None:
        draft.dossier = Dossier.objects.select_related("agency").get(pk=locked.dossier_id)
        return draft.dossier
    errors = problems(locked)
    if errors:
        code = "missing_papers" if set(errors) == {"papers"} else "incomplete_draft"
        raise invalid(errors, code=code)
    data = locked.data or {}
    items = list(locked.papers.select_related("required_paper"))
    papers = []
    try:
        for item in items:
            item.file.open("rb")
            papers.append((item.required_paper, item.file, item.original_name))
        dossier = services.submit_online(
            actor=actor,
            procedure=locked.procedure,
            agency=locked.agency,
            applicant={k: v for k, v in data["applicant"].items() if k in APPLICANT_FIELDS},
            form_data=data.get("form_data") or {},
            papers=papers,
            result_delivery=data.get("result_delivery") or Delivery.ONLINE,
            paper_group=data.get("paper_group") or "",
            subject=data.get("subject") or "",
            idempotency_key=locked.submission_key,
        )
    finally:
        for item in items:
            item.file.close()
    locked.dossier = dossier
    locked.save(update_fields=["dossier", "updated_at"])
    audit.record(
        "dossiers.draft_submitted",
        obj=locked,
        changes={"dossier": dossier.code, "papers": len(items)},
        actor=actor,
    )
    names = [item.file.name for item in items]
    DraftPaper.objects.filter(draft=locked).delete()
    discard_later(names)
    draft.dossier = dossier
    return dossier
