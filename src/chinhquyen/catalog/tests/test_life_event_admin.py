"""Life events in Django admin: saved by the same service as the workspace screen (audited)."""

import pytest
from django.urls import reverse

from chinhquyen.accounts.models import Role
from chinhquyen.audit.models import AuditRecord
from chinhquyen.catalog import services
from chinhquyen.catalog.models import LifeEvent, LifeEventProcedure, Procedure
from chinhquyen.conftest import make_official

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, settings, agency_tree):
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith("RequireTwoFactorMiddleware")
    ]
    user = make_official("quantri.tthc", agency_tree["root"], Role.PROVINCE_ADMIN, is_staff=True)
    client.force_login(user)
    return client


@pytest.fixture
def events(small_catalog):
    services.load_demo_life_events()
    return {e.slug: e for e in LifeEvent.objects.all()}


def _codes(event: LifeEvent) -> list[str]:
    return list(event.items.order_by("order").values_list("procedure__code", flat=True))


def _form(rows=(), initial=(), **values):
    """The admin form: ``rows`` are (order, code) of new rows; ``initial`` are existing rows
    as (row, order, code, delete)."""
    data = {"name": "Khi nghỉ hưu", "slug": "", "description": "", "order": "9", "is_active": "on"}
    data.update(values)
    forms = [(row.pk, order, code, delete) for row, order, code, delete in initial]
    forms += [(None, order, code, False) for order, code in rows]
    data["items-TOTAL_FORMS"] = str(len(forms))
    data["items-INITIAL_FORMS"] = str(len(initial))
    for n, (pk, order, code, delete) in enumerate(forms):
        data[f"items-{n}-id"] = str(pk or "")
        data[f"items-{n}-order"] = str(order)
        data[f"items-{n}-procedure"] = str(Procedure.objects.get(code=code).pk) if code else ""
        if delete:
            data[f"items-{n}-DELETE"] = "on"
    return data


def test_list_counts_and_searches_without_marks(admin_client, events):
    url = reverse("admin:catalog_lifeevent_changelist")
    html = admin_client.get(url).content.decode()
    assert "Khi sinh con" in html and "Khi kết hôn" in html
    for query in ("sinh con", "khi-sinh-con", "1.001193", "dang ky khai sinh"):
        html = admin_client.get(url, {"q": query}).content.decode()
        assert "Khi sinh con" in html, query
        assert "Khi kết hôn" not in html, query
    html = admin_client.get(url, {"q": "dang ky ket hon"}).content.decode()
    assert "Khi kết hôn" in html and "Khi sinh con" not in html
    event = events["khi-sinh-con"]
    page = admin_client.get(reverse("admin:catalog_lifeevent_change", args=[event.pk]))
    assert page.status_code == 200
    assert "1.001193" in page.content.decode()  # the procedures inline


def test_add_saves_procedures_in_the_given_order_with_one_audit_record(admin_client, small_catalog):
    response = admin_client.post(
        reverse("admin:catalog_lifeevent_add"),
        _form(rows=[(2, "1.001193"), (1, "1.004222"), (3, "2.000528")], name="Khi nghỉ hưu"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = LifeEvent.objects.get(name="Khi nghỉ hưu")
    assert event.slug == "khi-nghi-huu"  # made from the name, as on the workspace screen
    assert _codes(event) == ["1.004222", "1.001193", "2.000528"]
    records = AuditRecord.objects.filter(object_type="catalog.lifeevent", object_id=str(event.pk))
    assert list(records.values_list("action", flat=True)) == ["catalog.life_event.create"]
    assert records.get().changes["procedures"]["after"] == ["1.004222", "1.001193", "2.000528"]


def test_change_reorders_and_removes_through_the_service(admin_client, events):
    event = events["khi-ket-hon"]
    first, second, third, fourth = event.items.order_by("order")
    response = admin_client.post(
        reverse("admin:catalog_lifeevent_change", args=[event.pk]),
        _form(
            name=event.name, slug="", order=str(event.order), description=event.description,
            initial=[(first, 3, first.procedure.code, False), (second, 1, second.procedure.code, False),
                     (third, 2, third.procedure.code, True), (fourth, 2, fourth.procedure.code, False)],
        ),
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    event.refresh_from_db()
    assert event.slug == "khi-ket-hon"  # a blank slug keeps the current one
    assert _codes(event) == [second.procedure.code, fourth.procedure.code, first.procedure.code]
    update = AuditRecord.objects.get(action="catalog.life_event.update", object_id=str(event.pk))
    assert set(update.changes) == {"procedures"}


def test_moving_a_procedure_to_another_row_is_not_a_duplicate(admin_client, events):
    event = events["khi-ket-hon"]
    rows = list(event.items.order_by("order"))
    codes = [r.procedure.code for r in rows]
    swapped = [codes[1], codes[0], *codes[2:]]
    initial = [
        (row, n, code, False) for n, (row, code) in enumerate(zip(rows, swapped, strict=True))
    ]
    response = admin_client.post(
        reverse("admin:catalog_lifeevent_change", args=[event.pk]),
        _form(name=event.name, slug=event.slug, initial=initial),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert _codes(event) == swapped


@pytest.mark.parametrize(
    ("values", "rows", "message"),
    [
        ({"slug": "Khi sinh con"}, [], "Đã có sự kiện dùng đường dẫn này."),
        ({"name": "   "}, [], "Trường này là bắt buộc."),  # as on the workspace screen
        ({}, [(1, "1.001193"), (2, "1.001193")], "Mỗi thủ tục chỉ ghi một lần trong một sự kiện."),
    ],
)
def test_invalid_input_is_shown_and_nothing_is_saved(admin_client, events, values, rows, message):
    count = LifeEvent.objects.count()
    links = LifeEventProcedure.objects.count()
    response = admin_client.post(reverse("admin:catalog_lifeevent_add"), _form(rows=rows, **values))
    assert response.status_code == 200
    html = response.content.decode()
    assert "errornote" in html and message in html
    assert (LifeEvent.objects.count(), LifeEventProcedure.objects.count()) == (count, links)
    assert not AuditRecord.objects.filter(action="catalog.life_event.create").exists()


def test_delete_goes_through_the_service(admin_client, events):
    event = events["khi-co-nguoi-mat"]
    url = reverse("admin:catalog_lifeevent_delete", args=[event.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not LifeEvent.objects.filter(pk=event.pk).exists()
    assert AuditRecord.objects.filter(
        action="catalog.life_event.delete", object_id=str(event.pk)
    ).exists()


def test_other_officials_cannot_open_life_events_in_admin(client, settings, officials, events):
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith("RequireTwoFactorMiddleware")
    ]
    user = officials["justice_leader"]
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get(reverse("admin:catalog_lifeevent_changelist")).status_code == 403
    event = events["khi-sinh-con"]
    response = client.post(
        reverse("admin:catalog_lifeevent_change", args=[event.pk]), _form(name="Đổi tên")
    )
    assert response.status_code == 403
    assert LifeEvent.objects.get(pk=event.pk).name == "Khi sinh con"
