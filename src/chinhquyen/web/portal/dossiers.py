"""The citizen's own dossiers ("Hồ sơ của tôi"), the public lookup (/tra-cuu/) and the rating.

Views only parse input, call the dossier engine's services and selectors, and render. Every page
about one dossier starts from :func:`_mine`: the dossier with that code *submitted by this
account*, else 404 (never a hint that another person's dossier exists). Changes are POST with
CSRF and carry the version of the dossier the page showed (``expected_version``), so a dossier
changed in between is reported, not overwritten.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from chinhquyen.dossiers import (
    clock,
    files,
    permissions,
    ratings,
    selectors,
    services,
    timeline,
    workflow,
)
from chinhquyen.dossiers import forms as dossier_forms
from chinhquyen.dossiers import lookup as public_lookup
from chinhquyen.dossiers.errors import DossierStateError, StaleDossierError
from chinhquyen.dossiers.models import (
    Dossier,
    DossierRating,
    Satisfaction,
    Status,
    SupplementRequest,
)

PER_PAGE = 20
GROUPS = {
    "dang-giai-quyet": timeline.IN_PROGRESS,
    "can-ban-xu-ly": timeline.NEEDS_ACTION,
    "da-ket-thuc": timeline.FINISHED,
}


def _mine(request: HttpRequest, code: str) -> Dossier:
    """The dossier ``code`` of the logged-in applicant, or 404."""
    dossier = selectors.get_for_user(request.user, code)
    if dossier is None or not permissions.is_applicant(request.user, dossier):
        raise Http404("Không tìm thấy hồ sơ.")
    return dossier


def _may(user: Any, name: str, d: Dossier) -> bool:
    """``user`` may perform action ``name`` on ``d`` now (its state allows it, and they may)."""
    return workflow.action(name).allows_state(d.status) and permissions.can_perform(user, name, d)


def _messages_of(exc: ValidationError) -> list[str]:
    return list(exc.messages)


# --- my dossiers: list -----------------------------------------------------------------------------


@login_required
@never_cache
def my_dossiers(request: HttpRequest) -> HttpResponse:
    """The applicant's dossiers, newest first, filtered by what they need."""
    qs = Dossier.objects.filter(submitted_by=request.user).select_related("procedure", "agency")
    chosen = request.GET.get("nhom", "")
    group = GROUPS.get(chosen)
    if group is not None:
        qs = qs.filter(status__in=timeline.statuses_of(group))
    page = Paginator(qs.order_by("-submitted_at", "-id"), PER_PAGE).get_page(
        request.GET.get("trang")
    )
    now = clock.now()
    rated = set(
        DossierRating.objects.filter(dossier__in=[d.pk for d in page]).values_list(
            "dossier_id", flat=True
        )
    )
    rows = [
        {
            "dossier": d,
            "status": timeline.plain_status(d.status),
            "group": timeline.group_of(d.status),
            "late": timeline.is_late(d, now),
            "to_rate": d.status in ratings.RATEABLE and d.pk not in rated,
        }
        for d in page
    ]
    counts = Dossier.objects.filter(submitted_by=request.user).aggregate(
        **{
            key: Count("id", filter=Q(status__in=timeline.statuses_of(value)))
            for key, value in GROUPS.items()
        }
    )
    filters = [
        {"slug": "", "label": "Tất cả", "count": sum(counts.values())},
        *(
            {"slug": slug, "label": timeline.GROUP_LABELS[value], "count": counts[slug]}
            for slug, value in GROUPS.items()
        ),
    ]
    return render(
        request,
        "portal/my/list.html",
        {"rows": rows, "page": page, "filters": filters, "chosen": chosen if group else ""},
    )


# --- my dossiers: one dossier ----------------------------------------------------------------------


