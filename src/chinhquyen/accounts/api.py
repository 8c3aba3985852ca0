"""The signed-in person's own account (session authentication)."""

from __future__ import annotations

from ninja import Router, Schema
from ninja.security import django_auth

from chinhquyen.accounts import permissions

router = Router(tags=["accounts"], auth=django_auth)


class RoleOut(Schema):
    role: str
    role_name: str
    agency_code: str
    agency_name: str
    include_children: bool


class MeOut(Schema):
    username: str
    full_name: str
    kind: str
    email: str | None
    phone_masked: str
    identity_number_masked: str
    agency_code: str | None
    roles: list[RoleOut]
    two_factor_verified: bool


@router.get("/me", response=MeOut)
def me(request):
    user = request.user
    return MeOut(
        username=user.username,
        full_name=user.full_name,
        kind=user.kind,
        email=user.email,
        phone_masked=user.masked_phone,
        identity_number_masked=user.masked_identity_number,
        agency_code=user.agency.code if user.agency_id else None,
        roles=[
            RoleOut(
                role=r.role,
                role_name=r.get_role_display(),
                agency_code=r.agency.code,
                agency_name=r.agency.name,
                include_children=r.include_children,
            )
            for r in permissions.roles_of(user)
        ],
        two_factor_verified=bool(getattr(user, "is_verified", lambda: False)()),
    )
