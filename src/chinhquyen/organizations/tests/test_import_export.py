"""Importing agencies from CSV/JSON: per-row reports, parents in any order, idempotent."""

import json
import unicodedata

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chinhquyen.audit.models import AuditRecord
from chinhquyen.organizations import services
from chinhquyen.organizations.models import Agency

HEADER = "code,name,short_name,kind,parent_code,admin_unit_code,address,phone,email\n"
GOOD_AND_BAD = HEADER + (
    # row 2: a child before its parent (row 3)
    '000.00.01.H41,Sở Tư pháp,STP,department,000.00.00.H41,40,"Số 1, Lê Mao",0238 3844 123,'
    "stp@nghean.gov.vn\n"
    "000.00.00.H41,UBND tỉnh Nghệ An,,UBND tỉnh,,40,,,\n"
    # row 4: bad code
    "000..02.H41,Sở Sai Mã,,department,000.00.00.H41,40,,,\n"
    # row 5: missing parent
    "000.00.03.H41,Sở Xây dựng,SXD,department,000.00.99.H41,40,,,\n"
    # row 6: grandchild listed before its parent (row 7)
    "000.00.51.H41,UBND phường Vinh Phú,,ward_committee,000.00.50.H41,16702,,,\n"
    "000.00.50.H41,Trung tâm Phục vụ hành chính công,,service_centre,000.00.00.H41,40,,,\n"
    # row 8: bad phone (nothing of this row may be written)
    "000.00.04.H41,Sở Nội vụ,SNV,department,000.00.00.H41,40,,12345,\n"
    # row 9: unknown administrative unit
    "000.00.05.H41,Sở Y tế,SYT,department,000.00.00.H41,77777,,,\n"
)


