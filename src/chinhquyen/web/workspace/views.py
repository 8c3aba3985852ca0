"""The officials' workspace: pages every official sees first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chinhquyen.accounts import permissions
from chinhquyen.audit.models import AuditRecord
from chinhquyen.organizations.selectors import agencies_visible_to


def _require_workspace(request: HttpRequest) -> None:
    if not permissions.can_use_workspace(request.user):
        raise PermissionDenied("Trang này dành cho cán bộ, công chức.")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The official's start page: their inboxes with counters, their agency and roles."""
    _require_workspace(request)
    from chinhquyen.web.workspace.dossiers.views import box_counters

    return render(
        request,
        "workspace/home.html",
        {"roles": permissions.roles_of(request.user), **box_counters(request)},
    )


@login_required
def agencies(request: HttpRequest) -> HttpResponse:
    """The agency tree the official may see."""
    _require_workspace(request)
    visible = list(agencies_visible_to(request.user).select_related("parent").order_by("code"))
    ids = {a.pk for a in visible}
    children: dict[int | None, list] = {}
    for agency in visible:
        parent = agency.parent_id if agency.parent_id in ids else None
        children.setdefault(parent, []).append(agency)
    rows: list[tuple[int, object]] = []

    def walk(parent: int | None, depth: int) -> None:
        for agency in sorted(children.get(parent, []), key=lambda a: a.code):
            rows.append((depth, agency))
            walk(agency.pk, depth + 1)

    walk(None, 0)
    return render(request, "workspace/agencies.html", {"rows": rows})


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_audit_log(request.user):
        raise PermissionDenied("Chỉ quản trị hệ thống được xem nhật ký kiểm toán.")
    page = Paginator(AuditRecord.objects.order_by("-seq"), 50).get_page(request.GET.get("trang"))
    return render(request, "workspace/audit_log.html", {"page": page})
