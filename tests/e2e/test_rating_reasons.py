"""The rating form in a real browser: once a level is chosen, only the reasons the province
offers for that level are listed (portal/rating.js, loaded under the strict CSP)."""

from __future__ import annotations

from django.conf import settings as django_settings
from django.test import Client

from chinhquyen.conftest import make_citizen
from chinhquyen.dossiers.models import DossierRating, RatingReason
from tests.e2e.citizen_world import (  # noqa: F401 - birth_registration is a fixture
    birth_registration,
    finish,
    receive,
    submit_online_for,
)

APPLICANT = {
    "name": "Hoàng Văn Nam",
    "phone": "0912468024",
    "email": "nam.hoang@example.vn",
    "identity_number": "040196002468",
    "address": "Số 2, đường Phan Đình Phùng",
}


def _reasons() -> None:
    # A flush after an earlier browser test removes the rows the migration seeded.
    RatingReason.objects.all().delete()
    RatingReason.objects.create(code="slow", text="Thời gian giải quyết lâu", position=10)
    RatingReason.objects.create(
        code="phi-ngoai", text="Bị đòi thêm khoản phí ngoài quy định", position=20,
        for_very_satisfied=False, for_satisfied=False,
    )  # fmt: skip


def test_the_reasons_follow_the_level_chosen(browser, live_server, birth_registration):  # noqa: F811
    w = birth_registration
    _reasons()
    citizen = make_citizen(APPLICANT["phone"], full_name=APPLICANT["name"])
    d = finish(w, receive(w, submit_online_for(w, citizen, applicant=APPLICANT)))
    client = Client()
    client.force_login(citizen)
    context = browser.new_context(
        locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url,
        viewport={"width": 390, "height": 844},
    )  # fmt: skip
    context.add_cookies([{
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"/ho-so-cua-toi/{d.code}/")
        form = page.locator("#danh-gia form")
        fee = form.get_by_label("Bị đòi thêm khoản phí ngoài quy định")
        slow = form.get_by_label("Thời gian giải quyết lâu")
        assert fee.is_visible() and slow.is_visible()  # no level yet: every reason
        assert not form.locator(".reason-note").first.is_visible()

        form.get_by_role("radio", name="Rất hài lòng").check()
        assert not fee.is_visible() and fee.is_disabled()
        assert slow.is_visible()

        form.get_by_role("radio", name="Không hài lòng").check()
        assert fee.is_visible() and not fee.is_disabled()
        fee.check()
        form.get_by_role("radio", name="Hài lòng", exact=True).check()
        assert not fee.is_visible() and not fee.is_checked()  # a hidden reason is not sent

        form.get_by_role("radio", name="Không hài lòng").check()
        fee.check()
        slow.check()
        form.get_by_role("button", name="Gửi đánh giá").click()
        page.wait_for_url(f"**/ho-so-cua-toi/{d.code}/**")
        shown = page.locator("#danh-gia").inner_text()
        assert "Lý do: Thời gian giải quyết lâu, Bị đòi thêm khoản phí ngoài quy định." in shown
        assert DossierRating.objects.get(dossier=d).reasons == ["slow", "phi-ngoai"]
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        context.close()
