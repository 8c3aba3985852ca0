"""Read side of the catalog: what pages, the API and other apps (dossiers) ask."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from chinhquyen.catalog import codes
from chinhquyen.catalog.models import (
    Field,
    LifeEvent,
    LifeEventProcedure,
    Procedure,
    ProcedureChannel,
    ProcedureVersion,
    ProcessStep,
    RequiredPaper,
)


def number(value: Decimal | None) -> str | None:
    return None if value is None else format(Decimal(value).normalize(), "f")


def get_procedure(code: str, *, include_inactive: bool = False) -> Procedure | None:
    """One procedure by its code (any case, surrounding spaces ignored), with its rows."""
    value = codes.normalize(code)
    if not value or len(value) > codes.MAX_LENGTH:
        return None
    qs = Procedure.objects.select_related("field").prefetch_related(
        Prefetch("channels", queryset=ProcedureChannel.objects.order_by("position")),
        Prefetch("papers", queryset=RequiredPaper.objects.order_by("position")),
        "agency_links__agency",
    )
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.filter(code=value).first()


def process_for(procedure: Procedure, agency=None) -> list[ProcessStep]:
    """The internal process an agency follows: its own steps if it has any, else the default."""
    steps = procedure.process_steps.select_related("agency").order_by("position")
    if agency is not None:
        own = list(steps.filter(agency=agency))
        if own:
            return own
    return list(steps.filter(agency__isnull=True))


def current_version(procedure: Procedure) -> ProcedureVersion | None:
    return procedure.versions.order_by("-number").first()


def fields_with_counts() -> QuerySet:
    """Fields (lĩnh vực) with their number of active procedures, for browsing."""
    return (
        Field.objects.annotate(n=Count("procedures", filter=Q(procedures__is_active=True)))
        .filter(n__gt=0)
        .order_by("name_key")
    )


# Groups of the "by agency" page, in the order citizens look for them.
AGENCY_GROUPS = (
    ("province", "Sở, ban, ngành và UBND tỉnh", ("province_committee", "department", "other")),
    ("centre", "Trung tâm Phục vụ hành chính công", ("service_centre",)),
    ("wards", "UBND phường, xã", ("ward_committee",)),
)


def agencies_with_counts() -> list[dict]:
    """Agencies that handle active procedures, with how many, grouped (departments, the service
    centre, wards) and ordered for browsing. Each group: ``key``, ``label``, ``agencies`` (each
    agency annotated with ``n``)."""
    from chinhquyen.organizations.models import Agency

    agencies = (
        Agency.objects.filter(is_active=True)
        .annotate(
            n=Count(
                "procedure_links__procedure",
                filter=Q(procedure_links__procedure__is_active=True),
                distinct=True,
            )
        )
        .filter(n__gt=0)
        .order_by("code")
    )
    by_kind: dict[str, list] = {}
    for agency in agencies:
        by_kind.setdefault(agency.kind, []).append(agency)
    groups = []
    for key, label, kinds in AGENCY_GROUPS:
        members = [a for kind in kinds for a in by_kind.get(kind, [])]
        if key == "province":
            members.sort(key=lambda a: (a.kind != "province_committee", a.code))
        else:
            members.sort(key=lambda a: a.name)
        if members:
            groups.append({"key": key, "label": label, "agencies": members})
    return groups


def life_events_with_counts(*, include_inactive: bool = False) -> QuerySet:
    """Life events in their order, each with ``n``: its number of active procedures."""
    qs = LifeEvent.objects.annotate(
        n=Count("items", filter=Q(items__procedure__is_active=True))
    ).order_by("order", "name")
    return qs if include_inactive else qs.filter(is_active=True)


def get_life_event(slug: str, *, include_inactive: bool = False) -> LifeEvent | None:
    qs = LifeEvent.objects.all() if include_inactive else LifeEvent.objects.filter(is_active=True)
    return qs.filter(slug=(slug or "").strip().lower()[:80]).first()


def life_event_procedures(event: LifeEvent, *, include_inactive: bool = False) -> list[Procedure]:
    """The event's procedures in the event's order."""
    items = LifeEventProcedure.objects.filter(life_event=event).select_related("procedure__field")
    if not include_inactive:
        items = items.filter(procedure__is_active=True)
    return [item.procedure for item in items.order_by("order", "procedure__code")]
