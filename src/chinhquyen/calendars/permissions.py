"""Who may change the working calendar. Plain booleans, never raises (see accounts.permissions)."""

from __future__ import annotations

from typing import Any

from chinhquyen.accounts.permissions import can_use_workspace, is_province_admin


def can_edit_calendar(user: Any, agency: Any = None) -> bool:
    """Change the national calendar, or one agency's own days off and office hours.

    Both are the province administrator's: a wrong calendar makes every deadline in the province
    wrong. ``agency`` is the agency whose calendar would change (``None`` for the national one); it
    is part of the signature so a finer rule can be added without changing the callers.
    """
    return is_province_admin(user)


def can_view_calendar(user: Any) -> bool:
    """The calendar screen in the workspace: any official (the data itself is public)."""
    return can_use_workspace(user)
