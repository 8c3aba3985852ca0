"""Parse the national procedure database's text (CSDLQG về TTHC, as shown on dichvucong.gov.vn).

The national pages render tables, and the export flattens them into one string without
separators: ``"Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến5 Ngày làm việcMiễn phí…"``.
Diacritics come NFC or NFD, and empty cells read ``"Không có thông tin"``. These functions
recover what can be recovered and say what could not (``problems``); they never make up a value:
when a cell cannot be read, the structured field stays empty and the raw text is kept.

Plain functions, no Django.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from chinhquyen.lib.vntext import fold, normalize

PLACEHOLDER = "Không có thông tin"
_PLACEHOLDERS = {fold(PLACEHOLDER), "khong co thong tin."}
_H_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")


# --- text ---------------------------------------------------------------------------------------


def clean_text(text: Any) -> str:
    """NFC, spaces collapsed inside lines, blank lines dropped, ends trimmed; placeholder → ``""``.

    Line breaks are kept: long fields (trình tự thực hiện, điều kiện) are lists written one item
    per line.
    """
    if text is None:
        return ""
    value = unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_H_SPACES.sub(" ", line).strip() for line in value.split("\n")]
    value = "\n".join(line for line in lines if line)
    return "" if is_placeholder(value) else value


def clean_line(text: Any) -> str:
    """One-line text: NFC, white space collapsed; the placeholder becomes ``""``."""
    value = normalize(str(text)) if text is not None else ""
    return "" if is_placeholder(value) else value


def is_placeholder(text: str | None) -> bool:
    return not text or (len(text) <= 40 and fold(text) in _PLACEHOLDERS)


def split_list(text: str) -> list[str]:
    """``"Tổ chức (không bao gồm doanh nghiệp, HTX), Công dân Việt Nam"`` → two items.

    Splits on commas (and line breaks) outside parentheses.
    """
    items, depth, current = [], 0, []
    for ch in clean_text(text):
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
        if (ch == "," and depth == 0) or ch == "\n":
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    seen: list[str] = []
    for item in (clean_line(i).strip(" ;.") for i in items):
        if item and item not in seen:
            seen.append(item)
    return seen


# --- implementing levels ---------------------------------------------------------------------

LEVELS = {
    "cap bo": "ministry",
    "cap tinh": "province",
    "cap xa": "commune",
    "co quan khac": "other",
}


def parse_levels(text: str) -> tuple[list[str], list[str]]:
    """``"Cấp tỉnh, Cấp xã"`` → ``(["province", "commune"], [])``; unknown parts come second."""
    levels, unknown = [], []
    for part in split_list(text):
        key = LEVELS.get(fold(part))
        if key is None:
            unknown.append(part)
        elif key not in levels:
            levels.append(key)
    return levels, unknown


# --- durations -------------------------------------------------------------------------------


class TimeUnit:
    WORKING_DAY = "working_day"
    DAY = "day"
    WORKING_HOUR = "working_hour"
    HOUR = "hour"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    SAME_DAY = "same_day"
    UNSPECIFIED = "unspecified"

    LABELS = {
        WORKING_DAY: "ngày làm việc",
        DAY: "ngày",
        WORKING_HOUR: "giờ làm việc",
        HOUR: "giờ",
        WEEK: "tuần",
        MONTH: "tháng",
        YEAR: "năm",
        SAME_DAY: "trong ngày",
        UNSPECIFIED: "(không ghi đơn vị)",
    }


# Folded unit words, longest first so "ngay lam viec" wins over "ngay".
_UNIT_WORDS = (
    ("ngay lam viec", TimeUnit.WORKING_DAY),
    ("gio lam viec", TimeUnit.WORKING_HOUR),
    ("ngay", TimeUnit.DAY),
    ("gio", TimeUnit.HOUR),
    ("tuan", TimeUnit.WEEK),
    ("thang", TimeUnit.MONTH),
    ("nam", TimeUnit.YEAR),
)
_DURATION = re.compile(
    r"^(?P<num>\d+(?:[.,]\d+)?)\s*(?:\([^)]{0,30}\)\s*)?(?P<unit>"
    + "|".join(w for w, _ in _UNIT_WORDS)
    + r")\b"
)
_SAME_DAY = re.compile(r"^(?:trong (?:ngay|ngay lam viec|buoi)|ngay lam viec)\b")


@dataclass(frozen=True)
class Duration:
    value: Decimal | None
    unit: str
    text: str = ""

    def working_hours(self, hours_per_day: int = 8) -> Decimal | None:
        """Length in working hours, for the units that count working time; else ``None``."""
        if self.unit == TimeUnit.SAME_DAY:
            return Decimal(hours_per_day)
        if self.value is None:
            return None
        if self.unit == TimeUnit.WORKING_DAY:
            return self.value * hours_per_day
        if self.unit == TimeUnit.WORKING_HOUR:
            return self.value
        return None

    def label(self) -> str:
        if self.unit == TimeUnit.SAME_DAY:
            return "Trong ngày"
        if self.value is None:
            return self.text
        number = format_decimal(self.value)
        if self.unit == TimeUnit.UNSPECIFIED:
            return f"{number} (không ghi đơn vị)"
        return f"{number} {TimeUnit.LABELS.get(self.unit, self.unit)}"


def format_decimal(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def parse_duration(text: str | None) -> Duration | None:
    """``"05 ngày làm việc"``, ``"03 (ba) ngày làm việc"``, ``"Trong ngày"``, ``"8 giờ"``.

    Reads the beginning of the text only; ``None`` when it does not start with a duration.
    """
    raw = clean_line(text)
    folded = fold(raw)
    if not folded:
        return None
    if _SAME_DAY.match(folded):
        return Duration(None, TimeUnit.SAME_DAY, raw)
    match = _DURATION.match(folded)
    if match:
        unit = dict(_UNIT_WORDS)[match.group("unit")]
        value = _decimal(match.group("num"))
        if value is not None:
            return Duration(value, unit, raw)
    return None


# --- money -----------------------------------------------------------------------------------

_CURRENCY = r"(?:Việt Nam Đồng|VNĐ|VND|Đồng|đồng|USD|EUR|Euro)"
_AMOUNT = re.compile(
    r"^(?P<amount>\d{1,3}(?:([.,])\d{3})?(?:\2\d{3})*|\d+)\s*(?P<cur>" + _CURRENCY + ")"
)


def parse_amount(text: str) -> tuple[int | None, str, str]:
    """``"2,000,000 Việt Nam Đồng…"`` → ``(2000000, "VND", "2,000,000 Việt Nam Đồng")``.

    The amount is returned only for đồng; other currencies give ``None`` with their code.
    Returns ``(None, "", "")`` when the text does not start with an amount.
    """
    match = _AMOUNT.match(text)
    if not match:
        return None, "", ""
    currency = match.group("cur")
    code = "USD" if currency == "USD" else "EUR" if currency in ("EUR", "Euro") else "VND"
    digits = re.sub(r"[.,]", "", match.group("amount"))
    amount = int(digits) if code == "VND" else None
    return amount, code, match.group(0)


# --- channels: time, fee and description per way of submitting ------------------------------

CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
CHANNELS = {"Trực tiếp": "direct", "Trực tuyến": "online", "Dịch vụ bưu chính": "postal"}
_CELL_START = (
    r"(?=\d|Không có thông tin|Không quy định|Không phải|Không(?=Không|Miễn)|Trong ngày|Miễn phí)"
)
_CHANNEL_START = re.compile(r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)" + _CELL_START)
_TIME_WITH_UNIT = re.compile(
    r"^(?P<num>\d+(?:[.,]\d+)?)\s*(?P<unit>Ngày làm việc|Ngày|Giờ làm việc|Giờ|Tuần|Tháng|Năm)",
    re.IGNORECASE,
)
_TIME_BARE = re.compile(r"^(?P<num>\d+)(?=Miễn phí|Không có thông tin|\(|$)")
_TIME_WORDS = re.compile(
    r"^(?P<text>Không có thông tin|Không quy định|Trong ngày(?: làm việc)?|Không(?=Không|Miễn)"
    r"|Không phải trả kết quả[^\d(]*?)(?=Miễn phí|Không có thông tin|\d|$)"
)
_UNIT_OF = {
    "ngày làm việc": TimeUnit.WORKING_DAY,
    "ngày": TimeUnit.DAY,
    "giờ làm việc": TimeUnit.WORKING_HOUR,
    "giờ": TimeUnit.HOUR,
    "tuần": TimeUnit.WEEK,
    "tháng": TimeUnit.MONTH,
    "năm": TimeUnit.YEAR,
}


@dataclass
class ChannelTerms:
    """One row of "Cách thức thực hiện": a channel with its time, fee and description."""

    channel: str  # direct / online / postal
    time_value: Decimal | None = None
    time_unit: str = ""
    time_text: str = ""
    fee_amount: int | None = None  # đồng; 0 = free; None = unknown or not in đồng
    fee_currency: str = ""
    fee_text: str = ""
    fee_description: str = ""
    description: str = ""
    raw: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["time_value"] = str(self.time_value) if self.time_value is not None else None
        return data


def _balanced_prefix(text: str) -> tuple[str, str]:
    """Split a leading ``(…)`` group (parentheses may nest) from the rest of ``text``."""
    if not text.startswith("("):
        return "", text
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return text[1:i], text[i + 1 :]
    return text[1:], ""


def _parse_channel_cell(channel: str, body: str, problems: list[str]) -> ChannelTerms:
    terms = ChannelTerms(channel=channel, raw=body)
    rest = body
    label = {"direct": "trực tiếp", "online": "trực tuyến", "postal": "bưu chính"}[channel]
    if _TIME_BARE.match(rest) is None and re.match(r"^\d+[\d.,]*\s*" + _CURRENCY, rest):
        # "Trực tuyến120 VNĐ": a time without unit glued to an amount; no way to tell them apart.
        problems.append(f"Kênh {label}: không tách được thời hạn và phí trong {body[:40]!r}")
        terms.description = clean_text(body)
        return terms
    match = _TIME_WITH_UNIT.match(rest)
    if match:
        terms.time_value = _decimal(match.group("num"))
        terms.time_unit = _UNIT_OF[match.group("unit").lower()]
        terms.time_text = match.group(0)
        rest = rest[match.end() :]
    elif match := _TIME_BARE.match(rest):
        terms.time_value = _decimal(match.group("num"))
        terms.time_unit = TimeUnit.UNSPECIFIED
        terms.time_text = match.group(0)
        problems.append(f"Kênh {label}: thời hạn {match.group(0)!r} không ghi đơn vị")
        rest = rest[match.end() :]
    elif match := _TIME_WORDS.match(rest):
        words = match.group("text").strip()
        if fold(words).startswith("trong ngay"):
            terms.time_unit = TimeUnit.SAME_DAY
            terms.time_text = words
        elif not is_placeholder(words):
            terms.time_text = words
        rest = rest[match.end() :]
    else:
        problems.append(f"Kênh {label}: không đọc được thời hạn trong {body[:40]!r}")
    # The fee cell.
    if rest.startswith("Miễn phí"):
        terms.fee_amount, terms.fee_currency, terms.fee_text = 0, "VND", "Miễn phí"
        rest = rest[len("Miễn phí") :]
    elif rest.startswith(PLACEHOLDER):
        rest = rest[len(PLACEHOLDER) :]
    else:
        amount, currency, text = parse_amount(rest)
        if text:
            terms.fee_amount, terms.fee_currency, terms.fee_text = amount, currency, text
            if currency != "VND":
                problems.append(f"Kênh {label}: phí {text!r} không tính bằng đồng")
            rest = rest[len(text) :]
        elif rest.strip():
            problems.append(f"Kênh {label}: không đọc được phí, lệ phí trong {rest[:40]!r}")
    description, rest = _balanced_prefix(rest)
    terms.fee_description = clean_text(description)
    terms.description = clean_text(rest)
    return terms


def parse_channels(text: str) -> tuple[list[ChannelTerms], list[str]]:
    """Read "Cách thức thực hiện" into one :class:`ChannelTerms` per channel row."""
    problems: list[str] = []
    value = unicodedata.normalize("NFC", text or "").strip()
    if is_placeholder(value):
        return [], []
    if value.startswith(CHANNEL_HEADER):
        value = value[len(CHANNEL_HEADER) :]
    starts = list(_CHANNEL_START.finditer(value))
    if not starts:
        if value.strip():
            problems.append(f"Cách thức thực hiện: không nhận ra kênh nộp nào trong {value[:60]!r}")
        return [], problems
    if value[: starts[0].start()].strip():
        problems.append("Cách thức thực hiện: có nội dung trước kênh nộp đầu tiên")
    rows = []
    for i, match in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(value)
        rows.append(
            _parse_channel_cell(CHANNELS[match.group(1)], value[match.end() : end], problems)
        )
    return rows, problems


# --- required papers (thành phần hồ sơ) ------------------------------------------------------

PAPERS_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
# A row of the flattened table ends with its quantity: "1 bản chính", "0 bản chính,1 bản sao".
_QUANTITY = re.compile(
    # One digit: in "…năm 20241 bản chính" the year ends the name and the quantity is 1.
    r"(?:(?P<orig>\d) bản chính(?:,\s?(?P<copy>\d{1,2}) bản sao)?|(?P<copy_only>\d) bản sao)"
    r"(?! [a-zà-ỹđ])"
)
_TEMPLATE_EXT = re.compile(r"\.(?:docx?|pdf|xlsx?|odt|rtf|rar|zip)\s*$", re.IGNORECASE)


# Kinds of rows in "Thành phần hồ sơ" (see :func:`classify_heading`, :func:`classify_paper`).
SUBMIT = "submit"  # giấy tờ phải nộp (or tải lên when applying online)
PRESENT = "present"  # giấy tờ phải xuất trình: the original is shown to the clerk and handed back
NOTE = "note"  # lưu ý: guidance, never a paper to supply
PAPER_KINDS = (SUBMIT, PRESENT, NOTE)


@dataclass
class Paper:
    group: str
    name: str
    templates: list[str] = field(default_factory=list)
    originals: int | None = None
    copies: int | None = None
    kind: str = SUBMIT
    conditional: bool = False
    condition: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# Section headings of the national pages. They name what the rows below are, not alternative
# cases: "* Giấy tờ phải nộp:", "Các giấy tờ phải xuất trình (bản chính), bao gồm:", "* Lưu ý".
_HEADING_BULLETS = " *-+•:"
_SUBMIT_HEADING = re.compile(r"^(?:cac )?giay to phai nop\b")
_PRESENT_HEADING = re.compile(r"^(?:cac )?giay to phai xuat trinh\b")
_NOTE_HEADING = re.compile(r"^luu y$")
_PLAIN_HEADING = re.compile(r"^(?:[a-z1-9]\) )?(?:thanh phan ho so\b(?:,? bao gom)?|bao gom)$")
# "* Trường hợp ủy quyền thực hiện thủ tục": papers needed only when someone else applies.
_PROXY_HEADING = re.compile(r"^truong hop uy quyen\b")


def _folded_heading(text: str) -> str:
    return fold(text).strip(_HEADING_BULLETS + " ")


def classify_heading(heading: str) -> tuple[str, str, str]:
    """What a heading before a table of papers means: ``(group, kind, condition)``.

    Section headings ("Giấy tờ phải nộp/xuất trình", "Lưu ý", "Thành phần hồ sơ") give the kind
    of the rows below and are not a group; "Trường hợp ủy quyền …" makes the rows conditional
    (``condition`` is the heading); any other heading ("Trường hợp 1: …", "Hồ sơ của người nhận
    con nuôi") is a group: one of the alternative cases the applicant chooses from.
    """
    text = clean_line(heading).strip(_HEADING_BULLETS + " ")
    key = _folded_heading(text)
    if not key:
        return "", SUBMIT, ""
    if _PRESENT_HEADING.match(key):
        return "", PRESENT, ""
    if _SUBMIT_HEADING.match(key):
        return "", SUBMIT, ""
    if _NOTE_HEADING.match(key):
        return "", NOTE, ""
    if _PLAIN_HEADING.match(key):
        return "", SUBMIT, ""
    if _PROXY_HEADING.match(key):
        # "Trường hợp ủy quyền thực hiện thủ tục thì hồ sơ phải kèm theo …" → "ủy quyền …"
        return "", SUBMIT, _short(re.split(r"\s+thì\s+|:", text[len("Trường hợp ") :])[0])
    return text, SUBMIT, ""


# A zero-quantity row that reads as guidance, not as a paper: "Trường hợp … thì không phải nộp
# bản giấy.0 bản chính", "Người yêu cầu … có trách nhiệm …", "- Đối với giấy tờ gửi kèm …:".
_NOTE_START = re.compile(
    r"^\(?(?:truong hop|doi voi|nguoi |co quan|khi |luu y|trong do|so luong ho so"
    r"|cac thanh phan ho so)"
)
_ROW_BULLETS = " *-+•"
_CASE_START = re.compile(r"^\(?truong hop (?P<cond>.+?)(?:,? thi |,? phai |; |\. |$)")
_IN_CASE = re.compile(r"\btrong truong hop (?P<cond>[^.;)]+)")
# Matched on the lower-cased text, not the folded one: folding makes "nêu rõ" (state) "nếu" (if).
_IF_ANY = re.compile(r"\bnếu có\b")
_IF_PAREN = re.compile(r"\([^()]*?\bnếu (?P<cond>[^()]+)\)")
_FIRST_CLAUSE = re.compile(r"[.;:] ")
# "không dùng trong trường hợp …", "trừ trường hợp …" (on the lower-cased text: "trừ" ≠ "trú").
_NEGATED = re.compile(r"\b(?:không|trừ)\b")
CONDITION_MAX = 300


def _short(text: str) -> str:
    text = clean_line(text).strip(" ,;:.")
    return text if len(text) <= CONDITION_MAX else text[: CONDITION_MAX - 1].rstrip() + "…"


def _original(name: str, folded: str, match: re.Match, group: str = "cond") -> str:
    """The words of ``name`` at a match found in its folded form (folding keeps the length)."""
    if len(folded) != len(name):  # only when folding changed the length: keep the folded words
        return _short(match.group(group))
    return _short(name[match.start(group) : match.end(group)])


def classify_paper(name: str, originals: int | None, copies: int | None,
                   kind: str = SUBMIT) -> tuple[str, bool, str]:  # fmt: skip
    """``(kind, conditional, condition)`` of one row in a section of ``kind``.

    * a row under "Lưu ý" is a note; so is a row asking for no copy at all (0 bản chính) that
      reads as guidance ("Trường hợp …", "Đối với …", "Người …", or a line ending with ":");
    * a row is conditional when it starts with "Trường hợp …" ("Trường hợp trẻ em bị bỏ rơi thì
      phải có biên bản …"), or says "trong trường hợp …", "(nếu có)" or "(… nếu …)";
      "Giấy chứng sinh; trường hợp không có Giấy chứng sinh thì …" is not: the paper is asked
      for, the rest names a substitute.
    Anything else keeps the section's kind, unconditional: when unsure, the paper is asked for.
    """
    text = clean_line(name)
    folded = fold(text)
    stripped = folded.lstrip(_ROW_BULLETS)
    offset = len(folded) - len(stripped)
    if kind == NOTE:
        return NOTE, False, ""
    if not originals and not copies and (_NOTE_START.match(stripped) or stripped.endswith(":")):
        return NOTE, False, ""
    if match := _CASE_START.match(stripped):
        body = text[offset:] if len(folded) == len(text) else stripped
        cond = body[match.start("cond") : match.end("cond")]
        return kind, True, _short(cond)
    # The paper's own condition is in its first clause; later sentences of a flattened row are
    # about other papers or about attachments ("kèm bản dịch … nếu …").
    head = _FIRST_CLAUSE.split(text, maxsplit=1)[0]
    folded_head = fold(head)
    lower = head.lower()
    match = _IN_CASE.search(folded_head)
    before = lower[max(0, match.start() - 12) : match.start()] if match else ""
    if match and not (len(lower) == len(folded_head) and _NEGATED.search(before)):
        return kind, True, _original(head, folded_head, match)
    if _IF_ANY.search(lower):
        return kind, True, "nếu có"
    if (match := _IF_PAREN.search(lower)) and not match.group(0).startswith("(kèm"):
        return kind, True, _original(head, lower, match)
    return kind, False, ""


def _template_boundary(row: str, ext_start: int) -> int | None:
    """Where a form's file name starts in ``"…theo mẫu thống nhấtMẫu TP-LS-02.docx"``.

    The export glues the name cell to the file name cell. The file name starts after the last
    ``;``, ``)`` or ``:``, or where two words are glued: a lower-case letter or a full stop
    followed by a capital, or a digit or capital followed by a capitalised word ("2026Mẫu",
    "NĐ-CPMẫu"). A file name has at least two characters before its extension.
    """
    best = None
    for i in range(1, ext_start - 1):
        prev, ch, nxt = row[i - 1], row[i], row[i + 1]
        glued = ch.isupper() and (
            prev.islower() or prev == "." or ((prev.isdigit() or prev.isupper()) and nxt.islower())
        )
        if (prev in ";):" or glued) and ch != " " and ext_start - i >= 2:
            best = i
    return best


def _split_templates(row: str) -> tuple[str, list[str]]:
    """Split the file names of forms (``Mẫu 01.docx``) off the end of a paper's row."""
    templates: list[str] = []
    while ext := _TEMPLATE_EXT.search(row):
        start = _template_boundary(row, ext.start())
        if start is None:
            break
        templates.insert(0, row[start:])
        row = row[:start]
    return row, templates


def _clean_name(text: str) -> str:
    return clean_line(text).strip(" ;,")


def parse_papers(text: str) -> tuple[list[Paper], list[str]]:
    """Read "Thành phần hồ sơ": tables of papers under headings.

    Each paper has its name, the file name of its form (mẫu đơn, tờ khai) when one is attached,
    how many originals and copies are asked for, its group (one of alternative cases, or none),
    its kind (nộp, xuất trình, lưu ý) and whether it is needed only in some case (conditional).
    """
    problems: list[str] = []
    value = unicodedata.normalize("NFC", text or "").strip()
    if is_placeholder(value) or value == "--":
        return [], []
    parts = value.split(PAPERS_HEADER)
    if len(parts) == 1:
        problems.append("Thành phần hồ sơ: không có bảng giấy tờ, giữ nguyên văn bản")
        return [], problems
    papers: list[Paper] = []
    group = parts[0]
    for index, content in enumerate(parts[1:], start=1):
        group_name, section_kind, section_condition = classify_heading(group)
        position, previous, last_start = 0, None, 0
        for match in _QUANTITY.finditer(content):
            row_start, row = position, content[position : match.start()]
            position = match.end()
            if match.group("copy_only"):
                originals, copies = None, int(match.group("copy_only"))
            else:
                originals = int(match.group("orig"))
                copies = int(match.group("copy")) if match.group("copy") else None
            name, templates = _split_templates(row.strip())
            name = _clean_name(name)
            if not name and templates:
                name = templates[0]
            if not name and papers and previous is not None:
                # "Tờ khai: 01 bản chính" + "1 bản chính": the first quantity was in the name.
                last = papers[-1]
                merged, _ = _split_templates(content[last_start : previous.end()].strip())
                last.name = _clean_name(merged) or last.name
                last.originals, last.copies = originals, copies
                previous = match
                continue
            if not name:
                problems.append(f"Thành phần hồ sơ: dòng không có tên trước {match.group(0)!r}")
                continue
            if _TEMPLATE_EXT.search(name):
                problems.append(
                    f"Thành phần hồ sơ: không tách được tên tệp mẫu khỏi {name[-50:]!r}"
                )
            templates = [clean_line(t) for t in templates]
            kind, conditional, condition = classify_paper(name, originals, copies, section_kind)
            if section_condition and kind != NOTE:
                conditional, condition = True, condition or section_condition
            papers.append(
                Paper(group_name, name, templates, originals, copies, kind, conditional, condition)
            )
            previous, last_start = match, row_start
        tail = content[position:]
        if index < len(parts) - 1:
            group = tail  # the next group's heading
        elif tail.strip():
            problems.append(f"Thành phần hồ sơ: phần cuối không đọc được {tail.strip()[:60]!r}")
    return papers, problems


# --- results (kết quả) -----------------------------------------------------------------------

_RESULT_CODE = re.compile(
    r"Mã: ?(?P<code>KQ\.[A-Z]\d{2}\.\d{6}|[A-Z0-9][A-Z0-9.\-]*?)(?=Từ khóa|[A-ZĐ][^A-Z0-9.\-]|$)"
)
_PAGE_TAIL = re.compile(r"Chọn cơ quan thực hiện.*$", re.DOTALL)


@dataclass
class ResultInfo:
    results: list[dict[str, str]] = field(default_factory=list)
    keywords: str = ""
    description: str = ""


def parse_results(text: str) -> tuple[ResultInfo, list[str]]:
    """``"Thẻ thường trúMã: KQ.G01.000088Từ khóa…Mô tả…"`` → results with their codes.

    The national page's submit widget ("Chọn cơ quan thực hiện … Nộp hồ sơ") is cut off.
    """
    problems: list[str] = []
    value = _PAGE_TAIL.sub("", unicodedata.normalize("NFC", text or "")).strip()
    info = ResultInfo()
    if "Mô tả" in value:
        value, _, description = value.rpartition("Mô tả")
        info.description = clean_text(description)
    if "Từ khóa" in value:
        value, _, keywords = value.rpartition("Từ khóa")
        info.keywords = clean_line(keywords)
    position = 0
    for match in _RESULT_CODE.finditer(value):
        name = clean_line(value[position : match.start()])
        position = match.end()
        if name:
            info.results.append({"name": name, "code": match.group("code")})
    tail = clean_line(value[position:])
    if tail:
        info.results.append({"name": tail, "code": ""})
    if not info.results and value.strip() and not is_placeholder(value):
        problems.append("Kết quả: không đọc được")
    return info, problems


# --- legal basis (căn cứ pháp lý) --------------------------------------------------------------

LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
_DOC_NUMBER = re.compile(
    r"(?:(?:Luật|Bộ luật|Nghị định|Thông tư|Quyết định|Nghị quyết|Pháp lệnh)\s+)?(?:[Ss]ố:?\s*)?"
    r"(?:(?<!\d)|(?<=QH\d\d)|(?<=\s(?:19|20)\d\d))\d{1,4}[a-z.]*/\d{4}/(?:QH\d{2}|UBTVQH\d{2}|[A-ZĐ0-9\-/]*TTg|[A-ZĐ0-9][A-ZĐ0-9\-/]*?)"
    r"(?=$|[A-ZĐ][a-zà-ỹđ]|\d{1,4}[a-z.]*/\d{4}/|[^A-ZĐ0-9\-])"
)
_NUMBER_CORE = re.compile(r"\d{1,4}[a-z.]*/\d{4}/\S+$")


def _core(number_text: str) -> str:
    core = _NUMBER_CORE.search(number_text)
    return core.group(0) if core else number_text


def parse_legal_basis(text: str) -> tuple[list[dict[str, str]], list[str]]:
    """Read "Căn cứ pháp lý" into ``[{"title": …, "number": "54/2014/QH13"}]``.

    Each row is a title followed by the document number, glued: ``"Luật 54/2014/QH1354/2014/QH13"``.
    A number immediately followed by another is part of the title.
    """
    problems: list[str] = []
    value = unicodedata.normalize("NFC", text or "").strip()
    if is_placeholder(value):
        return [], []
    if value.startswith(LEGAL_HEADER):
        value = value[len(LEGAL_HEADER) :]
    matches = list(_DOC_NUMBER.finditer(value))
    # A number directly followed by the same number is the end of a title ("Nghị định
    # 05/2012/NĐ-CP" + "05/2012/NĐ-CP"); keep the second as the row's number.
    ends = [
        m
        for m, after in zip(matches, [*matches[1:], None], strict=False)
        if after is None or after.start() != m.end() or _core(after.group(0)) != _core(m.group(0))
    ]
    docs, position = [], 0
    for match in ends:
        title = clean_line(value[position : match.start()])
        number_text = match.group(0)
        position = match.end()
        number = _core(number_text)
        if not title:
            title = clean_line(number_text)
        docs.append({"title": title, "number": number})
    tail = clean_line(value[position:])
    if tail:
        docs.append({"title": tail, "number": ""})
        if ends:
            problems.append(f"Căn cứ pháp lý: phần cuối không có số hiệu {tail[:50]!r}")
    return docs, problems
