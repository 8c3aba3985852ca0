"""Importing the national data: idempotent, NFC, never invents, reports what it could not read."""

import gzip
import io
import json
import unicodedata
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from chinhquyen.audit.models import AuditRecord
from chinhquyen.catalog import services
from chinhquyen.catalog.models import (
    OnlineLevel,
    Procedure,
    ProcedureChannel,
    ProcedureVersion,
    RequiredPaper,
)
from chinhquyen.catalog.tests.conftest import SMALL_CODES, demo_records
from chinhquyen.events.models import OutboxEvent

pytestmark = pytest.mark.django_db


def _record(**overrides) -> dict:
    record = dict(demo_records(("1.001193",))[0][1])
    record.update(overrides)
    return record


def _write_jsonl(tmp_path, records, name="tthc.jsonl.gz"):
    path = tmp_path / name
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def test_import_twice_creates_then_changes_nothing(tmp_path):
    path = _write_jsonl(tmp_path, [r for _, r in demo_records(SMALL_CODES)])
    first = services.import_catalog(path=path)
    assert (first.created, first.updated, first.unchanged, first.rejected) == (
        len(SMALL_CODES),
        0,
        0,
        [],
    )
    versions = ProcedureVersion.objects.count()
    second = services.import_catalog(path=path)
    assert (second.created, second.updated, second.unchanged) == (0, 0, len(SMALL_CODES))
    assert Procedure.objects.count() == len(SMALL_CODES)
    assert ProcedureVersion.objects.count() == versions == len(SMALL_CODES)


def test_import_run_is_audited_once_with_its_counts(tmp_path):
    path = _write_jsonl(tmp_path, [r for _, r in demo_records(SMALL_CODES[:5])])
    before = AuditRecord.objects.count()
    services.import_catalog(path=path)
    records = list(AuditRecord.objects.order_by("seq")[before:])
    assert [r.action for r in records] == ["catalog.import"]
    assert records[0].changes["created"] == 5
    assert sorted(records[0].changes["created_codes"]) == sorted(SMALL_CODES[:5])
    assert OutboxEvent.objects.filter(event_type="catalog.imported").count() == 1


def test_imported_text_is_nfc_and_parsed_into_rows():
    decomposed = _record(
        ten_thu_tuc=unicodedata.normalize("NFD", "Thủ tục đăng ký khai sinh"),
        linh_vuc=unicodedata.normalize("NFD", "Hộ tịch"),
    )
    report = services.import_records([(1, decomposed)])
    assert report.created == 1
    p = Procedure.objects.get(code="1.001193")
    assert p.name == "Thủ tục đăng ký khai sinh" == unicodedata.normalize("NFC", p.name)
    assert p.field.name == "Hộ tịch"
    assert p.search_name == "thu tuc dang ki khai sinh"
    assert p.at_commune and not p.at_province
    assert p.online_level == OnlineLevel.UNSPECIFIED  # online channel present, level not stated
    channels = list(p.channels.all())
    assert {c.channel for c in channels} == {"direct", "online", "postal"}
    assert all(c.fee_amount == 0 for c in channels)
    assert p.papers.count() >= 1
    assert p.results and p.legal_basis


def test_what_cannot_be_parsed_is_reported_and_kept_raw():
    record = _record(
        cach_thuc_thuc_hien="Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến120 VNĐ(20.000 vnđ /tờ khai)"
    )
    report = services.import_records([(1, record)])
    assert "1.001193" in report.problems
    assert "không tách được thời hạn và phí" in report.problems["1.001193"][0]
    assert any("không tách được thời hạn và phí" in kind for kind in report.problem_counts)
    channel = ProcedureChannel.objects.get()
    assert channel.time_value is None and channel.fee_amount is None  # nothing invented
    assert "120 VNĐ" in channel.description
    assert "120 VNĐ" in Procedure.objects.get().channels_text


def test_bad_records_are_rejected_with_their_line_and_the_rest_imported():
    records = [
        (1, _record(ma_thu_tuc="1.00119")),
        (2, _record()),
        (3, _record(ten_thu_tuc="Không có thông tin")),
        (4, _record()),
        (5, {"_invalid": "{broken"}),
    ]
    report = services.import_records(records)
    assert report.created == 1
    assert [(r.row, r.code) for r in report.rejected] == [
        (1, "1.00119"),
        (3, "1.001193"),
        (4, "1.001193"),
        (5, ""),
    ]
    assert "Mã thủ tục" in report.rejected[0].reason
    assert "trùng" in report.rejected[2].reason


def test_changed_record_updates_and_keeps_the_old_version():
    services.import_records([(1, _record())])
    p = Procedure.objects.get()
    report = services.import_records(
        [(1, _record(ten_thu_tuc="Thủ tục đăng ký khai sinh (sửa đổi)"))]
    )
    assert report.updated == 1
    versions = list(p.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].snapshot["name"] == "Thủ tục đăng ký khai sinh"
    assert versions[1].snapshot["name"] == "Thủ tục đăng ký khai sinh (sửa đổi)"
    p.refresh_from_db()
    assert p.version == 2


