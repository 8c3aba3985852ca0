"""Tra cứu hồ sơ without logging in: the page /tra-cuu/, the receipt's QR link and the API.

Right code and factor show the status and never personal data; a wrong code and a wrong factor
give the same answer; attempts are limited per client address (429).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from chinhquyen.dossiers import forms
from chinhquyen.dossiers.tests import citizen_flows as flows
from chinhquyen.dossiers.tests.conftest import APPLICANT, desk_dossier, received_dossier

API = "/api/v1/dossiers/lookup"
PAGE = reverse("portal:lookup")


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def post(client: Client, code: str, factor: str, **kwargs):
    return client.post(PAGE, {"ma": code, "mtc": factor}, **kwargs)


def body(response) -> str:
    return response.content.decode()


def personal_data(d) -> list[str]:
    values = [d.applicant_name, d.applicant_phone, d.applicant_address, d.applicant_email,
              d.applicant_identity_number, d.lookup_secret]  # fmt: skip
    return [v for v in values if v]


def neutral(text: str, *codes: str) -> str:
    """The page without what differs by request only: CSRF tokens and the typed code."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", text)
    text = re.sub(r'"X-CSRFToken": "[^"]+"', "CSRF", text)
    for code in codes:
        text = text.replace(code, "CODE")
    return text


def test_the_blank_page_and_the_navigation_link(world):
    response = Client().get(PAGE)
    assert response.status_code == 200
    page = body(response)
    assert "Tra cứu hồ sơ" in page and 'name="ma"' in page and 'name="mtc"' in page
    assert f'href="{PAGE}"' in page  # the main navigation points here
    assert "Không tìm thấy hồ sơ" not in page


def test_right_code_and_secret_or_phone_digits_show_the_status_without_personal_data(world):
    w = world
    d = received_dossier(w)  # registered at the desk for Lê Thị Cúc, phone 0903123456
    for factor in (d.lookup_secret, d.lookup_secret.lower(), "3456", " 34 56 "):
        response = post(Client(), f" {d.code.lower()} ", factor)
        assert response.status_code == 200
        page = body(response)
        assert d.code in page, factor
        for text in ("Đã tiếp nhận", "Được tiếp nhận", w["agency"].name, w["procedure"].name,
                     "Bộ phận Một cửa – Sở Tư pháp", "Hẹn trả kết quả"):  # fmt: skip
            assert text in page, text
        for value in personal_data(d):
            assert value not in page, value
        assert APPLICANT["name"] not in page and "0903" not in page
        assert (
            response["Cache-Control"].startswith("max-age=0")
            or "no-store" in response["Cache-Control"]
        )


def test_wrong_code_and_wrong_factor_give_the_same_page(world):
    w = world
    d = received_dossier(w)
    other = desk_dossier(w)  # exists, but with its own secret
    wrong_code = d.code[:-1] + ("9" if d.code[-1] != "9" else "8")
    assert wrong_code not in (d.code, other.code)
    responses = {
        "wrong factor": (post(Client(), d.code, "ABCDEFGH"), d.code),
        "wrong code": (post(Client(), wrong_code, d.lookup_secret), wrong_code),
        "other's secret": (post(Client(), d.code, other.lookup_secret), d.code),
        "wrong phone": (post(Client(), d.code, "0000"), d.code),
    }
    pages = {}
    for name, (response, code) in responses.items():
        assert response.status_code == 200, name
        assert "Không tìm thấy hồ sơ khớp với thông tin bạn nhập." in body(response), name
        assert d.lookup_secret not in body(response) and other.lookup_secret not in body(response)
        pages[name] = neutral(body(response), code)
    assert len(set(pages.values())) == 1, "the pages differ"


def test_the_receipt_qr_link_opens_the_status(world):
    w = world
    d = flows.returned(w)
    context = forms.build_context(form_code="01", dossier=d, base_url="http://testserver")
    url = urlsplit(context["lookup_url"])
    assert url.path == PAGE and url.query == f"ma={d.code}&mtc={d.lookup_secret}"
    response = Client().get(f"{url.path}?{url.query}")
    assert response.status_code == 200
    page = body(response)
    assert "Đã trả kết quả" in page and d.code in page
    assert response["Referrer-Policy"] == "no-referrer"
    for value in personal_data(d):
        assert value not in page
    # A QR without the secret only fills in the code.
    prefilled = body(Client().get(f"{PAGE}?ma={d.code}"))
    assert f'value="{d.code}"' in prefilled and "Đã trả kết quả" not in prefilled


def test_attempts_are_limited_per_address_on_the_page_and_the_api(
    world, settings, caplog, tmp_path
):
    settings.DOSSIER_LOOKUP_RATE = "3/m"
    # The counters of production: files shared by the worker processes.
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "chinhquyen.core.ratelimit_cache.CounterFileCache",
            "LOCATION": str(tmp_path / "ratelimit"),
        },
    }
    w = world
    d = received_dossier(w)
    client = Client(REMOTE_ADDR="203.0.113.7")
    caplog.set_level(logging.DEBUG)
    assert post(client, d.code, "AAAAAAAA").status_code == 200
    assert post(client, d.code, d.lookup_secret).status_code == 200
    response = client.post(
        API, {"code": d.code, "secret": d.lookup_secret}, content_type="application/json"
    )
    assert response.status_code == 200  # the third attempt, through the API
    limited = post(client, d.code, d.lookup_secret)
    assert limited.status_code == 429
    assert "Bạn đã gửi quá nhiều yêu cầu" in body(limited)
    api = client.post(API, {"code": d.code, "secret": "x"}, content_type="application/json")
    assert api.status_code == 429 and api.json()["code"] == "rate_limited"
    qr = client.get(f"{PAGE}?ma={d.code}&mtc={d.lookup_secret}")
    assert qr.status_code == 429
    # Opening the blank form is not an attempt; another address is counted apart.
    assert client.get(PAGE).status_code == 200
    assert post(Client(REMOTE_ADDR="203.0.113.8"), d.code, d.lookup_secret).status_code == 200
    assert len(list((tmp_path / "ratelimit").iterdir())) == 2  # one counter per address
    # Nothing logged carries the code or the secret.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert d.code not in logged and d.lookup_secret not in logged


def test_the_api_answers_the_same_way(world):
    w = world
    d = received_dossier(w)
    client = Client()
    ok = client.post(API, {"code": d.code, "secret": "3456"}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    data = ok.json()
    assert data["code"] == d.code and data["national_status"] == 2
    assert data["plain_status"] == "Đã tiếp nhận"
    assert data["national_status_label"] == "Được tiếp nhận"
    assert data["current_unit"] == "Bộ phận Một cửa – Sở Tư pháp"
    for value in personal_data(d):
        assert value not in ok.content.decode()
    wrong_secret = client.post(
        API, {"code": d.code, "secret": "ABCDEFGH"}, content_type="application/json"
    )
    wrong_code = client.post(
        API, {"code": d.code + "0", "secret": d.lookup_secret}, content_type="application/json"
    )
    assert wrong_secret.status_code == wrong_code.status_code == 404
    assert wrong_secret.content == wrong_code.content
