"""Read side of accounts: what other apps may ask about an account."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from chinhquyen.accounts.models import Representation, User


def own_applicant(user: User) -> dict[str, str]:
    """The account holder as chủ hồ sơ, in the shape ``dossiers.services.clean_applicant`` takes."""
    business = user.kind == User.Kind.BUSINESS
    return {
        "kind": Representation.Kind.ORGANISATION if business else Representation.Kind.PERSON,
        "name": user.organization_name if business and user.organization_name else user.full_name,
        "identity_number": "" if business else (user.identity_number or ""),
        "tax_code": user.tax_code if business else "",
        "representative": user.full_name if business else "",
        "phone": user.phone or "",
        "email": user.email or "",
        "address": "",
    }


def representations_of(user: User) -> list[Representation]:
    return list(Representation.objects.filter(account=user).order_by("name", "pk"))


def get_representation(user: User, pk: int) -> Representation:
    """One of the account's own entries; 404 for anybody else's (no hint that it exists)."""
    return get_object_or_404(Representation, pk=pk, account=user)


def applicants_for(user: User) -> list[dict[str, Any]]:
    """Who this account may apply for: itself first, then each saved representative.

    Each dict has the applicant keys ``kind, name, identity_number, tax_code, representative,
    phone, email, address`` plus ``id`` ("self" or "rep-<pk>") and a display ``label``.
    """
    own = own_applicant(user)
    result: list[dict[str, Any]] = [{**own, "id": "self", "label": f"Bản thân tôi – {own['name']}"}]
    for rep in representations_of(user):
        kind_label = (
            "Tổ chức" if rep.kind == Representation.Kind.ORGANISATION else "Người được nộp thay"
        )
        result.append(
            {
                "kind": rep.kind,
                "name": rep.name,
                "identity_number": rep.identity_number,
                "tax_code": rep.tax_code,
                "representative": user.full_name,
                "phone": rep.phone,
                "email": rep.email,
                "address": rep.address,
                "id": f"rep-{rep.pk}",
                "label": f"{kind_label} – {rep.name}"
                + (f" ({rep.relation})" if rep.relation else ""),
            }
        )
    return result
