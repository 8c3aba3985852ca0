"""Officials' dossier pages: inboxes, one dossier, its actions, files, forms, bulk decisions.

Every page asks the dossier engine: who sees what (``selectors.get_for_user``, a dossier the
official may not see is a plain 404 with no hint that it exists), which actions they may take
now (the API's list), and each action is one service call with the version the page showed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from chinhquyen.accounts import permissions as accounts
from chinhquyen.catalog.models import Procedure
from chinhquyen.dossiers import clock, codes, forms, inboxes, selectors, services, timing, workflow
from chinhquyen.dossiers.errors import StaleDossierError
from chinhquyen.dossiers.models import DeadlineUnit, Dossier, DossierPause, Status
from chinhquyen.web.workspace.dossiers import actions as action_forms

PER_PAGE = 25
# Files shown inside the page (<object>/<img>); anything else downloads.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg"}
STALE_MESSAGE = (
    "Hồ sơ vừa được người khác cập nhật. Không có thay đổi nào của bạn được lưu; trang dưới "
    "đây là tình trạng mới nhất của hồ sơ, vui lòng xem lại rồi thực hiện lại nếu vẫn cần."
)
SHOWN_CODE_LENGTH = 60
NOT_FOUND_CODE = (
    "Không mở được hồ sơ có mã này: mã không đúng, hoặc hồ sơ không thuộc phạm vi xử lý của bạn."
)


def _require_workspace(request: HttpRequest) -> None:
    if not accounts.can_use_workspace(request.user):
        raise PermissionDenied("Trang này dành cho cán bộ, công chức.")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _dossier_or_404(request: HttpRequest, code: str) -> Dossier:
    d = selectors.get_for_user(request.user, code)
    if d is None:
        raise Http404("Không tìm thấy hồ sơ, hoặc hồ sơ không thuộc phạm vi của bạn.")
    return d


# --- inboxes -----------------------------------------------------------------------------------


@dataclass
class Row:
    dossier: Dossier
    due: inboxes.DueState


def _rows(dossiers: list[Dossier]) -> list[Row]:
    now = clock.now()
    with timing.one_calendar_read():
        return [Row(d, inboxes.due_state(d, now=now)) for d in dossiers]


def _procedures_for(user: Any) -> list[Procedure]:
    ids = accounts.agency_ids_in_scope(user)
    qs = Procedure.objects.all()
    if ids is not None:
        qs = qs.filter(agency_links__agency_id__in=ids)
    return list(qs.distinct().order_by("code").only("code", "name")[:500])


@login_required
@require_GET
def inbox(request: HttpRequest, box: str) -> HttpResponse:
    """One inbox: its rows (code, procedure, applicant, working days left), filters, pages."""
    _require_workspace(request)
    spec = inboxes.BOX_BY_SLUG.get(box)
    if spec is None:
        raise Http404("Không có hộp việc này.")
    params = {
        "thu-tuc": (request.GET.get("thu-tuc") or "").strip()[:30],
        "trang-thai": (request.GET.get("trang-thai") or "").strip()[:30],
        "han": (request.GET.get("han") or "").strip()[:10],
        "sap-xep": (request.GET.get("sap-xep") or "han").strip()[:10],
    }
    qs = inboxes.filter_box(
        inboxes.box_queryset(request.user, box),
        procedure=params["thu-tuc"],
        status=params["trang-thai"],
        due=params["han"],
        sort=params["sap-xep"],
        agency=request.user.agency,
    )
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("trang"))
    query = urlencode({k: v for k, v in params.items() if v})
    context = {
        "box": spec,
        "page": page,
        "rows": _rows(list(page.object_list)),
        "params": params,
        "query": query,
        "bulk": box == "cho-phe-duyet",
        "selected_procedure": params["thu-tuc"],
        "selected_status": params["trang-thai"],
        "selected_due": params["han"],
        "selected_sort": params["sap-xep"],
    }
    if _is_htmx(request):
        return render(request, "workspace/dossiers/_inbox_table.html", context)
    context.update(
        {
            "procedures": _procedures_for(request.user),
            "statuses": Status.choices,
            "due_filters": inboxes.DUE_FILTERS,
            "sorts": SORT_LABELS,
        }
    )
    return render(request, "workspace/dossiers/inbox.html", context)


SORT_LABELS = {
    "han": "Hạn gần nhất trước",
    "-han": "Hạn xa nhất trước",
    "moi-nhat": "Nộp mới nhất trước",
    "cu-nhat": "Nộp sớm nhất trước",
    "ma": "Theo mã hồ sơ",
}


@login_required
@require_GET
def inbox_nav(request: HttpRequest) -> HttpResponse:
    """The inbox links with their counters (the side navigation refreshes it with htmx)."""
    _require_workspace(request)
    return render(request, "workspace/dossiers/_inbox_nav.html", box_counters(request))


def box_counters(request: HttpRequest) -> dict[str, Any]:
    """``boxes``: (box, count) for the official's boxes, and the active box slug."""
    counts = inboxes.counts(request.user)
    boxes = [(b, counts[b.slug]) for b in inboxes.BOXES if b.slug in counts]
    match = request.resolver_match
    current = (match.kwargs.get("box") if match else None) or request.GET.get("hop", "")
    return {"boxes": boxes, "current_box": current}


