"""Who may see or change what: one function per decision, each tested as a matrix.

Faces and services ask these functions; nothing else decides access. A function returns a plain
bool (or a set of agency ids, ``None`` meaning "all"), never raises.
"""

from __future__ import annotations

from typing import Any

from chinhquyen.accounts.models import Role, RoleAssignment

OFFICIAL_ROLES = frozenset(Role.values) - {Role.PROVINCE_ADMIN}


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def roles_of(user: Any) -> list[RoleAssignment]:
    if not _active(user) or not user.is_official:
        return []
    cache = getattr(user, "_role_cache", None)
    if cache is None:
        cache = list(RoleAssignment.objects.filter(user=user).select_related("agency"))
        user._role_cache = cache
    return cache


def is_province_admin(user: Any) -> bool:
    return _active(user) and (
        user.is_superuser or any(r.role == Role.PROVINCE_ADMIN for r in roles_of(user))
    )


def has_role(user: Any, role: str, agency: Any = None) -> bool:
    """True if the user holds ``role`` for ``agency`` (directly, or through a subtree assignment)."""
    for assignment in roles_of(user):
        if assignment.role != role:
            continue
        if agency is None or agency.pk in _scope_of(assignment):
            return True
    return False


def _scope_of(assignment: RoleAssignment) -> set[int]:
    if assignment.include_children:
        from chinhquyen.organizations.selectors import agency_subtree_ids

        return agency_subtree_ids(assignment.agency)
    return {assignment.agency_id}


def agency_ids_in_scope(user: Any, roles: set[str] | None = None) -> set[int] | None:
    """Agencies whose work the user may see. ``None`` means every agency (province administrator)."""
    if is_province_admin(user):
        return None
    ids: set[int] = set()
    for assignment in roles_of(user):
        if roles is None or assignment.role in roles:
            ids |= _scope_of(assignment)
    return ids


def requires_two_factor(user: Any) -> bool:
    """Administrators must use TOTP; other officials may choose to."""
    return _active(user) and (user.is_superuser or user.is_staff or is_province_admin(user))


def can_use_workspace(user: Any) -> bool:
    return _active(user) and user.is_official and (bool(roles_of(user)) or user.is_superuser)


def can_view_agency(user: Any, agency: Any) -> bool:
    scope = agency_ids_in_scope(user)
    return _active(user) and user.is_official and (scope is None or agency.pk in scope)


def can_manage_organizations(user: Any) -> bool:
    """Create or change agencies, units, desks and administrative units."""
    return is_province_admin(user)


def can_manage_officials(user: Any, agency: Any) -> bool:
    """Create officials and grant roles in ``agency``: the province administrator, or its leader."""
    return is_province_admin(user) or has_role(user, Role.AGENCY_LEADER, agency)


def can_view_audit_log(user: Any) -> bool:
    return is_province_admin(user)


def can_view_outbox(user: Any) -> bool:
    return is_province_admin(user)


def can_view_profile(user: Any, profile_owner: Any) -> bool:
    """A person's account details: only the person, or the province administrator."""
    return _active(user) and (user.pk == profile_owner.pk or is_province_admin(user))