def _write(tmp_path, text: str, name: str = "agencies.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_import_reports_each_rejected_row_and_writes_the_good_ones(units, tmp_path):
    path = _write(tmp_path, GOOD_AND_BAD)
    report = services.import_agencies(path=path)
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert [(r.row, r.code) for r in sorted(report.rejected, key=lambda r: r.row)] == [
        (4, "000..02.H41"),
        (5, "000.00.03.H41"),
        (8, "000.00.04.H41"),
        (9, "000.00.05.H41"),
    ]
    lines = report.lines()
    assert lines[0].startswith("Dòng 4 (000..02.H41): Mã định danh cơ quan không được bắt đầu")
    assert lines[1] == "Dòng 5 (000.00.03.H41): Không tìm thấy cơ quan cấp trên mã 000.00.99.H41."
    assert lines[2].startswith("Dòng 8 (000.00.04.H41): Số điện thoại không hợp lệ")
    assert lines[3].startswith(
        "Dòng 9 (000.00.05.H41): Không tìm thấy đơn vị hành chính mã “77777”"
    )
    assert not report.ok

    justice = Agency.objects.get(code="000.00.01.H41")
    assert (justice.parent.code, justice.admin_unit.name, justice.phone, justice.address) == (
        "000.00.00.H41",
        "Tỉnh Nghệ An",
        "02383844123",
        "Số 1, Lê Mao",
    )
    assert Agency.objects.get(code="000.00.00.H41").kind == Agency.Kind.PROVINCE_COMMITTEE
    ward = Agency.objects.get(code="000.00.51.H41")
    assert (ward.parent.code, ward.parent.parent.code, ward.admin_unit.code) == (
        "000.00.50.H41",
        "000.00.00.H41",
        "16702",
    )
    assert not Agency.objects.filter(code__in=["000.00.03.H41", "000.00.04.H41"]).exists()
    # One audit record per written agency, and one for the import as a whole.
    assert AuditRecord.objects.filter(action="organizations.create_agency").count() == 4
    summary = AuditRecord.objects.filter(action="organizations.import_agencies").get()
    assert summary.changes == {
        "source": "agencies.csv",
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "rejected": 4,
    }


@pytest.mark.django_db
def test_reimport_is_idempotent(units, tmp_path):
    path = _write(tmp_path, GOOD_AND_BAD)
    services.import_agencies(path=path)
    audit_before = (
        AuditRecord.objects.filter(action__startswith="organizations.")
        .exclude(action="organizations.import_agencies")
        .count()
    )
    again = services.import_agencies(path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert [r.row for r in again.rejected] == [4, 5, 8, 9]
    assert Agency.objects.count() == 4
    audit_after = (
        AuditRecord.objects.filter(action__startswith="organizations.")
        .exclude(action="organizations.import_agencies")
        .count()
    )
    assert audit_after == audit_before  # nothing changed, nothing audited


@pytest.mark.django_db
def test_reimport_updates_changed_rows_and_leaves_absent_columns_alone(units, tmp_path):
    services.import_agencies(path=_write(tmp_path, GOOD_AND_BAD))
    # Only code and name: short_name, parent, phone… stay as they are.
    report = services.import_agencies(
        path=_write(tmp_path, "code,name\n000.00.01.H41,Sở Tư pháp Nghệ An\n", "rename.csv")
    )
    assert (report.created, report.updated, report.unchanged, report.ok) == (0, 1, 0, True)
    justice = Agency.objects.get(code="000.00.01.H41")
    assert (justice.name, justice.short_name, justice.parent.code, justice.phone) == (
        "Sở Tư pháp Nghệ An",
        "STP",
        "000.00.00.H41",
        "02383844123",
    )
    update = AuditRecord.objects.filter(action="organizations.update_agency").get()
    assert update.changes == {"name": {"before": "Sở Tư pháp", "after": "Sở Tư pháp Nghệ An"}}
    # An empty cell clears the field.
    services.import_agencies(
        path=_write(tmp_path, "code,name,parent_code\n000.00.01.H41,Sở Tư pháp,\n", "clear.csv")
    )
    assert Agency.objects.get(code="000.00.01.H41").parent is None


@pytest.mark.django_db
def test_parent_cycles_and_duplicates_in_the_file_are_rejected(db, tmp_path):
    text = (
        "code,name,parent_code\n"
        "A01,Cơ quan A,B01\n"
        "B01,Cơ quan B,A01\n"
        "C01,Cơ quan C,C01\n"
        "D01,Cơ quan D,\n"
        "d01,Cơ quan D lần hai,\n"
        "E01,Cơ quan E,A01\n"
    )
    report = services.import_agencies(path=_write(tmp_path, text))
    assert report.created == 1
    reasons = {r.row: r.reason for r in report.rejected}
    assert set(reasons) == {2, 3, 4, 6, 7}
    assert reasons[2] == "Vòng lặp cơ quan cấp trên: A01 → B01 → A01."
    assert reasons[3] == "Vòng lặp cơ quan cấp trên: B01 → A01 → B01."
    assert reasons[4] == "Cơ quan cấp trên không được là chính nó."
    assert reasons[6] == "Mã D01 đã xuất hiện ở dòng 5."
    assert reasons[7].startswith("Cơ quan cấp trên A01 nằm trong một vòng lặp")
    assert list(Agency.objects.values_list("code", flat=True)) == ["D01"]


@pytest.mark.django_db
def test_a_row_whose_parent_row_was_rejected_is_rejected_too(db, tmp_path):
    text = "code,name,parent_code\nB01,Con,A01\nA01,,\n"
    report = services.import_agencies(path=_write(tmp_path, text))
    reasons = {r.row: r.reason for r in report.rejected}
    assert reasons == {
        3: "Tên cơ quan không được để trống.",
        2: "Cơ quan cấp trên A01 (dòng 3) bị từ chối nên dòng này không được ghi.",
    }
    assert not Agency.objects.exists()


@pytest.mark.django_db
def test_json_import_nfd_semicolons_and_bom(units, tmp_path):
    items = [
        {
            "code": "000.00.00.H41",
            "name": unicodedata.normalize("NFD", "UBND tỉnh Nghệ An"),
            "kind": "province_committee",
            "admin_unit_code": "40",
        },
        {
            "code": "000.00.01.H41",
            "name": "Sở Tư pháp",
            "parent_code": "000.00.00.H41",
            "is_active": False,
        },
        {"code": "000.00.02.H41"},
        "không phải đối tượng",
    ]
    path = tmp_path / "agencies.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    report = services.import_agencies(path=path)
    assert report.created == 2
    assert report.lines() == [
        "Mục 3 (000.00.02.H41): Thiếu tên cơ quan.",
        "Mục 4: Mỗi mục phải là một đối tượng JSON.",
    ]
    root = Agency.objects.get(code="000.00.00.H41")
    assert root.name == "UBND tỉnh Nghệ An" and unicodedata.is_normalized("NFC", root.name)
    assert not Agency.objects.get(code="000.00.01.H41").is_active

    csv_path = tmp_path / "excel.csv"
    csv_path.write_bytes("\ufeffcode;name;admin_unit_code\n000.00.09.H41;Sở Y tế;40\n".encode())
    assert services.import_agencies(path=csv_path).created == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,kind\nSở,department\n", "thiếu cột bắt buộc: code"),
        ("code,name,parent\nA01,Sở,B01\n", None),  # unknown column: every row rejected
    ],
)
def test_bad_columns(db, tmp_path, text, message):
    path = _write(tmp_path, text)
    if message:
        with pytest.raises(ValidationError) as excinfo:
            services.import_agencies(path=path)
        assert message in excinfo.value.messages[0]
    else:
        report = services.import_agencies(path=path)
        assert report.lines() == [
            "Dòng 2 (A01): Cột/khóa không được hỗ trợ: parent. Các cột hợp lệ: code, name, "
            "short_name, kind, parent_code, admin_unit_code, address, phone, email, is_active."
        ]
    assert not Agency.objects.exists()


@pytest.mark.django_db
def test_non_admin_cannot_import(officials, tmp_path):
    with pytest.raises(PermissionDenied):
        services.import_agencies(
            path=_write(tmp_path, GOOD_AND_BAD), actor=officials["justice_leader"]
        )


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_round_trips(agency_tree, tmp_path, fmt):
    services.update_agency(
        actor=None,
        agency=agency_tree["building"],
        phone="0912345678",
        address="Số 5, Quang Trung",
        is_active=False,
    )
    exported = services.export_agencies(fmt=fmt)
    path = _write(tmp_path, exported, f"export.{fmt}")
    if fmt == "json":
        rows = json.loads(exported)
        assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)
        assert rows[2]["parent_code"] == "000.00.00.H41" and rows[2]["is_active"] is False
    before = {a.code: services.agency_snapshot(a) for a in Agency.objects.all()}
    report = services.import_agencies(path=path)
    assert (report.created, report.updated, report.unchanged, report.ok) == (0, 0, 4, True)
    # Into an empty database it recreates the same tree.
    Agency.objects.all().update(parent=None)
    Agency.objects.all().delete()
    report = services.import_agencies(path=path)
    assert (report.created, report.ok) == (4, True)
    assert {a.code: services.agency_snapshot(a) for a in Agency.objects.all()} == before


def test_export_rejects_unknown_format():
    with pytest.raises(ValueError):
        services.export_agencies(fmt="xml")
