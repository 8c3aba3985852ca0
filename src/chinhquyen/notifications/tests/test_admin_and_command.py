"""Admin shows the log read-only with destinations masked; the sandbox command is installed."""

from __future__ import annotations

import pytest
from django.core.management import get_commands
from django.db import transaction

from chinhquyen.accounts.models import User
from chinhquyen.events.models import Delivery
from chinhquyen.notifications import services
from chinhquyen.notifications.models import Notification
from chinhquyen.notifications.tests.conftest import make_retries_due, run_outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    """A superuser who has passed the TOTP check the admin requires."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin = User.objects.create_superuser("quantri", "Mat-khau-quan-tri-2026")
    device = TOTPDevice.objects.create(user=admin, name="test", confirmed=True)
    client.force_login(admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def test_log_list_and_detail_show_masked_destination(admin_client, sms_gateway):
    with transaction.atomic():
        (row,) = services.notify(
            template_key="dossier.withdrawn",
            context={"code": "000.00.01.H41-260302-0001", "lookup_url": "x"},
            to_phone="0903123456",
        )
    run_outbox()
    page = admin_client.get("/quan-tri/notifications/notification/").content.decode()
    assert "09******56" in page and "0903123456" not in page
    detail = admin_client.get(f"/quan-tri/notifications/notification/{row.pk}/change/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "09******56" in html and "0903123456" not in html
    assert 'name="destination"' not in html  # read-only: no form field
    assert (
        admin_client.post(
            f"/quan-tri/notifications/notification/{row.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert Notification.objects.filter(pk=row.pk).exists()


def test_failed_notification_can_be_sent_again_from_admin(admin_client, sms_gateway, settings):
    with transaction.atomic():
        (row,) = services.notify(
            template_key="dossier.withdrawn",
            context={"code": "000.00.01.H41-260302-0001", "lookup_url": "x"},
            to_phone="0903123456",
        )
    sms_gateway.fail_next("104")
    run_outbox()
    row.refresh_from_db()
    assert row.status == "failed"
    admin_client.post(
        "/quan-tri/notifications/notification/",
        {"action": "resend", "_selected_action": [row.pk]},
    )
    run_outbox()
    row.refresh_from_db()
    assert row.status == "sent" and len(sms_gateway.messages) == 1


def test_outbox_retry_now_on_a_dead_send_sends_the_message(admin_client, sms_gateway, settings):
    with transaction.atomic():
        (row,) = services.notify(
            template_key="dossier.withdrawn",
            context={"code": "000.00.01.H41-260302-0001", "lookup_url": "x"},
            to_phone="0903123456",
        )
    sms_gateway.fail_next("99", times=settings.OUTBOX_MAX_ATTEMPTS)
    for _ in range(settings.OUTBOX_MAX_ATTEMPTS):
        make_retries_due()
        run_outbox()
    delivery = Delivery.objects.get(event__aggregate_id=row.pk)
    row.refresh_from_db()
    assert (delivery.status, row.status) == (Delivery.Status.DEAD, "failed")
    answer = admin_client.post(
        "/quan-tri/events/delivery/",
        {"action": "retry_now", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert "Đã đưa 1 lượt gửi vào hàng đợi." in answer.content.decode()
    run_outbox()
    row.refresh_from_db()
    delivery.refresh_from_db()
    assert (delivery.status, row.status) == (Delivery.Status.DELIVERED, "sent")
    assert len(sms_gateway.messages) == 1


def test_templates_are_editable_in_admin(admin_client):
    page = admin_client.get("/quan-tri/notifications/messagetemplate/")
    assert page.status_code == 200 and "dossier.received" in page.content.decode()


def test_sms_sandbox_command_is_installed():
    assert get_commands()["sms-sandbox"] == "chinhquyen.notifications"
