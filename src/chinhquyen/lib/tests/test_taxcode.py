import pytest

from chinhquyen.lib import taxcode


@pytest.mark.parametrize("value", ["0123456789", " 0123456789 ", "0123456789-001"])
def test_valid_shapes(value):
    assert taxcode.validate(value) == value.strip()


@pytest.mark.parametrize(
    "value",
    ["", "012345678", "01234567890", "0123456789001", "0123456789-01", "01234-56789", "abc"],
)
def test_invalid_shapes(value):
    with pytest.raises(taxcode.InvalidTaxCode, match="10 chữ số"):
        taxcode.validate(value)