# --- barcode scanner / code box ----------------------------------------------------------------


@login_required
@require_GET
def open_code(request: HttpRequest) -> HttpResponse:
    """Open a dossier by its code (typed, or scanned from the receipt's barcode)."""
    _require_workspace(request)
    code = (request.GET.get("ma") or "").strip().upper()
    d = selectors.get_for_user(request.user, code) if code else None
    if d is not None:
        return redirect("workspace:dossier", code=d.code)
    # What was typed or scanned is shown back (escaped by the template, cut to the length of a
    # code) so that a misread can be spotted; the message is the same whether or not a dossier
    # with that code exists elsewhere.
    shown = code[:SHOWN_CODE_LENGTH] + ("…" if len(code) > SHOWN_CODE_LENGTH else "")
    return render(
        request,
        "workspace/dossiers/open_code.html",
        {
            "message": NOT_FOUND_CODE if code else "Vui lòng nhập hoặc quét mã hồ sơ.",
            "typed": shown,
            "typed_value": code[:SHOWN_CODE_LENGTH],
        },
        status=404 if code else 200,
    )


# --- the dossier page --------------------------------------------------------------------------


@dataclass
class Deadline:
    """Why the dossier is due when it is (the explanation shown beside the due date)."""

    received_at: Any
    amount: str
    unit: str
    paper_rule: bool
    restarted_at: Any
    pauses: list[DossierPause]
    changes: list[Any]
    rescheduled_due_at: Any
    due_at: Any
    state: inboxes.DueState


def _amount(d: Dossier) -> str:
    if d.deadline_amount is None:
        return ""
    text = f"{d.deadline_amount.normalize():f}"
    return text.replace(".", ",")


def _deadline(d: Dossier) -> Deadline:
    with timing.one_calendar_read():
        state = inboxes.due_state(d)
    return Deadline(
        received_at=d.received_at,
        amount=_amount(d),
        unit=DeadlineUnit(d.deadline_unit).label if d.deadline_unit else "",
        paper_rule=d.paper,
        restarted_at=d.deadline_restarted_at,
        pauses=list(d.pauses.all()),
        changes=list(d.due_changes.select_related("actor")),
        rescheduled_due_at=d.rescheduled_due_at,
        due_at=d.due_at,
        state=state,
    )


