"""The workspace screen /can-bo/lich/ and the Django admin, both writing through the services."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chinhquyen.audit.models import AuditRecord
from chinhquyen.calendars.models import CalendarDay
from chinhquyen.calendars.tests.conftest import verified_client

pytestmark = pytest.mark.django_db
URL = "/can-bo/lich/"


def test_an_official_sees_the_year_at_a_glance(seeded, officials):
    client = Client()
    client.force_login(officials["justice_specialist"])
    response = client.get(URL, {"year": "2026"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lịch làm việc năm 2026" in html
    assert html.count('<table class="cal-month">') == 12
    assert (
        'class="cal-holiday"' in html
        and 'class="cal-rest cal-worked"' in html
        and 'class="cal-swap"' in html
    )
    assert "Ngày Văn hóa Việt Nam" in html
    assert "calendars/calendar.css" in html
    assert not re.search(
        r"<style|style=\"|<script>", html
    )  # strict CSP: no inline styles or scripts
    assert "Thêm hoặc sửa một ngày" not in html  # no edit form for a specialist


def test_agency_calendar_and_unseeded_year(seeded, officials, agency_tree):
    client = verified_client(officials["admin"])
    code = agency_tree["justice"].code
    CalendarDay.objects.create(
        date="2026-03-26", agency=agency_tree["justice"], kind="holiday", name="Ngày riêng"
    )
    html = client.get(URL, {"year": "2026", "agency": code}).content.decode()
    assert "cal-holiday cal-agency" in html and "Riêng " + code in html
    html = client.get(URL, {"year": "2035"}).content.decode()
    assert "chưa được khởi tạo" in html


def test_the_administrator_adds_and_removes_a_day(seeded, officials):
    client = verified_client(officials["admin"])
    response = client.post(
        URL,
        {
            "action": "add",
            "year": "2027",
            "date": "2027-01-08",
            "kind": "day_off_swap",
            "name": "Ngày nghỉ (thay cho ngày 16/01/2027)",
            "legal_source": "Văn bản thử",
            "pair_date": "2027-01-16",
            "agency": "",
        },
    )
    assert response.status_code == 302 and "year=2027" in response["Location"]
    day = CalendarDay.objects.get(date="2027-01-08", agency__isnull=True)
    assert day.origin == "admin"
    assert AuditRecord.objects.filter(
        action="calendars.override_saved", object_id=str(day.pk)
    ).exists()
    html = client.get(response["Location"]).content.decode()
    assert "Đã lưu ngày 08/01/2027" in html
    response = client.post(URL, {"action": "remove", "day_id": day.pk, "year": "2027"})
    assert response.status_code == 302
    day.refresh_from_db()
    assert not day.is_active
    assert AuditRecord.objects.filter(action="calendars.override_removed").exists()


def test_service_errors_show_on_the_form(seeded, officials):
    client = verified_client(officials["admin"])
    response = client.post(
        URL,
        {
            "action": "add",
            "year": "2027",
            "date": "2027-01-09",
            "kind": "day_off_swap",
            "name": "Sai",
        },
    )
    assert response.status_code == 200
    assert "vốn là ngày nghỉ" in response.content.decode()
    assert not CalendarDay.objects.filter(date="2027-01-09").exists()


def test_others_may_not_post_and_citizens_may_not_look(seeded, officials, citizen):
    client = Client()
    client.force_login(officials["justice_leader"])
    response = client.post(
        URL, {"action": "add", "date": "2027-01-08", "kind": "holiday", "name": "x"}
    )
    assert response.status_code == 403
    client = Client()
    client.force_login(citizen)
    assert client.get(URL).status_code == 403
    assert Client().get(URL).status_code == 302  # to the login page


def test_admin_site_edits_go_through_the_services(seeded, django_user_model):
    root = django_user_model.objects.create_superuser(
        "quantri.goc", "Mat-khau-thu-nghiem-2026", email="goc@example.vn"
    )
    client = verified_client(root)
    response = client.post(
        "/quan-tri/calendars/calendarday/add/",
        {
            "date": "2027-01-08",
            "kind": "holiday",
            "name": "Nghỉ qua trang quản trị",
            "legal_source": "",
            "pair_date": "",
            "agency": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    day = CalendarDay.objects.get(date="2027-01-08", agency__isnull=True)
    assert day.origin == "admin"
    record = AuditRecord.objects.get(action="calendars.override_saved")
    assert record.object_id == str(day.pk) and record.actor_id == root.pk
    response = client.post(
        f"/quan-tri/calendars/calendarday/{day.pk}/change/",
        {
            "date": "2027-01-08",
            "kind": "worked_day",
            "name": "Sai loại",
            "legal_source": "",
            "pair_date": "",
            "agency": "",
        },
    )
    assert response.status_code == 200 and "vốn là ngày làm việc" in response.content.decode()
    response = client.post(f"/quan-tri/calendars/calendarday/{day.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    day.refresh_from_db()
    assert not day.is_active
    assert AuditRecord.objects.filter(action="calendars.override_removed").count() == 1
