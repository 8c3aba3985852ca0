"""Forms 01–06 built from a dossier driven through the services, read back from the PDF text.

One online dossier of the applicant's account is received, asks for a supplement, restarts its
deadline, gets an apology with one new date, walks its three steps and is returned; each form
is rendered and its text extracted with pypdf. Dates are compared in the Vietnamese format the
forms print (``09 giờ 10 phút, ngày 02 tháng 3 năm 2026``).
"""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chinhquyen.dossiers import forms, regulations, services, timing
from chinhquyen.dossiers.errors import DossierStateError
from chinhquyen.dossiers.models import DueDateChange, Status
from chinhquyen.dossiers.regulations.formatting import short_datetime, vn_date, vn_datetime, vn_time
from chinhquyen.dossiers.tests.conftest import PDF, all_papers, desk_dossier, vn

BASE = "https://dichvucong.nghean.example"
CITIZEN = {
    "name": "Nguyễn Văn An",
    "identity_number": "040090001234",
    "phone": "0912345678",
    "email": "an@example.vn",
    "address": "Số 12 đường Phan Đình Phùng, phường Trường Vinh, tỉnh Nghệ An",
}
ITEMS = [
    {"name": "Tờ khai yêu cầu cấp phiếu lý lịch tư pháp", "reason": "Tờ khai chưa có chữ ký."},
    {"name": "Ảnh chân dung 4x6", "reason": "Thiếu ảnh chân dung chụp trong 6 tháng."},
]


