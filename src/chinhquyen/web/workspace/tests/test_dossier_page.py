"""The dossier page: what it shows, who may open it, its actions, files, forms and the code box."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from chinhquyen.audit.models import AuditRecord
from chinhquyen.dossiers import services, timing
from chinhquyen.dossiers.models import Dossier, DossierEvent, Status
from chinhquyen.dossiers.tests.conftest import (
    PDF,
    PNG,
    applicant,
    calendar_seeded,
    desk,
    desk_dossier,
    frozen,
    online_dossier,
    people,
    procedure,
    processing_dossier,
    run_steps,
    stranger,
    world,
)

# Fixtures come from the dossier engine's tests; naming them here marks them as used.
FIXTURES = (applicant, calendar_seeded, desk, frozen, people, procedure, stranger, world)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_url(d) -> str:
    return reverse("workspace:dossier", kwargs={"code": d.code})


def action_url(d, action: str) -> str:
    return reverse("workspace:dossier_action", kwargs={"code": d.code, "action": action})


def paper_url(d, paper) -> str:
    return reverse("workspace:dossier_paper", kwargs={"code": d.code, "paper_id": paper.pk})


def test_the_page_shows_the_dossier_and_only_the_actions_allowed_now(world):
    w = world
    d = processing_dossier(w)
    page = client_for(w["specialist"]).get(page_url(d))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Lê Thị Cúc" in html
    assert "040190005678" not in html  # the identity number is masked
    assert d.masked_identity_number in html
    assert "0903123456" not in html
    assert d.procedure.name in html
    assert "Tờ khai yêu cầu cấp phiếu lý lịch tư pháp" in html
    assert "Phiếu kiểm soát".lower() in html.lower()
    assert "Tiếp nhận hồ sơ" in html and "Chuyển hồ sơ đến bộ phận giải quyết" in html  # timeline
    assert "5 ngày làm việc" in html  # the deadline's explanation
    # The step's handler may complete it; approving and receiving are not theirs now.
    assert f'action="{action_url(d, "complete_step")}"' in html
    assert f'action="{action_url(d, "approve")}"' not in html
    assert f'action="{action_url(d, "receive")}"' not in html
    assert f'name="expected_version" value="{d.version}"' in html
    # The papers open inline, through the permission-checked view.
    paper = d.papers.first()
    assert paper_url(d, paper) in html
    assert 'type="application/pdf"' in html


def test_a_paper_is_served_inline_with_nosniff_and_an_image_as_an_image(world):
    w = world
    d = processing_dossier(w)
    paper = d.papers.first()
    response = client_for(w["specialist"]).get(paper_url(d, paper))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    # An image attached later shows as <img>.
    d = services.attach_paper(
        actor=w["intake"], dossier=desk_dossier(w, papers=False), expected_version=1,
        file=PNG, file_name="anh.png", required_paper=None,
    )  # fmt: skip
    image = d.papers.get()
    response = client_for(w["intake"]).get(paper_url(d, image))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert "<img data-src" in client_for(w["intake"]).get(page_url(d)).content.decode()


def test_another_agency_gets_404_on_the_page_the_files_and_the_actions(world):
    w = world
    d = processing_dossier(w)
    paper = d.papers.first()
    other = client_for(w["building_specialist"])
    assert other.get(page_url(d)).status_code == 404
    assert other.get(paper_url(d, paper)).status_code == 404
    form = reverse("workspace:dossier_form", kwargs={"code": d.code, "form_code": "01"})
    assert other.get(form).status_code == 404
    response = other.post(
        action_url(d, "complete_step"), {"expected_version": d.version, "opinion": "x"}
    )
    assert response.status_code == 404
    d.refresh_from_db()
    assert d.current_step.finished_at is None
    assert not DossierEvent.objects.filter(dossier=d, action="complete_step").exists()


def test_a_consulted_agency_sees_the_dossier_and_may_answer(world):
    w = world
    d = processing_dossier(w)
    d = services.consult(
        actor=w["specialist"], dossier=d, expected_version=d.version, agency=w["building"],
        question="Đề nghị cho ý kiến về hiện trạng công trình.", working_days=3,
    )  # fmt: skip
    other = client_for(w["building_specialist"])
    page = other.get(page_url(d))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'action="{action_url(d, "answer_consultation")}"' in html
    assert f'action="{action_url(d, "complete_step")}"' not in html
    assert other.get(paper_url(d, d.papers.first())).status_code == 200
    part = d.participations.get()
    response = other.post(
        action_url(d, "answer_consultation"),
        {"expected_version": d.version, "participation": part.pk, "opinion": "Đồng ý."},
    )
    assert response.status_code == 302
    part.refresh_from_db()
    assert part.state == "done" and part.opinion == "Đồng ý."


def test_a_citizen_cannot_open_the_workspace(world):
    w = world
    d = online_dossier(w)
    citizen = client_for(w["applicant"])
    assert citizen.get(reverse("workspace:home")).status_code == 403
    assert citizen.get(page_url(d)).status_code == 403
    assert citizen.get(paper_url(d, d.papers.first())).status_code == 403
    assert citizen.get(reverse("workspace:open_code"), {"ma": d.code}).status_code == 403
    anonymous = Client().get(page_url(d))
    assert anonymous.status_code == 302 and "next=" in anonymous["Location"]


def test_an_action_runs_once_and_a_double_submission_gets_the_stale_message(world):
    w = world
    d = processing_dossier(w)
    d = services.assign(
        actor=w["head"], dossier=d, expected_version=d.version, assignee=w["specialist"]
    )
    client = client_for(w["specialist"])
    data = {"expected_version": d.version, "opinion": "Hồ sơ đủ điều kiện."}
    first = client.post(action_url(d, "complete_step"), data)
    assert first.status_code == 302 and first["Location"] == page_url(d)
    second = client.post(action_url(d, "complete_step"), data, follow=True)
    assert "Hồ sơ vừa được người khác cập nhật" in second.content.decode()
    assert DossierEvent.objects.filter(dossier=d, action="complete_step").count() == 1
    assert AuditRecord.objects.filter(action="dossiers.complete_step").count() == 1
    d.refresh_from_db()
    assert d.current_step.position == 2


def test_two_officials_acting_at_once_one_wins_and_the_other_sees_the_new_state(world):
    w = world
    d = processing_dossier(w)  # step 1 unassigned: both specialists may complete it
    version = d.version
    one, two = client_for(w["specialist"]), client_for(w["specialist2"])
    assert f'value="{version}"' in one.get(page_url(d)).content.decode()
    assert f'value="{version}"' in two.get(page_url(d)).content.decode()
    one.post(action_url(d, "complete_step"), {"expected_version": version, "opinion": "Đạt."})
    late = two.post(
        action_url(d, "return_to_previous_step"),
        {"expected_version": version, "reason": "Thiếu giấy tờ."},
        follow=True,
    )
    html = late.content.decode()
    assert "Hồ sơ vừa được người khác cập nhật" in html
    d.refresh_from_db()
    assert d.current_step.position == 2 and d.version == version + 1
    assert f"Phiên bản {d.version}" in html  # the page reloaded the current state
    assert not DossierEvent.objects.filter(dossier=d, action="return_to_previous_step").exists()


def test_a_missing_input_shows_the_error_beside_the_form_and_changes_nothing(world):
    w = world
    d = processing_dossier(w)
    response = client_for(w["specialist"]).post(
        action_url(d, "complete_step"), {"expected_version": d.version, "opinion": "  "}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Chưa thực hiện được" in html
    assert "ý kiến xử lý" in html
    d.refresh_from_db()
    assert d.current_step.position == 1 and d.current_step.finished_at is None


def test_assignee_chooser_lists_only_eligible_officials(world):
    w = world
    d = processing_dossier(w)
    html = client_for(w["head"]).get(page_url(d)).content.decode()
    start = html.index('id="thao-tac-assign"')
    form = html[start : html.index("</details>", start)]
    assert 'value="chuyenvien.stp"' in form and 'value="chuyenvien2.stp"' in form
    assert 'value="chuyenvien.sxd"' not in form  # another agency's specialist
    assert 'value="tiepnhan.stp"' not in form  # not a specialist
    response = client_for(w["head"]).post(
        action_url(d, "assign"), {"expected_version": d.version, "assignee": "chuyenvien2.stp"}
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.current_step.assignee == w["specialist2"]


def test_apology_is_prompted_near_the_deadline_and_form_04_prints(world):
    w = world
    d = processing_dossier(w)
    client = client_for(w["specialist"])
    assert "Phiếu xin lỗi và hẹn lại" not in client.get(page_url(d)).content.decode()
    w["clock"].set_time(d.due_at - timedelta(hours=2))
    html = client.get(page_url(d)).content.decode()
    assert "Cần lập Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)" in html
    new_date = (d.due_at + timedelta(days=7)).astimezone(timing.TZ).replace(tzinfo=None)
    response = client.post(
        action_url(d, "propose_new_date"),
        {
            "expected_version": d.version,
            "new_due_at": new_date.strftime("%Y-%m-%dT%H:%M"),
            "reason": "Chờ xác minh thông tin tại địa phương.",
        },
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.rescheduled_due_at.astimezone(timing.TZ).replace(tzinfo=None) == new_date
    html = client.get(page_url(d)).content.decode()
    form_url = reverse("workspace:dossier_form", kwargs={"code": d.code, "form_code": "04"})
    assert form_url in html
    pdf = client.get(form_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("inline")
    assert pdf.content.startswith(b"%PDF")


def test_the_result_is_uploaded_then_returned(world):
    w = world
    d = run_steps(w, processing_dossier(w), until=2)
    d = services.approve(actor=w["leader"], dossier=d, expected_version=d.version)
    client = client_for(w["intake"])
    upload = SimpleUploadedFile("ket-qua.pdf", PDF, content_type="application/pdf")
    response = client.post(
        action_url(d, "issue_result"),
        {"expected_version": d.version, "name": "Phiếu lý lịch tư pháp số 1", "file": upload},
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == Status.RESULT_READY
    result = d.results.get()
    url = reverse("workspace:dossier_result", kwargs={"code": d.code, "result_id": result.pk})
    assert url in client.get(page_url(d)).content.decode()
    assert client.get(url)["Content-Disposition"].startswith("inline")
    response = client.post(
        action_url(d, "return_result"),
        {"expected_version": d.version, "via": "desk", "collected_by": "Lê Thị Cúc"},
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == Status.RETURNED and d.returned_via == "desk"


def test_the_code_box_opens_a_dossier_and_says_the_same_for_unknown_and_invisible(world):
    w = world
    d = processing_dossier(w)
    url = reverse("workspace:open_code")
    mine = client_for(w["specialist"]).get(url, {"ma": f"  {d.code.lower()} "})
    assert mine.status_code == 302 and mine["Location"] == page_url(d)
    other = client_for(w["building_specialist"])
    invisible = other.get(url, {"ma": d.code})
    unknown = other.get(url, {"ma": "000.00.02.H41-260302-9999"})
    junk = other.get(url, {"ma": "'; DROP TABLE x; --" + "9" * 200})
    for response in (invisible, unknown, junk):
        assert response.status_code == 404
        assert "Không mở được hồ sơ có mã này" in response.content.decode()
    # Same words whether the dossier exists elsewhere or not; the code read is shown back only
    # so that a misread can be spotted (see test_review_fixes).
    assert Dossier.objects.filter(code=d.code).exists()
    # The header's code box is on every workspace page, with its shortcut.
    home = client_for(w["specialist"]).get(reverse("workspace:home")).content.decode()
    assert 'id="ma-ho-so"' in home and 'aria-keyshortcuts="/ F2"' in home
