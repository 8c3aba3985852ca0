"""Registration with a verification code through the outbox: happy path, wrong and expired
codes, attempt and resend limits, contacts that already have an account, per-address limits."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from chinhquyen.accounts.models import User, VerificationCode
from chinhquyen.audit.models import AuditRecord
from chinhquyen.conftest import PASSWORD, make_citizen
from chinhquyen.events.models import OutboxEvent

pytestmark = pytest.mark.django_db
REGISTER = "/tai-khoan/dang-ky/"
VERIFY = "/tai-khoan/dang-ky/xac-minh/"
RESEND = "/tai-khoan/dang-ky/gui-lai-ma/"
EVENT = "accounts.verification_code_requested"
NEW_PASSWORD = "Mat-khau-dang-ky-2026"


def _register(client, contact="0934567890", name="Phạm Thị Dung", password=NEW_PASSWORD):
    return client.post(
        REGISTER,
        {
            "full_name": name,
            "contact": contact,
            "password1": password,
            "password2": password,
            "consent": "on",
        },
    )


def _sent_codes(destination):
    return [
        e.payload["code"]
        for e in OutboxEvent.objects.filter(event_type=EVENT).order_by("created_at")
        if e.payload["destination"] == destination
    ]


def _age_codes(destination, seconds):
    """Move the codes sent to ``destination`` back in time (instead of waiting)."""
    for row in VerificationCode.objects.filter(destination=destination):
        row.created_at -= timedelta(seconds=seconds)
        row.expires_at -= timedelta(seconds=seconds)
        row.save()


def test_register_by_phone_then_verify_logs_in(client):
    response = _register(client, "+84 934 567 890")
    assert response.status_code == 302 and response.url == VERIFY
    user = User.objects.get(phone="0934567890")
    assert not user.is_active and user.registration_pending
    assert "_auth_user_id" not in client.session
    assert (
        client.post(
            "/tai-khoan/dang-nhap/", {"username": "0934567890", "password": NEW_PASSWORD}
        ).status_code
        == 200
    )  # noqa: E501 - not yet

    (event,) = OutboxEvent.objects.filter(event_type=EVENT)
    assert event.payload["channel"] == "sms"
    assert event.payload["destination"] == "0934567890"
    assert event.payload["purpose"] == "register"
    code = event.payload["code"]
    assert len(code) == 6 and code.isdigit()
    row = VerificationCode.objects.get(user=user)
    assert event.aggregate_type == "accounts.verificationcode" and event.aggregate_id == str(row.pk)
    assert code not in row.code_hash and len(row.code_hash) == 64  # only a keyed hash is kept

    page = client.get(VERIFY).content.decode()
    assert "09******90" in page and "0934567890" not in page

    wrong = "000000" if code != "000000" else "111111"
    bad = client.post(VERIFY, {"code": wrong})
    assert "Mã xác minh không đúng" in bad.content.decode() and "còn 4 lần" in bad.content.decode()

    done = client.post(VERIFY, {"code": code})
    assert done.status_code == 302 and done.url == "/tai-khoan/ho-so/"
    user.refresh_from_db()
    assert user.is_active and not user.registration_pending
    assert user.full_name == "Phạm Thị Dung" and user.check_password(NEW_PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditRecord.objects.filter(action="accounts.register", object_id=str(user.pk)).exists()
    assert OutboxEvent.objects.filter(event_type="accounts.registered").count() == 1
    # A used code is dead.
    client.logout()
    assert client.get(VERIFY).status_code == 302


def test_register_by_email_sends_an_email_code(client):
    _register(client, "Dung.Pham@Example.VN")
    (event,) = OutboxEvent.objects.filter(event_type=EVENT)
    assert event.payload["channel"] == "email"
    assert event.payload["destination"] == "dung.pham@example.vn"
    assert "du***@example.vn" in client.get(VERIFY).content.decode()
    client.post(VERIFY, {"code": event.payload["code"]})
    assert User.objects.get(email="dung.pham@example.vn").is_active


def test_form_errors_in_vietnamese(client):
    response = client.post(
        REGISTER,
        {"full_name": "", "contact": "012345", "password1": "123", "password2": "456"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Vui lòng đánh dấu đồng ý" in page
    assert "Hai mật khẩu không khớp" in page
    weak = _register(client, password="1234567890")
    assert "mật khẩu" in weak.content.decode().lower()
    assert not User.objects.exists() and not OutboxEvent.objects.exists()


def test_expired_code_is_refused(client):
    _register(client)
    (code,) = _sent_codes("0934567890")
    VerificationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(VERIFY, {"code": code})
    assert "hết hạn" in response.content.decode()
    assert not User.objects.get(phone="0934567890").is_active


def test_five_wrong_codes_kill_the_code(client):
    _register(client)
    (code,) = _sent_codes("0934567890")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post(VERIFY, {"code": wrong})
    assert VerificationCode.objects.get().attempts == 5
    response = client.post(VERIFY, {"code": code})  # even the right code, now
    assert "sai quá 5 lần" in response.content.decode()
    assert not User.objects.get(phone="0934567890").is_active


def test_resend_limits_per_minute_and_per_hour(client):
    _register(client)
    too_soon = client.post(RESEND, follow=True)
    assert "Vui lòng đợi" in too_soon.content.decode()
    assert len(_sent_codes("0934567890")) == 1

    _age_codes("0934567890", 61)
    again = client.post(RESEND, follow=True)
    assert "Đã gửi lại mã" in again.content.decode()
    first, second = _sent_codes("0934567890")
    # Only the newest code works.
    if first != second:
        assert "không đúng" in client.post(VERIFY, {"code": first}).content.decode()

    for _ in range(3):
        _age_codes("0934567890", 61)
        client.post(RESEND)
    assert len(_sent_codes("0934567890")) == 5
    _age_codes("0934567890", 61)
    refused = client.post(RESEND, follow=True)
    assert "quá 5 lần trong một giờ" in refused.content.decode()
    assert len(_sent_codes("0934567890")) == 5
    # Registering again with the same number does not get round the limit either.
    again = _register(client)
    assert "quá 5 lần trong một giờ" in again.content.decode()

    assert client.post(VERIFY, {"code": _sent_codes("0934567890")[-1]}).status_code == 302
    assert User.objects.get(phone="0934567890").is_active


def test_existing_account_is_neither_duplicated_nor_taken_over(client):
    owner = make_citizen("0934567890", full_name="Chủ tài khoản")
    response = _register(client, "0934567890", name="Kẻ khác")
    fresh = _register(client.__class__(), "0977777777", name="Người mới")
    # Same answer as for a number nobody uses…
    assert response.status_code == fresh.status_code == 302 and response.url == fresh.url
    page = client.get(VERIFY).content.decode()
    assert "đăng nhập" in page and "lấy lại mật khẩu" in page
    # …but nothing was sent to the owner's phone and the account is untouched.
    assert _sent_codes("0934567890") == []
    assert User.objects.filter(phone="0934567890").count() == 1
    owner.refresh_from_db()
    assert owner.full_name == "Chủ tài khoản" and owner.check_password(PASSWORD)
    for guess in ("000000", "123456"):
        assert "không đúng" in client.post(VERIFY, {"code": guess}).content.decode()
    assert "_auth_user_id" not in client.session
    # The same limits apply, so they do not tell the two cases apart either.
    assert "Vui lòng đợi" in client.post(RESEND, follow=True).content.decode()


def test_a_pending_registration_is_replaced_not_duplicated(client):
    _register(client, name="Lần một")
    _age_codes("0934567890", 61)
    _register(client, name="Lần hai")
    user = User.objects.get(phone="0934567890")
    assert user.full_name == "Lần hai" and user.registration_pending
    client.post(VERIFY, {"code": _sent_codes("0934567890")[-1]})
    user.refresh_from_db()
    assert user.is_active


def test_per_address_limit_on_registration(client, settings):
    settings.ACCOUNTS_REGISTER_RATE = "2/h"
    assert _register(client, "0934567890").status_code == 302
    assert _register(client, "0934567891").status_code == 302
    third = _register(client, "0934567892")
    assert third.status_code == 429
    assert not User.objects.filter(phone="0934567892").exists()


def test_code_logged_only_in_development(client, settings, caplog):
    settings.DEBUG = False
    with caplog.at_level(logging.INFO, logger="chinhquyen.accounts"):
        _register(client, "0934567890")
    (code,) = _sent_codes("0934567890")
    assert code not in caplog.text
    caplog.clear()
    settings.DEBUG = True
    with caplog.at_level(logging.INFO, logger="chinhquyen.accounts"):
        _register(client.__class__(), "0934567891")
    (code,) = _sent_codes("0934567891")
    (record,) = [r for r in caplog.records if code in r.getMessage()]
    assert record.levelno == logging.INFO and "development only" in record.getMessage()
    assert "0934567891" not in record.getMessage()  # the number itself stays masked
