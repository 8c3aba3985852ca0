"""``services.receive_at_desk`` (tiếp nhận tại quầy) and ``POST /api/v1/dossiers/desk-intake``.

Registration and the desk's decision in one transaction: the same control-sheet lines, audit
records and outbox events as the two actions called one after the other; nothing left (no
dossier, no stored scan) when the decision is refused; replays by key; API permissions and input.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from chinhquyen.accounts.models import Role
from chinhquyen.audit.models import AuditRecord
from chinhquyen.catalog.models import ProcessStep
from chinhquyen.conftest import make_official
from chinhquyen.dossiers import files, services
from chinhquyen.dossiers.models import (
    Dossier,
    DossierCodeSequence,
    DossierEvent,
    DueDateChange,
    Status,
    SubmittedPaper,
)
from chinhquyen.dossiers.tests.conftest import APPLICANT, PDF, all_papers, received_dossier
from chinhquyen.events.models import OutboxEvent

API = "/api/v1/dossiers/desk-intake"


def _written() -> tuple[int, int, int, int, int]:
    """Dossiers, papers, control-sheet lines, audit records and outbox events of dossiers."""
    return (
        Dossier.objects.count(),
        SubmittedPaper.objects.count(),
        DossierEvent.objects.count(),
        AuditRecord.objects.filter(object_type="dossiers.dossier").count(),
        OutboxEvent.objects.filter(aggregate_type="dossiers.dossier").count(),
    )


def stored_files() -> list[str]:
    """Every file under the dossiers' papers folder of the test's media root."""
    root = Path(settings.MEDIA_ROOT) / "dossiers" / "papers"
    return sorted(str(p.relative_to(settings.MEDIA_ROOT)) for p in root.rglob("*") if p.is_file())


def intake(w, *, actor=None, papers=None, **extra):
    return services.receive_at_desk(
        actor=actor or w["intake"],
        procedure=w["procedure"],
        agency=w["agency"],
        applicant=APPLICANT,
        desk=w["desk"],
        papers=all_papers(w["procedure"]) if papers is None else papers,
        **extra,
    )


def _trail(d: Dossier) -> dict[str, list]:
    """What the two actions leave: control-sheet lines, audit actions, outbox events."""
    return {
        "events": list(
            d.events.order_by("seq").values_list(
                "seq", "action", "from_status", "to_status", "actor_id", "to_label"
            )
        ),
        "audit": list(
            AuditRecord.objects.filter(object_type="dossiers.dossier", object_id=str(d.pk))
            .order_by("id")
            .values_list("action", flat=True)
        ),
        "outbox": sorted(  # by key (…:v1, …:v2): the ids are random UUIDs
            (e.idempotency_key.replace(f":{d.pk}:", ":#:"), e.event_type, e.payload["status"])
            for e in OutboxEvent.objects.filter(
                aggregate_type="dossiers.dossier", aggregate_id=str(d.pk)
            )
        ),
    }


# --- the action -------------------------------------------------------------------------------


def test_one_call_registers_and_receives_with_the_papers(world):
    w = world
    d = intake(w, idempotency_key="desk-a1")
    d.refresh_from_db()
    assert (d.status, d.version, d.channel, d.desk) == (Status.RECEIVED, 2, "direct", w["desk"])
    assert d.applicant_name == APPLICANT["name"] and d.fee_amount == 15_000
    assert d.received_at == d.submitted_at and d.due_at is not None
    assert d.due_changes.get().kind == DueDateChange.Kind.APPOINTED
    papers = list(d.papers.order_by("required_paper__position"))
    assert [p.required_paper.position for p in papers] == [1, 2]
    for p in papers:  # each scan is on disk with the checksum recorded
        assert default_storage.exists(p.file.name)
        assert p.sha256 == files.sha256_of_stored(p.file.name)
    assert stored_files() == sorted(p.file.name for p in papers)
    trail = _trail(d)
    assert [e[:4] for e in trail["events"]] == [
        (1, "register_at_desk", "", Status.SUBMITTED),
        (2, "receive", Status.SUBMITTED, Status.RECEIVED),
    ]
    assert trail["audit"] == ["dossiers.register_at_desk", "dossiers.receive"]
    assert trail["outbox"] == [
        ("dossiers:#:v1", "dossiers.register_at_desk", Status.SUBMITTED),
        ("dossiers:#:v2", "dossiers.receive", Status.RECEIVED),
    ]

    # The same trail as the desk's two actions called one after the other.
    before = received_dossier(w)
    assert _trail(before) == trail


def test_a_refused_reception_leaves_no_dossier_and_no_stored_file(world):
    w = world
    one_paper = all_papers(w["procedure"])[:1]
    with pytest.raises(ValidationError) as exc:
        intake(w, papers=one_paper, idempotency_key="desk-b1")
    assert "Còn thiếu" in " ".join(exc.value.message_dict["papers"])
    assert _written() == (0, 0, 0, 0, 0)
    assert stored_files() == []
    assert DossierCodeSequence.objects.count() == 0  # the dossier code was not used up
    # The same key works afterwards: nothing remembers the failed attempt.
    d = intake(w, idempotency_key="desk-b1")
    assert d.status == Status.RECEIVED and d.code.endswith("0001")


def test_a_failure_after_the_files_were_stored_removes_them(world):
    """Papers complete, so the scans are stored; then reception fails (no internal process)."""
    w = world
    ProcessStep.objects.filter(procedure=w["procedure"]).delete()
    with pytest.raises(ValidationError) as exc:
        intake(w)
    assert exc.value.error_list[0].code == "no_process"
    assert _written() == (0, 0, 0, 0, 0) and stored_files() == []

    # A supplement request whose item is not a paper of the procedure: refused after storing.
    with pytest.raises(ValidationError) as exc:
        intake(
            w, decision="request_supplement",
            items=[{"paper": 999_999, "name": "Giấy lạ", "reason": "Thiếu"}],
        )  # fmt: skip
    assert "items" in exc.value.message_dict
    assert _written() == (0, 0, 0, 0, 0) and stored_files() == []


def test_inside_a_callers_transaction_it_refuses_to_run(world):
    """Its files could not be removed if the caller rolled back later: it must be outermost."""
    w = world
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        intake(w)
    assert _written() == (0, 0, 0, 0, 0) and stored_files() == []


def test_supplement_and_refusal_decisions(world):
    w = world
    second = w["procedure"].papers.get(position=2)
    d = intake(
        w, papers=all_papers(w["procedure"])[:1], decision="request_supplement",
        items=[{"paper": second.pk, "reason": "Chưa mang bản chụp."}], note="Quầy số 2.",
    )  # fmt: skip
    assert d.status == Status.AWAITING_SUPPLEMENT
    request = d.supplements.get()
    assert [(i["paper_id"], i["reason"]) for i in request.items] == [
        (second.pk, "Chưa mang bản chụp.")
    ]
    assert request.note == "Quầy số 2."
    assert list(d.events.values_list("action", flat=True)) == [
        "register_at_desk",
        "request_supplement",
    ]

    files_before = stored_files()
    with pytest.raises(ValidationError) as exc:  # reasons are checked before a file is stored
        intake(w, decision="refuse_reception", reasons="  ")
    assert "reasons" in exc.value.message_dict
    assert stored_files() == files_before
    refused = intake(w, papers=(), decision="refuse_reception", reasons="Không thuộc thẩm quyền.")
    assert refused.status == Status.REFUSED_RECEPTION
    assert refused.events.get(seq=2).opinion == "Không thuộc thẩm quyền."

    with pytest.raises(ValidationError) as exc:
        intake(w, decision="forward")
    assert "decision" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        intake(w, channel="online")
    assert "channel" in exc.value.message_dict


def test_replay_by_the_same_official_returns_the_first_dossier_others_are_refused(world):
    w = world
    first = intake(w, idempotency_key="desk-c1")
    written, files = _written(), stored_files()
    w["clock"].advance(minutes=2)
    again = intake(w, idempotency_key="desk-c1")
    assert (again.pk, again.code, again.status, again.version) == (
        first.pk, first.code, Status.RECEIVED, 2,
    )  # fmt: skip
    assert _written() == written and stored_files() == files  # nothing new, no extra scan
    # The replay returns the dossier as it is, even with another decision asked for.
    again = intake(w, idempotency_key="desk-c1", decision="refuse_reception", reasons="x")
    assert again.status == Status.RECEIVED

    colleague = make_official("tiepnhan2.stp", w["agency"], Role.INTAKE_OFFICER)
    with pytest.raises(PermissionDenied, match="tài khoản khác"):
        intake(w, actor=colleague, idempotency_key="desk-c1")
    other = make_official("tiepnhan.sxd", w["building"], Role.INTAKE_OFFICER)
    with pytest.raises(PermissionDenied):
        intake(w, actor=other, idempotency_key="desk-c1")
    with pytest.raises(PermissionDenied):
        intake(w, actor=w["specialist"])
    assert _written() == written and stored_files() == files


# --- the API ----------------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def payload(w, **extra) -> dict:
    body = {
        "procedure": w["procedure"].code,
        "agency": w["agency"].code,
        "applicant": APPLICANT,
        "desk": w["desk"].pk,
        "papers": [p.pk for p in w["procedure"].papers.order_by("position")],
    }
    body.update(extra)
    return body


def post(client, body, *, scans: int = 2, key: str | None = None, raw: str | None = None):
    data = {
        "payload": raw if raw is not None else json.dumps(body),
        "files": [
            SimpleUploadedFile(f"giay-{i}.pdf", PDF, "application/pdf") for i in range(scans)
        ],
    }
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(API, data, headers=headers)


def test_api_desk_intake_receives_and_replays(world):
    w = world
    officer = client_for(w["intake"])
    response = post(officer, payload(w), key="kiosk-77")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["national_status"], body["version"]) == ("received", 2, 2)
    assert len(body["papers"]) == 2 and body["desk"] == w["desk"].name
    assert [e["action"] for e in body["events"]] == ["register_at_desk", "receive"]
    assert len(stored_files()) == 2

    again = post(officer, payload(w), key="kiosk-77")
    assert again.status_code == 200 and again.json()["code"] == body["code"]
    assert Dossier.objects.count() == 1 and len(stored_files()) == 2
    colleague = make_official("tiepnhan2.stp", w["agency"], Role.INTAKE_OFFICER)
    taken = post(client_for(colleague), payload(w), key="kiosk-77")
    assert taken.status_code == 403 and taken.json()["code"] == "forbidden"

    supplement = post(
        officer,
        payload(w, papers=[w["procedure"].papers.get(position=1).pk], decision="request_supplement",
                items=[{"paper": w["procedure"].papers.get(position=2).pk,
                        "reason": "Chưa có bản chụp."}]),
        scans=1,
    )  # fmt: skip
    assert supplement.status_code == 201, supplement.content
    assert supplement.json()["status"] == "awaiting_supplement"


def test_api_desk_intake_permissions(world):
    w = world
    citizen = post(client_for(w["applicant"]), payload(w))
    assert citizen.status_code == 403 and citizen.json()["code"] == "forbidden"
    other = make_official("tiepnhan.sxd", w["building"], Role.INTAKE_OFFICER)
    assert post(client_for(other), payload(w)).status_code == 403
    assert post(client_for(w["specialist"]), payload(w)).status_code == 403
    assert post(Client(), payload(w)).status_code == 401
    # An API token of the desk officer limited to another agency cannot receive here.
    _, raw = services.create_api_token(
        actor=w["admin"], owner=w["intake"], name="Ki-ốt", agencies=[w["building"]]
    )
    limited = Client(headers={"Authorization": f"Bearer {raw}"})
    assert post(limited, payload(w)).status_code == 403
    assert _written() == (0, 0, 0, 0, 0) and stored_files() == []


def test_api_desk_intake_bad_input(world):
    w = world
    officer = client_for(w["intake"])
    bad_json = post(officer, {}, raw="{không phải json")
    assert bad_json.status_code == 422 and bad_json.json()["code"] == "invalid_payload"
    no_name = post(officer, payload(w, applicant={"phone": "0903123456"}))
    assert no_name.status_code == 422 and "applicant.name" in no_name.json()["errors"]
    mismatch = post(officer, payload(w), scans=1)
    assert mismatch.status_code == 422 and "papers" in mismatch.json()["errors"]
    unknown = post(officer, payload(w, procedure="9.999999"))
    assert unknown.status_code == 422 and "procedure" in unknown.json()["errors"]
    foreign_desk = post(officer, payload(w, desk=999_999))
    assert foreign_desk.status_code == 422 and "desk" in foreign_desk.json()["errors"]
    bad_phone = post(officer, payload(w, applicant={**APPLICANT, "phone": "12"}))
    assert bad_phone.status_code == 422 and "phone" in bad_phone.json()["errors"]

    missing = post(officer, payload(w, papers=[w["procedure"].papers.first().pk]), scans=1)
    assert missing.status_code == 422 and missing.json()["code"] == "missing_papers"
    fake = {
        "payload": json.dumps(payload(w)),
        "files": [
            SimpleUploadedFile("a.pdf", PDF, "application/pdf"),
            SimpleUploadedFile("b.pdf", b"MZ\x90\x00" + b"\x00" * 64, "application/pdf"),
        ],
    }
    disguised = officer.post(API, fake)
    assert disguised.status_code == 422 and disguised.json()["code"] == "file_type"
    assert "papers[1]" in disguised.json()["errors"]
    assert _written() == (0, 0, 0, 0, 0) and stored_files() == []
