"""Test data builders used across apps (imported by pytest automatically)."""

from __future__ import annotations

import pytest

from chinhquyen.accounts.models import Role, RoleAssignment, User
from chinhquyen.organizations.models import AdministrativeUnit, Agency, Unit

PASSWORD = "Mat-khau-thu-nghiem-2026"


@pytest.fixture
def province(db) -> AdministrativeUnit:
    return AdministrativeUnit.objects.create(
        code="40", name="Tỉnh Nghệ An", level="province", kind="Tỉnh"
    )


@pytest.fixture
def agency_tree(db, province) -> dict[str, Agency]:
    """UBND tỉnh → Sở Tư pháp, Sở Xây dựng; UBND phường Trường Vinh; each with a unit."""
    ward = AdministrativeUnit.objects.create(
        code="16690", name="Phường Trường Vinh", level="ward", kind="Phường", province=province
    )
    root = Agency.objects.create(
        code="000.00.00.H41",
        name="UBND tỉnh Nghệ An",
        kind="province_committee",
        admin_unit=province,
    )
    justice = Agency.objects.create(
        code="000.00.01.H41", name="Sở Tư pháp", short_name="STP", parent=root, admin_unit=province
    )
    building = Agency.objects.create(
        code="000.00.02.H41", name="Sở Xây dựng", short_name="SXD", parent=root, admin_unit=province
    )
    ward_committee = Agency.objects.create(
        code="000.00.51.H41",
        name="UBND phường Trường Vinh",
        kind="ward_committee",
        parent=root,
        admin_unit=ward,
    )
    for agency in (justice, building, ward_committee):
        Unit.objects.create(agency=agency, code="VP", name="Văn phòng")
    return {"root": root, "justice": justice, "building": building, "ward": ward_committee}


def make_official(
    username: str, agency: Agency, *roles: str, include_children: bool = False, **extra
) -> User:
    user = User.objects.create_user(
        username,
        PASSWORD,
        full_name=extra.pop("full_name", username.title()),
        kind=User.Kind.OFFICIAL,
        agency=agency,
        **extra,
    )
    for role in roles:
        RoleAssignment.objects.create(
            user=user, role=role, agency=agency, include_children=include_children
        )
    return user


def make_citizen(phone: str = "0912345678", **extra) -> User:
    return User.objects.create_user(
        phone,
        PASSWORD,
        full_name=extra.pop("full_name", "Nguyễn Văn An"),
        kind=User.Kind.CITIZEN,
        phone=phone,
        **extra,
    )


@pytest.fixture
def officials(agency_tree) -> dict[str, User]:
    t = agency_tree
    return {
        "admin": make_official("quantri", t["root"], Role.PROVINCE_ADMIN),
        "justice_leader": make_official("giamdoc.stp", t["justice"], Role.AGENCY_LEADER),
        "justice_specialist": make_official("chuyenvien.stp", t["justice"], Role.SPECIALIST),
        "justice_intake": make_official("tiepnhan.stp", t["justice"], Role.INTAKE_OFFICER),
        "building_specialist": make_official("chuyenvien.sxd", t["building"], Role.SPECIALIST),
        "root_leader": make_official(
            "lanhdao.tinh", t["root"], Role.AGENCY_LEADER, include_children=True
        ),
        "ward_clerk": make_official("vanthu.phuong", t["ward"], Role.CLERK),
    }


@pytest.fixture
def citizen(db) -> User:
    return make_citizen()


@pytest.fixture
def other_citizen(db) -> User:
    return make_citizen("0987654321", full_name="Trần Thị Bình", email="binh@example.vn")
