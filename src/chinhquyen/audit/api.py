"""Audit log for province administrators: read records, verify the chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Schema
from ninja.security import django_auth

from chinhquyen.accounts.permissions import can_view_audit_log
from chinhquyen.audit.models import AuditRecord
from chinhquyen.audit.services import verify_chain

router = Router(tags=["audit"], auth=django_auth)


class RecordOut(Schema):
    seq: int
    created_at: datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    changes: dict[str, Any]
    ip: str | None
    prev_hash: str
    hash: str


class RecordFilter(Schema):
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    before_seq: int | None = None
    limit: int = 50


class VerifyOut(Schema):
    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str


def _require(request) -> None:
    if not can_view_audit_log(request.user):
        raise PermissionDenied("Chỉ quản trị hệ thống được xem nhật ký kiểm toán.")


@router.get("/records", response=list[RecordOut])
def records(request, filters: Query[RecordFilter]):
    _require(request)
    qs = AuditRecord.objects.order_by("-seq")
    for field in ("action", "object_type", "object_id"):
        value = getattr(filters, field)
        if value:
            qs = qs.filter(**{field: value})
    if filters.before_seq:
        qs = qs.filter(seq__lt=filters.before_seq)
    return list(qs[: max(1, min(filters.limit, 500))])


@router.post("/verify", response=VerifyOut)
def verify(request):
    _require(request)
    result = verify_chain()
    return VerifyOut(
        ok=result.ok,
        checked=result.checked,
        first_broken_seq=result.first_broken_seq,
        reason=result.reason,
    )
