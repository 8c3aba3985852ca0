"""The list of actions offered now (API and workspace alike), who finished a step, and the
late-handling prompts (``due_soon``) filtered in the database."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chinhquyen.dossiers import api, selectors, services, workflow
from chinhquyen.dossiers.models import Dossier, Status, StepAssignment
from chinhquyen.dossiers.tests.conftest import processing_dossier, received_dossier, run_steps, vn


def api_actions(user, d) -> list[str]:
    client = Client()
    client.force_login(user)
    response = client.get(f"/api/v1/dossiers/{d.code}")
    assert response.status_code == 200, response.content
    return response.json()["actions"]


def test_a_new_date_is_offered_only_until_it_was_set_once(world):
    w = world
    d = processing_dossier(w)
    d = services.assign(
        actor=w["head"], dossier=d, expected_version=d.version, assignee=w["specialist"]
    )
    assert "propose_new_date" in api.allowed_actions(w["specialist"], d)
    assert "propose_new_date" in api_actions(w["specialist"], d)
    d = services.propose_new_date(
        actor=w["specialist"], dossier=d, expected_version=d.version,
        new_due_at=vn(2026, 3, 13, 17, 0), reason="Cần xác minh thông tin.",
    )  # fmt: skip
    assert workflow.spent("propose_new_date", d)
    assert "propose_new_date" not in workflow.available_actions_for(d)
    for user in (w["specialist"], w["head"], w["leader"]):
        assert "propose_new_date" not in api.allowed_actions(user, d)
        assert "propose_new_date" not in api_actions(user, d)
    # The other actions of the step are still offered.
    assert "complete_step" in api.allowed_actions(w["specialist"], d)


def test_step_flags_name_who_finished_a_step_nobody_was_assigned(world):
    w = world
    d = processing_dossier(w)  # step 1 has no assignee: any specialist of the agency may do it
    assert d.current_step.assignee_id is None
    d = services.complete_step(
        actor=w["specialist2"], dossier=d, expected_version=d.version, opinion="Đủ điều kiện."
    )
    first, second = selectors.step_flags(d)
    assert first.step.assignee is None and first.finished_by == w["specialist2"]
    assert second.finished_at is None and second.finished_by is None


def test_step_flags_leave_out_the_actor_of_a_step_closed_by_the_dossier_ending(world):
    w = world
    d = processing_dossier(w)
    d = services.stop_processing(
        actor=w["leader"], dossier=d, expected_version=d.version, reason="Dừng theo yêu cầu."
    )
    (flag,) = selectors.step_flags(d)
    assert flag.step.outcome == StepAssignment.Outcome.CLOSED
    assert flag.finished_at is not None and flag.finished_by is None


def _brute_force(user, moment) -> list[int]:
    """``due_soon`` as it was: every visible open dossier, asked one by one."""
    return [p.dossier.pk for p in _old_due_soon(user, moment)]


def _old_due_soon(user, moment):
    from datetime import timedelta

    from chinhquyen.dossiers import codes, timing

    lead = codes.rule("apology_lead_working_days")
    qs = selectors.visible_to(user).filter(
        status__in=workflow.IN_PROCESS, rescheduled_at__isnull=True, due_at__isnull=False,
        due_at__lte=moment + timedelta(days=14),
    )  # fmt: skip
    out = []
    with timing.one_calendar_read():
        for d in qs.order_by("due_at"):
            if not selectors._responsible(user, d):  # noqa: SLF001 – the per-row rule
                continue
            left = timing.working_days_between(d.agency, moment, d.due_at)
            if left <= lead:
                out.append(selectors.DuePrompt(d, d.due_at, round(float(left), 2), left < 0))
    return out


def test_due_soon_in_the_database_gives_the_same_prompts_as_row_by_row(world):
    w = world
    unassigned = processing_dossier(w)
    assigned = processing_dossier(w)
    assigned = services.assign(
        actor=w["head"], dossier=assigned, expected_version=assigned.version,
        assignee=w["specialist2"],
    )  # fmt: skip
    at_step_2 = run_steps(w, processing_dossier(w), until=1)
    pending = run_steps(w, processing_dossier(w), until=3)  # waiting for the decision
    assert pending.status == Status.PENDING_DECISION
    received = received_dossier(w)  # not forwarded yet: no step
    assert Dossier.objects.count() == 5 and received.current_step_id is None
    users = [
        w["intake"], w["specialist"], w["specialist2"], w["head"], w["leader"],
        w["building_specialist"], w["building_leader"], w["ward_specialist"], w["admin"],
        w["root_leader"], w["ward_clerk"], w["applicant"],
    ]  # fmt: skip
    for moment in (vn(2026, 3, 2, 10, 0), vn(2026, 3, 6, 9, 0), vn(2026, 3, 10, 9, 0)):
        w["clock"].set_time(moment)
        for user in users:
            new = selectors.due_soon(user, now=moment)
            assert new == _old_due_soon(user, moment), (user.username, moment)
    # The cases the filter has to tell apart do occur.
    moment = vn(2026, 3, 10, 9, 0)
    assert set(_brute_force(w["specialist"], moment)) == {unassigned.pk}
    assert set(_brute_force(w["specialist2"], moment)) == {unassigned.pk, assigned.pk}
    assert at_step_2.pk in _brute_force(w["head"], moment)
    assert set(_brute_force(w["leader"], moment)) >= {pending.pk, received.pk}
    assert _brute_force(w["building_specialist"], moment) == []


def test_due_soon_asks_the_database_a_fixed_number_of_times(world):
    """A province-wide leader: the query count does not grow with the dossiers in view."""
    w = world
    moment = vn(2026, 3, 10, 9, 0)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            found = selectors.due_soon(w["root_leader"], now=moment)
        return len(ctx.captured_queries), len(found)

    processing_dossier(w)
    processing_dossier(w)
    queries()  # the user's roles are read once and kept on the user
    few, found_few = queries()
    for _ in range(4):
        processing_dossier(w)
    many, found_many = queries()
    assert (found_few, found_many) == (2, 6)
    assert many == few
