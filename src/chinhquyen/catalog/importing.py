"""Read the national procedure data files into plain dictionaries for :mod:`catalog.services`.

Two formats, as published by the national database of administrative procedures:

* the per-procedure JSON records of dichvucong.gov.vn (``ma_thu_tuc``, ``ten_thu_tuc``,
  ``cach_thuc_thuc_hien``, …), one per line (``.jsonl``, optionally gzipped) or as a JSON list;
* the official "DANH SÁCH THỦ TỤC HÀNH CHÍNH" spreadsheets (``.xlsx``: Mã số, Tên, Cơ quan ban
  hành, Cơ quan thực hiện, Lĩnh vực), which carry only those five columns.

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
from chinhquyen.catalog.parsing import clean_line, clean_text

XLSX_COLUMNS = {
    "ma so": "ma_thu_tuc",
    "ten": "ten_thu_tuc",
    "co quan ban hanh": "co_quan_ban_hanh",
    "co quan thuc hien": "co_quan_thuc_hien",
    "linh vuc": "linh_vuc",
}


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
    from chinhquyen.lib.vntext import fold

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise UnreadableFile(f"Không đọc được tệp Excel {path.name}: {exc}") from exc
    try:
        for sheet in workbook.worksheets:
            columns: dict[int, str] | None = None
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = ["" if v is None else str(v) for v in row]
                if columns is None:
                    keys = {i: XLSX_COLUMNS.get(fold(c)) for i, c in enumerate(cells)}
                    if "ma_thu_tuc" in keys.values() and "ten_thu_tuc" in keys.values():
                        columns = {i: k for i, k in keys.items() if k}
                    continue
                if not any(c.strip() for c in cells):
                    continue
                record = {key: cells[i] if i < len(cells) else "" for i, key in columns.items()}
                record["_format"] = "xlsx"
                yield number, record
            if columns is None:
                raise UnreadableFile(
                    f"Trang {sheet.title!r} không có dòng tiêu đề (Mã số, Tên, …, Lĩnh vực)."
                )
    finally:
        workbook.close()


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
    code = str(codes.parse(str(record.get("ma_thu_tuc") or "")))
    name = clean_line(record.get("ten_thu_tuc"))
    if not name:
        raise ValueError("Thiếu tên thủ tục.")
    problems: list[str] = []
    if record.get("_format") == "xlsx":
        data = {
            "code": code,
            "name": name,
            "field_name": clean_line(record.get("linh_vuc")),
            "issuing_agency": clean_line(record.get("co_quan_ban_hanh")),
            "implementing_agency": _agency_lines(record.get("co_quan_thuc_hien") or ""),
        }
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
