"""Parsing the national database's flattened text. Inputs are copied from the real records."""

import unicodedata
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from chinhquyen.catalog import parsing
from chinhquyen.catalog.parsing import TimeUnit


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_clean_text_is_nfc_keeps_lines_and_drops_the_placeholder():
    assert parsing.clean_text(nfd("  Bước 1:  Nộp hồ sơ \n\n Bước 2: Nhận kết quả ")) == (
        "Bước 1: Nộp hồ sơ\nBước 2: Nhận kết quả"
    )
    assert parsing.clean_text("Không có thông tin") == ""
    assert parsing.clean_text(nfd("Không có thông tin")) == ""
    assert parsing.clean_line("Không") == "Không"  # a real answer ("no conditions"), kept


def test_split_list_ignores_commas_inside_parentheses():
    text = "Tổ chức (không bao gồm doanh nghiệp, HTX), Công dân Việt Nam, Công dân Việt Nam"
    assert parsing.split_list(text) == [
        "Tổ chức (không bao gồm doanh nghiệp, HTX)",
        "Công dân Việt Nam",
    ]


def test_levels():
    assert parsing.parse_levels("Cấp bộ, Cấp tỉnh, Cấp xã") == (
        ["ministry", "province", "commune"],
        [],
    )
    assert parsing.parse_levels("Cấp huyện") == ([], ["Cấp huyện"])


def test_durations():
    assert parsing.parse_duration("05 ngày làm việc") == parsing.Duration(
        Decimal(5), TimeUnit.WORKING_DAY, "05 ngày làm việc"
    )
    assert (
        parsing.parse_duration("03 (ba) ngày làm việc kể từ ngày nhận hồ sơ").unit
        == TimeUnit.WORKING_DAY
    )
    assert parsing.parse_duration(nfd("Trong ngày")).unit == TimeUnit.SAME_DAY
    assert parsing.parse_duration("8 giờ làm việc").working_hours() == Decimal(8)
    assert parsing.parse_duration("2,5 ngày").value == Decimal("2.5")
    assert parsing.parse_duration("1 tháng").unit == TimeUnit.MONTH
    assert parsing.parse_duration("Không có thông tin") is None
    assert parsing.parse_duration("theo quy định") is None
    assert parsing.parse_duration("5 ngày làm việc").working_hours() == Decimal(40)
    assert (
        parsing.parse_duration("15 ngày").working_hours() is None
    )  # calendar days: not working time


def test_amounts_are_integer_dong_or_nothing():
    assert parsing.parse_amount("2,000,000 Việt Nam Đồng(Phí…)") == (
        2000000,
        "VND",
        "2,000,000 Việt Nam Đồng",
    )
    assert parsing.parse_amount("70.000 VNĐ")[0] == 70000
    assert parsing.parse_amount("100 USD(100 USD/thẻ.)") == (None, "USD", "100 USD")
    assert parsing.parse_amount("Miễn phí") == (None, "", "")


CHANNELS = (
    "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến2 Ngày làm việc70,000 VNĐ(70.000 đồng/Giấy "
    "chứng nhận)Dịch vụ bưu chính2 Ngày làm việc70,000 VNĐ(70.000 đồng/Giấy chứng nhận)Trực tiếp"
    "2 Ngày làm việc70,000 VNĐ(70.000 đồng/Giấy chứng nhận)"
)


def test_channels_give_time_fee_and_description_per_channel():
    rows, problems = parsing.parse_channels(nfd(CHANNELS))
    assert problems == []
    assert [r.channel for r in rows] == ["online", "postal", "direct"]
    for row in rows:
        assert (row.time_value, row.time_unit) == (Decimal(2), TimeUnit.WORKING_DAY)
        assert (row.fee_amount, row.fee_currency) == (70000, "VND")
        assert row.fee_description == "70.000 đồng/Giấy chứng nhận"


def test_channel_description_mentioning_a_channel_is_not_a_new_row():
    text = ("Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp6 Tháng100 USD(100 USD/thẻ.)Trực tiếp nộp hồ "
            "sơ tại trụ sở Cục Quản lý xuất nhập cảnh.")  # fmt: skip
    rows, problems = parsing.parse_channels(text)
    assert len(rows) == 1
    assert (rows[0].time_value, rows[0].time_unit) == (Decimal(6), TimeUnit.MONTH)
    assert rows[0].fee_amount is None and rows[0].fee_text == "100 USD"
    assert rows[0].description.startswith("Trực tiếp nộp hồ sơ")
    assert any("không tính bằng đồng" in p for p in problems)


def test_time_without_unit_is_kept_as_such_and_reported():
    rows, problems = parsing.parse_channels(
        "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến1Miễn phí"
    )
    assert (rows[0].time_value, rows[0].time_unit, rows[0].fee_amount) == (
        Decimal(1),
        TimeUnit.UNSPECIFIED,
        0,
    )
    assert problems == ["Kênh trực tuyến: thời hạn '1' không ghi đơn vị"]


def test_time_glued_to_an_amount_is_not_guessed():
    # "120 VNĐ" with a description of 20.000 đ: 1 day + 20 đ, or 12 + 0? Nobody can tell: keep raw.
    rows, problems = parsing.parse_channels(
        "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến120 VNĐ(20.000 vnđ /tờ khai)"
    )
    assert rows[0].time_value is None and rows[0].fee_amount is None
    assert "120 VNĐ" in rows[0].description
    assert "không tách được thời hạn và phí" in problems[0]


