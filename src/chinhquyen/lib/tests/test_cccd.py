from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chinhquyen.lib import cccd
from chinhquyen.lib.cccd import InvalidIdentityNumber

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("number", "province", "year", "female"),
    [
        ("001085012345", "001", 1985, False),  # Hà Nội, 20th century, male
        ("040199000001", "040", 1999, True),  # Nghệ An, 20th century, female
        ("079200123456", "079", 2000, False),  # Hồ Chí Minh, 21st century, male
        ("038325654321", "038", 2025, True),  # Thanh Hóa, 21st century, female
        ("096100000000", "096", 1900, True),  # earliest possible year
    ],
)
def test_valid_numbers_across_centuries(number, province, year, female):
    info = cccd.parse(number, today=TODAY)
    assert (info.number, info.province_code, info.birth_year, info.female) == (
        number,
        province,
        year,
        female,
    )


def test_spaces_are_ignored():
    assert cccd.parse("040 199 000 001", today=TODAY).number == "040199000001"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("", "Vui lòng nhập"),
        ("04019900000", "đúng 12 chữ số (đang có 11)"),
        ("0401990000011", "đúng 12 chữ số (đang có 13)"),
        ("04019900000A", "chỉ gồm chữ số"),
        ("003085012345", "(003) không phải mã tỉnh"),
        ("099085012345", "(099) không phải mã tỉnh"),
        ("040227012345", "năm sinh 2027 không thể có"),  # next year
        ("040400012345", "năm sinh 2100 không thể có"),  # 22nd century
    ],
)
def test_invalid_numbers_are_rejected_with_a_vietnamese_message(number, message):
    with pytest.raises(InvalidIdentityNumber) as excinfo:
        cccd.parse(number, today=TODAY)
    assert message in str(excinfo.value)


def test_mask_shows_only_the_last_three_digits():
    assert cccd.mask("040199000789") == "*********789"
    assert cccd.mask("") == ""


@given(
    st.sampled_from(sorted(cccd.PROVINCE_CODES)),
    st.integers(0, 3),
    st.integers(0, 99),
    st.integers(0, 999_999),
)
def test_every_structurally_valid_number_parses(province, century_sex, yy, rest):
    number = f"{province}{century_sex}{yy:02d}{rest:06d}"
    year = (century_sex // 2 + 19) * 100 + yy
    if year > TODAY.year:
        with pytest.raises(InvalidIdentityNumber):
            cccd.parse(number, today=TODAY)
    else:
        info = cccd.parse(number, today=TODAY)
        assert info.birth_year == year
        assert info.female == bool(century_sex % 2)
        masked = cccd.mask(info.number)
        assert masked.endswith(number[-3:]) and set(masked[:-3]) == {"*"}
