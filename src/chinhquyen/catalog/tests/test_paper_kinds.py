"""Kinds of required papers (nộp, xuất trình, lưu ý), conditional papers, and true cases.

Every string below is copied from the national records (tthc-2642-procedures.jsonl.gz).
"""

from __future__ import annotations

import pytest

from chinhquyen.catalog import parsing, services
from chinhquyen.catalog.models import PaperKind, Procedure, RequiredPaper
from chinhquyen.catalog.tests.conftest import demo_records

# The papers a parent must really submit for the ordinary case of 1.001193 (Đăng ký khai sinh):
# the birth certificate (or its substitutes named in the same row). Everything else in the record
# is a paper for a special case (abandoned child, surrogacy, power of attorney, paper or online
# form by channel), a paper to present (identity, residence), or a note.
KHAI_SINH_REQUIRED = [
    "- Giấy chứng sinh; trường hợp không có Giấy chứng sinh thì nộp văn bản của người làm "
    "chứng xác nhận về việc sinh; nếu không có người làm chứng thì phải có giấy cam đoan về "
    "việc sinh."
]


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("* Giấy tờ phải nộp:", ("", "submit", "")),
        ("* Giấy tờ phải xuất trình:", ("", "present", "")),
        ("* Lưu ý:", ("", "note", "")),
        ("* Lưu ý :", ("", "note", "")),
        ("Các giấy tờ phải xuất trình (bản chính), bao gồm:", ("", "present", "")),
        ("Các giấy tờ phải nộp (bản chính), mỗi loại 01 bản, gồm:", ("", "submit", "")),
        ("* Giấy tờ phải nộp để lưu giữ tại cơ quan đăng ký phương tiện", ("", "submit", "")),
        ("a) Thành phần hồ sơ", ("", "submit", "")),
        ("1) Thành phần hồ sơ, bao gồm:", ("", "submit", "")),
        ("Bao gồm:", ("", "submit", "")),
        ("--", ("", "submit", "")),
        (
            "* Trường hợp ủy quyền thực hiện thủ tục",
            ("", "submit", "ủy quyền thực hiện thủ tục"),
        ),
        # True alternatives stay groups.
        ("Hồ sơ của người nhận con nuôi", ("Hồ sơ của người nhận con nuôi", "submit", "")),
        (
            "Trường hợp đăng ký trên môi trường điện tử:",
            ("Trường hợp đăng ký trên môi trường điện tử", "submit", ""),
        ),
        ("b) Đối với cấp lại", ("b) Đối với cấp lại", "submit", "")),
    ],
)
def test_headings(heading, expected):
    assert parsing.classify_heading(heading) == expected


@pytest.mark.parametrize(
    ("name", "originals", "copies", "section", "expected"),
    [
        # 1.001193, section "Giấy tờ phải nộp".
        (
            "- Trường hợp trẻ em bị bỏ rơi thì phải có biên bản về việc trẻ bị bỏ rơi do cơ quan "
            "có thẩm quyền lập.",
            1,
            None,
            "submit",
            ("submit", True, "trẻ em bị bỏ rơi"),
        ),
        (
            "- Văn bản ủy quyền (được chứng thực) theo quy định của pháp luật trong trường hợp ủy "
            "quyền thực hiện việc đăng ký khai sinh. Trường hợp người được ủy quyền là ông, bà, "
            "cha, mẹ, con, vợ, chồng, anh, chị, em ruột của người ủy quyền thì văn bản ủy quyền "
            "không phải chứng thực.",
            1,
            None,
            "submit",
            ("submit", True, "ủy quyền thực hiện việc đăng ký khai sinh"),
        ),
        (
            "Trường hợp người yêu cầu đã nộp bản điện tử Giấy chứng sinh hoặc cơ quan đăng ký hộ "
            "tịch đã khai thác được dữ liệu điện tử có ký số của Giấy chứng sinh thì không phải "
            "nộp bản giấy.",
            0,
            None,
            "submit",
            ("note", False, ""),
        ),
        (KHAI_SINH_REQUIRED[0], 1, None, "submit", ("submit", False, "")),
        (
            "- Tờ khai đăng ký khai sinh theo mẫu (nếu người có yêu cầu lựa chọn nộp hồ sơ theo "
            "hình thức trực tiếp hoặc gửi hồ sơ qua hệ thống bưu chính);",
            1,
            None,
            "submit",
            (
                "submit",
                True,
                "người có yêu cầu lựa chọn nộp hồ sơ theo hình thức trực tiếp hoặc gửi hồ sơ qua "
                "hệ thống bưu chính",
            ),
        ),
        # 1.001193, section "Giấy tờ phải xuất trình".
        (
            "- Hộ chiếu/Thẻ căn cước công dân/Thẻ căn cước/Căn cước điện tử/Giấy chứng nhận căn "
            "cước hoặc các giấy tờ khác có dán ảnh và thông tin cá nhân do cơ quan có thẩm quyền "
            "cấp, còn giá trị sử dụng",
            1,
            None,
            "present",
            ("present", False, ""),
        ),
        (
            "- Trường hợp gửi hồ sơ qua hệ thống bưu chính thì phải gửi kèm theo bản sao có chứng "
            "thực các giấy tờ phải xuất trình nêu trên.",
            0,
            None,
            "present",
            ("note", False, ""),
        ),
        # Any row under "Lưu ý" is a note, whatever its quantity.
        (
            "- Đối với việc xác định họ, dân tộc, quê quán, đặt tên cho trẻ:",
            0,
            None,
            "note",
            ("note", False, ""),
        ),  # fmt: skip
        # Other procedures.
        (
            "Văn bản phê duyệt quyết toán của cơ quan nhà nước có thẩm quyền (nếu có)",
            1,
            None,
            "submit",
            ("submit", True, "nếu có"),
        ),  # fmt: skip
        (
            "Bản lược khai hành lý ký gửi trong trường hợp tàu bay vận chuyển hành khách",
            1,
            None,
            "submit",
            ("submit", True, "tàu bay vận chuyển hành khách"),
        ),
        # Not conditional: "không dùng trong trường hợp", "(nêu rõ …)" (nêu, not nếu), a
        # condition on an attachment ("kèm … nếu …"), a zero-quantity real paper.
        (
            "(iii) Danh sách thành viên (không dùng trong trường hợp chuyển đổi thành công ty "
            "TNHH 1 thành viên);",
            1,
            None,
            "submit",
            ("submit", False, ""),
        ),
        (
            "Văn bản đề nghị đưa hàng về kho ngoại quan để lưu giữ chờ xuất khẩu (nêu rõ tên, "
            "địa chỉ kho ngoại quan và thời gian dự kiến lưu giữ)",
            1,
            None,
            "submit",
            ("submit", False, ""),
        ),
        ("Tờ khai hải quan và hồ sơ liên quan", 0, None, "submit", ("submit", False, "")),
        ("Phụ lục số 05", 0, None, "submit", ("submit", False, "")),
    ],
)
def test_papers(name, originals, copies, section, expected):
    assert parsing.classify_paper(name, originals, copies, section) == expected


