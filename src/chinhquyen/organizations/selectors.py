"""Read side of organizations: queries that faces and other apps use."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from chinhquyen.lib.vntext import fold
from chinhquyen.organizations.models import AdministrativeUnit, Agency, LegacyUnitMapping
from chinhquyen.organizations.naming import name_key, province_code, split_prefix, ward_code


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


def provinces() -> QuerySet[AdministrativeUnit]:
    """The 34 provinces and centrally run cities, by code."""
    return AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.PROVINCE).order_by(
        "code"
    )


def wards_of(province_code_: str) -> QuerySet[AdministrativeUnit]:
    """Wards, communes and special zones of a province (``"40"`` or ``"4"``), by code."""
    code = province_code(province_code_) or str(province_code_)
    return (
        AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.WARD, province__code=code)
        .select_related("province")
        .order_by("code")
    )


def _same_place(query: str | None, stored: str) -> bool:
    """District/province names compared without prefix and marks: "Vinh" ~ "Thành phố Vinh"."""
    if not query:
        return True
    wanted = name_key(query)
    return wanted in (name_key(stored), fold(stored))


def find_new_unit(
    *,
    old_name: str | None = None,
    old_code: str | None = None,
    old_district: str | None = None,
    old_province: str | None = None,
) -> list[LegacyUnitMapping]:
    """Where a pre-July-2025 commune went: the mappings to its new ward(s), best match first.

    ``old_name`` is matched without regard to diacritics, case, NFC/NFD or extra spaces, with or
    without its prefix ("Nghi Phú", "xa nghi phu" and "Phường Nghi Phú" all find Phường Nghi
    Phú); a prefix that matches exactly ranks first, a different one is tolerated. ``old_code``
    is the old 5-digit commune code. ``old_district`` and ``old_province`` narrow the search
    ("Vinh" matches "Thành phố Vinh"). A commune split between several new wards gives one
    mapping per ward (``whole`` is False for the parts). Each mapping's ``new_unit`` (and its
    ``province``) is loaded.
    """
    if not (old_name and old_name.strip()) and not (old_code and old_code.strip()):
        raise ValueError("find_new_unit() needs old_name or old_code")
    qs = LegacyUnitMapping.objects.select_related("new_unit__province")
    full = fold(old_name)
    _, rest = split_prefix(old_name)
    if old_name and old_name.strip():
        qs = qs.filter(old_name_key__in={fold(rest), full})
    if old_code and old_code.strip():
        qs = qs.filter(old_code=ward_code(old_code) or old_code.strip())
    candidates = [
        m
        for m in qs
        if _same_place(old_district, m.old_district) and _same_place(old_province, m.old_province)
    ]
    if old_name and old_name.strip():

        def score(m: LegacyUnitMapping) -> int:
            if fold(m.old_name) == full:
                return 0  # the very name, prefix included
            if m.old_name_key == full:
                return 1  # typed without its prefix: "Nghi Phu" for Phường Nghi Phú
            return 2  # same name, another prefix: "Xã Nghi Phú" for Phường Nghi Phú

        best = min((score(m) for m in candidates), default=0)
        candidates = [m for m in candidates if score(m) == best]
    candidates.sort(key=lambda m: (not m.whole, m.old_code, m.new_unit.code))
    return candidates
