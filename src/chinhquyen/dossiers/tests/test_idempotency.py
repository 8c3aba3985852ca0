"""Replaying a submission or a desk registration with the same idempotency key."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from chinhquyen.accounts.models import Role
from chinhquyen.audit.models import AuditRecord
from chinhquyen.conftest import make_official
from chinhquyen.dossiers import services
from chinhquyen.dossiers.models import Dossier, DossierCodeSequence, DossierEvent
from chinhquyen.dossiers.tests.conftest import APPLICANT, all_papers, online_dossier
from chinhquyen.events.models import OutboxEvent


def _written() -> tuple[int, int, int, int]:
    """Dossiers, control-sheet lines, audit records and outbox events in the database."""
    return (
        Dossier.objects.count(),
        DossierEvent.objects.count(),
        AuditRecord.objects.filter(object_type="dossiers.dossier").count(),
        OutboxEvent.objects.filter(aggregate_type="dossiers.dossier").count(),
    )


def _register(w, actor, agency, key: str, **extra):
    return services.register_at_desk(
        actor=actor,
        procedure=w["procedure"],
        agency=agency,
        applicant=APPLICANT,
        idempotency_key=key,
        **extra,
    )


@pytest.mark.parametrize("linked", [True, False], ids=["applicant-account", "no-account"])
def test_desk_registration_replayed_by_the_same_official_returns_the_first_dossier(world, linked):
    w = world
    account = w["applicant"] if linked else None
    first = _register(
        w, w["intake"], w["agency"], "desk-4c1e", desk=w["desk"], applicant_account=account,
        papers=all_papers(w["procedure"]),
    )  # fmt: skip
    assert first.submitted_by == account
    written = _written()
    w["clock"].advance(minutes=1)
    again = _register(
        w, w["intake"], w["agency"], "desk-4c1e", desk=w["desk"], applicant_account=account,
        papers=all_papers(w["procedure"]),
    )  # fmt: skip
    assert (again.pk, again.code, again.version) == (first.pk, first.code, 1)
    assert _written() == written  # no second dossier, control-sheet line, audit record or event
    assert list(first.events.values_list("seq", "actor_id")) == [(1, w["intake"].pk)]
    assert first.papers.count() == len(all_papers(w["procedure"]))
    assert DossierCodeSequence.objects.get().last_value == 1

    # An intake officer of another agency, registering at their own desk, cannot use the key.
    other = make_official("tiepnhan.sxd", w["building"], Role.INTAKE_OFFICER)
    with pytest.raises(PermissionDenied, match="tài khoản khác"):
        _register(w, other, w["building"], "desk-4c1e")
    # Nor can the applicant's own account, online: the desk official created that dossier.
    with pytest.raises(PermissionDenied, match="tài khoản khác"):
        online_dossier(w, papers=False, key="desk-4c1e")
    assert _written() == written


def test_online_submission_replayed_by_the_same_citizen_returns_the_first_dossier(world):
    w = world
    first = online_dossier(w, key="portal-91b2")
    written = _written()
    again = online_dossier(w, key="portal-91b2")
    assert (again.pk, again.code, again.version) == (first.pk, first.code, 1)
    assert _written() == written
    # A desk official replaying the citizen's key is refused as well.
    with pytest.raises(PermissionDenied, match="tài khoản khác"):
        _register(w, w["intake"], w["agency"], "portal-91b2")
    assert _written() == written
