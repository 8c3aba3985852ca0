"""The officials' workspace end to end, in Chromium: desk, specialists, leaders, desk again.

Each test drives the pages the way officials use them (the desk path by keyboard), one browser
context per official, against Django's live server. The dossier clock (``dossiers.clock``) is
frozen by the dossier tests' fixtures and moved forward between the hand-overs, so deadlines and
the apology prompt are reached without waiting. Outcomes are checked in the pages, in the PDFs the
pages link to (read back with pypdf) and in the database rows.
"""
# ruff: noqa: F811 - the dossier tests' fixtures are imported by name (pytest finds them so)

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import expect

from chinhquyen.accounts.models import Role
from chinhquyen.catalog import services as catalog_services
from chinhquyen.conftest import PASSWORD, make_official
from chinhquyen.dossiers import services
from chinhquyen.dossiers.models import (
    Dossier,
    DossierEvent,
    DueDateChange,
    Participation,
    Status,
)
from chinhquyen.dossiers.regulations.formatting import vn_datetime
from chinhquyen.dossiers.tests.conftest import (  # noqa: F401 - fixtures
    PDF,
    PNG,
    applicant,
    calendar_seeded,
    desk,
    frozen,
    people,
    procedure,
    processing_dossier,
    run_steps,
    vn,
    world,
)
from chinhquyen.organizations.models import Agency
from tests.e2e.conftest import axe_violations

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
NAMES = {
    "intake": "Phạm Thu Hà",
    "specialist": "Nguyễn Văn Bình",
    "specialist2": "Hoàng Thị Lan",
    "head": "Trần Minh Châu",
    "leader": "Lê Quốc Dũng",
    "building_specialist": "Đặng Văn Sơn",
    "ward_specialist": "Võ Thị Mai",
}
STALE = "Hồ sơ vừa được người khác cập nhật"
EXPECTED_STATUS = "the server responded with a status of 4"


@pytest.fixture(autouse=True)
def _shots():
    SHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def w(world):
    """The dossier tests' world, with Vietnamese names on the officials (shown in the pages)."""
    for key, name in NAMES.items():
        world[key].full_name = name
        world[key].save(update_fields=["full_name"])
    catalog_services.reindex(world["procedure"])  # the desk's search finds the procedure
    return world


@pytest.fixture
def login(browser, live_server):
    """``login(user)`` → a page of a fresh browser context (own cookies) signed in as ``user``."""
    contexts = []
    errors: list[str] = []

    def _login(user):
        context = browser.new_context(
            locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        # Script errors and CSP refusals show in the console. So do the 404 and 422 answers the
        # tests ask for on purpose (another agency's dossier, a refused action): those are not.
        page.on(
            "console",
            lambda m: (
                errors.append(f"{user.username}: {m.text}")
                if m.type == "error" and EXPECTED_STATUS not in m.text
                else None
            ),
        )
        page.goto("/tai-khoan/dang-nhap/")
        page.get_by_label("Số điện thoại, thư điện tử hoặc tên đăng nhập").fill(user.username)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url("**/can-bo/")
        return page

    _login.errors = errors
    yield _login
    for context in contexts:
        context.close()


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in reader.pages))


def fetch_pdf(page, href: str) -> str:
    """The PDF a link of the page opens, fetched with the browser's own session cookies."""
    response = page.request.get(href)
    assert response.status == 200, href
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    body = response.body()
    assert body.startswith(b"%PDF")
    return pdf_text(body)


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def dossier_url(code: str) -> str:
    return f"/can-bo/ho-so/{code}/"


def flash(page) -> str:
    return page.locator("main").inner_text()


def timeline(page) -> list[str]:
    items = page.locator("section:has(#phieu-kiem-soat) ol.ws-timeline > li")
    return [" ".join(t.split()) for t in items.all_inner_texts()]


