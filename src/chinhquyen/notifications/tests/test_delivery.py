"""Sending through the worker: retries with the outbox backoff, permanent errors, Zalo, console."""

from __future__ import annotations

import logging

import httpx
import pytest
from django.db import transaction

from chinhquyen.events import services as events
from chinhquyen.events.models import Delivery
from chinhquyen.notifications import services
from chinhquyen.notifications.models import MessageTemplate, Notification
from chinhquyen.notifications.tests.conftest import (
    API_KEY,
    BRANDNAME,
    ZaloServer,
    make_retries_due,
    run_outbox,
)

pytestmark = pytest.mark.django_db


def queue(**kwargs) -> list[Notification]:
    """What a handler does: notify() inside the delivery's transaction."""
    defaults = {
        "template_key": "dossier.received",
        "context": {
            "name": "Lê Thị Cúc",
            "code": "000.00.01.H41-260302-0001",
            "due_date": "09/03/2026",
            "lookup_url": "https://dichvucong.nghean.gov.vn/tra-cuu/",
        },
        "ref": ("dossiers.dossier", "1", "000.00.01.H41-260302-0001"),
    }
    with transaction.atomic():
        return services.notify(**{**defaults, **kwargs})


def send_delivery(row: Notification) -> Delivery:
    return Delivery.objects.get(event__event_type="notifications.send", event__aggregate_id=row.pk)


def test_gateway_error_is_retried_with_backoff_then_sent(sms_gateway):
    (row,) = queue(to_phone="0903123456")
    sms_gateway.fail_next("99")  # the gateway's own system error
    run_outbox()
    delivery = send_delivery(row)
    row.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 1
    assert "99" in delivery.last_error and delivery.next_attempt_at is not None
    assert row.status == Notification.Status.QUEUED and sms_gateway.messages == []
    run_outbox()  # not due yet: the backoff holds it back
    assert send_delivery(row).attempts == 1
    make_retries_due()
    run_outbox()
    row.refresh_from_db()
    assert send_delivery(row).status == Delivery.Status.DELIVERED
    assert (row.status, row.attempts) == (Notification.Status.SENT, 2)
    assert [m["SMSID"] for m in sms_gateway.messages] == [row.provider_message_id]


def test_gateway_down_until_the_last_attempt_records_failed(sms_gateway, settings):
    (row,) = queue(to_phone="0903123456")
    sms_gateway.fail_next("103", times=settings.OUTBOX_MAX_ATTEMPTS)  # out of credit
    run_outbox()
    for _ in range(settings.OUTBOX_MAX_ATTEMPTS - 1):
        assert send_delivery(row).status == Delivery.Status.FAILED
        row.refresh_from_db()
        assert row.status == Notification.Status.QUEUED  # not failed before the last attempt
        make_retries_due()
        run_outbox()
    row.refresh_from_db()
    assert row.status == Notification.Status.FAILED
    assert row.attempts == settings.OUTBOX_MAX_ATTEMPTS
    assert row.error == "Sau 3 lần thử: cổng SMS: 103 Tài khoản hết tiền"
    # The outbox says the same as the log: it stopped trying, and why.
    delivery = send_delivery(row)
    assert (delivery.status, delivery.attempts) == (Delivery.Status.DEAD, 3)
    assert delivery.last_error == "RetryableError: cổng SMS: 103 Tài khoản hết tiền"
    assert sms_gateway.messages == []


def test_outbox_retry_of_a_failed_message_sends_it(sms_gateway, settings):
    """The outbox admin's "retry now" (services.retry) queues the message again and sends it."""
    (row,) = queue(to_phone="0903123456")
    sms_gateway.fail_next("99", times=settings.OUTBOX_MAX_ATTEMPTS)
    for _ in range(settings.OUTBOX_MAX_ATTEMPTS):
        make_retries_due()
        run_outbox()
    delivery = send_delivery(row)
    assert delivery.status == Delivery.Status.DEAD
    events.retry(delivery)
    row.refresh_from_db()
    assert (row.status, row.error) == (Notification.Status.QUEUED, "")
    run_outbox()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Notification.Status.SENT, 4)
    assert send_delivery(row).status == Delivery.Status.DELIVERED
    assert [m["SMSID"] for m in sms_gateway.messages] == [row.provider_message_id]


def test_gateway_unreachable_is_retried(settings):
    settings.NOTIFICATIONS = {
        **settings.NOTIFICATIONS,
        "SMS_BACKEND": "http",
        "SMS_URL": "http://127.0.0.1:9/api/sms/send",  # discard port: nothing listens
        "SMS_API_KEY": API_KEY,
        "SMS_BRANDNAME": BRANDNAME,
        "SMS_TIMEOUT": 2,
    }
    (row,) = queue(to_phone="0903123456")
    run_outbox()
    delivery = send_delivery(row)
    assert delivery.status == Delivery.Status.FAILED
    assert "không kết nối được cổng SMS" in delivery.last_error


