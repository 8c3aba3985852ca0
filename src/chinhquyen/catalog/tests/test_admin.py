"""Operator screens: edits go through the services (validated, versioned, audited)."""

import pytest
from django.urls import reverse

from chinhquyen.accounts.models import Role
from chinhquyen.audit.models import AuditRecord
from chinhquyen.catalog.models import Procedure
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


def _form(procedure=None, **overrides):
    data = {
        "code": "1.999301", "name": "Thủ tục thử", "field": "", "online_level": "none", "is_active": "on",
        "at_province": "on", "kind": "", "decision_number": "", "issuing_agency": "", "applicant_types": "[]",
        "competent_authority": "", "implementing_agency": "", "receiving_address": "", "delegated_agency": "",
        "coordinating_agency": "", "steps_text": "", "conditions": "", "legal_basis": "[]",
        "legal_basis_text": "", "results": "[]", "result_description": "", "keywords": "",
        "related_procedures": "", "source_url": "",
    }  # fmt: skip
    for prefix in ("channels", "papers", "process_steps", "agency_links", "versions"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(overrides)
    return data


def test_pages_render(admin_client, small_catalog):
    assert admin_client.get(reverse("admin:catalog_procedure_changelist")).status_code == 200
    assert (
        admin_client.get(
            reverse("admin:catalog_procedure_changelist"), {"q": "dang ky khai sinh"}
        ).status_code
        == 200
    )
    p = Procedure.objects.get(code="1.001193")
    assert (
        admin_client.get(reverse("admin:catalog_procedure_change", args=[p.pk])).status_code == 200
    )
    assert admin_client.get(reverse("admin:catalog_procedure_add")).status_code == 200


def test_unaccented_admin_search(admin_client, small_catalog):
    html = admin_client.get(
        reverse("admin:catalog_procedure_changelist"), {"q": "dang ky ket hon"}
    ).content.decode()
    assert "1.000894" in html


def test_add_and_change_are_audited_and_versioned(admin_client):
    response = admin_client.post(reverse("admin:catalog_procedure_add"), _form(
        **{"channels-TOTAL_FORMS": "1", "channels-0-channel": "direct", "channels-0-time_value": "3",
           "channels-0-time_unit": "working_day", "channels-0-fee_amount": "20000"}
    ))  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    p = Procedure.objects.get(code="1.999301")
    assert p.channels.get().fee_amount == 20000
    mine = AuditRecord.objects.filter(
        object_type="catalog.procedure", object_id=str(p.pk)
    ).order_by("seq")
    actions = list(mine.values_list("action", flat=True))
    assert actions == ["catalog.procedure.create", "catalog.procedure.channels"]
    response = admin_client.post(
        reverse("admin:catalog_procedure_change", args=[p.pk]),
        _form(name="Thủ tục thử (đã sửa)", **{"channels-TOTAL_FORMS": "0"}),
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.name == "Thủ tục thử (đã sửa)" and p.version == 3
    assert AuditRecord.objects.filter(
        action="catalog.procedure.update", object_id=str(p.pk)
    ).exists()


def test_invalid_process_is_shown_not_saved(admin_client, small_catalog):
    p = Procedure.objects.get(code="1.001193")
    response = admin_client.post(reverse("admin:catalog_procedure_add"), _form(code="1.99"))
    assert response.status_code == 200 and "Mã thủ tục" in response.content.decode()
    assert not Procedure.objects.filter(code="1.99").exists()
    assert p.process_steps.count() == 0


def test_other_officials_cannot_open_the_catalog_admin(client, settings, officials):
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith("RequireTwoFactorMiddleware")
    ]
    user = officials["justice_leader"]
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get(reverse("admin:catalog_procedure_changelist")).status_code == 403
