from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chinhquyen.events import registry, services
from chinhquyen.events.models import Delivery, OutboxEvent

pytestmark = pytest.mark.django_db

calls: list[tuple[str, str]] = []
failures = {"left": 0}


@pytest.fixture(autouse=True)
def handlers(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    calls.clear()
    failures["left"] = 0

    def record_call(event, delivery):
        calls.append((event.event_type, delivery.idempotency_key))

    def flaky(event, delivery):
        if failures["left"] > 0:
            failures["left"] -= 1
            raise ConnectionError("SMS gateway down")
        calls.append(("flaky", delivery.idempotency_key))

    registry.register("test.happened")(record_call)
    registry.register("test.flaky")(flaky)
    yield
    registry.unregister("test.happened", record_call)
    registry.unregister("test.flaky", flaky)


def _publish(event_type="test.happened", **kw):
    with transaction.atomic():
        return services.publish(
            event_type, aggregate_type="test.thing", aggregate_id=1, payload={"a": 1}, **kw
        )


def test_publish_writes_event_and_due_delivery_together():
    event = _publish()
    delivery = Delivery.objects.get(event=event)
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.next_attempt_at <= timezone.now()
    # The delivery is the queue entry: the worker polls due deliveries, no task row is written.
    assert not DBTaskResult.objects.exists()
    assert services.deliver_due() == 1
    assert calls == [("test.happened", f"{event.idempotency_key}:{delivery.handler}")]


def test_rolled_back_transaction_leaves_no_event_and_no_task():
    with pytest.raises(RuntimeError), transaction.atomic():
        services.publish("test.happened", payload={})
        raise RuntimeError("the state change failed")
    assert not OutboxEvent.objects.exists()
    assert not Delivery.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_publish_is_idempotent_by_key():
    first = _publish(idempotency_key="dossier-1-received")
    second = _publish(idempotency_key="dossier-1-received")
    assert first.pk == second.pk
    assert OutboxEvent.objects.count() == 1
    assert Delivery.objects.count() == 1


def test_deliver_calls_handler_once_even_if_run_twice():
    event = _publish()
    delivery = Delivery.objects.get(event=event)
    assert services.deliver(delivery.pk) == Delivery.Status.DELIVERED
    assert services.deliver(delivery.pk) == Delivery.Status.DELIVERED
    assert calls == [("test.happened", f"{event.idempotency_key}:{delivery.handler}")]


def test_crashed_handler_is_retried_with_backoff_then_succeeds():
    failures["left"] = 1
    event = _publish("test.flaky")
    delivery = Delivery.objects.get(event=event)
    before = timezone.now()
    assert services.deliver(delivery.pk) == Delivery.Status.FAILED
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert "SMS gateway down" in delivery.last_error
    assert delivery.next_attempt_at >= before + timedelta(seconds=29)
    # Not due yet: the worker's poll skips it, and running it early does nothing.
    assert services.deliver_due() == 0
    assert services.deliver(delivery.pk) == Delivery.Status.FAILED
    assert calls == []
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert services.deliver(delivery.pk) == Delivery.Status.DELIVERED
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.last_error == ""
    assert calls == [("flaky", delivery.idempotency_key)]


def test_delivery_goes_dead_after_max_attempts_and_can_be_retried():
    failures["left"] = 10
    event = _publish("test.flaky")
    delivery = Delivery.objects.get(event=event)
    for _ in range(3):
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        services.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DEAD and delivery.attempts == 3
    failures["left"] = 0
    services.retry(delivery)
    assert services.deliver(delivery.pk) == Delivery.Status.DELIVERED


def test_overdue_delivery_left_by_a_dead_worker_is_delivered_by_the_next_poll():
    event = _publish()
    delivery = Delivery.objects.get(event=event)
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    assert services.deliver_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.attempts == 1


def test_backoff_grows_and_is_capped():
    assert services.backoff(1) == timedelta(seconds=30)
    assert services.backoff(2) == timedelta(seconds=60)
    assert services.backoff(20) == timedelta(hours=1)
