"""The write side: permission, Vietnamese validation messages, and one audit record per write."""

import unicodedata

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chinhquyen.audit.models import AuditRecord
from chinhquyen.audit.services import verify_chain
from chinhquyen.lib import agency_code
from chinhquyen.organizations import services
from chinhquyen.organizations.models import Agency, Counter, Desk, Unit


def _errors(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def _audit(action: str) -> AuditRecord:
    return AuditRecord.objects.filter(action=action).get()


@pytest.mark.django_db
def test_create_agency_normalises_and_audits(agency_tree, officials):
    admin = officials["admin"]
    name = unicodedata.normalize("NFD", "  Sở  Nông nghiệp và Môi trường ")
    agency = services.create_agency(
        actor=admin,
        code=" 000.00.07.h41 ",
        name=name,
        kind="Sở, ban, ngành",  # the Vietnamese label is understood
        parent=agency_tree["root"],
        admin_unit=agency_tree["root"].admin_unit,
        short_name="SNNMT",
        phone="+84 238 3844 123",
        email=" VanPhong@NgheAn.gov.vn ",
    )
    agency.refresh_from_db()
    assert agency.code == "000.00.07.H41"
    assert agency.name == "Sở Nông nghiệp và Môi trường"
    assert unicodedata.is_normalized("NFC", agency.name)
    assert (agency.kind, agency.phone, agency.email) == (
        Agency.Kind.DEPARTMENT,
        "02383844123",
        "vanphong@nghean.gov.vn",
    )
    record = _audit("organizations.create_agency")
    assert (record.actor_id, record.object_id) == (admin.pk, str(agency.pk))
    assert record.changes["code"] == {"before": None, "after": "000.00.07.H41"}
    assert record.changes["parent"] == {"before": None, "after": "000.00.00.H41"}
    assert verify_chain().ok


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["", "000..00.H41", "000.00.00-H41", "A" * 36])
def test_bad_agency_code_gives_the_message_of_lib_agency_code(agency_tree, code):
    with pytest.raises(agency_code.InvalidAgencyCode) as expected:
        agency_code.validate(code)
    with pytest.raises(ValidationError) as excinfo:
        services.create_agency(actor=None, code=code, name="Sở Thử", kind="department")
    assert _errors(excinfo)["code"] == [str(expected.value)]
    assert not AuditRecord.objects.filter(action="organizations.create_agency").exists()


@pytest.mark.django_db
def test_create_agency_reports_every_bad_field_in_vietnamese(agency_tree):
    with pytest.raises(ValidationError) as excinfo:
        services.create_agency(
            actor=None,
            code="000.00.01.H41",  # taken by Sở Tư pháp
            name="   ",
            kind="bộ",
            phone="12345",
            email="khong-phai-email",
            short_name="X" * 61,
        )
    errors = _errors(excinfo)
    assert errors["code"] == ["Mã định danh 000.00.01.H41 đã được dùng cho cơ quan “Sở Tư pháp”."]
    assert errors["name"] == ["Tên cơ quan không được để trống."]
    assert errors["kind"][0].startswith("Loại cơ quan “bộ” không hợp lệ")
    assert errors["phone"][0].startswith("Số điện thoại không hợp lệ")
    assert errors["email"] == ["Địa chỉ thư điện tử “khong-phai-email” không hợp lệ."]
    assert errors["short_name"] == ["Tên viết tắt dài tối đa 60 ký tự (đang có 61)."]
    assert Agency.objects.count() == 4


@pytest.mark.django_db
def test_update_agency_audits_before_and_after(agency_tree, officials):
    justice = agency_tree["justice"]
    services.update_agency(
        actor=officials["admin"], agency=justice, name="Sở Tư pháp tỉnh Nghệ An", phone="0912345678"
    )
    justice.refresh_from_db()
    assert (justice.name, justice.phone) == ("Sở Tư pháp tỉnh Nghệ An", "0912345678")
    record = _audit("organizations.update_agency")
    assert record.changes == {
        "name": {"before": "Sở Tư pháp", "after": "Sở Tư pháp tỉnh Nghệ An"},
        "phone": {"before": "", "after": "0912345678"},
    }
    assert record.actor_id == officials["admin"].pk


