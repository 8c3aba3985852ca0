"""The applicant's timeline and plain status: what a citizen reads about their dossier."""

from __future__ import annotations

from chinhquyen.dossiers import services, timeline
from chinhquyen.dossiers.models import Status
from chinhquyen.dossiers.tests import citizen_flows as flows
from chinhquyen.dossiers.tests.conftest import online_dossier, vn


def titles(d) -> list[str]:
    return [row.title for row in timeline.rows(d)]


def test_a_returned_dossier_tells_its_whole_story_in_plain_words(world):
    w = world
    d = flows.returned(w)
    rows = timeline.rows(d)
    assert [r.title for r in rows] == [
        "Bạn đã nộp hồ sơ trực tuyến",
        "Hồ sơ đã được tiếp nhận",
        "Cần bổ sung giấy tờ",
        "Bạn đã nộp giấy tờ: Bản chụp giấy tờ tùy thân",
        "Đã nhận đủ giấy tờ bổ sung",
        "Hồ sơ được chuyển đi giải quyết",
        # Steps 2 and 3 stay in the same unit: internal work, not shown.
        "Hồ sơ được trình lãnh đạo xem xét, ký duyệt",
        "Xin lỗi vì hồ sơ bị chậm – hẹn lại ngày trả kết quả",
        "Hồ sơ đã được phê duyệt",
        "Đã có kết quả",
        "Đã trả kết quả",
    ]
    by_title = {r.title: r for r in rows}
    assert by_title["Hồ sơ đã được tiếp nhận"].text == "Ngày hẹn trả kết quả: 09/03/2026."
    supplement = by_title["Cần bổ sung giấy tờ"]
    assert supplement.kind == timeline.ACTION
    assert supplement.items == [
        {"name": "Bản chụp giấy tờ tùy thân", "reason": flows.SUPPLEMENT_REASON}
    ]
    assert "Nộp bản chụp rõ nét." in supplement.text
    assert by_title["Đã nhận đủ giấy tờ bổ sung"].text == (
        "Thời hạn giải quyết được tính lại từ đầu; ngày hẹn trả mới: 10/03/2026."
    )
    assert by_title["Hồ sơ được chuyển đi giải quyết"].text == (
        "Đơn vị giải quyết: Phòng Hành chính tư pháp, Sở Tư pháp."
    )
    late = by_title["Xin lỗi vì hồ sơ bị chậm – hẹn lại ngày trả kết quả"]
    assert late.kind == timeline.WARNING
    assert "chậm so với ngày hẹn 10/03/2026" in late.text
    assert "hẹn trả kết quả vào ngày 20/03/2026" in late.text
    assert late.items == [{"name": "Lý do chậm", "reason": flows.LATE_REASON}]
    assert by_title["Đã trả kết quả"].text.startswith("Kết quả điện tử đã được trả trực tuyến")
    # Officials' internal opinions and names never reach the applicant's lines.
    text = " ".join(f"{r.title} {r.text} {r.items}" for r in rows)
    for secret in ("Bước 1: đủ điều kiện", w["specialist"].full_name, w["leader"].full_name):
        assert secret and secret not in text
    assert timeline.plain_status(d.status) == "Đã trả kết quả"
    assert timeline.group_of(d.status) == timeline.FINISHED


def test_plain_status_groups_and_hints():
    assert timeline.plain_status(Status.AWAITING_SUPPLEMENT) == "Cần bổ sung giấy tờ"
    assert timeline.group_of(Status.AWAITING_SUPPLEMENT) == timeline.NEEDS_ACTION
    assert timeline.group_of(Status.RESULT_READY) == timeline.NEEDS_ACTION
    assert timeline.group_of(Status.PROCESSING) == timeline.IN_PROGRESS
    assert timeline.group_of(Status.WITHDRAWN) == timeline.FINISHED
    every = (
        timeline.IN_PROGRESS_STATUSES | timeline.NEEDS_ACTION_STATUSES | timeline.FINISHED_STATUSES
    )
    assert every == set(Status.values)
    for status in Status.values:
        assert timeline.plain_status(status) and timeline.status_hint(status)


def test_where_the_dossier_is_now(world):
    w = world
    d = online_dossier(w)
    assert timeline.current_unit(d) == "Bộ phận Một cửa – Sở Tư pháp"
    d = flows.processing(w)
    assert timeline.current_unit(d) == "Phòng Hành chính tư pháp, Sở Tư pháp"


def test_late_without_apology_then_with_the_new_date(world):
    w = world
    d = flows.processing(w)
    assert timeline.late_notice(d, vn(2026, 3, 5, 9, 0)) == ""
    notice = timeline.late_notice(d, vn(2026, 3, 11, 9, 0))
    assert "đã quá ngày hẹn trả (10/03/2026)" in notice
    d = flows.late_with_new_date(w)  # a second dossier, late, with the apology
    assert "hẹn trả kết quả vào ngày 20/03/2026" in timeline.late_notice(d, vn(2026, 3, 11, 9, 0))


def test_refusal_and_withdrawal_lines(world):
    w = world
    d = online_dossier(w)
    d = services.refuse_reception(
        actor=w["intake"], dossier=d, expected_version=d.version,
        reasons=["Hồ sơ không thuộc thẩm quyền.", "Thiếu tờ khai."],
    )  # fmt: skip
    last = timeline.rows(d)[-1]
    assert last.title == "Hồ sơ không được tiếp nhận" and last.kind == timeline.ENDED
    assert [i["name"] for i in last.items] == ["Hồ sơ không thuộc thẩm quyền.", "Thiếu tờ khai."]

    other = online_dossier(w)
    other = services.withdraw(
        actor=w["applicant"], dossier=other, expected_version=other.version,
        reason="Tôi nộp nhầm thủ tục.",
    )  # fmt: skip
    last = timeline.rows(other)[-1]
    assert (last.title, last.text) == ("Bạn đã rút hồ sơ", "Lý do: Tôi nộp nhầm thủ tục.")