def _form_data(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """The e-form data as (label, value) lines, nested keys joined with " › "."""
    rows: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            rows += _form_data(inner, f"{prefix} › {key}" if prefix else str(key))
    elif isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            rows.append((prefix, ", ".join(str(v) for v in value)))
        else:
            for i, inner in enumerate(value, 1):
                rows += _form_data(inner, f"{prefix} {i}")
    else:
        rows.append((prefix, "" if value is None else str(value)))
    return rows[:200]


def _apology_due(d: Dossier, allowed: list[str]) -> bool:
    """Form 04 should be issued now: at most 1 working day left (or late), no new date yet."""
    if "propose_new_date" not in allowed or d.rescheduled_at is not None or d.due_at is None:
        return False
    if d.clock_paused_since is not None:
        return False
    lead = codes.rule("apology_lead_working_days")
    with timing.one_calendar_read():
        return timing.working_days_between(d.agency, clock.now(), d.due_at) <= lead


def _stage_label(event: Any) -> str:
    """The step ("bước N") of a control-sheet line made while a step of the process was open (or
    that opened one); nothing for the others (reception, approval, the result issued, returned).

    The engine records the current step's position on every event, so an event after the last
    step (approval, the result issued or returned) carries it too without being part of it.
    """
    at_step = Status.PROCESSING in (event.from_status, event.to_status)
    return f"bước {event.step_position}" if event.step_position and at_step else ""


def _page_context(request: HttpRequest, d: Dossier, *, failed: Any = None) -> dict[str, Any]:
    user = request.user
    allowed = action_forms.allowed_actions(user, d)
    forms_list = action_forms.action_forms(user, d, allowed)
    unshown_errors: list[str] = []
    if failed is not None:
        name, errors, values = failed
        for form in forms_list:
            if form.name == name:
                form.errors, form.values = errors, values
                break
        else:  # the action is not offered now (e.g. a second new date): say why in the alert
            unshown_errors = [m for messages_ in errors.values() for m in messages_]
    events = list(selectors.control_sheet(d))
    for e in events:
        e.action_label = (
            workflow.ACTIONS[e.action].label if e.action in workflow.ACTIONS else e.action
        )
        e.stage_label = _stage_label(e)
    return {
        "d": d,
        "papers": [
            (p, p.content_type in INLINE_TYPES, p.content_type.startswith("image/"))
            for p in d.papers.select_related("required_paper")
        ],
        "results": list(d.results.all()),
        "form_data": _form_data(d.form_data),
        "events": events,
        "deadline": _deadline(d),
        "flags": selectors.step_flags(d),
        "participations": list(d.participations.select_related("agency")),
        "supplements": list(d.supplements.all()),
        "actions": forms_list,
        "apology_due": _apology_due(d, allowed),
        "print_forms": [(c, FORM_NAMES[c]) for c in forms.available_forms(d)],
        "delivery_choices": action_forms.DELIVERY_CHOICES,
        "mode_choices": [("sequential", "Tuần tự"), ("parallel", "Song song")],
        "status_label": d.get_status_display(),
        "unshown_errors": unshown_errors,
    }


FORM_NAMES = {
    "01": "Mẫu 01 – Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "02": "Mẫu 02 – Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Mẫu 03 – Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "04": "Mẫu 04 – Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "05": "Mẫu 05 – Phiếu kiểm soát quá trình giải quyết hồ sơ",
}


@login_required
@require_GET
def dossier_page(request: HttpRequest, code: str) -> HttpResponse:
    """One dossier: applicant, papers, data, control sheet, deadline, and the actions now."""
    _require_workspace(request)
    d = _dossier_or_404(request, code)
    return render(request, "workspace/dossiers/dossier.html", _page_context(request, d))


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: list(v) for k, v in exc.message_dict.items()}
    return {"__all__": list(exc.messages)}


@login_required
@require_POST
def dossier_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """Perform one action (POST, with the ``expected_version`` the page showed)."""
    _require_workspace(request)
    d = _dossier_or_404(request, code)
    if action not in workflow.ACTIONS or workflow.ACTIONS[action].creates:
        raise Http404("Không có thao tác này.")
    try:
        updated = action_forms.perform(request.user, d, action, request.POST, request.FILES)
    except StaleDossierError:
        messages.warning(request, STALE_MESSAGE)
        return redirect("workspace:dossier", code=d.code)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or "Bạn không có quyền thực hiện thao tác này.")
        return redirect("workspace:dossier", code=d.code)
    except ValidationError as exc:
        fresh = selectors.get_for_user(request.user, d.code) or d
        values = {k: request.POST.get(k, "") for k in request.POST if k != "csrfmiddlewaretoken"}
        context = _page_context(request, fresh, failed=(action, _errors(exc), values))
        context["failed_action"] = workflow.ACTIONS[action].label
        return render(request, "workspace/dossiers/dossier.html", context, status=422)
    messages.success(
        request,
        f"Đã thực hiện «{workflow.ACTIONS[action].label.lower()}» cho hồ sơ {updated.code}. "
        f"Trạng thái: {updated.get_status_display()}.",
    )
    return redirect("workspace:dossier", code=updated.code)


# --- files and forms ---------------------------------------------------------------------------


