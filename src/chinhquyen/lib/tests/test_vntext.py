import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from chinhquyen.lib.vntext import contains_folded, fold, normalize

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
)
vietnamese_text = st.text(
    alphabet=st.sampled_from(VIETNAMESE + VIETNAMESE.upper() + " \t\n"), max_size=40
)


def test_fold_nfc_and_nfd_give_the_same_key():
    nfc = unicodedata.normalize("NFC", "Đăng ký khai sinh")
    nfd = unicodedata.normalize("NFD", "Đăng ký khai sinh")
    assert nfc != nfd  # the two inputs really are different strings
    assert fold(nfc) == "dang ky khai sinh"
    assert fold(nfd) == "dang ky khai sinh"


def test_fold_strips_marks_case_d_and_spaces():
    assert fold("  THỦ TỤC   Hành\tchính ") == "thu tuc hanh chinh"
    assert fold("Đắk Lắk") == "dak lak"
    assert fold("Thừa Thiên Huế") == "thua thien hue"
    assert fold("Ơ ư Ư") == "o u u"
    assert fold("") == ""
    assert fold(None) == ""


def test_fold_old_and_new_tone_placement_match():
    # "Hoà" (old style) and "Hòa" (new style) are the same place.
    assert fold("Hoà Bình") == fold("Hòa Bình") == "hoa binh"


def test_normalize_is_nfc_with_single_spaces():
    decomposed = unicodedata.normalize("NFD", "  Xã   Nghi Phú ")
    result = normalize(decomposed)
    assert result == "Xã Nghi Phú"
    assert unicodedata.is_normalized("NFC", result)
    assert normalize(None) == ""


def test_contains_folded():
    assert contains_folded("Thành phố Đà Nẵng", "da nang")
    assert contains_folded("Thành phố Đà Nẵng", "")
    assert not contains_folded("Thành phố Đà Nẵng", "ha noi")


@given(st.text(max_size=60))
def test_fold_is_idempotent_and_form_insensitive(text):
    key = fold(text)
    assert fold(key) == key
    assert fold(unicodedata.normalize("NFC", text)) == fold(unicodedata.normalize("NFD", text))
    assert not any(unicodedata.category(ch) == "Mn" for ch in unicodedata.normalize("NFD", key))
    assert "  " not in key and key == key.strip()


@given(vietnamese_text)
def test_fold_of_vietnamese_is_plain_ascii_lowercase(text):
    key = fold(text)
    assert key.isascii()
    assert key == key.lower()


@given(st.text(max_size=60))
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once
    assert unicodedata.is_normalized("NFC", once)