def _khai_sinh_text() -> str:
    return next(r for _, r in demo_records(("1.001193",)))["thanh_phan_ho_so"]


def test_khai_sinh_record_has_no_section_groups_and_one_required_paper():
    papers, problems = parsing.parse_papers(_khai_sinh_text())
    assert problems == []
    assert {p.group for p in papers} == {""}
    required = [p.name for p in papers if p.kind == "submit" and not p.conditional]
    assert required == KHAI_SINH_REQUIRED
    conditional = [p.condition for p in papers if p.kind == "submit" and p.conditional]
    assert conditional[:3] == [
        "trẻ em bị bỏ rơi",
        "ủy quyền thực hiện việc đăng ký khai sinh",
        "khai sinh cho trẻ em sinh ra do mang thai hộ",
    ]
    assert len(conditional) == 5  # and the paper form or the online form, by channel
    present = [p for p in papers if p.kind == "present"]
    assert [p.conditional for p in present] == [True, False]  # residence if needed; identity
    assert sum(p.kind == "note" for p in papers) == 25


@pytest.mark.django_db
def test_import_stores_kinds_and_reports_them():
    report = services.import_records(demo_records(("1.001193", "1.000689")), source="test")
    assert report.created == 2
    assert report.paper_kinds["note"] > 25 and report.paper_kinds["present"] >= 4
    assert report.paper_kinds["conditional"] >= 5
    assert "lưu ý" in report.summary() and "xuất trình" in report.summary()
    assert report.as_dict()["paper_kinds"]["note"] == report.paper_kinds["note"]
    procedure = Procedure.objects.get(code="1.001193")
    required = [p.name for p in procedure.papers.order_by("position") if p.is_required]
    assert required == KHAI_SINH_REQUIRED
    assert not procedure.papers.exclude(group="").exists()
    abandoned = procedure.papers.get(name__contains="trẻ em bị bỏ rơi thì phải có biên bản")
    assert abandoned.condition_label == "trong trường hợp trẻ em bị bỏ rơi"
    # Re-importing the same file changes nothing.
    again = services.import_records(demo_records(("1.001193", "1.000689")), source="test")
    assert again.unchanged == 2


@pytest.mark.django_db
def test_reimport_finds_papers_whose_section_group_went_away():
    """Rows written when "* Giấy tờ phải nộp" was a group keep their ids after a re-import."""
    services.import_records(demo_records(("1.001193",)), source="test")
    procedure = Procedure.objects.get(code="1.001193")
    before = {p.pk: p.name for p in procedure.papers.all()}
    # What the earlier importer stored: the section headings as groups, every row a paper.
    procedure.papers.filter(position__lt=5).update(group="* Giấy tờ phải nộp")
    procedure.papers.filter(position__gte=5, position__lt=11).update(
        group="* Giấy tờ phải xuất trình"
    )
    procedure.papers.filter(position__gte=11, position__lt=30).update(group="* Lưu ý")
    RequiredPaper.objects.filter(procedure=procedure).update(kind="submit", conditional=False)

    report = services.import_records(demo_records(("1.001193",)), source="test")

    assert report.updated == 1
    after = {p.pk: p.name for p in procedure.papers.all()}
    assert after == before
    assert not procedure.papers.exclude(group="").exists()
    assert procedure.papers.filter(kind=PaperKind.NOTE).count() == 25


def test_detail_page_shows_the_sections(client, small_catalog):
    response = client.get("/thu-tuc/1.001193/")
    assert response.status_code == 200
    html = response.content.decode()
    section = html[html.index('id="thanh-phan"') :]
    section = section[: section.index("</section>")]
    assert "Giấy tờ phải nộp</h3>" in section
    assert "Giấy tờ xuất trình</h3>" in section
    assert "Lưu ý</h3>" in section
    assert "(trong trường hợp trẻ em bị bỏ rơi)" in section
    assert "* Giấy tờ phải nộp" not in section and "* Lưu ý" not in section
    # The notes are listed under "Lưu ý", after the papers to present.
    assert section.index("Lưu ý</h3>") > section.index("Giấy tờ xuất trình</h3>")
    notes = section[section.index("Lưu ý</h3>") :]
    assert "Cá nhân có quyền lựa chọn thực hiện thủ tục hành chính về hộ tịch" in notes
