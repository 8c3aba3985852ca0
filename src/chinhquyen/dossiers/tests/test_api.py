"""/api/v1/dossiers: submit, read, list, act, upload, download; session or API token; errors."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chinhquyen.dossiers import services
from chinhquyen.dossiers.models import ApiToken, Dossier
from chinhquyen.dossiers.tests.conftest import PDF, processing_dossier, run_steps, vn

BASE = "/api/v1/dossiers"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def act(client, code, action, **body):
    return client.post(f"{BASE}/{code}/actions/{action}", body, content_type="application/json")


def submit_body(w, **extra):
    return {"procedure": w["procedure"].code, "agency": w["agency"].code, **extra}


def test_online_submission_with_idempotency_key_then_papers_then_reception(world):
    w = world
    citizen = client_for(w["applicant"])
    response = citizen.post(
        BASE, submit_body(w), content_type="application/json", headers={"Idempotency-Key": "k-1"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    code = body["code"]
    assert (body["national_status"], body["channel"], body["version"]) == (1, "online", 1)
    assert body["applicant"]["identity_number_masked"] == "*********234"
    assert "040090001234" not in response.content.decode()
    assert body["actions"] == ["attach_paper", "withdraw"]

    again = citizen.post(
        BASE, submit_body(w), content_type="application/json", headers={"Idempotency-Key": "k-1"}
    )
    assert again.status_code == 200 and again.json()["code"] == code
    assert Dossier.objects.count() == 1

    version = body["version"]
    for paper in w["procedure"].papers.all():
        upload = citizen.post(
            f"{BASE}/{code}/papers",
            {
                "file": SimpleUploadedFile("to-khai.pdf", PDF, "application/pdf"),
                "required_paper": paper.pk,
                "expected_version": version,
            },
        )
        assert upload.status_code == 200, upload.content
        version = upload.json()["version"]
    bad = citizen.post(
        f"{BASE}/{code}/papers",
        {"file": SimpleUploadedFile("x.pdf", b"MZ\x90", "application/pdf"),
         "expected_version": version},
    )  # fmt: skip
    assert bad.status_code == 422 and bad.json()["code"] == "file_type"
    assert "file" in bad.json()["errors"]

    intake = client_for(w["intake"])
    received = act(intake, code, "receive", expected_version=version)
    assert received.status_code == 200, received.content
    body = received.json()
    assert body["national_status"] == 2 and body["due_at"].startswith("2026-03-09T09:00:00")
    assert "forward" in body["actions"] and "approve" not in body["actions"]


def test_errors_are_structured(world):
    w = world
    intake = client_for(w["intake"])
    d = services.register_at_desk(
        actor=w["intake"], procedure=w["procedure"], agency=w["agency"],
        applicant={"name": "Lê Thị Cúc"},
    )  # fmt: skip
    missing = act(intake, d.code, "receive", expected_version=d.version)
    assert missing.status_code == 422
    body = missing.json()
    assert body["code"] == "missing_papers" and len(body["errors"]["papers"]) == 3
    assert body["detail"].startswith("Còn thiếu:")

    stale = act(intake, d.code, "refuse_reception", expected_version=d.version + 5, reasons="x")
    assert stale.status_code == 409 and stale.json()["code"] == "stale"

    wrong_state = act(intake, d.code, "forward", expected_version=d.version)
    assert wrong_state.status_code == 409 and wrong_state.json()["code"] == "wrong_state"

    wrong_role = act(client_for(w["specialist"]), d.code, "refuse_reception",
                     expected_version=d.version, reasons="x")  # fmt: skip
    assert wrong_role.status_code == 403 and wrong_role.json()["code"] == "forbidden"

    required = act(intake, d.code, "refuse_reception", expected_version=d.version)
    assert required.status_code == 422 and required.json()["errors"] == {
        "reasons": ["Cần nhập lý do."]
    }
    no_version = act(intake, d.code, "refuse_reception", reasons="x")
    assert no_version.status_code == 422 and "expected_version" in no_version.json()["errors"]
    assert act(intake, d.code, "teleport", expected_version=1).status_code == 404
    upload_only = act(intake, d.code, "issue_result", expected_version=d.version)
    assert upload_only.status_code == 422 and upload_only.json()["code"] == "use_upload"
    d.refresh_from_db()
    assert d.version == 1


def test_reading_needs_permission_and_hides_existence(world, stranger):
    w = world
    d = processing_dossier(w)
    assert client_for(w["intake"]).get(f"{BASE}/{d.code}").status_code == 200
    assert client_for(w["root_leader"]).get(f"{BASE}/{d.code}").status_code == 200  # subtree
    for user in (stranger, w["ward_specialist"], w["building_specialist"]):
        response = client_for(user).get(f"{BASE}/{d.code}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Client().get(f"{BASE}/{d.code}").status_code == 401


def test_list_with_filters(world):
    w = world
    clock = w["clock"]
    first = processing_dossier(w)
    clock.set_time(vn(2026, 3, 4, 9, 0))
    second = processing_dossier(w)
    third = services.submit_online(actor=w["applicant"], procedure=w["procedure"],
                                   agency=w["agency"])  # fmt: skip
    head = client_for(w["head"])

    def codes(**params):
        response = head.get(BASE, params)
        assert response.status_code == 200, response.content
        return [item["code"] for item in response.json()["items"]]

    assert codes() == [third.code, second.code, first.code]
    assert codes(status="1") == [third.code]
    assert codes(status="processing") == [second.code, first.code]
    assert codes(received_from="2026-03-03", received_to="2026-03-04") == [second.code]
    assert codes(channel="online") == [third.code]
    assert codes(procedure="1.004946", agency="000.00.01.h41") == [third.code, second.code,
                                                                   first.code]  # fmt: skip
    clock.set_time(vn(2026, 3, 10, 9, 0))
    assert codes(overdue="true") == [first.code]
    assert codes(q=first.code.lower()) == [first.code]
    assert codes(q=second.code[:-1]) == [third.code, second.code]  # same agency and day
    assert codes(q="Cúc") == [second.code, first.code]
    page = head.get(BASE, {"per_page": 2, "page": 2}).json()
    assert page["total"] == 3 and [i["code"] for i in page["items"]] == [first.code]
    assert client_for(w["applicant"]).get(BASE).json()["total"] == 1  # only their own
    assert client_for(w["ward_specialist"]).get(BASE).json()["total"] == 0


def test_whole_lifecycle_and_result_download(world):
    w = world
    d = run_steps(w, processing_dossier(w))
    leader = client_for(w["leader"])
    response = act(leader, d.code, "approve", expected_version=d.version, opinion="Đồng ý")
    assert response.status_code == 200, response.content
    version = response.json()["version"]
    issued = client_for(w["intake"]).post(
        f"{BASE}/{d.code}/results",
        {"file": SimpleUploadedFile("ket-qua.pdf", PDF, "application/pdf"),
         "expected_version": version, "name": "Phiếu lý lịch tư pháp số 1"},
    )  # fmt: skip
    assert issued.status_code == 200, issued.content
    result = issued.json()["results"][0]
    assert result["sha256"] == hashlib.sha256(PDF).hexdigest()
    download = client_for(w["intake"]).get(result["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["X-Content-SHA256"] == result["sha256"]
    assert client_for(w["ward_specialist"]).get(result["url"]).status_code == 404
    returned = act(client_for(w["intake"]), d.code, "return_result",
                   expected_version=issued.json()["version"], via="desk",
                   collected_by="Lê Thị Cúc")  # fmt: skip
    body = returned.json()
    assert body["national_status"] == 10 and body["actions"] == []
    assert [e["action"] for e in body["events"]][-3:] == ["approve", "issue_result",
                                                          "return_result"]  # fmt: skip
    assert body["events"][-1]["timing"] == "early"


def test_inter_agency_and_consultation_through_the_api(world):
    w = world
    d = processing_dossier(w)
    specialist = client_for(w["specialist"])
    response = act(
        specialist, d.code, "transfer_inter_agency", expected_version=d.version, mode="parallel",
        parts=[{"agency": w["building"].code, "task": "Ý kiến", "working_days": 2},
               {"agency": w["ward"].code, "task": "Xác nhận", "working_hours": 4}],
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    parts = {p["agency_code"]: p for p in body["participations"]}
    building = client_for(w["building_specialist"])
    seen = building.get(f"{BASE}/{d.code}").json()
    assert seen["actions"] == ["complete_participation"]
    done = act(building, d.code, "complete_participation", expected_version=body["version"],
               participation=parts[w["building"].code]["id"], opinion="Thống nhất")  # fmt: skip
    assert done.status_code == 200, done.content
    wrong = act(building, d.code, "complete_participation", expected_version=done.json()["version"],
                participation=parts[w["ward"].code]["id"], opinion="…")  # fmt: skip
    assert wrong.status_code == 403


def test_api_tokens_act_as_their_owner_within_their_agencies(world):
    w = world
    leader = client_for(w["leader"])
    created = leader.post(
        f"{BASE}/tokens",
        {"owner": w["intake"].username, "name": "Kiosk tầng 1", "agencies": [w["agency"].code]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    raw = created.json()["token"]
    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest() and raw not in str(
        ApiToken.objects.values_list()
    )
    d = services.register_at_desk(
        actor=w["intake"], procedure=w["procedure"], agency=w["agency"],
        applicant={"name": "Lê Thị Cúc"},
        papers=[(p, PDF) for p in w["procedure"].papers.all()],
    )  # fmt: skip
    integration = bearer(raw)
    response = act(integration, d.code, "receive", expected_version=d.version)
    assert response.status_code == 200, response.content
    assert Dossier.objects.get(pk=d.pk).events.last().actor == w["intake"]
    token.refresh_from_db()
    assert token.last_used_at is not None
    # Tokens cannot mint tokens, wrong tokens are refused, revoked tokens stop working.
    assert (
        integration.post(f"{BASE}/tokens", {}, content_type="application/json").status_code == 401
    )
    assert bearer("cqt_wrong").get(BASE).status_code == 401
    revoke = leader.post(f"{BASE}/tokens/{token.pk}/revoke")
    assert revoke.status_code == 200 and revoke.json()["revoked_at"]
    assert integration.get(BASE).status_code == 401
    # Someone else's leader cannot give tokens to this agency's officials.
    refused = client_for(w["building_leader"]).post(
        f"{BASE}/tokens", {"owner": w["intake"].username, "name": "x"},
        content_type="application/json",
    )  # fmt: skip
    assert refused.status_code == 403


def test_a_token_limited_to_one_agency_sees_nothing_else(world):
    w = world
    d = processing_dossier(w)
    token, raw = services.create_api_token(
        actor=w["admin"], owner=w["root_leader"], name="Báo cáo", agencies=[w["building"]]
    )
    # The owner (leader of the whole province tree) sees the dossier; the token does not.
    assert client_for(w["root_leader"]).get(f"{BASE}/{d.code}").status_code == 200
    assert bearer(raw).get(f"{BASE}/{d.code}").status_code == 404
    assert bearer(raw).get(BASE).json()["total"] == 0


def test_public_lookup_with_the_receipt_secret(world):
    w = world
    d = processing_dossier(w)
    ok = Client().post(f"{BASE}/lookup", {"code": d.code.lower(), "secret": d.lookup_secret},
                       content_type="application/json")  # fmt: skip
    assert ok.status_code == 200 and ok.json()["national_status"] == 4
    assert "applicant" not in ok.json()
    bad = Client().post(f"{BASE}/lookup", {"code": d.code, "secret": "WRONG123"},
                        content_type="application/json")  # fmt: skip
    assert bad.status_code == 404


def test_due_soon_endpoint(world):
    w = world
    d = processing_dossier(w)
    w["clock"].set_time(vn(2026, 3, 6, 10, 0))
    response = client_for(w["head"]).get(f"{BASE}/due-soon")
    assert response.status_code == 200
    assert [p["code"] for p in response.json()] == [d.code]


def test_openapi_documents_the_router(world):
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert f"{BASE}/{{code}}/actions/{{action}}" in paths
    assert "BearerAuth" in str(schema["components"]) or "ApiTokenAuth" in str(schema["components"])


@pytest.mark.parametrize("channel", ["direct", "postal"])
def test_desk_registration_through_the_api(world, channel):
    w = world
    response = client_for(w["intake"]).post(
        BASE,
        submit_body(w, channel=channel, applicant={"name": "Lê Thị Cúc", "phone": "0903123456"},
                    desk=w["desk"].pk),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == channel and body["desk"] == w["desk"].name
    assert body["applicant"]["phone_masked"] == "09******56"
    citizen = client_for(w["applicant"]).post(
        BASE, submit_body(w, channel=channel, applicant={"name": "X"}),
        content_type="application/json",
    )  # fmt: skip
    assert citizen.status_code == 403
