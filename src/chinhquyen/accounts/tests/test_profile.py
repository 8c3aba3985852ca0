"""Profile edits (name, contact with a code, identity number), representatives and their
isolation between accounts, and ``applicants_for`` in the shape dossiers take."""

from __future__ import annotations

import pytest

from chinhquyen.accounts import selectors, services
from chinhquyen.accounts.models import Representation, User
from chinhquyen.accounts.verification import CodeError
from chinhquyen.audit.models import AuditRecord
from chinhquyen.events.models import OutboxEvent

pytestmark = pytest.mark.django_db
PROFILE = "/tai-khoan/ho-so/"
REPS = "/tai-khoan/ho-so/nguoi-duoc-nop-thay/"
EVENT = "accounts.verification_code_requested"


def test_name_change_is_audited(client, citizen):
    client.force_login(citizen)
    response = client.post(PROFILE, {"action": "name", "full_name": "  Nguyễn  Văn   Ân "})
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.full_name == "Nguyễn Văn Ân"
    rec = AuditRecord.objects.get(action="accounts.update_name")
    assert rec.changes["full_name"] == {"before": "Nguyễn Văn An", "after": "Nguyễn Văn Ân"}
    empty = client.post(PROFILE, {"action": "name", "full_name": "   "})
    assert empty.status_code == 200 and "error-summary" in empty.content.decode()
    citizen.refresh_from_db()
    assert citizen.full_name == "Nguyễn Văn Ân"


def test_identity_number_masked_after_saving_and_audited(client, citizen):
    client.force_login(citizen)
    client.post(PROFILE, {"action": "identity", "identity_number": "040 090 001 234"})
    page = client.get(PROFILE).content.decode()
    assert "*********234" in page and "040090001234" not in page
    rec = AuditRecord.objects.get(action="accounts.set_identity_number")
    assert "040090001234" not in str(rec.changes)
    bad = client.post(PROFILE, {"action": "identity", "identity_number": "999090001234"})
    assert "mã tỉnh" in bad.content.decode()


def test_phone_change_needs_the_code_sent_to_the_new_number(client, citizen):
    client.force_login(citizen)
    response = client.post(PROFILE, {"action": "contact", "contact": "0977 111 222"})
    assert response.status_code == 302 and response.url == "/tai-khoan/ho-so/xac-minh-lien-he/"
    citizen.refresh_from_db()
    assert citizen.phone == "0912345678"  # nothing changes before the code comes back
    (event,) = OutboxEvent.objects.filter(event_type=EVENT)
    assert event.payload["destination"] == "0977111222"
    assert event.payload["purpose"] == "change_contact" and event.payload["channel"] == "sms"
    assert (
        "không đúng"
        in client.post(
            "/tai-khoan/ho-so/xac-minh-lien-he/",
            {"code": "000000" if event.payload["code"] != "000000" else "111111"},
        ).content.decode()
    )
    done = client.post("/tai-khoan/ho-so/xac-minh-lien-he/", {"code": event.payload["code"]})
    assert done.status_code == 302
    citizen.refresh_from_db()
    assert citizen.phone == "0977111222" and citizen.username == "0977111222"
    rec = AuditRecord.objects.get(action="accounts.change_phone")
    assert rec.changes["phone"] == {"before": "09******78", "after": "09******22"}
    assert client.post("/tai-khoan/dang-xuat/").status_code == 302
    login = client.post(
        "/tai-khoan/dang-nhap/", {"username": "0977111222", "password": "Mat-khau-thu-nghiem-2026"}
    )
    assert login.status_code == 302


def test_contact_of_another_account_cannot_be_taken(client, citizen, other_citizen):
    client.force_login(citizen)
    response = client.post(PROFILE, {"action": "contact", "contact": other_citizen.email})
    assert response.status_code == 302  # same answer as for a free address
    assert not OutboxEvent.objects.filter(event_type=EVENT).exists()
    for guess in ("000000", "123456"):
        client.post("/tai-khoan/ho-so/xac-minh-lien-he/", {"code": guess})
    citizen.refresh_from_db()
    assert citizen.email is None


def test_old_code_is_superseded_by_a_resend(citizen):
    from datetime import timedelta

    first = services.request_contact_change(actor=citizen, user=citizen, contact="a@example.vn")
    code = OutboxEvent.objects.get(event_type=EVENT).payload["code"]
    type(first).objects.update(created_at=first.created_at - timedelta(seconds=61))
    services.resend_code(code_id=first.pk)
    with pytest.raises(CodeError, match="không còn dùng được"):
        services.confirm_contact_change(actor=citizen, user=citizen, code_id=first.pk, code=code)


REP = {
    "kind": "person",
    "name": "Nguyễn Thị Mai",
    "identity_number": "040195006789",
    "relation": "Mẹ tôi",
    "phone": "0388 123 456",
    "email": "",
    "address": "Số 5 đường Lê Lợi, phường Trường Vinh",
    "tax_code": "",
}


