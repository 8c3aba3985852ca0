"""Which papers a dossier must have: only unconditional papers to submit (the real 1.001193)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from chinhquyen.catalog import services as catalog_services
from chinhquyen.catalog.models import PaperKind, Procedure, ProcedureAgency, RequiredPaper
from chinhquyen.catalog.tests.conftest import demo_records
from chinhquyen.dossiers import draft_selectors, drafts, services
from chinhquyen.dossiers.models import Status, SubmittedPaper
from chinhquyen.dossiers.tests.conftest import APPLICANT, PDF

BIRTH_CERTIFICATE = "- Giấy chứng sinh; trường hợp không có Giấy chứng sinh thì nộp"


@pytest.fixture
def khai_sinh(world):
    """Đăng ký khai sinh imported from the shipped national record, handled by the agency."""
    catalog_services.import_records(demo_records(("1.001193",)), source="test")
    procedure = Procedure.objects.get(code="1.001193")
    ProcedureAgency.objects.create(
        procedure=procedure, agency=world["agency"], role=ProcedureAgency.Role.IMPLEMENTING
    )
    return procedure


def paper(procedure, start: str) -> RequiredPaper:
    return procedure.papers.get(name__startswith=start)


def upload(draft, w, required_paper):
    return drafts.add_draft_paper(
        actor=w["applicant"], draft=draft, required_paper=required_paper,
        file=SimpleUploadedFile("giay.pdf", PDF, "application/pdf"), file_name="giay.pdf",
    )  # fmt: skip


def test_desk_requires_only_the_birth_certificate(world, khai_sinh):
    w = world
    d = services.register_at_desk(
        actor=w["intake"], procedure=khai_sinh, agency=w["agency"], applicant=APPLICANT,
        channel="direct", desk=w["desk"], papers=(),
    )  # fmt: skip
    assert [p.name[: len(BIRTH_CERTIFICATE)] for p in services.missing_papers(d)] == [
        BIRTH_CERTIFICATE
    ]
    # Conditional papers, papers to present and notes are never asked for.
    assert khai_sinh.papers.filter(kind=PaperKind.SUBMIT, conditional=True).count() == 5
    assert khai_sinh.papers.filter(kind=PaperKind.PRESENT).count() == 2
    assert khai_sinh.papers.filter(kind=PaperKind.NOTE).count() == 25


def test_online_draft_needs_only_the_birth_certificate(world, khai_sinh):
    w = world
    draft = drafts.start_draft(actor=w["applicant"], procedure=khai_sinh)
    assert draft.agency == w["agency"]
    draft = drafts.save_draft(
        actor=w["applicant"], draft=draft, data={"subject": "Khai sinh cho con"}
    )
    missing = drafts.problems(draft)["papers"]
    assert len(missing) == 1 and missing[0].startswith("Còn thiếu: " + BIRTH_CERTIFICATE)

    # Slots: papers to submit (no notes), then papers to present, under their own heading.
    sections = draft_selectors.paper_slots(draft)
    assert [heading for heading, _ in sections] == ["", draft_selectors.PRESENT_HEADING]
    slots = [s for _, group in sections for s in group]
    assert all(s.paper.kind != PaperKind.NOTE for s in slots)
    assert [s.paper.name[: len(BIRTH_CERTIFICATE)] for s in slots if s.missing] == [
        BIRTH_CERTIFICATE
    ]
    assert len(draft_selectors.paper_notes(draft)) == 25

    # A note takes no file; a conditional paper takes one without being required.
    note = khai_sinh.papers.filter(kind=PaperKind.NOTE).first()
    with pytest.raises(ValidationError):
        upload(draft, w, note)
    upload(draft, w, paper(khai_sinh, "- Văn bản ủy quyền (được chứng thực)"))
    assert "papers" in drafts.problems(draft)

    upload(draft, w, paper(khai_sinh, BIRTH_CERTIFICATE))
    assert drafts.problems(draft) == {}
    d = drafts.submit_draft(actor=w["applicant"], draft=draft)
    assert d.status == Status.SUBMITTED
    assert SubmittedPaper.objects.filter(dossier=d).count() == 2
    assert services.missing_papers(d) == []


def test_reimport_keeps_links_of_submitted_papers(world, khai_sinh):
    """Rows stored when section headings were groups are updated in place by a re-import."""
    w = world
    birth = paper(khai_sinh, BIRTH_CERTIFICATE)
    identity = paper(khai_sinh, "- Hộ chiếu/Thẻ căn cước công dân")
    # What the earlier import stored: "* Giấy tờ phải nộp" etc. as groups, every row a paper.
    khai_sinh.papers.filter(position__lt=5).update(group="* Giấy tờ phải nộp")
    khai_sinh.papers.filter(position__gte=5, position__lt=11).update(
        group="* Giấy tờ phải xuất trình"
    )
    khai_sinh.papers.update(kind=PaperKind.SUBMIT, conditional=False, condition="")
    d = services.register_at_desk(
        actor=w["intake"], procedure=khai_sinh, agency=w["agency"], applicant=APPLICANT,
        channel="direct", desk=w["desk"],
        papers=[(birth, PDF, "chung-sinh.pdf"), (identity, PDF, "cccd.pdf")],
    )  # fmt: skip
    ids = set(khai_sinh.papers.values_list("pk", flat=True))

    report = catalog_services.import_records(demo_records(("1.001193",)), source="test")

    assert report.updated == 1
    assert set(khai_sinh.papers.values_list("pk", flat=True)) == ids
    links = dict(
        SubmittedPaper.objects.filter(dossier=d).values_list("original_name", "required_paper")
    )
    assert links == {"chung-sinh.pdf": birth.pk, "cccd.pdf": identity.pk}
    birth.refresh_from_db()
    identity.refresh_from_db()
    assert (birth.group, birth.kind, birth.conditional) == ("", PaperKind.SUBMIT, False)
    assert (identity.group, identity.kind) == ("", PaperKind.PRESENT)
    assert services.missing_papers(d) == []
