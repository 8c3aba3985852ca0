"""Read the national procedure data files into plain dictionaries for :mod:`catalog.services`.

Two formats, as published by the national database of administrative procedures:

* the per-procedure JSON records of dichvucong.gov.vn (``ma_thu_tuc``, ``ten_thu_tuc``,
  ``cach_thuc_thuc_hien``, …), one per line (``.jsonl``, optionally gzipped) or as a JSON list;
* the official "DANH SÁCH THỦ TỤC HÀNH CHÍNH" spreadsheets (``.xlsx``: Mã số, Tên, Cơ quan ban
  hành, Cơ quan thực hiện, Lĩnh vực), which carry only those five columns.

Our own xlsx export (``chinhquyen catalog export --format xlsx``) reads back too: its sheet of
procedures like the official list, and its sheet "Thành phần hồ sơ" (one row per paper, with the
paper's kind and condition) as the whole list of papers of each procedure. Its sheet "Cách thức
thực hiện" is for reading only and is skipped.

Nothing here touches the database.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chinhquyen.catalog import codes, parsing
from chinhquyen.catalog.models import PaperKind
from chinhquyen.catalog.parsing import clean_line, clean_text
from chinhquyen.lib.vntext import fold

XLSX_COLUMNS = {
    "ma so": "ma_thu_tuc",
    "ten": "ten_thu_tuc",
    "co quan ban hanh": "co_quan_ban_hanh",
    "co quan thuc hien": "co_quan_thuc_hien",
    "linh vuc": "linh_vuc",
}
# A column only our export has: its "Cơ quan thực hiện" is the stored text, kept as it is.
EXPORT_MARK = "phien ban"

# The sheet "Thành phần hồ sơ" of our export: header (folded) → key of a paper row.
PAPERS_SHEET = "Thành phần hồ sơ"
PAPER_HEADERS = (
    "Mã số", "Nhóm", "Tên giấy tờ", "Loại", "Có điều kiện", "Trường hợp cần", "Bản chính",
    "Bản sao", "Mẫu đơn, tờ khai",
)  # fmt: skip
PAPER_COLUMNS = {
    fold(header): key
    for header, key in zip(
        PAPER_HEADERS,
        ("code", "group", "name", "kind", "conditional", "condition", "originals", "copies",
         "templates"),
        strict=True,
    )
}  # fmt: skip
# The sheet "Cách thức thực hiện" of our export: shown to people, not read back.
CHANNEL_HEADER = "hinh thuc nop"

# How a paper's kind and condition flag are written in a sheet, and what is read back (folded).
PAPER_KIND_LABELS = {
    PaperKind.SUBMIT: "Nộp",
    PaperKind.PRESENT: "Xuất trình",
    PaperKind.NOTE: "Lưu ý",
}
YES, NO = "Có", "Không"
_KIND_WORDS = {
    PaperKind.SUBMIT: ("nop", "phai nop", "giay to phai nop", "submit"),
    PaperKind.PRESENT: (
        "xuat trinh",
        "phai xuat trinh",
        "giay to xuat trinh",
        "giay to phai xuat trinh",
        "present",
    ),  # fmt: skip
    PaperKind.NOTE: ("luu y", "note"),
}
KIND_BY_WORD = {word: kind for kind, words in _KIND_WORDS.items() for word in words}
FLAG_BY_WORD = {"co": True, "x": True, "1": True, "true": True,
                "khong": False, "0": False, "false": False}  # fmt: skip


class UnreadableFile(ValueError):
    """The file is not one of the supported formats (Vietnamese message)."""


def read_records(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line or row number, record)`` for each procedure in the file."""
    path = Path(path)
    name = path.name.lower()
    if not path.exists():
        raise UnreadableFile(f"Không tìm thấy tệp {path}.")
    if name.endswith(".xlsx"):
        yield from _read_xlsx(path)
        return
    if name.endswith((".jsonl.gz", ".json.gz", ".jsonl", ".json", ".ndjson")):
        opener = gzip.open if name.endswith(".gz") else open
        try:
            with opener(path, "rt", encoding="utf-8-sig") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise UnreadableFile(f"Không đọc được tệp {path.name}: {exc}") from exc
        yield from _read_json_text(text)
        return
    raise UnreadableFile("Chỉ nhận tệp .jsonl, .jsonl.gz, .json hoặc .xlsx.")


