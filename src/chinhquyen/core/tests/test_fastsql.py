"""The compiled inserts, updates and queries give the same rows as the ORM."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from chinhquyen.core import fastsql
from chinhquyen.events.models import Delivery, OutboxEvent

pytestmark = pytest.mark.django_db


def _event(key: str = "k-1") -> OutboxEvent:
    return OutboxEvent(
        event_type="test.thing",
        aggregate_type="test.kind",
        aggregate_id="7",
        payload={"tên": "Hồ sơ", "n": [1, 2]},
        idempotency_key=key,
    )


def test_insert_writes_the_row_the_orm_reads_back():
    event = _event()
    assert fastsql.insert(event) is True
    assert not event._state.adding
    stored = OutboxEvent.objects.get(pk=event.pk)
    assert stored.payload == {"tên": "Hồ sơ", "n": [1, 2]}
    assert stored.idempotency_key == "k-1" and stored.aggregate_id == "7"
    assert stored.created_at == event.created_at  # auto_now_add set as save() sets it

    at = timezone.now() - timedelta(minutes=5)
    delivery = Delivery(event=event, handler="a.b", next_attempt_at=at)
    fastsql.insert(delivery)
    assert delivery.pk is not None  # auto key returned by the insert
    row = Delivery.objects.get(pk=delivery.pk)
    assert (row.event_id, row.handler, row.status, row.attempts) == (event.pk, "a.b", "pending", 0)
    assert row.next_attempt_at == at and row.updated_at is not None


def test_insert_ignoring_conflicts_reports_the_repeated_key():
    fastsql.insert(_event("same"))
    with transaction.atomic():
        assert fastsql.insert(_event("same"), ignore_conflicts=True) is False
    assert OutboxEvent.objects.filter(idempotency_key="same").count() == 1


def test_insert_row_writes_the_row_an_instance_would_without_building_one():
    with transaction.atomic():
        event = fastsql.insert_row(
            OutboxEvent,
            {
                "id": uuid.uuid4(),
                "event_type": "test.thing",
                "aggregate_id": "7",
                "payload": {"tên": "Hồ sơ"},
                "idempotency_key": "row-1",
            },
            ignore_conflicts=True,
        )
        at = timezone.now() - timedelta(minutes=5)
        delivery = fastsql.insert_row(
            Delivery, {"event_id": event.id, "handler": "a.b", "next_attempt_at": at}
        )
        repeated = fastsql.insert_row(
            OutboxEvent,
            {"id": uuid.uuid4(), "event_type": "x", "idempotency_key": "row-1"},
            ignore_conflicts=True,
        )
    assert repeated is None
    stored = OutboxEvent.objects.get(pk=event.id)
    assert stored.payload == {"tên": "Hồ sơ"} and stored.aggregate_type == ""  # field default
    assert stored.created_at == event.created_at  # auto_now_add set as save() sets it
    row = Delivery.objects.get(pk=delivery.id)  # auto key returned by the insert
    assert (row.event_id, row.handler, row.status, row.attempts) == (event.id, "a.b", "pending", 0)
    assert row.next_attempt_at == at and row.updated_at is not None and row.last_error == ""


def test_update_writes_only_the_named_columns_and_refuses_a_missing_row():
    event = _event()
    fastsql.insert(event)
    delivery = Delivery(event=event, handler="a.b", next_attempt_at=timezone.now())
    fastsql.insert(delivery)
    delivery.status, delivery.attempts, delivery.handler = "failed", 2, "not.saved"
    fastsql.update(delivery, ["status", "attempts", "updated_at"])
    row = Delivery.objects.get(pk=delivery.pk)
    assert (row.status, row.attempts, row.handler) == ("failed", 2, "a.b")
    delivery.pk = delivery.pk + 1000
    with pytest.raises(DatabaseError):
        fastsql.update(delivery, ["status"])


def test_prepared_query_gives_the_orm_objects_with_related_rows():
    event = _event()
    fastsql.insert(event)
    for handler in ("b.two", "a.one"):
        fastsql.insert(Delivery(event=event, handler=handler, next_attempt_at=timezone.now()))
    from_key = fastsql.Prepared(
        lambda k: Delivery.objects.filter(pk__gte=k).select_related("event").order_by("handler")
    )
    found = from_key.all(0)
    expected = list(Delivery.objects.select_related("event").order_by("handler"))
    assert [d.pk for d in found] == [d.pk for d in expected]
    assert [d.handler for d in found] == ["a.one", "b.two"]
    assert found[0].event.payload == event.payload  # the related row came with it
    assert found[0].next_attempt_at == expected[0].next_attempt_at
    last = max(d.pk for d in found)
    assert [d.pk for d in from_key.all(last)] == [last]
    assert from_key.all(last + 1) == [] and from_key.get(last + 1) is None


@pytest.mark.django_db(transaction=True)
def test_prepared_lock_refuses_to_run_outside_a_transaction():
    locked = fastsql.Prepared(lambda pk: Delivery.objects.select_for_update().filter(pk=pk))
    with transaction.atomic():
        assert locked.get(1) is None
    with pytest.raises(TransactionManagementError):
        locked.get(1)


def test_datetimes_are_stored_as_the_orm_stores_them_and_driver_errors_stay_djangos():
    from zoneinfo import ZoneInfo

    from django.db import IntegrityError, connection

    at = timezone.now().astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))  # aware, not UTC
    event = _event("fast")
    fastsql.insert(event)
    fast = Delivery(event=event, handler="a.fast", next_attempt_at=at)
    orm = Delivery(event=event, handler="a.orm", next_attempt_at=at)
    fastsql.insert(fast)
    orm.save()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT handler, next_attempt_at FROM events_delivery WHERE id IN (%s, %s)",
            [fast.pk, orm.pk],
        )
        stored = dict(cursor.fetchall())
    assert stored["a.fast"] == stored["a.orm"]  # the same column value, text or timestamp
    assert Delivery.objects.get(pk=fast.pk).next_attempt_at == at
    with pytest.raises(IntegrityError), transaction.atomic():
        fastsql.insert(_event("fast"))  # the unique key, as Django's exception


@pytest.mark.django_db(transaction=True)
def test_compiled_queries_serve_the_new_connection_object_of_another_thread():
    """Under ASGI each request runs in a new thread with a new connection object: the SQL and
    converters are kept per database, and the backend's converters run with the ``ops`` of the
    connection that fetched the row."""
    import threading

    from django.db import connection, connections

    event = _event("threads")
    fastsql.insert(event)
    fastsql.insert(Delivery(event=event, handler="a.one", next_attempt_at=timezone.now()))
    query = fastsql.Prepared(lambda k: Delivery.objects.filter(pk__gte=k).order_by("pk"))
    here = query.all(0)
    (compiled,) = query._compiled.values()  # one entry for the database, not per connection
    found = compiled[3]
    assert not any(
        hasattr(function, "__self__") and function.__self__ is connection.ops
        for functions, _ in found.values()
        for function, _ in functions
    )
    seen: dict = {}

    def other_thread() -> None:
        try:
            seen["connection"] = connections["default"]
            seen["rows"] = [(d.pk, d.handler, d.next_attempt_at) for d in query.all(0)]
        finally:
            connections.close_all()

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join(30)
    assert seen["connection"] is not connection  # a different connection object
    assert seen["rows"] == [(d.pk, d.handler, d.next_attempt_at) for d in here]
    assert len(query._compiled) == 1  # compiled once


def test_fetch_prepared_gives_the_rows_of_a_cursor_and_prepares_on_postgresql():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    event = _event("prepared")
    fastsql.insert(event)
    sql = "SELECT id, event_type FROM events_outboxevent WHERE idempotency_key = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, ["prepared"])
        expected = cursor.fetchall()
    assert fastsql.fetch_prepared(connection, sql, ["prepared"], 5) == expected
    assert fastsql.fetch_prepared(connection, sql, ["missing"], 5) == []
    with CaptureQueriesContext(connection) as queries:  # with the query log: Django's cursor
        assert fastsql.fetch_prepared(connection, sql, ["prepared"], 5) == expected
    assert any("idempotency_key" in q["sql"] for q in queries.captured_queries)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%events_outboxevent WHERE idempotency_key = $1%"],
            )
            assert cursor.fetchone()[0] == 1  # prepared once, run three times
        raw = connection.connection
        threshold, raw.prepare_threshold = raw.prepare_threshold, None  # CHINHQUYEN_DB_PREPARED=0
        try:
            other = sql.replace("SELECT id,", "SELECT id AS pk,")
            assert fastsql.fetch_prepared(connection, other, ["prepared"], 5) == expected
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_prepared_statements")
                assert cursor.fetchone()[0] == 1  # nothing new prepared
        finally:
            raw.prepare_threshold = threshold