def act(page, action: str, **fields: str) -> None:
    """Open the action's form on the dossier page, fill ``fields`` (by id suffix), send it."""
    anchor = "thao-tac-" + action.replace("_", "-")
    details = page.locator(f"#{anchor}")
    assert details.count() == 1, f"the page offers no «{action}»"
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    for suffix, value in fields.items():
        field = page.locator(f"#{anchor}-{suffix.replace('_', '-')}")
        tag = field.evaluate("el => el.tagName.toLowerCase()")
        kind = field.get_attribute("type") or ""
        if tag == "select":
            field.select_option(value)
        elif kind == "file":
            field.set_input_files(value)
        else:
            field.fill(value)
    with page.expect_navigation():
        details.locator("button[type=submit]").click()


def test_walk_in_dossier_from_the_desk_to_the_result_returned(w, login, tmp_path):
    clock = w["clock"]
    scan_1, scan_2 = tmp_path / "to-khai.pdf", tmp_path / "cccd.png"
    scan_1.write_bytes(PDF)
    scan_2.write_bytes(PNG)
    papers = list(w["procedure"].papers.order_by("position"))

    # --- The desk officer receives a walk-in dossier, by keyboard. ---------------------------
    desk = login(w["intake"])
    desk.goto("/can-bo/mot-cua/tiep-nhan/")
    assert focused_id(desk) == "o-tim-thu-tuc"  # the cursor waits in the procedure search
    desk.keyboard.type("lý lịch tư pháp")
    option = desk.locator("#goi-y-thu-tuc a[role=option]").first
    expect(option).to_have_attribute("aria-selected", "true")  # the first one is chosen
    assert w["procedure"].code in option.inner_text()
    with desk.expect_navigation():
        desk.keyboard.press("Enter")
    assert desk.locator("h2#tieu-de-thu-tuc").inner_text() == w["procedure"].name
    assert "15.000 đồng" in desk.locator("main").inner_text()  # the direct channel's fee
    # The cursor is on the first paper: Space ticks it; Tab passes its scan and reason fields.
    assert focused_id(desk) == f"giay-{papers[0].pk}"
    desk.keyboard.press("Space")
    for _ in range(3):
        desk.keyboard.press("Tab")
    assert focused_id(desk) == f"giay-{papers[1].pk}"
    desk.keyboard.press("Space")
    assert desk.locator(f"#giay-{papers[0].pk}").is_checked()
    assert desk.locator(f"#giay-{papers[1].pk}").is_checked()
    # The scans (a system file dialog is not part of the page: the files are set directly).
    desk.locator(f"#tep-{papers[0].pk}").set_input_files(str(scan_1))
    desk.locator(f"#tep-{papers[1].pk}").set_input_files(str(scan_2))
    # The applicant: Enter in a one-line field moves on instead of sending the form.
    desk.locator("#a-name").focus()
    desk.keyboard.type("Lê Thị Cúc")
    desk.keyboard.press("Enter")
    assert focused_id(desk) == "a-identity"
    desk.keyboard.type("040190005678")
    desk.keyboard.press("Enter")
    assert focused_id(desk) == "a-phone"
    desk.keyboard.type("0903123456")
    assert Dossier.objects.count() == 0  # nothing was sent by those Enters
    desk.locator("#a-address").focus()
    desk.keyboard.type("Số 5, đường Lê Lợi, phường Trường Vinh, Nghệ An")
    desk.screenshot(path=str(SHOTS / "ws-desk-intake.png"), full_page=True)
    assert axe_violations(desk) == []  # serious or critical accessibility problems
    with desk.expect_navigation():
        desk.keyboard.press("Control+Enter")  # «Tiếp nhận và in giấy hẹn»
    desk.wait_for_url("**/can-bo/mot-cua/ho-so/**")

    d = Dossier.objects.get()
    assert (d.status, d.channel, d.applicant_name) == (Status.RECEIVED, "direct", "Lê Thị Cúc")
    assert sorted(p.original_name for p in d.papers.all()) == ["cccd.png", "to-khai.pdf"]
    assert f"Đã tiếp nhận hồ sơ {d.code}." in flash(desk)
    # 5 working days from Monday 2 March 2026, 09:00.
    assert d.due_at == vn(2026, 3, 9, 9, 0)

    # --- The receipt (Mẫu 01): the print button has the focus; its PDF names code and date. ---
    assert focused_id(desk) == "in-phieu"
    text = fetch_pdf(desk, desk.locator("#in-phieu").get_attribute("href"))
    assert d.code in text
    assert vn_datetime(d.due_at) in text and "ngày 09 tháng 3 năm 2026" in text
    assert "Lê Thị Cúc" in text
    done = desk.locator("main").inner_text()
    assert "09:00 ngày 09/03/2026" in done and "15.000 đồng" in done
    desk.screenshot(path=str(SHOTS / "ws-desk-done.png"), full_page=True)
    # The workspace's shortcuts work on the desk pages too: F2 goes to the code box.
    desk.keyboard.press("F2")
    assert focused_id(desk) == "ma-ho-so"

    # --- The desk forwards it to the specialist. -----------------------------------------------
    clock.set_time(vn(2026, 3, 2, 9, 30))
    desk.goto(dossier_url(d.code))
    act(desk, "forward", nguoi=w["specialist"].username)
    assert "Đã thực hiện «chuyển hồ sơ đến bộ phận giải quyết»" in flash(desk)

    # --- The specialist finds it in "my work" and completes step 1 with an opinion. -----------
    clock.set_time(vn(2026, 3, 3, 10, 0))
    specialist = login(w["specialist"])
    specialist.goto("/can-bo/hop-viec/viec-cua-toi/")
    with specialist.expect_navigation():
        specialist.get_by_role("link", name=d.code).click()
    assert specialist.locator("h1").inner_text() == d.code
    act(
        specialist, "complete_step",
        y_kien="Hồ sơ đủ điều kiện, đề nghị cấp phiếu.", nguoi=w["head"].username,
    )  # fmt: skip
    assert "Đã thực hiện «hoàn thành bước xử lý»" in flash(specialist)

    # --- The unit head completes step 2 and passes it to the director. -----------------------
    clock.set_time(vn(2026, 3, 4, 8, 30))
    head = login(w["head"])
    head.goto("/can-bo/hop-viec/viec-cua-toi/")
    with head.expect_navigation():
        head.get_by_role("link", name=d.code).click()
    act(head, "complete_step", y_kien="Thống nhất, trình ký.", nguoi=w["leader"].username)
    d.refresh_from_db()
    assert d.current_step.position == 3 and d.current_step.assignee == w["leader"]

    # --- The director approves it in bulk, with a second dossier waiting at the last step. ---
    other = run_steps(w, processing_dossier(w), until=2)
    clock.set_time(vn(2026, 3, 4, 14, 0))
    leader = login(w["leader"])
    leader.goto("/can-bo/hop-viec/cho-phe-duyet/")
    table = leader.locator("main table")
    assert d.code in table.inner_text() and other.code in table.inner_text()
    leader.get_by_label(f"Chọn hồ sơ {d.code}").check()
    leader.get_by_label(f"Chọn hồ sơ {other.code}").check()
    leader.get_by_label("Ý kiến (bắt buộc khi trả lại)").fill("Đồng ý cấp phiếu.")
    leader.screenshot(path=str(SHOTS / "ws-bulk-approval.png"), full_page=True)
    assert axe_violations(leader) == []
    with leader.expect_navigation():
        leader.get_by_role("button", name="Phê duyệt các hồ sơ đã chọn").click()
    result = leader.locator("main").inner_text()
    assert d.code in result and other.code in result
    assert result.count("Đã phê duyệt.") == 2
    d.refresh_from_db()
    other.refresh_from_db()
    assert d.status == other.status == Status.APPROVED
    assert d.events.get(action="approve").actor == w["leader"]

    # --- The desk issues the result, then returns it to the person who came for it. --------
    clock.set_time(vn(2026, 3, 5, 9, 0))
    result_file = tmp_path / "phieu-ly-lich-tu-phap.pdf"
    result_file.write_bytes(PDF)
    desk.goto(dossier_url(d.code))
    act(
        desk, "issue_result",
        ten_kq="Phiếu lý lịch tư pháp số 125/2026", so_kh="125/2026/LLTP",
        tep=str(result_file),
    )  # fmt: skip
    d.refresh_from_db()
    assert d.status == Status.RESULT_READY and d.results.count() == 1

    desk.goto("/can-bo/mot-cua/tra-ket-qua/")
    assert d.code not in desk.locator("main").inner_text()  # appointment is 9 March, not today
    desk.get_by_label("Cả kết quả có trước ngày hẹn").check()
    with desk.expect_navigation():
        desk.get_by_role("button", name="Xem").click()
    row = desk.locator("main li").filter(has_text=d.code)
    row.get_by_label("Người nhận kết quả").fill("Lê Văn Đức")
    row.get_by_label("Giấy tờ tùy thân (loại, số)").fill("CCCD số 040090009999")
    row.get_by_label("Giấy ủy quyền (nếu nhận thay)").fill(
        "Giấy ủy quyền ngày 04/3/2026 của Lê Thị Cúc"
    )
    with desk.expect_navigation():
        row.get_by_role("button", name=re.compile("Trả kết quả")).click()
    assert f"Đã ghi nhận trả kết quả hồ sơ {d.code} cho Lê Văn Đức." in flash(desk)
    d.refresh_from_db()
    assert d.status == Status.RETURNED and d.returned_via == "desk"
    assert d.returned_to == "Lê Văn Đức (được ủy quyền)"

    # --- The control sheet shows every hand-over, by whom, to whom. --------------------------
    desk.goto(dossier_url(d.code))
    lines = timeline(desk)
    desk.locator("#phieu-kiem-soat").scroll_into_view_if_needed()
    desk.screenshot(path=str(SHOTS / "ws-control-sheet.png"), full_page=True)
    assert axe_violations(desk) == []
    expected = [
        ("Đăng ký hồ sơ tại Bộ phận Một cửa", NAMES["intake"]),
        ("Tiếp nhận hồ sơ", NAMES["intake"]),
        ("Chuyển hồ sơ đến bộ phận giải quyết", NAMES["intake"]),
        ("Hoàn thành bước xử lý", NAMES["specialist"]),
        ("Hoàn thành bước xử lý", NAMES["head"]),
        ("Phê duyệt kết quả", NAMES["leader"]),
        ("Phát hành kết quả", NAMES["intake"]),
        ("Trả kết quả", NAMES["intake"]),
    ]
    assert len(lines) == len(expected), lines
    for line, (label, who) in zip(lines, expected, strict=True):
        assert line.startswith(label) and who in line, (line, label, who)
    assert NAMES["specialist"] in lines[2]  # forwarded to the specialist
    assert NAMES["head"] in lines[3] and "bước 1" in lines[3]
    assert "Hồ sơ đủ điều kiện, đề nghị cấp phiếu." in lines[3]
    assert NAMES["leader"] in lines[4] and "bước 2" in lines[4]
    assert "Đồng ý cấp phiếu." in lines[5]
    assert "Lê Văn Đức" in lines[7]
    # The printed control sheet (Mẫu 05) names the same people.
    sheet = fetch_pdf(
        desk, desk.get_by_role("link", name=re.compile("Mẫu 05")).get_attribute("href")
    )
    assert d.code in sheet
    for name in (NAMES["intake"], NAMES["specialist"], NAMES["head"], NAMES["leader"]):
        assert name in sheet, name
    events = list(d.events.order_by("seq").values_list("action", "actor__username"))
    assert [a for a, _ in events] == [
        "register_at_desk", "receive", "forward", "complete_step", "complete_step", "approve",
        "issue_result", "return_result",
    ]  # fmt: skip
    assert login.errors == []  # no script error, no CSP refusal


