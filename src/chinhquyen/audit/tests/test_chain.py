from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from chinhquyen.audit import services as audit
from chinhquyen.audit.chain import GENESIS
from chinhquyen.audit.models import AuditRecord

pytestmark = pytest.mark.django_db


def _append(n: int) -> list[AuditRecord]:
    records = []
    for i in range(n):
        with transaction.atomic():
            records.append(
                audit.record(
                    f"test.action{i}",
                    object_type="test.thing",
                    object_id=i,
                    object_label=f"Vật {i}",
                    changes={"tên": {"before": "cũ", "after": f"mới {i}"}, "n": i},
                    ip="127.0.0.1",
                )
            )
    return records


def _drop_guard() -> None:
    """What an attacker with database access would do first: remove the append-only triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_change ON audit_auditrecord")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_delete")


def test_records_chain_from_genesis():
    first, second, third = _append(3)
    assert first.seq == 1 and first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3


def test_verify_accepts_an_intact_chain():
    _append(5)
    result = audit.verify_chain()
    assert result.ok and result.checked == 5


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit.record("test.outside")


def test_rolled_back_change_leaves_no_record():
    with pytest.raises(ValueError), transaction.atomic():
        audit.record("test.rolled_back")
        raise ValueError("change failed")
    assert not AuditRecord.objects.filter(action="test.rolled_back").exists()


def test_orm_update_and_delete_are_refused():
    (rec,) = _append(1)
    rec.action = "rewritten"
    with pytest.raises(RuntimeError):
        rec.save()
    with pytest.raises(RuntimeError):
        rec.delete()


def test_database_refuses_update_and_delete():
    _append(2)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.filter(seq=1).update(action="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.filter(seq=2).delete()
    assert AuditRecord.objects.get(seq=1).action == "test.action0"


def test_tampered_content_is_caught_and_named():
    _append(6)
    _drop_guard()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditrecord SET object_label = %s WHERE seq = %s", ["Vật giả", 4]
        )
    result = audit.verify_chain()
    assert not result.ok
    assert result.first_broken_seq == 4
    assert result.checked == 3
    with pytest.raises(CommandError, match="#4"):
        call_command("audit", "verify")


def test_tampered_changes_json_is_caught():
    _append(3)
    _drop_guard()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditrecord SET changes = %s WHERE seq = %s", ['{"n": 99}', 2])
    assert audit.verify_chain().first_broken_seq == 2


def test_removed_record_is_caught():
    _append(5)
    _drop_guard()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditrecord WHERE seq = %s", [3])
    result = audit.verify_chain()
    assert not result.ok and result.first_broken_seq == 3


def test_recomputed_hash_breaks_the_next_link():
    """Rewriting a record and its own hash is not enough: the next record still points at the old one."""
    from chinhquyen.audit.chain import record_hash

    _append(4)
    _drop_guard()
    rec = AuditRecord.objects.get(seq=2)
    rec.object_label = "Vật giả"
    new_hash = record_hash(rec.prev_hash, audit.fields_of(rec))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditrecord SET object_label = %s, hash = %s WHERE seq = 2",
            ["Vật giả", new_hash],
        )
    result = audit.verify_chain()
    assert result.first_broken_seq == 3


def test_verify_command_reports_success(capsys):
    _append(2)
    call_command("audit", "verify")
    assert "2 bản ghi" in capsys.readouterr().out