def test_reimport_keeps_local_decisions(admin_user):
    services.import_records([(1, _record())])
    p = Procedure.objects.get()
    services.update_procedure(actor=admin_user, procedure=p, online_level=OnlineLevel.FULL)
    paper = p.papers.first()
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    services.attach_form_template(actor=admin_user, paper=paper,
                                  file=ContentFile(docx.getvalue(), name="to-khai.docx"),
                                  has_eform=True)  # fmt: skip
    changed = _record(ten_thu_tuc="Thủ tục đăng ký khai sinh (mới)")
    services.import_records([(1, changed)])
    p.refresh_from_db()
    assert p.online_level == OnlineLevel.FULL
    paper = RequiredPaper.objects.get(
        pk=RequiredPaper.objects.filter(procedure=p, name=paper.name).first().pk
    )
    assert paper.has_eform and paper.template_file.name.endswith(".docx")


def test_xlsx_list_creates_and_never_blanks_richer_records(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nDANH SÁCH THỦ TỤC HÀNH CHÍNH", None, None, None, None]
    )
    sheet.append(["Mã số", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực"])
    sheet.append(
        ["1.001193", "Thủ tục đăng ký khai sinh", "Bộ Tư pháp", "Ủy ban nhân dân cấp xã", "Hộ tịch"]
    )
    sheet.append(["2.002039", "Nhập quốc tịch Việt Nam ở trong nước", "Bộ Tư pháp", "Sở Tư pháp\nBộ Tư pháp",
                  "Quốc tịch"])  # fmt: skip
    sheet.append(["x.1", "Dòng hỏng", "", "", ""])
    path = tmp_path / "danh-sach.xlsx"
    book.save(path)

    services.import_records([(1, _record())])  # the full national record of 1.001193
    channels = ProcedureChannel.objects.count()
    report = services.import_catalog(path=path)
    # 1.001193 gains the issuing agency from the list; nothing else of it is blanked.
    assert (report.created, report.updated, len(report.rejected)) == (1, 1, 1)
    new = Procedure.objects.get(code="2.002039")
    assert (new.issuing_agency, new.implementing_agency, new.field.name) == (
        "Bộ Tư pháp",
        "Sở Tư pháp, Bộ Tư pháp",
        "Quốc tịch",
    )
    assert new.source == "xlsx"
    assert ProcedureChannel.objects.count() == channels  # 1.001193 kept its channels
    kept = Procedure.objects.get(code="1.001193")
    assert kept.steps_text and kept.results and kept.issuing_agency == "Bộ Tư pháp"


def test_unreadable_files_are_a_clear_error(tmp_path):
    bad = tmp_path / "tthc.txt"
    bad.write_text("x")
    with pytest.raises(services.ValidationError):
        services.import_catalog(path=bad)
    with pytest.raises(services.ValidationError):
        services.import_catalog(path=tmp_path / "missing.jsonl")


def test_export_json_round_trips_and_xlsx_is_a_workbook(small_catalog):
    data = json.loads(services.export_catalog(fmt="json"))
    assert len(data) == len(SMALL_CODES)
    assert {"code", "name", "channels", "papers", "process", "version"} <= set(data[0])
    report = services.import_records(list(enumerate(data, start=1)), source="export")
    assert (report.created, report.updated, report.unchanged) == (0, 0, len(SMALL_CODES))
    pytest.importorskip("openpyxl")
    assert services.export_catalog(fmt="xlsx")[:2] == b"PK"


def test_command_imports_and_reports(tmp_path):
    path = _write_jsonl(tmp_path, [r for _, r in demo_records(SMALL_CODES[:3])])
    out = io.StringIO()
    call_command("catalog", "import", str(path), stdout=out)
    assert "3 thêm mới" in out.getvalue()
    out = io.StringIO()
    call_command("catalog", "import", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue())["unchanged"] == 3
    with pytest.raises(CommandError) as info:
        call_command("catalog", "import", str(tmp_path / "nope.jsonl"))
    assert info.value.returncode == 2
    broken = _write_jsonl(
        tmp_path, [{"ma_thu_tuc": "sai", "ten_thu_tuc": "x"}], name="broken.jsonl.gz"
    )
    with pytest.raises(CommandError) as info:
        call_command("catalog", "import", str(broken), stdout=io.StringIO())
    assert info.value.returncode == 1


def test_command_search_and_export(small_catalog, tmp_path):
    out = io.StringIO()
    call_command("catalog", "search", "dang ky khai sinh", "--json", stdout=out)
    assert json.loads(out.getvalue())["items"][0]["code"] == "1.001193"
    target = tmp_path / "catalog.json"
    call_command("catalog", "export", "-o", str(target), stderr=io.StringIO())
    assert len(json.loads(target.read_text())) == len(SMALL_CODES)