def test_supplement_at_the_desk_then_received(w, login, tmp_path):
    papers = list(w["procedure"].papers.order_by("position"))
    scan_1, scan_2 = tmp_path / "to-khai.pdf", tmp_path / "cccd-bo-sung.pdf"
    scan_1.write_bytes(PDF)
    scan_2.write_bytes(PDF)

    # The applicant brought the application form but not the copy of their identity card.
    desk = login(w["intake"])
    desk.goto("/can-bo/mot-cua/tiep-nhan/")
    desk.keyboard.type("lý lịch")
    expect(desk.locator("#goi-y-thu-tuc a[role=option]").first).to_have_attribute(
        "aria-selected", "true"
    )
    with desk.expect_navigation():
        desk.keyboard.press("Enter")
    desk.keyboard.press("Space")
    desk.locator(f"#tep-{papers[0].pk}").set_input_files(str(scan_1))
    desk.locator(f"#ly-do-{papers[1].pk}").fill("Bản chụp CCCD bị mờ, không đọc được số.")
    desk.locator("#a-name").fill("Lê Thị Cúc")
    desk.locator("#a-identity").fill("040190005678")
    desk.locator("#nut-bo-sung").focus()
    with desk.expect_navigation():
        desk.keyboard.press("Enter")
    d = Dossier.objects.get()
    assert d.status == Status.AWAITING_SUPPLEMENT
    assert f"Đã lập phiếu yêu cầu bổ sung cho hồ sơ {d.code}." in flash(desk)
    # The main form to print is Mẫu 02, listing the missing paper and the reason.
    assert focused_id(desk) == "in-phieu"
    href = desk.locator("#in-phieu").get_attribute("href")
    assert href.endswith("/mau-02.pdf")
    text = fetch_pdf(desk, href)
    assert d.code in text and "Bản chụp giấy tờ tùy thân" in text
    assert "Bản chụp CCCD bị mờ, không đọc được số." in text

    # She comes back with the paper: the desk attaches it, records the supplement, receives.
    w["clock"].set_time(vn(2026, 3, 4, 10, 0))
    desk.goto(dossier_url(d.code))
    assert desk.locator(".status-pill").inner_text() == Status.AWAITING_SUPPLEMENT.label
    act(desk, "attach_paper", tp=str(papers[1].pk), tep=str(scan_2))
    act(desk, "supplement_received", ghi_chu="Đã nhận bản chụp CCCD rõ nét.")
    assert "Đã thực hiện «nhận đủ hồ sơ bổ sung»" in flash(desk)
    d.refresh_from_db()
    assert d.papers.filter(required_paper=papers[1]).count() == 1
    # Requested before reception: complete now, the dossier waits to be received.
    assert d.status == Status.SUBMITTED
    act(desk, "receive")
    assert "Đã thực hiện «tiếp nhận hồ sơ»" in flash(desk)
    d.refresh_from_db()
    assert d.status == Status.RECEIVED
    # The 5 working days run from the day the dossier was complete (Wednesday 4 March).
    assert d.due_at == vn(2026, 3, 11, 10, 0)
    lines = timeline(desk)
    assert [line.split(" · ")[0] for line in lines][:3] == [
        "Đăng ký hồ sơ tại Bộ phận Một cửa",
        "Yêu cầu bổ sung, hoàn thiện hồ sơ",
        "Nộp thành phần hồ sơ",
    ]
    assert any(line.startswith("Nhận đủ hồ sơ bổ sung") for line in lines)
    assert login.errors == []  # no script error, no CSP refusal


