"""The ``organizations`` management command: subcommands, --json output, exit codes."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chinhquyen.audit.models import AuditRecord
from chinhquyen.organizations.models import AdministrativeUnit, Agency, LegacyUnitMapping


def run(*args: str) -> str:
    out = StringIO()
    call_command("organizations", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_load_units_and_legacy_then_find_legacy():
    assert "3355 thêm mới" in run("load-units")
    data = json.loads(run("load-units", "--json"))
    assert (data["created"], data["unchanged"], data["skipped_count"]) == (0, 3355, 0)
    assert json.loads(run("load-legacy", "--json"))["created"] == 10565
    assert AdministrativeUnit.objects.count() == 3355
    assert LegacyUnitMapping.objects.count() == 10565
    record = AuditRecord.objects.filter(action="organizations.load_units").first()
    assert (record.source, record.actor_id) == ("cli", None)

    text = run("find-legacy", "--name", "Xã Nghi Phú")
    assert "Phường Nghi Phú" in text and "Phường Vinh Phú" in text and "16702" in text
    found = json.loads(
        run("find-legacy", "--name", "xa hung loc", "--province", "Dong Nai", "--json")
    )
    assert [(f["old_name"], f["new_code"], f["new_province"]) for f in found] == [
        ("Xã Hưng Lộc", "26326", "Tỉnh Đồng Nai")
    ]
    with pytest.raises(CommandError) as excinfo:
        run("find-legacy", "--name", "Xã Không Có Thật")
    assert excinfo.value.returncode == 1


@pytest.mark.django_db
def test_load_units_from_a_bad_file_exits_2(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        run("load-units", "--path", str(path))
    assert excinfo.value.returncode == 2
    assert "không phải JSON" in str(excinfo.value)


@pytest.mark.django_db
def test_import_agencies_exit_code_and_json_report(tmp_path):
    path = tmp_path / "agencies.csv"
    path.write_text("code,name,parent_code\nA01,Cơ quan A,\nB01,Cơ quan B,Z99\n", encoding="utf-8")
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("organizations", "import-agencies", str(path), "--json", stdout=out)
    assert excinfo.value.returncode == 1
    report = json.loads(out.getvalue())
    assert (report["created"], report["lines"]) == (
        1,
        ["Dòng 3 (B01): Không tìm thấy cơ quan cấp trên mã Z99."],
    )
    path.write_text("code,name\nA01,Cơ quan A\n", encoding="utf-8")
    assert "0 thêm mới, 0 cập nhật, 1 không đổi, 0 dòng bị từ chối" in run(
        "import-agencies", str(path)
    )


@pytest.mark.django_db
def test_export_agencies(agency_tree, tmp_path):
    rows = json.loads(run("export-agencies"))
    assert [r["code"] for r in rows] == list(
        Agency.objects.order_by("code").values_list("code", flat=True)
    )
    target = tmp_path / "agencies.csv"
    assert run("export-agencies", "--format", "csv", "-o", str(target)) == ""
    lines = target.read_text(encoding="utf-8").splitlines()
    assert (
        lines[0]
        == "code,name,short_name,kind,parent_code,admin_unit_code,address,phone,email,is_active"
    )
    assert len(lines) == 5


def test_needs_a_subcommand():
    with pytest.raises(CommandError):
        call_command("organizations")
