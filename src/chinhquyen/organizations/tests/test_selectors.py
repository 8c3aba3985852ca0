"""Read side: legacy addresses, wards of a province, and the existing selectors."""

import unicodedata

import pytest

from chinhquyen.organizations import selectors
from chinhquyen.organizations.models import AdministrativeUnit, Agency


def _new_codes(matches) -> list[str]:
    return [m.new_unit.code for m in matches]


TYPED = [
    "Phường Nghi Phú",
    "phuong nghi phu",  # no diacritics
    "NGHI PHU",  # no prefix, upper case
    "Xã Nghi Phú",  # wrong prefix: tolerated
    "  nghi   phú ",
    unicodedata.normalize("NFD", "Phường Nghi Phú"),  # decomposed input
]


@pytest.mark.django_db
def test_finds_the_new_ward_of_a_real_old_commune(legacy):
    for typed in TYPED:
        matches = selectors.find_new_unit(old_name=typed)
        assert _new_codes(matches) == ["16702"], typed
        match = matches[0]
        assert (match.old_name, match.old_district, match.whole) == (
            "Phường Nghi Phú",
            "Thành phố Vinh",
            True,
        )
        assert (match.new_unit.name, match.new_unit.province.name) == (
            "Phường Vinh Phú",
            "Tỉnh Nghệ An",
        )


@pytest.mark.django_db
def test_same_name_in_two_provinces_is_narrowed_by_province_or_district(legacy):
    both = selectors.find_new_unit(old_name="Xa Hung Loc")
    assert sorted(_new_codes(both)) == ["16078", "26326"]
    assert _new_codes(selectors.find_new_unit(old_name="Xa Hung Loc", old_province="Đồng Nai")) == [
        "26326"
    ]
    assert _new_codes(selectors.find_new_unit(old_name="Hưng Lộc", old_district="hau loc")) == [
        "16078"
    ]
    assert _new_codes(
        selectors.find_new_unit(
            old_name="Hưng Lộc", old_district="Huyện Hậu Lộc", old_province="Tỉnh Thanh Hóa"
        )
    ) == ["16078"]
    # Nghệ An had no Xã Hưng Lộc but a Phường Hưng Lộc (Vinh): a different prefix is tolerated.
    in_nghe_an = selectors.find_new_unit(old_name="Xã Hưng Lộc", old_province="Nghệ An")
    assert [m.old_name for m in in_nghe_an] == ["Phường Hưng Lộc"]
    assert selectors.find_new_unit(old_name="Hưng Lộc", old_province="Cà Mau") == []


@pytest.mark.django_db
def test_exact_prefix_ranks_first(legacy):
    # "Phường Hưng Dũng" exists; asking for it must not also return other "Hưng Dũng"s.
    matches = selectors.find_new_unit(old_name="Phường Hưng Dũng")
    assert {m.old_name for m in matches} == {"Phường Hưng Dũng"}
    assert "16690" in _new_codes(matches)


@pytest.mark.django_db
def test_a_commune_split_between_two_wards_gives_both_parts(legacy):
    matches = selectors.find_new_unit(old_code="16")  # zero-padded to 00016
    assert sorted(_new_codes(matches)) == ["00004", "00008"]
    assert all(m.old_name == "Phường Ngọc Hà" and not m.whole for m in matches)


@pytest.mark.django_db
def test_by_name_and_code(legacy):
    assert _new_codes(selectors.find_new_unit(old_name="Nghi Phong", old_code="17902")) == ["16708"]
    assert selectors.find_new_unit(old_name="Nghi Phong", old_code="16702") == []


@pytest.mark.django_db
def test_unknown_commune_finds_nothing(legacy):
    assert selectors.find_new_unit(old_name="Xã Không Có Thật") == []


def test_needs_a_name_or_a_code():
    with pytest.raises(ValueError):
        selectors.find_new_unit(old_name="  ")


@pytest.mark.django_db
def test_wards_of(units):
    wards = selectors.wards_of("40")
    assert wards.count() == 130
    assert all(w.level == AdministrativeUnit.Level.WARD for w in wards)
    codes = list(wards.values_list("code", flat=True))
    assert codes == sorted(codes)
    assert "16702" in codes
    assert selectors.wards_of("4").count() == selectors.wards_of("04").count() > 0  # Cao Bằng
    assert selectors.wards_of("77").count() == 0  # Bà Rịa - Vũng Tàu no longer exists
    assert selectors.provinces().count() == 34


@pytest.mark.django_db
def test_home_province(units, settings):
    settings.PROVINCE_CODE = "40"
    assert selectors.home_province().name == "Tỉnh Nghệ An"
    settings.PROVINCE_CODE = "16702"  # a ward, not a province
    assert selectors.home_province() is None


@pytest.mark.django_db
def test_agency_subtree_and_visibility(agency_tree, officials):
    root = agency_tree["root"]
    assert selectors.agency_subtree_ids(root) == set(Agency.objects.values_list("pk", flat=True))
    assert selectors.agency_subtree_ids(agency_tree["justice"]) == {agency_tree["justice"].pk}
    assert selectors.agencies_visible_to(officials["admin"]).count() == 4
    assert list(selectors.agencies_visible_to(officials["justice_leader"])) == [
        agency_tree["justice"]
    ]
