"""GET /api/v1/dossiers/{code}/forms/{01..05}.pdf and /api/v1/dossiers/forms/06.pdf."""

from __future__ import annotations

from django.test import Client

from chinhquyen.dossiers import forms, services
from chinhquyen.dossiers.tests.conftest import desk_dossier, processing_dossier, vn
from chinhquyen.dossiers.tests.test_forms_render import CITIZEN, lived, text_of

BASE = "/api/v1/dossiers"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["detail"], body
    return body


def test_forms_download_as_pdf_for_those_who_may(world, stranger):
    w = world
    d, _ = lived(w)
    applicant = client_for(w["applicant"])
    response = applicant.get(f"{BASE}/{d.code}/forms/01.pdf")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{d.code}-mau-01.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    text = text_of(response.content)
    assert d.code in text and CITIZEN["name"] in text
    # The QR code points at the host the API was called on.
    context = forms.build_context(form_code="01", dossier=d, base_url="http://testserver")
    assert context["lookup_url"] == (
        f"http://testserver/tra-cuu/?ma={d.code}&mtc={d.lookup_secret}"
    )

    for code in ("02", "04"):
        assert applicant.get(f"{BASE}/{d.code}/forms/{code}.pdf").status_code == 200
    assert_error(applicant.get(f"{BASE}/{d.code}/forms/05.pdf"), 403, "forbidden")
    assert_error(applicant.get(f"{BASE}/{d.code}/forms/03.pdf"), 409, "form_not_available")
    assert_error(applicant.get(f"{BASE}/{d.code}/forms/06.pdf"), 404, "not_found")
    assert_error(applicant.get(f"{BASE}/{d.code}/forms/9.pdf"), 404, "not_found")

    # Another citizen: the dossier does not exist for them; the book is for officials.
    other = client_for(stranger)
    for code in ("01", "05"):
        assert_error(other.get(f"{BASE}/{d.code}/forms/{code}.pdf"), 404, "not_found")
    book = f"{BASE}/forms/06.pdf?agency={w['agency'].code}&from=2026-03-01&to=2026-03-31"
    assert_error(other.get(book), 403, "forbidden")
    assert_error(applicant.get(book), 403, "forbidden")
    assert Client().get(f"{BASE}/{d.code}/forms/01.pdf").status_code == 401

    intake = client_for(w["intake"])
    response = intake.get(f"{BASE}/{d.code}/forms/05.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "PHIẾU KIỂM SOÁT" in text_of(response.content)
    response = intake.get(book)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{w["agency"].code}-mau-06-20260301-20260331.pdf"'
    )
    assert d.code in text_of(response.content)


def test_tracking_book_parameters_are_checked(world):
    w = world
    intake = client_for(w["intake"])
    code = w["agency"].code
    body = assert_error(intake.get(f"{BASE}/forms/06.pdf"), 422, "required")
    assert "agency" in body["errors"]
    body = assert_error(intake.get(f"{BASE}/forms/06.pdf?agency=000.99.99.H41"), 422, "invalid")
    assert "agency" in body["errors"]
    body = assert_error(
        intake.get(f"{BASE}/forms/06.pdf?agency={code}&from=31/03/2026"), 422, "invalid_date"
    )
    assert body["errors"]["from"] == ["«31/03/2026» không phải ngày dạng YYYY-MM-DD."]
    body = assert_error(
        intake.get(f"{BASE}/forms/06.pdf?agency={code}&from=2026-03-31&to=2026-03-01"),
        422,
        "invalid_period",
    )
    assert "to" in body["errors"]
    # An official of another agency may not read this agency's book.
    other = client_for(w["building_specialist"])
    assert_error(other.get(f"{BASE}/forms/06.pdf?agency={code}"), 403, "forbidden")
    # No period: from the first of the month to today (the frozen clock: Monday 2 March 2026).
    d = processing_dossier(w)
    response = intake.get(f"{BASE}/forms/06.pdf?agency={code}")
    assert response.status_code == 200, response.content
    assert "20260301-20260302" in response["Content-Disposition"]
    text = text_of(response.content)
    assert d.code in text and "Từ ngày 01/03/2026 đến ngày 02/03/2026" in text


def test_forms_not_issued_yet_answer_409(world):
    w = world
    d = desk_dossier(w)
    intake = client_for(w["intake"])
    body = assert_error(intake.get(f"{BASE}/{d.code}/forms/01.pdf"), 409, "form_not_available")
    assert "chưa được tiếp nhận" in body["detail"]
    w["clock"].set_time(vn(2026, 3, 2, 9, 5))
    d = services.receive(actor=w["intake"], dossier=d, expected_version=d.version)
    assert intake.get(f"{BASE}/{d.code}/forms/01.pdf").status_code == 200
    for code in ("02", "03", "04"):
        assert_error(intake.get(f"{BASE}/{d.code}/forms/{code}.pdf"), 409, "form_not_available")


def test_forms_are_in_the_openapi_document(world):
    schema = client_for(world["intake"]).get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/dossiers/{code}/forms/{form_code}.pdf" in paths
    book = paths["/api/v1/dossiers/forms/06.pdf"]["get"]
    assert {p["name"] for p in book["parameters"]} == {"agency", "from", "to"}
