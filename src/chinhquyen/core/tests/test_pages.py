"""Health endpoint, security headers, and who may open which page."""

from __future__ import annotations

import pytest
from django.db import connection
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"status": "ok", "vendor": connection.vendor}


def test_healthz_reports_a_broken_database(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise RuntimeError("database down")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"]["status"] == "error"


def test_home_is_vietnamese_with_secure_headers(client, agency_tree):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi"' in html
    assert "Nghệ An" in html
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "path", ["/can-bo/", "/can-bo/co-quan/", "/can-bo/nhat-ky/", "/tai-khoan/ho-so/"]
)
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.url.startswith("/tai-khoan/dang-nhap/")


@pytest.mark.parametrize("path", ["/can-bo/", "/can-bo/co-quan/", "/can-bo/nhat-ky/"])
def test_citizen_gets_403_in_workspace(client, citizen, path):
    client.force_login(citizen)
    response = client.get(path)
    assert response.status_code == 403
    assert "cán bộ" in response.content.decode() or "quyền" in response.content.decode()


def test_specialist_cannot_read_audit_log(client, officials):
    client.force_login(officials["justice_specialist"])
    assert client.get("/can-bo/nhat-ky/").status_code == 403
    assert client.get("/quan-tri/").status_code == 302  # not staff: sent to the admin login


def test_agency_tree_shows_only_the_officials_scope(client, officials, agency_tree):
    client.force_login(officials["justice_specialist"])
    html = client.get("/can-bo/co-quan/").content.decode()
    assert "Sở Tư pháp" in html
    assert "Sở Xây dựng" not in html
    client.force_login(officials["root_leader"])
    html = client.get("/can-bo/co-quan/").content.decode()
    assert "Sở Tư pháp" in html and "Sở Xây dựng" in html


def test_unknown_page_is_a_vietnamese_404(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404


def test_csrf_is_enforced(citizen):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/tai-khoan/dang-nhap/", {"username": citizen.phone, "password": "x"})
    assert response.status_code == 403


def test_api_lists_provinces_and_agencies(client, agency_tree):
    provinces = client.get("/api/v1/organizations/provinces").json()
    assert provinces == [
        {
            "code": "40",
            "name": "Tỉnh Nghệ An",
            "level": "province",
            "kind": "Tỉnh",
            "province_code": None,
        }
    ]
    codes = [a["code"] for a in client.get("/api/v1/organizations/agencies").json()]
    assert "000.00.01.H41" in codes


def test_openapi_docs_are_served_locally(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "chinhquyen API"


def test_api_me_needs_login_and_masks_personal_data(client, citizen):
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 401
    assert response.json()["detail"] == "Vui lòng đăng nhập."
    citizen.identity_number = "040090001234"
    citizen.save()
    client.force_login(citizen)
    body = client.get("/api/v1/accounts/me").json()
    assert body["identity_number_masked"] == "*********234"
    assert body["phone_masked"] == "09******78"
    assert "040090001234" not in str(body)


def test_api_audit_is_for_administrators_only(client, officials):
    client.force_login(officials["justice_specialist"])
    response = client.get("/api/v1/audit/records")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    client.force_login(officials["admin"])
    refused = client.get("/api/v1/audit/records")
    assert refused.status_code == 403 and refused.json()["code"] == "two_factor_required"
    device = TOTPDevice.objects.create(user=officials["admin"], name="app", confirmed=True)
    client.post("/tai-khoan/xac-thuc-hai-lop/", {"token": f"{totp(device.bin_key):06d}"})
    records = client.get("/api/v1/audit/records")
    assert records.status_code == 200 and isinstance(records.json(), list)
    verify = client.post("/api/v1/audit/verify")
    assert verify.status_code == 200 and verify.json()["ok"] is True


def test_pages_stay_vietnamese_for_an_english_browser(client):
    response = client.post("/tai-khoan/dang-nhap/", {}, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert "This field is required" not in html
    assert response["Content-Language"] == "vi"


def test_english_is_available_on_request(client):
    client.cookies["django_language"] = "en"
    response = client.post("/tai-khoan/dang-nhap/", {})
    assert response["Content-Language"] == "en"
