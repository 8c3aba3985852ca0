"""/api/v1/calendar: public reads, administrator-only overrides, structured Vietnamese errors."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from chinhquyen.audit.models import AuditRecord
from chinhquyen.calendars.models import CalendarDay

pytestmark = pytest.mark.django_db
BASE = "/api/v1/calendar"


def test_days_of_a_year(seeded):
    response = Client().get(f"{BASE}/days", {"year": "2026"})
    assert response.status_code == 200
    body = response.json()
    assert body["seeded"] is True and body["agency"] is None
    by_date = {d["date"]: d for d in body["days"]}
    # Ngày Văn hóa Việt Nam, a holiday from 2026; the 2026 swap of 2/9 and its worked Saturday.
    assert by_date["2026-11-24"]["kind"] == "holiday"
    assert (
        by_date["2026-08-31"]["kind"] == "day_off_swap"
        and by_date["2026-08-31"]["pair_date"] == "2026-08-22"
    )
    assert (
        by_date["2026-08-22"]["kind"] == "worked_day"
        and by_date["2026-08-22"]["weekday"] == "Thứ Bảy"
    )
    assert body["office_hours"]["days"][0]["hours"] == "07:30–11:30, 13:30–17:00"


def test_due_in_working_days_and_hours(seeded):
    client = Client()
    response = client.get(f"{BASE}/due", {"start": "2026-02-12T09:00+07:00", "working_days": "5"})
    assert response.status_code == 200, response.content
    assert response.json()["due"] == "2026-02-26T09:00:00+07:00"
    response = client.get(f"{BASE}/due", {"start": "2026-02-12T02:00Z", "working_hours": "8"})
    assert response.json()["due"] == "2026-02-13T09:30:00+07:00"
    # An unencoded "+" arrives as a space: still understood.
    response = client.get(f"{BASE}/due?start=2026-02-12T09:00+07:00&working_days=5")
    assert response.json()["due"] == "2026-02-26T09:00:00+07:00"


def test_due_with_paper_cutoff_pauses_and_restart(seeded):
    response = Client().get(
        f"{BASE}/due",
        {
            "start": "2026-03-05T15:30+07:00",
            "working_days": "2",
            "paper": "1",
            "cutoff": "15:00",
            "pause": ["2026-03-06T07:30+07:00/2026-03-09T07:30+07:00/chờ bổ sung"],
        },
    )
    body = response.json()
    assert response.status_code == 200, body
    assert body["cutoff_applied"] is True
    assert body["effective_start"] == "2026-03-06T07:30:00+07:00"
    assert body["due"] == "2026-03-10T17:00:00+07:00"
    assert body["pauses"][0]["reason"] == "chờ bổ sung"
    response = Client().get(
        f"{BASE}/due",
        {
            "start": "2026-03-02T09:00+07:00",
            "working_days": "1",
            "restart": ["2026-03-04T10:00+07:00"],
        },
    )
    assert response.json()["due"] == "2026-03-05T10:00:00+07:00"


def test_explain(seeded):
    response = Client().get(
        f"{BASE}/explain", {"start": "2026-02-12T09:00+07:00", "working_days": "5"}
    )
    body = response.json()
    assert response.status_code == 200
    assert body["due"] == "2026-02-26T09:00:00+07:00"
    days = {d["date"]: d for d in body["days"]}
    assert days["2026-02-17"]["status"] == "skipped" and "Tết" in days["2026-02-17"]["reason"]
    assert days["2026-02-13"]["counted_days"] == 1
    assert sum(d["counted_days"] for d in body["days"]) == pytest.approx(5)


@pytest.mark.parametrize(
    ("params", "status", "code", "words"),
    [
        ({"working_days": "5"}, 400, "missing_start", "start"),
        ({"start": "2026-02-12T09:00+07:00"}, 400, "missing_duration", "working_days"),
        (
            {"start": "2026-02-12T09:00+07:00", "working_days": "1", "working_hours": "1"},
            400,
            "missing_duration",
            "đúng một",
        ),
        ({"start": "12/02/2026 9h", "working_days": "5"}, 400, "calendar_error", "ISO 8601"),
        ({"start": "2026-02-12T09:00", "working_days": "5"}, 422, "naive_datetime", "múi giờ"),
        (
            {"start": "2026-02-12T09:00+07:00", "working_days": "-2"},
            422,
            "negative_duration",
            "không được âm",
        ),
        (
            {"start": "2026-02-12T09:00+07:00", "working_days": "năm"},
            422,
            "invalid_duration",
            "không phải là một số",
        ),
        (
            {"start": "2031-02-12T09:00+07:00", "working_days": "5"},
            422,
            "outside_seeded_years",
            "2031",
        ),
        (
            {"start": "2026-02-12T09:00+07:00", "working_days": "5", "agency": "000.99.99.H41"},
            422,
            "unknown_agency",
            "Không tìm thấy cơ quan",
        ),
        (
            {
                "start": "2026-02-12T09:00+07:00",
                "working_days": "5",
                "pause": "2026-02-13T09:00+07:00",
            },
            400,
            "calendar_error",
            "BẮT_ĐẦU/KẾT_THÚC",
        ),
        (
            {"start": "2026-02-12T09:00+07:00", "working_days": "5", "cutoff": "3pm"},
            400,
            "calendar_error",
            "giờ:phút",
        ),
    ],
)
def test_bad_input_gets_a_clear_json_error(seeded, params, status, code, words):
    response = Client().get(f"{BASE}/due", params)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert words in body["detail"]


def test_days_errors(seeded):
    assert Client().get(f"{BASE}/days").json()["code"] == "missing_year"
    assert Client().get(f"{BASE}/days", {"year": "abc"}).status_code == 400
    response = Client().get(f"{BASE}/days", {"year": "2026", "agency": "KHONG"})
    assert response.status_code == 422 and response.json()["code"] == "unknown_agency"
    assert Client().get(f"{BASE}/days", {"year": "2035"}).json()["seeded"] is False


def _post(client, data):
    return client.post(f"{BASE}/overrides", data=json.dumps(data), content_type="application/json")


SWAP = {
    "date": "2027-01-08",
    "kind": "day_off_swap",
    "name": "Ngày nghỉ (thay cho ngày 16/01/2027)",
    "legal_source": "Văn bản thử nghiệm",
    "pair_date": "2027-01-16",
}


def test_the_administrator_adds_an_override_and_the_next_deadline_changes(
    seeded, admin_client_verified
):
    params = {"start": "2027-01-07T09:00+07:00", "working_days": "1"}
    assert Client().get(f"{BASE}/due", params).json()["due"] == "2027-01-08T09:00:00+07:00"
    response = _post(admin_client_verified, SWAP)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (
        created["kind"] == "day_off_swap"
        and created["origin"] == "admin"
        and created["scope"] == "national"
    )
    assert Client().get(f"{BASE}/due", params).json()["due"] == "2027-01-11T09:00:00+07:00"
    record = AuditRecord.objects.get(action="calendars.override_saved")
    assert record.object_id == str(created["id"]) and record.source == "web"
    response = admin_client_verified.delete(f"{BASE}/overrides/{created['id']}")
    assert response.status_code == 204
    assert Client().get(f"{BASE}/due", params).json()["due"] == "2027-01-08T09:00:00+07:00"
    assert AuditRecord.objects.filter(action="calendars.override_removed").count() == 1


def test_an_agency_override_via_the_api(seeded, admin_client_verified, agency_tree):
    code = agency_tree["justice"].code
    response = _post(
        admin_client_verified,
        {"date": "2027-03-03", "kind": "holiday", "name": "Ngày riêng", "agency": code},
    )
    assert response.status_code == 201 and response.json()["agency"] == code
    params = {"start": "2027-03-02T09:00+07:00", "working_days": "1"}
    assert (
        Client().get(f"{BASE}/due", {**params, "agency": code}).json()["due"]
        == "2027-03-04T09:00:00+07:00"
    )
    assert Client().get(f"{BASE}/due", params).json()["due"] == "2027-03-03T09:00:00+07:00"


def test_a_citizen_gets_403(seeded, citizen):
    client = Client()
    client.force_login(citizen)
    response = _post(client, SWAP)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden" and "quản trị" in response.json()["detail"]
    day = CalendarDay.objects.first()
    assert client.delete(f"{BASE}/overrides/{day.pk}").status_code == 403
    assert not AuditRecord.objects.filter(action__startswith="calendars.override").exists()


def test_an_official_who_is_not_administrator_gets_403(seeded, officials):
    client = Client()
    client.force_login(officials["justice_leader"])
    assert _post(client, SWAP).status_code == 403


def test_anonymous_gets_401(seeded):
    assert _post(Client(), SWAP).status_code == 401


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({**SWAP, "kind": "nghi"}, "kind", "Loại ngày"),
        ({**SWAP, "date": "2027-01-09"}, "kind", "vốn là ngày nghỉ"),
        ({**SWAP, "date": "2040-01-09"}, "date", "chưa được khởi tạo"),
        ({**SWAP, "agency": "KHONG.CO"}, "agency", "Không tìm thấy cơ quan"),
        ({**SWAP, "date": "9/1/2027"}, "date", "năm-tháng-ngày"),
    ],
)
def test_bad_overrides_get_422(seeded, admin_client_verified, data, field, words):
    response = _post(admin_client_verified, data)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid" and words in " ".join(body["errors"][field])
    assert words in body["detail"]


def test_missing_date_and_unknown_id(seeded, admin_client_verified):
    response = _post(admin_client_verified, {"kind": "holiday", "name": "x"})
    assert response.status_code == 400 and response.json()["code"] == "missing_date"
    response = admin_client_verified.delete(f"{BASE}/overrides/999999")
    assert response.status_code == 404 and "999999" in response.json()["detail"]
