"""Public API of the procedure catalog (mounted at /api/v1/procedures)."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field as PydanticField

from chinhquyen.catalog import search, selectors
from chinhquyen.catalog.models import Procedure

router = Router(tags=["procedures"])


class ProcedureSummary(Schema):
    code: str
    name: str
    field: str | None = PydanticField(description="Lĩnh vực")
    levels: list[str] = PydanticField(description="province, commune, ministry, other")
    online_level: str = PydanticField(description="full, partial, unspecified, none")
    online_level_label: str
    url: str


class SearchOut(Schema):
    query: str
    total: int
    page: int
    per_page: int
    pages: int
    mode: str = PydanticField(description="browse, code, text or fuzzy")
    corrections: dict[str, list[str]] = PydanticField(description="Từ gõ sai đã được sửa thành")
    ignored_words: list[str]
    items: list[ProcedureSummary]


class SearchParams(Schema):
    q: str = PydanticField("", description="Từ khóa, có dấu hoặc không dấu, hoặc đầu mã thủ tục")
    field: str | None = PydanticField(None, description="Mã số hoặc tên lĩnh vực")
    level: str | None = PydanticField(None, description="province, commune, ministry, other")
    agency: str | None = PydanticField(None, description="Mã định danh cơ quan giải quyết")
    life_event: str | None = PydanticField(
        None, description="Đường dẫn (slug) của sự kiện đời sống, ví dụ khi-sinh-con"
    )
    online: str | None = PydanticField(
        None, description="full, partial, none, hoặc yes (có trực tuyến)"
    )
    page: int = PydanticField(1, ge=1, le=100_000)
    per_page: int = PydanticField(20, ge=1, le=search.MAX_PER_PAGE)


class SuggestItem(Schema):
    code: str
    name: str
    url: str


class ChannelOut(Schema):
    channel: str
    channel_label: str
    time_value: str | None
    time_unit: str
    time_label: str
    fee_amount: int | None = PydanticField(description="Đồng; 0 là miễn phí; null khi chưa rõ")
    fee_currency: str
    fee_text: str
    fee_description: str
    description: str


class PaperOut(Schema):
    group: str = PydanticField(description="Trường hợp (lựa chọn); rỗng: áp dụng mọi trường hợp")
    name: str
    kind: str = PydanticField(description="submit: phải nộp; present: xuất trình; note: lưu ý")
    conditional: bool = PydanticField(description="Chỉ cần nếu có / trong trường hợp nêu")
    condition: str
    required: bool = PydanticField(description="Bắt buộc nộp (submit, không có điều kiện)")
    originals: int | None
    copies: int | None
    template_names: list[str]
    template_url: str | None
    has_eform: bool


class ProcessStepOut(Schema):
    position: int
    name: str
    responsible_role: str
    responsible_unit: str
    allowance_hours: str


class ProcedureOut(ProcedureSummary):
    base_code: str
    code_suffix: str
    kind: str
    decision_number: str
    applicant_types: list[str]
    competent_authority: str
    implementing_agency: str
    receiving_address: str
    conditions: str
    steps_text: str
    legal_basis: list[dict]
    results: list[dict]
    is_active: bool
    version: int
    source_url: str
    updated_at: datetime
    channels: list[ChannelOut]
    papers: list[PaperOut]
    process: list[ProcessStepOut]


def _url(p: Procedure) -> str:
    return reverse("catalog:detail", args=[p.code])


def _summary(p: Procedure) -> dict:
    return {
        "code": p.code,
        "name": p.name,
        "field": p.field.name if p.field_id else None,
        "levels": p.levels,
        "online_level": p.online_level,
        "online_level_label": p.get_online_level_display(),
        "url": _url(p),
    }


@router.get("", response=SearchOut, summary="Tìm thủ tục hành chính")
def search_procedures(request, params: Query[SearchParams]):
    """Ranked search (names above the rest, diacritics optional, typos tolerated); an empty
    ``q`` lists the procedures in alphabetical order. Filters combine."""
    result = search.search(
        params.q,
        field=params.field,
        level=params.level,
        agency=params.agency,
        online=params.online,
        life_event=params.life_event,
        page=params.page,
        per_page=params.per_page,
    )
    return {
        "query": result.query,
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
        "mode": result.mode,
        "corrections": result.corrections,
        "ignored_words": result.ignored_words,
        "items": [_summary(p) for p in result.items],
    }


@router.get("/suggest", response=list[SuggestItem], summary="Gợi ý khi đang gõ")
def suggest(request, q: str = "", limit: int = Query(8, ge=1, le=20)):
    return [
        {"code": p.code, "name": p.name, "url": _url(p)} for p in search.suggest(q, limit=limit)
    ]


class LifeEventOut(Schema):
    slug: str
    name: str
    description: str
    count: int = PydanticField(description="Số thủ tục đang áp dụng")
    url: str
    procedures: list[SuggestItem] = PydanticField(description="Theo thứ tự nên làm")


def _life_event(event, procedures) -> dict:
    return {
        "slug": event.slug,
        "name": event.name,
        "description": event.description,
        "count": len(procedures),
        "url": reverse("catalog:life_event", args=[event.slug]),
        "procedures": [{"code": p.code, "name": p.name, "url": _url(p)} for p in procedures],
    }


@router.get("/life-events", response=list[LifeEventOut], summary="Sự kiện đời sống")
def life_events(request):
    """Life events (Khi sinh con, Khi kết hôn, …) in their order, each with its procedures in
    the order people usually do them. Filter the search with ``?life_event=<slug>``."""
    return [
        _life_event(e, selectors.life_event_procedures(e))
        for e in selectors.life_events_with_counts()
    ]


@router.get("/life-events/{slug}", response=LifeEventOut, summary="Một sự kiện đời sống")
def life_event(request, slug: str):
    event = selectors.get_life_event(slug)
    if event is None:
        raise Http404("Không tìm thấy sự kiện.")
    return _life_event(event, selectors.life_event_procedures(event))


@router.get("/{code}", response=ProcedureOut, summary="Chi tiết một thủ tục")
def procedure_detail(request, code: str):
    procedure = selectors.get_procedure(code)
    if procedure is None:
        raise Http404("Không tìm thấy thủ tục.")
    return {
        **_summary(procedure),
        **{
            name: getattr(procedure, name)
            for name in (
                "base_code",
                "code_suffix",
                "kind",
                "decision_number",
                "applicant_types",
                "competent_authority",
                "implementing_agency",
                "receiving_address",
                "conditions",
                "steps_text",
                "legal_basis",
                "results",
                "is_active",
                "version",
                "source_url",
                "updated_at",
            )  # fmt: skip
        },
        "channels": [
            {
                "channel": c.channel,
                "channel_label": c.get_channel_display(),
                "time_value": selectors.number(c.time_value),
                "time_unit": c.time_unit,
                "time_label": c.time_label,
                "fee_amount": c.fee_amount,
                "fee_currency": c.fee_currency,
                "fee_text": c.fee_text,
                "fee_description": c.fee_description,
                "description": c.description,
            }
            for c in procedure.channels.all()
        ],
        "papers": [
            {
                "group": p.group,
                "name": p.name,
                "kind": p.kind,
                "conditional": p.conditional,
                "condition": p.condition,
                "required": p.is_required,
                "originals": p.originals,
                "copies": p.copies,
                "template_names": p.template_names,
                "template_url": reverse("catalog:form", args=[procedure.code, p.pk])
                if p.template_file
                else None,
                "has_eform": p.has_eform,
            }
            for p in procedure.papers.all()
        ],
        "process": [
            {
                "position": s.position,
                "name": s.name,
                "responsible_role": s.responsible_role,
                "responsible_unit": s.responsible_unit,
                "allowance_hours": selectors.number(s.allowance_hours),
            }
            for s in selectors.process_for(procedure)
        ],
    }
