"""The rating form and the API offer the reasons the province keeps as rows, in their order.

A retired reason is no longer offered; a reason offered for some levels only is marked for the
browser script (``data-levels``) and refused by the server for other levels.
"""

from __future__ import annotations

import re

from django.test import Client

from chinhquyen.dossiers import ratings
from chinhquyen.dossiers.models import DossierRating, RatingReason
from chinhquyen.dossiers.tests import citizen_flows as flows
from chinhquyen.web.portal.tests.test_my_dossiers import API, html, logged_in, page


def _province_changes_the_reasons(admin) -> None:
    """Retire one reason, move another to the top, add one for "not satisfied" only."""
    ratings.update_reason(
        actor=admin, reason=RatingReason.objects.get(code="attitude"), is_active=False
    )
    ratings.update_reason(
        actor=admin, reason=RatingReason.objects.get(code="unclear_guidance"), position=1
    )
    ratings.create_reason(
        actor=admin, code="phi-ngoai", text="Bị đòi thêm khoản phí ngoài quy định",
        for_very_satisfied=False, for_satisfied=False, position=25,
    )  # fmt: skip


def _reason_labels(body: str) -> list[str]:
    section = body[body.index("data-reasons") :]
    section = section[: section.index("</fieldset>")]
    return re.findall(r'<label class="form-check-label" for="[^"]+">([^<(]+?)\s*(?:<|\()', section)


def _levels_of(body: str, code: str) -> str:
    box = re.search(rf'<input type="checkbox" name="reasons" value="{code}"[^>]*>', body)
    assert box, code
    return re.search(r'data-levels="([^"]*)"', box.group(0)).group(1)


def test_the_form_lists_the_rows_in_their_order(world):
    w = world
    d = flows.returned(w)
    _province_changes_the_reasons(w["admin"])
    body = html(logged_in(w["applicant"]).get(page("my_dossier", d)))
    assert _reason_labels(body) == [
        "Hướng dẫn chưa rõ ràng",
        "Thời gian giải quyết lâu",
        "Bị đòi thêm khoản phí ngoài quy định",
        "Yêu cầu bổ sung hồ sơ nhiều lần",
        "Khác",
    ]
    assert "Thái độ cán bộ chưa tốt" not in body
    assert _levels_of(body, "phi-ngoai") == "not_satisfied"
    assert "(khi bạn chọn «Không hài lòng»)" in body  # without the script, a note says when
    assert _levels_of(body, "slow") == "very_satisfied satisfied not_satisfied"
    assert re.search(r'<script src="[^"]*portal/rating\.js" defer></script>', body)


def test_the_form_refuses_a_reason_that_does_not_fit(world):
    w = world
    d = flows.returned(w)
    _province_changes_the_reasons(w["admin"])
    me = logged_in(w["applicant"])
    wrong_level = me.post(
        page("my_dossier_rate", d), {"level": "very_satisfied", "reasons": ["phi-ngoai"]}
    )
    assert wrong_level.status_code == 400
    assert "chỉ chọn được khi bạn đánh giá «Không hài lòng»" in html(wrong_level)
    retired = me.post(page("my_dossier_rate", d), {"level": "satisfied", "reasons": ["attitude"]})
    assert retired.status_code == 400
    assert "Lý do bạn chọn không còn trong danh sách; vui lòng chọn lại." in html(retired)
    assert not DossierRating.objects.exists()

    ok = me.post(
        page("my_dossier_rate", d), {"level": "not_satisfied", "reasons": ["phi-ngoai", "slow"]}
    )
    assert ok.status_code == 302
    assert DossierRating.objects.get(dossier=d).reasons == ["phi-ngoai", "slow"]
    ratings.update_reason(
        actor=w["admin"], reason=RatingReason.objects.get(code="phi-ngoai"), is_active=False
    )
    body = html(me.get(page("my_dossier", d)))
    assert "Lý do: Bị đòi thêm khoản phí ngoài quy định, Thời gian giải quyết lâu." in body
    assert "portal/rating.js" not in body  # rated: no form, no script


def test_the_api_lists_the_reasons_offered_and_is_cacheable(world):
    w = world
    _province_changes_the_reasons(w["admin"])
    anonymous = Client()
    url = f"{API}/rating-reasons"
    response = anonymous.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == f"public, max-age={ratings_api_max_age()}"
    all_levels = ["very_satisfied", "satisfied", "not_satisfied"]
    assert response.json() == [
        {"code": "unclear_guidance", "text": "Hướng dẫn chưa rõ ràng", "levels": all_levels,
         "requires_comment": False},
        {"code": "slow", "text": "Thời gian giải quyết lâu", "levels": all_levels,
         "requires_comment": False},
        {"code": "phi-ngoai", "text": "Bị đòi thêm khoản phí ngoài quy định",
         "levels": ["not_satisfied"], "requires_comment": False},
        {"code": "many_supplements", "text": "Yêu cầu bổ sung hồ sơ nhiều lần",
         "levels": all_levels, "requires_comment": False},
        {"code": "other", "text": "Khác", "levels": all_levels, "requires_comment": True},
    ]  # fmt: skip
    etag = response["ETag"]
    again = anonymous.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    ratings.update_reason(actor=w["admin"], reason=RatingReason.objects.get(code="slow"),
                          text="Chờ lâu")  # fmt: skip
    changed = anonymous.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()[1]["text"] == "Chờ lâu"


def ratings_api_max_age() -> int:
    from chinhquyen.dossiers.api import RATING_REASONS_MAX_AGE

    return RATING_REASONS_MAX_AGE


def test_the_api_rating_takes_codes_checked_against_the_rows(world):
    w = world
    d = flows.returned(w)
    _province_changes_the_reasons(w["admin"])
    me = logged_in(w["applicant"])
    url = f"{API}/{d.code}/rating"
    refused = me.post(
        url, {"level": "satisfied", "reasons": ["phi-ngoai"]}, content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json()["errors"]["reasons"] == [
        "Lý do «Bị đòi thêm khoản phí ngoài quy định» chỉ chọn được khi bạn đánh giá "
        "«Không hài lòng»."
    ]
    retired = me.post(
        url, {"level": "not_satisfied", "reasons": ["attitude"]}, content_type="application/json"
    )
    assert retired.status_code == 422 and "không còn được dùng" in retired.json()["detail"]
    ok = me.post(
        url, {"level": "not_satisfied", "reasons": ["phi-ngoai"]}, content_type="application/json"
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["reasons"] == ["phi-ngoai"]
