"""Catalog operators' screens in the workspace: procedures, papers and form files, internal
processes (default and per agency), life events.

The province administrator edits everything; an agency leader edits the internal process of
their own agency (``catalog.permissions``). Every save goes through ``catalog.services``, which
checks again, writes a new procedure version when the content changed (dossiers already received
keep theirs) and the audit record.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.permissions import roles_of
from chinhquyen.catalog import permissions, search, selectors, services
from chinhquyen.catalog.models import (
    LEVEL_FLAGS,
    TIME_UNIT_CHOICES,
    Channel,
    Field,
    Level,
    LifeEvent,
    OnlineLevel,
    Procedure,
)
from chinhquyen.catalog.parsing import format_decimal
from chinhquyen.organizations.models import Agency

PER_PAGE = 30


# --- access ------------------------------------------------------------------------------------


def _require_operator(request: HttpRequest) -> None:
    if not permissions.can_operate_catalog(request.user):
        raise PermissionDenied("Trang này dành cho cán bộ quản lý danh mục thủ tục hành chính.")


def _require_manager(request: HttpRequest) -> None:
    if not permissions.can_manage_catalog(request.user):
        raise PermissionDenied("Chỉ quản trị hệ thống cấp tỉnh được sửa danh mục thủ tục.")


def _leader_agencies(user: Any) -> list[Agency]:
    return [r.agency for r in roles_of(user) if r.role == Role.AGENCY_LEADER]


def _procedure(code: str) -> Procedure:
    procedure = selectors.get_procedure(code, include_inactive=True)
    if procedure is None:
        raise Http404("Không tìm thấy thủ tục.")
    return procedure


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


# --- forms -------------------------------------------------------------------------------------


class _Styled(forms.Form):
    """Bootstrap classes on every widget (no inline styles)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class ProcedureForm(_Styled):
    name = forms.CharField(
        label="Tên thủ tục", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    field = forms.ModelChoiceField(
        label="Lĩnh vực", queryset=Field.objects.order_by("name_key"), required=False,
        empty_label="(chưa xếp lĩnh vực)",
    )  # fmt: skip
    levels = forms.MultipleChoiceField(
        label="Cấp thực hiện", choices=Level.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    online_level = forms.ChoiceField(label="Mức độ trực tuyến", choices=OnlineLevel.choices)
    is_active = forms.BooleanField(label="Đang áp dụng", required=False)
    conditions = forms.CharField(
        label="Yêu cầu, điều kiện", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    results = forms.CharField(
        label="Kết quả (mỗi dòng một kết quả; thêm mã sau dấu |)", required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    result_description = forms.CharField(
        label="Mô tả kết quả", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    keywords = forms.CharField(
        label="Từ khóa tìm kiếm", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label="Lý do thay đổi (ghi vào phiên bản)", max_length=200, required=False
    )

    @staticmethod
    def initial_for(procedure: Procedure) -> dict[str, Any]:
        return {
            "name": procedure.name,
            "field": procedure.field_id,
            "levels": procedure.levels,
            "online_level": procedure.online_level,
            "is_active": procedure.is_active,
            "conditions": procedure.conditions,
            "results": "\n".join(
                r.get("name", "") + (f" | {r['code']}" if r.get("code") else "")
                for r in procedure.results or []
            ),
            "result_description": procedure.result_description,
            "keywords": procedure.keywords,
        }

    def changes(self, procedure: Procedure) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {
            "name": data["name"],
            "field": data["field"],
            "online_level": data["online_level"],
            "is_active": data["is_active"],
            "conditions": data["conditions"],
            "result_description": data["result_description"],
            "keywords": data["keywords"],
        }
        for level, flag in LEVEL_FLAGS.items():
            values[flag] = level in data["levels"]
        old = {r.get("name", ""): r for r in procedure.results or []}
        results = []
        for line in data["results"].splitlines():
            name, _, code = line.partition("|")
            name, code = name.strip(), code.strip()
            if name:
                item = dict(old.get(name, {}), name=name)
                if code:
                    item["code"] = code
                else:
                    item.pop("code", None)
                results.append(item)
        values["results"] = results
        return values


class ChannelForm(_Styled):
    channel = forms.ChoiceField(
        label="Hình thức nộp", choices=[("", "— chọn —")] + Channel.choices, required=False
    )
    time_value = forms.DecimalField(
        label="Thời hạn", required=False, min_value=0, max_digits=8, decimal_places=2
    )
    time_unit = forms.ChoiceField(
        label="Đơn vị", choices=[("", "—")] + TIME_UNIT_CHOICES, required=False
    )
    time_text = forms.CharField(label="Thời hạn (ghi chú)", max_length=300, required=False)
    fee_amount = forms.IntegerField(label="Phí, lệ phí (đồng)", min_value=0, required=False)
    fee_text = forms.CharField(label="Phí (ghi chú)", max_length=300, required=False)
    fee_description = forms.CharField(
        label="Mô tả phí", required=False, widget=forms.Textarea(attrs={"rows": 1})
    )


ChannelFormSet = forms.formset_factory(ChannelForm, extra=1, can_delete=True, max_num=10)


class PaperForm(_Styled):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    group = forms.CharField(label="Trường hợp (nhóm)", max_length=500, required=False)
    name = forms.CharField(label="Tên giấy tờ", widget=forms.Textarea(attrs={"rows": 2}))
    originals = forms.IntegerField(label="Bản chính", min_value=0, max_value=99, required=False)
    copies = forms.IntegerField(label="Bản sao", min_value=0, max_value=99, required=False)
    has_eform = forms.BooleanField(label="Có biểu mẫu điện tử", required=False)


PaperFormSet = forms.formset_factory(
    PaperForm, extra=1, can_delete=True, can_order=True, max_num=200
)


class StepForm(_Styled):
    name = forms.CharField(label="Nội dung công việc", max_length=500)
    responsible_role = forms.ChoiceField(
        label="Vai trò thực hiện", choices=[("", "—")] + Role.choices, required=False
    )
    responsible_unit = forms.CharField(label="Đơn vị/bộ phận", max_length=255, required=False)
    allowance_hours = forms.DecimalField(
        label="Thời gian (giờ làm việc)", min_value=Decimal("0.01"), max_digits=7,
        decimal_places=2,
    )  # fmt: skip


StepFormSet = forms.formset_factory(StepForm, extra=1, can_delete=True, can_order=True, max_num=50)


class FormFileForm(_Styled):
    file = forms.FileField(label="Tệp mẫu đơn, tờ khai")


class LifeEventForm(_Styled):
    name = forms.CharField(label="Tên sự kiện", max_length=200)
    slug = forms.CharField(
        label="Đường dẫn (không dấu, ví dụ khi-sinh-con)", max_length=80, required=False
    )
    description = forms.CharField(
        label="Mô tả cho người dân", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    order = forms.IntegerField(label="Thứ tự", min_value=0, max_value=999, initial=0)
    is_active = forms.BooleanField(label="Hiển thị trên cổng", required=False, initial=True)
    procedures = forms.CharField(
        label="Mã các thủ tục, mỗi dòng một mã, theo thứ tự nên làm", required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )  # fmt: skip

    def codes(self) -> list[str]:
        text = self.cleaned_data.get("procedures") or ""
        return [part for part in text.replace(",", "\n").split() if part]


def _ordered(formset: forms.BaseFormSet) -> list[forms.Form]:
    """The rows to keep (an untouched blank row has no cleaned data), in the chosen order."""
    rows = [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
    if formset.can_order:
        rows.sort(key=lambda f: (f.cleaned_data.get("ORDER") is None, f.cleaned_data.get("ORDER")))
    return rows


# --- procedures ----------------------------------------------------------------------------------


@login_required
def procedure_list(request: HttpRequest) -> HttpResponse:
    """Danh mục thủ tục: search every procedure (also those no longer applied)."""
    _require_operator(request)
    q = (request.GET.get("q") or "")[: search.MAX_QUERY_CHARS]
    result = search.search(
        q, page=request.GET.get("trang"), per_page=PER_PAGE, include_inactive=True
    )
    context = {
        "q": q,
        "result": result,
        "can_manage": permissions.can_manage_catalog(request.user),
        "leader_agencies": _leader_agencies(request.user),
        "life_event_count": LifeEvent.objects.count(),
    }
    return render(request, "workspace/catalog/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def procedure_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Public data of one procedure: name, field, levels, online level, per-channel times and
    fees, conditions, results. One save is one version and one audit record."""
    _require_manager(request)
    procedure = _procedure(code)
    channels_initial = [
        {
            "channel": c.channel, "time_value": c.time_value, "time_unit": c.time_unit,
            "time_text": c.time_text, "fee_amount": c.fee_amount, "fee_text": c.fee_text,
            "fee_description": c.fee_description,
        }
        for c in procedure.channels.all()
    ]  # fmt: skip
    status = 200
    errors: list[str] = []
    if request.method == "POST":
        form = ProcedureForm(request.POST)
        channel_forms = ChannelFormSet(request.POST, prefix="kenh", initial=channels_initial)
        if form.is_valid() and channel_forms.is_valid():
            channels = [
                {k: v for k, v in f.cleaned_data.items() if k != "DELETE"}
                for f in _ordered(channel_forms)
                if f.cleaned_data.get("channel")
            ]
            try:
                saved = services.edit_procedure(
                    actor=request.user,
                    procedure=procedure,
                    channels=channels,
                    reason=form.cleaned_data["reason"] or "cập nhật thông tin công khai",
                    **form.changes(procedure),
                )
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                if saved.version != procedure.version:
                    messages.success(request, f"Đã lưu. Thủ tục có phiên bản mới: {saved.version}.")
                else:
                    messages.info(request, "Không có gì thay đổi.")
                return redirect("workspace:catalog_edit", code=procedure.code)
        status = 400
    else:
        form = ProcedureForm(initial=ProcedureForm.initial_for(procedure))
        channel_forms = ChannelFormSet(prefix="kenh", initial=channels_initial)
    context = {
        "procedure": procedure,
        "form": form,
        "channel_forms": channel_forms,
        "errors": errors,
        "versions": procedure.versions.select_related("created_by").order_by("-number")[:10],
        "tab": "info",
    }
    return render(request, "workspace/catalog/edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def procedure_papers(request: HttpRequest, code: str) -> HttpResponse:
    """Thành phần hồ sơ: add, change, remove, reorder; form files per paper."""
    _require_manager(request)
    procedure = _procedure(code)
    papers = list(procedure.papers.all())
    initial = [
        {"id": p.pk, "group": p.group, "name": p.name, "originals": p.originals,
         "copies": p.copies, "has_eform": p.has_eform, "ORDER": n}
        for n, p in enumerate(papers, start=1)
    ]  # fmt: skip
    status = 200
    errors: list[str] = []
    if request.method == "POST":
        formset = PaperFormSet(request.POST, prefix="giay", initial=initial)
        if formset.is_valid():
            by_id = {p.pk: p for p in papers}
            items = []
            for f in _ordered(formset):
                data = f.cleaned_data
                previous = by_id.get(data.get("id"))
                items.append(
                    {
                        "id": previous.pk if previous else None,
                        "group": data["group"],
                        "name": data["name"],
                        "originals": data["originals"],
                        "copies": data["copies"],
                        "templates": list(previous.template_names) if previous else [],
                        "has_eform": data["has_eform"],
                    }
                )
            try:
                services.set_papers(actor=request.user, procedure=procedure, papers=items)
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, "Đã lưu thành phần hồ sơ.")
                return redirect("workspace:catalog_papers", code=procedure.code)
        status = 400
    else:
        formset = PaperFormSet(prefix="giay", initial=initial)
    return _papers_page(request, procedure, formset, errors, status)


def _papers_page(
    request: HttpRequest,
    procedure: Procedure,
    formset: forms.BaseFormSet,
    errors: list[str],
    status: int,
    upload_errors: dict[int, list[str]] | None = None,
) -> HttpResponse:
    context = {
        "procedure": procedure,
        "formset": formset,
        "papers": list(procedure.papers.order_by("position")),
        "errors": errors,
        "upload_errors": upload_errors or {},
        "file_types": services.FORM_TYPES_LABEL,
        "max_mb": services.form_file_max_bytes() // (1024 * 1024),
        "tab": "papers",
    }
    return render(request, "workspace/catalog/papers.html", context, status=status)


@login_required
@require_POST
def paper_form_file(request: HttpRequest, code: str, paper_id: int) -> HttpResponse:
    """Upload (or remove, ``action=remove``) the form file citizens download for a paper."""
    _require_manager(request)
    procedure = _procedure(code)
    paper = procedure.papers.filter(pk=paper_id).first()
    if paper is None:
        raise Http404("Không tìm thấy giấy tờ.")
    if request.POST.get("action") == "remove":
        services.remove_form_template(actor=request.user, paper=paper)
        messages.success(request, "Đã gỡ tệp mẫu khỏi trang thủ tục.")
        return redirect("workspace:catalog_papers", code=procedure.code)
    form = FormFileForm(request.POST, request.FILES)
    problems: list[str] = []
    if form.is_valid():
        try:
            services.attach_form_template(
                actor=request.user, paper=paper, file=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            problems = _errors(exc)
        else:
            messages.success(request, "Đã tải lên tệp mẫu; người dân tải được trên trang thủ tục.")
            return redirect("workspace:catalog_papers", code=procedure.code)
    else:
        problems = [e for errs in form.errors.values() for e in errs]
    initial = [
        {"id": p.pk, "group": p.group, "name": p.name, "originals": p.originals,
         "copies": p.copies, "has_eform": p.has_eform, "ORDER": n}
        for n, p in enumerate(procedure.papers.all(), start=1)
    ]  # fmt: skip
    formset = PaperFormSet(prefix="giay", initial=initial)
    return _papers_page(request, procedure, formset, [], 400, {paper.pk: problems})


@login_required
@require_http_methods(["GET", "POST"])
def procedure_process(request: HttpRequest, code: str) -> HttpResponse:
    """Quy trình nội bộ: the province default, or one agency's own (``?co_quan=<code>``)."""
    _require_operator(request)
    procedure = _procedure(code)
    agency_code = (request.POST.get("co_quan") or request.GET.get("co_quan") or "").strip()
    agency = None
    if agency_code:
        agency = Agency.objects.filter(code=agency_code.upper()).first()
        if agency is None:
            raise Http404("Không tìm thấy cơ quan.")
    if not permissions.can_edit_process(request.user, agency):
        raise PermissionDenied("Bạn không có quyền sửa quy trình nội bộ này.")
    own = list(procedure.process_steps.filter(agency=agency).order_by("position"))
    uses_default = agency is not None and not own
    shown = own or (selectors.process_for(procedure) if agency is not None else [])
    initial = [
        {"name": s.name, "responsible_role": s.responsible_role,
         "responsible_unit": s.responsible_unit, "allowance_hours": s.allowance_hours,
         "ORDER": s.position}
        for s in shown
    ]  # fmt: skip
    status = 200
    errors: list[str] = []
    if request.method == "POST":
        remove = request.POST.get("action") == "remove" and agency is not None
        formset = StepFormSet(request.POST, prefix="buoc", initial=initial)
        if remove or formset.is_valid():
            steps = [] if remove else [
                {k: f.cleaned_data[k] for k in ("name", "responsible_role", "responsible_unit",
                                                "allowance_hours")}
                for f in _ordered(formset)
            ]  # fmt: skip
            try:
                services.set_process(
                    actor=request.user, procedure=procedure, steps=steps, agency=agency
                )
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(
                    request,
                    "Đã bỏ quy trình riêng; cơ quan dùng quy trình chung."
                    if remove
                    else "Đã lưu quy trình nội bộ.",
                )
                url = reverse("workspace:catalog_process", args=[procedure.code])
                return redirect(f"{url}?co_quan={agency.code}" if agency else url)
        status = 400
    else:
        formset = StepFormSet(prefix="buoc", initial=initial)
    expected = services.expected_hours(procedure)
    if permissions.can_manage_catalog(request.user):
        choices = list(
            Agency.objects.filter(procedure_links__procedure=procedure).distinct().order_by("name")
        )
        overrides = set(
            procedure.process_steps.filter(agency__isnull=False).values_list("agency_id", flat=True)
        )
        choices += [a for a in Agency.objects.filter(pk__in=overrides) if a not in choices]
    else:
        choices = _leader_agencies(request.user)
    context = {
        "procedure": procedure,
        "agency": agency,
        "formset": formset,
        "errors": errors,
        "expected": format_decimal(expected) if expected is not None else None,
        "uses_default": uses_default,
        "agency_choices": choices,
        "can_manage": permissions.can_manage_catalog(request.user),
        "tab": "process",
    }
    return render(request, "workspace/catalog/process.html", context, status=status)


# --- life events ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def life_events(request: HttpRequest) -> HttpResponse:
    """Sự kiện đời sống: the list, and a form to add one."""
    _require_manager(request)
    status = 200
    errors: list[str] = []
    if request.method == "POST":
        form = LifeEventForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                event = services.save_life_event(
                    actor=request.user, procedure_codes=form.codes(),
                    name=data["name"], slug=data["slug"] or data["name"],
                    description=data["description"], order=data["order"],
                    is_active=data["is_active"],
                )  # fmt: skip
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, f"Đã thêm sự kiện “{event.name}”.")
                return redirect("workspace:catalog_life_event", slug=event.slug)
        status = 400
    else:
        form = LifeEventForm()
    page = Paginator(selectors.life_events_with_counts(include_inactive=True), 50).get_page(1)
    context = {"events": page, "form": form, "errors": errors, "tab": "events"}
    return render(request, "workspace/catalog/life_events.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def life_event_edit(request: HttpRequest, slug: str) -> HttpResponse:
    _require_manager(request)
    event = selectors.get_life_event(slug, include_inactive=True)
    if event is None:
        raise Http404("Không tìm thấy sự kiện.")
    procedures = selectors.life_event_procedures(event, include_inactive=True)
    status = 200
    errors: list[str] = []
    if request.method == "POST" and request.POST.get("action") == "delete":
        name = event.name
        services.delete_life_event(actor=request.user, event=event)
        messages.success(request, f"Đã xóa sự kiện “{name}”.")
        return redirect("workspace:catalog_life_events")
    if request.method == "POST":
        form = LifeEventForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                event = services.save_life_event(
                    actor=request.user, event=event, procedure_codes=form.codes(),
                    name=data["name"], slug=data["slug"] or event.slug,
                    description=data["description"], order=data["order"],
                    is_active=data["is_active"],
                )  # fmt: skip
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, "Đã lưu sự kiện.")
                return redirect("workspace:catalog_life_event", slug=event.slug)
        status = 400
    else:
        form = LifeEventForm(
            initial={
                "name": event.name, "slug": event.slug, "description": event.description,
                "order": event.order, "is_active": event.is_active,
                "procedures": "\n".join(p.code for p in procedures),
            }
        )  # fmt: skip
    context = {
        "event": event,
        "procedures": procedures,
        "form": form,
        "errors": errors,
        "tab": "events",
    }
    return render(request, "workspace/catalog/life_event.html", context, status=status)
