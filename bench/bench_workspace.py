"""Benchmark: server-side time of the officials' workspace pages over 100,000 dossiers.

The data is built **directly with bulk_create, not through the services** (the services take
~10 ms per action; a realistic history of 100,000 dossiers through them would take an hour).
The rows are shaped like the services leave them: 40 agencies (4 departments, 36 wards) with a
skewed share of the dossiers (the busiest department receives about a fifth), 6 procedures, every
status of the lifecycle in a realistic mix (most returned, a quarter in process), receptions
spread over the last 300 days, due dates 5–15 days after reception (some past, some soon), open
step visits (``StepAssignment``) with their role and assignee for dossiers in process, the
appointment row (``DueDateChange``) and two control-sheet lines (``DossierEvent``) per dossier.

Then, through Django's test ``Client`` (full middleware, templates, sessions), logged in as a
specialist, a unit head and a desk officer of the busiest department, it times repeated GETs of:

- every inbox box (``workspace:inbox``; a name that does not resolve, or a box the person may
  not open, is skipped and listed in ``skipped``);
- the dossier page (``workspace:dossier``) of an open dossier of that department;
- the desk's results to return (``workspace:desk_returns``, today's and all), the tracking book
  page (``workspace:tracking_book``, this month and a whole year) and the procedure suggestions.

Standalone: a throwaway SQLite database unless DATABASE_URL names PostgreSQL (see run.py).

    .venv/bin/python bench/bench_workspace.py [--dossiers 100000] [--repeat 15]

Prints one JSON line: p50/p95 in milliseconds per page and person, the target (200 ms) and the
pages over it. Nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dossiers import setup_django  # noqa: E402

TARGET_MS = 200
STATUS_MIX = (  # (status, share): the history of a year at a busy one-stop desk
    ("returned", 0.50),
    ("processing", 0.17),
    ("pending_decision", 0.04),
    ("received", 0.03),
    ("submitted", 0.03),
    ("awaiting_supplement", 0.04),
    ("result_ready", 0.06),
    ("approved", 0.02),
    ("refused_reception", 0.03),
    ("refused_processing", 0.02),
    ("withdrawn", 0.03),
    ("inter_agency", 0.01),
    ("awaiting_obligation", 0.01),
    ("stopped", 0.01),
)


def seed(total: int, rng: random.Random) -> dict:
    from django.db import connection, transaction

    from chinhquyen.accounts.models import Role, RoleAssignment, User
    from chinhquyen.calendars import services as calendars
    from chinhquyen.catalog.models import (
        Procedure,
        ProcedureChannel,
        ProcessStep,
        RequiredPaper,
    )
    from chinhquyen.dossiers import clock
    from chinhquyen.dossiers.models import (
        Dossier,
        DossierEvent,
        DueDateChange,
        StepAssignment,
    )
    from chinhquyen.organizations.models import Agency, Desk

    calendars.seed_national_calendar()
    root = Agency.objects.create(code="000.00.00.H41", name="UBND tỉnh (bench)")
    departments = [
        Agency.objects.create(code=f"000.00.{i:02d}.H41", name=f"Sở {i} (bench)", parent=root)
        for i in range(1, 5)
    ]
    wards = [
        Agency.objects.create(code=f"000.{i:02d}.51.H41", name=f"UBND phường {i}", parent=root)
        for i in range(1, 37)
    ]
    agencies = departments + wards
    for a in agencies:
        Desk.objects.create(agency=a, name=f"Bộ phận Một cửa {a.name}")
    main = departments[0]

    def official(username: str, role: str, agency=main) -> User:
        user = User.objects.create_user(username, None, full_name=username, kind="official",
                                        agency=agency)  # fmt: skip
        RoleAssignment.objects.create(user=user, role=role, agency=agency)
        return user

    people = {
        "specialist": official("chuyenvien", Role.SPECIALIST),
        "unit_head": official("truongphong", Role.UNIT_HEAD),
        "desk_officer": official("tiepnhan", Role.INTAKE_OFFICER),
    }
    others = [official(f"chuyenvien{i}", Role.SPECIALIST) for i in range(2, 8)]
    leader = official("giamdoc", Role.AGENCY_LEADER)

    procedures = []
    for i in range(6):
        p = Procedure.objects.create(
            code=f"1.00{4940 + i}", base_code=f"1.00{4940 + i}",
            name=f"Thủ tục cấp giấy chứng nhận số {i} cho công dân", is_active=True,
        )  # fmt: skip
        ProcedureChannel.objects.create(
            procedure=p, position=0, channel="direct", time_value=Decimal(5),
            time_unit="working_day", fee_amount=15_000,
        )  # fmt: skip
        RequiredPaper.objects.create(procedure=p, position=1, name="Tờ khai", originals=1)
        for position, role in ((1, Role.SPECIALIST), (2, Role.UNIT_HEAD), (3, Role.AGENCY_LEADER)):
            ProcessStep.objects.create(procedure=p, position=position, name=f"Bước {position}",
                                       responsible_role=role, allowance_hours=Decimal(8))  # fmt: skip
        procedures.append(p)

    # Skewed shares: the busiest department ~20 %, then a long tail of wards.
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(agencies))]
    statuses = [s for s, _ in STATUS_MIX]
    shares = [w for _, w in STATUS_MIX]
    now = clock.now()
    counters: dict[tuple[int, str], int] = {}
    in_process = {"processing", "pending_decision", "inter_agency"}
    started_at = time.perf_counter()
    batch: list[Dossier] = []
    made = 0

    def flush() -> None:
        nonlocal batch
        with transaction.atomic():
            Dossier.objects.bulk_create(batch, batch_size=2000)
        batch = []

    for _ in range(total):
        agency = rng.choices(agencies, weights)[0]
        status = rng.choices(statuses, shares)[0]
        submitted = now - timedelta(days=rng.uniform(0, 300), minutes=rng.randint(0, 600))
        if status in in_process | {"result_ready", "approved", "received", "awaiting_supplement"}:
            submitted = now - timedelta(days=rng.uniform(0, 20))
        day = submitted.strftime("%y%m%d")
        n = counters[(agency.pk, day)] = counters.get((agency.pk, day), 0) + 1
        received = None if status in ("submitted", "refused_reception") else submitted
        due = received + timedelta(days=rng.randint(5, 15)) if received else None
        finished = None
        if status in ("returned", "result_ready", "refused_processing") and received:
            finished = received + timedelta(days=rng.randint(2, 16))
        batch.append(
            Dossier(
                code=f"{agency.code}-{day}-{n:04d}", procedure=rng.choice(procedures),
                channel=rng.choice(("direct", "online", "online")), subject="Hồ sơ (bench)",
                applicant_name=f"Nguyễn Văn {made % 997}",
                applicant_identity_number=f"0401{made % 100_000_000:08d}",
                applicant_phone=f"09{made % 100_000_000:08d}",
                applicant_address="Phường Trường Vinh, Nghệ An", agency=agency, status=status,
                submitted_at=submitted, received_at=received, due_at=due,
                forwarded_at=received + timedelta(hours=2) if received else None,
                finished_at=finished,
                returned_at=finished + timedelta(days=1) if status == "returned" else None,
                returned_via="desk" if status == "returned" else "",
                returned_to=f"Nguyễn Văn {made % 997}" if status == "returned" else "",
                process=[{"position": i, "agency_id": agency.pk} for i in (1, 2, 3)],
                lookup_secret="ABCDEFGH", version=3,
            )
        )  # fmt: skip
        made += 1
        if len(batch) >= 10_000:
            flush()
    if batch:
        flush()

    # Open step visits for the dossiers in process, then point the dossiers at them.
    roles = [(1, Role.SPECIALIST), (2, Role.UNIT_HEAD), (3, Role.AGENCY_LEADER)]
    assignees = {Role.SPECIALIST: [people["specialist"], *others],
                 Role.UNIT_HEAD: [people["unit_head"]], Role.AGENCY_LEADER: [leader]}  # fmt: skip
    rows = Dossier.objects.filter(status__in=in_process).values_list("pk", "agency_id", "due_at")
    steps = []
    for pk, agency_id, due in rows.iterator():
        position, role = rng.choice(roles)
        assignee = None
        if agency_id == main.pk and rng.random() < 0.7:
            assignee = rng.choice(assignees[role])
        steps.append(StepAssignment(
            dossier_id=pk, position=position, name=f"Bước {position}", responsible_role=role,
            agency_id=agency_id, allowance_hours=Decimal(8), assignee=assignee,
            started_at=due - timedelta(days=4), due_at=due - timedelta(days=rng.randint(0, 3)),
        ))  # fmt: skip
    with transaction.atomic():
        StepAssignment.objects.bulk_create(steps, batch_size=2000)
        with connection.cursor() as c:
            c.execute(
                "UPDATE dossiers_dossier SET current_step_id = (SELECT MAX(s.id) FROM "
                "dossiers_stepassignment s WHERE s.dossier_id = dossiers_dossier.id) "
                "WHERE status IN (%s, %s, %s)",
                sorted(in_process),
            )
    # The appointment and two control-sheet lines per received dossier.
    received = Dossier.objects.filter(received_at__isnull=False).values_list(
        "pk", "received_at", "due_at"
    )
    changes, events = [], []
    for pk, at, due in received.iterator():
        changes.append(DueDateChange(dossier_id=pk, kind="appointed", at=at, after=due))
        events.append(DossierEvent(dossier_id=pk, seq=1, action="register_at_desk", at=at,
                                   to_status="submitted", to_agency_id=None))  # fmt: skip
        events.append(DossierEvent(dossier_id=pk, seq=2, action="receive", at=at,
                                   from_status="submitted", to_status="received"))  # fmt: skip
        if len(events) >= 20_000:
            with transaction.atomic():
                DueDateChange.objects.bulk_create(changes, batch_size=2000)
                DossierEvent.objects.bulk_create(events, batch_size=2000)
            changes, events = [], []
    with transaction.atomic():
        DueDateChange.objects.bulk_create(changes, batch_size=2000)
        DossierEvent.objects.bulk_create(events, batch_size=2000)
    with connection.cursor() as c:
        c.execute("ANALYZE")  # fresh statistics, as a live database has
    sample = (
        Dossier.objects.filter(agency=main, status="processing", current_step__assignee=people["specialist"])
        .order_by("-id")
        .values_list("code", flat=True)
        .first()
    )  # fmt: skip
    return {
        "main": main,
        "people": people,
        "dossier_code": sample,
        "seconds_to_build": round(time.perf_counter() - started_at, 1),
        "main_agency_dossiers": Dossier.objects.filter(agency=main).count(),
    }


def existing_world() -> dict | None:
    """The world of an earlier run kept with ``--keep`` (``None``: build it)."""
    from chinhquyen.accounts.models import User
    from chinhquyen.dossiers.models import Dossier
    from chinhquyen.organizations.models import Agency

    main = Agency.objects.filter(code="000.00.01.H41").first()
    if main is None or not Dossier.objects.exists():
        return None
    names = {"specialist": "chuyenvien", "unit_head": "truongphong", "desk_officer": "tiepnhan"}
    people = {who: User.objects.get(username=name) for who, name in names.items()}
    sample = (
        Dossier.objects.filter(agency=main, status="processing", current_step__assignee=people["specialist"])
        .order_by("-id")
        .values_list("code", flat=True)
        .first()
    )  # fmt: skip
    return {
        "main": main,
        "people": people,
        "dossier_code": sample,
        "seconds_to_build": 0.0,
        "main_agency_dossiers": Dossier.objects.filter(agency=main).count(),
    }


def measure(client, url: str, repeat: int) -> tuple[int, list[float]]:
    times = []
    status = 0
    for i in range(repeat + 1):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        status = response.status_code
        if status != 200:
            return status, []
        if i:  # the first request warms caches (templates, calendar)
            times.append(elapsed)
    return status, times


def where_time_goes(client, url: str) -> dict:
    """One more request with the queries captured: how many, their total and the slowest."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        client.get(url)
        total = (time.perf_counter() - started) * 1000
    queries = captured.captured_queries
    sql = sum(float(q["time"]) for q in queries) * 1000
    slowest = max(queries, key=lambda q: float(q["time"])) if queries else None
    return {
        "queries": len(queries),
        "sql_ms": round(sql, 1),
        "python_ms": round(total - sql, 1),
        "slowest_sql_ms": round(float(slowest["time"]) * 1000, 1) if slowest else 0,
        "slowest_sql": slowest["sql"][:160] if slowest else "",
    }


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 1)