def _read_json_text(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise UnreadableFile(f"Tệp JSON không hợp lệ: {exc}") from exc
        for index, item in enumerate(items, start=1):
            yield index, item if isinstance(item, dict) else {"_invalid": item}
        return
    for number, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            yield number, {"_invalid": line[:80]}
            continue
        yield number, item if isinstance(item, dict) else {"_invalid": line[:80]}


def _read_xlsx(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise UnreadableFile("Cần cài gói openpyxl để đọc tệp .xlsx.") from exc

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise UnreadableFile(f"Không đọc được tệp Excel {path.name}: {exc}") from exc
    procedures: list[tuple[int, dict[str, Any]]] = []
    # Paper rows by procedure code: (sheet, row number, cells by key); None: no papers sheet.
    papers: dict[str, list[tuple[str, int, dict[str, Any]]]] | None = None
    try:
        for sheet in workbook.worksheets:
            kind, columns = None, {}
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if kind is None:
                    kind, columns = _header(row)
                    if kind == "papers" and papers is None:
                        papers = {}  # even with no rows: then no procedure has papers
                    continue
                if kind == "channels" or not any(_cell(v) for v in row):
                    continue
                values = {key: row[i] if i < len(row) else None for i, key in columns.items()}
                if kind == "papers" and papers is not None:
                    code = codes.normalize(_cell(values.get("code")))
                    papers.setdefault(code, []).append((sheet.title, number, values))
                    continue
                record = {key: _cell(value) for key, value in values.items()}
                record["_format"] = "xlsx"
                if kind == "export":
                    record["_export"] = True
                procedures.append((number, record))
            if kind is None:
                raise UnreadableFile(
                    f"Trang {sheet.title!r} không có dòng tiêu đề (Mã số, Tên, …, Lĩnh vực)."
                )
    finally:
        workbook.close()
    listed: set[str] = set()
    for number, record in procedures:
        if papers is not None:
            code = codes.normalize(record.get("ma_thu_tuc"))
            listed.add(code)
            record["_papers"] = papers.get(code, [])
        yield number, record
    for code, rows in (papers or {}).items():
        if code not in listed:
            title, number, _ = rows[0]
            reason = (
                f"mã {code} không có trong trang danh sách thủ tục."
                if code
                else "thiếu mã số thủ tục."
            )
            yield number, {"_format": "xlsx", "ma_thu_tuc": code,
                           "_error": f"Trang “{title}”, dòng {number}: {reason}"}  # fmt: skip


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _header(row: tuple[Any, ...]) -> tuple[str | None, dict[int, str]]:
    """What a sheet holds, judged by this row if it is a header: its kind and its columns."""
    folded = {i: fold(_cell(v)) for i, v in enumerate(row)}
    names = set(folded.values())
    if "ma so" in names and "ten" in names:
        columns = {i: XLSX_COLUMNS[f] for i, f in folded.items() if f in XLSX_COLUMNS}
        return ("export" if EXPORT_MARK in names else "list"), columns
    if "ma so" in names and "ten giay to" in names:
        return "papers", {i: PAPER_COLUMNS[f] for i, f in folded.items() if f in PAPER_COLUMNS}
    if "ma so" in names and CHANNEL_HEADER in names:
        return "channels", {}
    return None, {}


def paper_from_row(row: dict[str, Any], where: str) -> dict[str, Any]:
    """One row of the sheet "Thành phần hồ sơ" as a paper for :func:`catalog.services.apply_data`.

    A column the sheet does not have (a sheet exported before the paper kinds existed) is left
    out, so the import keeps what the paper already had, or the default (a paper to submit,
    needed in every case) for a new one. ``where`` names the sheet row in the error messages.
    """
    paper: dict[str, Any] = {
        "group": clean_line(_cell(row.get("group"))),
        "name": clean_text(_cell(row.get("name"))),
    }
    if not paper["name"]:
        raise ValueError(f"{where}: thiếu tên giấy tờ.")
    if "kind" in row:
        word = fold(_cell(row["kind"]))
        if word and word not in KIND_BY_WORD:
            raise ValueError(
                f"{where}: loại “{_cell(row['kind'])}” không hợp lệ; ghi một trong: "
                + ", ".join(PAPER_KIND_LABELS.values())
                + "."
            )
        paper["kind"] = KIND_BY_WORD.get(word, PaperKind.SUBMIT)
    condition = clean_line(_cell(row.get("condition"))) if "condition" in row else ""
    if "condition" in row:
        paper["condition"] = condition
    if "conditional" in row:
        word = fold(_cell(row["conditional"]))
        if word and word not in FLAG_BY_WORD:
            raise ValueError(
                f"{where}: cột “Có điều kiện” ghi “{_cell(row['conditional'])}”; "
                f"ghi “{YES}” hoặc “{NO}”."
            )
        if word and not FLAG_BY_WORD[word] and condition:
            raise ValueError(
                f"{where}: có ghi trường hợp cần (“{condition}”) nhưng cột “Có điều kiện” "
                f"ghi “{NO}”; ghi “{YES}” hoặc xóa trường hợp cần."
            )
        paper["conditional"] = FLAG_BY_WORD[word] if word else bool(condition)
    elif condition:
        paper["conditional"] = True
    if paper.get("kind") == PaperKind.NOTE and paper.get("conditional"):
        raise ValueError(
            f"{where}: lưu ý không có điều kiện; ghi “{NO}” ở cột “Có điều kiện” và "
            "xóa trường hợp cần, hoặc đổi loại."
        )
    for key, label in (("originals", "Bản chính"), ("copies", "Bản sao")):
        paper[key] = _count(row.get(key), label, where)
    paper["templates"] = [
        clean_line(t) for t in _cell(row.get("templates")).split(";") if clean_line(t)
    ]
    return paper


def _count(value: Any, label: str, where: str) -> int | None:
    """A number of copies (0–999); a blank cell is "not stated"."""
    if value is None or isinstance(value, str) and not value.strip():
        return None
    number: Any = value
    if isinstance(value, str):
        number = value.strip()
        number = int(number) if number.isdigit() else None
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 999:
        raise ValueError(
            f"{where}: cột “{label}” phải là số bản, từ 0 đến 999 (đang ghi “{value}”)."
        )
    return number


def _agency_lines(text: str) -> str:
    return ", ".join(clean_line(line) for line in clean_text(text).split("\n") if clean_line(line))


def record_to_data(record: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Map one national record to the values :func:`catalog.services.apply_data` writes.

    Returns the values and the problems met (what could not be parsed; the raw text is kept).
    Raises :class:`codes.InvalidProcedureCode` when the record has no usable code, and
    ``ValueError`` when it has no name.
    """
    if "_invalid" in record:
        raise ValueError("Dòng không phải một bản ghi JSON.")
    if "_error" in record:
        raise ValueError(record["_error"])
    code = str(codes.parse(str(record.get("ma_thu_tuc") or "")))
    name = clean_line(record.get("ten_thu_tuc"))
    if not name:
        raise ValueError("Thiếu tên thủ tục.")
    problems: list[str] = []
    if record.get("_format") == "xlsx":
        # Only the columns the sheet has: our export has no "Cơ quan ban hành", and must not
        # blank it.
        data = {"code": code, "name": name}
        if "linh_vuc" in record:
            data["field_name"] = clean_line(record["linh_vuc"])
        if "co_quan_ban_hanh" in record:
            data["issuing_agency"] = clean_line(record["co_quan_ban_hanh"])
        if "co_quan_thuc_hien" in record:
            text = record["co_quan_thuc_hien"] or ""
            data["implementing_agency"] = (
                clean_text(text) if record.get("_export") else _agency_lines(text)
            )
        if "_papers" in record:
            data["papers"] = [
                paper_from_row(row, f"Trang “{title}”, dòng {number}")
                for title, number, row in record["_papers"]
            ]
        return data, problems

    levels, unknown_levels = parsing.parse_levels(record.get("cap_thuc_hien") or "")
    problems += [f"Cấp thực hiện không rõ: {u!r}" for u in unknown_levels]
    channels, found = parsing.parse_channels(record.get("cach_thuc_thuc_hien") or "")
    problems += found
    papers, found = parsing.parse_papers(record.get("thanh_phan_ho_so") or "")
    problems += found
    result, found = parsing.parse_results(record.get("ket_qua_xu_ly") or "")
    problems += found
    legal, found = parsing.parse_legal_basis(record.get("can_cu_phap_ly") or "")
    problems += found
    url = clean_line(record.get("detail_url"))
    data = {
        "code": code,
        "name": name,
        "field_name": clean_line(record.get("linh_vuc")),
        "levels": levels,
        "kind": clean_line(record.get("loai_thu_tuc")),
        "decision_number": clean_line(record.get("so_quyet_dinh")),
        "applicant_types": parsing.split_list(record.get("doi_tuong_thuc_hien") or ""),
        "competent_authority": clean_text(record.get("co_quan_co_tham_quyen")),
        "implementing_agency": clean_text(record.get("co_quan_thuc_hien")),
        "receiving_address": clean_text(record.get("dia_chi_tiep_nhan")),
        "delegated_agency": clean_text(record.get("co_quan_duoc_uy_quyen")),
        "coordinating_agency": clean_text(record.get("co_quan_phoi_hop")),
        "steps_text": clean_text(record.get("trinh_tu_thuc_hien")),
        "conditions": clean_text(record.get("yeu_cau_dieu_kien")),
        "legal_basis": legal,
        "legal_basis_text": clean_text(record.get("can_cu_phap_ly")),
        "results": result.results,
        "result_description": result.description,
        "keywords": "" if parsing.is_placeholder(result.keywords) else result.keywords,
        "related_procedures": clean_text(record.get("thu_tuc_lien_quan")),
        "channels": [c.as_dict() for c in channels],
        "papers": [p.as_dict() for p in papers],
        "channels_text": clean_text(record.get("cach_thuc_thuc_hien")),
        "papers_text": clean_text(record.get("thanh_phan_ho_so")),
        "source_url": url if url.startswith(("http://", "https://")) else "",
        "online": any(c.channel == "online" for c in channels),
    }
    return data, problems
