"""Whole dossiers from start to end, as the issue's scenarios describe them.

Deadlines are compared with the calendar's own arithmetic (``calendars.deadlines``), never with
hand-written dates alone, so a change in either is caught.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chinhquyen.audit.models import AuditRecord
from chinhquyen.calendars import deadlines
from chinhquyen.calendars.selectors import calendar_for
from chinhquyen.dossiers import selectors, services
from chinhquyen.dossiers.errors import DossierStateError, StaleDossierError, error_code
from chinhquyen.dossiers.models import (
    Dossier,
    DossierCodeSequence,
    DueDateChange,
    Participation,
    Status,
    StepAssignment,
)
from chinhquyen.dossiers.tests.conftest import (
    PDF,
    desk_dossier,
    online_dossier,
    processing_dossier,
    run_steps,
    vn,
)
from chinhquyen.events.models import OutboxEvent


def audit_count(d: Dossier) -> int:
    return AuditRecord.objects.filter(object_type="dossiers.dossier", object_id=str(d.pk)).count()


def outbox(d: Dossier) -> list[OutboxEvent]:
    rows = OutboxEvent.objects.filter(aggregate_type="dossiers.dossier", aggregate_id=str(d.pk))
    return sorted(rows, key=lambda e: e.payload["version"])


def test_complete_direct_dossier_returned_early(world):
    w = world
    clock, agency = w["clock"], w["agency"]
    d = desk_dossier(w)
    assert d.code == "000.00.01.H41-260302-0001"
    assert (d.status, d.national_status, d.channel) == (Status.SUBMITTED, 1, "direct")
    assert d.masked_identity_number == "*********678"

    clock.set_time(vn(2026, 3, 2, 9, 10))
    d = services.receive(actor=w["intake"], dossier=d, expected_version=d.version)
    expected_due = deadlines.add_working_days(
        calendar_for(agency), vn(2026, 3, 2, 9, 10), 5, paper=True
    )
    assert d.due_at == expected_due == vn(2026, 3, 9, 9, 10)
    assert (d.status, d.national_status) == (Status.RECEIVED, 2)
    assert (d.procedure_version, d.fee_amount, d.paper) == (1, 15_000, True)
    assert [s["position"] for s in d.process] == [1, 2, 3]
    assert d.due_changes.get().kind == DueDateChange.Kind.APPOINTED

    clock.set_time(vn(2026, 3, 2, 9, 30))
    d = services.forward(actor=w["intake"], dossier=d, expected_version=d.version)
    assert (d.status, d.national_status) == (Status.PROCESSING, 4)
    assert d.events.get(action="forward").timing == "on_time"
    # Step 1 has 24 of the procedure's 40 hours: 3 working days from the hand-over.
    assert d.current_step.due_at == deadlines.add_working_days(
        calendar_for(agency), vn(2026, 3, 2, 9, 30), 3
    )

    d = services.assign(
        actor=w["head"], dossier=d, expected_version=d.version, assignee=w["specialist"]
    )
    clock.set_time(vn(2026, 3, 3, 10, 0))
    d = services.complete_step(
        actor=w["specialist"],
        dossier=d,
        expected_version=d.version,
        opinion="Hồ sơ hợp lệ, đề nghị cấp.",
        next_assignee=w["head"],
    )
    clock.set_time(vn(2026, 3, 4, 9, 0))
    d = services.complete_step(
        actor=w["head"], dossier=d, expected_version=d.version, opinion="Trình ký."
    )
    assert d.current_step.position == 3
    clock.set_time(vn(2026, 3, 4, 15, 0))
    d = services.approve(actor=w["leader"], dossier=d, expected_version=d.version, opinion="Đồng ý")
    assert d.status == Status.APPROVED
    clock.set_time(vn(2026, 3, 5, 9, 0))
    d = services.issue_result(
        actor=w["intake"], dossier=d, expected_version=d.version, file=PDF,
        name="Phiếu lý lịch tư pháp số 1", number="01/LLTP",
    )  # fmt: skip
    assert (d.status, d.national_status, d.finished_at) == (
        Status.RESULT_READY, 9, vn(2026, 3, 5, 9, 0),
    )  # fmt: skip
    clock.set_time(vn(2026, 3, 5, 10, 0))
    d = services.return_result(
        actor=w["intake"], dossier=d, expected_version=d.version, via="desk",
        collected_by="Lê Thị Cúc",
    )  # fmt: skip
    assert (d.status, d.national_status) == (Status.RETURNED, 10)
    assert d.returned_at < d.due_at and d.returned_to == "Lê Thị Cúc"

    sheet = list(selectors.control_sheet(d))
    assert [e.action for e in sheet] == [
        "register_at_desk", "receive", "forward", "assign", "complete_step", "complete_step",
        "approve", "issue_result", "return_result",
    ]  # fmt: skip
    assert [e.seq for e in sheet] == list(range(1, d.version + 1))
    assert sheet[-1].timing == "early" and sheet[-1].to_label == "Lê Thị Cúc"
    assert sheet[4].from_user == w["specialist"] and sheet[4].to_user == w["head"]
    # Step 2 (Tue 10:00 + 1 working day) finished on its due day: on time.
    assert [s.timing for s in d.steps.order_by("position")] == ["early", "on_time", "early"]
    # One audit record and one outbox event per control-sheet line, with the national status.
    assert audit_count(d) == len(sheet)
    events = outbox(d)
    assert [e.event_type for e in events] == [f"dossiers.{e.action}" for e in sheet]
    assert events[-1].payload["national_status"] == 10
    assert events[-1].payload["national_channel"] == 1
    assert d.results.get().sha256


def test_online_dossier_with_two_supplement_requests_restarts_the_deadline_exactly(world):
    w = world
    clock, cal = w["clock"], calendar_for(w["agency"])
    d = online_dossier(w)
    clock.set_time(vn(2026, 3, 2, 9, 30))
    d = services.receive(actor=w["intake"], dossier=d, expected_version=d.version)
    assert d.paper is False
    assert d.due_at == deadlines.add_working_days(cal, vn(2026, 3, 2, 9, 30), 5)
    d = services.forward(actor=w["intake"], dossier=d, expected_version=d.version)
    d = services.assign(
        actor=w["head"], dossier=d, expected_version=d.version, assignee=w["specialist"]
    )
    paper = w["procedure"].papers.get(position=2)

    # First request, within 3 working days of reception.
    clock.set_time(vn(2026, 3, 3, 10, 0))
    d = services.request_supplement(
        actor=w["specialist"],
        dossier=d,
        expected_version=d.version,
        items=[{"paper": paper, "reason": "Bản chụp mờ, không đọc được số định danh."}],
    )
    assert (d.status, d.national_status) == (Status.AWAITING_SUPPLEMENT, 5)
    assert d.clock_paused_since == vn(2026, 3, 3, 10, 0)
    # The papers asked for must be there before the supplement counts as received.
    with pytest.raises(ValidationError) as exc:
        services.supplement_received(actor=w["intake"], dossier=d, expected_version=d.version)
    assert error_code(exc.value) == "missing_papers"
    clock.set_time(vn(2026, 3, 4, 14, 0))
    d = services.attach_paper(
        actor=w["applicant"], dossier=d, expected_version=d.version, required_paper=paper,
        file=PDF,
    )  # fmt: skip
    clock.set_time(vn(2026, 3, 4, 14, 5))
    d = services.supplement_received(actor=w["intake"], dossier=d, expected_version=d.version)
    first_restart = vn(2026, 3, 4, 14, 5)
    assert d.status == Status.PROCESSING and d.clock_paused_since is None
    assert d.due_at == deadlines.add_working_days(cal, first_restart, 5)
    assert (
        d.due_at
        == deadlines.compute(cal, d.received_at, working_days=5, restarts=[first_restart]).due
    )
    assert d.due_at == vn(2026, 3, 11, 14, 5)

    # Second request, within 3 working days of the restart.
    clock.set_time(vn(2026, 3, 5, 9, 0))
    d = services.request_supplement(
        actor=w["specialist"],
        dossier=d,
        expected_version=d.version,
        items=[{"name": "Văn bản ủy quyền", "reason": "Người nộp là người được ủy quyền."}],
    )
    clock.set_time(vn(2026, 3, 9, 10, 0))
    d = services.supplement_received(actor=w["intake"], dossier=d, expected_version=d.version)
    second_restart = vn(2026, 3, 9, 10, 0)
    assert d.due_at == deadlines.add_working_days(cal, second_restart, 5) == vn(2026, 3, 16, 10)
    kinds = list(d.due_changes.values_list("kind", flat=True))
    assert kinds == ["appointed", "restarted", "restarted"]
    # The step kept running, shifted by the two waits for the applicant.
    step = d.current_step
    assert step.position == 1 and step.finished_at is None
    assert step.due_at == deadlines.add_working_days(
        cal,
        vn(2026, 3, 2, 9, 30),
        3,
        pauses=[
            (vn(2026, 3, 3, 10, 0), first_restart),
            (vn(2026, 3, 5, 9, 0), second_restart),
        ],
    )

    # A third request after the window is refused, and nothing changes.
    clock.set_time(vn(2026, 3, 13, 11, 0))
    before = (d.version, d.status, d.due_at)
    with pytest.raises(DossierStateError) as exc:
        services.request_supplement(
            actor=w["specialist"], dossier=d, expected_version=d.version,
            items=[{"name": "Giấy khai sinh", "reason": "Thiếu"}],
        )  # fmt: skip
    assert exc.value.code == "supplement_window_closed"
    assert "Đã quá thời hạn yêu cầu bổ sung" in exc.value.messages[0]
    d.refresh_from_db()
    assert (d.version, d.status, d.due_at) == before


def test_late_dossier_with_apology_and_only_one_new_date(world):
    w = world
    clock = w["clock"]
    d = processing_dossier(w)
    assert d.due_at == vn(2026, 3, 9, 9, 0)
    d = services.assign(
        actor=w["head"], dossier=d, expected_version=d.version, assignee=w["specialist"]
    )

    # Two working days before: no prompt yet. One working day before: the handler is prompted.
    clock.set_time(vn(2026, 3, 5, 9, 0))
    assert selectors.due_soon(w["specialist"]) == []
    clock.set_time(vn(2026, 3, 6, 9, 0))
    prompts = selectors.due_soon(w["specialist"])
    assert [p.dossier.pk for p in prompts] == [d.pk] and prompts[0].working_days_left == 1
    assert [p.dossier.pk for p in selectors.due_soon(w["head"])] == [d.pk]  # the unit head too
    assert selectors.due_soon(w["building_specialist"]) == []

    new_date = vn(2026, 3, 13, 17, 0)
    d = services.propose_new_date(
        actor=w["specialist"], dossier=d, expected_version=d.version, new_due_at=new_date,
        reason="Cần xác minh thông tin tại cơ quan công an.",
    )  # fmt: skip
    assert d.due_at == new_date and d.status == Status.PROCESSING
    change = d.due_changes.get(kind=DueDateChange.Kind.NEW_DATE)
    assert (change.before, change.after, change.issued_in_time) == (
        vn(2026, 3, 9, 9, 0), new_date, True,
    )  # fmt: skip
    assert selectors.due_soon(w["specialist"]) == []

    # A second new date is refused, and nothing changes.
    version = d.version
    with pytest.raises(DossierStateError) as exc:
        services.propose_new_date(
            actor=w["specialist"], dossier=d, expected_version=d.version,
            new_due_at=new_date + timedelta(days=7), reason="Vẫn chưa xác minh xong.",
        )  # fmt: skip
    assert exc.value.code == "new_date_once"
    assert "chỉ được hẹn lại một lần" in exc.value.messages[0]
    d.refresh_from_db()
    assert (d.version, d.due_at) == (version, new_date)

    # Past the new date the dossier and its step are overdue, and the unit head sees them.
    clock.set_time(vn(2026, 3, 16, 8, 0))
    assert list(selectors.list_dossiers(w["head"], overdue=True)) == [d]
    assert [s.dossier_id for s in selectors.overdue_steps(w["head"])] == [d.pk]
    assert selectors.overdue_steps(w["specialist"]).count() == 0  # not a unit head
    assert [f.overdue for f in selectors.step_flags(d)] == [True]
    d = run_steps(w, d)
    d = services.approve(actor=w["leader"], dossier=d, expected_version=d.version)
    d = services.issue_result(
        actor=w["intake"], dossier=d, expected_version=d.version, file=PDF, name="Phiếu LLTP"
    )
    d = services.return_result(
        actor=w["intake"], dossier=d, expected_version=d.version, via="post",
        tracking_number="EV123456789VN",
    )  # fmt: skip
    assert d.events.get(action="return_result").timing == "late"
    assert d.steps.get(position=1).timing == "late"
    # Finished late: still in the overdue filter (II.06a "đã giải quyết quá hạn"), no open step.
    assert list(selectors.list_dossiers(w["head"], overdue=True)) == [d]
    assert selectors.overdue_steps(w["head"]).count() == 0
    assert d.returned_to == "Bưu chính: EV123456789VN"


def test_apology_issued_less_than_a_working_day_before_is_marked_late(world):
    w = world
    d = processing_dossier(w)
    w["clock"].set_time(vn(2026, 3, 6, 14, 0))
    d = services.propose_new_date(
        actor=w["leader"], dossier=d, expected_version=d.version,
        new_due_at=vn(2026, 3, 12, 17, 0), reason="Chậm xác minh.",
    )  # fmt: skip
    assert d.due_changes.get(kind="new_date").issued_in_time is False
    assert d.events.last().timing == "late"


def test_sequential_inter_agency_dossier(world):
    w = world
    clock = w["clock"]
    d = processing_dossier(w)
    d = services.assign(
        actor=w["head"], dossier=d, expected_version=d.version, assignee=w["specialist"]
    )
    clock.set_time(vn(2026, 3, 2, 10, 0))
    d = services.transfer_inter_agency(
        actor=w["specialist"],
        dossier=d,
        expected_version=d.version,
        mode="sequential",
        parts=[
            {"agency": w["building"], "task": "Xác nhận hiện trạng công trình", "working_days": 2},
            {"agency": w["ward"], "task": "Xác nhận nơi cư trú", "working_days": 1},
        ],
    )
    assert (d.status, d.national_status) == (Status.INTER_AGENCY, 4)
    first, second = d.participations.order_by("position")
    assert first.state == Participation.State.ACTIVE and second.state == "waiting"
    assert first.due_at == deadlines.add_working_days(
        calendar_for(w["building"]), vn(2026, 3, 2, 10, 0), 2
    )
    assert second.due_at is None
    # The participants see the dossier; nobody else outside the receiving agency does.
    assert selectors.get_for_user(w["building_specialist"], d.code) == d
    assert selectors.get_for_user(w["ward_specialist"], d.code) == d
    assert selectors.get_for_user(w["ward_clerk"], d.code) == d  # same agency, any role sees
    # The ward may not do the building department's part.
    with pytest.raises(PermissionDenied):
        services.complete_participation(
            actor=w["ward_specialist"], dossier=d, expected_version=d.version,
            participation=first, opinion="…",
        )  # fmt: skip
    # The lead agency may not approve while the parts are out.
    with pytest.raises(DossierStateError):
        services.approve(actor=w["leader"], dossier=d, expected_version=d.version)

    clock.set_time(vn(2026, 3, 3, 15, 0))
    d = services.complete_participation(
        actor=w["building_specialist"], dossier=d, expected_version=d.version,
        participation=first, opinion="Công trình đúng hiện trạng.",
    )  # fmt: skip
    assert d.status == Status.INTER_AGENCY
    second.refresh_from_db()
    assert second.state == "active" and second.started_at == vn(2026, 3, 3, 15, 0)
    assert second.due_at == deadlines.add_working_days(
        calendar_for(w["ward"]), vn(2026, 3, 3, 15, 0), 1
    )
    clock.set_time(vn(2026, 3, 5, 9, 0))  # after its deadline
    d = services.complete_participation(
        actor=w["ward_specialist"], dossier=d, expected_version=d.version,
        participation=second, opinion="Đúng nơi cư trú.",
    )  # fmt: skip
    assert d.status == Status.PROCESSING
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.timing, second.timing) == ("early", "late")
    sheet = d.events.filter(action__in=["transfer_inter_agency", "complete_participation"])
    assert [(e.from_agency.code, e.to_agency.code) for e in sheet] == [
        ("000.00.01.H41", "000.00.02.H41"),
        ("000.00.02.H41", "000.00.51.H41"),
        ("000.00.51.H41", "000.00.01.H41"),
    ]
    d = run_steps(w, d)
    d = services.approve(actor=w["leader"], dossier=d, expected_version=d.version)
    assert d.status == Status.APPROVED


def test_parallel_inter_agency_dossier(world):
    w = world
    d = processing_dossier(w)
    d = services.transfer_inter_agency(
        actor=w["specialist"],  # unassigned step: any specialist of the agency may act
        dossier=d,
        expected_version=d.version,
        mode="parallel",
        parts=[
            {"agency": w["building"], "task": "Ý kiến về quy hoạch", "working_days": 3},
            {"agency": w["ward"], "task": "Xác nhận nơi cư trú", "working_hours": 4},
        ],
    )
    building, ward = d.participations.order_by("position")
    assert building.state == ward.state == Participation.State.ACTIVE
    assert ward.due_at == deadlines.add_working_hours(calendar_for(w["ward"]), w["clock"].now(), 4)
    d = services.complete_participation(
        actor=w["ward_specialist"], dossier=d, expected_version=d.version, participation=ward,
        opinion="Đã xác nhận.",
    )  # fmt: skip
    assert d.status == Status.INTER_AGENCY  # still waiting for the building department
    d = services.complete_participation(
        actor=w["building_leader"], dossier=d, expected_version=d.version,
        participation=building, opinion="Phù hợp quy hoạch.",
    )  # fmt: skip
    assert d.status == Status.PROCESSING and d.current_step.position == 1
    with pytest.raises(DossierStateError):
        services.complete_participation(
            actor=w["building_leader"], dossier=d, expected_version=d.version,
            participation=building, opinion="Lần nữa",
        )  # fmt: skip


def test_consultation_with_a_pause_pushes_the_deadline_by_the_wait(world):
    w = world
    clock, cal = w["clock"], calendar_for(w["agency"])
    d = processing_dossier(w)
    original = d.due_at
    clock.set_time(vn(2026, 3, 3, 9, 0))
    d = services.consult(
        actor=w["specialist"], dossier=d, expected_version=d.version, agency=w["building"],
        question="Đề nghị cho ý kiến về hiện trạng.", working_days=2, pause=True,
    )  # fmt: skip
    part = d.participations.get()
    assert part.due_at == vn(2026, 3, 5, 9, 0) and d.clock_paused_since == vn(2026, 3, 3, 9)
    clock.set_time(vn(2026, 3, 4, 9, 0))
    d = services.answer_consultation(
        actor=w["building_specialist"], dossier=d, expected_version=d.version,
        participation=part, opinion="Thống nhất.",
    )  # fmt: skip
    assert d.clock_paused_since is None
    assert d.due_at == deadlines.add_working_days(
        cal, d.received_at, 5, paper=True, pauses=[(vn(2026, 3, 3, 9), vn(2026, 3, 4, 9))]
    )
    assert d.due_at == original + timedelta(days=1)
    assert d.due_changes.last().kind == DueDateChange.Kind.PAUSE


def test_consultation_without_a_pause_leaves_the_deadline(world):
    w = world
    d = processing_dossier(w)
    original = d.due_at
    d = services.consult(
        actor=w["head"], dossier=d, expected_version=d.version, agency=w["ward"],
        question="Xác nhận nơi cư trú",
    )  # fmt: skip
    part = d.participations.get()
    w["clock"].advance(days=1)
    d = services.answer_consultation(
        actor=w["ward_specialist"], dossier=d, expected_version=d.version, participation=part,
        opinion="Đúng.",
    )  # fmt: skip
    assert d.due_at == original and part.pauses_deadline is False


def test_financial_obligation_pauses_and_resumes(world):
    w = world
    clock, cal = w["clock"], calendar_for(w["agency"])
    d = processing_dossier(w)
    clock.set_time(vn(2026, 3, 3, 14, 0))
    d = services.request_financial_obligation(
        actor=w["specialist"], dossier=d, expected_version=d.version, amount=200_000,
        description="Lệ phí trước bạ",
    )  # fmt: skip
    assert (d.status, d.national_status, d.obligation_amount) == (
        Status.AWAITING_OBLIGATION, 6, 200_000,
    )  # fmt: skip
    clock.set_time(vn(2026, 3, 4, 14, 0))
    with pytest.raises(ValidationError):
        services.obligation_paid(
            actor=None, dossier=d, expected_version=d.version, reference="VNP1", amount=100
        )
    d = services.obligation_paid(
        actor=None, dossier=d, expected_version=d.version, reference="VNP14012345", amount=200_000
    )
    assert d.status == Status.PROCESSING and d.obligation_paid_at == vn(2026, 3, 4, 14)
    assert d.due_at == deadlines.add_working_days(
        cal, d.received_at, 5, paper=True, pauses=[(vn(2026, 3, 3, 14), vn(2026, 3, 4, 14))]
    )
    assert d.events.get(action="obligation_paid").actor is None


def test_refusal_of_reception(world):
    w = world
    d = online_dossier(w, papers=False)
    d = services.refuse_reception(
        actor=w["intake"], dossier=d, expected_version=d.version,
        reasons=["Thủ tục không thuộc thẩm quyền của Sở Tư pháp."],
    )  # fmt: skip
    assert (d.status, d.national_status) == (Status.REFUSED_RECEPTION, 3)
    assert d.closed_at is not None
    assert "thẩm quyền" in d.events.last().opinion


def test_refusal_of_processing_with_letter_then_returned(world):
    w = world
    d = processing_dossier(w)
    d = run_steps(w, d, until=2)
    d = services.refuse_processing(
        actor=w["leader"], dossier=d, expected_version=d.version,
        reasons="Người yêu cầu không thuộc đối tượng được cấp.", letter=PDF,
        letter_name="tu-choi.pdf",
    )  # fmt: skip
    assert (d.status, d.national_status) == (Status.REFUSED_PROCESSING, 9)
    assert d.finished_at is not None and d.results.get().kind == "refusal"
    assert d.steps.get(position=3).outcome == StepAssignment.Outcome.CLOSED
    d = services.return_result(
        actor=w["intake"], dossier=d, expected_version=d.version, via="desk",
        collected_by="Lê Thị Cúc",
    )  # fmt: skip
    assert (d.status, d.national_status) == (Status.RETURNED, 10)


def test_withdrawal_by_the_applicant(world):
    w = world
    d = online_dossier(w)
    d = services.receive(actor=w["intake"], dossier=d, expected_version=d.version)
    d = services.forward(actor=w["intake"], dossier=d, expected_version=d.version)
    with pytest.raises(PermissionDenied):  # someone else's dossier
        services.withdraw(actor=w["specialist2"], dossier=d, expected_version=d.version, reason="…")
    d = services.withdraw(
        actor=w["applicant"], dossier=d, expected_version=d.version,
        reason="Tôi không còn nhu cầu.",
    )  # fmt: skip
    assert (d.status, d.national_status) == (Status.WITHDRAWN, 7)
    assert d.steps.get().outcome == StepAssignment.Outcome.CLOSED
    with pytest.raises(DossierStateError):
        services.complete_step(
            actor=w["specialist"], dossier=d, expected_version=d.version, opinion="…"
        )


def test_stop_processing_by_the_leader(world):
    w = world
    d = processing_dossier(w)
    with pytest.raises(PermissionDenied):
        services.stop_processing(actor=w["head"], dossier=d, expected_version=d.version, reason="…")
    d = services.stop_processing(
        actor=w["leader"], dossier=d, expected_version=d.version,
        reason="Có tranh chấp, chờ tòa án giải quyết.",
    )  # fmt: skip
    assert (d.status, d.national_status) == (Status.STOPPED, 8)


def test_return_to_previous_step_and_reassign(world):
    w = world
    d = processing_dossier(w)
    d = run_steps(w, d, until=1)
    assert d.current_step.position == 2
    d = services.return_to_previous_step(
        actor=w["head"], dossier=d, expected_version=d.version, reason="Thiếu đề xuất cụ thể."
    )
    step = d.current_step
    assert step.position == 1 and step.assignee == w["specialist"]  # back to who did it
    assert d.steps.filter(position=2).get().outcome == StepAssignment.Outcome.RETURNED
    with pytest.raises(DossierStateError) as exc:
        services.assign(
            actor=w["head"], dossier=d, expected_version=d.version, assignee=w["specialist2"]
        )
    assert exc.value.code == "already_assigned"
    d = services.reassign(
        actor=w["head"], dossier=d, expected_version=d.version, assignee=w["specialist2"],
        reason="Chuyên viên cũ nghỉ phép.",
    )  # fmt: skip
    assert d.current_step.assignee == w["specialist2"]
    with pytest.raises(PermissionDenied):  # no longer the handler
        services.complete_step(
            actor=w["specialist"], dossier=d, expected_version=d.version, opinion="…"
        )
    with pytest.raises(DossierStateError) as exc:
        services.return_to_previous_step(
            actor=w["specialist2"], dossier=d, expected_version=d.version, reason="…"
        )
    assert exc.value.code == "first_step"
    # The unit head cannot give the step to someone without its role.
    with pytest.raises(ValidationError) as exc:
        services.reassign(
            actor=w["head"], dossier=d, expected_version=d.version, assignee=w["intake"],
            reason="…",
        )  # fmt: skip
    assert error_code(exc.value) == "invalid_assignee"


def test_approval_waits_for_the_last_step(world):
    w = world
    d = processing_dossier(w)
    d = run_steps(w, d, until=1)
    with pytest.raises(DossierStateError) as exc:
        services.approve(actor=w["leader"], dossier=d, expected_version=d.version)
    assert exc.value.code == "steps_remaining"


def test_stale_concurrent_update_is_rejected_and_changes_nothing(world):
    w = world
    d = processing_dossier(w)
    form_a = Dossier.objects.get(pk=d.pk)  # two officials open the same dossier
    form_b = Dossier.objects.get(pk=d.pk)
    services.assign(
        actor=w["head"], dossier=form_a, expected_version=form_a.version,
        assignee=w["specialist"],
    )  # fmt: skip
    fresh = Dossier.objects.get(pk=d.pk)
    counts = (fresh.events.count(), audit_count(fresh), len(outbox(fresh)))
    with pytest.raises(StaleDossierError) as exc:
        services.reassign(
            actor=w["leader"], dossier=form_b, expected_version=form_b.version,
            assignee=w["specialist2"], reason="Điều chỉnh",
        )  # fmt: skip
    assert exc.value.code == "stale"
    assert (exc.value.current_version, exc.value.expected_version) == (fresh.version, d.version)
    assert "vừa được người khác cập nhật" in exc.value.messages[0]
    after = Dossier.objects.get(pk=d.pk)
    assert after.version == fresh.version
    assert after.current_step.assignee == w["specialist"]
    assert (after.events.count(), audit_count(after), len(outbox(after))) == counts


def test_duplicate_submission_with_the_same_key_returns_the_first_dossier(world):
    w = world
    first = online_dossier(w, key="portal-7f3a9c")
    w["clock"].advance(minutes=1)
    again = online_dossier(w, key="portal-7f3a9c")
    assert again.pk == first.pk and again.code == first.code and again.version == 1
    assert Dossier.objects.count() == 1
    assert DossierCodeSequence.objects.get().last_value == 1
    assert first.papers.count() == 2  # the retry did not add papers
    with pytest.raises(PermissionDenied):  # another account cannot fish with the key
        services.submit_online(
            actor=w["specialist"], procedure=w["procedure"], agency=w["agency"],
            idempotency_key="portal-7f3a9c",
        )  # fmt: skip
    other = online_dossier(w, key="portal-other")
    assert other.code.endswith("-0002")


def test_an_authorised_person_submits_for_someone_else(world):
    w = world
    d = services.submit_online(
        actor=w["applicant"],
        procedure=w["procedure"],
        agency=w["agency"],
        applicant={
            "kind": "organisation", "name": "Công ty TNHH Ánh Dương", "tax_code": "2901234567",
            "representative": "Nguyễn Văn An", "email": "lienhe@anhduong.vn",
        },
    )  # fmt: skip
    assert d.submitted_by == w["applicant"] and d.applicant_name == "Công ty TNHH Ánh Dương"
    assert d.applicant_kind == "organisation" and d.result_delivery == "online"
    with pytest.raises(ValidationError) as exc:
        services.submit_online(
            actor=w["applicant"], procedure=w["procedure"], agency=w["agency"],
            applicant={"name": "Lê Văn Dũng", "identity_number": "999", "phone": "12"},
        )  # fmt: skip
    assert set(exc.value.message_dict) == {"identity_number", "phone"}


def test_paper_received_after_15_00_is_forwarded_next_morning(world):
    w = world
    clock = w["clock"]
    d = desk_dossier(w)
    clock.set_time(vn(2026, 3, 2, 15, 30))
    d = services.receive(actor=w["intake"], dossier=d, expected_version=d.version)
    # The deadline counts from the next working morning.
    assert d.due_at == deadlines.add_working_days(
        calendar_for(w["agency"]), vn(2026, 3, 2, 15, 30), 5, paper=True
    )
    clock.set_time(vn(2026, 3, 3, 11, 0))
    d = services.forward(actor=w["intake"], dossier=d, expected_version=d.version)
    assert d.events.get(action="forward").timing == "on_time"
    d2 = desk_dossier(w)
    clock.set_time(vn(2026, 3, 3, 15, 30))
    d2 = services.receive(actor=w["intake"], dossier=d2, expected_version=d2.version)
    clock.set_time(vn(2026, 3, 4, 13, 45))  # after the next morning
    d2 = services.forward(actor=w["intake"], dossier=d2, expected_version=d2.version)
    assert d2.events.get(action="forward").timing == "late"


def test_a_received_dossier_waiting_for_a_supplement_is_refused_in_processing_not_reception(world):
    w = world
    d = processing_dossier(w)
    d = services.request_supplement(
        actor=w["intake"], dossier=d, expected_version=d.version,
        items=[{"name": "Giấy khai sinh", "reason": "Thiếu"}],
    )  # fmt: skip
    with pytest.raises(DossierStateError) as exc:
        services.refuse_reception(
            actor=w["intake"], dossier=d, expected_version=d.version, reasons="Không bổ sung"
        )
    assert exc.value.code == "already_received"
    d = services.refuse_processing(
        actor=w["leader"], dossier=d, expected_version=d.version,
        reasons="Quá hạn bổ sung mà công dân không bổ sung.",
    )  # fmt: skip
    assert d.status == Status.REFUSED_PROCESSING and d.clock_paused_since is None
