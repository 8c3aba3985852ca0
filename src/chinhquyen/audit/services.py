"""Write side of the audit log. Call :func:`record` inside the transaction of the change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from chinhquyen.audit.chain import GENESIS, record_hash
from chinhquyen.audit.models import AuditRecord
from chinhquyen.core import fastsql
from chinhquyen.core.context import current

# An arbitrary constant: the PostgreSQL advisory lock that serialises appends to the chain.
_PG_LOCK_KEY = 0x43514155  # "CQAU"
# The head of the chain: the last entry of the unique ``seq`` index (one index step, no sort).
_HEAD_SQL = 'SELECT "seq", "hash" FROM "audit_auditrecord" ORDER BY "seq" DESC LIMIT 1'


def hashed_fields(
    *,
    seq: int,
    created_at,
    actor_id,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    object_label: str,
    changes: dict,
    ip: str | None,
    source: str,
) -> dict[str, Any]:
    """The fields a record's hash covers, in their canonical form."""
    return {
        "seq": seq,
        "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "object_label": object_label,
        "changes": changes,
        "ip": ip,
        "source": source,
    }


def fields_of(rec: AuditRecord) -> dict[str, Any]:
    return hashed_fields(
        seq=rec.seq,
        created_at=rec.created_at,
        actor_id=rec.actor_id,
        actor_label=rec.actor_label,
        action=rec.action,
        object_type=rec.object_type,
        object_id=rec.object_id,
        object_label=rec.object_label,
        changes=rec.changes,
        ip=rec.ip,
        source=rec.source,
    )


def _actor(actor: Any) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor.pk, actor.get_username()


def _prepared(
    action: str,
    *,
    obj: models.Model | None,
    object_type: str,
    object_id: str | int,
    object_label: str,
    changes: dict[str, Any] | None,
    actor: Any,
    ip: str | None,
) -> dict[str, Any]:
    """The column values of the next record of the chain (reads the head; in the transaction)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside transaction.atomic().")
    ctx = current()
    actor = actor if actor is not None else ctx.user
    ip = ip if ip is not None else ctx.ip
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_label = object_label or str(obj)[:300]
    if connection.vendor == "postgresql":
        fastsql.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY], fetch="one")
    # On SQLite the IMMEDIATE transaction already holds the write lock.
    last = fastsql.execute(_HEAD_SQL, fetch="one")
    seq = (last[0] + 1) if last else 1
    prev_hash = last[1] if last else GENESIS
    actor_id, actor_label = _actor(actor)
    # Round-trip through JSON so the hashed form equals what the database gives back.
    changes = json.loads(json.dumps(changes or {}, default=str))
    now = timezone.now()
    fields = hashed_fields(
        seq=seq,
        created_at=now,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_label=object_label,
        changes=changes,
        ip=ip,
        source=ctx.source,
    )
    return {
        "seq": seq,
        "created_at": now,
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "object_label": object_label,
        "changes": changes,
        "ip": ip,
        "source": ctx.source,
        "prev_hash": prev_hash,
        "hash": record_hash(prev_hash, fields),
    }


def record(
    action: str,
    *,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_label: str = "",
    changes: dict[str, Any] | None = None,
    actor: Any = None,
    ip: str | None = None,
) -> AuditRecord:
    """Append one record to the chain. Must run inside the transaction that makes the change."""
    values = _prepared(
        action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label,
        changes=changes,
        actor=actor,
        ip=ip,
    )
    rec = AuditRecord(**values)
    fastsql.insert(rec)
    return rec


def _record_row(
    action: str, *, obj: models.Model, changes: dict[str, Any], actor: Any = None
) -> None:
    """:func:`record` for the dossier engine: the same record, written without a model instance
    (the engine does not use it)."""
    values = _prepared(
        action,
        obj=obj,
        object_type="",
        object_id="",
        object_label="",
        changes=changes,
        actor=actor,
        ip=None,
    )
    fastsql.insert_row(AuditRecord, values)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def verify_chain(batch_size: int = 2000) -> VerifyResult:
    """Walk the whole chain in order; report the first record whose hash or link is wrong."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    qs = AuditRecord.objects.order_by("seq")
    for rec in qs.iterator(chunk_size=batch_size):
        if rec.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"bản ghi #{expected_seq} bị thiếu")
        if rec.prev_hash != prev_hash:
            return VerifyResult(False, checked, rec.seq, "liên kết tới bản ghi trước không khớp")
        if record_hash(rec.prev_hash, fields_of(rec)) != rec.hash:
            return VerifyResult(False, checked, rec.seq, "nội dung đã bị thay đổi")
        prev_hash, expected_seq, checked = rec.hash, expected_seq + 1, checked + 1
    return VerifyResult(True, checked)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """A before/after summary of the fields that changed."""
    keys = sorted(set(before) | set(after))
    return {
        k: {"before": before.get(k), "after": after.get(k)}
        for k in keys
        if before.get(k) != after.get(k)
    }
