"""Abandoned online applications are deleted with their files after the stated retention."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chinhquyen.audit.models import AuditRecord
from chinhquyen.core import housekeeping as all_steps
from chinhquyen.dossiers import drafts, housekeeping
from chinhquyen.dossiers.models import DossierDraft, DraftPaper
from chinhquyen.dossiers.tests.test_drafts import filled, upload_all
from chinhquyen.events.management.commands.worker import Command as Worker


def _age(draft: DossierDraft, days: float) -> DossierDraft:
    # ``updated_at`` is ``auto_now``: set it with an UPDATE, as if nobody had touched it since.
    DossierDraft.objects.filter(pk=draft.pk).update(
        updated_at=timezone.now() - timedelta(days=days)
    )
    return DossierDraft.objects.get(pk=draft.pk)


def _files(draft: DossierDraft) -> list[str]:
    return list(DraftPaper.objects.filter(draft=draft).values_list("file", flat=True))


def test_an_untouched_draft_goes_with_its_files_and_a_recent_one_stays(
    world, settings, django_capture_on_commit_callbacks
):
    settings.DRAFT_RETENTION_DAYS = 90
    w = world
    old = filled(w)
    upload_all(w, old)
    old = _age(old, 91)
    names = _files(old)
    assert names and all(default_storage.exists(n) for n in names)
    recent = _age(filled(w), 89)

    assert housekeeping.run(dry_run=True) == {"drafts": 1, "files": len(names)}
    assert DossierDraft.objects.filter(pk=old.pk).exists()  # a dry run deletes nothing

    with django_capture_on_commit_callbacks(execute=True):
        assert housekeeping.run() == {"drafts": 1, "files": len(names)}
    assert not DossierDraft.objects.filter(pk=old.pk).exists()
    assert not DraftPaper.objects.filter(file__in=names).exists()
    assert not any(default_storage.exists(n) for n in names)  # files deleted after the commit
    assert DossierDraft.objects.filter(pk=recent.pk).exists()
    record = AuditRecord.objects.get(action="dossiers.drafts_purged")
    assert record.changes == {"drafts": 1, "files": len(names), "older_than_days": 90}
    assert "Nguyễn Văn An" not in json.dumps(record.changes, ensure_ascii=False)


def test_submitted_drafts_are_never_purged_and_zero_keeps_everything(
    world, settings, django_capture_on_commit_callbacks
):
    w = world
    draft = filled(w)
    upload_all(w, draft)
    with django_capture_on_commit_callbacks(execute=True):
        dossier = drafts.submit_draft(actor=w["applicant"], draft=draft)
    submitted = _age(DossierDraft.objects.get(dossier=dossier), 400)
    abandoned = _age(filled(w), 400)

    settings.DRAFT_RETENTION_DAYS = 0
    assert housekeeping.retention() is None
    assert housekeeping.run() == {"drafts": 0, "files": 0}
    assert DossierDraft.objects.filter(pk=abandoned.pk).exists()

    settings.DRAFT_RETENTION_DAYS = 90
    assert housekeeping.run() == {"drafts": 1, "files": 0}
    assert DossierDraft.objects.filter(pk=submitted.pk).exists()
    assert not DossierDraft.objects.filter(pk=abandoned.pk).exists()
    assert dossier.papers.count() > 0  # the submitted dossier kept its papers


def test_batches_purge_everything_with_one_audit_record_each(world, settings):
    settings.DRAFT_RETENTION_DAYS = 30
    w = world
    for _ in range(3):
        _age(filled(w), 31)
    assert housekeeping.purge_stale_drafts(batch=2) == {"drafts": 3, "files": 0}
    assert not DossierDraft.objects.exists()
    counted = [
        r.changes["drafts"] for r in AuditRecord.objects.filter(action="dossiers.drafts_purged")
    ]
    assert sorted(counted) == [1, 2]


def test_the_drafts_page_tells_the_citizen_when_an_untouched_draft_goes(world, settings):
    settings.DRAFT_RETENTION_DAYS = 90
    w = world
    draft = _age(filled(w), 10)
    client = Client()
    client.force_login(w["applicant"])
    page = client.get(reverse("portal:apply_drafts")).content.decode()
    expected = timezone.localtime(draft.updated_at + timedelta(days=90)).strftime("%d/%m/%Y")
    assert "không được sửa trong 90 ngày sẽ tự động bị xóa" in page
    assert f"Tự xóa sau ngày {expected}" in page


def test_housekeeping_command_and_worker_run_every_step(world, settings, caplog):
    settings.DRAFT_RETENTION_DAYS = 90
    w = world
    old = _age(filled(w), 100)
    out = []

    class Sink:
        def write(self, text):
            out.append(text)

        def flush(self):
            pass

    call_command("housekeeping", "--dry-run", "--json", stdout=Sink())
    report = json.loads("".join(out))
    assert report["dry_run"] is True and report["failed"] == []
    assert set(report["steps"]) == {"accounts", "drafts", "retention"}
    assert report["steps"]["drafts"] == {"drafts": 1, "files": 0}
    assert DossierDraft.objects.filter(pk=old.pk).exists()

    with caplog.at_level(logging.INFO, logger="chinhquyen.worker"):
        results = Worker.housekeep()
    assert results["drafts"] == {"drafts": 1, "files": 0}
    assert "housekeeping drafts: drafts 1, files 0" in caplog.text
    assert not DossierDraft.objects.filter(pk=old.pk).exists()


def test_a_failing_step_is_reported_and_the_others_still_run(world, settings, monkeypatch):
    settings.DRAFT_RETENTION_DAYS = 90
    w = world
    old = _age(filled(w), 100)

    def broken(**kwargs):
        raise RuntimeError("0903123456")

    from chinhquyen.accounts import housekeeping as accounts

    monkeypatch.setattr(accounts, "run", broken)
    results = all_steps.run_all()
    assert results["accounts"] is None and results["retention"] is not None
    assert not DossierDraft.objects.filter(pk=old.pk).exists()
    with pytest.raises(CommandError, match="accounts"):
        call_command("housekeeping", stdout=open("/dev/null", "w"))  # noqa: SIM115
