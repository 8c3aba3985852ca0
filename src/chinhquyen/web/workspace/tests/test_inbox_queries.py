"""A page of an inbox costs the same number of queries whatever the number of its rows.

Rows are read in two steps (the page's ids, then those rows with their procedure, agency and
current step): no row may trigger a query of its own (a deferred column read by the page, a
relation not loaded), or a page of 25 would issue dozens of them.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chinhquyen.dossiers import inboxes, services
from chinhquyen.dossiers.tests.conftest import (
    applicant,
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


def _page(user, box: str, **params) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    url = reverse("workspace:inbox", kwargs={"box": box})
    client.get(url, params)  # sessions, calendars and templates warmed up
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


@pytest.mark.parametrize(
    ("who", "box"),
    [
        ("specialist", "viec-cua-toi"),
        ("specialist", "don-vi"),
        ("specialist", "cho-ben-khac"),
        ("leader", "cho-phe-duyet"),
        ("intake", "cho-tiep-nhan"),
    ],
)
def test_queries_of_a_page_do_not_grow_with_its_rows(world, who, box):
    w = world
    few = 2
    made = [_dossier_for(w, box) for _ in range(few)]
    queries_few, html = _page(w[who], box)
    assert all(d.code in html for d in made)
    made += [_dossier_for(w, box) for _ in range(6)]
    queries_more, html = _page(w[who], box)
    assert all(d.code in html for d in made)
    assert f"{len(made)} hồ sơ" in html
    assert queries_more == queries_few
    assert queries_few <= 20


def test_a_page_past_the_first_holds_the_next_rows_in_order(world):
    w = world
    made = [processing_dossier(w) for _ in range(27)]
    by_code = sorted(made, key=lambda d: d.code)
    spec = w["specialist"]
    ids = [
        d.code
        for d in inboxes.filter_box(inboxes.box_queryset(spec, "viec-cua-toi"), sort="ma")[25:27]
    ]
    assert ids == [d.code for d in by_code[25:]]
    queries, html = _page(spec, "viec-cua-toi", **{"sap-xep": "ma", "trang": 2})
    assert by_code[26].code in html and by_code[0].code not in html


def _dossier_for(w, box: str):
    if box == "cho-tiep-nhan":
        return online_dossier(w)
    d = processing_dossier(w)
    if box == "cho-ben-khac":
        return services.request_supplement(
            actor=w["specialist"], dossier=d, expected_version=d.version,
            items=[{"name": "Bản sao giấy khai sinh", "reason": "Bản chụp mờ"}],
        )  # fmt: skip
    if box == "cho-phe-duyet":
        return run_steps(w, d, until=3)
    return d
