"""Public pages of the procedure catalog: search/browse, procedure detail, form downloads."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chinhquyen.catalog import search, selectors
from chinhquyen.catalog.models import Level, OnlineLevel, PaperKind, RequiredPaper

PER_PAGE = 20
LEVEL_CHOICES = [(Level.PROVINCE, "Cấp tỉnh"), (Level.COMMUNE, "Cấp xã")]
ONLINE_CHOICES = [
    ("yes", "Có nộp trực tuyến"),
    (OnlineLevel.FULL, "Trực tuyến toàn trình"),
    (OnlineLevel.PARTIAL, "Trực tuyến một phần"),
    (OnlineLevel.NONE, "Không trực tuyến"),
]


def _param(request: HttpRequest, name: str, limit: int = 200) -> str:
    return (request.GET.get(name) or "").strip()[:limit]


@require_GET
def procedure_list(request: HttpRequest) -> HttpResponse:
    """Tìm và duyệt thủ tục: query, filters by field/level/online, pagination."""
    q = (request.GET.get("q") or "")[: search.MAX_QUERY_CHARS]
    filters = {
        "field": _param(request, "linh_vuc"),
        "level": _param(request, "cap"),
        "online": _param(request, "truc_tuyen"),
        "agency": _param(request, "co_quan", 60),
        "life_event": _param(request, "su_kien", 80),
    }
    result = search.search(q, page=request.GET.get("trang"), per_page=PER_PAGE, **filters)
    kept = {k: v for k, v in (("q", q), ("linh_vuc", filters["field"]), ("cap", filters["level"]),
                              ("truc_tuyen", filters["online"]), ("co_quan", filters["agency"]),
                              ("su_kien", filters["life_event"])) if v}  # fmt: skip
    context = {
        "q": q,
        "result": result,
        "filters": filters,
        "fields": selectors.fields_with_counts(),
        "level_choices": LEVEL_CHOICES,
        "online_choices": ONLINE_CHOICES,
        "page_query": urlencode(kept),
        "filtered": any(filters.values()),
        "agency": _agency(filters["agency"]),
        "life_event": selectors.get_life_event(filters["life_event"])
        if filters["life_event"]
        else None,
    }
    return render(request, "catalog/list.html", context)


def _agency(code: str):
    from chinhquyen.organizations.models import Agency

    return Agency.objects.filter(code=code.upper()).first() if code else None


@require_GET
def by_agency(request: HttpRequest) -> HttpResponse:
    """Thủ tục theo cơ quan: departments, the service centre and wards, with their counts."""
    groups = selectors.agencies_with_counts()
    return render(request, "catalog/agencies.html", {"groups": groups})


@require_GET
def life_events(request: HttpRequest) -> HttpResponse:
    """Thủ tục theo sự kiện đời sống."""
    events = selectors.life_events_with_counts()
    return render(request, "catalog/life_events.html", {"events": events})


@require_GET
def life_event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = selectors.get_life_event(slug)
    if event is None:
        raise Http404("Không tìm thấy sự kiện.")
    context = {"event": event, "procedures": selectors.life_event_procedures(event)}
    return render(request, "catalog/life_event.html", context)


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Gợi ý khi gõ (htmx): a short list of links, or nothing."""
    q = (request.GET.get("q") or "")[: search.MAX_QUERY_CHARS]
    return render(request, "catalog/_suggestions.html", {"q": q, "items": search.suggest(q)})


@require_GET
def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    procedure = selectors.get_procedure(code)
    if procedure is None:
        raise Http404("Không tìm thấy thủ tục.")
    channels = list(procedure.channels.all())
    papers = list(procedure.papers.all())
    # Three sections: papers to submit (by case, trường hợp), papers to present, notes.
    groups: list[tuple[str, list[RequiredPaper]]] = []
    for paper in papers:
        if paper.kind != PaperKind.SUBMIT:
            continue
        if not groups or groups[-1][0] != paper.group:
            groups.append((paper.group, []))
        groups[-1][1].append(paper)
    context = {
        "procedure": procedure,
        "channels": channels,
        "paper_groups": groups,
        "present_papers": [p for p in papers if p.kind == PaperKind.PRESENT],
        "paper_notes": [p for p in papers if p.kind == PaperKind.NOTE],
        "process": selectors.process_for(procedure),
        "agencies": [link for link in procedure.agency_links.all()],
    }
    return render(request, "catalog/detail.html", context)


@require_GET
def form_template(request: HttpRequest, code: str, paper_id: int) -> FileResponse:
    """Download the form file (mẫu đơn, tờ khai) an operator attached to a paper."""
    procedure = selectors.get_procedure(code)
    paper = procedure.papers.filter(pk=paper_id).first() if procedure else None
    if paper is None or not paper.template_file:
        raise Http404("Không có tệp mẫu.")
    try:
        handle = paper.template_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("Không có tệp mẫu.") from exc
    name = paper.template_file.name.rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=True, filename=name)
