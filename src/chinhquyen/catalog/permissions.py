"""Who may change the procedure catalog. Plain bools, never raise (see accounts.permissions)."""

from __future__ import annotations

from typing import Any

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.permissions import has_role, is_province_admin


def can_manage_catalog(user: Any) -> bool:
    """Import, edit and publish procedures: the province administrator."""
    return is_province_admin(user)


def can_edit_process(user: Any, agency: Any = None) -> bool:
    """Change an internal process: the province's default (``agency=None``) only the province
    administrator; an agency's own override also that agency's leader."""
    if is_province_admin(user):
        return True
    return agency is not None and has_role(user, Role.AGENCY_LEADER, agency)


def can_operate_catalog(user: Any) -> bool:
    """Open the catalog screens of the workspace: the province administrator (edits everything)
    and agency leaders (edit their own agency's internal processes)."""
    if can_manage_catalog(user):
        return True
    from chinhquyen.accounts.permissions import roles_of

    return any(r.role == Role.AGENCY_LEADER for r in roles_of(user))
