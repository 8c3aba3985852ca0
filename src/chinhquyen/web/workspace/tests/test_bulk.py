"""Leaders: approve or send back several dossiers at once; the late-work overview."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse

from chinhquyen.audit.models import AuditRecord
from chinhquyen.dossiers.models import DossierEvent, Status
from chinhquyen.dossiers.tests.conftest import (
    applicant,
    calendar_seeded,
    desk,
    frozen,
    people,
    procedure,
    processing_dossier,
    run_steps,
    stranger,
    world,
)

FIXTURES = (applicant, calendar_seeded, desk, frozen, people, procedure, stranger, world)
BULK = reverse("workspace:bulk_decide")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def at_last_step(w):
    return run_steps(w, processing_dossier(w), until=2)


def test_the_approval_box_is_a_checkbox_list_with_one_opinion(world):
    w = world
    d = at_last_step(w)
    html = (
        client_for(w["leader"])
        .get(reverse("workspace:inbox", kwargs={"box": "cho-phe-duyet"}))
        .content.decode()
    )
    assert f'name="ma" value="{d.code}"' in html
    assert f'name="v-{d.code}" value="{d.version}"' in html
    assert "Phê duyệt các hồ sơ đã chọn" in html and 'name="y-kien"' in html


def test_bulk_approval_calls_the_service_once_per_dossier_and_reports_each(world):
    w = world
    one, two, stale = at_last_step(w), at_last_step(w), at_last_step(w)
    middle = run_steps(w, processing_dossier(w), until=1)  # step 2: not ready for a decision
    data = {
        "quyet-dinh": "phe-duyet",
        "y-kien": "Đồng ý cấp.",
        "ma": [one.code, two.code, stale.code, middle.code, "000.00.02.H41-260302-0001"],
        f"v-{one.code}": one.version,
        f"v-{two.code}": two.version,
        f"v-{stale.code}": stale.version - 1,
        f"v-{middle.code}": middle.version,
    }
    response = client_for(w["leader"]).post(BULK, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thành công: 2 hồ sơ" in html and "Không thực hiện được: 3 hồ sơ" in html
    assert "Hồ sơ vừa được người khác cập nhật" in html
    assert "chưa qua hết các bước" in html
    assert "Không mở được hồ sơ có mã này" in html
    for d, status in ((one, Status.APPROVED), (two, Status.APPROVED), (stale, Status.PROCESSING)):
        d.refresh_from_db()
        assert d.status == status
    records = AuditRecord.objects.filter(action="dossiers.approve")
    assert records.count() == 2
    assert {r.object_label for r in records} == {one.code, two.code}
    assert DossierEvent.objects.get(dossier=one, action="approve").opinion == "Đồng ý cấp."


def test_bulk_return_needs_an_opinion_then_sends_each_back(world):
    w = world
    d = at_last_step(w)
    client = client_for(w["leader"])
    refused = client.post(
        BULK, {"quyet-dinh": "tra-lai", "ma": [d.code], f"v-{d.code}": d.version}, follow=True
    )
    assert "Trả lại hồ sơ cần ghi ý kiến" in refused.content.decode()
    d.refresh_from_db()
    assert d.current_step.position == 3
    response = client.post(
        BULK,
        {"quyet-dinh": "tra-lai", "y-kien": "Xem lại đề xuất.", "ma": [d.code],
         f"v-{d.code}": d.version},
    )  # fmt: skip
    assert "Thành công: 1 hồ sơ" in response.content.decode()
    d.refresh_from_db()
    assert d.current_step.position == 2 and d.status == Status.PROCESSING


def test_only_leaders_can_decide_and_another_agency_learns_nothing(world):
    w = world
    d = at_last_step(w)
    data = {"quyet-dinh": "phe-duyet", "ma": [d.code], f"v-{d.code}": d.version}
    html = client_for(w["specialist"]).post(BULK, data).content.decode()
    assert "Không thực hiện được: 1 hồ sơ" in html and "không có quyền" in html
    html = client_for(w["building_leader"]).post(BULK, data).content.decode()
    assert "Không mở được hồ sơ có mã này" in html
    d.refresh_from_db()
    assert d.status == Status.PROCESSING
    assert client_for(w["applicant"]).post(BULK, data).status_code == 403


def test_the_overview_lists_late_steps_and_nearly_due_dossiers(world):
    w = world
    d = processing_dossier(w)
    step_due = d.current_step.due_at
    w["clock"].set_time(step_due + timedelta(hours=1))
    page = client_for(w["leader"]).get(reverse("workspace:watch"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Bước xử lý quá hạn (1)" in html and d.code in html
    w["clock"].set_time(d.due_at - timedelta(hours=2))
    html = client_for(w["leader"]).get(reverse("workspace:watch")).content.decode()
    assert "Hồ sơ sắp đến hạn hoặc quá hạn (1)" in html
    html = client_for(w["building_leader"]).get(reverse("workspace:watch")).content.decode()
    assert d.code not in html