def _file_response(f: Any, name: str, content_type: str) -> FileResponse:
    inline = content_type in INLINE_TYPES
    response = FileResponse(
        f.open("rb"), as_attachment=not inline, filename=name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"]})
def paper_file(request: HttpRequest, code: str, paper_id: int) -> HttpResponse:
    """A submitted paper, shown inline (PDF, PNG, JPEG) to those who may see the dossier."""
    _require_workspace(request)
    d = _dossier_or_404(request, code)
    paper = d.papers.filter(pk=paper_id).first()
    if paper is None:
        raise Http404("Không tìm thấy giấy tờ.")
    return _file_response(paper.file, paper.original_name, paper.content_type)


@login_required
@require_GET
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"]})
def result_file(request: HttpRequest, code: str, result_id: int) -> HttpResponse:
    """An issued result (or refusal letter) of the dossier."""
    _require_workspace(request)
    d = _dossier_or_404(request, code)
    result = d.results.filter(pk=result_id).first()
    if result is None:
        raise Http404("Không tìm thấy kết quả.")
    return _file_response(result.file, result.original_name, result.content_type)


@login_required
@require_GET
def dossier_form(request: HttpRequest, code: str, form_code: str) -> HttpResponse:
    """Form 01–05 of the dossier as PDF, opened in the browser to print."""
    _require_workspace(request)
    d = _dossier_or_404(request, code)
    if form_code not in forms.DOSSIER_FORMS:
        raise Http404("Không có mẫu này.")
    try:
        pdf = forms.render_form(
            dossier=d,
            form_code=form_code,
            user=request.user,
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("workspace:dossier", code=d.code)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{forms.filename(form_code, dossier=d)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- leaders -----------------------------------------------------------------------------------

BULK_DECISIONS = {"phe-duyet": "approve", "tra-lai": "return_to_previous_step"}


@dataclass
class BulkOutcome:
    code: str
    ok: bool
    message: str


@login_required
@require_POST
def bulk_decide(request: HttpRequest) -> HttpResponse:
    """Approve (or send back) the chosen dossiers, each by its own service call and audit."""
    _require_workspace(request)
    decision = request.POST.get("quyet-dinh", "")
    name = BULK_DECISIONS.get(decision)
    if name is None:
        messages.error(request, "Vui lòng chọn «Phê duyệt» hoặc «Trả lại».")
        return redirect("workspace:inbox", box="cho-phe-duyet")
    codes_chosen = list(dict.fromkeys(c.strip().upper() for c in request.POST.getlist("ma")))[:100]
    if not codes_chosen:
        messages.error(request, "Chưa chọn hồ sơ nào.")
        return redirect("workspace:inbox", box="cho-phe-duyet")
    opinion = (request.POST.get("y-kien") or "").strip()
    if name == "return_to_previous_step" and not opinion:
        messages.error(request, "Trả lại hồ sơ cần ghi ý kiến (lý do trả lại).")
        return redirect("workspace:inbox", box="cho-phe-duyet")
    outcomes = []
    for code in codes_chosen:
        d = selectors.get_for_user(request.user, code)
        if d is None:
            outcomes.append(BulkOutcome(code, False, NOT_FOUND_CODE))
            continue
        version = request.POST.get(f"v-{d.code}", "")
        version_number = int(version) if version.isdigit() else None
        try:
            if name == "approve":
                services.approve(
                    actor=request.user, dossier=d, expected_version=version_number,
                    opinion=opinion,
                )  # fmt: skip
                text = "Đã phê duyệt."
            else:
                services.return_to_previous_step(
                    actor=request.user, dossier=d, expected_version=version_number, reason=opinion
                )
                text = "Đã trả lại bước trước."
            outcomes.append(BulkOutcome(d.code, True, text))
        except StaleDossierError:
            outcomes.append(
                BulkOutcome(d.code, False, "Hồ sơ vừa được người khác cập nhật; chưa xử lý.")
            )
        except (PermissionDenied, ValidationError) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            outcomes.append(BulkOutcome(d.code, False, text))
    return render(
        request,
        "workspace/dossiers/bulk_result.html",
        {
            "outcomes": outcomes,
            "decision": "Phê duyệt" if name == "approve" else "Trả lại",
            "done": sum(1 for o in outcomes if o.ok),
            "failed": sum(1 for o in outcomes if not o.ok),
        },
    )


@login_required
@require_GET
def watch(request: HttpRequest) -> HttpResponse:
    """Leaders: late steps in their units, and dossiers due within 1 working day."""
    _require_workspace(request)
    data = inboxes.leader_watch(request.user)
    # Whole working days, as in the inboxes (a part of a day counts as a day).
    due_rows = [(p, max(1, inboxes.whole_days(p.working_days_left))) for p in data["due_soon"]]
    return render(
        request,
        "workspace/dossiers/watch.html",
        {**data, "due_rows": due_rows,
         "inbox_url": reverse("workspace:inbox", kwargs={"box": "cho-phe-duyet"})},
    )  # fmt: skip
