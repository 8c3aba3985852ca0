"""The world of the citizen-portal browser tests: birth registration (1.001193) at a ward.

The procedure comes from the demo catalog as imported; the test setup only gives it what a
province administrator gives it before opening it online, through the catalog services: the ward
committee as the agency that receives and handles it, and an internal process of two steps
(the demo record's time is "1" with no unit, so the appointment is counted from the process).
The national calendar is seeded so the due date falls on working time, and the message texts are
present (a flush after an earlier browser test removes the rows their migration loaded).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from chinhquyen.accounts.models import Role
from chinhquyen.calendars import loader
from chinhquyen.calendars import services as calendar_services
from chinhquyen.catalog import importing
from chinhquyen.catalog import services as catalog_services
from chinhquyen.catalog.models import Procedure, ProcedureAgency
from chinhquyen.conftest import make_official
from chinhquyen.dossiers import services
from chinhquyen.notifications.defaults import TEMPLATES
from chinhquyen.notifications.models import MessageTemplate
from chinhquyen.organizations.models import Desk

CODE = "1.001193"
SEARCH_CODES = (CODE, "1.003583", "2.000528", "1.000894")
# Birth registration has no alternative cases: "Giấy tờ phải nộp/xuất trình" are sections.
PAPER_GROUP = ""
PROCESS = [
    {
        "name": "Công chức tư pháp - hộ tịch kiểm tra, ghi Sổ hộ tịch",
        "responsible_role": Role.SPECIALIST,
        "allowance_hours": 4,
        "responsible_unit": "Công chức Tư pháp - Hộ tịch",
    },
    {
        "name": "Chủ tịch UBND phường ký Giấy khai sinh",
        "responsible_role": Role.AGENCY_LEADER,
        "allowance_hours": 4,
        "responsible_unit": "Lãnh đạo UBND phường",
    },
]

# Small files with the right magic bytes: what a phone camera or a scanner would produce.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
RESULT_PDF = b"%PDF-1.4\n% Giay khai sinh ban dien tu\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def ensure_message_templates() -> None:
    for row in TEMPLATES:
        MessageTemplate.objects.get_or_create(
            key=row["key"],
            channel=row["channel"],
            defaults={k: v for k, v in row.items() if k not in ("key", "channel")},
        )


def import_procedures(codes: tuple[str, ...]) -> None:
    records = [
        (n, r)
        for n, r in importing.read_records(catalog_services.DEMO_FIXTURE)
        if r["ma_thu_tuc"] in codes
    ]
    catalog_services.import_records(records, source="test")


@pytest.fixture
def birth_registration(transactional_db, agency_tree, officials) -> dict[str, Any]:
    """1.001193 received and handled by UBND phường Trường Vinh, with its officials."""
    import_procedures(SEARCH_CODES)
    ensure_message_templates()
    loader.clear_cache()
    year = date.today().year
    calendar_services.seed_national_calendar(range(year - 1, year + 2))
    ward = agency_tree["ward"]
    admin = officials["admin"]
    procedure = Procedure.objects.get(code=CODE)
    catalog_services.set_agencies(
        actor=admin,
        procedure=procedure,
        links=[
            (ward, ProcedureAgency.Role.RECEIVING),
            (ward, ProcedureAgency.Role.IMPLEMENTING),
        ],
    )
    catalog_services.set_process(actor=admin, procedure=procedure, steps=PROCESS)
    Desk.objects.create(agency=ward, name="Bộ phận Một cửa UBND phường Trường Vinh")
    world = {
        "procedure": procedure,
        "ward": ward,
        "intake": make_official("tiepnhan.phuong", ward, Role.INTAKE_OFFICER),
        "specialist": make_official("hotich.phuong", ward, Role.SPECIALIST),
        "leader": make_official("chutich.phuong", ward, Role.AGENCY_LEADER),
    }
    yield world
    loader.clear_cache()


def supplement_paper(procedure: Procedure):
    """The birth certificate from the hospital (Giấy chứng sinh), asked again as a clearer copy."""
    return procedure.papers.get(group=PAPER_GROUP, kind="submit", name__contains="Giấy chứng sinh;")


def submit_online_for(world: dict[str, Any], citizen, *, applicant: dict | None = None) -> Any:
    """A complete online dossier of ``citizen`` (for tests that start after the submission)."""
    procedure = world["procedure"]
    # The papers a parent must submit (conditional ones, papers to present and notes are not).
    papers = [
        (p, PDF, f"giay-to-{p.position}.pdf") for p in procedure.papers.all() if p.is_required
    ]
    return services.submit_online(
        actor=citizen,
        procedure=procedure,
        agency=world["ward"],
        applicant=applicant,
        papers=papers,
        paper_group=PAPER_GROUP,
    )


def receive(world: dict[str, Any], d):
    return services.receive(actor=world["intake"], dossier=d, expected_version=d.version)


def finish(world: dict[str, Any], d, *, result_name: str = "Giấy khai sinh (bản điện tử)"):
    """Forward, both steps, approve, issue the e-result and return it online."""
    w = world
    if d.status == "received":
        d = services.forward(actor=w["intake"], dossier=d, expected_version=d.version)
    for actor in (w["specialist"], w["leader"]):
        d = services.complete_step(
            actor=actor, dossier=d, expected_version=d.version, opinion="Đủ điều kiện."
        )
    d = services.approve(actor=w["leader"], dossier=d, expected_version=d.version)
    d = services.issue_result(
        actor=w["intake"], dossier=d, expected_version=d.version, file=RESULT_PDF,
        name=result_name, number="125/2026", file_name="giay-khai-sinh.pdf",
    )  # fmt: skip
    return services.return_result(
        actor=w["intake"], dossier=d, expected_version=d.version, via="online"
    )
