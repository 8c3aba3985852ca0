"""Identity number and tax code of a party: normalised when valid, a message each when not."""

from chinhquyen.lib import party


def test_valid_numbers_are_normalised_and_bad_ones_get_their_own_message():
    values = {"identity_number": " 040090001234 ", "tax_code": " 0123456789-001 "}
    errors: dict[str, list[str]] = {}
    party.check_numbers(values, errors)
    assert errors == {}
    assert values == {"identity_number": "040090001234", "tax_code": "0123456789-001"}

    values = {"identity_number": "12345", "tax_code": "12-34"}
    party.check_numbers(values, errors)
    assert set(errors) == {"identity_number", "tax_code"}
    assert "Mã số thuế" in errors["tax_code"][0]


def test_missing_numbers_are_left_to_the_caller():
    values = {"identity_number": "", "tax_code": ""}
    errors: dict[str, list[str]] = {}
    party.check_numbers(values, errors)
    assert errors == {} and values == {"identity_number": "", "tax_code": ""}
