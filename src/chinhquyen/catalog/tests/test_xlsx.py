"""The xlsx export reads back: papers keep their kind (nộp, xuất trình, lưu ý) and condition."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from chinhquyen.catalog import services
from chinhquyen.catalog.models import Field, PaperKind, Procedure, RequiredPaper
from chinhquyen.catalog.tests.conftest import SMALL_CODES

openpyxl = pytest.importorskip("openpyxl")

pytestmark = pytest.mark.django_db

KHAI_SINH = "1.001193"


def _papers() -> list[tuple]:
    """Every paper of the catalog, as the round trip must keep it."""
    return [
        (
            p.procedure.code,
            p.position,
            p.group,
            p.name,
            p.kind,
            p.conditional,
            p.condition,
            p.originals,
            p.copies,
            list(p.template_names),
        )  # fmt: skip
        for p in RequiredPaper.objects.select_related("procedure").order_by(
            "procedure__code", "position"
        )
    ]


def _export(tmp_path, name="danh-muc.xlsx"):
    path = tmp_path / name
    path.write_bytes(services.export_catalog(fmt="xlsx"))
    return path


def _empty_catalog() -> None:
    Procedure.objects.all().delete()
    Field.objects.all().delete()
    assert not RequiredPaper.objects.exists()


def _papers_sheet(path):
    book = openpyxl.load_workbook(path)
    return book, book["Thành phần hồ sơ"]


def _row_of(sheet, code: str, kind: str | None = None) -> int:
    """The sheet row of the first paper of ``code`` (of the given kind label, if any)."""
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, 1).value == code and (kind is None or sheet.cell(row, 4).value == kind):
            return row
    raise AssertionError(f"no paper row for {code} {kind}")


def test_export_writes_kinds_in_words_people_read(small_catalog, tmp_path):
    _, sheet = _papers_sheet(_export(tmp_path))
    header = [c.value for c in sheet[1]]
    assert header == ["Mã số", "Nhóm", "Tên giấy tờ", "Loại", "Có điều kiện", "Trường hợp cần",
                      "Bản chính", "Bản sao", "Mẫu đơn, tờ khai"]  # fmt: skip
    rows = {tuple(c.value for c in r[3:6]) for r in sheet.iter_rows(min_row=2)}
    assert {kind for kind, _, _ in rows} == {"Nộp", "Xuất trình", "Lưu ý"}
    assert {flag for _, flag, _ in rows} == {"Có", "Không"}
    # 1.001193: the abandoned-child record is needed only in that case.
    abandoned = RequiredPaper.objects.get(
        procedure__code=KHAI_SINH, name__contains="trẻ em bị bỏ rơi", kind=PaperKind.SUBMIT
    )
    assert abandoned.conditional
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[2] == abandoned.name)
    assert row[:6] == (KHAI_SINH, abandoned.group or None, abandoned.name, "Nộp", "Có",
                       "trẻ em bị bỏ rơi")  # fmt: skip


def test_round_trip_into_the_same_and_an_empty_database(small_catalog, tmp_path):
    before = _papers()
    kinds = {(kind, conditional) for *_, kind, conditional, _, _, _, _ in before}
    assert {k for k, _ in kinds} == set(PaperKind.values) and {c for _, c in kinds} == {True, False}
    path = _export(tmp_path)

    # Same database: nothing changed, so no new version.
    versions = {p.code: p.version for p in Procedure.objects.all()}
    report = services.import_catalog(path=path)
    assert (report.created, report.updated, report.unchanged) == (0, 0, len(SMALL_CODES))
    assert report.ok
    assert {p.code: p.version for p in Procedure.objects.all()} == versions

    _empty_catalog()
    report = services.import_catalog(path=path)
    assert (report.created, report.updated, len(report.rejected)) == (len(SMALL_CODES), 0, 0)
    assert _papers() == before
    assert report.paper_kinds["note"] == sum(1 for p in before if p[4] == PaperKind.NOTE)


def test_kind_and_condition_edited_in_the_sheet_are_imported(small_catalog, tmp_path):
    path = _export(tmp_path)
    book, sheet = _papers_sheet(path)
    row = _row_of(sheet, KHAI_SINH, "Xuất trình")
    name = sheet.cell(row, 3).value
    paper = RequiredPaper.objects.get(procedure__code=KHAI_SINH, name=name)
    version = paper.procedure.version
    sheet.cell(row, 4).value = "Nộp"
    sheet.cell(row, 5).value = "có"
    sheet.cell(row, 6).value = "người đi đăng ký là người được ủy quyền"
    book.save(path)

    report = services.import_catalog(path=path)
    assert (report.updated, report.unchanged) == (1, len(SMALL_CODES) - 1)
    edited = RequiredPaper.objects.get(pk=paper.pk)  # same row: dossiers' links survive
    assert (edited.kind, edited.conditional, edited.condition) == (
        PaperKind.SUBMIT,
        True,
        "người đi đăng ký là người được ủy quyền",
    )
    assert not edited.is_required
    assert edited.procedure.version == version + 1


def test_a_sheet_exported_before_paper_kinds_still_imports(small_catalog, tmp_path):
    path = _export(tmp_path, "cu.xlsx")
    book, sheet = _papers_sheet(path)
    sheet.delete_cols(4, 3)  # Loại, Có điều kiện, Trường hợp cần
    assert [c.value for c in sheet[1]] == [
        "Mã số", "Nhóm", "Tên giấy tờ", "Bản chính", "Bản sao", "Mẫu đơn, tờ khai",
    ]  # fmt: skip
    book.save(path)
    before = _papers()

    # Into the catalog it came from: kinds and conditions are kept, nothing changes.
    report = services.import_catalog(path=path)
    assert (report.updated, report.unchanged, len(report.rejected)) == (0, len(SMALL_CODES), 0)
    assert _papers() == before

    # Into an empty catalog: every paper is one to submit, in every case (as the JSON import).
    _empty_catalog()
    report = services.import_catalog(path=path)
    assert report.created == len(SMALL_CODES) and report.ok
    after = _papers()
    assert [p[:4] + p[7:] for p in after] == [p[:4] + p[7:] for p in before]
    assert {(p[4], p[5], p[6]) for p in after} == {(PaperKind.SUBMIT, False, "")}


def _small_book(tmp_path, *paper_rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Thủ tục"
    sheet.append(["Mã số", "Tên", "Lĩnh vực", "Phiên bản"])
    sheet.append(["1.999401", "Thủ tục thử một", "Hộ tịch", 1])
    sheet.append(["1.999402", "Thủ tục thử hai", "Hộ tịch", 1])
    papers = book.create_sheet("Thành phần hồ sơ")
    papers.append(["Mã số", "Nhóm", "Tên giấy tờ", "Loại", "Có điều kiện", "Trường hợp cần",
                   "Bản chính", "Bản sao", "Mẫu đơn, tờ khai"])  # fmt: skip
    papers.append(["1.999402", None, "Tờ khai", "Nộp", "Không", None, 1, None, "To-khai.docx"])
    for row in paper_rows:
        papers.append(row)
    path = tmp_path / "sua.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["1.999401", None, "Giấy chứng sinh", "Nộpp", "Không", None, 1, None, None],
         "Trang “Thành phần hồ sơ”, dòng 3: loại “Nộpp” không hợp lệ; ghi một trong: Nộp, "
         "Xuất trình, Lưu ý."),
        (["1.999401", None, "Giấy chứng sinh", "Nộp", "có lẽ", None, 1, None, None],
         "Trang “Thành phần hồ sơ”, dòng 3: cột “Có điều kiện” ghi “có lẽ”; ghi “Có” hoặc "
         "“Không”."),
        (["1.999401", None, "Văn bản ủy quyền", "Nộp", "Không", "ủy quyền", 1, None, None],
         "Trang “Thành phần hồ sơ”, dòng 3: có ghi trường hợp cần (“ủy quyền”) nhưng cột “Có "
         "điều kiện” ghi “Không”"),
        (["1.999401", None, "Mang bản chính khi nhận", "Lưu ý", "Có", None, None, None, None],
         "Trang “Thành phần hồ sơ”, dòng 3: lưu ý không có điều kiện"),
        (["1.999401", None, "Giấy chứng sinh", "Nộp", "Không", None, "hai", None, None],
         "Trang “Thành phần hồ sơ”, dòng 3: cột “Bản chính” phải là số bản, từ 0 đến 999"),
        (["1.999401", None, None, "Nộp", "Không", None, 1, None, None],
         "Trang “Thành phần hồ sơ”, dòng 3: thiếu tên giấy tờ."),
    ],
)  # fmt: skip
def test_a_bad_value_rejects_that_procedure_naming_the_sheet_row(tmp_path, row, message):
    report = services.import_catalog(path=_small_book(tmp_path, row))
    assert [(r.code, r.reason[: len(message)]) for r in report.rejected] == [("1.999401", message)]
    assert not Procedure.objects.filter(code="1.999401").exists()
    # The other procedure of the file is imported with its paper.
    paper = RequiredPaper.objects.get(procedure__code="1.999402")
    assert (paper.name, paper.kind, paper.originals, paper.template_names) == (
        "Tờ khai",
        PaperKind.SUBMIT,
        1,
        ["To-khai.docx"],
    )


def test_papers_of_a_code_not_in_the_list_are_reported(tmp_path):
    path = _small_book(
        tmp_path, ["1.999499", None, "Giấy tờ lạc", "Nộp", "Không", None, 1, None, None]
    )
    report = services.import_catalog(path=path)
    assert [(r.row, r.reason) for r in report.rejected] == [
        (3, "Trang “Thành phần hồ sơ”, dòng 3: mã 1.999499 không có trong trang danh sách thủ tục.")
    ]
    assert report.created == 2
    # A listed procedure without paper rows has no papers (the sheet is the whole list).
    assert not RequiredPaper.objects.filter(procedure__code="1.999401").exists()


def test_words_people_type_are_understood(tmp_path):
    path = _small_book(
        tmp_path,
        ["1.999401", None, "Giấy chứng sinh", "nộp", None, None, "1", None, None],
        ["1.999401", None, "Văn bản ủy quyền", None, None, "ủy quyền", 1, None, None],
        ["1.999401", None, "Căn cước", "XUAT TRINH", "không", None, None, None, None],
        ["1.999401", None, "Giấy tờ nếu có", "Giấy tờ phải nộp", "x", None, None, 1.0, None],
        ["1.999401", None, "Mang bản chính khi nhận kết quả", "lưu ý", None, None, None, None, None],
    )  # fmt: skip
    report = services.import_catalog(path=path)
    assert report.ok, report.lines()
    got = [
        (p.name, p.kind, p.conditional, p.condition, p.originals, p.copies)
        for p in RequiredPaper.objects.filter(procedure__code="1.999401").order_by("position")
    ]
    assert got == [
        ("Giấy chứng sinh", "submit", False, "", 1, None),
        ("Văn bản ủy quyền", "submit", True, "ủy quyền", 1, None),
        ("Căn cước", "present", False, "", None, None),
        ("Giấy tờ nếu có", "submit", True, "", None, 1),
        ("Mang bản chính khi nhận kết quả", "note", False, "", None, None),
    ]


def test_command_reports_the_bad_row_and_exits_1(tmp_path):
    path = _small_book(
        tmp_path, ["1.999401", None, "Giấy chứng sinh", "Nộpp", "Không", None, 1, None, None]
    )
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("catalog", "import", str(path), stdout=out)
    assert info.value.returncode == 1
    assert "Dòng 2 (1.999401): Trang “Thành phần hồ sơ”, dòng 3: loại “Nộpp”" in out.getvalue()


def test_the_papers_sheet_is_the_whole_list_even_when_emptied(small_catalog, tmp_path):
    path = _export(tmp_path)
    book, sheet = _papers_sheet(path)
    sheet.delete_rows(2, sheet.max_row)
    book.save(path)
    with_papers = Procedure.objects.filter(papers__isnull=False).distinct().count()
    report = services.import_catalog(path=path)
    assert (report.updated, report.unchanged) == (with_papers, len(SMALL_CODES) - with_papers)
    assert not RequiredPaper.objects.exists()
    # Without the sheet, papers are left as they are.
    services.import_records(
        [
            (
                1,
                {
                    "code": KHAI_SINH,
                    "name": "Thủ tục đăng ký khai sinh",
                    "papers": [{"name": "Tờ khai"}],
                },
            )
        ]
    )
    del book["Thành phần hồ sơ"]
    book.save(path)
    assert services.import_catalog(path=path).updated == 0
    assert RequiredPaper.objects.get().name == "Tờ khai"
