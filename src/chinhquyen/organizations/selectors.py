"""Read side of organizations: queries that faces and other apps use."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from chinhquyen.organizations.models import AdministrativeUnit, Agency


def home_province() -> AdministrativeUnit | None:
    """The province this installation serves (``CHINHQUYEN_PROVINCE_CODE``), if loaded."""
    return AdministrativeUnit.objects.filter(
        code=settings.PROVINCE_CODE, level=AdministrativeUnit.Level.PROVINCE
    ).first()


def agency_subtree_ids(agency: Agency) -> set[int]:
    """The agency and every agency below it in the tree."""
    ids = {agency.pk}
    frontier = [agency.pk]
    while frontier:
        frontier = list(Agency.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier = [pk for pk in frontier if pk not in ids]
        ids.update(frontier)
    return ids


def agencies_visible_to(user) -> QuerySet[Agency]:
    from chinhquyen.accounts.permissions import agency_ids_in_scope

    ids = agency_ids_in_scope(user)
    if ids is None:
        return Agency.objects.all()
    return Agency.objects.filter(pk__in=ids)