def text_of(pdf: bytes) -> str:
    """All pages' text, every run of whitespace made one space (lines wrap anywhere)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def render(w, d, code, user=None, **kwargs):
    return forms.render_form(
        dossier=d, form_code=code, user=user or w["intake"], base_url=BASE, **kwargs
    )


def lived(w):
    """The whole life of an online dossier; returns it with the moments the forms must show."""
    clock, procedure = w["clock"], w["procedure"]
    d = services.submit_online(
        actor=w["applicant"], procedure=procedure, agency=w["agency"], applicant=CITIZEN,
        papers=all_papers(procedure), result_delivery="desk",
    )  # fmt: skip
    clock.set_time(vn(2026, 3, 2, 9, 10))
    d = services.receive(actor=w["intake"], dossier=d, expected_version=d.version, desk=w["desk"])
    appointed = d.due_at
    clock.set_time(vn(2026, 3, 2, 9, 30))
    d = services.forward(
        actor=w["intake"], dossier=d, expected_version=d.version, assignee=w["specialist"]
    )
    clock.set_time(vn(2026, 3, 3, 10, 0))
    first_paper = procedure.papers.order_by("position").first()
    items = [{**ITEMS[0], "paper": first_paper.pk}, ITEMS[1]]
    d = services.request_supplement(
        actor=w["specialist"], dossier=d, expected_version=d.version, items=items
    )
    clock.set_time(vn(2026, 3, 4, 8, 45))
    d = services.attach_paper(
        actor=w["applicant"], dossier=d, expected_version=d.version,
        required_paper=first_paper, file=PDF, file_name="to-khai-da-ky.pdf",
    )  # fmt: skip
    clock.set_time(vn(2026, 3, 4, 9, 0))
    d = services.supplement_received(actor=w["intake"], dossier=d, expected_version=d.version)
    restarted = d.due_at
    clock.set_time(vn(2026, 3, 5, 10, 0))
    d = services.complete_step(
        actor=w["specialist"], dossier=d, expected_version=d.version,
        opinion="Hồ sơ hợp lệ, đề nghị cấp.", next_assignee=w["head"],
    )  # fmt: skip
    clock.set_time(vn(2026, 3, 6, 9, 0))
    d = services.complete_step(
        actor=w["head"], dossier=d, expected_version=d.version, opinion="Trình ký."
    )
    new_due = timing.add_working_days(w["agency"], d.due_at, 3)
    clock.set_time(vn(2026, 3, 6, 14, 0))
    d = services.propose_new_date(
        actor=w["leader"], dossier=d, expected_version=d.version, new_due_at=new_due,
        reason="Chờ kết quả xác minh của Công an tỉnh.",
    )  # fmt: skip
    clock.set_time(vn(2026, 3, 10, 15, 0))
    d = services.approve(actor=w["leader"], dossier=d, expected_version=d.version)
    clock.set_time(vn(2026, 3, 11, 9, 0))
    d = services.issue_result(
        actor=w["intake"], dossier=d, expected_version=d.version, file=PDF,
        name="Phiếu lý lịch tư pháp số 1", number="01/LLTP",
    )  # fmt: skip
    clock.set_time(vn(2026, 3, 11, 10, 0))
    d = services.return_result(
        actor=w["intake"], dossier=d, expected_version=d.version, via="desk",
        collected_by="Nguyễn Văn An",
    )  # fmt: skip
    return d, {"appointed": appointed, "restarted": restarted, "new_due": new_due}


@pytest.fixture
def dossier(world):
    return lived(world)


def test_every_form_of_a_lived_dossier_shows_its_data(world, dossier):
    w, (d, due) = world, dossier
    assert d.status == Status.RETURNED
    assert due["restarted"] != due["appointed"]  # the supplement restarted the deadline
    procedure = w["procedure"].name
    common = [d.code, "Nguyễn Văn An", procedure]

    receipt = text_of(render(w, d, "01"))
    for needle in [
        *common,
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Bộ phận Một cửa Sở Tư pháp",
    ]:
        assert needle in receipt, needle
    # Received at 09:10 on 2 March; the appointment is the one after the complete supplement.
    assert "4. Thời gian nhận hồ sơ: 09 giờ 10 phút, ngày 02 tháng 3 năm 2026" in receipt
    assert f"5. Thời gian trả kết quả giải quyết hồ sơ: {vn_datetime(due['restarted'])}" in receipt
    assert "Tờ khai yêu cầu cấp phiếu lý lịch tư pháp" in receipt  # a paper handed in
    assert "Bản điện tử" in receipt  # submitted online
    assert "09******78" in receipt and "0912345678" not in receipt  # phone masked
    assert "Quyển số: 01/2026, Số thứ tự: 1" in receipt
    assert "Tiepnhan.Stp" in receipt  # the intake officer (make_official's full name)

    supplement = text_of(render(w, d, "02"))
    for needle in [*common, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"]:
        assert needle in supplement, needle
    for item in ITEMS:
        assert item["name"] in supplement and f"Lý do: {item['reason']}" in supplement
    assert "Nghệ An, ngày 03 tháng 3 năm 2026" in supplement  # the day it was asked
    assert "Chuyenvien.Stp" in supplement  # the guide: who asked

    apology = text_of(render(w, d, "04"))
    for needle in [*common, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Kính gửi: Ông/Bà"]:
        assert needle in apology, needle
    assert vn_datetime(due["restarted"]) in apology  # the appointment missed
    assert vn_datetime(due["new_due"]) in apology  # the one new date
    assert "Chờ kết quả xác minh của Công an tỉnh." in apology
    assert "Giamdoc.Stp" in apology  # the agency's head signs
    assert "0912345678" not in apology and "09******78" not in apology  # no phone on 04

    sheet = text_of(render(w, d, "05"))
    for needle in [*common, "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"]:
        assert needle in sheet, needle
    handovers = [e for e in d.events.order_by("seq") if e.action in forms.HANDOVERS]
    assert [e.action for e in handovers] == [
        "receive", "forward", "request_supplement", "supplement_received", "complete_step",
        "complete_step", "propose_new_date", "approve", "issue_result", "return_result",
    ]  # fmt: skip
    assert sheet.count("1. Giao:") == len(handovers)
    for event in handovers:
        assert f"{vn_time(event.at)}, {vn_date(event.at)}" in sheet, event.action
    for person in ("Tiepnhan.Stp", "Chuyenvien.Stp", "Truongphong.Stp", "Giamdoc.Stp"):
        assert person in sheet
    step_1 = d.steps.get(position=1)
    assert f"Hạn: {short_datetime(step_1.due_at)}" in sheet
    assert "Trước hạn" in sheet  # the result went back before the new date
    assert f"Hẹn lại {short_datetime(due['new_due'])}" in sheet
    # Each mark is measured against the deadline it is shown with: the approval closed step 3.
    rows = forms.build_context(form_code="05", dossier=d, base_url=BASE)["handovers"]
    approval = next(r for r in rows if r["note"] == "Phê duyệt")
    step_3 = d.steps.get(position=3)
    assert (approval["due_at"], approval["result"]) == (step_3.due_at, step_3.timing)
    assert rows[0]["giver"] == "Nguyễn Văn An" and rows[0]["receiver"] == "Tiepnhan.Stp"

    book = text_of(
        render(w, None, "06", agency=w["agency"], period=(date(2026, 3, 1), date(2026, 3, 31)))
    )
    for needle in [*common, "SỔ THEO DÕI HỒ SƠ", "Từ ngày 01/03/2026 đến ngày 31/03/2026"]:
        assert needle in book, needle
    assert "09:10 02/03/2026" in book  # received
    assert "09******78" in book and "0912345678" not in book


def test_the_book_lists_only_the_period_and_numbers_the_year(world, dossier):
    w, (d, _) = world, dossier
    clock = w["clock"]
    clock.set_time(vn(2026, 4, 1, 8, 0))
    april = desk_dossier(w)
    april = services.receive(actor=w["intake"], dossier=april, expected_version=april.version)
    march = forms.build_context(
        form_code="06", base_url=BASE, agency=w["agency"],
        period=(date(2026, 3, 1), date(2026, 3, 31)),
    )  # fmt: skip
    assert [r["dossier_code"] for r in march["rows"]] == [d.code]
    april_book = forms.build_context(
        form_code="06",
        base_url=BASE,
        agency=w["agency"],
        period=(date(2026, 4, 1), date(2026, 4, 30)),
    )
    (row,) = april_book["rows"]
    assert (row["dossier_code"], row["number"]) == (april.code, 2)  # second of the year
    assert april_book["volume"] == "01/2026"
    assert april_book["lookup_url"] == (
        f"{BASE}/so-theo-doi?co-quan={w['agency'].code}&tu=2026-04-01&den=2026-04-30"
    )
    receipt = forms.build_context(form_code="01", dossier=april, base_url=BASE)
    assert receipt["tracking_book"] == {"volume": "01/2026", "number": 2}
    assert receipt["lookup_url"] == f"{BASE}/tra-cuu/?ma={april.code}&mtc={april.lookup_secret}"
    assert receipt["processing_time"] == "5 ngày làm việc"
    assert receipt["papers"][0]["form"] == "original"  # direct: the originals were brought


def test_refusal_of_reception_lists_the_reasons(world):
    w = world
    d = desk_dossier(w, papers=False)
    w["clock"].set_time(vn(2026, 3, 2, 9, 20))
    d = services.refuse_reception(
        actor=w["intake"], dossier=d, expected_version=d.version,
        reasons=["Thủ tục không thuộc thẩm quyền của Sở Tư pháp.", "Thiếu tờ khai."],
    )  # fmt: skip
    text = text_of(render(w, d, "03"))
    for needle in [
        d.code, "Lê Thị Cúc", w["procedure"].name, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "Thủ tục không thuộc thẩm quyền của Sở Tư pháp.", "Thiếu tờ khai.",
        "Nghệ An, ngày 02 tháng 3 năm 2026",
    ]:  # fmt: skip
        assert needle in text, needle
    assert "09******56" in text  # phone masked
    for code in ("01", "02", "04"):
        with pytest.raises(DossierStateError) as caught:
            render(w, d, code)
        assert caught.value.code == "form_not_available"


def test_forms_not_yet_issued_are_409_material(world):
    w = world
    d = desk_dossier(w)
    with pytest.raises(DossierStateError, match="chưa được tiếp nhận"):
        render(w, d, "01")
    with pytest.raises(DossierStateError, match="Mẫu 05"):
        render(w, d, "05")  # registered only: nothing handed over yet
    d = services.receive(actor=w["intake"], dossier=d, expected_version=d.version)
    for code in ("02", "03", "04"):
        with pytest.raises(DossierStateError):
            render(w, d, code)
    assert forms.available_forms(d) == ["01", "05"]
    assert text_of(render(w, d, "05")).count("1. Giao:") == 1  # the reception itself


def test_who_may_download_what(world, dossier, stranger):
    w, (d, _) = world, dossier
    for code in ("01", "02", "04"):
        assert render(w, d, code, user=w["applicant"]).startswith(b"%PDF")
    with pytest.raises(PermissionDenied, match="Mẫu 05"):
        render(w, d, "05", user=w["applicant"])
    for code in ("01", "05"):
        with pytest.raises(PermissionDenied):
            render(w, d, code, user=stranger)
        with pytest.raises(PermissionDenied):  # an official of an agency with no part in it
            render(w, d, code, user=w["building_specialist"])
    assert render(w, d, "05", user=w["root_leader"]).startswith(b"%PDF")  # above in scope
    march = (date(2026, 3, 1), date(2026, 3, 31))
    for user in (w["applicant"], stranger, w["building_specialist"]):
        with pytest.raises(PermissionDenied):
            render(w, None, "06", user=user, agency=w["agency"], period=march)
    assert render(w, None, "06", user=w["admin"], agency=w["agency"], period=march)


def test_bad_arguments_say_which_field(world, dossier):
    w, (d, _) = world, dossier
    cases = [
        ({"dossier": d, "form_code": "07"}, "form_code"),
        ({"dossier": d, "form_code": "01", "base_url": "dichvucong.example"}, "base_url"),
        ({"form_code": "06", "agency": None, "period": (date(2026, 3, 1),) * 2}, "agency"),
        ({"form_code": "06", "agency": w["agency"], "period": None}, "from"),
        ({"form_code": "06", "agency": w["agency"],
          "period": (date(2026, 3, 31), date(2026, 3, 1))}, "to"),
        ({"form_code": "06", "agency": w["agency"],
          "period": (date(2025, 1, 1), date(2026, 3, 1))}, "to"),
    ]  # fmt: skip
    for kwargs, field in cases:
        kwargs = {"user": w["intake"], "base_url": BASE, **kwargs}
        with pytest.raises(ValidationError) as caught:
            forms.render_form(**kwargs)
        assert field in caught.value.message_dict, kwargs


def test_pack_by_reception_date_with_fallback(world, dossier, monkeypatch):
    w, (d, _) = world, dossier
    assert forms.pack_for(d.received_at) == "tt01_2018"

    def nothing_in_force(day):
        raise regulations.NoPackInForce(f"none on {day}")

    monkeypatch.setattr(regulations, "pack_for", nothing_in_force)
    assert forms.pack_for(date(2018, 1, 1)) == "tt01_2018"  # dossiers/codes.py names it
    assert render(w, d, "01").startswith(b"%PDF")
    assert d.due_changes.filter(kind=DueDateChange.Kind.NEW_DATE).count() == 1
