"""Hồ sơ của tôi: the applicant's list, one dossier, downloads, supplement, withdrawal, rating.

A citizen never sees nor acts on another citizen's dossier: every page and the API answer 404.
The dossier fixtures (``world``, ``stranger``…) come from this folder's ``conftest.py``.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from chinhquyen.dossiers.models import DossierRating, Status, SubmittedPaper
from chinhquyen.dossiers.tests import citizen_flows as flows
from chinhquyen.dossiers.tests.conftest import PDF, online_dossier, vn
from chinhquyen.dossiers.tests.test_forms_render import text_of

API = "/api/v1/dossiers"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(name: str, d=None, **kwargs) -> str:
    if d is not None:
        kwargs["code"] = d.code
    return reverse(f"portal:{name}", kwargs=kwargs or None)


def html(response) -> str:
    return response.content.decode()


def test_the_list_shows_my_dossiers_in_plain_words_with_filters(world, stranger):
    w = world
    waiting = flows.awaiting_supplement(w)
    done = flows.returned(w)
    me = logged_in(w["applicant"])
    response = me.get(page("my_dossiers"))
    assert response.status_code == 200
    body = html(response)
    assert waiting.code in body and done.code in body
    assert "Cần bổ sung giấy tờ" in body and "Đã trả kết quả" in body
    assert "Chờ bạn đánh giá" in body
    for label, count in (("Tất cả", 2), ("Cần bạn thực hiện", 1), ("Đã kết thúc", 1)):
        assert f'{label} <span class="count">({count})</span>' in body, label
    assert "Hồ sơ của tôi" in body  # the navigation link for a logged-in citizen
    needs = html(me.get(page("my_dossiers") + "?nhom=can-ban-xu-ly"))
    assert waiting.code in needs and done.code not in needs
    finished = html(me.get(page("my_dossiers") + "?nhom=da-ket-thuc"))
    assert done.code in finished and waiting.code not in finished
    assert waiting.code not in html(me.get(page("my_dossiers") + "?nhom=dang-giai-quyet"))

    other = html(logged_in(stranger).get(page("my_dossiers")))
    assert waiting.code not in other and done.code not in other
    assert "Bạn chưa nộp hồ sơ nào" in other
    anonymous = Client().get(page("my_dossiers"))
    assert anonymous.status_code == 302 and "/tai-khoan/" in anonymous.url


def test_the_detail_tells_the_story_and_what_to_do(world):
    w = world
    d = flows.late_with_new_date(w)
    w["clock"].set_time(vn(2026, 3, 11, 9, 0))
    body = html(logged_in(w["applicant"]).get(page("my_dossier", d)))
    for text in (
        "Hồ sơ đã được tiếp nhận",
        "Cần bổ sung giấy tờ",
        flows.SUPPLEMENT_REASON,
        "Đơn vị giải quyết: Phòng Hành chính tư pháp, Sở Tư pháp.",
        "Xin lỗi vì hồ sơ bị chậm",
        "hẹn trả kết quả vào ngày 20/03/2026",
        flows.LATE_REASON,
        "Rút hồ sơ này",
    ):
        assert text in body, text
    assert "Đánh giá mức độ hài lòng" not in body  # not answered yet


def test_nobody_else_sees_or_acts_on_my_dossier_pages_or_api(world, stranger):
    w = world
    d = flows.result_ready(w)
    result = d.results.get()
    other = logged_in(stranger)
    official = logged_in(w["intake"])  # sees it in the workspace, not as "my dossier"
    for client in (other, official):
        for url in (
            page("my_dossier", d),
            page("my_dossier_receipt", d),
            page("my_dossier_result", d, result_id=result.pk),
            page("my_dossier_withdraw", d),
        ):
            assert client.get(url).status_code == 404, url
        for url, data in (
            (page("my_dossier_withdraw", d), {"reason": "x", "expected_version": d.version}),
            (page("my_dossier_rate", d), {"level": "satisfied"}),
            (page("my_dossier_upload", d), {"expected_version": d.version}),
            (page("my_dossier_supplement_done", d), {"expected_version": d.version}),
        ):
            assert client.post(url, data).status_code == 404, url
    # The API: the same 404 for the other citizen (list, detail, downloads, withdraw, rating).
    assert other.get(API).json()["total"] == 0
    assert other.get(f"{API}/{d.code}").status_code == 404
    assert other.get(f"{API}/{d.code}/forms/01.pdf").status_code == 404
    assert other.get(f"{API}/{d.code}/results/{result.pk}").status_code == 404
    withdraw = other.post(
        f"{API}/{d.code}/actions/withdraw",
        {"expected_version": d.version, "reason": "x"},
        content_type="application/json",
    )
    assert withdraw.status_code == 404
    rate = other.post(
        f"{API}/{d.code}/rating", {"level": "satisfied"}, content_type="application/json"
    )
    assert rate.status_code == 404
    d.refresh_from_db()
    assert d.status == Status.RESULT_READY and not DossierRating.objects.exists()


def test_downloads_receipt_and_result(world):
    w = world
    d = flows.result_ready(w)
    me = logged_in(w["applicant"])
    receipt = me.get(page("my_dossier_receipt", d))
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert receipt["Cache-Control"].startswith("private") or "no-store" in receipt["Cache-Control"]
    text = text_of(receipt.content)
    assert d.code in text and d.lookup_secret in text  # the lookup secret is printed
    result = d.results.get()
    response = me.get(page("my_dossier_result", d, result_id=result.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert 'filename="ket-qua.pdf"' in response["Content-Disposition"]
    assert me.get(page("my_dossier_result", d, result_id=result.pk + 999)).status_code == 404
    body = html(me.get(page("my_dossier", d)))
    assert page("my_dossier_result", d, result_id=result.pk) in body


def test_supplement_uploaded_and_sent_by_the_applicant(world):
    w = world
    d = flows.awaiting_supplement(w)
    me = logged_in(w["applicant"])
    body = html(me.get(page("my_dossier", d)))
    assert "Giấy tờ cần bổ sung" in body and flows.SUPPLEMENT_REASON in body
    paper = w["procedure"].papers.get(position=2)
    assert f'<option value="{paper.pk}" selected>' in body  # the paper asked for comes first

    bad = me.post(
        page("my_dossier_upload", d),
        {"required_paper": paper.pk, "expected_version": d.version,
         "file": SimpleUploadedFile("x.pdf", EXE)},
    )  # fmt: skip
    assert bad.status_code == 400 and "PDF" in html(bad)
    assert not SubmittedPaper.objects.filter(dossier=d, supplement__isnull=False).exists()

    # Sending before the paper is there: the missing paper is named.
    early = me.post(page("my_dossier_supplement_done", d), {"expected_version": d.version})
    assert early.status_code == 400 and "Chưa nộp bổ sung" in html(early)

    ok = me.post(
        page("my_dossier_upload", d),
        {"required_paper": paper.pk, "expected_version": d.version,
         "file": SimpleUploadedFile("ban-chup.pdf", PDF)},
    )  # fmt: skip
    assert ok.status_code == 302
    item = SubmittedPaper.objects.get(dossier=d, supplement__isnull=False)
    assert (item.required_paper, item.uploaded_by) == (paper, w["applicant"])
    d.refresh_from_db()
    sent = me.post(page("my_dossier_supplement_done", d), {"expected_version": d.version})
    assert sent.status_code == 302
    d.refresh_from_db()
    assert d.status == Status.RECEIVED
    assert "Đã nhận đủ giấy tờ bổ sung" in html(me.get(page("my_dossier", d)))


def test_withdraw_with_confirmation_and_a_stale_page(world):
    w = world
    d = flows.processing(w)
    me = logged_in(w["applicant"])
    confirm = me.get(page("my_dossier_withdraw", d))
    assert confirm.status_code == 200 and "không thể tiếp tục lại" in html(confirm)
    empty = me.post(page("my_dossier_withdraw", d), {"expected_version": d.version})
    assert empty.status_code == 400 and "Vui lòng ghi lý do rút hồ sơ." in html(empty)

    stale = me.post(
        page("my_dossier_withdraw", d),
        {"expected_version": d.version - 1, "reason": "Không cần nữa."},
        follow=True,
    )
    assert "Hồ sơ vừa có thay đổi mới" in html(stale)
    d.refresh_from_db()
    assert d.status == Status.PROCESSING

    done = me.post(
        page("my_dossier_withdraw", d), {"expected_version": d.version, "reason": "Không cần nữa."}
    )
    assert done.status_code == 302
    d.refresh_from_db()
    assert d.status == Status.WITHDRAWN
    body = html(me.get(page("my_dossier", d)))
    assert "Bạn đã rút hồ sơ" in body and "Lý do: Không cần nữa." in body
    assert "Rút hồ sơ này" not in body
    again = me.get(page("my_dossier_withdraw", d), follow=True)
    assert "không rút được" in html(again)


def test_rating_on_the_detail_page_once(world):
    w = world
    d = flows.returned(w)
    me = logged_in(w["applicant"])
    body = html(me.get(page("my_dossier", d)))
    assert "Đánh giá mức độ hài lòng" in body and "Thời gian giải quyết lâu" in body
    missing = me.post(page("my_dossier_rate", d), {})
    assert missing.status_code == 400 and "Vui lòng chọn mức độ hài lòng." in html(missing)
    ok = me.post(
        page("my_dossier_rate", d),
        {"level": "not_satisfied", "reasons": ["slow", "attitude"], "comment": "Chờ lâu."},
    )
    assert ok.status_code == 302
    rating = DossierRating.objects.get(dossier=d)
    assert rating.reasons == ["slow", "attitude"] and rating.rated_by == w["applicant"]
    body = html(me.get(page("my_dossier", d)))
    assert "Bạn đã đánh giá" in body and "Không hài lòng" in body
    again = me.post(page("my_dossier_rate", d), {"level": "satisfied"})
    assert again.status_code == 400 and "chỉ được đánh giá một lần" in html(again)
    assert DossierRating.objects.count() == 1


def test_rating_through_the_api_once(world):
    w = world
    d = flows.returned(w)
    me = logged_in(w["applicant"])
    url = f"{API}/{d.code}/rating"
    response = me.post(
        url, {"level": "very_satisfied", "reasons": []}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["level_label"] == "Rất hài lòng"
    again = me.post(url, {"level": "satisfied"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    official = logged_in(w["intake"]).post(
        url, {"level": "satisfied"}, content_type="application/json"
    )
    assert official.status_code == 403


@pytest.mark.parametrize("status_filter", ["", "?nhom=khong-co"])
def test_an_unknown_filter_shows_everything(world, status_filter):
    w = world
    d = online_dossier(w)
    body = html(logged_in(w["applicant"]).get(page("my_dossiers") + status_filter))
    assert d.code in body and "Đã gửi, chờ tiếp nhận" in body
