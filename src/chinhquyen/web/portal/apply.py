"""Nộp hồ sơ trực tuyến: the citizen's guided form, built from the procedure.

Four steps, each saved on the server as it is sent (hồ sơ lưu tạm, see
:mod:`chinhquyen.dossiers.drafts`): who applies, what is asked, the papers, and a review before
"Nộp hồ sơ". A draft belongs to the account, not to the browser session: when the session has
expired, any request (a POST too) is sent to the login page with ``?next=`` pointing back at the
step, and what was saved before is still there after logging in again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chinhquyen.catalog import selectors as catalog_selectors
from chinhquyen.catalog.models import PaperKind, Procedure
from chinhquyen.dossiers import draft_selectors, drafts, files, services
from chinhquyen.dossiers import housekeeping as draft_housekeeping
from chinhquyen.dossiers.models import ApplicantKind, Delivery, DossierDraft

STEPS = [
    ("applicant", "portal:apply_applicant", "Người nộp"),
    ("details", "portal:apply_details", "Nội dung"),
    ("papers", "portal:apply_papers", "Giấy tờ"),
    ("review", "portal:apply_review", "Xem lại và nộp"),
]
STEP_URLS = {key: name for key, name, _ in STEPS}
DELIVERY_LABELS = {
    Delivery.ONLINE: "Nhận kết quả điện tử trên Cổng (tải về)",
    Delivery.POST: "Nhận qua bưu điện tại địa chỉ của tôi",
    Delivery.DESK: "Nhận trực tiếp tại Bộ phận Một cửa",
}


# --- access ----------------------------------------------------------------------------------


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _draft_url(name: str, draft: DossierDraft | Any) -> str:
    public_id = draft.public_id if isinstance(draft, DossierDraft) else draft
    return reverse(name, kwargs={"draft_id": public_id})


def login_first(resume: str | None = None) -> Callable:
    """Send a visitor without a session to the login page, then back to where they were.

    ``resume`` names the page to come back to when the request itself cannot be repeated with GET
    (an upload, a submission): the draft's step page, never the POST-only address.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated:
                return view(request, *args, **kwargs)
            target = request.get_full_path()
            if resume:
                try:
                    target = reverse(resume, kwargs={"draft_id": kwargs["draft_id"]})
                except (KeyError, NoReverseMatch):
                    target = reverse(resume)
            if request.method == "POST":
                messages.warning(
                    request,
                    "Phiên đăng nhập đã hết hạn. Những gì bạn đã lưu trước đó vẫn được giữ; "
                    "vui lòng đăng nhập lại để tiếp tục.",
                )
            response = redirect_to_login(target)
            if _is_htmx(request):
                out = HttpResponse(status=204)
                out["HX-Redirect"] = response["Location"]
                return out
            return response

        return wrapper

    return decorate


def _draft(request: HttpRequest, draft_id: Any) -> DossierDraft:
    draft = draft_selectors.get_draft(request.user, draft_id)
    if draft is None:
        raise Http404("Không tìm thấy hồ sơ lưu tạm.")
    return draft


def _open_draft(request: HttpRequest, draft_id: Any) -> DossierDraft | HttpResponse:
    """The draft, or a redirect to its confirmation page once it has been submitted."""
    draft = _draft(request, draft_id)
    if draft.dossier_id is not None:
        return redirect(_draft_url("portal:apply_done", draft))
    return draft


def _add_errors(form: forms.Form, exc: ValidationError, prefix: str = "") -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    for key, items in errors.items():
        name = key[len(prefix) :] if prefix and key.startswith(prefix) else key
        for message in items:
            form.add_error(name if name in form.fields else None, message)


def _context(draft: DossierDraft, step: str, **extra: Any) -> dict[str, Any]:
    return {
        "draft": draft,
        "procedure": draft.procedure,
        "steps": [
            {"key": k, "url": _draft_url(name, draft), "label": label, "number": i}
            for i, (k, name, label) in enumerate(STEPS, start=1)
        ],
        "step": step,
        "step_number": [k for k, _, _ in STEPS].index(step) + 1,
        **extra,
    }


