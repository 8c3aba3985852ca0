"""The shipped fixtures: administrative units since 1 July 2025 and the legacy mapping."""

import gzip
import json
import unicodedata

import pytest
from django.core.exceptions import ValidationError

from chinhquyen.audit.models import AuditRecord
from chinhquyen.organizations import services
from chinhquyen.organizations.models import AdministrativeUnit, LegacyUnitMapping

P, W = AdministrativeUnit.Level.PROVINCE, AdministrativeUnit.Level.WARD


@pytest.mark.django_db
def test_shipped_fixture_loads_34_provinces_and_3321_wards(units):
    assert (units.created, units.updated, units.unchanged, units.skipped) == (3355, 0, 0, [])
    assert AdministrativeUnit.objects.filter(level=P).count() == 34
    assert AdministrativeUnit.objects.filter(level=W).count() == 3321
    assert not AdministrativeUnit.objects.filter(level=W, province__isnull=True).exists()
    kinds = {
        kind: AdministrativeUnit.objects.filter(level=W, kind=kind).count()
        for kind in ("Phường", "Xã", "Đặc khu")
    }
    assert kinds == {"Phường": 687, "Xã": 2621, "Đặc khu": 13}
    assert AdministrativeUnit.objects.filter(level=P, kind="Thành phố").count() == 6
    assert AdministrativeUnit.objects.filter(level=P, kind="Tỉnh").count() == 28


@pytest.mark.django_db
def test_real_names_and_codes(units):
    nghe_an = AdministrativeUnit.objects.get(code="40")
    assert (nghe_an.name, nghe_an.kind, nghe_an.level) == ("Tỉnh Nghệ An", "Tỉnh", P)
    assert nghe_an.wards.count() == 130  # 119 xã + 11 phường per the official list
    assert nghe_an.wards.filter(kind="Phường").count() == 11
    hanoi = AdministrativeUnit.objects.get(code="01")
    assert (hanoi.name, hanoi.kind) == ("Thành phố Hà Nội", "Thành phố")
    ba_dinh = AdministrativeUnit.objects.get(code="00004")
    assert (ba_dinh.name, ba_dinh.kind, ba_dinh.province) == ("Phường Ba Đình", "Phường", hanoi)
    assert AdministrativeUnit.objects.get(code="16702").name == "Phường Vinh Phú"
    assert AdministrativeUnit.objects.get(code="16690").name == "Phường Trường Vinh"
    con_dao = AdministrativeUnit.objects.get(code="26732")
    assert (con_dao.name, con_dao.kind, con_dao.province.code) == (
        "Đặc khu Côn Đảo",
        "Đặc khu",
        "79",
    )
    # The source spells this one "xã Bắc Sơn": the prefix is written canonically.
    assert AdministrativeUnit.objects.get(code="06325").name == "Xã Bắc Sơn"


@pytest.mark.django_db
def test_every_name_is_nfc_with_single_spaces(units):
    for name in AdministrativeUnit.objects.values_list("name", flat=True):
        assert unicodedata.is_normalized("NFC", name)
        assert name == " ".join(name.split())


@pytest.mark.django_db
def test_loading_twice_creates_nothing_new(units):
    before = AuditRecord.objects.filter(action="organizations.load_units").count()
    again = services.load_administrative_units()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3355)
    assert AdministrativeUnit.objects.count() == 3355
    # Each load is audited, the second one saying that nothing changed.
    records = AuditRecord.objects.filter(action="organizations.load_units").order_by("seq")
    assert records.count() == before + 1
    assert records.last().changes["created"] == 0


@pytest.mark.django_db
def test_reload_repairs_a_changed_row(units):
    AdministrativeUnit.objects.filter(code="16702").update(name="Phường Sai Tên", kind="Xã")
    again = services.load_administrative_units()
    assert (again.created, again.updated, again.unchanged) == (0, 1, 3354)
    ward = AdministrativeUnit.objects.get(code="16702")
    assert (ward.name, ward.kind) == ("Phường Vinh Phú", "Phường")
    record = AuditRecord.objects.filter(action="organizations.load_units").first()
    assert record.changes["sample"]["16702"]["name"] == {
        "before": "Phường Sai Tên",
        "after": "Phường Vinh Phú",
    }


@pytest.mark.django_db
def test_load_adopts_rows_created_by_hand(agency_tree):
    # The shared conftest creates province 40 and one ward by hand; the loader updates them in
    # place (same primary key) instead of duplicating them.
    ward_pk = agency_tree["ward"].admin_unit_id
    report = services.load_administrative_units()
    assert report.created == 3353
    assert report.updated + report.unchanged == 2
    official = _shipped_names()
    ward = AdministrativeUnit.objects.get(pk=ward_pk)
    assert ward.name == official[ward.code]
    assert AdministrativeUnit.objects.get(code="40").pk == agency_tree["root"].admin_unit_id


