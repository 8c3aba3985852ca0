"""The numbers that identify a party (a person or an organisation) in a form: checked in one place.

Applicants of dossiers and the people or organisations an account applies for (representatives)
give the same two numbers: a CCCD (:mod:`chinhquyen.lib.cccd`) and a tax code
(:mod:`chinhquyen.lib.taxcode`). Each is optional here; the caller decides which kind of party
must give which.
"""

from __future__ import annotations

from chinhquyen.lib import cccd, taxcode


def check_numbers(values: dict[str, str], errors: dict[str, list[str]]) -> None:
    """Normalise ``identity_number`` and ``tax_code`` of ``values`` in place when given and
    valid; otherwise add their Vietnamese messages to ``errors``."""
    if values.get("identity_number"):
        try:
            values["identity_number"] = cccd.validate(values["identity_number"])
        except cccd.InvalidIdentityNumber as exc:
            errors["identity_number"] = [str(exc)]
    if values.get("tax_code"):
        try:
            values["tax_code"] = taxcode.validate(values["tax_code"])
        except taxcode.InvalidTaxCode as exc:
            errors["tax_code"] = [str(exc)]
