"""Notification log retention: after the period the facts stay, destination and text go."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from chinhquyen.audit.models import AuditRecord
from chinhquyen.events import housekeeping
from chinhquyen.events import services as events
from chinhquyen.events.models import Delivery, OutboxEvent
from chinhquyen.notifications import retention, services
from chinhquyen.notifications.models import Notification

pytestmark = pytest.mark.django_db

S = Notification.Status


@pytest.fixture(autouse=True)
def periods(settings):
    settings.NOTIFICATION_RETENTION_DAYS = 365
    settings.OUTBOX_RETENTION_DAYS = 30


def make_row(*, age_days: float, status: str = S.SENT, channel: str = "sms", **fields):
    created = timezone.now() - timedelta(days=age_days)
    values = {
        "channel": channel,
        "template_key": "dossier.received",
        "destination": "0903123456" if channel != "email" else "an.nguyen@example.vn",
        "subject": "Hồ sơ 000.00.01.H41-260302-0001 đã được tiếp nhận"
        if channel == "email"
        else "",
        "body": "Ho so 000.00.01.H41-260302-0001 cua Nguyen Van An da duoc tiep nhan.",
        "ref_type": "dossiers.dossier",
        "ref_id": "17",
        "ref_label": "000.00.01.H41-260302-0001",
        "status": status,
        "provider_message_id": "SMS-778899" if status == S.SENT else "",
        "attempts": 1,
        "sent_at": created if status == S.SENT else None,
        **fields,
    }
    row = Notification.objects.create(
        idempotency_key=f"test:{Notification.objects.count()}:{channel}", **values
    )
    Notification.objects.filter(pk=row.pk).update(created_at=created)
    row.refresh_from_db()
    return row


def test_old_rows_lose_destination_and_text_but_keep_the_facts():
    sms = make_row(age_days=400)
    email = make_row(age_days=400, channel="email")
    zalo = make_row(
        age_days=400,
        channel="zalo",
        subject="231456",  # the ZNS template id
        body="",
        data={"ma_ho_so": "000.00.01.H41-260302-0001", "ten": "Nguyễn Văn An"},
    )
    failed = make_row(
        age_days=366,
        status=S.FAILED,
        error="cổng SMS: 101 Số 0903123456 không hợp lệ (an.nguyen@example.vn)",
    )

    assert retention.prune() == {"cleared": 4, "deleted": 0}

    for row in (sms, email, zalo, failed):
        before = row
        row = Notification.objects.get(pk=before.pk)
        assert row.destination == "" and row.body == "" and row.data == {}
        # The facts a complaint is answered from stay as they were.
        for field in ("channel", "template_key", "status", "ref_type", "ref_id", "ref_label"):
            assert getattr(row, field) == getattr(before, field)
        assert (row.created_at, row.sent_at) == (before.created_at, before.sent_at)
        assert row.provider_message_id == before.provider_message_id
    assert Notification.objects.get(pk=email.pk).subject == ""
    assert Notification.objects.get(pk=zalo.pk).subject == "231456"
    assert Notification.objects.get(pk=sms.pk).provider_message_id == "SMS-778899"
    assert (
        Notification.objects.get(pk=failed.pk).error
        == "cổng SMS: 101 Số *** không hợp lệ (***@example.vn)"
    )
    record = AuditRecord.objects.get(action="notifications.prune")
    assert record.changes["cleared"] == 4 and record.changes["deleted"] == 0
    assert "0903123456" not in str(record.changes)

    # A second run finds nothing more to do.
    assert retention.prune() == {"cleared": 0, "deleted": 0}


def test_recent_rows_failed_ones_included_and_queued_ones_are_untouched():
    recent = make_row(age_days=364)
    recent_failed = make_row(age_days=10, status=S.FAILED, error="cổng SMS: 103 Hết tiền")
    old_queued = make_row(age_days=500, status=S.QUEUED)

    assert retention.prune() == {"cleared": 0, "deleted": 0}

    for row in (recent, recent_failed, old_queued):
        after = Notification.objects.get(pk=row.pk)
        assert (after.destination, after.body, after.error, after.status) == (
            row.destination,
            row.body,
            row.error,
            row.status,
        )


def test_old_verification_code_rows_are_deleted():
    code = make_row(
        age_days=400, template_key="account.verification_code", sensitive=True, body="(đã xóa)"
    )
    young_code = make_row(age_days=3, template_key="account.verification_code", sensitive=True)
    assert retention.prune() == {"cleared": 0, "deleted": 1}
    assert not Notification.objects.filter(pk=code.pk).exists()
    assert Notification.objects.filter(pk=young_code.pk).exists()


def test_dry_run_changes_nothing():
    rows = [make_row(age_days=400), make_row(age_days=400, status=S.SKIPPED)]
    make_row(age_days=400, sensitive=True)
    assert retention.prune(dry_run=True) == {"cleared": 2, "deleted": 1}
    assert Notification.objects.count() == 3
    assert all(Notification.objects.get(pk=r.pk).destination == "0903123456" for r in rows)
    assert not AuditRecord.objects.filter(action="notifications.prune").exists()


def test_small_batches_clear_everything():
    for _ in range(5):
        make_row(age_days=400)
    make_row(age_days=400, sensitive=True)
    kept = make_row(age_days=5)

    assert retention.prune(batch_size=2) == {"cleared": 5, "deleted": 1}
    assert list(Notification.objects.exclude(destination="").values_list("pk", flat=True)) == [
        kept.pk
    ]
    assert AuditRecord.objects.filter(action="notifications.prune").count() == 3


def test_period_from_settings_and_switched_off(settings):
    row = make_row(age_days=40)
    settings.NOTIFICATION_RETENTION_DAYS = 0  # keep for ever
    assert retention.prune() == {"cleared": 0, "deleted": 0}
    settings.NOTIFICATION_RETENTION_DAYS = 30
    assert retention.prune() == {"cleared": 1, "deleted": 0}
    assert Notification.objects.get(pk=row.pk).destination == ""


def _send_event(row: Notification, round_: int, *, status: str, age_days: float) -> OutboxEvent:
    with transaction.atomic():
        event = events.publish(
            services.SEND_EVENT,
            aggregate=row,
            payload={"notification_id": row.pk},
            idempotency_key=f"{services.SEND_EVENT}:{row.pk}:{round_}",
        )
    OutboxEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - timedelta(days=age_days)
    )
    event.deliveries.update(status=status, next_attempt_at=None)
    return event


def test_resend_after_the_first_round_was_pruned_queues_a_new_round():
    row = make_row(age_days=60, status=S.FAILED, error="cổng SMS: 103 Hết tiền")
    _send_event(row, 0, status=Delivery.Status.DELIVERED, age_days=60)
    dead = _send_event(row, 1, status=Delivery.Status.DEAD, age_days=50)
    assert events.prune()["events"] == 1  # round 0 goes, the dead round 1 stays

    services.resend(row)

    assert Notification.objects.get(pk=row.pk).status == S.QUEUED
    new = OutboxEvent.objects.exclude(pk=dead.pk).get(event_type=services.SEND_EVENT)
    assert new.idempotency_key == f"{services.SEND_EVENT}:{row.pk}:2"
    assert new.deliveries.get().status == Delivery.Status.PENDING


def test_cleared_failed_row_is_not_sent_again():
    row = make_row(age_days=400, status=S.FAILED, error="cổng SMS: 103 Hết tiền")
    dead = _send_event(row, 0, status=Delivery.Status.DEAD, age_days=400)
    retention.prune()

    services.resend(row)  # admin «Gửi lại»: nothing to send to
    assert Notification.objects.get(pk=row.pk).status == S.FAILED
    assert OutboxEvent.objects.filter(event_type=services.SEND_EVENT).count() == 1

    delivery = dead.deliveries.get()
    events.retry(delivery)  # «Thử gửi lại ngay» on the outbox delivery
    assert events.deliver(delivery.pk) == Delivery.Status.DEAD
    assert "quá thời hạn lưu" in Delivery.objects.get(pk=delivery.pk).last_error
    assert Notification.objects.get(pk=row.pk).status == S.FAILED


def test_housekeeping_and_command_report_the_log():
    make_row(age_days=400)
    make_row(age_days=400, sensitive=True)
    out = StringIO()
    call_command("outbox", "prune", "--dry-run", stdout=out)
    assert (
        "Nhật ký thông báo (giữ 365 ngày): sẽ xóa nơi nhận và nội dung của 1 tin "
        "(dòng nhật ký vẫn giữ); sẽ xóa 1 tin mã xác minh." in out.getvalue()
    )
    assert Notification.objects.count() == 2
    counts = housekeeping.run()
    assert (counts["notifications_cleared"], counts["notifications_deleted"]) == (1, 1)
    assert Notification.objects.count() == 1
