"""Django admin: Vietnamese screens, saves through the services, reference data read-only."""

import pytest
from django.urls import reverse

from chinhquyen.accounts.models import Role
from chinhquyen.audit.models import AuditRecord
from chinhquyen.conftest import make_official
from chinhquyen.organizations.models import Agency, Counter, Desk, Unit


@pytest.fixture
def admin_client(client, settings, agency_tree):
    # The two-factor check of administrators is tested in accounts; here we test the screens.
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith("RequireTwoFactorMiddleware")
    ]
    user = make_official("quantri.admin", agency_tree["root"], Role.PROVINCE_ADMIN, is_staff=True)
    client.force_login(user)
    client.user = user
    return client


def _agency_form(**overrides) -> dict:
    data = {
        "code": "",
        "name": "",
        "short_name": "",
        "kind": "department",
        "parent": "",
        "admin_unit": "",
        "address": "",
        "phone": "",
        "email": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", ["administrativeunit", "legacyunitmapping", "agency", "unit", "desk", "counter"]
)
def test_changelists_and_add_pages_render(admin_client, model):
    response = admin_client.get(reverse(f"admin:organizations_{model}_changelist"))
    assert response.status_code == 200
    add = admin_client.get(reverse(f"admin:organizations_{model}_add"))
    read_only = model in ("administrativeunit", "legacyunitmapping")
    assert add.status_code == (403 if read_only else 200)


@pytest.mark.django_db
def test_agency_changelist_shows_code_name_kind_parent(admin_client, agency_tree):
    response = admin_client.get(reverse("admin:organizations_agency_changelist"))
    html = response.content.decode()
    for text in (
        "000.00.01.H41",
        "Sở Tư pháp",
        "Sở, ban, ngành",
        "UBND tỉnh Nghệ An",
        "Mã định danh",
        "Cơ quan cấp trên",
    ):
        assert text in html


@pytest.mark.django_db
def test_adding_an_agency_goes_through_the_service(admin_client, agency_tree):
    response = admin_client.post(
        reverse("admin:organizations_agency_add"),
        _agency_form(
            code="000.00.08.h41",
            name="Sở  Y tế",
            parent=agency_tree["root"].pk,
            phone="0238 3844 555",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agency = Agency.objects.get(code="000.00.08.H41")
    assert (agency.name, agency.phone, agency.parent) == (
        "Sở Y tế",
        "02383844555",
        agency_tree["root"],
    )
    record = AuditRecord.objects.filter(action="organizations.create_agency").get()
    assert (record.actor_id, record.object_id) == (admin_client.user.pk, str(agency.pk))


@pytest.mark.django_db
def test_changing_an_agency_is_audited_with_before_and_after(admin_client, agency_tree):
    justice = agency_tree["justice"]
    url = reverse("admin:organizations_agency_change", args=[justice.pk])
    response = admin_client.post(
        url,
        _agency_form(
            code=justice.code,
            name="Sở Tư pháp Nghệ An",
            short_name="STP",
            parent=agency_tree["root"].pk,
            admin_unit=justice.admin_unit_id,
        ),
    )
    assert response.status_code == 302
    record = AuditRecord.objects.filter(action="organizations.update_agency").get()
    assert record.changes == {"name": {"before": "Sở Tư pháp", "after": "Sở Tư pháp Nghệ An"}}


@pytest.mark.django_db
def test_admin_form_shows_service_errors_in_vietnamese(admin_client, agency_tree):
    root = agency_tree["root"]
    url = reverse("admin:organizations_agency_change", args=[root.pk])
    response = admin_client.post(
        url,
        _agency_form(
            code=root.code,
            name=root.name,
            kind="province_committee",
            parent=agency_tree["justice"].pk,
            phone="12345",
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cơ quan cấp trên không được là chính nó hoặc cấp dưới của nó." in html
    assert "Số điện thoại không hợp lệ" in html
    assert Agency.objects.get(pk=root.pk).parent is None
    assert not AuditRecord.objects.filter(action="organizations.update_agency").exists()


@pytest.mark.django_db
def test_unit_desk_counter_through_admin(admin_client, agency_tree):
    justice = agency_tree["justice"]
    response = admin_client.post(
        reverse("admin:organizations_unit_add"),
        {"agency": justice.pk, "code": "MC", "name": "Một cửa", "is_one_stop": "on"},
    )
    assert response.status_code == 302
    response = admin_client.post(
        reverse("admin:organizations_desk_add"),
        {"agency": justice.pk, "name": "Bộ phận Một cửa", "is_active": "on"},
    )
    assert response.status_code == 302
    desk = Desk.objects.get()
    response = admin_client.post(
        reverse("admin:organizations_counter_add"),
        {
            "desk": desk.pk,
            "number": "3",
            "label": "Quầy hộ tịch",
            "serves": [justice.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    counter = Counter.objects.get()
    assert list(counter.serves.all()) == [justice]
    for action in ("create_unit", "create_desk", "create_counter"):
        assert AuditRecord.objects.filter(action=f"organizations.{action}").count() == 1
    response = admin_client.post(
        reverse("admin:organizations_counter_delete", args=[counter.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Counter.objects.exists()
    assert AuditRecord.objects.filter(action="organizations.delete_counter").count() == 1
    unit = Unit.objects.get(code="MC")
    response = admin_client.post(
        reverse("admin:organizations_unit_add"),
        {"agency": justice.pk, "code": "MC", "name": "Trùng mã"},
    )
    assert response.status_code == 200
    assert "Cơ quan “Sở Tư pháp” đã có đơn vị mã “MC”." in response.content.decode()
    assert Unit.objects.filter(code="MC").get() == unit


@pytest.mark.django_db
def test_agencies_cannot_be_deleted_in_admin(admin_client, agency_tree):
    url = reverse("admin:organizations_agency_delete", args=[agency_tree["justice"].pk])
    assert admin_client.get(url).status_code == 403


@pytest.mark.django_db
def test_search_without_diacritics(admin_client, units):
    url = reverse("admin:organizations_administrativeunit_changelist")
    html = admin_client.get(url, {"q": "nghe an"}).content.decode()
    assert "Tỉnh Nghệ An" in html
    html = admin_client.get(url, {"q": "đà nẵng"}).content.decode()  # case differs from "Đà Nẵng"
    assert "Thành phố Đà Nẵng" in html
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "vinh phu",
            "app_label": "organizations",
            "model_name": "agency",
            "field_name": "admin_unit",
        },
    )
    assert response.status_code == 200
    assert "Phường Vinh Phú" in [r["text"] for r in response.json()["results"]]


@pytest.mark.django_db
def test_officials_without_the_admin_role_are_kept_out(client, settings, agency_tree):
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith("RequireTwoFactorMiddleware")
    ]
    leader = make_official("giamdoc", agency_tree["justice"], Role.AGENCY_LEADER, is_staff=True)
    client.force_login(leader)
    assert client.get(reverse("admin:organizations_agency_changelist")).status_code == 403
    response = client.post(
        reverse("admin:organizations_agency_add"), _agency_form(code="000.00.09.H41", name="Sở Thử")
    )
    assert response.status_code == 403
    assert not Agency.objects.filter(code="000.00.09.H41").exists()