def test_late_dossier_gets_an_apology_and_one_new_date_only(w, login):
    d = processing_dossier(w)
    d = services.assign(
        actor=w["head"], dossier=d, expected_version=d.version, assignee=w["specialist"]
    )
    assert d.due_at == vn(2026, 3, 9, 9, 0)
    specialist = login(w["specialist"])
    specialist.goto(dossier_url(d.code))
    assert "Phiếu xin lỗi và hẹn lại" not in specialist.locator("main").inner_text()

    # Two hours before the deadline the page asks for the apology (Mẫu 04).
    w["clock"].set_time(d.due_at - timedelta(hours=2))
    # The director's watch page lists it: its step 1 is late, and the dossier needs Mẫu 04.
    leader = login(w["leader"])
    leader.goto("/can-bo/theo-doi-han/")
    late_steps = leader.locator("section:has(#buoc-qua-han)").inner_text()
    assert d.code in late_steps and NAMES["specialist"] in late_steps
    assert d.code in leader.locator("section:has(#sap-den-han)").inner_text()
    specialist.goto(dossier_url(d.code))
    prompt = specialist.get_by_role("alert").filter(has_text="Mẫu 04")
    assert "Cần lập Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)" in prompt.inner_text()
    specialist.screenshot(path=str(SHOTS / "ws-apology-prompt.png"), full_page=True)
    prompt.get_by_role("link", name="Lập phiếu xin lỗi, hẹn lại").click()
    # The link opens the action's form and puts the cursor in its first field.
    assert specialist.locator("#thao-tac-propose-new-date").get_attribute("open") is not None
    assert focused_id(specialist) == "thao-tac-propose-new-date-ngay-moi"
    act(
        specialist, "propose_new_date",
        ngay_moi="2026-03-16T09:00", ly_do="Chờ xác minh thông tin tại Công an tỉnh.",
    )  # fmt: skip
    assert "Đã thực hiện «xin lỗi và hẹn lại ngày trả kết quả»" in flash(specialist)
    d.refresh_from_db()
    assert d.rescheduled_due_at == d.due_at == vn(2026, 3, 16, 9, 0)
    main = specialist.locator("main").inner_text()
    assert "Cần lập Phiếu xin lỗi" not in main  # asked once, done once
    assert "16/03/2026" in main
    link = specialist.get_by_role("link", name=re.compile("Mẫu 04"))
    text = fetch_pdf(specialist, link.get_attribute("href"))
    assert d.code in text and "Chờ xác minh thông tin tại Công an tỉnh." in text
    assert vn_datetime(d.rescheduled_due_at) in text

    # A second new date is not offered any more; posting it anyway gets a clear refusal.
    version = d.version
    assert specialist.locator("#thao-tac-propose-new-date").count() == 0
    token = specialist.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    response = specialist.request.post(
        f"/can-bo/ho-so/{d.code}/thao-tac/propose_new_date/",
        form={"csrfmiddlewaretoken": token, "expected_version": str(version),
              "new_due_at": "2026-03-20T09:00", "reason": "Chưa xong."},
        headers={"Referer": specialist.url},
    )  # fmt: skip
    assert "chỉ được hẹn lại một lần" in response.text()
    d.refresh_from_db()
    assert d.version == version and d.due_at == vn(2026, 3, 16, 9, 0)
    assert d.due_changes.filter(kind=DueDateChange.Kind.NEW_DATE).count() == 1
    assert login.errors == []  # no script error, no CSP refusal