def _go(request: HttpRequest, draft: DossierDraft, step: str) -> HttpResponse:
    if "luu" in request.POST:
        messages.success(request, "Đã lưu tạm. Bạn có thể quay lại tiếp tục bất cứ lúc nào.")
        return redirect(request.path)
    return redirect(_draft_url(STEP_URLS[step], draft))


# --- list and start --------------------------------------------------------------------------


@require_GET
@login_first()
def draft_list(request: HttpRequest) -> HttpResponse:
    """Hồ sơ lưu tạm: my applications not yet submitted (continue or delete), each with the day
    it is deleted if left untouched (:mod:`chinhquyen.dossiers.housekeeping`)."""
    keep = draft_housekeeping.retention()
    items = [
        {
            "draft": d,
            "url": _draft_url(STEP_URLS.get((d.data or {}).get("step"), STEPS[0][1]), d),
            "deleted_after": d.updated_at + keep if keep else None,
        }
        for d in draft_selectors.open_drafts(request.user)
    ]
    context = {"items": items, "retention_days": keep.days if keep else None}
    return render(request, "portal/apply/drafts.html", context)


def _procedure(code: str) -> Procedure:
    procedure = catalog_selectors.get_procedure(code)
    if procedure is None:
        raise Http404("Không tìm thấy thủ tục.")
    return procedure


@require_http_methods(["GET", "POST"])
@login_first()
def start(request: HttpRequest, code: str) -> HttpResponse:
    """What applying for this procedure online needs, and "Bắt đầu" (a new draft)."""
    procedure = _procedure(code)
    error = ""
    if request.method == "POST":
        try:
            draft = drafts.start_draft(actor=request.user, procedure=procedure)
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(getattr(exc, "messages", None) or [str(exc)])
        else:
            return redirect(_draft_url("portal:apply_applicant", draft))
    existing = [
        {"draft": d, "url": _draft_url(STEP_URLS.get((d.data or {}).get("step"), STEPS[0][1]), d)}
        for d in draft_selectors.open_drafts(request.user).filter(procedure=procedure)
    ]
    context = {
        "procedure": procedure,
        "papers": [p for p in procedure.papers.all() if p.kind != PaperKind.NOTE],
        "online_channel": next(
            (c for c in procedure.channels.all() if c.channel == "online"), None
        ),  # fmt: skip
        "existing": existing,
        "error": error,
    }
    return render(request, "portal/apply/start.html", context, status=422 if error else 200)


# --- step 1: applicant -----------------------------------------------------------------------