def pages(world: dict) -> list[tuple[str, str, str]]:
    """(label, person, url) to time; names that do not resolve are reported as skipped."""
    from django.urls import NoReverseMatch, reverse

    try:
        from chinhquyen.dossiers.inboxes import BOXES

        boxes = [b.slug for b in BOXES]
    except ImportError:
        boxes = []
    main = world["main"].code
    out: list[tuple[str, str, str]] = []
    skipped: list[str] = []
    everyone = ("specialist", "unit_head", "desk_officer")
    for slug in boxes:
        try:
            url = reverse("workspace:inbox", kwargs={"box": slug})
        except NoReverseMatch:
            skipped.append(f"workspace:inbox[{slug}]: URL name does not resolve")
            continue
        out += [(f"inbox:{slug}", who, url) for who in everyone]
    if world["dossier_code"]:
        try:
            url = reverse("workspace:dossier", kwargs={"code": world["dossier_code"]})
            out += [("dossier", who, url) for who in ("specialist", "unit_head")]
        except NoReverseMatch:
            skipped.append("workspace:dossier: URL name does not resolve")
    from chinhquyen.dossiers import clock, timing

    today = clock.now().astimezone(timing.TZ).date()
    year_ago = today - timedelta(days=365)
    out += [
        ("desk_returns", "desk_officer", reverse("workspace:desk_returns")),
        ("desk_returns:all", "desk_officer", reverse("workspace:desk_returns") + "?tat_ca=1"),
        ("tracking_book:month", "desk_officer", reverse("workspace:tracking_book")),
        ("tracking_book:year", "desk_officer",
         reverse("workspace:tracking_book") + f"?co_quan={main}&tu={year_ago}&den={today}"),
        ("tracking_book:year_last_page", "desk_officer",
         reverse("workspace:tracking_book") + f"?co_quan={main}&tu={year_ago}&den={today}"
         "&trang=100000"),
        ("desk_procedures", "desk_officer",
         reverse("workspace:desk_procedures") + "?q=giay+chung+nhan"),
        ("desk_new", "desk_officer", reverse("workspace:desk_new")),
    ]  # fmt: skip
    world["skipped"] = skipped
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", default="", help="time only the pages whose label starts so")
    parser.add_argument(
        "--keep",
        type=Path,
        help="SQLite only: keep the database in DIR/bench.sqlite3 and reuse it on the next run "
        "(to study query plans: sqlite3 DIR/bench.sqlite3 'EXPLAIN QUERY PLAN ...')",
    )
    args = parser.parse_args()
    rng = random.Random(20261123)

    keep = args.keep if args.keep and not os.environ.get("DATABASE_URL") else None
    with tempfile.TemporaryDirectory(prefix="chinhquyen-bench-") as tmp:
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
        setup_django(keep.resolve() if keep else Path(tmp))
        from django.db import connection
        from django.test import Client

        from chinhquyen.core.context import request_context

        world = existing_world() if keep else None
        if world is None:
            with request_context(source="bench"):
                world = seed(args.dossiers, rng)
        clients = {}
        for who, user in world["people"].items():
            clients[who] = Client(SERVER_NAME="localhost")
            clients[who].force_login(user)
        results, over, skipped = [], [], []
        for label, who, url in pages(world):
            if not label.startswith(args.only):
                continue
            status, times = measure(clients[who], url, args.repeat)
            if not times:
                skipped.append(f"{label} as {who}: HTTP {status}")
                continue
            row = {"page": label, "as": who, "p50_ms": pct(times, 0.5),
                   "p95_ms": pct(times, 0.95), "mean_ms": round(statistics.mean(times), 1)}  # fmt: skip
            if row["p95_ms"] > TARGET_MS:
                over.append(f"{label} as {who}")
                row.update(where_time_goes(clients[who], url))
            results.append(row)
        print(
            json.dumps(
                {
                    "name": "workspace_pages",
                    "database": connection.vendor,
                    "dossiers": args.dossiers,
                    "main_agency_dossiers": world["main_agency_dossiers"],
                    "seconds_to_build": world["seconds_to_build"],
                    "repeat": args.repeat,
                    "target_ms": TARGET_MS,
                    "pages": results,
                    "over_target": over,
                    "skipped": world["skipped"] + skipped,
                },
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
