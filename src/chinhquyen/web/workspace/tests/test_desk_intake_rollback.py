"""The desk's intake screen through the engine's one action: a failure after the scans were
stored shows the error and leaves neither a dossier nor a file (the engine removes them)."""
# ruff: noqa: F811 - the dossier tests' fixtures are imported by name (pytest finds them so)

from __future__ import annotations

from chinhquyen.catalog.models import ProcessStep
from chinhquyen.dossiers.models import Dossier, DossierEvent, SubmittedPaper
from chinhquyen.dossiers.tests.conftest import (  # noqa: F401 - fixtures
    applicant,
    calendar_seeded,
    desk,
    frozen,
    people,
    procedure,
    world,
)
from chinhquyen.web.workspace.tests.test_desk import NEW, client_for, intake_post, stored_files


def test_reception_failing_after_the_scans_were_stored_leaves_nothing(world):
    w = world
    # Every paper is there (so both scans are written), but the procedure has no internal
    # process for this agency: reception is refused after the registration stored the files.
    ProcessStep.objects.filter(procedure=w["procedure"]).delete()
    response = client_for(w["intake"]).post(NEW, intake_post(w))
    body = response.content.decode()
    assert response.status_code == 400
    assert "chưa có quy trình nội bộ" in body
    assert Dossier.objects.count() == 0 and SubmittedPaper.objects.count() == 0
    assert DossierEvent.objects.count() == 0
    assert stored_files() == []


def test_the_same_form_after_a_fix_is_received_once(world):
    """The failed attempt leaves no trace of its key: the official resubmits the same form."""
    w = world
    steps = list(ProcessStep.objects.filter(procedure=w["procedure"]).values())
    ProcessStep.objects.filter(procedure=w["procedure"]).delete()
    intake = client_for(w["intake"])
    assert intake.post(NEW, intake_post(w)).status_code == 400
    ProcessStep.objects.bulk_create(ProcessStep(**row) for row in steps)
    first = intake.post(NEW, intake_post(w))
    again = intake.post(NEW, intake_post(w))
    assert first.status_code == 302 and again["Location"] == first["Location"]
    d = Dossier.objects.get()
    assert list(d.events.values_list("action", flat=True)) == ["register_at_desk", "receive"]
    assert sorted(stored_files()) == sorted(d.papers.values_list("file", flat=True))
