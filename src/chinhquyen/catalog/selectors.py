"""Read side of the catalog: what pages, the API and other apps (dossiers) ask."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from chinhquyen.catalog import codes
from chinhquyen.catalog.models import (
    Field,
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
