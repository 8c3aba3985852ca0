from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from chinhquyen.accounts import services
from chinhquyen.accounts.models import Role, User
from chinhquyen.audit.models import AuditRecord
from chinhquyen.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_register_citizen_with_phone_normalises_and_audits():
    user = services.register_citizen(
        full_name="Nguyễn Văn An",
        password=PASSWORD,
        phone_number="+84 912 345 678",
        identity_number="040090001234",
    )
    assert user.phone == "0912345678" and user.username == "0912345678"
    rec = AuditRecord.objects.get(action="accounts.register")
    assert rec.object_id == str(user.pk)
    # Personal data never lands in the audit trail in clear.
    assert "040090001234" not in str(rec.changes)
    assert rec.changes["identity_number"] == "*********234"


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"phone_number": "012345"}, "phone", "Số điện thoại không hợp lệ"),
        (
            {"phone_number": "0912345678", "identity_number": "12345"},
            "identity_number",
            "đúng 12 chữ số",
        ),
        (
            {"phone_number": "0912345678", "identity_number": "999090001234"},
            "identity_number",
            "mã tỉnh",
        ),
        (
            {"phone_number": "0912345678", "identity_number": "040990001234"},
            "identity_number",
            "năm sinh",
        ),
    ],
)
def test_register_citizen_rejects_bad_input_in_vietnamese(kwargs, field, message):
    with pytest.raises(ValidationError) as exc:
        services.register_citizen(full_name="Nguyễn Văn An", password=PASSWORD, **kwargs)
    assert any(message in m for m in exc.value.message_dict[field])
    assert not User.objects.exists()


def test_register_citizen_needs_a_contact():
    with pytest.raises(ValidationError, match="số điện thoại hoặc thư điện tử"):
        services.register_citizen(full_name="Nguyễn Văn An", password=PASSWORD)


def test_weak_password_is_refused_in_vietnamese():
    with pytest.raises(ValidationError) as exc:
        services.register_citizen(
            full_name="Nguyễn Văn An", password="123", phone_number="0912345678"
        )
    assert exc.value.message_dict["password"]
    assert any("Mật khẩu" in m or "mật khẩu" in m for m in exc.value.message_dict["password"])


def test_duplicate_phone_is_refused(citizen):
    with pytest.raises(ValidationError):
        services.register_citizen(
            full_name="Người khác", password=PASSWORD, phone_number=citizen.phone
        )


def test_leader_creates_official_in_own_agency_only(officials, agency_tree):
    leader = officials["justice_leader"]
    user = services.create_official(
        actor=leader,
        username="moi.stp",
        full_name="Cán bộ Mới",
        agency=agency_tree["justice"],
        password=PASSWORD,
        roles=[Role.SPECIALIST],
    )
    assert user.roles.get().role == Role.SPECIALIST
    assert AuditRecord.objects.filter(action="accounts.grant_role", object_id=str(user.pk)).exists()
    with pytest.raises(PermissionDenied):
        services.create_official(
            actor=leader,
            username="moi.sxd",
            full_name="Cán bộ Khác",
            agency=agency_tree["building"],
            password=PASSWORD,
        )


def test_only_province_admin_grants_admin_role(officials, agency_tree):
    with pytest.raises(PermissionDenied):
        services.grant_role(
            actor=officials["justice_leader"],
            user=officials["justice_specialist"],
            role=Role.PROVINCE_ADMIN,
            agency=agency_tree["justice"],
        )
    services.grant_role(
        actor=officials["admin"],
        user=officials["justice_specialist"],
        role=Role.PROVINCE_ADMIN,
        agency=agency_tree["root"],
    )


def test_role_cannot_go_to_a_citizen(officials, agency_tree, citizen):
    with pytest.raises(ValidationError):
        services.grant_role(
            actor=officials["admin"],
            user=citizen,
            role=Role.SPECIALIST,
            agency=agency_tree["justice"],
        )


def test_failed_grant_rolls_back_the_whole_official(officials, agency_tree):
    with pytest.raises(ValidationError), transaction.atomic():
        services.create_official(
            actor=officials["admin"],
            username="loi",
            full_name="Lỗi",
            agency=agency_tree["justice"],
            password=PASSWORD,
            roles=["khong-co"],
        )
    assert not User.objects.filter(username="loi").exists()


def test_set_identity_number_masks_in_audit(citizen, other_citizen):
    services.set_identity_number(actor=citizen, user=citizen, identity_number="040 090 001 234")
    citizen.refresh_from_db()
    assert citizen.identity_number == "040090001234"
    assert citizen.masked_identity_number == "*********234"
    with pytest.raises(PermissionDenied):
        services.set_identity_number(
            actor=other_citizen, user=citizen, identity_number="040090001235"
        )
