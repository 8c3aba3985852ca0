"""A citizen's whole journey on the portal, on a phone-sized Chromium (issue 6, "Done when").

Registration with a code sent by e-mail (the accounts outbox event, handled by the notifications
app, delivered to a real SMTP server), finding birth registration by typing without diacritics,
applying online with real uploads, a supplement asked by the ward and brought online, the
officials' work driven through the dossier services, the e-result downloaded, and one rating.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from chinhquyen.conftest import PASSWORD
from chinhquyen.dossiers import services
from chinhquyen.dossiers.models import Dossier, DossierRating, Status
from chinhquyen.events.models import OutboxEvent
from chinhquyen.events.services import deliver_due
from chinhquyen.notifications.models import Notification
from tests.e2e.citizen_world import (  # noqa: F401 - birth_registration is a fixture
    CODE,
    JPEG,
    PAPER_GROUP,
    PDF,
    RESULT_PDF,
    birth_registration,
    finish,
    supplement_paper,
)

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
EMAIL = "hoa.nguyen@example.vn"
NAME = "Nguyễn Thị Hoa"
IDENTITY = "040190001234"
PHONE = "0912 888 456"
SUPPLEMENT_REASON = "Bản chụp Giấy chứng sinh bị mờ, không đọc được ngày sinh."


def _phone_page(browser, base_url: str):
    context = browser.new_context(
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        base_url=base_url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"citizen-{name}.png"), full_page=True)


def _run_outbox() -> None:
    """What the worker does: deliver what is due until nothing is left (the code, then the
    message queued by the notifications handler)."""
    for _ in range(5):
        if deliver_due() == 0:
            return


def _register(page, smtp_server) -> str:
    page.goto("/tai-khoan/dang-ky/")
    page.get_by_label("Họ và tên").fill(NAME)
    page.get_by_label("Số điện thoại hoặc thư điện tử").fill(EMAIL)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_label("Tôi đồng ý").check()
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_url("**/tai-khoan/dang-ky/xac-minh/")
    _shot(page, "01-verify-code")

    # The code went out as the accounts event; the notifications handler mails it.
    event = OutboxEvent.objects.get(event_type="accounts.verification_code_requested")
    assert event.payload["destination"] == EMAIL and event.payload["channel"] == "email"
    _run_outbox()
    (mail,) = [m for m in smtp_server.messages if m["To"] == EMAIL]
    code = re.search(r"\b(\d{6})\b", str(mail["Subject"]) + mail.get_content()).group(1)
    assert code == event.payload["code"]
    sent = Notification.objects.get(template_key="account.verification_code")
    assert sent.status == Notification.Status.SENT and code not in sent.body

    page.get_by_label("Mã xác minh 6 chữ số").fill(code)
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("**/tai-khoan/ho-so/")
    assert "Đăng ký thành công" in page.locator("main").inner_text()
    return code


def _log_in_again(page) -> None:
    page.context.clear_cookies()
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_label("Số điện thoại, thư điện tử hoặc tên đăng nhập").fill(EMAIL)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/dang-nhap/" not in url)


def _find_and_open_procedure(page) -> None:
    page.goto("/thu-tuc/")
    search = page.get_by_label("Tìm thủ tục")
    search.fill("dang ky khai sinh")
    search.press("Enter")
    page.wait_for_url("**/thu-tuc/?*q=dang+ky+khai+sinh*")
    results = page.locator("main a.catalog-result-name")
    names = results.all_inner_texts()
    assert names, "no result for 'dang ky khai sinh'"
    assert "đăng ký khai sinh" in names[0].lower(), names[:5]
    _shot(page, "02-search")
    results.first.click()
    page.wait_for_url(f"**/thu-tuc/{CODE}/")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.wait_for_url(f"**/nop-truc-tuyen/thu-tuc/{CODE}/")
    page.get_by_role("button", name="Bắt đầu").click()
    page.wait_for_url("**/nguoi-nop/")


def _fill_applicant(page) -> None:
    assert page.get_by_label("Họ và tên (hoặc tên tổ chức)").input_value() == NAME
    assert page.get_by_label("Thư điện tử").input_value() == EMAIL
    page.get_by_label("Số định danh cá nhân (CCCD)").fill(IDENTITY)
    page.get_by_label("Số điện thoại").fill(PHONE)
    page.get_by_label("Địa chỉ liên hệ").fill("Số 12, đường Trường Thi, phường Trường Vinh")
    _shot(page, "03-applicant")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.wait_for_url("**/noi-dung/")


def _fill_details(page) -> None:
    page.get_by_label("Nội dung đề nghị").fill("Đăng ký khai sinh cho con gái, sinh ngày 02/11.")
    # 1.001193 has no alternative cases (the record's headings are sections, not cases).
    assert page.locator("[name=paper_group]").count() == 0
    page.get_by_label("Nhận kết quả điện tử trên Cổng (tải về)").check()
    assert "UBND phường Trường Vinh" in page.locator("main").inner_text()
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.wait_for_url("**/giay-to/")


def _upload_papers(page, tmp_path: Path) -> list[str]:
    main = page.locator("main").inner_text()
    # Sections: papers to submit, papers to present at the desk, notes as guidance.
    assert "Giấy tờ xuất trình" in main and "Lưu ý" in main
    assert "(trong trường hợp trẻ em bị bỏ rơi; không bắt buộc)" in main
    # Only what a parent must submit is required: the birth certificate. Papers for special
    # cases (abandoned child, surrogacy, power of attorney) stay optional and are not uploaded.
    ids = page.locator("section.paper-slot.is-missing").evaluate_all("els => els.map(e => e.id)")
    assert len(ids) == 1, ids
    assert "Giấy chứng sinh" in page.locator(f"#{ids[0]} .paper-slot-name").inner_text()
    names = []
    for i, slot_id in enumerate(ids):
        pdf = i % 2 == 0
        name = f"giay-to-{i + 1}.{'pdf' if pdf else 'jpg'}"
        path = tmp_path / name
        path.write_bytes(PDF if pdf else JPEG)
        slot = page.locator(f"#{slot_id}")
        slot.locator("input[type=file]").set_input_files(str(path))
        slot.get_by_role("button", name="Tải lên").click()
        page.locator(f"#{slot_id} .paper-files").filter(has_text=name).wait_for()
        names.append(name)
    _shot(page, "04-papers")
    return names


def _submit(page) -> str:
    page.get_by_role("link", name="Tiếp tục: xem lại hồ sơ").click()
    page.wait_for_url("**/xem-lai/")
    review = page.locator("main").inner_text()
    assert "Còn thiếu trước khi nộp" not in review, review
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url("**/da-nop/")
    code = page.locator(".apply-done-code").inner_text().strip()
    _shot(page, "05-done")
    return code


def test_citizen_registers_applies_brings_a_supplement_downloads_and_rates(
    browser,
    live_server,
    birth_registration,  # noqa: F811
    smtp_server,
    tmp_path,
):
    w = birth_registration
    context, page = _phone_page(browser, live_server.url)
    try:
        _register(page, smtp_server)
        _log_in_again(page)
        _find_and_open_procedure(page)
        _fill_applicant(page)
        _fill_details(page)
        uploaded = _upload_papers(page, tmp_path)
        code = _submit(page)

        # The confirmation names a dossier that exists, is this citizen's, with every file.
        d = Dossier.objects.get(code=code)
        assert d.status == Status.SUBMITTED and d.channel == "online"
        assert d.submitted_by.email == EMAIL and d.agency == w["ward"]
        assert d.paper_group == PAPER_GROUP
        assert sorted(d.papers.values_list("original_name", flat=True)) == sorted(uploaded)
        assert d.applicant_phone == "0912888456"

        # The ward receives it and asks for a clearer birth certificate.
        d = services.receive(actor=w["intake"], dossier=d, expected_version=d.version)
        paper = supplement_paper(w["procedure"])
        d = services.request_supplement(
            actor=w["intake"], dossier=d, expected_version=d.version,
            items=[{"paper": paper, "reason": SUPPLEMENT_REASON}], note="Chụp rõ cả hai mặt.",
        )  # fmt: skip

        page.goto("/ho-so-cua-toi/")
        card = page.locator("li.dossier-card").filter(has_text=code)
        assert card.count() == 1
        card.get_by_role("link").click()
        page.wait_for_url(f"**/ho-so-cua-toi/{code}/")
        panel = page.locator("#bo-sung")
        assert SUPPLEMENT_REASON in panel.inner_text()
        clearer = tmp_path / "giay-chung-sinh-ro.jpg"
        clearer.write_bytes(JPEG)
        # The paper asked for is the one chosen unless the citizen picks another.
        assert panel.get_by_label("Giấy tờ bổ sung").input_value() == str(paper.pk)
        panel.get_by_label("Tệp giấy tờ").set_input_files(str(clearer))
        panel.get_by_role("button", name="Tải lên tệp này").click()
        page.wait_for_url(f"**/ho-so-cua-toi/{code}/**")
        assert "giay-chung-sinh-ro.jpg" in page.locator("#bo-sung").inner_text()
        _shot(page, "06-supplement")
        page.get_by_role("button", name="Gửi hồ sơ bổ sung").click()
        page.wait_for_url(f"**/ho-so-cua-toi/{code}/**")
        assert "Đã gửi hồ sơ bổ sung" in page.locator("body").inner_text()

        d.refresh_from_db()
        assert d.status == Status.RECEIVED
        brought = d.papers.get(original_name="giay-chung-sinh-ro.jpg")
        assert brought.required_paper_id == paper.pk
        assert d.supplements.get().received_at is not None

        # The ward finishes the work and returns the e-result online.
        d = finish(w, d)
        assert d.status == Status.RETURNED

        page.goto(f"/ho-so-cua-toi/{code}/")
        downloads = page.locator("#tai-ve")
        link = downloads.get_by_role("link", name=re.compile("Giấy khai sinh"))
        with page.expect_download() as info:
            link.click()
        download = info.value
        assert download.suggested_filename == "giay-khai-sinh.pdf"
        assert Path(download.path()).read_bytes() == RESULT_PDF
        result = d.results.get()
        assert result.sha256 == hashlib.sha256(RESULT_PDF).hexdigest()

        # One rating, shown back; a second one is refused and not stored.
        rating = page.locator("#danh-gia")
        token = rating.locator("input[name=csrfmiddlewaretoken]").get_attribute("value")
        rating.get_by_label("Hài lòng", exact=True).check()
        rating.get_by_label("Ý kiến khác").fill("Cán bộ hướng dẫn bổ sung rõ ràng.")
        rating.get_by_role("button", name="Gửi đánh giá").click()
        page.wait_for_url(f"**/ho-so-cua-toi/{code}/**")
        assert "Bạn đã đánh giá" in page.locator("#danh-gia").inner_text()
        assert page.locator("#danh-gia form").count() == 0
        _shot(page, "07-rated")
        again = page.request.post(
            f"/ho-so-cua-toi/{code}/danh-gia/",
            form={"csrfmiddlewaretoken": token, "level": "not_satisfied"},
            headers={"Referer": f"{live_server.url}/ho-so-cua-toi/{code}/"},
        )
        assert again.status == 400
        stored = DossierRating.objects.get(dossier=d)
        assert stored.level == "satisfied"
        assert DossierRating.objects.filter(dossier=d).count() == 1
    finally:
        context.close()
