"""When the outbox stops trying: the delivery ends dead, and the handler's give-up callback writes
its failure record after the failed attempt's rollback; an operator's retry can reopen it."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction
from django.utils import timezone

from chinhquyen.events import registry, services
from chinhquyen.events.models import Delivery, OutboxEvent

pytestmark = pytest.mark.django_db

# What the callbacks of the test handler should do; reset for every test.
behaviour = {"give_up_fails": False, "retry_fails": False, "fail": True}


def _write(event_type: str, key: str, **payload) -> None:
    """A row in a real table, standing for whatever a handler or a callback writes."""
    OutboxEvent.objects.create(event_type=event_type, idempotency_key=key, payload=payload)


def _gave_up(event, delivery, exc):
    _write(
        "test.failure_record",
        f"failure:{event.pk}:{delivery.attempts}",
        attempts=delivery.attempts,
        status=delivery.status,
        error=type(exc).__name__,
    )
    if behaviour["give_up_fails"]:
        raise RuntimeError("failure record for cuc@example.vn, phone 0903123456, not written")


def _retried(event, delivery):
    _write("test.reopened", f"reopened:{event.pk}:{delivery.attempts}")
    if behaviour["retry_fails"]:
        raise RuntimeError("cannot reopen")


def always_fails(event, delivery):
    """Writes a row, then fails: the row must not survive any attempt."""
    _write("test.side_effect", f"side:{event.pk}:{delivery.attempts}")
    if behaviour["fail"]:
        raise ConnectionError("SMS gateway down")


def gives_up(event, delivery):
    _write("test.side_effect", f"side:{event.pk}:{delivery.attempts}")
    raise registry.GiveUp("the number does not exist")


def no_callbacks(event, delivery):
    raise ConnectionError("SMS gateway down")


@pytest.fixture(autouse=True)
def handlers(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    behaviour.update(give_up_fails=False, retry_fails=False, fail=True)
    registry.register("test.doomed", on_give_up=_gave_up, on_retry=_retried)(always_fails)
    registry.register("test.hopeless", on_give_up=_gave_up)(gives_up)
    registry.register("test.plain")(no_callbacks)
    yield
    registry.unregister("test.doomed", always_fails)
    registry.unregister("test.hopeless", gives_up)
    registry.unregister("test.plain", no_callbacks)


def _publish(event_type: str) -> Delivery:
    with transaction.atomic():
        event = services.publish(event_type, aggregate_type="test.thing", aggregate_id=1)
    return Delivery.objects.get(event=event)


def _run_until_stopped(delivery: Delivery, times: int = 3) -> list[str]:
    """Deliver it ``times`` times, skipping the backoff wait; the statuses it went through."""
    statuses = []
    for _ in range(times):
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        statuses.append(services.deliver(delivery.pk))
    return statuses


def _rows(event_type: str) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(event_type=event_type))


def test_handler_failing_every_time_ends_dead_with_its_failure_record_written():
    delivery = _publish("test.doomed")
    assert _run_until_stopped(delivery, times=2) == ["failed", "failed"]
    assert _rows("test.failure_record") == []  # not before the last attempt
    assert _run_until_stopped(delivery, times=1) == ["dead"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.DEAD, 3)
    assert delivery.next_attempt_at is None and delivery.delivered_at is None
    assert delivery.last_error == "ConnectionError: SMS gateway down"
    (record,) = _rows("test.failure_record")
    assert record.payload == {"attempts": 3, "status": "dead", "error": "ConnectionError"}
    assert _rows("test.side_effect") == []  # every attempt's writes were rolled back
    # Dead stays dead: the poll does not pick it up, delivering again runs nothing.
    assert services.deliver_due() == 0
    assert services.deliver(delivery.pk) == Delivery.Status.DEAD
    assert len(_rows("test.failure_record")) == 1


def test_handler_that_gives_up_stops_at_the_first_attempt():
    delivery = _publish("test.hopeless")
    assert _run_until_stopped(delivery, times=1) == ["dead"]
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.last_error == "GiveUp: the number does not exist"
    (record,) = _rows("test.failure_record")
    assert record.payload["error"] == "GiveUp" and record.payload["attempts"] == 1
    assert _rows("test.side_effect") == []


def test_failing_give_up_callback_leaves_the_delivery_dead(caplog):
    behaviour["give_up_fails"] = True
    delivery = _publish("test.doomed")
    with caplog.at_level(logging.WARNING, logger="chinhquyen.events"):
        assert _run_until_stopped(delivery) == ["failed", "failed", "dead"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.DEAD, 3)
    first, note = delivery.last_error.splitlines()
    assert first == "ConnectionError: SMS gateway down"
    assert note.startswith("(bộ xử lý không ghi nhận được lỗi: RuntimeError: failure record for")
    # What the callback wrote before failing was rolled back with it; nothing else was lost.
    assert _rows("test.failure_record") == [] and _rows("test.side_effect") == []
    assert "give-up callback failed" in caplog.text
    # The callback's message is masked on the delivery and in the log.
    for text in (delivery.last_error, caplog.text):
        assert "0903123456" not in text and "cuc@example.vn" not in text
    assert "***@example.vn" in delivery.last_error


def test_handler_without_callbacks_ends_dead_as_before():
    delivery = _publish("test.plain")
    assert _run_until_stopped(delivery) == ["failed", "failed", "dead"]
    assert Delivery.objects.get(pk=delivery.pk).last_error == "ConnectionError: SMS gateway down"


def test_retry_of_a_dead_delivery_runs_the_retry_callback_and_delivers():
    delivery = _publish("test.doomed")
    _run_until_stopped(delivery)
    behaviour["fail"] = False
    services.retry(delivery)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    assert len(_rows("test.reopened")) == 1
    assert services.deliver_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 4, "")
    assert len(_rows("test.side_effect")) == 1  # the successful attempt's write stays


def test_retry_whose_callback_fails_changes_nothing():
    delivery = _publish("test.doomed")
    _run_until_stopped(delivery)
    behaviour["retry_fails"] = True
    with pytest.raises(RuntimeError, match="cannot reopen"):
        services.retry(delivery)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DEAD and _rows("test.reopened") == []


def test_error_description_is_short_one_line_and_masked():
    exc = ValueError(
        "no account for +84903123456 or cuc.le@mail.example.vn (CCCD 040190001234)\nsecond line"
    )
    assert services.describe_error(exc) == (
        "ValueError: no account for *** or ***@mail.example.vn (CCCD ***)"
    )
    assert services.describe_error(KeyError()) == "KeyError"
    long = services.describe_error(RuntimeError("x" * 1000))
    assert len(long) == services.ERROR_LENGTH and long.endswith("…")
    # Codes and dates stay readable.
    assert services.describe_error(OSError("103 at 09/03/2026")) == "OSError: 103 at 09/03/2026"


@pytest.fixture
def admin_client(client):
    """A superuser who has passed the TOTP check the admin requires."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from chinhquyen.accounts.models import User

    admin = User.objects.create_superuser("quantri", "Mat-khau-quan-tri-2026")
    device = TOTPDevice.objects.create(user=admin, name="test", confirmed=True)
    client.force_login(admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def test_admin_retry_now_on_dead_deliveries_reports_a_refused_one(admin_client):
    doomed = _publish("test.doomed")
    plain = _publish("test.plain")
    _run_until_stopped(doomed)
    _run_until_stopped(plain)
    page = admin_client.get("/quan-tri/events/delivery/?status__exact=dead").content.decode()
    assert "Lỗi, đã dừng thử" in page
    behaviour["retry_fails"] = True
    answer = admin_client.post(
        "/quan-tri/events/delivery/",
        {"action": "retry_now", "_selected_action": [doomed.pk, plain.pk]},
        follow=True,
    )
    html = answer.content.decode()
    assert "Đã đưa 1 lượt gửi vào hàng đợi." in html
    assert "1 lượt gửi không đưa lại được" in html
    assert Delivery.objects.get(pk=plain.pk).status == Delivery.Status.PENDING
    assert Delivery.objects.get(pk=doomed.pk).status == Delivery.Status.DEAD