class ApplicantForm(forms.Form):
    kind = forms.ChoiceField(
        label="Chủ hồ sơ là",
        choices=ApplicantKind.choices,
        widget=forms.RadioSelect,
        initial=ApplicantKind.PERSON,
    )
    # Not required here so a partial draft saves ("Lưu tạm"); submission requires it, and the
    # template labels it "bắt buộc khi nộp".
    name = forms.CharField(
        label="Họ và tên (hoặc tên tổ chức)",
        max_length=255,
        required=False,
        help_text="Có thể lưu tạm khi chưa điền; cần có trước khi nộp hồ sơ.",
    )
    identity_number = forms.CharField(
        label="Số định danh cá nhân (CCCD)",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text="12 chữ số trên căn cước công dân.",
    )
    tax_code = forms.CharField(
        label="Mã số thuế/mã số doanh nghiệp",
        max_length=20,
        required=False,
        help_text="Chỉ cần khi chủ hồ sơ là tổ chức, doanh nghiệp.",
    )
    representative = forms.CharField(
        label="Người đại diện/người được ủy quyền", max_length=255, required=False
    )
    phone = forms.CharField(
        label="Số điện thoại",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.CharField(
        label="Thư điện tử",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    address = forms.CharField(
        label="Địa chỉ liên hệ",
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
        help_text="Cần khi bạn nhận kết quả qua bưu điện.",
    )


@require_http_methods(["GET", "POST"])
@login_first("portal:apply_applicant")
def applicant(request: HttpRequest, draft_id: Any) -> HttpResponse:
    """Bước 1: who applies, myself or someone I represent; prefilled, editable."""
    draft = _open_draft(request, draft_id)
    if isinstance(draft, HttpResponse):
        return draft
    choices = draft_selectors.applicant_choices(request.user)
    data = draft.data or {}
    form = ApplicantForm(initial=data.get("applicant") or {})
    status = 200
    if request.method == "POST":
        choice = request.POST.get("chu_ho_so", "")
        if "chon" in request.POST:
            picked = next((c for c in choices if c.key == choice), None)
            if picked is not None:
                try:
                    drafts.save_draft(
                        actor=request.user,
                        draft=draft,
                        data={"applicant_choice": picked.key, "applicant": picked.values},
                    )
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
                else:
                    messages.info(request, f"Đã điền thông tin của {picked.values['name']}.")
            return redirect(request.path)
        form = ApplicantForm(request.POST)
        if form.is_valid():
            values = {k: form.cleaned_data.get(k) or "" for k in drafts.APPLICANT_FIELDS}
            update: dict[str, Any] = {"applicant": values, "step": "applicant"}
            if any(c.key == choice for c in choices):
                update["applicant_choice"] = choice
            try:
                drafts.save_draft(actor=request.user, draft=draft, data=update)
                if "luu" not in request.POST:
                    services.clean_applicant(values)
                    drafts.save_draft(actor=request.user, draft=draft, data={"step": "details"})
                return _go(request, draft, "details")
            except ValidationError as exc:
                _add_errors(form, exc)
        status = 422
    return render(
        request,
        "portal/apply/applicant.html",
        _context(
            draft,
            "applicant",
            form=form,
            choices=choices,
            chosen=data.get("applicant_choice", drafts.SELF),
        ),
        status=status,
    )


# --- step 2: what is asked -------------------------------------------------------------------


class DetailsForm(forms.Form):
    subject = forms.CharField(
        label="Tóm tắt yêu cầu (trích yếu)",
        max_length=500,
        required=False,
        help_text="Để trống thì dùng tên thủ tục.",
    )
    noi_dung = forms.CharField(
        label="Nội dung đề nghị",
        max_length=drafts.MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Ghi rõ điều bạn đề nghị, số lượng bản cần cấp, thông tin cơ quan cần biết.",
    )
    paper_group = forms.ChoiceField(
        label="Trường hợp của bạn", required=False, widget=forms.RadioSelect
    )
    result_delivery = forms.ChoiceField(
        label="Nhận kết quả",
        choices=[(k, v) for k, v in DELIVERY_LABELS.items()],
        widget=forms.RadioSelect,
    )
    agency = forms.ChoiceField(label="Nơi nộp hồ sơ (cơ quan tiếp nhận)", required=False)

    def __init__(self, *args: Any, groups: list[str], agencies: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if groups:
            self.fields["paper_group"].choices = [(g, g) for g in groups]
        else:
            del self.fields["paper_group"]
        self.fields["agency"].choices = [("", "— Chọn cơ quan —")] + [
            (a.code, a.name) for a in agencies
        ]


@require_http_methods(["GET", "POST"])
@login_first("portal:apply_details")
def details(request: HttpRequest, draft_id: Any) -> HttpResponse:
    """Bước 2: e-form fields, the case (trường hợp), result delivery, receiving agency."""
    draft = _open_draft(request, draft_id)
    if isinstance(draft, HttpResponse):
        return draft
    data = draft.data or {}
    groups = draft_selectors.paper_groups(draft)
    agencies = drafts.receiving_agencies(draft.procedure)
    initial = {
        "subject": data.get("subject", ""),
        "noi_dung": (data.get("form_data") or {}).get("noi_dung", ""),
        "paper_group": data.get("paper_group", ""),
        "result_delivery": data.get("result_delivery") or Delivery.ONLINE,
        "agency": draft.agency.code if draft.agency_id else "",
    }
    form = DetailsForm(initial=initial, groups=groups, agencies=agencies)
    status = 200
    if request.method == "POST":
        form = DetailsForm(request.POST, groups=groups, agencies=agencies)
        if form.is_valid():
            c = form.cleaned_data
            update = {
                "subject": c["subject"],
                "form_data": {**(data.get("form_data") or {}), "noi_dung": c["noi_dung"]},
                "result_delivery": c["result_delivery"],
                "agency": c["agency"] or None,
                "step": "details",
            }
            if groups:
                update["paper_group"] = c.get("paper_group") or ""
            try:
                drafts.save_draft(actor=request.user, draft=draft, data=update)
                if "luu" not in request.POST:
                    if draft.agency_id is None:
                        raise ValidationError({"agency": ["Vui lòng chọn nơi nộp hồ sơ."]})
                    drafts.save_draft(actor=request.user, draft=draft, data={"step": "papers"})
                return _go(request, draft, "papers")
            except ValidationError as exc:
                _add_errors(form, exc)
        status = 422
    return render(
        request,
        "portal/apply/details.html",
        _context(draft, "details", form=form, agency_count=len(agencies)),
        status=status,
    )


# --- step 3: papers --------------------------------------------------------------------------


def _papers_context(draft: DossierDraft, **extra: Any) -> dict[str, Any]:
    return _context(
        draft,
        "papers",
        groups=draft_selectors.paper_slots(draft),
        notes=draft_selectors.paper_notes(draft),
        present_heading=draft_selectors.PRESENT_HEADING,
        allowed=files.ALLOWED_LABEL,
        max_size=_megabytes(files.max_upload_bytes()),
        accept=",".join(f".{ext}" for ext in files.EXTENSIONS.values()) + ",.jpeg",
        **extra,
    )


def _megabytes(n: int) -> str:
    value = n / (1024 * 1024)
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",") + " MB"


@require_GET
@login_first("portal:apply_papers")
def papers(request: HttpRequest, draft_id: Any) -> HttpResponse:
    """Bước 3: one upload slot per required paper."""
    draft = _open_draft(request, draft_id)
    if isinstance(draft, HttpResponse):
        return draft
    if (draft.data or {}).get("step") in ("applicant", "details"):
        drafts.save_draft(actor=request.user, draft=draft, data={"step": "papers"})
    return render(request, "portal/apply/papers.html", _papers_context(draft))


def _slot_response(
    request: HttpRequest, draft: DossierDraft, paper_id: int, error: str = "", notice: str = ""
) -> HttpResponse:
    fresh = draft_selectors.get_draft(request.user, draft.public_id)
    if _is_htmx(request):
        slot = next(
            (s for _, slots in draft_selectors.paper_slots(fresh) for s in slots
             if s.paper.pk == paper_id),
            None,
        )  # fmt: skip
        if slot is None:
            raise Http404("Không có thành phần hồ sơ này.")
        context = _papers_context(fresh, slot=slot, slot_error=error, slot_notice=notice)
        return render(request, "portal/apply/_slot.html", context)
    if error:
        context = _papers_context(fresh, error_paper=paper_id, slot_error=error)
        return render(request, "portal/apply/papers.html", context, status=422)
    messages.success(request, notice)
    return redirect(_draft_url("portal:apply_papers", fresh) + f"#giay-to-{paper_id}")


@require_POST
@login_first("portal:apply_papers")
def upload(request: HttpRequest, draft_id: Any, paper_id: int) -> HttpResponse:
    """Tải lên một tệp cho một thành phần hồ sơ (a normal multipart POST; htmx swaps the slot)."""
    draft = _open_draft(request, draft_id)
    if isinstance(draft, HttpResponse):
        return draft
    if not draft.procedure.papers.filter(pk=paper_id).exists():
        raise Http404("Không có thành phần hồ sơ này.")
    upload_file = request.FILES.get("tep")
    if upload_file is None:
        return _slot_response(request, draft, paper_id, error="Vui lòng chọn tệp để tải lên.")
    try:
        item = drafts.add_draft_paper(
            actor=request.user, draft=draft, required_paper=paper_id, file=upload_file,
            file_name=upload_file.name or "",
        )  # fmt: skip
    except ValidationError as exc:
        return _slot_response(request, draft, paper_id, error=" ".join(exc.messages))
    return _slot_response(request, draft, paper_id, notice=f"Đã tải lên «{item.original_name}».")


@require_POST
@login_first("portal:apply_papers")
def remove_file(request: HttpRequest, draft_id: Any, file_id: int) -> HttpResponse:
    """Bỏ một tệp đã tải lên."""
    draft = _open_draft(request, draft_id)
    if isinstance(draft, HttpResponse):
        return draft
    item = draft.papers.filter(pk=file_id).first()
    if item is None:
        raise Http404("Không có tệp này.")
    paper_id = item.required_paper_id
    name = item.original_name
    drafts.remove_draft_paper(actor=request.user, draft=draft, paper=item)
    return _slot_response(request, draft, paper_id, notice=f"Đã bỏ tệp «{name}».")


# --- step 4: review and submit ---------------------------------------------------------------


def _review_context(draft: DossierDraft, **extra: Any) -> dict[str, Any]:
    data = draft.data or {}
    problems = drafts.problems(draft)
    applicant_fields = {f.name: f.label for f in ApplicantForm().visible_fields()}
    applicant_rows = [
        (applicant_fields.get(k, k), v)
        for k, v in (data.get("applicant") or {}).items()
        if v and k != "kind"
    ]
    return _context(
        draft,
        "review",
        data=data,
        applicant_rows=applicant_rows,
        applicant_kind=ApplicantKind(
            (data.get("applicant") or {}).get("kind") or ApplicantKind.PERSON
        ).label,
        delivery=DELIVERY_LABELS.get(data.get("result_delivery"), ""),
        groups=draft_selectors.paper_slots(draft),
        present_heading=draft_selectors.PRESENT_HEADING,
        problems=problems,
        problem_links=_problem_links(draft, problems),
        **extra,
    )


def _problem_links(draft: DossierDraft, problems: dict[str, list[str]]) -> list[tuple[str, str]]:
    where = {"agency": "details", "papers": "papers", "address": "applicant"}
    return [
        (message, _draft_url(STEP_URLS[where.get(key, "applicant")], draft))
        for key, items in problems.items()
        for message in items
    ]


@require_GET
@login_first("portal:apply_review")
def review(request: HttpRequest, draft_id: Any) -> HttpResponse:
    """Bước 4: everything at a glance, what is still missing, then "Nộp hồ sơ"."""
    draft = _open_draft(request, draft_id)
    if isinstance(draft, HttpResponse):
        return draft
    if (draft.data or {}).get("step") != "review":
        drafts.save_draft(actor=request.user, draft=draft, data={"step": "review"})
    return render(request, "portal/apply/review.html", _review_context(draft))


@require_POST
@login_first("portal:apply_review")
def submit(request: HttpRequest, draft_id: Any) -> HttpResponse:
    """Nộp hồ sơ. A second click, or a resent form, lands on the same dossier."""
    draft = _draft(request, draft_id)
    try:
        drafts.submit_draft(actor=request.user, draft=draft)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        submit_errors = [m for items in errors.values() for m in items]
        return render(
            request,
            "portal/apply/review.html",
            _review_context(draft, submit_errors=submit_errors),
            status=422,
        )
    return redirect(_draft_url("portal:apply_done", draft))


@require_GET
@login_first("portal:apply_done")
def done(request: HttpRequest, draft_id: Any) -> HttpResponse:
    """Đã nộp: the dossier code, the receiving agency, the expected result date."""
    draft = _draft(request, draft_id)
    if draft.dossier_id is None:
        return redirect(_draft_url("portal:apply_review", draft))
    dossier = draft.dossier
    return render(
        request,
        "portal/apply/done.html",
        {
            "draft": draft,
            "dossier": dossier,
            "procedure": draft.procedure,
            "expected": draft_selectors.expected_result_date(dossier),
            "dossier_url": _my_dossier_url(dossier.code),
        },
    )


def _my_dossier_url(code: str) -> str:
    """The dossier's page in "Hồ sơ của tôi"."""
    return reverse("portal:my_dossier", kwargs={"code": code})


@require_POST
@login_first("portal:apply_drafts")
def delete(request: HttpRequest, draft_id: Any) -> HttpResponse:
    """Xóa một hồ sơ lưu tạm."""
    draft = _open_draft(request, draft_id)
    if isinstance(draft, HttpResponse):
        return draft
    name = draft.procedure.name
    drafts.delete_draft(actor=request.user, draft=draft)
    messages.success(request, f"Đã xóa hồ sơ lưu tạm «{name[:120]}».")
    return redirect("portal:apply_drafts")
