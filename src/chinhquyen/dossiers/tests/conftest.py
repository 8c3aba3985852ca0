"""Fixtures of the dossier tests: a seeded calendar, a frozen clock, a procedure, officials.

The procedure is built with the catalog models directly: 3 process steps (24 + 8 + 8 working
hours = 5 working days), two required papers, direct and online channels of 5 working days.
Time starts on Monday 2 March 2026 at 09:00 in Vietnam (no holiday near it).
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from decimal import Decimal

import pytest

from chinhquyen.accounts.models import Role
from chinhquyen.calendars import deadlines, loader
from chinhquyen.catalog import services as catalog_services
from chinhquyen.catalog.models import (
    OnlineLevel,
    Procedure,
    ProcedureAgency,
    ProcedureChannel,
    ProcedureVersion,
    ProcessStep,
    RequiredPaper,
)
from chinhquyen.catalog.parsing import TimeUnit
from chinhquyen.conftest import make_citizen, make_official
from chinhquyen.dossiers import clock, services
from chinhquyen.organizations.models import Desk

TZ = deadlines.TZ
START = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # Monday

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def frozen():
    """The dossier clock, frozen at :data:`START`; ``frozen.set(...)`` / ``frozen.advance(...)``."""
    clock.set_time(START)
    yield clock
    clock.set_time(None)


@pytest.fixture
def calendar_seeded(db):
    from chinhquyen.calendars import services as calendar_services

    loader.clear_cache()
    calendar_services.seed_national_calendar(range(2025, 2028))
    yield
    loader.clear_cache()


def build_procedure(agency, *, code: str = "1.004946", days: int = 5, fee: int = 15_000):
    procedure = Procedure.objects.create(
        code=code,
        base_code=code[:8],
        name="Cấp phiếu lý lịch tư pháp cho công dân Việt Nam",
        online_level=OnlineLevel.FULL,
    )
    for position, channel in enumerate(("direct", "online")):
        ProcedureChannel.objects.create(
            procedure=procedure,
            position=position,
            channel=channel,
            time_value=Decimal(days),
            time_unit=TimeUnit.WORKING_DAY,
            time_text=f"{days} ngày làm việc",
            fee_amount=fee if channel == "direct" else fee - 5_000,
        )
    RequiredPaper.objects.create(
        procedure=procedure, position=1, name="Tờ khai yêu cầu cấp phiếu lý lịch tư pháp",
        originals=1,
    )  # fmt: skip
    RequiredPaper.objects.create(
        procedure=procedure, position=2, name="Bản chụp giấy tờ tùy thân", copies=1
    )
    for position, name, role, hours in (
        (1, "Thẩm định hồ sơ, đề xuất", Role.SPECIALIST, 24),
        (2, "Lãnh đạo phòng xem xét, trình ký", Role.UNIT_HEAD, 8),
        (3, "Lãnh đạo Sở ký duyệt", Role.AGENCY_LEADER, 8),
    ):
        ProcessStep.objects.create(
            procedure=procedure, position=position, name=name, responsible_role=role,
            allowance_hours=Decimal(hours), responsible_unit="Phòng Hành chính tư pháp",
        )  # fmt: skip
    ProcedureAgency.objects.create(
        procedure=procedure, agency=agency, role=ProcedureAgency.Role.IMPLEMENTING
    )
    ProcedureVersion.objects.create(
        procedure=procedure, number=1, snapshot=catalog_services.snapshot(procedure)
    )
    return procedure


@pytest.fixture
def procedure(agency_tree):
    return build_procedure(agency_tree["justice"])


@pytest.fixture
def desk(agency_tree):
    return Desk.objects.create(agency=agency_tree["justice"], name="Bộ phận Một cửa Sở Tư pháp")


@pytest.fixture
def people(agency_tree, officials):
    """Officials of the Department of Justice (the receiving agency) and of a partner agency."""
    t = agency_tree
    return {
        "intake": officials["justice_intake"],
        "specialist": officials["justice_specialist"],
        "specialist2": make_official("chuyenvien2.stp", t["justice"], Role.SPECIALIST),
        "head": make_official("truongphong.stp", t["justice"], Role.UNIT_HEAD),
        "leader": officials["justice_leader"],
        "building_specialist": officials["building_specialist"],
        "building_leader": make_official("giamdoc.sxd", t["building"], Role.AGENCY_LEADER),
        "ward_specialist": make_official("chuyenvien.phuong", t["ward"], Role.SPECIALIST),
        "admin": officials["admin"],
        "root_leader": officials["root_leader"],
        "ward_clerk": officials["ward_clerk"],
    }


@pytest.fixture
def applicant(db):
    return make_citizen(
        "0912345678", full_name="Nguyễn Văn An", identity_number="040090001234",
        email="an@example.vn",
    )  # fmt: skip


@pytest.fixture
def stranger(db):
    return make_citizen("0987654321", full_name="Trần Thị Bình")


@pytest.fixture
def world(calendar_seeded, frozen, agency_tree, people, procedure, desk, applicant):
    """Everything a scenario needs."""
    return {
        "agency": agency_tree["justice"],
        "building": agency_tree["building"],
        "ward": agency_tree["ward"],
        "procedure": procedure,
        "desk": desk,
        "applicant": applicant,
        "clock": frozen,
        **people,
    }


APPLICANT = {
    "name": "Lê Thị Cúc",
    "identity_number": "040190005678",
    "phone": "0903123456",
    "email": "cuc@example.vn",
    "address": "Số 5, đường Lê Lợi, phường Trường Vinh, Nghệ An",
}


def all_papers(procedure, content: bytes = PDF) -> list[tuple]:
    return [(p, content, f"giay-to-{p.position}.pdf") for p in procedure.papers.all()]


def desk_dossier(w, *, papers: bool = True, channel: str = "direct"):
    """A dossier registered at the desk with (or without) every paper, not yet received."""
    return services.register_at_desk(
        actor=w["intake"],
        procedure=w["procedure"],
        agency=w["agency"],
        applicant=APPLICANT,
        channel=channel,
        desk=w["desk"],
        papers=all_papers(w["procedure"]) if papers else (),
    )


def received_dossier(w, **kwargs):
    d = desk_dossier(w, **kwargs)
    return services.receive(actor=w["intake"], dossier=d, expected_version=d.version)


def online_dossier(w, *, papers: bool = True, key: str | None = None):
    return services.submit_online(
        actor=w["applicant"],
        procedure=w["procedure"],
        agency=w["agency"],
        papers=all_papers(w["procedure"]) if papers else (),
        idempotency_key=key,
    )


def processing_dossier(w, **kwargs):
    d = received_dossier(w, **kwargs)
    return services.forward(actor=w["intake"], dossier=d, expected_version=d.version)


def run_steps(w, d, *, until: int = 3):
    """Assign and complete the steps up to ``until`` (1–3), each by the right official."""
    handlers = {1: w["specialist"], 2: w["head"], 3: w["leader"]}
    for position in range(d.current_step.position, until + 1):
        if position == 1 and d.current_step.assignee_id is None:
            d = services.assign(
                actor=w["head"], dossier=d, expected_version=d.version, assignee=w["specialist"]
            )
        d = services.complete_step(
            actor=handlers[position],
            dossier=d,
            expected_version=d.version,
            opinion=f"Bước {position}: đủ điều kiện.",
        )
    return d
