"""accounts.verification_code_requested → the code by SMS or e-mail, never kept or logged."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from chinhquyen.events import services as events
from chinhquyen.events.models import Delivery, OutboxEvent
from chinhquyen.notifications.models import Notification
from chinhquyen.notifications.services import REDACTED
from chinhquyen.notifications.tests.conftest import make_retries_due, run_outbox

pytestmark = pytest.mark.django_db


def request_code(channel: str, destination: str, code: str = "482913") -> None:
    with transaction.atomic():
        events.publish(
            "accounts.verification_code_requested",
            payload={"channel": channel, "destination": destination, "code": code,
                     "purpose": "register"},
        )  # fmt: skip


def test_code_by_sms(sms_gateway, caplog):
    request_code("sms", "+84 903 123 456")
    with caplog.at_level(logging.DEBUG):
        run_outbox()
    (sms,) = sms_gateway.messages
    assert sms["Phone"] == "0903123456"
    assert sms["Content"].startswith("482913 la ma xac minh dang ky tai khoan")
    assert "hieu luc 10 phut" in sms["Content"]
    assert sms["Content"].isascii() and sms["Segments"] == 1
    (row,) = Notification.objects.all()
    assert (row.channel, row.template_key, row.status) == (
        "sms",
        "account.verification_code",
        "sent",
    )
    assert row.body == REDACTED  # the code is not kept once sent
    assert "482913" not in caplog.text and "0903123456" not in caplog.text
    # nor in the request event it came with
    (request,) = OutboxEvent.objects.filter(event_type="accounts.verification_code_requested")
    assert request.payload["code"] == REDACTED and request.payload["channel"] == "sms"


def test_code_by_email(smtp_server, caplog):
    request_code("email", "cuc@example.vn", code="105577")
    with caplog.at_level(logging.DEBUG):
        run_outbox()
    (mail,) = smtp_server.messages
    assert mail["To"] == "cuc@example.vn"
    assert "105577" in str(mail["Subject"]) and "    105577" in mail.get_content()
    (row,) = Notification.objects.all()
    assert (row.channel, row.status, row.body) == ("email", "sent", REDACTED)
    assert row.masked_destination == "c***@example.vn"
    # aiosmtpd's own debug log prints addresses; ours never does
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("chinhquyen")]
    assert not any("105577" in m or "cuc@example.vn" in m for m in ours)


def test_sms_code_with_sms_unconfigured_is_skipped_and_not_kept():
    request_code("sms", "0903123456")
    run_outbox()
    (row,) = Notification.objects.all()
    assert row.status == Notification.Status.SKIPPED and row.body == REDACTED


def test_code_undeliverable_until_the_last_attempt_is_not_kept_nor_sent_again(
    sms_gateway, settings
):
    request_code("sms", "0903123456")
    sms_gateway.fail_next("99", times=settings.OUTBOX_MAX_ATTEMPTS)
    for _ in range(settings.OUTBOX_MAX_ATTEMPTS + 1):
        make_retries_due()
        run_outbox()
    (row,) = Notification.objects.all()
    assert (row.status, row.body) == (Notification.Status.FAILED, REDACTED)
    assert row.error.startswith("Sau 3 lần thử: cổng SMS: 99")
    delivery = Delivery.objects.get(event__event_type="notifications.send")
    assert delivery.status == Delivery.Status.DEAD
    # Retrying it from the outbox cannot send a text that is gone: it stops again and says why.
    events.retry(delivery)
    run_outbox()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DEAD
    assert "người dân cần xin mã mới" in delivery.last_error
    row.refresh_from_db()
    assert row.status == Notification.Status.FAILED and row.error.startswith("Sau 3 lần thử")
    assert sms_gateway.messages == []
