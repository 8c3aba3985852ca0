"""The one-stop desk pages: intake (receive, supplement, refuse), printing, results returned."""
# ruff: noqa: F811 - the dossier tests' fixtures are imported by name (pytest finds them so)

from __future__ import annotations

import io
import re

import pypdf
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from chinhquyen.accounts.models import Role
from chinhquyen.audit.models import AuditRecord
from chinhquyen.catalog import services as catalog_services
from chinhquyen.conftest import make_official
from chinhquyen.dossiers import services
from chinhquyen.dossiers.models import Dossier, Status, SubmittedPaper
from chinhquyen.dossiers.regulations.formatting import vn_datetime
from chinhquyen.dossiers.tests.conftest import (  # noqa: F401 - fixtures
    PDF,
    applicant,
    calendar_seeded,
    desk,
    frozen,
    people,
    procedure,
    processing_dossier,
    run_steps,
    stranger,
    vn,
    world,
)

NEW = reverse("workspace:desk_new")
KEY = "0123456789abcdef0123456789abcdef"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def scan(name: str = "to-khai.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def intake_post(w, *, action="tiep_nhan", papers="all", key=KEY, **extra) -> dict:
    data = {
        "co_quan": w["agency"].code,
        "thu_tuc": w["procedure"].code,
        "khoa": key,
        "hanh_dong": action,
        "a_kind": "person",
        "a_name": "Lê Thị Cúc",
        "a_identity_number": "040190005678",
        "a_phone": "0903123456",
        "a_address": "Số 5, đường Lê Lợi, phường Trường Vinh",
        "nhan_ket_qua": "desk",
        "hinh_thuc": "direct",
        "bo_phan": str(w["desk"].pk),
    }
    chosen = list(w["procedure"].papers.order_by("position"))
    if papers != "all":
        chosen = chosen[:papers]
    for p in chosen:
        data[f"giay_{p.pk}"] = "1"
        data[f"tep_{p.pk}"] = scan(f"giay-{p.position}.pdf")
    data.update(extra)
    return data


def stored_files() -> list[str]:
    try:
        folders, _ = default_storage.listdir("dossiers/papers")
    except FileNotFoundError:
        return []
    out = []
    stack = [f"dossiers/papers/{f}" for f in folders]
    while stack:
        folder = stack.pop()
        subdirs, names = default_storage.listdir(folder)
        stack.extend(f"{folder}/{s}" for s in subdirs)
        out.extend(f"{folder}/{n}" for n in names)
    return out


def test_search_screen_and_suggestions_list_the_desks_procedures(world):
    catalog_services.reindex(world["procedure"])
    intake = client_for(world["intake"])
    page = intake.get(NEW)
    assert page.status_code == 200
    assert 'id="o-tim-thu-tuc"' in page.content.decode() and "autofocus" in page.content.decode()
    hits = intake.get(reverse("workspace:desk_procedures"), {"q": "lý lịch tư pháp"})
    body = hits.content.decode()
    assert hits.status_code == 200 and world["procedure"].code in body
    assert 'role="option"' in body
    # Without JavaScript the search form lists the same results.
    assert world["procedure"].code in intake.get(NEW, {"q": "ly lich"}).content.decode()


def test_intake_form_shows_papers_and_the_direct_fee(world):
    page = client_for(world["intake"]).get(
        NEW, {"co_quan": world["agency"].code, "thu_tuc": world["procedure"].code}
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert "Tờ khai yêu cầu cấp phiếu lý lịch tư pháp" in body
    assert "15.000 đồng" in body  # the direct channel's fee, not the online one
    assert 'name="khoa"' in body


def test_receive_at_the_desk_then_print_the_receipt(world):
    w = world
    intake = client_for(w["intake"])
    response = intake.post(NEW, intake_post(w))
    d = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:desk_done", kwargs={"code": d.code})
    assert d.status == Status.RECEIVED and d.channel == "direct" and d.desk == w["desk"]
    assert d.papers.count() == 2 and d.applicant_name == "Lê Thị Cúc"
    assert d.events.filter(action="receive", actor=w["intake"]).exists()

    done = intake.get(response["Location"])
    pdf_url = reverse("workspace:desk_form_pdf", kwargs={"code": d.code, "form_code": "01"})
    assert pdf_url in done.content.decode()
    assert "09:00 ngày 09/03/2026" in done.content.decode()
    assert "15.000 đồng" in done.content.decode()
    pdf = intake.get(pdf_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("inline;")
    text = text_of(pdf.content)
    assert d.code in text
    # The appointment (5 working days from Monday 2 March 2026, 09:00) as printed on form 01.
    assert d.due_at == vn(2026, 3, 9, 9, 0)
    assert vn_datetime(d.due_at) in text and "ngày 09 tháng 3 năm 2026" in text
    assert "Lê Thị Cúc" in text


def test_double_submit_gives_one_dossier(world):
    w = world
    intake = client_for(w["intake"])
    first = intake.post(NEW, intake_post(w))
    second = intake.post(NEW, intake_post(w))
    assert Dossier.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert SubmittedPaper.objects.count() == 2
    # A new form (a new key) is a new dossier.
    intake.post(NEW, intake_post(w, key="f" * 32))
    assert Dossier.objects.count() == 2


def test_supplement_from_intake_lists_the_unticked_papers(world):
    w = world
    intake = client_for(w["intake"])
    second = w["procedure"].papers.get(position=2)
    data = intake_post(w, action="bo_sung", papers=1, ghi_chu="Mang bản chụp đến quầy số 2.")
    data[f"ly_do_{second.pk}"] = "Chưa mang bản chụp giấy tờ tùy thân."
    response = intake.post(NEW, data)
    d = Dossier.objects.get()
    assert response.status_code == 302
    assert d.status == Status.AWAITING_SUPPLEMENT
    request = d.supplements.get()
    assert [(i["paper_id"], i["reason"]) for i in request.items] == [
        (second.pk, "Chưa mang bản chụp giấy tờ tùy thân.")
    ]
    pdf = intake.get(reverse("workspace:desk_form_pdf", kwargs={"code": d.code, "form_code": "02"}))
    text = text_of(pdf.content)
    assert d.code in text and "Chưa mang bản chụp giấy tờ tùy thân" in text


def test_receive_with_a_paper_missing_is_refused_and_stores_nothing(world):
    w = world
    response = client_for(w["intake"]).post(NEW, intake_post(w, papers=1))
    assert response.status_code == 400
    assert "Còn thiếu" in response.content.decode()
    assert Dossier.objects.count() == 0 and stored_files() == []


def test_refusal_from_intake_with_reasons(world):
    w = world
    intake = client_for(w["intake"])
    empty = intake.post(NEW, intake_post(w, action="tu_choi", papers=0))
    assert empty.status_code == 400 and Dossier.objects.count() == 0
    response = intake.post(
        NEW,
        intake_post(w, action="tu_choi", papers=0,
                    ly_do_tu_choi="Thủ tục không thuộc thẩm quyền của Sở Tư pháp."),
    )  # fmt: skip
    d = Dossier.objects.get()
    assert response.status_code == 302 and d.status == Status.REFUSED_RECEPTION
    pdf = intake.get(reverse("workspace:desk_form_pdf", kwargs={"code": d.code, "form_code": "03"}))
    assert "không thuộc thẩm quyền" in text_of(pdf.content)


def test_a_disguised_executable_is_refused_and_nothing_is_stored(world):
    w = world
    data = intake_post(w)
    first = w["procedure"].papers.get(position=1)
    data[f"tep_{first.pk}"] = SimpleUploadedFile(
        "to-khai.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "application/pdf"
    )
    response = client_for(w["intake"]).post(NEW, data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "không thuộc loại được phép" in body and "to-khai.pdf" in body
    assert Dossier.objects.count() == 0 and SubmittedPaper.objects.count() == 0
    assert stored_files() == []


def test_officials_of_another_agency_cannot_use_this_desk(world):
    w = world
    other_intake = make_official("tiepnhan.sxd", w["building"], Role.INTAKE_OFFICER)
    other = client_for(other_intake)
    assert other.post(NEW, intake_post(w)).status_code == 403
    assert other.get(NEW, {"co_quan": w["agency"].code}).status_code == 403
    lookup = other.post(
        reverse("workspace:desk_lookup"),
        {"co_quan": w["agency"].code, "a_identity_number": "040190005678"},
    )
    assert lookup.status_code == 403
    # A specialist of the agency itself is not a desk officer.
    assert client_for(w["specialist"]).get(NEW).status_code == 403
    assert Dossier.objects.count() == 0


def test_applicant_lookup_prefills_from_an_earlier_dossier_by_post(world):
    w = world
    intake = client_for(w["intake"])
    intake.post(NEW, intake_post(w))
    url = reverse("workspace:desk_lookup")
    assert intake.get(url).status_code == 405  # never a GET with the number in the URL
    found = intake.post(url, {"co_quan": w["agency"].code, "a_identity_number": "040190005678"})
    body = found.content.decode()
    assert found.status_code == 200
    assert 'value="Lê Thị Cúc"' in body and "Số 5, đường Lê Lợi" in body
    record = AuditRecord.objects.filter(action="dossiers.desk_applicant_lookup").last()
    assert record is not None and "040190005678" not in str(record.changes)


def test_applicant_lookup_finds_the_account_and_links_the_dossier(world):
    w = world
    intake = client_for(w["intake"])
    found = intake.post(
        reverse("workspace:desk_lookup"),
        {"co_quan": w["agency"].code, "a_identity_number": "040090001234"},
    )
    assert 'value="Nguyễn Văn An"' in found.content.decode()
    assert 'name="gan_tai_khoan"' in found.content.decode()
    data = intake_post(w, a_name="Nguyễn Văn An", a_identity_number="040090001234",
                       a_phone="0912345678", gan_tai_khoan="1")  # fmt: skip
    intake.post(NEW, data)
    assert Dossier.objects.get().submitted_by == w["applicant"]
    # The same form sent twice still gives one dossier (the key is the desk officer's).
    intake.post(NEW, data)
    assert Dossier.objects.count() == 1


def _result_ready(w):
    d = run_steps(w, processing_dossier(w), until=2)
    d = services.approve(actor=w["leader"], dossier=d, expected_version=d.version)
    return services.issue_result(
        actor=w["intake"], dossier=d, expected_version=d.version, file=PDF,
        name="Phiếu lý lịch tư pháp số 1", number="01/LLTP",
    )  # fmt: skip


def test_results_to_return_and_who_collected_them(world):
    w = world
    d = _result_ready(w)
    url = reverse("workspace:desk_returns")
    intake = client_for(w["intake"])
    # Ready before its appointment: only in the list of everything waiting.
    form = f'name="ma" value="{d.code}"'
    assert form not in intake.get(url).content.decode()
    assert form in intake.get(url, {"tat_ca": "1"}).content.decode()
    w["clock"].set_time(d.due_at)
    assert form in intake.get(url).content.decode()

    missing = intake.post(url, {"ma": d.code, "phien_ban": d.version, "nguoi_nhan": "Lê Văn Dũng"})
    assert missing.status_code == 400 and "giấy tờ tùy thân" in missing.content.decode()
    response = intake.post(
        url,
        {"ma": d.code, "phien_ban": d.version, "nguoi_nhan": "Lê Văn Dũng",
         "giay_to": "CCCD số 040095001111", "uy_quyen": "Giấy ủy quyền ngày 01/03/2026"},
    )  # fmt: skip
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == Status.RETURNED and d.returned_via == "desk"
    assert d.returned_to == "Lê Văn Dũng (được ủy quyền)"
    event = d.events.get(action="return_result")
    assert event.actor == w["intake"] and "CCCD số 040095001111" in event.opinion
    assert form not in intake.get(url, {"tat_ca": "1"}).content.decode()


def test_results_of_another_agency_cannot_be_returned_here(world):
    w = world
    d = _result_ready(w)
    other = client_for(make_official("tiepnhan.sxd", w["building"], Role.INTAKE_OFFICER))
    url = reverse("workspace:desk_returns")
    assert d.code not in other.get(url, {"tat_ca": "1"}).content.decode()
    response = other.post(
        url, {"ma": d.code, "phien_ban": d.version, "nguoi_nhan": "X", "giay_to": "CCCD"}
    )
    assert response.status_code == 404
    d.refresh_from_db()
    assert d.status == Status.RESULT_READY


def test_the_pdf_of_a_dossier_is_only_for_those_who_see_it(world, stranger):
    w = world
    client_for(w["intake"]).post(NEW, intake_post(w))
    d = Dossier.objects.get()
    url = reverse("workspace:desk_form_pdf", kwargs={"code": d.code, "form_code": "01"})
    assert client_for(w["building_specialist"]).get(url).status_code in (403, 404)
    assert client_for(stranger).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to the login page
    assert (
        client_for(w["intake"])
        .get(reverse("workspace:desk_form_pdf", kwargs={"code": d.code, "form_code": "03"}))
        .status_code
        == 404
    )  # not refused: there is no form 03


@pytest.mark.parametrize("name", ["desk_new", "desk_returns", "tracking_book"])
def test_side_nav_links_to_the_desk_pages(world, name):
    page = client_for(world["intake"]).get(reverse("workspace:home"))
    assert reverse(f"workspace:{name}") in page.content.decode()


def test_desk_pages_keep_the_strict_csp(world):
    """No inline script or style attribute: the CSP would block them."""
    intake = client_for(world["intake"])
    pages = [
        intake.get(NEW),
        intake.get(NEW, {"co_quan": world["agency"].code, "thu_tuc": world["procedure"].code}),
        intake.get(reverse("workspace:desk_returns")),
        intake.get(reverse("workspace:tracking_book")),
    ]
    for page in pages:
        body = page.content.decode()
        assert page.status_code == 200
        assert ' style="' not in body
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert "workspace/desk.js" in pages[0].content.decode()


def _papers_of_every_kind(procedure) -> dict:
    """Add a note, a paper to show and two conditional papers to the two required ones."""
    from chinhquyen.catalog.models import PaperKind, RequiredPaper

    make = RequiredPaper.objects.create
    return {
        "note": make(
            procedure=procedure, position=3, kind=PaperKind.NOTE,
            group="Trường hợp chỉ có lưu ý",
            name="Người nộp xuất trình bản chính để đối chiếu khi nộp bản chụp",
        ),
        "present": make(
            procedure=procedure, position=4, kind=PaperKind.PRESENT,
            name="Căn cước của người nộp hồ sơ",
        ),
        "authorised": make(
            procedure=procedure, position=5, conditional=True,
            condition="người nộp được ủy quyền", name="Văn bản ủy quyền",
        ),
        "exempt": make(
            procedure=procedure, position=6, conditional=True,
            name="Giấy tờ chứng minh thuộc diện miễn lệ phí",
        ),
    }  # fmt: skip


def test_notes_are_not_checklist_items_and_conditional_papers_carry_their_mark(world):
    extra = _papers_of_every_kind(world["procedure"])
    page = client_for(world["intake"]).get(
        NEW, {"co_quan": world["agency"].code, "thu_tuc": world["procedure"].code}
    )
    body = page.content.decode()
    assert page.status_code == 200
    note, present = extra["note"], extra["present"]
    # The note is read-only guidance under «Lưu ý»: no tick, no scan, no case of its own.
    luu_y = body[body.index('id="tieu-de-luu-y"') :]
    assert note.name in luu_y
    assert f'name="giay_{note.pk}"' not in body and f'name="tep_{note.pk}"' not in body
    assert 'id="truong-hop"' not in body and note.group not in body.split('id="tieu-de-luu-y"')[0]
    # The paper to show is a tick without a scan, in its own list.
    assert "Giấy tờ xuất trình (đối chiếu bản chính)" in body
    assert f'name="giay_{present.pk}"' in body and f'name="tep_{present.pk}"' not in body
    # Conditional papers carry their mark and are never asked for in a supplement request.
    assert "(trong trường hợp người nộp được ủy quyền)" in body
    assert "(nếu có)" in body
    assert f'name="ly_do_{extra["authorised"].pk}"' not in body
    assert f'name="ly_do_{world["procedure"].papers.get(position=2).pk}"' in body


def test_supplement_from_intake_lists_only_required_papers(world):
    w = world
    extra = _papers_of_every_kind(w["procedure"])
    second = w["procedure"].papers.get(position=2)
    data = intake_post(w, action="bo_sung", papers=1)
    response = client_for(w["intake"]).post(NEW, data)
    d = Dossier.objects.get()
    assert response.status_code == 302 and d.status == Status.AWAITING_SUPPLEMENT
    items = d.supplements.get().items
    assert [i["paper_id"] for i in items] == [second.pk]
    assert {p.pk for p in extra.values()}.isdisjoint(i["paper_id"] for i in items)


def test_supplement_with_every_required_paper_ticked_is_refused(world):
    w = world
    _papers_of_every_kind(w["procedure"])
    response = client_for(w["intake"]).post(NEW, intake_post(w, action="bo_sung", papers=2))
    assert response.status_code == 400
    assert "không có gì cần bổ sung" in response.content.decode()
    assert Dossier.objects.count() == 0


def test_a_paper_shown_at_the_desk_needs_no_scan(world):
    w = world
    extra = _papers_of_every_kind(w["procedure"])
    data = intake_post(w, papers=2)
    data[f"giay_{extra['present'].pk}"] = "1"
    response = client_for(w["intake"]).post(NEW, data)
    d = Dossier.objects.get()
    assert response.status_code == 302 and d.status == Status.RECEIVED
    assert d.papers.count() == 2