@pytest.mark.django_db
def test_update_without_change_writes_nothing(agency_tree):
    services.update_agency(actor=None, agency=agency_tree["justice"], name=" Sở  Tư pháp ")
    assert not AuditRecord.objects.filter(action="organizations.update_agency").exists()


@pytest.mark.django_db
def test_update_agency_moves_it_under_another_parent(agency_tree):
    justice, building = agency_tree["justice"], agency_tree["building"]
    services.update_agency(actor=None, agency=justice, parent=building)
    assert Agency.objects.get(pk=justice.pk).parent == building
    assert _audit("organizations.update_agency").changes == {
        "parent": {"before": "000.00.00.H41", "after": "000.00.02.H41"}
    }


@pytest.mark.django_db
def test_parent_cycle_is_refused(agency_tree):
    root, justice = agency_tree["root"], agency_tree["justice"]
    message = "Cơ quan cấp trên không được là chính nó hoặc cấp dưới của nó."
    with pytest.raises(ValidationError) as excinfo:
        services.update_agency(actor=None, agency=root, parent=justice)
    assert _errors(excinfo)["parent"] == [message]
    with pytest.raises(ValidationError) as excinfo:
        services.update_agency(actor=None, agency=justice, parent=justice)
    assert _errors(excinfo)["parent"] == [message]
    assert Agency.objects.get(pk=root.pk).parent is None
    assert not AuditRecord.objects.filter(action="organizations.update_agency").exists()


@pytest.mark.django_db
def test_changing_the_code_checks_uniqueness_but_not_against_itself(agency_tree):
    justice = agency_tree["justice"]
    services.update_agency(actor=None, agency=justice, code="000.00.01.H41")  # its own code
    with pytest.raises(ValidationError) as excinfo:
        services.update_agency(actor=None, agency=justice, code="000.00.02.h41")
    assert "đã được dùng cho cơ quan “Sở Xây dựng”" in _errors(excinfo)["code"][0]
    services.update_agency(actor=None, agency=justice, code="000.00.11.H41")
    assert Agency.objects.filter(code="000.00.11.H41").exists()


@pytest.mark.django_db
def test_update_rejects_unknown_fields(agency_tree):
    with pytest.raises(TypeError):
        services.update_agency(actor=None, agency=agency_tree["justice"], colour="đỏ")


@pytest.mark.django_db
def test_unit_desk_counter_are_created_updated_deleted_with_audit(agency_tree, officials):
    admin, justice = officials["admin"], agency_tree["justice"]
    unit = services.create_unit(
        actor=admin, agency=justice, code="MC", name="Bộ phận Một cửa", is_one_stop=True
    )
    desk = services.create_desk(
        actor=admin,
        agency=justice,
        name="Một cửa Sở Tư pháp",
        address="Số 1 Lê Mao",
        opening_hours="7:30–11:30, 13:30–17:00",
    )
    counter = services.create_counter(
        actor=admin, desk=desk, number=1, label="Hộ tịch", serves=[justice, agency_tree["building"]]
    )
    assert Unit.objects.get(pk=unit.pk).is_one_stop
    assert set(counter.serves.values_list("code", flat=True)) == {"000.00.01.H41", "000.00.02.H41"}
    assert _audit("organizations.create_unit").changes["code"] == {"before": None, "after": "MC"}
    assert _audit("organizations.create_desk").actor_id == admin.pk
    assert _audit("organizations.create_counter").changes["serves"]["after"] == [
        "000.00.01.H41",
        "000.00.02.H41",
    ]

    services.update_unit(actor=admin, unit=unit, name="Bộ phận tiếp nhận và trả kết quả")
    services.update_desk(actor=admin, desk=desk, is_active=False)
    services.update_counter(actor=admin, counter=counter, serves=[justice], number=2)
    assert _audit("organizations.update_unit").changes["name"]["after"] == (
        "Bộ phận tiếp nhận và trả kết quả"
    )
    assert _audit("organizations.update_desk").changes == {
        "is_active": {"before": True, "after": False}
    }
    assert _audit("organizations.update_counter").changes == {
        "number": {"before": 1, "after": 2},
        "serves": {"before": ["000.00.01.H41", "000.00.02.H41"], "after": ["000.00.01.H41"]},
    }

    services.delete_counter(actor=admin, counter=counter)
    services.delete_desk(actor=admin, desk=desk)
    services.delete_unit(actor=admin, unit=unit)
    assert not Counter.objects.exists() and not Desk.objects.exists()
    assert not Unit.objects.filter(pk=unit.pk).exists()
    for noun in ("unit", "desk", "counter"):
        assert AuditRecord.objects.filter(action=f"organizations.delete_{noun}").count() == 1
    assert verify_chain().ok


