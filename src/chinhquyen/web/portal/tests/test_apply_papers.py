"""The apply screens with the real birth registration (1.001193): sections, marks, the name label."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from chinhquyen.catalog import services as catalog_services
from chinhquyen.catalog.models import Procedure, ProcedureAgency
from chinhquyen.catalog.tests.conftest import demo_records
from chinhquyen.dossiers import drafts


@pytest.fixture
def khai_sinh(world):
    catalog_services.import_records(demo_records(("1.001193",)), source="test")
    procedure = Procedure.objects.get(code="1.001193")
    ProcedureAgency.objects.create(
        procedure=procedure, agency=world["agency"], role=ProcedureAgency.Role.IMPLEMENTING
    )
    return procedure


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_papers_step_shows_sections_marks_and_one_required_slot(world, khai_sinh):
    draft = drafts.start_draft(actor=world["applicant"], procedure=khai_sinh)
    c = logged_in(world["applicant"])
    page = c.get(reverse("portal:apply_papers", kwargs={"draft_id": draft.public_id}))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="paper-slot is-missing"') == 1
    missing = html[html.index('class="paper-slot is-missing"') :]
    assert missing[: missing.index("</h3>")].count("Giấy chứng sinh;") == 1
    assert "(trong trường hợp trẻ em bị bỏ rơi; không bắt buộc)" in html
    assert "Giấy tờ phải nộp</h2>" in html and "Giấy tờ xuất trình</h2>" in html
    assert 'id="luu-y-giay-to" class="apply-group">Lưu ý</h2>' in html
    notes = html[html.index('id="luu-y-giay-to"') :]
    assert "Cá nhân có quyền lựa chọn thực hiện thủ tục hành chính về hộ tịch" in notes
    # Notes are guidance: no upload form names them, and "* Lưu ý" is no case heading.
    assert "* Lưu ý" not in html and "* Giấy tờ phải nộp" not in html
    assert html.count('<section class="paper-slot') == 8  # 6 papers to submit, 2 to present

    # The start page lists no note among the papers to prepare.
    start = c.get(f"/nop-truc-tuyen/thu-tuc/{khai_sinh.code}/").content.decode()
    assert "(bắt buộc)" in start
    assert "Cơ quan đăng ký hộ tịch từ chối giải quyết" not in start


def test_name_is_labelled_required_on_submit_and_a_draft_saves_without_it(world):
    draft = drafts.start_draft(actor=world["applicant"], procedure=world["procedure"])
    c = logged_in(world["applicant"])
    target = reverse("portal:apply_applicant", kwargs={"draft_id": draft.public_id})
    html = c.get(target).content.decode()
    label = html[html.index('<label for="id_name"') :]
    label = label[: label.index("</label>")]
    assert "(bắt buộc khi nộp)" in label and "không bắt buộc" not in label

    response = c.post(target, {"kind": "person", "name": "", "phone": "0912345678", "luu": "1"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.data["applicant"]["name"] == ""
    assert "name" in drafts.problems(draft)