class SupplementUploadForm(forms.Form):
    required_paper = forms.TypedChoiceField(
        label="Giấy tờ bổ sung", coerce=int, empty_value=None, required=False
    )
    file = forms.FileField(
        label="Tệp giấy tờ",
        help_text=f"Tệp {files.ALLOWED_LABEL}, tối đa 20 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx"}),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, items: list[dict[str, Any]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [(i["paper_id"], i["name"]) for i in items or [] if i.get("paper_id")]
        self.fields["required_paper"].choices = [*choices, ("", "Giấy tờ khác")]
        if choices and not self.is_bound:
            self.initial.setdefault("required_paper", choices[0][0])


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Lý do rút hồ sơ",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Vui lòng ghi lý do rút hồ sơ."},
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput)


class ReasonCheckboxes(forms.CheckboxSelectMultiple):
    """Reason checkboxes carrying the levels each reason is offered for (``data-levels``), so
    ``portal/rating.js`` shows only those of the level chosen; without the script every reason
    is listed, with a note on those offered for some levels only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.levels: dict[str, list[str]] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        levels = self.levels.get(str(value), [])
        option["attrs"]["data-levels"] = " ".join(levels)
        if levels and len(levels) < len(Satisfaction.values):
            names = " hoặc ".join(f"«{Satisfaction(level).label}»" for level in levels)
            option["note"] = f"khi bạn chọn {names}"
        return option


class RatingForm(forms.Form):
    level = forms.ChoiceField(
        label="Bạn hài lòng thế nào với việc giải quyết hồ sơ?",
        choices=Satisfaction.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "Vui lòng chọn mức độ hài lòng."},
    )
    reasons = forms.MultipleChoiceField(
        label="Lý do (nếu có)",
        widget=ReasonCheckboxes(attrs={"class": "form-check-input"}),
        required=False,
        error_messages={
            "invalid_choice": "Lý do bạn chọn không còn trong danh sách; vui lòng chọn lại."
        },
    )
    comment = forms.CharField(
        label="Ý kiến khác",
        max_length=ratings.MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The reasons offered now, from the rows the province keeps (in their order).
        rows = ratings.active_reasons()
        field = self.fields["reasons"]
        field.choices = [(r.code, r.text) for r in rows]
        field.widget.levels = {r.code: r.levels for r in rows}


def _open_supplement(d: Dossier) -> SupplementRequest | None:
    if d.status != Status.AWAITING_SUPPLEMENT:
        return None
    return d.supplements.filter(received_at__isnull=True).order_by("-requested_at").first()


def _detail_context(request: HttpRequest, d: Dossier, **extra: Any) -> dict[str, Any]:
    now = clock.now()
    supplement = _open_supplement(d)
    brought = []
    if supplement is not None:
        brought = list(d.papers.filter(uploaded_at__gte=supplement.requested_at))
    rating = ratings.rating_of(d)
    can_rate = rating is None and d.status in ratings.RATEABLE
    context = {
        "dossier": d,
        "status": timeline.plain_status(d.status),
        "status_hint": timeline.status_hint(d.status),
        "group": timeline.group_of(d.status),
        "current_unit": timeline.current_unit(d),
        "late_notice": timeline.late_notice(d, now),
        "rows": timeline.rows(d),
        "supplement": supplement,
        "brought": brought,
        "upload_form": extra.pop("upload_form", None)
        or (
            SupplementUploadForm(items=supplement.items, initial={"expected_version": d.version})
            if supplement
            else None
        ),
        "results": list(d.results.all()) if d.status in ratings.RATEABLE else [],
        "can_receipt": d.received_at is not None,
        "can_withdraw": _may(request.user, "withdraw", d),
        "rating": rating,
        "rating_reasons": ratings.reason_texts(rating.reasons) if rating else [],
        "can_rate": can_rate,
        "rating_form": extra.pop("rating_form", None) or (RatingForm() if can_rate else None),
        "errors": extra.pop("errors", []),
    }
    context.update(extra)
    return context


@login_required
@never_cache
def my_dossier(request: HttpRequest, code: str) -> HttpResponse:
    """One dossier: plain status, timeline, what to do now, downloads, rating."""
    d = _mine(request, code)
    return render(request, "portal/my/detail.html", _detail_context(request, d))


@login_required
@never_cache
def my_dossier_receipt(request: HttpRequest, code: str) -> HttpResponse:
    """The receipt (Giấy tiếp nhận hồ sơ và hẹn trả kết quả, Mẫu 01) as PDF."""
    d = _mine(request, code)
    try:
        pdf = dossier_forms.render_form(
            dossier=d,
            form_code="01",
            user=request.user,
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
    except (DossierStateError, PermissionDenied):
        raise Http404("Hồ sơ chưa có giấy tiếp nhận.") from None
    response = HttpResponse(pdf, content_type="application/pdf")
    name = dossier_forms.filename("01", dossier=d)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
def my_dossier_result(request: HttpRequest, code: str, result_id: int) -> FileResponse:
    """An e-result file (or the refusal letter) of the applicant's dossier, streamed."""
    d = _mine(request, code)
    if d.status not in ratings.RATEABLE or not permissions.can_view_results(request.user, d):
        raise Http404("Không tìm thấy kết quả.")
    result = d.results.filter(pk=result_id).first()
    if result is None:
        raise Http404("Không tìm thấy kết quả.")
    response = FileResponse(
        result.file.open("rb"),
        as_attachment=True,
        filename=result.original_name,
        content_type=result.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-SHA256"] = result.sha256
    return response


def _version(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_POST
def my_dossier_upload(request: HttpRequest, code: str) -> HttpResponse:
    """Upload one paper asked for in the open supplement request (``attach_paper``)."""
    d = _mine(request, code)
    supplement = _open_supplement(d)
    if supplement is None:
        messages.error(request, "Hồ sơ không còn chờ bổ sung giấy tờ.")
        return redirect("portal:my_dossier", code=d.code)
    form = SupplementUploadForm(request.POST, request.FILES, items=supplement.items)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.attach_paper(
                actor=request.user,
                dossier=d,
                expected_version=form.cleaned_data["expected_version"],
                required_paper=form.cleaned_data["required_paper"],
                file=upload,
                file_name=upload.name or "",
            )
        except StaleDossierError:
            return _stale(request, d)
        except (ValidationError, PermissionDenied) as exc:
            errors = _messages_of(exc) if isinstance(exc, ValidationError) else [str(exc)]
            context = _detail_context(request, d, upload_form=form, errors=errors)
            return render(request, "portal/my/detail.html", context, status=400)
        messages.success(request, f"Đã nộp tệp «{upload.name}».")
        return redirect(reverse("portal:my_dossier", kwargs={"code": d.code}) + "#bo-sung")
    context = _detail_context(request, d, upload_form=form)
    return render(request, "portal/my/detail.html", context, status=400)


@login_required
@require_POST
def my_dossier_supplement_done(request: HttpRequest, code: str) -> HttpResponse:
    """The applicant says the supplement is complete (``supplement_received``)."""
    d = _mine(request, code)
    try:
        services.supplement_received(
            actor=request.user,
            dossier=d,
            expected_version=_version(request.POST.get("expected_version")),
            note="Người nộp gửi hồ sơ bổ sung trực tuyến.",
        )
    except StaleDossierError:
        return _stale(request, d)
    except (ValidationError, PermissionDenied) as exc:
        errors = _messages_of(exc) if isinstance(exc, ValidationError) else [str(exc)]
        return render(
            request,
            "portal/my/detail.html",
            _detail_context(request, d, errors=errors),
            status=400,
        )
    messages.success(request, "Đã gửi hồ sơ bổ sung. Cán bộ sẽ tiếp tục giải quyết hồ sơ.")
    return redirect("portal:my_dossier", code=d.code)


def _stale(request: HttpRequest, d: Dossier) -> HttpResponse:
    messages.warning(
        request,
        "Hồ sơ vừa có thay đổi mới (ví dụ cán bộ vừa cập nhật), nên thao tác của bạn chưa được "
        "lưu. Vui lòng xem lại tình trạng mới nhất bên dưới rồi thực hiện lại nếu vẫn cần.",
    )
    return redirect("portal:my_dossier", code=d.code)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def my_dossier_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    """Confirm, with a reason, then withdraw the dossier (``services.withdraw``)."""
    d = _mine(request, code)
    if not _may(request.user, "withdraw", d):
        messages.error(
            request,
            f"Hồ sơ đang ở trạng thái «{timeline.plain_status(d.status)}» nên không rút được.",
        )
        return redirect("portal:my_dossier", code=d.code)
    form = WithdrawForm(request.POST or None, initial={"expected_version": d.version})
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw(
                actor=request.user,
                dossier=d,
                expected_version=form.cleaned_data["expected_version"],
                reason=form.cleaned_data["reason"],
            )
        except StaleDossierError:
            return _stale(request, d)
        except (ValidationError, PermissionDenied) as exc:
            errors = _messages_of(exc) if isinstance(exc, ValidationError) else [str(exc)]
        else:
            messages.success(request, f"Đã rút hồ sơ {d.code}.")
            return redirect("portal:my_dossier", code=d.code)
    return render(
        request,
        "portal/my/withdraw.html",
        {"dossier": d, "form": form, "errors": errors},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def my_dossier_rate(request: HttpRequest, code: str) -> HttpResponse:
    """The applicant's satisfaction rating (``ratings.rate_dossier``)."""
    d = _mine(request, code)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            ratings.rate_dossier(
                request.user,
                d,
                form.cleaned_data["level"],
                form.cleaned_data["reasons"],
                form.cleaned_data["comment"],
            )
        except (ValidationError, PermissionDenied) as exc:
            errors = _messages_of(exc) if isinstance(exc, ValidationError) else [str(exc)]
            context = _detail_context(request, d, rating_form=form, errors=errors)
            return render(request, "portal/my/detail.html", context, status=400)
        messages.success(request, "Cảm ơn bạn đã đánh giá. Ý kiến của bạn đã được ghi nhận.")
        return redirect(reverse("portal:my_dossier", kwargs={"code": d.code}) + "#danh-gia")
    context = _detail_context(request, d, rating_form=form)
    return render(request, "portal/my/detail.html", context, status=400)


# --- public lookup ---------------------------------------------------------------------------------


class LookupForm(forms.Form):
    ma = forms.CharField(
        label="Mã hồ sơ",
        max_length=public_lookup.MAX_CODE,
        help_text="In trên giấy tiếp nhận hồ sơ, ví dụ 000.00.02.H41-260302-0001.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Vui lòng nhập mã hồ sơ."},
    )
    mtc = forms.CharField(
        label="Mã tra cứu hoặc 4 số cuối điện thoại",
        max_length=public_lookup.MAX_FACTOR,
        help_text="Mã tra cứu gồm 8 ký tự in dưới mã hồ sơ trên giấy tiếp nhận; hoặc 4 số cuối "
        "số điện thoại bạn ghi khi nộp hồ sơ.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Vui lòng nhập mã tra cứu hoặc 4 số cuối điện thoại."},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """Tra cứu hồ sơ without an account: by POST from the form, or by GET from the receipt's QR
    code (``?ma=<code>&mtc=<secret>``). Same page and status for a wrong code and a wrong
    second factor; attempts are rate-limited per client address (429)."""
    data = request.POST if request.method == "POST" else request.GET
    attempt = request.method == "POST" or ("ma" in data and "mtc" in data)
    if not attempt:
        initial = {"ma": public_lookup.clean_code(data.get("ma", ""))[: public_lookup.MAX_CODE]}
        return render(request, "portal/lookup.html", {"form": LookupForm(initial=initial)})
    if public_lookup.limited(request):
        return render(request, "429.html", status=429)
    form = LookupForm(data)
    found = None
    searched = False
    if form.is_valid():
        searched = True
        code = form.cleaned_data["ma"]
        dossier = public_lookup.find(code, form.cleaned_data["mtc"])
        if dossier is not None:
            found = public_lookup.public_status(dossier, now=clock.now())
        # The typed code is shown again to be corrected; the second factor never is.
        form = LookupForm(initial={"ma": public_lookup.clean_code(code)[: public_lookup.MAX_CODE]})
    response = render(
        request,
        "portal/lookup.html",
        {"form": form, "found": found, "not_found": searched and found is None},
    )
    response["Referrer-Policy"] = "no-referrer"
    return response