def test_parallel_inter_agency_transfer_opens_to_the_participants_only(w, login):
    health = Agency.objects.create(
        code="000.00.03.H41", name="Sở Y tế", parent=w["agency"].parent,
        admin_unit=w["agency"].admin_unit,
    )  # fmt: skip
    outsider = make_official("chuyenvien.syt", health, Role.SPECIALIST, full_name="Mai Văn Tú")
    d = processing_dossier(w)
    d = services.assign(
        actor=w["head"], dossier=d, expected_version=d.version, assignee=w["specialist"]
    )
    specialist = login(w["specialist"])
    specialist.goto(dossier_url(d.code))
    act(
        specialist, "transfer_inter_agency",
        hinh_thuc="parallel",
        cq_0=w["building"].code, vc_0="Xác nhận hiện trạng công trình", ng_0="2",
        cq_1=w["ward"].code, vc_1="Xác nhận nơi cư trú", ng_1="1,5",
    )  # fmt: skip
    assert "Đã thực hiện «chuyển liên thông»" in flash(specialist)
    d.refresh_from_db()
    assert d.status == Status.INTER_AGENCY
    parts = {p.agency.code: p for p in d.participations.select_related("agency")}
    assert set(parts) == {w["building"].code, w["ward"].code}
    assert {p.state for p in parts.values()} == {Participation.State.ACTIVE}  # both at once
    section = specialist.locator("main").inner_text()
    assert "Sở Xây dựng" in section and "UBND phường Trường Vinh" in section

    # Each participating agency finds it in its work and completes its own part.
    for key, opinion in (
        ("building_specialist", "Công trình đúng hiện trạng."),
        ("ward_specialist", "Có cư trú tại địa phương."),
    ):
        page = login(w[key])
        page.goto("/can-bo/hop-viec/viec-cua-toi/")
        with page.expect_navigation():
            page.get_by_role("link", name=d.code).click()
        assert page.locator("h1").inner_text() == d.code
        assert page.locator("#thao-tac-complete-step").count() == 0  # not their step
        act(page, "complete_participation", y_kien=opinion)
        assert "Đã thực hiện «hoàn thành phần liên thông»" in flash(page)
    d.refresh_from_db()
    assert {p.state for p in d.participations.all()} == {Participation.State.DONE}
    assert d.status == Status.PROCESSING  # back with the processing agency

    # An official of an agency that takes no part gets a plain 404, on the page and the code box.
    stranger = login(outsider)
    response = stranger.goto(dossier_url(d.code))
    assert response.status == 404
    assert "Lê Thị Cúc" not in stranger.locator("body").inner_text()
    response = stranger.goto(f"/can-bo/mo-ho-so/?ma={d.code}")
    assert response.status == 404
    assert "Không mở được hồ sơ có mã này" in stranger.locator("main").inner_text()
    assert login.errors == []  # no script error, no CSP refusal


