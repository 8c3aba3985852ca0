"""Appends from several threads at once still form one unbroken chain (PostgreSQL: advisory lock)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from chinhquyen.audit import services as audit
from chinhquyen.audit.models import AuditRecord


@pytest.mark.django_db(transaction=True)
def test_parallel_appends_keep_one_chain():
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("in-memory SQLite is one connection; the PostgreSQL run covers concurrency")
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    audit.record("test.parallel", object_id=f"{n}-{i}")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert AuditRecord.objects.count() == 40
    assert sorted(AuditRecord.objects.values_list("seq", flat=True)) == list(range(1, 41))
    assert audit.verify_chain().ok