def test_representatives_crud_is_audited(client, citizen):
    client.force_login(citizen)
    assert client.get(REPS).status_code == 200
    assert client.get(REPS + "them/").status_code == 200
    created = client.post(REPS + "them/", REP)
    assert created.status_code == 302 and created.url == REPS
    rep = Representation.objects.get(account=citizen)
    assert rep.phone == "0388123456" and rep.identity_number == "040195006789"
    page = client.get(REPS).content.decode()
    assert "Nguyễn Thị Mai" in page and "*********789" in page and "040195006789" not in page

    org = client.post(
        REPS + "them/", {**REP, "kind": "organisation", "name": "HTX Nông nghiệp Hưng Lộc"}
    )
    assert "mã số thuế" in org.content.decode()
    client.post(
        REPS + "them/",
        {
            **REP,
            "kind": "organisation",
            "name": "HTX Nông nghiệp Hưng Lộc",
            "tax_code": "2901234567",
        },
    )
    htx = Representation.objects.get(name__startswith="HTX")
    assert htx.identity_number == "" and htx.tax_code == "2901234567"

    edited = client.post(f"{REPS}{rep.pk}/sua/", {**REP, "relation": "Mẹ đẻ"})
    assert edited.status_code == 302
    rep.refresh_from_db()
    assert rep.relation == "Mẹ đẻ"
    assert client.get(f"{REPS}{rep.pk}/xoa/").status_code == 200
    assert client.post(f"{REPS}{rep.pk}/xoa/").status_code == 302
    assert not Representation.objects.filter(pk=rep.pk).exists()
    actions = list(
        AuditRecord.objects.filter(action__contains="representation").values_list(
            "action", flat=True
        )
    )
    assert actions.count("accounts.add_representation") == 2
    assert "accounts.update_representation" in actions
    assert "accounts.remove_representation" in actions
    assert all("040195006789" not in str(r.changes) for r in AuditRecord.objects.all())


def test_another_citizen_can_neither_see_nor_change_them(client, citizen, other_citizen):
    rep = services.add_representation(actor=citizen, account=citizen, values=REP)
    client.force_login(other_citizen)
    assert "Nguyễn Thị Mai" not in client.get(REPS).content.decode()
    assert client.get(f"{REPS}{rep.pk}/sua/").status_code == 404
    assert client.post(f"{REPS}{rep.pk}/sua/", {**REP, "name": "Đổi tên"}).status_code == 404
    assert client.post(f"{REPS}{rep.pk}/xoa/").status_code == 404
    rep.refresh_from_db()
    assert rep.name == "Nguyễn Thị Mai"
    assert selectors.applicants_for(other_citizen)[1:] == []
    with pytest.raises(Exception, match="quyền"):
        services.remove_representation(actor=other_citizen, representation=rep)
    client.logout()
    assert client.get(REPS).status_code == 302  # to the login page


def test_officials_have_no_representatives_screen(client, officials):
    client.force_login(officials["justice_specialist"])
    assert client.get(REPS).status_code == 404


KEYS = {
    "kind",
    "name",
    "identity_number",
    "tax_code",
    "representative",
    "phone",
    "email",
    "address",
}


def test_applicants_for_lists_self_then_representatives(citizen):
    from chinhquyen.dossiers.services import clean_applicant

    citizen.identity_number = "040090001234"
    citizen.save()
    services.add_representation(actor=citizen, account=citizen, values=REP)
    services.add_representation(
        actor=citizen,
        account=citizen,
        values={**REP, "kind": "organisation", "name": "HTX Hưng Lộc", "tax_code": "2901234567"},
    )
    mine, htx, mother = selectors.applicants_for(citizen)
    assert mine["id"] == "self" and "Nguyễn Văn An" in mine["label"]
    assert mine["identity_number"] == "040090001234" and mine["phone"] == "0912345678"
    assert mother["id"] == f"rep-{Representation.objects.get(name=REP['name']).pk}"
    assert mother["representative"] == "Nguyễn Văn An" and "Mẹ tôi" in mother["label"]
    assert htx["kind"] == "organisation" and htx["tax_code"] == "2901234567"
    for entry in (mine, htx, mother):
        assert set(entry) == KEYS | {"id", "label"}
        applicant = {k: v for k, v in entry.items() if k in KEYS}
        assert clean_applicant(applicant)["name"] == entry["name"]


def test_business_account_applies_as_organisation(db):
    user = User.objects.create_user(
        "dn@example.vn",
        "x",
        full_name="Lê Văn Giám Đốc",
        kind=User.Kind.BUSINESS,
        email="dn@example.vn",
        organization_name="Công ty TNHH Sông Lam",
        tax_code="2900123456",
    )
    (own,) = selectors.applicants_for(user)
    assert own["kind"] == "organisation" and own["name"] == "Công ty TNHH Sông Lam"
    assert own["representative"] == "Lê Văn Giám Đốc" and own["tax_code"] == "2900123456"


def test_demo_adds_one_representative_once(citizen):
    from chinhquyen.accounts.demo import load_demo_accounts_extra

    assert load_demo_accounts_extra() == 1
    assert load_demo_accounts_extra() == 0
    (mine, mother) = selectors.applicants_for(citizen)
    assert mother["name"] == "Nguyễn Thị Hoa" and mother["identity_number"] == "040165001122"
