"""The demo province loads, is idempotent, and leaves an intact audit trail."""

from __future__ import annotations

import pytest
from django.test import Client

from chinhquyen.accounts.models import Role, User
from chinhquyen.audit.services import verify_chain
from chinhquyen.catalog.models import Procedure
from chinhquyen.core.demo import DEMO_PASSWORD, load_demo
from chinhquyen.organizations.models import AdministrativeUnit, Agency

pytestmark = pytest.mark.django_db


def test_demo_province_loads_once_and_logins_work():
    first = load_demo()
    assert AdministrativeUnit.objects.filter(level="province").count() == 34
    assert AdministrativeUnit.objects.filter(level="ward").count() == 3321
    nghe_an_wards = AdministrativeUnit.objects.filter(province__code="40").count()
    # UBND tỉnh + 12 departments + the service centre + one committee per ward/commune.
    assert first["agencies"] == Agency.objects.count() == 14 + nghe_an_wards
    assert User.objects.filter(kind="official").count() == 12
    assert User.objects.get(username="quantri").roles.filter(role=Role.PROVINCE_ADMIN).exists()
    assert Procedure.objects.count() > 300
    assert Procedure.objects.filter(at_commune=True).exists()
    assert verify_chain().ok

    again = load_demo()
    assert again["people"] == 0
    assert Agency.objects.count() == first["agencies"]

    client = Client()
    response = client.post(
        "/tai-khoan/dang-nhap/", {"username": "chuyenvien.stp", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302 and response.url == "/can-bo/"
    response = client.post(
        "/tai-khoan/dang-nhap/", {"username": "0912345678", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
