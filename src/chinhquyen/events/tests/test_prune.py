"""Outbox retention: delivered events go after the period, anything unfinished stays."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from chinhquyen.audit.models import AuditRecord
from chinhquyen.events import housekeeping, registry, services
from chinhquyen.events.models import Delivery, OutboxEvent

pytestmark = pytest.mark.django_db

EVENT = "test.pruned"


def first_handler(event, delivery) -> None:
    """Does nothing: delivering succeeds."""


def second_handler(event, delivery) -> None:
    """Does nothing: delivering succeeds."""


@pytest.fixture(autouse=True)
def handlers(settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    settings.NOTIFICATION_RETENTION_DAYS = 365
    registry.register(EVENT)(first_handler)
    registry.register(EVENT)(second_handler)
    yield
    registry.unregister(EVENT, first_handler)
    registry.unregister(EVENT, second_handler)


def make_event(*, age_days: float, statuses: tuple[str, str] = ("delivered", "delivered")):
    """An event with two deliveries in the given statuses, created ``age_days`` ago."""
    with transaction.atomic():
        event = services.publish(EVENT, aggregate_type="test.thing", aggregate_id=1)
    created = timezone.now() - timedelta(days=age_days)
    OutboxEvent.objects.filter(pk=event.pk).update(created_at=created)
    for delivery, status in zip(event.deliveries.order_by("handler"), statuses, strict=True):
        delivery.status = status
        delivery.delivered_at = created if status == "delivered" else None
        delivery.save()
    return event


def test_old_delivered_event_goes_with_its_deliveries_and_unfinished_ones_stay():
    old = make_event(age_days=31)
    old_dead = make_event(age_days=90, statuses=("delivered", "dead"))
    old_failed = make_event(age_days=40, statuses=("failed", "delivered"))
    old_pending = make_event(age_days=40, statuses=("pending", "pending"))
    recent = make_event(age_days=29)

    counts = services.prune()

    assert counts == {"events": 1, "deliveries": 2, "kept": 3}
    assert not OutboxEvent.objects.filter(pk=old.pk).exists()
    assert not Delivery.objects.filter(event_id=old.pk).exists()
    for kept in (old_dead, old_failed, old_pending, recent):
        assert OutboxEvent.objects.filter(pk=kept.pk).exists()
        # An unfinished event keeps all its deliveries, the delivered one included.
        assert Delivery.objects.filter(event_id=kept.pk).count() == 2
    record = AuditRecord.objects.get(action="events.prune")
    assert record.changes["events"] == 1 and record.changes["deliveries"] == 2


def test_dry_run_deletes_nothing_and_counts_what_would_go():
    make_event(age_days=31)
    make_event(age_days=31)
    make_event(age_days=31, statuses=("dead", "delivered"))

    assert services.prune(dry_run=True) == {"events": 2, "deliveries": 4, "kept": 1}
    assert OutboxEvent.objects.count() == 3
    assert Delivery.objects.count() == 6
    assert not AuditRecord.objects.filter(action="events.prune").exists()


def test_small_batches_prune_everything():
    for _ in range(7):
        make_event(age_days=60)
    keep = make_event(age_days=1)

    counts = services.prune(batch_size=2)

    assert counts["events"] == 7 and counts["deliveries"] == 14
    assert list(OutboxEvent.objects.values_list("pk", flat=True)) == [keep.pk]
    assert AuditRecord.objects.filter(action="events.prune").count() == 4  # 2 + 2 + 2 + 1


def test_event_without_handlers_goes_too():
    with transaction.atomic():
        lonely = services.publish("test.nobody_listens", aggregate_type="t", aggregate_id=1)
    OutboxEvent.objects.filter(pk=lonely.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert services.prune()["events"] == 1
    assert not OutboxEvent.objects.exists()


def test_explicit_period_and_switched_off(settings):
    event = make_event(age_days=10)
    assert services.prune(keep=timedelta(days=11))["events"] == 0
    settings.OUTBOX_RETENTION_DAYS = 0  # keep for ever
    assert services.prune() == {"events": 0, "deliveries": 0, "kept": 0}
    assert OutboxEvent.objects.filter(pk=event.pk).exists()
    assert services.prune(keep=timedelta(days=9))["events"] == 1


def test_retention_never_shorter_than_a_day(settings):
    settings.OUTBOX_RETENTION_DAYS = 1
    make_event(age_days=0.5)
    assert services.outbox_retention() == timedelta(days=1)
    assert services.prune()["events"] == 0


def test_retried_delivery_of_an_old_event_is_not_pruned():
    event = make_event(age_days=45)
    services.retry(event.deliveries.first())  # an operator sends it again
    assert services.prune() == {"events": 0, "deliveries": 0, "kept": 1}
    assert Delivery.objects.filter(event_id=event.pk).count() == 2


def test_housekeeping_runs_both_prunes():
    make_event(age_days=31)
    assert housekeeping.run() == {
        "outbox_events": 1,
        "outbox_deliveries": 2,
        "outbox_kept": 0,
        "notifications_cleared": 0,
        "notifications_deleted": 0,
    }


def test_command_reports_counts_in_vietnamese():
    make_event(age_days=31)
    make_event(age_days=31, statuses=("delivered", "dead"))

    out = StringIO()
    call_command("outbox", "prune", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Chạy thử (--dry-run): chưa xóa gì" in text
    assert (
        "Outbox (giữ 30 ngày): sẽ xóa 1 sự kiện và 2 lượt gửi đã gửi xong; "
        "giữ lại 1 sự kiện cũ còn lượt gửi chưa xong hoặc lỗi." in text
    )
    assert "Nhật ký thông báo (giữ 365 ngày): sẽ xóa nơi nhận và nội dung của 0 tin" in text
    assert OutboxEvent.objects.count() == 2

    out = StringIO()
    call_command("outbox", "prune", stdout=out)
    assert "Outbox (giữ 30 ngày): đã xóa 1 sự kiện và 2 lượt gửi đã gửi xong" in out.getvalue()
    assert OutboxEvent.objects.count() == 1

    out = StringIO()
    call_command("outbox", "prune", "--json", stdout=out)
    assert json.loads(out.getvalue())["outbox_kept"] == 1
