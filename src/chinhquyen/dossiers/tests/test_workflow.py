"""The transition table and the national status mapping (pure, no database)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from chinhquyen.accounts.models import Role
from chinhquyen.dossiers import permissions, workflow
from chinhquyen.dossiers.errors import DossierStateError
from chinhquyen.dossiers.models import Status

EXPECTED_NATIONAL = {
    "submitted": 1,
    "received": 2,
    "refused_reception": 3,
    "processing": 4,
    "inter_agency": 4,
    "pending_decision": 4,
    "approved": 4,
    "awaiting_supplement": 5,
    "awaiting_obligation": 6,
    "withdrawn": 7,
    "stopped": 8,
    "result_ready": 9,
    "refused_processing": 9,
    "returned": 10,
}


def test_every_internal_status_maps_to_exactly_the_expected_national_status():
    assert {s: workflow.national_status(s) for s in Status.values} == EXPECTED_NATIONAL


def test_every_national_status_is_reachable():
    assert set(EXPECTED_NATIONAL.values()) == set(range(1, 11)) == set(workflow.NATIONAL_STATUSES)


def test_internal_statuses_is_the_inverse_of_the_mapping():
    for national in range(1, 11):
        for status in workflow.internal_statuses(national):
            assert workflow.national_status(status) == national
    assert sorted(workflow.internal_statuses(4)) == [
        "approved",
        "inter_agency",
        "pending_decision",
        "processing",
    ]


def test_unknown_status_is_an_error():
    with pytest.raises(ValueError):
        workflow.national_status("lost")


def test_table_only_names_known_states_roles_and_actor_kinds():
    kinds = set(Role.values) | {workflow.APPLICANT, workflow.STEP_HANDLER, workflow.SYSTEM}
    for spec in workflow.ACTIONS.values():
        assert spec.from_states <= set(Status.values), spec.name
        assert spec.to_state is None or spec.to_state in Status.values
        assert set(spec.who) <= kinds, spec.name
        assert spec.scope in (workflow.RECEIVING, workflow.PROCESSING, workflow.PARTICIPANT)
        assert set(spec.requires) <= set(workflow.REQUIRED_LABELS), spec.name
        assert spec.creates == (not spec.from_states), spec.name


def test_closed_states_allow_no_action():
    for status in (Status.RETURNED, Status.WITHDRAWN, Status.STOPPED, Status.REFUSED_RECEPTION):
        assert workflow.available_actions(status) == []


def test_every_open_state_has_a_way_out():
    for status in workflow.OPEN:
        assert workflow.available_actions(status), status


def test_check_state_explains_what_is_allowed():
    workflow.check_state("receive", Status.SUBMITTED)
    with pytest.raises(DossierStateError) as exc:
        workflow.check_state("receive", Status.PROCESSING)
    message = exc.value.messages[0]
    assert "tiếp nhận hồ sơ" in message and "Đang xử lý" in message and "Mới đăng ký" in message
    assert exc.value.code == "wrong_state"


def test_check_inputs_names_each_missing_field():
    workflow.check_inputs("refuse_reception", {"reasons": "Không thuộc thẩm quyền"})
    with pytest.raises(ValidationError) as exc:
        workflow.check_inputs("transfer_inter_agency", {"mode": " ", "parts": []})
    assert set(exc.value.message_dict) == {"mode", "parts"}


def test_unknown_action_is_a_validation_error():
    with pytest.raises(ValidationError) as exc:
        workflow.action("teleport")
    assert "teleport" in exc.value.messages[0]


def test_who_label_is_vietnamese_for_every_action():
    for name in workflow.ACTIONS:
        label = permissions.who_label(name)
        assert label and "_" not in label, name
