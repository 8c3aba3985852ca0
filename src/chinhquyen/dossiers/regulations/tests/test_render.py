"""All six forms render to PDF; their text, page size and fonts are checked from the PDF itself."""

from __future__ import annotations

import io
import re
import unicodedata
from functools import cache

import pypdf
import pytest

from chinhquyen.dossiers import regulations
from chinhquyen.dossiers.regulations import codes
from chinhquyen.dossiers.regulations.samples import APPLICANT, DOSSIER_CODE, sample_context

A5_PORTRAIT = (419.53, 595.28)  # points
A4_LANDSCAPE = (841.89, 595.28)

# What a person must find on each form, spelled as printed.
EXPECTED = {
    "01": [
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Nghệ An, ngày 12 tháng 02 năm 2026",
        "4. Thời gian nhận hồ sơ: 14 giờ 30 phút, ngày 12 tháng 02 năm 2026",
        "14 giờ 30 phút, ngày 05 tháng 3 năm 2026",
        "Tiếp nhận hồ sơ của: Nguyễn Thị Hồng Nhung",
        "Số điện thoại: 0912345678",  # the applicant's own receipt shows the number in full
        "Bản sao chứng thực",
        "Quyển số: 01/2026, Số thứ tự: 257",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Lê Thị Mai",
    ],
    "02": [
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "Nghệ An, ngày 13 tháng 02 năm 2026",
        "14 giờ 30 phút, ngày 12 tháng 02 năm 2026",
        "Lý do: Bản sao đã nộp bị mờ, không đọc được số định danh cá nhân.",
        "NGƯỜI HƯỚNG DẪN",
    ],
    "03": [
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "Nghệ An, ngày 12 tháng 02 năm 2026",
        "không được ủy quyền cho người khác",
        "Xin thông báo cho Ông/Bà được biết và thực hiện./.",
    ],
    "04": [
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "Số: 215/STP-HCTP",
        "Nghệ An, ngày 04 tháng 3 năm 2026",
        "Kính gửi: Ông/Bà Nguyễn Thị Hồng Nhung",
        "14 giờ 30 phút, ngày 05 tháng 3 năm 2026",
        "14 giờ 30 phút, ngày 12 tháng 3 năm 2026",
        "SỞ TƯ PHÁP TỈNH NGHỆ AN",
        "GIÁM ĐỐC",
        "Trần Văn Minh",
    ],
    "05": [
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        "(Kèm theo hồ sơ của Nguyễn Thị Hồng Nhung)",
        "Cơ quan phối hợp giải quyết hồ sơ: Công an tỉnh Nghệ An",
        "16 giờ 05 phút, ngày 12 tháng 02 năm 2026",
        "10 giờ 20 phút, ngày 09 tháng 3 năm 2026",
        "Người giao",
        "Người nhận",
        "Quá hạn",
        "Trước hạn",
        "Đúng hạn",
    ],
    "06": [
        "SỔ THEO DÕI HỒ SƠ",
        "Từ ngày 01/02/2026 đến ngày 28/02/2026",
        "Quyển số: 01/2026",
        "000.00.20.H41-260212-0011",
        "14:30 12/02/2026",
        "Hồ Thị Thu Hà",
        "ĐT: 09******78",  # masked: applicants sign for results in this book
    ],
}
COMMON = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "UBND TỈNH NGHỆ AN",
    DOSSIER_CODE,
    APPLICANT["name"],
]


@cache
def rendered(code: str) -> bytes:
    return regulations.render(code, sample_context(code))


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text


def one_line(text: str) -> str:
    """Line breaks chosen by the layout become spaces, so phrases can be searched whole."""
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("code", list(EXPECTED))
def test_the_form_renders_a_pdf(code):
    data = rendered(code)
    assert data.startswith(b"%PDF-")


@pytest.mark.parametrize("code", list(EXPECTED))
def test_the_text_is_vietnamese_in_nfc_and_correctly_spelled(code):
    text = pdf_text(rendered(code))
    assert unicodedata.is_normalized("NFC", text)
    flat = one_line(text)
    for phrase in COMMON + EXPECTED[code]:
        assert unicodedata.normalize("NFC", phrase) in flat, phrase


@pytest.mark.parametrize(
    ("code", "size"),
    [("01", A5_PORTRAIT), ("02", A5_PORTRAIT), ("03", A5_PORTRAIT), ("04", A5_PORTRAIT)]
    + [("05", A5_PORTRAIT), ("06", A4_LANDSCAPE)],
)
def test_the_paper_size_comes_from_the_pack(code, size):
    reader = pypdf.PdfReader(io.BytesIO(rendered(code)))
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width), 2), round(float(box.height), 2)) == size


@pytest.mark.parametrize("code", ["01", "05", "06"])
def test_vietnamese_fonts_are_embedded(code):
    reader = pypdf.PdfReader(io.BytesIO(rendered(code)))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            fonts[str(font["/BaseFont"])] = descendant["/FontDescriptor"].get_object()
    assert fonts
    for name, descriptor in fonts.items():
        assert "Liberation-Serif" in name or "Tinos" in name, name
        assert "/FontFile2" in descriptor, f"{name} is not embedded"


def test_the_short_forms_fit_on_one_a5_page():
    for code in ("01", "02", "03", "04"):
        assert len(pypdf.PdfReader(io.BytesIO(rendered(code))).pages) == 1, code


def test_the_receipt_carries_the_barcode_and_the_qr_of_the_dossier():
    context = sample_context("01")
    html = regulations.render_html("01", context)
    assert codes.code128_data_uri(DOSSIER_CODE) in html
    assert codes.qr_data_uri(context["lookup_url"]) in html


@pytest.mark.parametrize("code", ["02", "03", "04", "05"])
def test_every_dossier_form_carries_both_marks(code):
    context = sample_context(code)
    html = regulations.render_html(code, context)
    assert codes.code128_data_uri(DOSSIER_CODE) in html
    assert codes.qr_data_uri(context["lookup_url"]) in html


def test_the_book_has_a_qr_per_dossier_and_one_for_the_period():
    context = sample_context("06")
    html = regulations.render_html("06", context)
    assert codes.qr_data_uri(context["lookup_url"]) in html
    for row in context["rows"]:
        assert codes.qr_data_uri(row["dossier_code"]) in html


def test_the_code128_bars_are_those_of_python_barcode():
    import barcode

    modules = barcode.get("code128", DOSSIER_CODE).build()[0]
    svg = codes.code128_svg(DOSSIER_CODE)
    assert f'viewBox="0 0 {len(modules)} 40"' in svg
    widths = [int(w) for w in re.findall(r"h(\d+)v", svg)]
    assert sum(widths) == modules.count("1")


def test_the_control_sheet_and_the_book_do_not_print_the_phone_in_full():
    assert "0912345678" not in pdf_text(rendered("05"))
    assert "0912345678" not in pdf_text(rendered("06"))


def test_text_from_the_context_is_escaped():
    context = sample_context("03")
    context["reasons"] = ["<b>Thiếu</b> & sai"]
    html = regulations.render_html("03", context)
    assert "&lt;b&gt;Thiếu&lt;/b&gt; &amp; sai" in html


def test_blank_rows_for_handwriting_on_the_control_sheet():
    context = sample_context("05")
    context["handovers"] = context["handovers"][:1]
    context["blank_rows"] = 3
    html = regulations.render_html("05", context)
    assert html.count("…… giờ …… phút, ngày …… tháng …… năm ……") == 3
