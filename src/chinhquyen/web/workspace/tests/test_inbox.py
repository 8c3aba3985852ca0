"""Inboxes: who finds which dossier where, working days left, filters, pages, htmx partials."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from chinhquyen.dossiers import inboxes, services
from chinhquyen.dossiers.models import Status
from chinhquyen.dossiers.tests.conftest import (
    applicant,
    build_procedure,
    calendar_seeded,
    desk,
    frozen,
    online_dossier,
    people,
    procedure,
    processing_dossier,
    run_steps,
    stranger,
    world,
)

FIXTURES = (applicant, calendar_seeded, desk, frozen, people, procedure, stranger, world)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def box_url(box: str) -> str:
    return reverse("workspace:inbox", kwargs={"box": box})


def codes_in(user, box: str) -> set[str]:
    return set(inboxes.box_queryset(user, box).values_list("code", flat=True))


def test_each_box_holds_what_waits_for_its_official(world):
    w = world
    online = online_dossier(w)
    mine = processing_dossier(w)  # step 1: the specialists' pool
    at_head = run_steps(w, processing_dossier(w), until=1)  # step 2: the unit head's
    at_leader = run_steps(w, processing_dossier(w), until=2)  # step 3, the last: the leader's
    waiting = processing_dossier(w)
    waiting = services.request_supplement(
        actor=w["specialist"], dossier=waiting, expected_version=waiting.version,
        items=[{"name": "Bản sao giấy khai sinh", "reason": "Bản chụp mờ"}],
    )  # fmt: skip
    approved = run_steps(w, processing_dossier(w), until=2)
    approved = services.approve(
        actor=w["leader"], dossier=approved, expected_version=approved.version
    )

    assert codes_in(w["intake"], "cho-tiep-nhan") == {online.code}
    assert codes_in(w["specialist"], "cho-tiep-nhan") == set()
    assert codes_in(w["specialist"], "viec-cua-toi") == {mine.code}
    assert codes_in(w["head"], "viec-cua-toi") == {at_head.code}
    assert at_leader.code in codes_in(w["leader"], "viec-cua-toi")
    # Approval: the leader at the last step; the unit head's middle step is not a decision.
    decided = run_steps(w, processing_dossier(w), until=3)  # every step done: the decision
    assert decided.status == Status.PENDING_DECISION
    assert codes_in(w["leader"], "cho-phe-duyet") == {at_leader.code, decided.code}
    # A unit head may decide too (workflow: approve is for leaders), but not at a middle step.
    assert codes_in(w["head"], "cho-phe-duyet") == {decided.code}
    assert codes_in(w["specialist"], "cho-ben-khac") == {waiting.code}
    assert codes_in(w["intake"], "cho-tra") == {approved.code}
    unit = codes_in(w["leader"], "don-vi")
    assert {mine.code, at_head.code, at_leader.code, waiting.code, approved.code} <= unit
    assert decided.code in unit
    assert online.code not in unit  # not received yet: the desk's box
    # Another agency sees none of it, in any box.
    for box in inboxes.BOX_BY_SLUG:
        assert codes_in(w["building_specialist"], box) == set(), box


def test_a_consulted_agency_finds_the_request_in_its_work(world):
    w = world
    d = processing_dossier(w)
    d = services.consult(
        actor=w["specialist"], dossier=d, expected_version=d.version, agency=w["building"],
        question="Cho ý kiến.", working_days=3,
    )  # fmt: skip
    assert codes_in(w["building_specialist"], "viec-cua-toi") == {d.code}
    assert d.code in codes_in(w["specialist"], "cho-ben-khac")


def test_rows_tell_working_days_left_in_words_and_class(world):
    w = world
    clock = w["clock"]
    d = processing_dossier(w)  # received Monday 02/03 09:00, 5 working days
    client = client_for(w["specialist"])

    def due_cell() -> str:
        html = client.get(box_url("viec-cua-toi")).content.decode()
        assert d.code in html and "Lê Thị Cúc" in html
        assert "040190005678" not in html
        start = html.index('<span class="due ')
        return html[start : html.index("</span>", start)]

    assert "due-on-time" in due_cell() and "Còn 5 ngày làm việc" in due_cell()
    due = d.due_at
    clock.set_time(due - timedelta(days=3))  # the working day before a Monday due date: Friday
    assert due.weekday() == 0
    cell = due_cell()
    assert "due-tomorrow" in cell and "Đến hạn ngày làm việc tiếp theo" in cell
    clock.set_time(due - timedelta(hours=1))
    cell = due_cell()
    assert "due-today" in cell and "Đến hạn hôm nay" in cell
    clock.set_time(due + timedelta(days=1))
    cell = due_cell()
    assert "due-late" in cell and "Quá hạn 1 ngày làm việc" in cell


def test_filters_sort_and_htmx_partials(world, agency_tree):
    w = world
    other = build_procedure(w["agency"], code="1.001234")
    first = online_dossier(w)
    w["clock"].advance(hours=1)
    second = services.submit_online(actor=w["applicant"], procedure=other, agency=w["agency"])
    client = client_for(w["intake"])
    html = client.get(box_url("cho-tiep-nhan"), {"thu-tuc": "1.001234"}).content.decode()
    assert second.code in html and first.code not in html
    assert 'value="1.001234" selected' in html
    html = client.get(box_url("cho-tiep-nhan"), {"sap-xep": "ma"}).content.decode()
    assert html.index(first.code) < html.index(second.code)
    # htmx: only the rows, no page around them.
    partial = client.get(box_url("cho-tiep-nhan"), HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<html" not in body and first.code in body and "<table" in body
    nav = client.get(reverse("workspace:inbox_nav"), HTTP_HX_REQUEST="true").content.decode()
    assert box_url("cho-tiep-nhan") in nav and 'data-box="cho-tiep-nhan">' in nav
    assert (
        ">2<"
        in nav.split('data-box="cho-tiep-nhan">', 1)[1].replace(
            '<span class="visually-hidden">: </span>', ">"
        )[:40]
    )
    page = client.get(box_url("cho-tiep-nhan")).content.decode()
    assert 'aria-live="polite"' in page and 'hx-get="' in page


def test_due_filter_keeps_late_dossiers_only(world):
    w = world
    late = processing_dossier(w)
    w["clock"].set_time(late.due_at - timedelta(hours=2))
    fresh = processing_dossier(w)
    w["clock"].set_time(late.due_at + timedelta(hours=1))
    client = client_for(w["specialist"])
    html = client.get(box_url("viec-cua-toi"), {"han": "qua-han"}).content.decode()
    assert late.code in html and fresh.code not in html
    html = client.get(box_url("viec-cua-toi"), {"han": "3-ngay"}).content.decode()
    assert late.code in html


def test_pages_of_25_with_bounded_queries(world, django_assert_max_num_queries):
    w = world
    made = [online_dossier(w) for _ in range(27)]
    client = client_for(w["intake"])
    with django_assert_max_num_queries(25):
        first = client.get(box_url("cho-tiep-nhan"), {"sap-xep": "ma"})
    html = first.content.decode()
    assert "27 hồ sơ" in html and "trang 1/2" in html
    assert made[0].code in html and made[26].code not in html
    second = client.get(box_url("cho-tiep-nhan"), {"sap-xep": "ma", "trang": 2}).content.decode()
    assert made[26].code in second and made[0].code not in second


def test_home_shows_the_counters_and_unknown_boxes_are_404(world):
    w = world
    online_dossier(w)
    client = client_for(w["intake"])
    home = client.get(reverse("workspace:home")).content.decode()
    assert box_url("cho-tiep-nhan") in home and "Chờ tiếp nhận" in home
    assert client.get(box_url("khong-co")).status_code == 404


def test_a_citizen_has_no_inbox(world):
    w = world
    online_dossier(w)
    citizen = client_for(w["applicant"])
    assert citizen.get(box_url("cho-tiep-nhan")).status_code == 403
    assert citizen.get(reverse("workspace:inbox_nav")).status_code == 403
    assert inboxes.counts(w["applicant"]) == {}


@pytest.mark.parametrize("box", [b.slug for b in inboxes.BOXES])
def test_every_box_renders_for_the_province_leader(world, box):
    w = world
    processing_dossier(w)
    response = client_for(w["root_leader"]).get(box_url(box))
    assert response.status_code == 200
