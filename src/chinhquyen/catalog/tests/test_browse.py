"""Browsing the catalog by agency and by life event: pages, API, search filter, demo seeds."""

from __future__ import annotations

import re

import pytest

from chinhquyen.audit.models import AuditRecord
from chinhquyen.catalog import importing, search, services
from chinhquyen.catalog.life_events import DEMO_LIFE_EVENTS
from chinhquyen.catalog.models import LifeEvent, Procedure, ProcedureAgency
from chinhquyen.catalog.tests.test_views import _no_inline_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(small_catalog) -> int:
    return services.load_demo_life_events()


@pytest.fixture
def links(small_catalog, agency_tree) -> int:
    return services.link_demo_agencies()


def test_demo_life_events_name_only_procedures_of_the_demo_catalog():
    shipped = {r["ma_thu_tuc"] for _, r in importing.read_records(services.DEMO_FIXTURE)}
    slugs = [slug for slug, *_ in DEMO_LIFE_EVENTS]
    assert len(slugs) == len(set(slugs)) >= 7
    for slug, name, description, event_codes in DEMO_LIFE_EVENTS:
        assert name.startswith("Khi ") and description
        assert len(event_codes) == len(set(event_codes)) >= 4
        assert set(event_codes) <= shipped, slug


def test_seeding_life_events_keeps_the_order_and_is_idempotent(events):
    assert events == len(DEMO_LIFE_EVENTS)
    birth = LifeEvent.objects.get(slug="khi-sinh-con")
    codes = list(birth.items.order_by("order").values_list("procedure__code", flat=True))
    # Only the procedures present in the (small) catalog, in the event's order.
    assert codes == ["1.001193", "1.000689", "2.000528"]
    assert services.load_demo_life_events() == 0
    assert AuditRecord.objects.filter(action="catalog.demo_life_events").count() == 1


def test_life_event_pages_list_events_with_counts_and_procedures_in_order(client, events):
    html = client.get("/thu-tuc/su-kien/").content.decode()
    _no_inline_code(html)
    assert "Khi sinh con" in html and "Khi kết hôn" in html
    assert re.search(r"Khi sinh con</a>\s*<span[^>]*>\(3 thủ tục\)", html)
    page = client.get("/thu-tuc/su-kien/khi-sinh-con/")
    html = page.content.decode()
    assert page.status_code == 200
    _no_inline_code(html)
    positions = [html.index(f"/thu-tuc/{code}/") for code in ("1.001193", "1.000689", "2.000528")]
    assert positions == sorted(positions)
    assert "Thủ tục đăng ký kết hôn" not in html
    assert client.get("/thu-tuc/su-kien/khong-co/").status_code == 404


def test_hidden_event_and_inactive_procedure_are_not_shown(client, events):
    LifeEvent.objects.filter(slug="khi-ket-hon").update(is_active=False)
    Procedure.objects.filter(code="1.000689").update(is_active=False)
    assert client.get("/thu-tuc/su-kien/khi-ket-hon/").status_code == 404
    html = client.get("/thu-tuc/su-kien/khi-sinh-con/").content.decode()
    assert "/thu-tuc/1.000689/" not in html and "/thu-tuc/1.001193/" in html


def test_demo_agency_links_follow_field_and_level(links, agency_tree):
    assert links > 0
    ward, justice = agency_tree["ward"], agency_tree["justice"]
    ward_codes = set(
        ProcedureAgency.objects.filter(agency=ward).values_list("procedure__code", flat=True)
    )
    assert {"1.001193", "1.000894", "2.000815"} <= ward_codes
    assert "1.004222" not in ward_codes  # đăng ký thường trú: the police, not the ward
    justice_codes = set(
        ProcedureAgency.objects.filter(agency=justice).values_list("procedure__code", flat=True)
    )
    assert "3.000333" in justice_codes and "1.001193" not in justice_codes
    assert services.link_demo_agencies() == 0  # procedures with agencies are left alone


def test_browse_by_agency_page_groups_agencies_with_counts(client, links, agency_tree):
    response = client.get("/thu-tuc/co-quan/")
    html = response.content.decode()
    assert response.status_code == 200
    _no_inline_code(html)
    ward = agency_tree["ward"]
    n = ProcedureAgency.objects.filter(agency=ward).values("procedure").distinct().count()
    assert "Sở, ban, ngành và UBND tỉnh" in html and "UBND phường, xã" in html
    assert f"?co_quan={ward.code}" in html
    assert re.search(rf"UBND phường Trường Vinh</a>\s*<span[^>]*>\({n} thủ tục\)", html)
    assert "Sở Xây dựng" not in html or "Sở Xây dựng</a>" in html
    # The link filters the list to that agency.
    listed = client.get("/thu-tuc/", {"co_quan": ward.code}).content.decode()
    assert (
        f"Tìm thấy {n} thủ tục" in listed and "Cơ quan: <strong>UBND phường Trường Vinh" in listed
    )
    assert 'name="co_quan" value="000.00.51.H41"' in listed


def test_list_page_links_to_browse_pages_and_filters_by_event(client, events):
    html = client.get("/thu-tuc/").content.decode()
    assert 'href="/thu-tuc/su-kien/"' in html and 'href="/thu-tuc/co-quan/"' in html
    listed = client.get("/thu-tuc/", {"su_kien": "khi-sinh-con", "q": "khai sinh"})
    assert "Tìm thấy 3 thủ tục" in listed.content.decode()
    home = client.get("/").content.decode()
    assert 'href="/thu-tuc/su-kien/"' in home and 'href="/thu-tuc/co-quan/"' in home


def test_search_filter_by_life_event(events):
    result = search.search("", life_event="khi-ket-hon")
    assert {p.code for p in result.items} == {"1.004873", "1.000894", "2.000806", "1.004746"}
    within = {p.code for p in search.search("kết hôn", life_event="khi-sinh-con").items}
    assert within <= {"1.001193", "1.000689", "2.000528"}  # never "Thủ tục đăng ký kết hôn"
    assert search.search("", life_event="khong-co").total == 0


def test_api_life_events_and_filters(client, events, links, agency_tree):
    data = client.get("/api/v1/procedures/life-events").json()
    assert [e["slug"] for e in data][:2] == ["khi-sinh-con", "khi-ket-hon"]
    birth = data[0]
    assert birth["count"] == 3 and birth["url"] == "/thu-tuc/su-kien/khi-sinh-con/"
    assert [p["code"] for p in birth["procedures"]] == ["1.001193", "1.000689", "2.000528"]
    one = client.get("/api/v1/procedures/life-events/khi-ket-hon").json()
    assert one["name"] == "Khi kết hôn" and one["count"] == 4
    assert client.get("/api/v1/procedures/life-events/khong-co").status_code == 404
    filtered = client.get("/api/v1/procedures", {"life_event": "khi-ket-hon"}).json()
    assert filtered["total"] == 4
    both = client.get(
        "/api/v1/procedures",
        {"life_event": "khi-sinh-con", "agency": agency_tree["ward"].code},
    ).json()
    assert {i["code"] for i in both["items"]} == {"1.001193", "1.000689", "2.000528"}
    justice = client.get(
        "/api/v1/procedures", {"life_event": "khi-sinh-con", "agency": "000.00.01.H41"}
    ).json()
    assert justice["total"] == 0
