"""Nộp hồ sơ trực tuyến on the portal: the four steps, uploads, submission, expired sessions.

The dossier fixtures (``world``, ``stranger``…) come from ``dossiers/tests/conftest.py`` through
this folder's ``conftest.py``.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chinhquyen.catalog.models import OnlineLevel
from chinhquyen.conftest import PASSWORD
from chinhquyen.dossiers import drafts
from chinhquyen.dossiers.models import Dossier, DossierDraft, DraftPaper, SubmittedPaper
from chinhquyen.dossiers.tests.conftest import PDF

EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


def logged_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def url(name: str, draft, **extra) -> str:
    from django.urls import reverse

    return reverse(f"portal:{name}", kwargs={"draft_id": draft.public_id, **extra})


def new_draft(w):
    return drafts.start_draft(actor=w["applicant"], procedure=w["procedure"])


def test_catalog_button_leads_to_the_start_page(world, client):
    html = client.get(f"/thu-tuc/{world['procedure'].code}/").content.decode()
    assert f'href="/nop-truc-tuyen/thu-tuc/{world["procedure"].code}/"' in html
    response = client.get(f"/nop-truc-tuyen/thu-tuc/{world['procedure'].code}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/tai-khoan/dang-nhap/?next=/nop-truc-tuyen/thu-tuc/")


def test_happy_path_through_the_four_steps(world):
    w = world
    c = logged_in(w["applicant"])
    start = f"/nop-truc-tuyen/thu-tuc/{w['procedure'].code}/"
    page = c.get(start).content.decode()
    assert "Bạn cần chuẩn bị" in page and "Bản chụp giấy tờ tùy thân" in page
    response = c.post(start)
    draft = DossierDraft.objects.get(owner=w["applicant"])
    assert response["Location"] == url("apply_applicant", draft)

    page = c.get(url("apply_applicant", draft)).content.decode()
    assert 'value="Nguyễn Văn An"' in page and 'aria-current="step"' in page
    response = c.post(url("apply_applicant", draft), {
        "kind": "person", "name": "Nguyễn Văn An", "identity_number": "040090001234",
        "phone": "0912345678", "email": "an@example.vn", "address": "Số 5 Lê Lợi, Vinh",
        "tiep": "1",
    })  # fmt: skip
    assert response.status_code == 302 and response["Location"] == url("apply_details", draft)

    page = c.get(url("apply_details", draft)).content.decode()
    assert w["agency"].name in page
    response = c.post(url("apply_details", draft), {
        "subject": "", "noi_dung": "Cấp 02 phiếu", "result_delivery": "post",
        "agency": w["agency"].code, "tiep": "1",
    })  # fmt: skip
    assert response["Location"] == url("apply_papers", draft)

    page = c.get(url("apply_papers", draft)).content.decode()
    assert "Tờ khai yêu cầu cấp phiếu lý lịch tư pháp" in page and "20 MB" in page
    assert "PDF, JPEG, PNG, Word (DOCX)" in page and "1 bản chính" in page
    for paper in w["procedure"].papers.all():
        response = c.post(
            url("apply_upload", draft, paper_id=paper.pk),
            {"tep": SimpleUploadedFile(f"giay-{paper.position}.pdf", PDF, "application/pdf")},
        )
        assert response.status_code == 302, response.content
    assert DraftPaper.objects.filter(draft=draft).count() == 2

    page = c.get(url("apply_review", draft)).content.decode()
    assert "Còn thiếu" not in page
    assert "Số 5 Lê Lợi, Vinh" in page and "giay-1.pdf" in page and "Cấp 02 phiếu" in page
    response = c.post(url("apply_submit", draft))
    assert response["Location"] == url("apply_done", draft)
    # A second click (or the browser resending the form) lands on the same dossier.
    again = c.post(url("apply_submit", draft))
    assert again["Location"] == url("apply_done", draft)
    dossier = Dossier.objects.get()
    assert SubmittedPaper.objects.filter(dossier=dossier).count() == 2
    assert dossier.result_delivery == "post" and dossier.form_data == {"noi_dung": "Cấp 02 phiếu"}

    page = c.get(url("apply_done", draft)).content.decode()
    assert dossier.code in page and w["agency"].name in page
    assert "09/03/2026" in page  # received Tuesday 3 March, 5 working days
    assert f'href="/ho-so-cua-toi/{dossier.code}/"' in page
    # Editing a submitted draft leads to its confirmation.
    assert c.get(url("apply_details", draft))["Location"] == url("apply_done", draft)


def test_procedure_not_online_is_refused(world):
    w = world
    w["procedure"].online_level = OnlineLevel.NONE
    w["procedure"].save()
    c = logged_in(w["applicant"])
    start = f"/nop-truc-tuyen/thu-tuc/{w['procedure'].code}/"
    assert "chưa nhận hồ sơ trực tuyến" in c.get(start).content.decode()
    response = c.post(start)
    assert response.status_code == 422
    assert "chưa nhận hồ sơ trực tuyến" in response.content.decode()
    assert not DossierDraft.objects.exists()
    html = c.get(f"/thu-tuc/{w['procedure'].code}/").content.decode()
    assert "/nop-truc-tuyen/thu-tuc/" not in html


@pytest.mark.parametrize("htmx", [False, True])
def test_renamed_exe_and_oversize_file_are_refused_with_a_clear_message(world, settings, htmx):
    w = world
    settings.DOSSIER_MAX_UPLOAD_BYTES = 1024 * 1024
    draft = new_draft(w)
    paper = w["procedure"].papers.first()
    c = logged_in(w["applicant"])
    headers = {"HX-Request": "true"} if htmx else {}
    bad = c.post(
        url("apply_upload", draft, paper_id=paper.pk),
        {"tep": SimpleUploadedFile("don.pdf", EXE, "application/pdf")},
        headers=headers,
    )
    assert bad.status_code == (200 if htmx else 422)
    text = bad.content.decode()
    assert "«don.pdf» không thuộc loại được phép" in text and 'role="alert"' in text
    big = c.post(
        url("apply_upload", draft, paper_id=paper.pk),
        {"tep": SimpleUploadedFile("scan.pdf", PDF + b"0" * 1_300_000, "application/pdf")},
        headers=headers,
    )
    assert "«scan.pdf» có dung lượng 1,2 MB, vượt quá giới hạn 1 MB" in big.content.decode()
    assert "tối đa 1 MB" in big.content.decode()
    assert not DraftPaper.objects.exists()
    if htmx:
        assert "<html" not in text and f'id="giay-to-{paper.pk}"' in text


def test_htmx_upload_returns_the_slot_with_the_file(world):
    w = world
    draft = new_draft(w)
    paper = w["procedure"].papers.first()
    c = logged_in(w["applicant"])
    response = c.post(
        url("apply_upload", draft, paper_id=paper.pk),
        {"tep": SimpleUploadedFile("to-khai.pdf", PDF, "application/pdf")},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert response.status_code == 200 and "Đã tải lên «to-khai.pdf»" in text
    item = DraftPaper.objects.get()
    removed = c.post(
        url("apply_remove_file", draft, file_id=item.pk), headers={"HX-Request": "true"}
    )
    assert "Đã bỏ tệp «to-khai.pdf»" in removed.content.decode()
    assert not DraftPaper.objects.exists()


def test_another_citizen_gets_404_everywhere(world, stranger):
    w = world
    draft = new_draft(w)
    paper = w["procedure"].papers.first()
    drafts.add_draft_paper(actor=w["applicant"], draft=draft, required_paper=paper, file=PDF,
                           file_name="a.pdf")  # fmt: skip
    item = draft.papers.get()
    other = logged_in(stranger)
    for name in ("apply_applicant", "apply_details", "apply_papers", "apply_review", "apply_done"):
        assert other.get(url(name, draft)).status_code == 404, name
    for target in (
        url("apply_applicant", draft),
        url("apply_upload", draft, paper_id=paper.pk),
        url("apply_remove_file", draft, file_id=item.pk),
        url("apply_submit", draft),
        url("apply_delete", draft),
    ):
        assert other.post(target, {"name": "X", "tiep": "1"}).status_code == 404, target
    assert draft.papers.count() == 1 and not Dossier.objects.exists()
    draft.refresh_from_db()
    assert draft.data["applicant"]["name"] == "Nguyễn Văn An"
    assert w["procedure"].name not in other.get("/nop-truc-tuyen/").content.decode()


def _token(client: Client) -> str:
    return client.cookies["csrftoken"].value


def test_expired_session_keeps_the_draft_and_comes_back_to_the_step(world):
    w = world
    draft = new_draft(w)
    c = Client(enforce_csrf_checks=True)
    c.force_login(w["applicant"])
    page = c.get(url("apply_applicant", draft))
    assert page.status_code == 200
    saved = c.post(url("apply_applicant", draft), {
        "csrfmiddlewaretoken": _token(c), "kind": "person", "name": "Nguyễn Văn An",
        "phone": "0912345678", "address": "Xóm 3, xã Nghi Phú", "tiep": "1",
    })  # fmt: skip
    assert saved.status_code == 302
    c.get(url("apply_details", draft))

    Session.objects.all().delete()  # the session expires while the citizen is on step 2

    lost = c.post(url("apply_details", draft), {
        "csrfmiddlewaretoken": _token(c), "noi_dung": "Cấp 01 phiếu", "result_delivery": "online",
        "tiep": "1",
    })  # fmt: skip
    login_url = f"/tai-khoan/dang-nhap/?next=/nop-truc-tuyen/{draft.public_id}/noi-dung/"
    assert lost.status_code == 302 and lost["Location"] == login_url
    upload = c.post(url("apply_upload", draft, paper_id=w["procedure"].papers.first().pk), {
        "csrfmiddlewaretoken": _token(c),
        "tep": SimpleUploadedFile("a.pdf", PDF, "application/pdf"),
    })  # fmt: skip
    assert upload["Location"].endswith(f"?next=/nop-truc-tuyen/{draft.public_id}/giay-to/")
    htmx = c.post(url("apply_submit", draft), {"csrfmiddlewaretoken": _token(c)},
                  headers={"HX-Request": "true"})  # fmt: skip
    assert htmx.status_code == 204 and "dang-nhap" in htmx["HX-Redirect"]
    draft.refresh_from_db()
    assert draft.data["applicant"]["address"] == "Xóm 3, xã Nghi Phú"
    assert draft.data["step"] == "details" and not draft.papers.exists()

    login_page = c.get(login_url)
    assert "Phiên đăng nhập đã hết hạn" in login_page.content.decode()
    back = c.post("/tai-khoan/dang-nhap/", {
        "csrfmiddlewaretoken": _token(c), "username": w["applicant"].username,
        "password": PASSWORD, "next": f"/nop-truc-tuyen/{draft.public_id}/noi-dung/",
    })  # fmt: skip
    assert back.status_code == 302 and back["Location"] == url("apply_details", draft)
    resumed = c.get(url("apply_applicant", draft)).content.decode()
    assert 'value="Xóm 3, xã Nghi Phú"' in resumed
    listed = c.get("/nop-truc-tuyen/").content.decode()
    assert w["procedure"].name in listed and url("apply_details", draft) in listed


def test_step_one_errors_are_shown_and_the_rest_kept(world):
    w = world
    draft = new_draft(w)
    c = logged_in(w["applicant"])
    response = c.post(url("apply_applicant", draft), {
        "kind": "person", "name": "", "phone": "0912345678", "tiep": "1",
    })  # fmt: skip
    assert response.status_code == 422
    assert "Cần nhập tên chủ hồ sơ." in response.content.decode()
    bad_phone = c.post(url("apply_applicant", draft), {"kind": "person", "name": "A",
                                                        "phone": "12", "luu": "1"})  # fmt: skip
    assert bad_phone.status_code == 422 and re.search(r"field-errors", bad_phone.content.decode())


def test_drafts_list_continue_and_delete(world):
    w = world
    draft = new_draft(w)
    c = logged_in(w["applicant"])
    page = c.get("/nop-truc-tuyen/").content.decode()
    assert "Hồ sơ lưu tạm" in page and url("apply_applicant", draft) in page
    response = c.post(url("apply_delete", draft))
    assert response["Location"] == "/nop-truc-tuyen/"
    assert not DossierDraft.objects.exists()
    assert "Đã xóa hồ sơ lưu tạm" in c.get("/nop-truc-tuyen/").content.decode()


def test_applying_for_someone_i_represent(world):
    from chinhquyen.accounts.models import Representation

    w = world
    rep = Representation.objects.create(
        account=w["applicant"], name="Nguyễn Thị Hoa", identity_number="040185003456",
        relation="Mẹ", phone="0903123456", address="Xóm 1, xã Nghi Phú",
    )  # fmt: skip
    draft = new_draft(w)
    c = logged_in(w["applicant"])
    page = c.get(url("apply_applicant", draft)).content.decode()
    assert "Bản thân tôi" in page and "Nguyễn Thị Hoa (Mẹ)" in page
    c.post(url("apply_applicant", draft), {"chu_ho_so": f"rep-{rep.pk}", "chon": "1"})
    draft.refresh_from_db()
    assert draft.data["applicant_choice"] == f"rep-{rep.pk}"
    assert draft.data["applicant"]["name"] == "Nguyễn Thị Hoa"
    assert draft.data["applicant"]["representative"] == "Nguyễn Văn An"
    page = c.get(url("apply_applicant", draft)).content.decode()
    assert 'value="Nguyễn Thị Hoa"' in page and 'value="Xóm 1, xã Nghi Phú"' in page