def test_permanent_error_is_recorded_at_once_without_retry(sms_gateway, settings):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "SMS_API_KEY": "sai-khoa"}
    (row,) = queue(to_phone="0903123456")
    run_outbox()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Notification.Status.FAILED, 1)
    assert row.error == "cổng SMS: 101 Sai khóa API"
    delivery = send_delivery(row)
    assert (delivery.status, delivery.attempts) == (Delivery.Status.DEAD, 1)
    assert delivery.last_error == "PermanentError: cổng SMS: 101 Sai khóa API"
    assert sms_gateway.messages == []


def test_handler_crash_goes_dead_as_the_outbox_does(settings):
    """A send whose row vanished is skipped quietly; a crashing handler ends dead."""
    (row,) = queue(to_email="cuc@example.vn")
    Notification.objects.filter(pk=row.pk).update(channel="fax")  # no such channel: a bug
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "EMAIL_ENABLED": True}
    run_outbox()
    row.refresh_from_db()
    assert row.status == Notification.Status.SKIPPED
    with transaction.atomic():
        event = events.publish("notifications.send", payload={"notification_id": "x"})
    delivery = event.deliveries.get()
    for _ in range(settings.OUTBOX_MAX_ATTEMPTS):
        make_retries_due()
        events.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DEAD and "ValueError" in delivery.last_error


def test_sandbox_refuses_accented_text_sent_as_gsm(sms_gateway):
    answer = httpx.post(
        sms_gateway.url,
        json={"ApiKey": API_KEY, "Brandname": BRANDNAME, "Phone": "0903123456",
              "Content": "Hồ sơ đã tiếp nhận", "IsUnicode": 0, "SmsType": 2, "RequestId": "a"},
    ).json()  # fmt: skip
    assert answer["CodeResult"] == "117"
    answer = httpx.post(
        sms_gateway.url,
        json={"ApiKey": API_KEY, "Brandname": BRANDNAME, "Phone": "12",
              "Content": "Ho so", "IsUnicode": 0, "SmsType": 2, "RequestId": "b"},
    ).json()  # fmt: skip
    assert answer["CodeResult"] == "118"
    listing = httpx.get(sms_gateway.url.replace("/send", "/messages")).json()
    assert listing == {"messages": []}


def test_unicode_setting_keeps_diacritics_and_the_gateway_is_told(sms_gateway, settings):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "SMS_UNICODE": True}
    (row,) = queue(to_phone="0903123456")
    run_outbox()
    (sms,) = sms_gateway.messages
    assert "đã được tiếp nhận" in sms["Content"] and sms["IsUnicode"] == 1
    assert sms["Segments"] == 2  # UCS-2: 70 characters per segment
    lines = sms_gateway.store.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and "đã được tiếp nhận" in lines[0]


def test_zalo_template_message_to_a_local_server(zalo_server):
    MessageTemplate.objects.filter(key="dossier.received", channel="zalo").update(
        subject="231456", active=True
    )
    (row,) = queue(zalo_user="0903123456")
    run_outbox()
    row.refresh_from_db()
    assert (row.status, row.provider_message_id) == (Notification.Status.SENT, "zns-1")
    (request,) = zalo_server.requests
    assert request["headers"]["access_token"] == ZaloServer.TOKEN
    assert request["body"]["phone"] == "84903123456"
    assert request["body"]["template_id"] == "231456"
    assert request["body"]["template_data"] == {
        "ma_ho_so": "000.00.01.H41-260302-0001",
        "ngay_hen": "09/03/2026",
        "ten_khach_hang": "Lê Thị Cúc",
    }
    assert request["body"]["tracking_id"].startswith(f"cq-{row.pk}-")


def test_zalo_rate_limit_is_retried_and_unknown_account_fails(zalo_server):
    MessageTemplate.objects.filter(key="dossier.received", channel="zalo").update(
        subject="231456", active=True
    )
    zalo_server.answers = [
        (200, {"error": -32, "message": "Out of quota"}),
        (200, {"error": -118, "message": "Zalo account not existed"}),
    ]
    (row,) = queue(zalo_user="0903123456")
    run_outbox()
    assert send_delivery(row).status == Delivery.Status.FAILED
    make_retries_due()
    run_outbox()
    row.refresh_from_db()
    assert row.status == Notification.Status.FAILED and "-118" in row.error
    assert send_delivery(row).status == Delivery.Status.DEAD
    assert len(zalo_server.requests) == 2


def test_inactive_zalo_template_sends_nothing(zalo_server):
    assert queue(zalo_user="0903123456") == []
    assert zalo_server.requests == []


def test_console_channel_for_development_logs_without_the_number(settings, caplog):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "SMS_BACKEND": "console"}
    (row,) = queue(to_phone="0903123456")
    with caplog.at_level(logging.INFO):
        run_outbox()
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    (line,) = [r.getMessage() for r in caplog.records if "development only" in r.getMessage()]
    assert "09******56" in line and "0903123456" not in line
    assert "000.00.01.H41-260302-0001" in line
