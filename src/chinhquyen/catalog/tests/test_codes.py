import pytest

from chinhquyen.catalog import codes


@pytest.mark.parametrize(
    ("text", "base", "suffix"),
    [
        ("1.001612", "1.001612", ""),
        (" 2.000123 ", "2.000123", ""),
        ("3.000164", "3.000164", ""),
        ("5.000123", "5.000123", ""),
        ("1.000494.000.00.00.H29", "1.000494", "000.00.00.H29"),
        ("1.000494.000.00.00.h29", "1.000494", "000.00.00.H29"),
    ],
)
def test_valid_codes_split_into_base_and_agency_suffix(text, base, suffix):
    parsed = codes.parse(text)
    assert (parsed.base, parsed.suffix) == (base, suffix)
    assert str(parsed) == (f"{base}.{suffix}" if suffix else base)


@pytest.mark.parametrize(
    "text",
    ["", "1.00161", "1.0016123", "0.001612", "1-001612", "abc", "1.000494.", "1.000494..H29",
     "1.000494.000.00.00.H29." , "1.001612." + "1" * 40, "đ.001612"],
)  # fmt: skip
def test_invalid_codes_are_refused_with_a_vietnamese_message(text):
    with pytest.raises(codes.InvalidProcedureCode) as info:
        codes.parse(text)
    assert "Mã thủ tục" in str(info.value) or "mã" in str(info.value)
    assert not codes.is_valid(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.00", True), ("2.000123", True), ("1.000494.000", True), ("1", False), ("đăng ký", False),
     ("", False), ("1.2 khai sinh", False)],
)  # fmt: skip
def test_looks_like_code(text, expected):
    assert codes.looks_like_code(text) is expected
