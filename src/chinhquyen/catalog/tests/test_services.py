"""The one door: permission, validation, versions, audit and events for every change."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from chinhquyen.accounts.models import Role
from chinhquyen.audit.models import AuditRecord
from chinhquyen.catalog import search, selectors, services
from chinhquyen.catalog.models import (
    OnlineLevel,
    Procedure,
    ProcedureAgency,
    ProcedureVersion,
    ProcessStep,
)
from chinhquyen.conftest import make_official
from chinhquyen.events.models import OutboxEvent

pytestmark = pytest.mark.django_db

FIVE_DAYS = [
    {"channel": "direct", "time_value": "5", "time_unit": "working_day", "fee_amount": 50000}
]


@pytest.fixture
def procedure(admin_user):
    p = services.create_procedure(actor=admin_user, code="1.999001", name="Cấp giấy phép thử nghiệm",
                                  field="Thử nghiệm", at_province=True)  # fmt: skip
    return services.set_channels(actor=admin_user, procedure=p, channels=FIVE_DAYS)


def test_create_writes_version_audit_and_event(admin_user):
    p = services.create_procedure(
        actor=admin_user, code=" 1.999002.000.00.00.H41 ", name="  Thủ tục  mới "
    )
    assert (p.code, p.base_code, p.code_suffix, p.name) == (
        "1.999002.000.00.00.H41",
        "1.999002",
        "000.00.00.H41",
        "Thủ tục mới",
    )
    assert p.version == 1 and p.versions.count() == 1
    record = AuditRecord.objects.get(action="catalog.procedure.create")
    assert record.actor_id == admin_user.pk and record.object_id == str(p.pk)
    assert OutboxEvent.objects.filter(
        event_type="catalog.procedure.changed", aggregate_id=str(p.pk)
    ).exists()


@pytest.mark.parametrize("who", ["justice_leader", "justice_specialist", "ward_clerk"])
def test_only_the_province_administrator_manages_the_catalog(officials, who, procedure):
    with pytest.raises(PermissionDenied):
        services.create_procedure(actor=officials[who], code="1.999003", name="X")
    with pytest.raises(PermissionDenied):
        services.update_procedure(actor=officials[who], procedure=procedure, name="Y")


def test_citizen_cannot_change_anything(citizen, procedure):
    with pytest.raises(PermissionDenied):
        services.update_procedure(actor=citizen, procedure=procedure, name="Y")


def test_invalid_values_are_refused_in_vietnamese(admin_user, procedure):
    with pytest.raises(ValidationError) as info:
        services.create_procedure(actor=admin_user, code="1.99", name="X")
    assert "Mã thủ tục" in str(info.value)
    with pytest.raises(ValidationError):
        services.create_procedure(actor=admin_user, code="1.999001", name="Trùng mã")
    with pytest.raises(ValidationError):
        services.update_procedure(actor=admin_user, procedure=procedure, name="   ")
    with pytest.raises(ValidationError):
        services.update_procedure(actor=admin_user, procedure=procedure, online_level="level4")
    with pytest.raises(ValidationError):
        services.set_channels(actor=admin_user, procedure=procedure, channels=[{"channel": "fax"}])
    with pytest.raises(ValidationError):
        services.set_channels(actor=admin_user, procedure=procedure,
                              channels=[{"channel": "direct", "fee_amount": "12.5"}])  # fmt: skip


def test_each_edit_is_audited_with_its_diff_and_versioned(admin_user, procedure):
    before = AuditRecord.objects.count()
    services.update_procedure(actor=admin_user, procedure=procedure, name="Cấp giấy phép thử nghiệm (sửa)",
                              online_level=OnlineLevel.FULL)  # fmt: skip
    services.update_procedure(
        actor=admin_user, procedure=procedure, name="Cấp giấy phép thử nghiệm (sửa)"
    )
    records = list(AuditRecord.objects.order_by("seq")[before:])
    assert [r.action for r in records] == ["catalog.procedure.update"]  # the no-op wrote nothing
    assert records[0].changes["name"] == {
        "before": "Cấp giấy phép thử nghiệm",
        "after": "Cấp giấy phép thử nghiệm (sửa)",
    }
    procedure.refresh_from_db()
    assert procedure.version == 3  # create, channels, update
    assert procedure.versions.get(number=2).snapshot["name"] == "Cấp giấy phép thử nghiệm"
    assert procedure.versions.get(number=3).snapshot["online_level"] == "full"


def test_versions_are_immutable(procedure):
    version = procedure.versions.first()
    version.reason = "sửa"
    with pytest.raises(ValidationError):
        version.save()
    with pytest.raises(ValidationError):
        version.delete()


def test_version_in_force_for_a_dossier_received_before_a_change(admin_user, procedure):
    received_under = services.version_in_force(procedure)
    services.update_procedure(actor=admin_user, procedure=procedure, name="Tên mới")
    assert (
        services.version_in_force(procedure, at=received_under.created_at).number
        == received_under.number
    )
    assert services.version_in_force(procedure).number == received_under.number + 1


def test_channels_drive_the_online_level(admin_user, procedure):
    assert procedure.online_level == OnlineLevel.NONE
    services.set_channels(actor=admin_user, procedure=procedure,
                          channels=FIVE_DAYS + [{"channel": "online", "time_value": 3, "time_unit": "working_day"}])  # fmt: skip
    procedure.refresh_from_db()
    assert procedure.online_level == OnlineLevel.UNSPECIFIED and procedure.accepts_online
    services.set_channels(actor=admin_user, procedure=procedure, channels=FIVE_DAYS)
    procedure.refresh_from_db()
    assert procedure.online_level == OnlineLevel.NONE


STEPS = [
    {"name": "Tiếp nhận hồ sơ", "responsible_role": Role.INTAKE_OFFICER, "allowance_hours": 4},
    {
        "name": "Thẩm định",
        "responsible_role": Role.SPECIALIST,
        "responsible_unit": "Phòng Hộ tịch",
        "allowance_hours": 28,
    },
    {"name": "Ký duyệt", "responsible_role": Role.AGENCY_LEADER, "allowance_hours": 8},
]


def test_process_steps_must_add_up_to_the_procedure_time(admin_user, procedure):
    assert services.expected_hours(procedure) == Decimal(40)
    with pytest.raises(ValidationError) as info:
        services.set_process(actor=admin_user, procedure=procedure, steps=STEPS[:2])
    assert "phải bằng thời hạn giải quyết 40 giờ" in str(info.value)
    with pytest.raises(ValidationError):
        services.set_process(
            actor=admin_user, procedure=procedure, steps=[{**STEPS[0], "allowance_hours": 0}]
        )
    with pytest.raises(ValidationError):
        services.set_process(
            actor=admin_user, procedure=procedure, steps=[{**STEPS[0], "responsible_role": "boss"}]
        )
    rows = services.set_process(actor=admin_user, procedure=procedure, steps=STEPS)
    assert [s.position for s in rows] == [1, 2, 3]
    assert AuditRecord.objects.filter(action="catalog.procedure.process").count() == 1


def test_an_agency_may_have_its_own_process(admin_user, officials, agency_tree, procedure):
    services.set_process(actor=admin_user, procedure=procedure, steps=STEPS)
    ward = agency_tree["ward"]
    own = [{**STEPS[0], "allowance_hours": 8}, {**STEPS[1], "allowance_hours": 24}, STEPS[2]]
    leader = make_official("chutich.phuong", ward, Role.AGENCY_LEADER)
    with pytest.raises(PermissionDenied):
        services.set_process(
            actor=officials["justice_leader"], procedure=procedure, steps=own, agency=ward
        )
    with pytest.raises(PermissionDenied):
        services.set_process(
            actor=leader, procedure=procedure, steps=own
        )  # not the province default
    services.set_process(actor=leader, procedure=procedure, steps=own, agency=ward)
    assert [s.allowance_hours for s in selectors.process_for(procedure, ward)] == [8, 24, 8]
    assert [
        s.allowance_hours for s in selectors.process_for(procedure, agency_tree["justice"])
    ] == [4, 28, 8]
    services.set_process(actor=leader, procedure=procedure, steps=[], agency=ward)
    assert not ProcessStep.objects.filter(agency=ward).exists()
    assert (
        procedure.versions.order_by("-number").first().snapshot["process"][""][0]["name"]
        == "Tiếp nhận hồ sơ"
    )


def test_local_agencies_are_linked_and_filterable(admin_user, agency_tree, procedure):
    services.set_agencies(actor=admin_user, procedure=procedure, links=[
        (agency_tree["justice"], ProcedureAgency.Role.IMPLEMENTING),
        (agency_tree["root"], ProcedureAgency.Role.COMPETENT),
    ])  # fmt: skip
    assert set(procedure.agencies.values_list("code", flat=True)) == {
        "000.00.01.H41",
        "000.00.00.H41",
    }
    assert [p.code for p in search.search("", agency="000.00.01.h41").items] == ["1.999001"]
    assert search.search("", agency="000.00.02.H41").total == 0
    with pytest.raises(ValidationError):
        services.set_agencies(
            actor=admin_user, procedure=procedure, links=[(agency_tree["root"], "owner")]
        )


def test_search_index_follows_every_change(admin_user, procedure):
    assert [p.code for p in search.search("thu nghiem").items] == ["1.999001"]
    services.update_procedure(actor=admin_user, procedure=procedure, name="Cấp chứng nhận an toàn")
    renamed = Procedure.objects.get()
    assert (
        renamed.search_name == "cap chung nhan an toan" and "thu nghiem" in renamed.search_body
    )  # field
    assert [p.code for p in search.search("chung nhan an toan").items] == ["1.999001"]
    services.update_procedure(actor=admin_user, procedure=procedure, is_active=False)
    assert search.search("chung nhan an toan").total == 0
    assert search.search("chung nhan an toan", include_inactive=True).total == 1


def test_rebuild_search_index(procedure):
    Procedure.objects.update(search_name="", search_body="")
    search.index_procedures(None)
    assert search.search("thu nghiem").total == 0
    assert services.rebuild_search_index() == 1
    assert search.search("thu nghiem").total == 1


@given(st.integers(min_value=1, max_value=2000))
def test_demo_process_adds_up_exactly(half_hours):
    total = Decimal(half_hours) / 2
    steps = services.demo_process(total)
    if steps:
        assert sum(Decimal(s["allowance_hours"]) for s in steps) == total
        assert all(Decimal(s["allowance_hours"]) > 0 for s in steps)


def test_demo_catalog_has_real_procedures_with_processes(demo_catalog):
    assert demo_catalog.created > 300 and not demo_catalog.rejected
    assert (
        Procedure.objects.filter(at_province=True).exists()
        and Procedure.objects.filter(at_commune=True).exists()
    )
    with_process = Procedure.objects.filter(process_steps__isnull=False).distinct()
    assert with_process.count() > 150  # those whose time is in working days or hours
    for p in with_process.prefetch_related("channels")[:50]:
        total = sum(s.allowance_hours for s in p.process_steps.all())
        assert total == services.expected_hours(p)
    assert ProcedureVersion.objects.filter(reason__contains="minh họa").exists()
    again = services.load_demo_catalog()
    assert again.created == 0 and again.unchanged == demo_catalog.created


def test_editing_papers_keeps_the_rows_of_papers_that_stay(admin_user, procedure):
    """Dossiers' submitted papers point at these rows: an edit must not orphan them."""
    services.set_papers(
        actor=admin_user,
        procedure=procedure,
        papers=[
            {"name": "Tờ khai đăng ký khai sinh", "originals": 1},
            {"name": "Giấy chứng sinh", "originals": 1},
        ],
    )
    ids = {p.name: p.pk for p in procedure.papers.all()}
    services.set_papers(
        actor=admin_user,
        procedure=procedure,
        papers=[
            {"name": "Giấy chứng sinh", "originals": 1, "copies": 1},
            {"name": "Văn bản ủy quyền", "copies": 1},
        ],
    )
    after = {p.name: p for p in procedure.papers.order_by("position")}
    assert set(after) == {"Giấy chứng sinh", "Văn bản ủy quyền"}
    assert after["Giấy chứng sinh"].pk == ids["Giấy chứng sinh"]
    assert after["Giấy chứng sinh"].position == 0 and after["Giấy chứng sinh"].copies == 1
    assert after["Văn bản ủy quyền"].pk not in ids.values()
