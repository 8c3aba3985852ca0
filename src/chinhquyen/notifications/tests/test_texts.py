"""The seeded texts: every dossier SMS fits one GSM-7 segment unaccented; e-mails render; the
SMS text helpers count like a carrier."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chinhquyen.notifications import smstext
from chinhquyen.notifications.defaults import TEMPLATES
from chinhquyen.notifications.models import MessageTemplate
from chinhquyen.notifications.services import render

# Long but real values: the longest agency codes, a long desk name, a long procedure name.
CONTEXT = {
    "name": "Nguyễn Thị Phương Thảo",
    "code": "000.00.51.H41-261231-9999",
    "procedure": "Cấp phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú",
    "agency": "UBND phường Trường Vinh",
    "desk": "Bộ phận Một cửa UBND phường Trường Vinh",
    "due_date": "31/12/2026",
    "old_date": "24/12/2026",
    "new_date": "31/12/2026",
    "reason": "Cần xác minh thông tin tại cơ quan công an.",
    "items": [{"name": "Văn bản ủy quyền", "reason": "Thiếu"}] * 12,
    "amount": "12.500.000",
    "result_online": False,
    "result_by_post": False,
    "returned_via": "desk",
    "lookup_url": "https://dichvucong.nghean.gov.vn/tra-cuu/",
    "lookup_link": "https://dichvucong.nghean.gov.vn/tra-cuu/?ma=000.00.51.H41-261231-9999",
    "site": "dichvucong.nghean.gov.vn",
    "official": "Trần Văn Bình",
    "step": "Thẩm định hồ sơ",
    "workspace_url": "https://dichvucong.nghean.gov.vn/",
    "purpose": "đăng ký tài khoản",
    "minutes": 10,
}


@pytest.mark.django_db
@pytest.mark.parametrize("variant", [{}, {"result_online": True}, {"result_by_post": True}])
def test_every_seeded_sms_is_one_unaccented_gsm7_segment(variant):
    sms = MessageTemplate.objects.filter(channel="sms")
    assert sms.count() == 12
    for template in sms:
        body = render(template, {**CONTEXT, **variant})["body"]
        assert body.isascii() and smstext.is_gsm7(body), template.key
        assert smstext.length(body) <= 160, (template.key, smstext.length(body), body)
        assert "{" not in body and "  " not in body
        if template.key.startswith("dossier."):
            assert CONTEXT["code"] in body, template.key


@pytest.mark.django_db
def test_every_seeded_email_renders_with_code_and_lookup_link():
    emails = MessageTemplate.objects.filter(channel="email", key__startswith="dossier.")
    assert emails.count() == 12
    for template in emails:
        out = render(template, CONTEXT)
        assert CONTEXT["code"] in out["subject"], template.key
        assert "{" not in out["body"] and "{" not in out["subject"]
        if template.key != "dossier.step_assigned":
            assert CONTEXT["lookup_link"] in out["body"], template.key
            assert "Kính gửi ông/bà Nguyễn Thị Phương Thảo," in out["body"]


def test_seed_rows_are_unique_per_key_and_channel():
    pairs = [(t["key"], t["channel"]) for t in TEMPLATES]
    assert len(pairs) == len(set(pairs))


def test_unaccent_keeps_case_and_folds_d():
    assert smstext.unaccent("Đã TIẾP NHẬN hồ sơ – Điện Biên Phủ…") == (
        "Da TIEP NHAN ho so - Dien Bien Phu..."
    )


def test_unaccent_is_the_same_for_nfc_and_nfd():
    import unicodedata

    text = "Phường Trường Vinh, Nghệ An"
    assert smstext.unaccent(unicodedata.normalize("NFD", text)) == smstext.unaccent(text)


def test_segments_like_a_carrier():
    assert smstext.segments("a" * 160) == 1
    assert smstext.segments("a" * 161) == 2  # 153 per part once split
    assert smstext.segments("a" * 306) == 2 and smstext.segments("a" * 307) == 3
    assert smstext.length("[x]") == 5  # extension characters cost two
    assert smstext.segments("ồ" * 70) == 1 and smstext.segments("ồ" * 71) == 2


@given(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíị"
               "òỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵĐĂÂÊÔƠƯ ", max_size=200))  # fmt: skip
def test_unaccented_vietnamese_is_always_gsm7(text):
    folded = smstext.unaccent(text)
    assert smstext.is_gsm7(folded) and folded.isascii()
    assert len(folded) <= len(text)
