"""A person opens the portal, logs in as an official, and an administrator passes two-factor."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from chinhquyen.conftest import PASSWORD

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(autouse=True)
def _shots():
    SHOTS.mkdir(parents=True, exist_ok=True)


def test_home_page_in_vietnamese_with_landmarks(page, agency_tree):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("main").count() == 1
    assert page.locator("header").count() >= 1 and page.locator("footer").count() >= 1
    assert "Nghệ An" in page.locator("body").inner_text()
    # Keyboard first: the first Tab reaches the skip link, which leads to the main content.
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused and focused.startswith("#")
    # Vendored assets load from our own origin (no CDN), with no CSP or script errors.
    assert page.evaluate("typeof window.htmx") == "object"
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Be Vietnam Pro" in font
    assert errors == []
    page.screenshot(path=str(SHOTS / "home.png"), full_page=True)


def test_official_logs_in_and_sees_their_agency(page, officials):
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_label("Số điện thoại, thư điện tử hoặc tên đăng nhập").fill("chuyenvien.stp")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/can-bo/")
    body = page.locator("body").inner_text()
    assert "Sở Tư pháp" in body
    assert "Chuyên viên xử lý" in body
    page.goto("/can-bo/co-quan/")
    tree = page.locator("main").inner_text()
    assert "Sở Tư pháp" in tree and "Sở Xây dựng" not in tree
    page.screenshot(path=str(SHOTS / "workspace.png"), full_page=True)


def test_wrong_password_shows_a_clear_message(page, citizen):
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_label("Số điện thoại, thư điện tử hoặc tên đăng nhập").fill(citizen.phone)
    page.get_by_label("Mật khẩu").fill("khong-dung")
    page.get_by_role("button", name="Đăng nhập").click()
    assert page.get_by_role("alert").filter(has_text="không đúng").count() >= 1


def test_administrator_sets_up_totp_then_reads_the_audit_log(page, officials):
    admin = officials["admin"]
    admin.is_staff = True
    admin.save()
    page.goto("/tai-khoan/dang-nhap/?next=/can-bo/nhat-ky/")
    page.get_by_label("Số điện thoại, thư điện tử hoặc tên đăng nhập").fill("quantri")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/xac-thuc-hai-lop/cai-dat/**")
    assert page.locator("img[src^='data:image/svg+xml']").count() == 1
    device = TOTPDevice.objects.get(user=admin)
    page.get_by_label("Mã xác thực 6 chữ số").fill(f"{totp(device.bin_key):06d}")
    page.keyboard.press("Enter")
    page.wait_for_url("**/can-bo/nhat-ky/")
    table = page.locator("main table").inner_text()
    assert "accounts.login" in table and "accounts.two_factor_enabled" in table
    page.screenshot(path=str(SHOTS / "audit-log.png"), full_page=True)