def test_placeholders_and_same_day():
    rows, _ = parsing.parse_channels(
        "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếpKhông có thông tinKhông có thông tin"
        "Trực tuyếnTrong ngàyMiễn phí"
    )
    assert rows[0].time_value is None and rows[0].time_text == "" and rows[0].fee_amount is None
    assert rows[1].time_unit == TimeUnit.SAME_DAY and rows[1].fee_amount == 0


PAPERS = (
    "--Tên giấy tờMẫu đơn, tờ khaiSố lượngLý lịch tư pháp do cơ quan có thẩm quyền của nước mà người "
    "đó là công dân cấp;1 bản chínhBản sao hộ chiếu có chứng thực;0 bản chính,1 bản saoĐơn xin thường "
    "trú;Mẫu-NA12,-Đơn-xin-thường-trú-cho-người-nước-ngoài.-doc.doc1 bản chínhGiấy đề nghị đăng ký hoạt "
    "động theo mẫu thống nhấtMẫu TP-LS-02-sđ.docx1 bản chính"
)


def test_papers_with_quantities_and_form_files():
    papers, problems = parsing.parse_papers(nfd(PAPERS))
    assert problems == []
    assert [p.name for p in papers] == [
        "Lý lịch tư pháp do cơ quan có thẩm quyền của nước mà người đó là công dân cấp",
        "Bản sao hộ chiếu có chứng thực",
        "Đơn xin thường trú",
        "Giấy đề nghị đăng ký hoạt động theo mẫu thống nhất",
    ]
    assert [(p.originals, p.copies) for p in papers] == [(1, None), (0, 1), (1, None), (1, None)]
    assert papers[2].templates == ["Mẫu-NA12,-Đơn-xin-thường-trú-cho-người-nước-ngoài.-doc.doc"]
    assert papers[3].templates == ["Mẫu TP-LS-02-sđ.docx"]


def test_paper_groups_and_a_quantity_written_inside_the_name():
    text = ("* Giấy tờ phải xuất trình:Tên giấy tờMẫu đơn, tờ khaiSố lượngHộ chiếu1 bản chính"
            "* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượngHóa đơn thương mại: 01 bản chính"
            "1 bản chính")  # fmt: skip
    papers, problems = parsing.parse_papers(text)
    assert problems == []
    # Section headings give the kind of the rows, they are not alternative cases (groups).
    assert [(p.group, p.kind, p.name) for p in papers] == [
        ("", "present", "Hộ chiếu"),
        ("", "submit", "Hóa đơn thương mại: 01 bản chính"),
    ]


def test_papers_without_a_table_are_reported_not_invented():
    papers, problems = parsing.parse_papers("Hồ sơ gồm đơn đề nghị và bản sao giấy tờ tùy thân.")
    assert papers == [] and problems


def test_results_with_codes_and_the_page_widget_cut_off():
    info, problems = parsing.parse_results(
        "Văn bản xác nhận đăng ký thay đổi khoản vay nước ngoàiMã: KQ.G19.000185Văn bản từ chốiMã: "
        "G19-KQ0060102Từ khóaKhông có thông tinMô tảKhông có thông tinChọn cơ quan thực hiệnTỉnh/ "
        "Thành phốBộ ngành-- Chọn Bộ ngành --Nộp hồ sơ"
    )
    assert problems == []
    assert info.results == [
        {"name": "Văn bản xác nhận đăng ký thay đổi khoản vay nước ngoài", "code": "KQ.G19.000185"},
        {"name": "Văn bản từ chối", "code": "G19-KQ0060102"},
    ]
    assert info.keywords == "" and info.description == ""


def test_legal_basis_rows_end_with_their_number():
    docs, problems = parsing.parse_legal_basis(
        "Tên văn bản pháp lýMã văn bảnLuật Khiếu nại năm 201102/2011/QH13Quy định quy trình giải quyết "
        "khiếu nại trong công an nhân dân11/2015/TT-BCANghị định 05/2012/NĐ-CP05/2012/NĐ-CPLuật "
        "51/2019/QH1451/2019/QH14Quyết định 53/2010/QĐ-TTg"
    )
    assert problems == []
    assert docs == [
        {"title": "Luật Khiếu nại năm 2011", "number": "02/2011/QH13"},
        {
            "title": "Quy định quy trình giải quyết khiếu nại trong công an nhân dân",
            "number": "11/2015/TT-BCA",
        },
        {"title": "Nghị định 05/2012/NĐ-CP", "number": "05/2012/NĐ-CP"},
        {"title": "Luật 51/2019/QH14", "number": "51/2019/QH14"},
        {"title": "Quyết định 53/2010/QĐ-TTg", "number": "53/2010/QĐ-TTg"},
    ]


@given(st.text(max_size=300))
def test_parsers_never_raise(text):
    parsing.parse_channels(text)
    parsing.parse_papers(text)
    parsing.parse_results(text)
    parsing.parse_legal_basis(text)
    parsing.parse_duration(text)
    parsing.split_list(text)
