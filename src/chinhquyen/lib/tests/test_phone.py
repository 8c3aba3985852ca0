import pytest

from chinhquyen.lib import phone
from chinhquyen.lib.phone import InvalidPhoneNumber


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0912345678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("091 234 5678", "0912345678"),
        ("091.234.5678", "0912345678"),
        ("(+84) 38-123-4567", "0381234567"),
        ("0238 3844 123", "02383844123"),  # landline, Nghệ An
        ("+84 238 3844 123", "02383844123"),
    ],
)
def test_normalize_accepts_what_people_type(typed, stored):
    assert phone.normalize(typed) == stored
    assert phone.looks_like_phone(typed)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Vui lòng nhập số điện thoại"),
        ("09123abc78", "chỉ gồm chữ số"),
        ("0112345678", "không hợp lệ"),  # 01x prefix is not a mobile prefix
        ("0412345678", "không hợp lệ"),
        ("0612345678", "không hợp lệ"),
        ("091234567", "không hợp lệ"),  # too short
        ("09123456789", "không hợp lệ"),  # too long
        ("1022", "không hợp lệ"),
    ],
)
def test_invalid_numbers_are_rejected_with_a_vietnamese_message(typed, message):
    with pytest.raises(InvalidPhoneNumber) as excinfo:
        phone.normalize(typed)
    assert message in str(excinfo.value)
    assert not phone.looks_like_phone(typed)


def test_mask():
    assert phone.mask("0912345678") == "09******78"
    assert phone.mask("") == ""
