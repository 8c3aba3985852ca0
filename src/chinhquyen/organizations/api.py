"""Public reference data: administrative units and agencies."""

from __future__ import annotations

from ninja import Router, Schema

from chinhquyen.organizations.models import AdministrativeUnit, Agency

router = Router(tags=["organizations"])


class AdministrativeUnitOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    province_code: str | None


class AgencyOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    parent_code: str | None
    admin_unit_code: str | None


@router.get("/provinces", response=list[AdministrativeUnitOut])
def provinces(request):
    qs = AdministrativeUnit.objects.filter(level="province").order_by("code")
    return [_unit(u) for u in qs]


@router.get("/provinces/{code}/wards", response=list[AdministrativeUnitOut])
def wards(request, code: str):
    qs = AdministrativeUnit.objects.filter(level="ward", province__code=code).select_related(
        "province"
    )
    return [_unit(u) for u in qs.order_by("code")]


@router.get("/agencies", response=list[AgencyOut])
def agencies(request):
    qs = (
        Agency.objects.filter(is_active=True)
        .select_related("parent", "admin_unit")
        .order_by("code")
    )
    return [
        AgencyOut(
            code=a.code,
            name=a.name,
            short_name=a.short_name,
            kind=a.kind,
            parent_code=a.parent.code if a.parent else None,
            admin_unit_code=a.admin_unit.code if a.admin_unit else None,
        )
        for a in qs
    ]


def _unit(u: AdministrativeUnit) -> AdministrativeUnitOut:
    return AdministrativeUnitOut(
        code=u.code,
        name=u.name,
        level=u.level,
        kind=u.kind,
        province_code=u.province.code if u.province_id else None,
    )
