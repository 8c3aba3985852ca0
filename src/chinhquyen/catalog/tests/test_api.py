"""GET /api/v1/procedures…: search, detail, suggestions; documented in OpenAPI."""

import pytest

from chinhquyen.catalog import services
from chinhquyen.catalog.models import Procedure
from chinhquyen.catalog.tests.test_search import BAD_INPUT

pytestmark = pytest.mark.django_db


def test_search_returns_ranked_json(client, small_catalog):
    data = client.get("/api/v1/procedures", {"q": "dang ky khai sinh", "per_page": 3}).json()
    assert data["total"] > 3 and data["pages"] > 1 and data["mode"] == "text"
    first = data["items"][0]
    assert first == {
        "code": "1.001193",
        "name": "Thủ tục đăng ký khai sinh",
        "field": "Hộ tịch",
        "levels": ["commune"],
        "online_level": "unspecified",
        "online_level_label": "Có nộp trực tuyến (chưa xác định mức độ)",
        "url": "/thu-tuc/1.001193/",
    }


def test_filters_and_pages(client, small_catalog):
    data = client.get(
        "/api/v1/procedures", {"level": "province", "online": "yes", "per_page": 5, "page": 2}
    ).json()
    assert data["page"] == 2
    assert all(
        "province" in item["levels"] and item["online_level"] != "none" for item in data["items"]
    )
    data = client.get("/api/v1/procedures", {"q": "khai sinh", "field": "Hộ tịch"}).json()
    assert {item["field"] for item in data["items"]} == {"Hộ tịch"}


def test_corrections_are_reported(client, small_catalog):
    data = client.get("/api/v1/procedures", {"q": "khai xinh"}).json()
    assert data["corrections"] == {"xinh": ["sinh"]}
    assert data["items"][0]["code"] == "1.001193"


def test_detail_has_papers_fees_times_and_process(client, small_catalog, admin_user):
    p = Procedure.objects.get(code="1.001193")
    services.set_channels(actor=admin_user, procedure=p, channels=[
        {"channel": "direct", "time_value": "1", "time_unit": "working_day", "fee_amount": 8000, "fee_text": "8.000 đồng"},
    ])  # fmt: skip
    services.set_process(actor=admin_user, procedure=p, steps=[
        {"name": "Tiếp nhận", "allowance_hours": 2}, {"name": "Giải quyết", "allowance_hours": 6},
    ])  # fmt: skip
    response = client.get("/api/v1/procedures/1.001193")
    assert response.status_code == 200
    data = response.json()
    assert data["channels"] == [{
        "channel": "direct", "channel_label": "Trực tiếp", "time_value": "1", "time_unit": "working_day",
        "time_label": "1 ngày làm việc", "fee_amount": 8000, "fee_currency": "VND", "fee_text": "8.000 đồng",
        "fee_description": "", "description": "",
    }]  # fmt: skip
    assert data["papers"] and data["papers"][0]["name"]
    assert [s["allowance_hours"] for s in data["process"]] == ["2", "6"]
    assert data["version"] >= 3 and data["base_code"] == "1.001193" and data["code_suffix"] == ""


def test_unknown_code_is_a_structured_404(client, small_catalog):
    for code in ("9.999999", "abc", "1.001193.X" * 10):
        response = client.get(f"/api/v1/procedures/{code}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_suggest(client, small_catalog):
    data = client.get("/api/v1/procedures/suggest", {"q": "ket h", "limit": 3}).json()
    assert (
        len(data) <= 3 and data[0]["code"] == "1.000894" and data[0]["url"] == "/thu-tuc/1.000894/"
    )
    assert client.get("/api/v1/procedures/suggest", {"q": "k"}).json() == []


@pytest.mark.parametrize("query", BAD_INPUT)
def test_bad_input_is_never_a_server_error(client, small_catalog, query):
    response = client.get("/api/v1/procedures", {"q": query})
    assert response.status_code == 200
    assert client.get("/api/v1/procedures/suggest", {"q": query}).status_code == 200


def test_bad_parameters_are_a_clear_error(client, small_catalog):
    for params in ({"page": 0}, {"page": "abc"}, {"per_page": 1000}):
        response = client.get("/api/v1/procedures", params)
        assert response.status_code == 422
        assert response.json()["detail"]


def test_documented_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/procedures", "/api/v1/procedures/{code}", "/api/v1/procedures/suggest"} <= set(
        paths
    )
