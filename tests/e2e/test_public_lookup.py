"""Tra cứu hồ sơ without an account (/tra-cuu/), in Chromium on a phone-sized screen.

The right second factor (the lookup secret, or the last 4 digits of the phone given when
applying) shows the plain status and the dates, and nothing personal; a wrong second factor and
a wrong code get the very same answer; the QR address printed on the receipt opens the status.
"""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from django.core.cache import cache
from django.utils.timezone import localtime

from chinhquyen.conftest import PASSWORD, make_citizen
from chinhquyen.dossiers import forms
from tests.e2e.citizen_world import (  # noqa: F401 - birth_registration is a fixture
    birth_registration,
    receive,
    submit_online_for,
)

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PERSONAL = {
    "name": "Phạm Minh Châu",
    "phone": "0913579246",
    "email": "chau.pham@example.vn",
    "identity_number": "040195007531",
    "address": "Số 8, ngõ 3, đường Nguyễn Du",
}
NOT_FOUND = "Không tìm thấy hồ sơ khớp với thông tin bạn nhập."


@pytest.fixture
def received(birth_registration):  # noqa: F811
    """A birth-registration dossier submitted online by a citizen, received by the ward."""
    cache.clear()  # the lookup's per-address attempt counter
    citizen = make_citizen(
        PERSONAL["phone"], full_name=PERSONAL["name"], email=PERSONAL["email"],
        identity_number=PERSONAL["identity_number"],
    )  # fmt: skip
    d = submit_online_for(birth_registration, citizen, applicant=PERSONAL)
    d = receive(birth_registration, d)
    return {"dossier": d, "citizen": citizen}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def _look_up(page, code: str, factor: str):
    page.goto("/tra-cuu/")
    page.get_by_label("Mã hồ sơ").fill(code)
    page.get_by_label("Mã tra cứu hoặc 4 số cuối điện thoại").fill(factor)
    with page.expect_response(lambda r: r.url.endswith("/tra-cuu/")) as info:
        page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_load_state()
    return info.value


def _assert_nothing_personal(page, d) -> None:
    html = page.content()
    text = page.locator("body").inner_text()
    for value in (*PERSONAL.values(), d.applicant_phone, d.applicant_phone[-4:], d.lookup_secret):
        assert value not in text, value
        assert value not in html, value


def test_right_second_factor_shows_status_and_dates_without_personal_data(phone, received):
    d = received["dossier"]
    response = _look_up(phone, d.code, d.lookup_secret.lower())
    assert response.status == 200
    result = phone.locator("section.lookup-result")
    text = result.inner_text()
    assert d.code in text
    assert "Thủ tục đăng ký khai sinh" in text and "UBND phường Trường Vinh" in text
    assert "Đã tiếp nhận" in phone.locator(".status-badge").inner_text()
    for label, value in (
        ("Ngày nộp", d.submitted_at),
        ("Ngày tiếp nhận", d.received_at),
        ("Hẹn trả kết quả", d.due_at),
    ):
        assert label in text
        assert localtime(value).strftime("%d/%m/%Y") in text, (label, text)
    _assert_nothing_personal(phone, d)
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "lookup-found.png"), full_page=True)

    # The last 4 digits of the phone given when applying are the other second factor.
    _look_up(phone, d.code, PERSONAL["phone"][-4:])
    assert d.code in phone.locator("section.lookup-result").inner_text()
    _assert_nothing_personal(phone, d)


def test_wrong_second_factor_and_wrong_code_get_the_same_answer(phone, received):
    d = received["dossier"]
    answers = []
    for code, factor in (
        (d.code, "ZZZZ9999"),  # wrong second factor
        (d.code, "0000"),  # wrong phone digits
        (d.code[:-1] + ("2" if d.code[-1] != "2" else "3"), d.lookup_secret),  # wrong code
    ):
        response = _look_up(phone, code, factor)
        alert = phone.get_by_role("alert")
        answers.append((response.status, alert.inner_text().strip()))
        assert phone.locator("section.lookup-result").count() == 0
        _assert_nothing_personal(phone, d)
        # The second factor is never written back into the form.
        assert phone.get_by_label("Mã tra cứu hoặc 4 số cuối điện thoại").input_value() == ""
    assert answers[0][1].startswith(NOT_FOUND)
    assert len(set(answers)) == 1, answers


def test_qr_address_of_the_receipt_opens_the_status(browser, live_server, phone, received):
    d, citizen = received["dossier"], received["citizen"]
    # The receipt (Mẫu 01) the citizen downloads from "Hồ sơ của tôi" carries the code and the
    # lookup secret; its QR encodes the address the receipt's context gives to the QR filter.
    phone.goto("/tai-khoan/dang-nhap/")
    phone.get_by_label("Số điện thoại, thư điện tử hoặc tên đăng nhập").fill(citizen.phone)
    phone.get_by_label("Mật khẩu").fill(PASSWORD)
    phone.get_by_role("button", name="Đăng nhập").click()
    phone.wait_for_url(lambda url: "/dang-nhap/" not in url)
    receipt = phone.request.get(f"/ho-so-cua-toi/{d.code}/giay-tiep-nhan.pdf")
    assert receipt.status == 200 and receipt.headers["content-type"] == "application/pdf"
    pdf_text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(receipt.body())).pages)
    compact = "".join(pdf_text.split())
    assert d.code in compact and d.lookup_secret in compact

    url = forms.build_context(form_code="01", dossier=d, base_url=live_server.url)["lookup_url"]
    assert url == f"{live_server.url}/tra-cuu/?ma={d.code}&mtc={d.lookup_secret}"
    assert PERSONAL["phone"] not in url and PERSONAL["phone"][-4:] not in url

    # Scanned by anyone, without an account: a fresh browser with no session.
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    try:
        scan = context.new_page()
        response = scan.goto(url)
        assert response.status == 200
        assert response.headers.get("referrer-policy") == "no-referrer"
        result = scan.locator("section.lookup-result").inner_text()
        assert d.code in result and "Đã tiếp nhận" in result
        _assert_nothing_personal(scan, d)
    finally:
        context.close()
