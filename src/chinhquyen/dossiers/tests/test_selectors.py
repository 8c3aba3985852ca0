"""Who sees which dossiers, inboxes, overdue flags (per dossier and per step) and pauses."""

from __future__ import annotations

import pytest

from chinhquyen.dossiers import permissions, selectors, services
from chinhquyen.dossiers.tests.conftest import online_dossier, processing_dossier, vn


def test_visibility_matrix(world, stranger):
    w = world
    d = processing_dossier(w)
    mine = online_dossier(w)
    expected = {
        "intake": {d.pk, mine.pk},
        "specialist": {d.pk, mine.pk},
        "leader": {d.pk, mine.pk},
        "root_leader": {d.pk, mine.pk},  # the province's leader, with the subtree
        "admin": {d.pk, mine.pk},
        "building_specialist": set(),
        "ward_clerk": set(),
        "applicant": {mine.pk},  # their own online dossier, not the desk one
    }
    for name, pks in expected.items():
        assert set(selectors.visible_to(w[name]).values_list("pk", flat=True)) == pks, name
    assert not selectors.visible_to(stranger).exists()
    assert selectors.get_for_user(stranger, mine.code) is None
    assert selectors.get_for_user(w["applicant"], mine.code.lower()) == mine


def test_the_applicants_account_linked_at_the_desk_sees_the_dossier(world):
    w = world
    d = services.register_at_desk(
        actor=w["intake"], procedure=w["procedure"], agency=w["agency"],
        applicant={"name": "Nguyễn Văn An"}, applicant_account=w["applicant"],
    )  # fmt: skip
    assert selectors.get_for_user(w["applicant"], d.code) == d
    assert permissions.can_perform(w["applicant"], "withdraw", d)


def test_inbox_has_assigned_steps_and_the_role_pool(world):
    w = world
    pooled = processing_dossier(w)
    assigned = processing_dossier(w)
    assigned = services.assign(
        actor=w["head"], dossier=assigned, expected_version=assigned.version,
        assignee=w["specialist2"],
    )  # fmt: skip
    assert list(selectors.inbox(w["specialist"])) == [pooled]
    assert set(selectors.inbox(w["specialist2"])) == {pooled, assigned}
    assert list(selectors.inbox(w["head"])) == []  # step 1 is the specialists'
    assert list(selectors.inbox(w["building_specialist"])) == []


def test_a_paused_clock_is_not_overdue_but_a_deadline_missed_before_the_pause_is(world):
    w = world
    clock = w["clock"]
    d = processing_dossier(w)
    clock.set_time(vn(2026, 3, 5, 9, 0))
    d = services.consult(
        actor=w["specialist"], dossier=d, expected_version=d.version, agency=w["building"],
        question="Ý kiến?", pause=True, working_days=10,
    )  # fmt: skip
    clock.set_time(vn(2026, 3, 12, 9, 0))  # past the original due date, but the clock is stopped
    assert list(selectors.list_dossiers(w["head"], overdue=True)) == []
    assert [f.overdue for f in selectors.step_flags(d)] == [False]
    assert selectors.overdue_steps(w["head"]).count() == 0

    late = processing_dossier(w)  # received 12/03, due 19/03
    clock.set_time(vn(2026, 3, 20, 9, 0))
    late = services.request_financial_obligation(
        actor=w["specialist"], dossier=late, expected_version=late.version, amount=50_000,
        description="Phí",
    )  # fmt: skip
    clock.set_time(vn(2026, 3, 25, 9, 0))
    assert list(selectors.list_dossiers(w["head"], overdue=True)) == [late]


def test_lookup_needs_the_right_secret(world):
    w = world
    d = processing_dossier(w)
    assert selectors.lookup_public(d.code, d.lookup_secret.lower()) == d
    assert selectors.lookup_public(d.code, "") is None
    assert selectors.lookup_public("000.00.01.H41-260302-9999", d.lookup_secret) is None


@pytest.mark.parametrize(
    ("who", "action", "allowed"),
    [
        ("intake", "forward", True),
        ("specialist", "forward", False),
        ("head", "assign", True),
        ("leader", "assign", True),
        ("specialist", "assign", False),
        ("building_leader", "assign", False),
        ("leader", "stop_processing", True),
        ("head", "stop_processing", False),
        ("applicant", "withdraw", False),  # a desk dossier without the applicant's account
        ("intake", "withdraw", True),
        ("intake", "request_financial_obligation", True),
    ],
)
def test_permission_matrix(world, who, action, allowed):
    w = world
    d = processing_dossier(w)
    assert permissions.can_perform(w[who], action, d) is allowed


def test_the_platform_itself_may_only_do_what_the_table_says(world):
    w = world
    d = processing_dossier(w)
    assert permissions.can_perform(None, "obligation_paid", d)
    assert permissions.can_perform(None, "return_result", d)
    assert not permissions.can_perform(None, "approve", d)


def test_procedure_rules_change_the_supplement_window(world):
    w = world
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.set_procedure_rules(actor=w["leader"], procedure=w["procedure"])
    services.set_procedure_rules(
        actor=w["admin"], procedure=w["procedure"], supplement_window_days=10
    )
    d = processing_dossier(w)
    w["clock"].set_time(vn(2026, 3, 12, 9, 0))  # 8 working days after reception: allowed now
    d = services.request_supplement(
        actor=w["specialist"], dossier=d, expected_version=d.version,
        items=[{"name": "Giấy khai sinh", "reason": "Thiếu"}],
    )  # fmt: skip
    assert d.status == "awaiting_supplement"


def test_admin_pages_render(world, client):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    w = world
    d = processing_dossier(w)
    admin_user = w["admin"]
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    device = TOTPDevice.objects.create(user=admin_user, name="t", confirmed=True)
    client.force_login(admin_user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    for url in (
        "/quan-tri/dossiers/dossier/",
        f"/quan-tri/dossiers/dossier/{d.pk}/change/",
        "/quan-tri/dossiers/apitoken/",
        "/quan-tri/dossiers/procedurerules/add/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert d.applicant_identity_number not in response.content.decode()
