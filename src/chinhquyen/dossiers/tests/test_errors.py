"""Bad input gets a clear Vietnamese error and changes nothing: wrong role, wrong state, missing
papers, missing inputs, a stale form."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chinhquyen.audit.models import AuditRecord
from chinhquyen.dossiers import services
from chinhquyen.dossiers.errors import DossierStateError, error_code
from chinhquyen.dossiers.models import (
    Dossier,
    DossierEvent,
    DueDateChange,
    Participation,
    StepAssignment,
    SubmittedPaper,
)
from chinhquyen.dossiers.tests.conftest import (
    PDF,
    desk_dossier,
    online_dossier,
    processing_dossier,
    received_dossier,
)
from chinhquyen.events.models import OutboxEvent


def state_of(d: Dossier) -> tuple:
    fresh = Dossier.objects.get(pk=d.pk)
    return (
        fresh.version,
        fresh.status,
        fresh.due_at,
        fresh.current_step_id,
        fresh.updated_at,
        DossierEvent.objects.count(),
        AuditRecord.objects.count(),
        OutboxEvent.objects.count(),
        StepAssignment.objects.count(),
        Participation.objects.count(),
        DueDateChange.objects.count(),
        SubmittedPaper.objects.count(),
    )


@contextmanager
def unchanged(d: Dossier):
    before = state_of(d)
    yield
    assert state_of(d) == before


def test_receive_by_a_citizen_or_another_agency_is_refused(world):
    w = world
    d = desk_dossier(w)
    for actor in (w["applicant"], w["building_specialist"], w["specialist"]):
        with unchanged(d), pytest.raises(PermissionDenied) as exc:
            services.receive(actor=actor, dossier=d, expected_version=d.version)
        assert "không có quyền" in str(exc.value)


def test_the_message_says_who_may_act(world):
    w = world
    d = processing_dossier(w)
    with unchanged(d), pytest.raises(PermissionDenied) as exc:
        services.approve(actor=w["specialist"], dossier=d, expected_version=d.version)
    message = str(exc.value)
    assert "phê duyệt kết quả" in message
    assert "lãnh đạo phòng/đơn vị" in message.lower() and "lãnh đạo cơ quan" in message.lower()


def test_registering_at_another_agencys_desk_is_refused(world):
    w = world
    with pytest.raises(PermissionDenied):
        services.register_at_desk(
            actor=w["intake"], procedure=w["procedure"], agency=w["building"],
            applicant={"name": "Lê Thị Cúc"},
        )  # fmt: skip
    assert Dossier.objects.count() == 0


def test_wrong_state_is_refused_and_says_which_states_are_allowed(world):
    w = world
    d = received_dossier(w)
    with unchanged(d), pytest.raises(DossierStateError) as exc:
        services.approve(actor=w["leader"], dossier=d, expected_version=d.version)
    assert exc.value.code == "wrong_state"
    message = exc.value.messages[0]
    assert "Đã tiếp nhận" in message and "Đang xử lý" in message
    with unchanged(d), pytest.raises(DossierStateError):
        services.receive(actor=w["intake"], dossier=d, expected_version=d.version)


def test_receiving_with_missing_papers_lists_them_and_changes_nothing(world):
    w = world
    paper = w["procedure"].papers.get(position=1)
    d = services.register_at_desk(
        actor=w["intake"], procedure=w["procedure"], agency=w["agency"],
        applicant={"name": "Lê Thị Cúc"}, papers=[(paper, PDF)],
    )  # fmt: skip
    with unchanged(d), pytest.raises(ValidationError) as exc:
        services.receive(actor=w["intake"], dossier=d, expected_version=d.version)
    assert error_code(exc.value) == "missing_papers"
    messages = exc.value.message_dict["papers"]
    assert messages[0] == "Còn thiếu: Bản chụp giấy tờ tùy thân"
    assert "Mẫu 02" in messages[-1]
    d.refresh_from_db()
    assert d.received_at is None and d.due_at is None and d.process == []


def test_alternative_paper_groups_need_one_complete_group(world):
    w = world
    from chinhquyen.catalog.models import RequiredPaper

    procedure = w["procedure"]
    a = RequiredPaper.objects.create(procedure=procedure, position=3, group="Trường hợp 1",
                                     name="Giấy ủy quyền")  # fmt: skip
    b = RequiredPaper.objects.create(procedure=procedure, position=4, group="Trường hợp 2",
                                     name="Giấy khai sinh của con")  # fmt: skip
    common = [(p, PDF) for p in procedure.papers.filter(group="")]
    d = services.register_at_desk(
        actor=w["intake"], procedure=procedure, agency=w["agency"],
        applicant={"name": "Lê Thị Cúc"}, papers=common,
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.receive(actor=w["intake"], dossier=d, expected_version=d.version)
    assert len(exc.value.message_dict["papers"]) == 2  # one paper of one group, and the advice
    d = services.attach_paper(
        actor=w["intake"], dossier=d, expected_version=d.version, required_paper=b, file=PDF
    )
    with pytest.raises(ValidationError):  # the chosen case needs its own paper
        services.receive(
            actor=w["intake"], dossier=d, expected_version=d.version, paper_group="Trường hợp 1"
        )
    d = services.receive(actor=w["intake"], dossier=d, expected_version=d.version)
    assert d.status == "received" and a.pk not in set(
        d.papers.values_list("required_paper", flat=True)
    )


def test_missing_required_inputs_are_named(world):
    w = world
    d = processing_dossier(w)
    d = services.assign(
        actor=w["head"], dossier=d, expected_version=d.version, assignee=w["specialist"]
    )
    with unchanged(d), pytest.raises(ValidationError) as exc:
        services.complete_step(
            actor=w["specialist"], dossier=d, expected_version=d.version, opinion="  "
        )
    assert exc.value.message_dict == {"opinion": ["Cần nhập ý kiến xử lý."]}
    with unchanged(d), pytest.raises(ValidationError) as exc:
        services.request_supplement(
            actor=w["specialist"], dossier=d, expected_version=d.version,
            items=[{"name": "Giấy khai sinh"}],
        )  # fmt: skip
    assert "lý do" in exc.value.message_dict["items"][0]
    with unchanged(d), pytest.raises(ValidationError) as exc:
        services.request_supplement(
            actor=w["specialist"], dossier=d, expected_version=d.version, items=[]
        )
    assert "items" in exc.value.message_dict
    with unchanged(d), pytest.raises(ValidationError) as exc:
        services.transfer_inter_agency(
            actor=w["specialist"], dossier=d, expected_version=d.version, mode="sequential",
            parts=[{"agency": w["agency"], "task": "Tự làm", "working_days": 1},
                   {"agency": w["ward"], "task": "", "working_days": 1},
                   {"agency": w["building"], "task": "Ý kiến", "working_days": 0}],
        )  # fmt: skip
    assert len(exc.value.message_dict["parts"]) == 3
    with unchanged(d), pytest.raises(ValidationError) as exc:
        services.request_financial_obligation(
            actor=w["specialist"], dossier=d, expected_version=d.version, amount=1.5,
            description="Lệ phí",
        )  # fmt: skip
    assert error_code(exc.value) == "invalid_amount"


def test_expected_version_is_required(world):
    w = world
    d = received_dossier(w)
    for bad in (None, "3", True):
        with unchanged(d), pytest.raises(ValidationError) as exc:
            services.forward(actor=w["intake"], dossier=d, expected_version=bad)
        assert "expected_version" in exc.value.message_dict


def test_a_stale_version_is_refused_even_for_a_valid_action(world):
    w = world
    d = received_dossier(w)
    with unchanged(d), pytest.raises(DossierStateError) as exc:
        services.forward(actor=w["intake"], dossier=d, expected_version=d.version - 1)
    assert exc.value.code == "stale"


def test_an_official_who_cannot_see_the_dossier_learns_nothing_about_it(world):
    w = world
    d = received_dossier(w)
    with unchanged(d), pytest.raises(PermissionDenied) as exc:
        services.forward(actor=w["ward_specialist"], dossier=d, expected_version=999)
    assert "phiên bản" not in str(exc.value)


def test_online_submission_checks_the_procedure_and_agency(world):
    w = world
    w["procedure"].online_level = "none"
    w["procedure"].save()
    with pytest.raises(ValidationError) as exc:
        online_dossier(w)
    assert error_code(exc.value) == "not_online"
    w["procedure"].online_level = "full"
    w["procedure"].save()
    with pytest.raises(ValidationError) as exc:
        services.submit_online(actor=w["applicant"], procedure=w["procedure"], agency=w["building"])
    assert "không giải quyết thủ tục" in exc.value.message_dict["agency"][0]
    assert Dossier.objects.count() == 0


def test_receive_without_an_internal_process_is_refused(world):
    w = world
    w["procedure"].process_steps.all().delete()
    d = desk_dossier(w)
    with unchanged(d), pytest.raises(ValidationError) as exc:
        services.receive(actor=w["intake"], dossier=d, expected_version=d.version)
    assert error_code(exc.value) == "no_process"


def test_result_file_of_a_forbidden_type_is_refused_before_storage(world, settings):
    w = world
    from chinhquyen.dossiers.tests.conftest import run_steps

    d = run_steps(w, processing_dossier(w))
    d = services.approve(actor=w["leader"], dossier=d, expected_version=d.version)
    with unchanged(d), pytest.raises(ValidationError) as exc:
        services.issue_result(
            actor=w["intake"], dossier=d, expected_version=d.version, file=b"<svg/>",
            name="Kết quả",
        )  # fmt: skip
    assert error_code(exc.value) == "file_type"
    assert d.results.count() == 0


def test_a_result_is_never_rewritten(world):
    w = world
    from chinhquyen.dossiers.models import ResultPaper
    from chinhquyen.dossiers.tests.conftest import run_steps

    d = run_steps(w, processing_dossier(w))
    d = services.approve(actor=w["leader"], dossier=d, expected_version=d.version)
    d = services.issue_result(
        actor=w["intake"], dossier=d, expected_version=d.version, file=PDF, name="Kết quả"
    )
    result = ResultPaper.objects.get(dossier=d)
    result.name = "Sửa"
    with pytest.raises(ValidationError):
        result.save()
    with pytest.raises(ValidationError):
        result.delete()


def test_oversized_e_form_data_is_refused(world):
    w = world
    with pytest.raises(ValidationError) as exc:
        services.submit_online(
            actor=w["applicant"], procedure=w["procedure"], agency=w["agency"],
            form_data={"ghi_chu": "x" * 300_000},
        )  # fmt: skip
    assert "form_data" in exc.value.message_dict
    assert Dossier.objects.count() == 0
