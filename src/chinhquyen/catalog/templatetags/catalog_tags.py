"""Template filters of the catalog: ``{% load catalog_tags %}``."""

from __future__ import annotations

from typing import Any

from django import template

from chinhquyen.catalog import permissions

register = template.Library()


@register.filter
def can_operate_catalog(user: Any) -> bool:
    """Whether the workspace shows the user the catalog screens (``catalog.permissions``)."""
    return permissions.can_operate_catalog(user)