def test_code_box_and_two_officials_at_once(w, login):
    d = processing_dossier(w)  # step 1 unassigned: either specialist may complete it
    one = login(w["specialist"])
    # The barcode scanner types into the code box ("/" puts the cursor there) and presses Enter.
    one.keyboard.press("/")
    assert focused_id(one) == "ma-ho-so"
    one.keyboard.type(d.code)
    with one.expect_navigation():
        one.keyboard.press("Enter")
    assert one.url.endswith(dossier_url(d.code))
    # An unknown code: one clear message (F2 works from anywhere, even inside a field).
    one.locator("#thao-tac-complete-step-y-kien").focus()
    one.keyboard.press("F2")
    assert focused_id(one) == "ma-ho-so"
    one.keyboard.type("000.00.01.H41-260302-9999")
    with one.expect_navigation():
        one.keyboard.press("Enter")
    assert "Không mở được hồ sơ có mã này" in one.get_by_role("alert").first.inner_text()
    one.screenshot(path=str(SHOTS / "ws-code-unknown.png"), full_page=True)

    # Two specialists load the same dossier, both write an opinion, both send.
    one.goto(dossier_url(d.code))
    two = login(w["specialist2"])
    two.goto(dossier_url(d.code))
    version = d.version
    for page in (one, two):
        assert f"Phiên bản {version}" in page.locator("main").inner_text()
        page.locator("#thao-tac-complete-step-y-kien").fill("Hồ sơ đủ điều kiện.")
    with one.expect_navigation():
        one.locator("#thao-tac-complete-step button[type=submit]").click()
    assert "Đã thực hiện «hoàn thành bước xử lý»" in flash(one)
    with two.expect_navigation():
        two.locator("#thao-tac-complete-step button[type=submit]").click()
    message = two.locator("main").inner_text()
    assert STALE in message
    assert f"Phiên bản {version + 1}" in message  # the page shows the current state
    two.screenshot(path=str(SHOTS / "ws-stale.png"), full_page=True)
    d.refresh_from_db()
    assert d.version == version + 1 and d.current_step.position == 2
    assert DossierEvent.objects.filter(dossier=d, action="complete_step").count() == 1
    assert d.events.get(action="complete_step").actor == w["specialist"]
    assert login.errors == []  # no script error, no CSP refusal
