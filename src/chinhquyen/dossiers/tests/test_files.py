"""Files are checked by content and size before anything reaches storage."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from chinhquyen.dossiers import files, services
from chinhquyen.dossiers.errors import error_code
from chinhquyen.dossiers.models import Dossier, SubmittedPaper
from chinhquyen.dossiers.tests.conftest import JPEG, PDF, PNG, desk_dossier, docx_bytes


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("content", "expected"),
    [(PDF, files.PDF), (PNG, files.PNG), (JPEG, files.JPEG), (docx_bytes(), files.DOCX)],
)
def test_allowed_types_are_recognised_by_their_bytes(content, expected):
    checked = files.check(content, name="anything.bin")
    assert checked.content_type == expected
    assert checked.size == len(content)
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00 an executable",
        b"<html><script>alert(1)</script></html>",
        b"PK\x03\x04 not really a zip",
        b"GIF89a......",
    ],
)
def test_other_content_is_refused_whatever_the_name(content):
    with pytest.raises(ValidationError) as exc:
        files.check(SimpleUploadedFile("to-khai.pdf", content, content_type="application/pdf"))
    assert error_code(exc.value) == "file_type"
    assert "to-khai.pdf" in exc.value.messages[0]


def test_a_zip_that_is_not_a_word_document_is_refused():
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", b"MZ")
    with pytest.raises(ValidationError):
        files.check(buffer.getvalue(), name="don.docx")


def test_size_limit_comes_from_the_setting(settings):
    settings.DOSSIER_MAX_UPLOAD_BYTES = 100
    files.check(PDF + b"x" * (100 - len(PDF)), name="ok.pdf")
    with pytest.raises(ValidationError) as exc:
        files.check(PDF + b"x" * 200, name="lon.pdf")
    assert error_code(exc.value) == "file_too_large"
    assert "vượt quá giới hạn" in exc.value.messages[0]


def test_default_limit_is_20_megabytes(settings):
    del settings.DOSSIER_MAX_UPLOAD_BYTES  # absent from settings.py: the default applies
    assert files.max_upload_bytes() == 20 * 1024 * 1024


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as exc:
        files.check(b"", name="rong.pdf")
    assert error_code(exc.value) == "empty_file"


def test_forbidden_type_at_submission_stores_nothing_and_creates_nothing(world, settings):
    w = world
    paper = w["procedure"].papers.first()
    with pytest.raises(ValidationError):
        services.submit_online(
            actor=w["applicant"],
            procedure=w["procedure"],
            agency=w["agency"],
            papers=[(paper, PDF, "a.pdf"), (paper, b"MZ\x90\x00", "virus.pdf")],
        )
    assert Dossier.objects.count() == 0
    assert stored_files(settings) == []


def test_oversize_file_is_refused_before_storage_when_attached(world, settings):
    w = world
    settings.DOSSIER_MAX_UPLOAD_BYTES = 1000
    d = desk_dossier(w, papers=False)
    with pytest.raises(ValidationError) as exc:
        services.attach_paper(
            actor=w["intake"],
            dossier=d,
            expected_version=d.version,
            required_paper=w["procedure"].papers.first(),
            file=PDF + b"0" * 5000,
            file_name="scan.pdf",
        )
    assert error_code(exc.value) == "file_too_large"
    d.refresh_from_db()
    assert d.version == 1 and d.papers.count() == 0
    assert stored_files(settings) == []


def test_a_stored_paper_keeps_its_checksum_and_a_generated_name(world, settings):
    w = world
    d = desk_dossier(w, papers=False)
    d = services.attach_paper(
        actor=w["intake"],
        dossier=d,
        expected_version=d.version,
        required_paper=w["procedure"].papers.first(),
        file=SimpleUploadedFile("../../etc/passwd.png", PNG),
    )
    paper = SubmittedPaper.objects.get(dossier=d)
    assert paper.content_type == files.PNG and paper.original_name == "passwd.png"
    assert paper.file.name.endswith(".png") and "passwd" not in paper.file.name
    assert files.sha256_of_stored(paper.file.name) == paper.sha256
    assert d.version == 2 and d.events.last().action == "attach_paper"


def test_a_failed_action_removes_the_file_it_stored(world, settings):
    """A file stored inside a transaction that then fails is deleted again."""
    w = world
    d = desk_dossier(w, papers=False)
    with pytest.raises(ValidationError):
        services.attach_paper(
            actor=w["intake"],
            dossier=d,
            expected_version=d.version,
            required_paper=999_999,  # not a paper of this procedure: fails after the lock
            file=PDF,
        )
    assert stored_files(settings) == []