@pytest.mark.django_db
def test_unit_desk_counter_validation_messages(agency_tree):
    justice = agency_tree["justice"]
    with pytest.raises(ValidationError) as excinfo:
        services.create_unit(actor=None, agency=justice, code="VP", name="Văn phòng 2")
    assert _errors(excinfo)["code"] == ["Cơ quan “Sở Tư pháp” đã có đơn vị mã “VP”."]
    with pytest.raises(ValidationError) as excinfo:
        services.create_unit(actor=None, agency=justice, code=" ", name="")
    assert _errors(excinfo) == {
        "code": ["Mã đơn vị không được để trống."],
        "name": ["Tên đơn vị không được để trống."],
    }
    with pytest.raises(ValidationError) as excinfo:
        services.create_desk(actor=None, agency=None, name="Một cửa")
    assert _errors(excinfo)["agency"] == ["Phải chọn một cơ quan đã có trong hệ thống."]
    desk = services.create_desk(actor=None, agency=justice, name="Một cửa")
    services.create_counter(actor=None, desk=desk, number=1)
    with pytest.raises(ValidationError) as excinfo:
        services.create_counter(actor=None, desk=desk, number=1)
    assert _errors(excinfo)["number"] == ["“Một cửa” đã có quầy số 1."]
    with pytest.raises(ValidationError) as excinfo:
        services.create_counter(actor=None, desk=desk, number=0)
    assert _errors(excinfo)["number"] == ["Số quầy phải là số nguyên dương (1–32767)."]


@pytest.mark.django_db
def test_non_admin_official_gets_permission_denied(agency_tree, officials):
    justice = agency_tree["justice"]
    for who in ("justice_leader", "root_leader", "ward_clerk"):
        actor = officials[who]
        with pytest.raises(PermissionDenied):
            services.create_agency(
                actor=actor, code="000.00.09.H41", name="Sở Thử", kind="department"
            )
        with pytest.raises(PermissionDenied):
            services.update_agency(actor=actor, agency=justice, name="Sở Đổi Tên")
        with pytest.raises(PermissionDenied):
            services.create_unit(actor=actor, agency=justice, code="P1", name="Phòng 1")
        with pytest.raises(PermissionDenied):
            services.create_desk(actor=actor, agency=justice, name="Một cửa")
    assert Agency.objects.get(pk=justice.pk).name == "Sở Tư pháp"
    assert not AuditRecord.objects.filter(action__startswith="organizations.").exists()


@pytest.mark.django_db
def test_citizen_and_anonymous_get_permission_denied(agency_tree, citizen):
    from django.contrib.auth.models import AnonymousUser

    for actor in (citizen, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            services.create_agency(
                actor=actor, code="000.00.09.H41", name="Sở Thử", kind="department"
            )
