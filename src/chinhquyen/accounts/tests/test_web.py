"""Login, lockout, password reset through the outbox and a real SMTP server, two-factor."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from chinhquyen.audit.models import AuditRecord
from chinhquyen.conftest import PASSWORD
from chinhquyen.events.services import deliver_due

pytestmark = pytest.mark.django_db
LOGIN = "/tai-khoan/dang-nhap/"


def _login(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


@pytest.mark.parametrize(
    "identifier", ["0912345678", "+84912345678", "an@example.vn", "AN@example.vn"]
)
def test_citizen_logs_in_with_phone_or_email(client, db, identifier):
    from chinhquyen.conftest import make_citizen

    make_citizen(email="an@example.vn")
    response = _login(client, identifier)
    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    assert AuditRecord.objects.filter(action="accounts.login").exists()


def test_official_lands_in_workspace(client, officials):
    response = _login(client, "chuyenvien.stp")
    assert response.status_code == 302 and response.url == reverse("workspace:home")
    assert client.get(response.url).status_code == 200


def test_wrong_password_message_is_vietnamese(client, citizen):
    response = _login(client, citizen.phone, "sai-mat-khau")
    assert response.status_code == 200
    assert "Thông tin đăng nhập hoặc mật khẩu không đúng" in response.content.decode()


def test_lockout_after_repeated_failures(client, citizen, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, citizen.phone, "sai-mat-khau")
    response = _login(client, citizen.phone)  # even the right password is refused now
    assert response.status_code == 429
    assert "tạm khóa" in response.content.decode().lower() or "khóa" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditRecord.objects.filter(action="accounts.locked_out").exists()


def test_password_reset_mail_goes_through_outbox_and_smtp(client, citizen, smtp_server):
    citizen.email = "an@example.vn"
    citizen.save()
    response = client.post("/tai-khoan/quen-mat-khau/", {"identifier": "0912345678"})
    assert response.status_code == 200
    assert smtp_server.messages == []  # nothing is sent inside the request
    assert deliver_due() == 1
    (message,) = smtp_server.messages
    assert message["To"] == "an@example.vn"
    assert "Đặt lại mật khẩu" in message["Subject"]
    link = re.search(
        r"http://testserver(/tai-khoan/dat-lai-mat-khau/\S+/)", message.get_content()
    ).group(1)
    page = client.get(link)
    assert page.status_code == 200
    new_password = "Mat-khau-moi-an-toan-2026"
    done = client.post(link, {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password(new_password)
    assert client.get(link).status_code == 400  # a used link is dead


def test_password_reset_says_the_same_for_unknown_accounts(client, citizen, smtp_server):
    known = client.post("/tai-khoan/quen-mat-khau/", {"identifier": citizen.phone}).content
    unknown = client.post("/tai-khoan/quen-mat-khau/", {"identifier": "0999999999"}).content
    strip = lambda html: re.sub(rb"[A-Za-z0-9]{64}", b"", html)  # noqa: E731 - CSRF tokens differ
    assert strip(known) == strip(unknown)


def test_administrator_must_set_up_and_pass_totp(client, officials, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = (
        0  # a failed code delays the next try; not what is tested here
    )
    admin = officials["admin"]
    admin.is_staff = True
    admin.save()
    _login(client, "quantri")
    response = client.get("/can-bo/")
    assert response.status_code == 302 and response.url.startswith(
        "/tai-khoan/xac-thuc-hai-lop/cai-dat/"
    )
    assert client.get("/quan-tri/").status_code == 302
    client.get(response.url)
    device = TOTPDevice.objects.get(user=admin)
    wrong = client.post(
        response.url, {"token": "000000" if totp(device.bin_key) != 0 else "111111"}
    )
    assert "không đúng" in wrong.content.decode()
    ok = client.post(response.url, {"token": f"{totp(device.bin_key):06d}"})
    assert ok.status_code == 302
    assert client.get("/can-bo/").status_code == 200
    assert AuditRecord.objects.filter(action="accounts.two_factor_enabled").exists()


def test_administrator_with_device_is_asked_for_a_code(client, officials):
    admin = officials["admin"]
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    _login(client, "quantri")
    response = client.get("/can-bo/nhat-ky/")
    assert response.url.startswith("/tai-khoan/xac-thuc-hai-lop/?next=")
    ok = client.post(
        "/tai-khoan/xac-thuc-hai-lop/?next=/can-bo/nhat-ky/",
        {"token": f"{totp(device.bin_key):06d}"},
    )
    assert ok.status_code == 302 and ok.url == "/can-bo/nhat-ky/"
    assert client.get("/can-bo/nhat-ky/").status_code == 200


def test_otp_next_cannot_redirect_off_site(client, officials):
    device = TOTPDevice.objects.create(user=officials["admin"], name="app", confirmed=True)
    _login(client, "quantri")
    ok = client.post(
        "/tai-khoan/xac-thuc-hai-lop/?next=https://evil.example/",
        {"token": f"{totp(device.bin_key):06d}"},
    )
    assert ok.url == reverse("workspace:home")


def test_ordinary_official_needs_no_totp(client, officials):
    _login(client, "chuyenvien.stp")
    assert client.get("/can-bo/").status_code == 200


def test_profile_shows_identity_number_masked_and_validates(client, citizen):
    client.force_login(citizen)
    bad = client.post("/tai-khoan/ho-so/", {"identity_number": "04009000123"})
    assert "đúng 12 chữ số" in bad.content.decode()
    client.post("/tai-khoan/ho-so/", {"identity_number": "040090001234"})
    page = client.get("/tai-khoan/ho-so/").content.decode()
    assert "*********234" in page
    assert "040090001234" not in page


def test_logout_requires_post(client, citizen):
    client.force_login(citizen)
    assert client.get("/tai-khoan/dang-xuat/").status_code == 405
    assert client.post("/tai-khoan/dang-xuat/").status_code == 302
    assert "_auth_user_id" not in client.session
