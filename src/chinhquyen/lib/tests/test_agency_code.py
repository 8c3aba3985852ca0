import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chinhquyen.lib import agency_code
from chinhquyen.lib.agency_code import InvalidAgencyCode

THIRTY_FIVE = "000.00.00.H41.001.002.003.004.ABCDE"


def test_thirty_five_char_example_has_35_chars():
    assert len(THIRTY_FIVE) == 35


@pytest.mark.parametrize(
    "code", ["000.00.00.H41", "000.00.12.H29", "G22", THIRTY_FIVE, "H41.21.A01", " 000.00.00.H41 "]
)
def test_valid_codes_are_accepted(code):
    assert agency_code.validate(code) == code.strip()


def test_qcvn102_shape_and_level1():
    assert agency_code.is_qcvn102("000.00.12.H29")
    assert agency_code.level1("000.00.12.H29") == "H29"
    assert not agency_code.is_qcvn102("G22")
    assert agency_code.level1("G22") is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "không được để trống"),
        ("   ", "không được để trống"),
        (THIRTY_FIVE + "1", "tối đa 35 ký tự"),
        ("A" * 36, "tối đa 35 ký tự"),
        ("000..00.H41", "hai dấu chấm liền nhau"),
        (".000.00.H41", "bắt đầu, kết thúc bằng dấu chấm"),
        ("000.00.00.H41.", "bắt đầu, kết thúc bằng dấu chấm"),
        ("000.00.00-H41", "chỉ gồm chữ in hoa"),
        ("000/00.00.H41", "chỉ gồm chữ in hoa"),
        ("000.00.00.H41 X", "chỉ gồm chữ in hoa"),
        ("SỞ.01", "chỉ gồm chữ in hoa"),
    ],
)
def test_invalid_codes_are_rejected_with_a_vietnamese_message(code, message):
    with pytest.raises(InvalidAgencyCode) as excinfo:
        agency_code.validate(code)
    assert message in str(excinfo.value)


def test_lowercase_is_rejected_by_validate():
    with pytest.raises(InvalidAgencyCode) as excinfo:
        agency_code.validate("000.00.00.h41")
    assert "chữ in hoa" in str(excinfo.value)


def test_lowercase_is_upper_cased_by_normalize():
    assert agency_code.normalize(" 000.00.00.h41 ") == "000.00.00.H41"


group = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=6)
valid_code = st.lists(group, min_size=1, max_size=8).map(".".join).filter(lambda c: len(c) <= 35)


@given(valid_code)
def test_any_generated_valid_code_passes(code):
    assert agency_code.validate(code) == code


@given(st.text(max_size=50))
def test_normalize_is_idempotent(text):
    once = agency_code.normalize(text)
    assert agency_code.normalize(once) == once


@given(st.text(max_size=50))
def test_validate_either_returns_a_well_formed_code_or_explains(text):
    try:
        value = agency_code.validate(text)
    except InvalidAgencyCode as exc:
        assert str(exc).startswith(("Mã định danh", "Mỗi nhóm"))
    else:
        assert re.fullmatch(r"[0-9A-Z]+(\.[0-9A-Z]+)*", value)
        assert len(value) <= 35
