"""The citizen portal's pages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chinhquyen.organizations.models import AdministrativeUnit, Agency


def home(request: HttpRequest) -> HttpResponse:
    """What the platform is for this province, and where to start."""
    return render(
        request,
        "portal/home.html",
        {
            "agency_count": Agency.objects.filter(is_active=True).count(),
            "ward_count": AdministrativeUnit.objects.filter(
                level=AdministrativeUnit.Level.WARD, province__code=settings.PROVINCE_CODE
            ).count(),
        },
    )
