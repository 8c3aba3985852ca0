"""Online applications in progress (dossiers.drafts): start, save, upload, submit once."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from chinhquyen.audit.models import AuditRecord
from chinhquyen.catalog.models import OnlineLevel
from chinhquyen.dossiers import draft_selectors, drafts
from chinhquyen.dossiers.models import Dossier, DossierDraft, DraftPaper, Status, SubmittedPaper
from chinhquyen.dossiers.tests.conftest import PDF, PNG, vn

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type)


def filled(w, **data):
    draft = drafts.start_draft(actor=w["applicant"], procedure=w["procedure"])
    applicant = {**draft.data["applicant"], "address": "Số 5 Lê Lợi, Vinh"}
    return drafts.save_draft(
        actor=w["applicant"],
        draft=draft,
        data={"applicant": applicant, "subject": "Xin cấp phiếu số 1", **data},
    )


def upload_all(w, draft, content: bytes = PDF):
    return [
        drafts.add_draft_paper(
            actor=w["applicant"],
            draft=draft,
            required_paper=p,
            file=upload(f"giay-to-{p.position}.pdf", content),
            file_name=f"giay-to-{p.position}.pdf",
        )  # fmt: skip
        for p in w["procedure"].papers.order_by("position")
    ]


def test_start_prefills_the_account_and_the_only_receiving_agency(world):
    w = world
    draft = drafts.start_draft(actor=w["applicant"], procedure=w["procedure"])
    assert draft.agency == w["agency"]
    assert draft.data["applicant"]["name"] == "Nguyễn Văn An"
    assert draft.data["applicant"]["identity_number"] == "040090001234"
    assert draft.data["applicant_choice"] == "self"
    assert len(draft.submission_key) <= 64 and draft.public_id is not None


def test_happy_path_gives_a_dossier_with_the_papers_and_their_checksums(
    world, django_capture_on_commit_callbacks
):
    w = world
    draft = filled(w, form_data={"noi_dung": "Cấp 02 phiếu"}, result_delivery="post")
    items = upload_all(w, draft, PNG)
    draft_files = [i.file.name for i in items]
    assert all(default_storage.exists(n) for n in draft_files)
    assert drafts.problems(draft) == {}

    with django_capture_on_commit_callbacks(execute=True):
        d = drafts.submit_draft(actor=w["applicant"], draft=draft)

    assert d.status == Status.SUBMITTED and d.channel == "online"
    assert d.submitted_by == w["applicant"] and d.agency == w["agency"]
    assert d.idempotency_key == draft.submission_key
    assert d.subject == "Xin cấp phiếu số 1" and d.form_data == {"noi_dung": "Cấp 02 phiếu"}
    assert d.applicant_address == "Số 5 Lê Lợi, Vinh" and d.result_delivery == "post"
    papers = list(SubmittedPaper.objects.filter(dossier=d).order_by("required_paper__position"))
    assert [p.required_paper_name for p in papers] == [
        "Tờ khai yêu cầu cấp phiếu lý lịch tư pháp",
        "Bản chụp giấy tờ tùy thân",
    ]
    digest = hashlib.sha256(PNG).hexdigest()
    assert [p.sha256 for p in papers] == [digest, digest]
    assert all(p.content_type == "image/png" for p in papers)
    with default_storage.open(papers[0].file.name, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == digest
    draft.refresh_from_db()
    assert draft.dossier == d
    assert not DraftPaper.objects.filter(draft=draft).exists()
    assert not any(default_storage.exists(n) for n in draft_files)
    assert AuditRecord.objects.filter(action="dossiers.draft_submitted").count() == 1
    assert draft_selectors.open_drafts(w["applicant"]).count() == 0


def test_expected_result_date_counts_from_the_next_working_day(world):
    w = world
    draft = filled(w)
    upload_all(w, draft)
    d = drafts.submit_draft(actor=w["applicant"], draft=draft)
    # Submitted Monday 2 March 2026 09:00; received Tuesday 3 March at opening; 5 working days
    # from the opening of a day end with the office day before the sixth: Monday 9 March, 17:00.
    assert draft_selectors.expected_result_date(d) == vn(2026, 3, 9, 17, 0)
    assert d.due_at is None


def test_procedure_not_online_is_refused(world):
    w = world
    w["procedure"].online_level = OnlineLevel.NONE
    w["procedure"].save()
    with pytest.raises(ValidationError) as exc:
        drafts.start_draft(actor=w["applicant"], procedure=w["procedure"])
    assert "chưa nhận hồ sơ trực tuyến" in exc.value.message_dict["procedure"][0]
    assert not DossierDraft.objects.exists()


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [(EXE, "file_type", "không thuộc loại được phép"), (PDF + b"0" * 2048, "file_too_large",
                                                         "vượt quá giới hạn")],
)  # fmt: skip
def test_bad_files_are_refused_and_nothing_is_stored(world, settings, content, code, words):
    w = world
    settings.DOSSIER_MAX_UPLOAD_BYTES = 1024
    draft = filled(w)
    before = set(_stored())
    paper = w["procedure"].papers.first()
    with pytest.raises(ValidationError) as exc:
        drafts.add_draft_paper(
            actor=w["applicant"], draft=draft, required_paper=paper,
            file=upload("don.pdf", content), file_name="don.pdf",
        )  # fmt: skip
    assert exc.value.error_dict["file"][0].code == code
    assert words in exc.value.message_dict["file"][0] and "«don.pdf»" in exc.value.message_dict[
        "file"][0]  # fmt: skip
    assert not DraftPaper.objects.exists()
    assert set(_stored()) == before


def _stored() -> list[str]:
    try:
        _, names = default_storage.listdir("dossiers/drafts/2026/03")
    except FileNotFoundError:
        return []
    return names


def test_saving_checks_what_is_given_but_lets_the_rest_wait(world):
    w = world
    draft = drafts.start_draft(actor=w["applicant"], procedure=w["procedure"])
    drafts.save_draft(actor=w["applicant"], draft=draft, data={"applicant": {"name": ""}})
    assert draft.data["applicant"]["name"] == ""
    with pytest.raises(ValidationError) as exc:
        drafts.save_draft(
            actor=w["applicant"], draft=draft, data={"applicant": {"name": "A", "phone": "12"}}
        )
    assert "phone" in exc.value.message_dict
    draft.refresh_from_db()
    assert draft.data["applicant"]["name"] == ""
    problems = drafts.problems(draft)
    assert "name" in problems and len(problems["papers"]) == 2
    with pytest.raises(ValidationError) as exc:
        drafts.submit_draft(actor=w["applicant"], draft=draft)
    assert exc.value.error_dict["papers"][0].code == "incomplete_draft"
    assert not Dossier.objects.exists()


def test_double_submit_gives_one_dossier(world):
    w = world
    draft = filled(w)
    upload_all(w, draft)
    first = drafts.submit_draft(actor=w["applicant"], draft=draft)
    stale_copy = DossierDraft.objects.get(pk=draft.pk)
    again = drafts.submit_draft(actor=w["applicant"], draft=stale_copy)
    assert again.pk == first.pk
    assert Dossier.objects.count() == 1 and SubmittedPaper.objects.count() == 2
    with pytest.raises(ValidationError):
        drafts.save_draft(actor=w["applicant"], draft=stale_copy, data={"subject": "x"})


def test_another_citizen_cannot_see_change_or_submit_my_draft(world, stranger):
    w = world
    draft = filled(w)
    upload_all(w, draft)
    assert draft_selectors.get_draft(stranger, draft.public_id) is None
    assert draft_selectors.get_draft(w["applicant"], draft.public_id) == draft
    paper = w["procedure"].papers.first()
    for call in (
        lambda: drafts.save_draft(actor=stranger, draft=draft, data={"subject": "x"}),
        lambda: drafts.add_draft_paper(
            actor=stranger, draft=draft, required_paper=paper, file=upload("a.pdf", PDF)
        ),  # fmt: skip
        lambda: drafts.remove_draft_paper(actor=stranger, draft=draft, paper=draft.papers.first()),
        lambda: drafts.submit_draft(actor=stranger, draft=draft),
        lambda: drafts.delete_draft(actor=stranger, draft=draft),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert not Dossier.objects.exists() and draft.papers.count() == 2


def test_remove_paper_and_delete_draft_drop_their_files(world, django_capture_on_commit_callbacks):
    w = world
    draft = filled(w)
    items = upload_all(w, draft)
    with django_capture_on_commit_callbacks(execute=True):
        drafts.remove_draft_paper(actor=w["applicant"], draft=draft, paper=items[0])
    assert not default_storage.exists(items[0].file.name)
    assert draft.papers.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        drafts.delete_draft(actor=w["applicant"], draft=draft)
    assert not DossierDraft.objects.exists()
    assert not default_storage.exists(items[1].file.name)


def test_agency_must_be_one_that_receives_the_procedure(world):
    w = world
    draft = filled(w)
    with pytest.raises(ValidationError) as exc:
        drafts.save_draft(actor=w["applicant"], draft=draft, data={"agency": w["building"].code})
    assert exc.value.error_dict["agency"][0].code == "wrong_agency"
    drafts.save_draft(actor=w["applicant"], draft=draft, data={"agency": w["agency"].code})
    assert draft.agency == w["agency"]


# --- API: /api/v1/dossier-drafts ---------------------------------------------------------------

BASE = "/api/v1/dossier-drafts"


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_api_flow_create_update_upload_submit_and_replay(world, stranger):
    w = world
    c = _client(w["applicant"])
    created = c.post(BASE, {"procedure": w["procedure"].code}, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    draft_id, key = body["id"], body["submission_key"]
    assert body["agency_code"] == w["agency"].code and len(body["missing_papers"]) == 2

    bad = c.patch(f"{BASE}/{draft_id}", {"applicant": {"name": "A", "phone": "12"}},
                  content_type="application/json")  # fmt: skip
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_applicant"
    assert "phone" in bad.json()["errors"]
    ok = c.patch(f"{BASE}/{draft_id}", {"subject": "Xin cấp phiếu", "result_delivery": "online"},
                 content_type="application/json")  # fmt: skip
    assert ok.status_code == 200 and ok.json()["subject"] == "Xin cấp phiếu"
    assert ok.json()["applicant"]["name"] == "Nguyễn Văn An"

    early = c.post(f"{BASE}/{draft_id}/submit")
    assert early.status_code == 422 and early.json()["code"] == "missing_papers"

    exe = c.post(f"{BASE}/{draft_id}/papers", {
        "file": upload("to-khai.pdf", EXE), "required_paper": w["procedure"].papers.first().pk,
    })  # fmt: skip
    assert exe.status_code == 422 and exe.json()["code"] == "file_type"
    for paper in w["procedure"].papers.all():
        up = c.post(
            f"{BASE}/{draft_id}/papers",
            {"file": upload(f"p{paper.position}.pdf", PDF), "required_paper": paper.pk},
        )
        assert up.status_code == 201, up.content
    assert up.json()["papers"][0]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert up.json()["missing_papers"] == [] and up.json()["problems"] == {}

    # Someone else: not found, whatever the verb.
    other = _client(stranger)
    assert other.get(f"{BASE}/{draft_id}").status_code == 404
    assert other.post(f"{BASE}/{draft_id}/submit").json()["code"] == "not_found"
    assert other.patch(f"{BASE}/{draft_id}", {"subject": "x"},
                       content_type="application/json").status_code == 404  # fmt: skip

    wrong = c.post(f"{BASE}/{draft_id}/submit", headers={"Idempotency-Key": "something-else"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "idempotency_key_mismatch"
    first = c.post(f"{BASE}/{draft_id}/submit", headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.content
    again = c.post(f"{BASE}/{draft_id}/submit")
    assert again.status_code == 200 and again.json()["code"] == first.json()["code"]
    assert first.json()["expected_result_at"].startswith("2026-03-09T17:00:00")
    assert Dossier.objects.count() == 1
    locked = c.patch(f"{BASE}/{draft_id}", {"subject": "x"}, content_type="application/json")
    assert locked.status_code == 409 and locked.json()["code"] == "draft_submitted"
    assert c.get(BASE).json() == []


def test_api_refuses_a_procedure_not_online_and_anonymous_callers(world, client):
    w = world
    w["procedure"].online_level = OnlineLevel.NONE
    w["procedure"].save()
    refused = _client(w["applicant"]).post(
        BASE, {"procedure": w["procedure"].code}, content_type="application/json"
    )
    assert refused.status_code == 422 and refused.json()["code"] == "not_online"
    anonymous = client.post(BASE, {"procedure": w["procedure"].code},
                            content_type="application/json")  # fmt: skip
    assert anonymous.status_code == 401
    assert not DossierDraft.objects.exists()


def test_demo_gives_binh_one_draft_in_progress(calendar_seeded, frozen, agency_tree):
    from chinhquyen.conftest import make_citizen
    from chinhquyen.dossiers.demo_drafts import load_demo_drafts
    from chinhquyen.dossiers.tests.conftest import build_procedure

    binh = make_citizen("0987654321", full_name="Trần Thị Bình")
    build_procedure(agency_tree["justice"], code="3.000333")
    assert load_demo_drafts() == {"created": 1, "skipped": 0}
    assert load_demo_drafts() == {"created": 0, "skipped": 1}
    draft = draft_selectors.open_drafts(binh).get()
    assert draft.data["step"] == "papers" and draft.papers.count() == 1
    assert [p.name for p in drafts.missing_papers(draft)] == ["Bản chụp giấy tờ tùy thân"]


@pytest.mark.skipif(
    "sqlite" in __import__("django.conf").conf.settings.DATABASES["default"]["ENGINE"],
    reason="two connections at once need a server database (SQLite serialises writers anyway)",
)
def test_two_simultaneous_submissions_give_one_dossier(transactional_db, world):
    import threading

    from django.db import connection

    w = world
    draft = filled(w)
    upload_all(w, draft)
    barrier = threading.Barrier(2)
    codes, errors = [], []

    def click() -> None:
        try:
            copy = DossierDraft.objects.get(pk=draft.pk)
            barrier.wait()
            codes.append(drafts.submit_draft(actor=w["applicant"], draft=copy).code)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(codes) == 2 and codes[0] == codes[1]
    assert Dossier.objects.count() == 1 and SubmittedPaper.objects.count() == 2