def _shipped_names() -> dict[str, str]:
    with gzip.open(services.UNITS_FIXTURE, "rt", encoding="utf-8") as handle:
        document = json.load(handle)
    return {u["code"]: u["name"] for u in document["provinces"] + document["wards"]}


@pytest.mark.django_db
def test_load_from_a_given_file_skips_bad_entries(tmp_path):
    document = {
        "provinces": [{"code": "40", "name": "Tỉnh Nghệ An", "kind": "Tỉnh"}],
        "wards": [
            {"code": "16702", "name": "Phường Vinh Phú", "kind": "Phường", "province": "40"},
            {"code": "1", "name": "Xa\u0303 Một", "kind": "Xã", "province": "40"},
            {"code": "99999", "name": "Xã Lạc", "kind": "Xã", "province": "77"},
            {"code": "abc", "name": "Xã Sai Mã", "kind": "Xã", "province": "40"},
        ],
    }
    path = tmp_path / "units.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    report = services.load_administrative_units(path=path)
    assert (report.created, len(report.skipped)) == (3, 2)
    assert "77" in report.skipped[0] and "abc" in report.skipped[1]
    assert AdministrativeUnit.objects.get(code="00001").name == "Xã Một"  # padded, NFC


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "không phải JSON"),
        (b"[1, 2]", "provinces"),
        (b"\xff\xfe\x00", "UTF-8"),
        (gzip.compress(b"{")[:-4], "bị hỏng"),
    ],
)
def test_load_rejects_unreadable_files(tmp_path, content, message):
    path = tmp_path / "units.json"
    path.write_bytes(content)
    with pytest.raises(ValidationError) as excinfo:
        services.load_administrative_units(path=path)
    assert message in excinfo.value.messages[0]
    assert AdministrativeUnit.objects.count() == 0


@pytest.mark.django_db
def test_legacy_mapping_loads_and_is_idempotent(legacy):
    assert (legacy.created, legacy.updated, legacy.unchanged, legacy.skipped) == (10565, 0, 0, [])
    assert LegacyUnitMapping.objects.count() == 10565
    assert LegacyUnitMapping.objects.filter(whole=False).count() == 969
    assert LegacyUnitMapping.objects.filter(old_province="Tỉnh Nghệ An").count() == 412
    mapping = LegacyUnitMapping.objects.get(old_code="16702")
    assert (mapping.old_name, mapping.old_district, mapping.old_province) == (
        "Phường Nghi Phú",
        "Thành phố Vinh",
        "Tỉnh Nghệ An",
    )
    assert mapping.old_name_key == "nghi phu"
    assert (mapping.new_unit.code, mapping.whole) == ("16702", True)
    again = services.load_legacy_mappings()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10565)
    assert AuditRecord.objects.filter(action="organizations.load_legacy").count() == 2


@pytest.mark.django_db
def test_legacy_needs_units_first(db):
    with pytest.raises(ValidationError) as excinfo:
        services.load_legacy_mappings()
    assert "load-units" in excinfo.value.messages[0]
    assert not AuditRecord.objects.filter(action="organizations.load_legacy").exists()


@pytest.mark.django_db
def test_legacy_from_a_given_file_skips_and_counts(units, tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_text(
        "old_code,old_name,old_district,old_province,new_code,whole,note\n"
        "16702,Phường Nghi Phú,Thành phố Vinh,Tỉnh Nghệ An,16702,whole,Nhập toàn bộ\n"
        "16702,Phường Nghi Phú,Thành phố Vinh,Tỉnh Nghệ An,16702,whole,Nhập toàn bộ\n"
        ",Khu vực bãi bồi,Huyện Kim Sơn,Tỉnh Ninh Bình,14698,whole,\n"
        "17902,Xã Nghi Phong,Thành phố Vinh,Tỉnh Nghệ An,99999,whole,\n"
        "17903,Xã Thử,Thành phố Vinh,Tỉnh Nghệ An,16708,nửa,\n"
        "16675,Phường  Hưng Dũng,Thành phố Vinh,Tỉnh Nghệ An,16690,Nhập một phần,\n",
        encoding="utf-8",
    )
    report = services.load_legacy_mappings(path=path)
    assert (report.created, len(report.skipped)) == (2, 4)
    assert [line.split(":")[0] for line in report.skipped] == [
        "Dòng 3",
        "Dòng 4",
        "Dòng 5",
        "Dòng 6",
    ]
    hung_dung = LegacyUnitMapping.objects.get(old_code="16675")
    assert (hung_dung.old_name, hung_dung.whole) == ("Phường Hưng Dũng", False)


@pytest.mark.django_db
def test_non_admin_cannot_load_reference_data(officials):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.load_administrative_units(actor=officials["justice_leader"])
    assert AdministrativeUnit.objects.count() == 2  # only what conftest created
    report = services.load_administrative_units(actor=officials["admin"])
    assert report.created == 3353
    record = AuditRecord.objects.filter(action="organizations.load_units").get()
    assert record.actor_id == officials["admin"].pk
