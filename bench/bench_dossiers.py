"""Benchmark: full dossier lifecycles per second through the services, against a raw-SQL baseline.

A lifecycle is what one citizen's dossier goes through: submit online (with two small PDF
papers) → receive → forward → complete 3 process steps → approve → issue the result (a PDF) →
return the result: 9 actions, each in its own transaction with its permission, state and version
checks, its control-sheet line, its audit record (hash chain) and its outbox event, deadlines from
the working calendar.

The baseline does the equivalent writes with hand-written SQL in tables of its own (the dossier
row inserted and updated 9 times, 9 event rows, 9 audit rows chained by SHA-256 over the same
canonical JSON form, 9 outbox rows plus one delivery row per handler registered for the event
type, the appointed due date, the daily code counter, 3 step rows inserted and closed, 2 paper
rows, 1 result row, the same 3 files written to disk) and no checks: what the engine costs over
the bare writes. The two sides run in alternating slices so that both see the same background
load on a shared machine, with Django's debug query log off (as in production). The JSON also
gives the number of SQL statements of each engine action (BEGIN and COMMIT included) and of one
baseline lifecycle.

Standalone: a throwaway SQLite database (CHINHQUYEN_SQLITE_PATH in a temporary directory) unless
DATABASE_URL names a PostgreSQL server; migrates; seeds the national calendar.

    .venv/bin/python bench/bench_dossiers.py [--lifecycles 200] [--runs 3]

Prints one JSON line. Nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 2000
ACTIONS_PER_LIFECYCLE = 9


def setup_django(tmp: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "chinhquyen.settings"
    os.environ["CHINHQUYEN_DEBUG"] = "1"
    os.environ.setdefault("CHINHQUYEN_DATA_DIR", str(tmp))
    os.environ["CHINHQUYEN_MEDIA_ROOT"] = str(tmp / "media")
    if not os.environ.get("DATABASE_URL"):
        os.environ["CHINHQUYEN_SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    else:
        ensure_database(os.environ["DATABASE_URL"])
    src = Path(__file__).resolve().parent.parent / "src"
    if str(src) not in sys.path:
        sys.path.insert(0, str(src))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    # CHINHQUYEN_DEBUG only supplies development settings (secret key, paths). With DEBUG on,
    # Django wraps every cursor to log each statement, a cost production does not pay and that
    # grows with the number of statements: measure both sides without it.
    settings.DEBUG = False


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist (a fresh cluster
    from tools/with-postgres.sh has none). Use a throwaway database: the bench adds tables."""
    from urllib.parse import urlparse

    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def seed() -> dict:
    from chinhquyen.accounts.models import Role, RoleAssignment, User
    from chinhquyen.calendars import services as calendars
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
    from chinhquyen.organizations.models import Agency

    calendars.seed_national_calendar()
    agency = Agency.objects.create(code="000.00.01.H41", name="Sở Tư pháp (bench)")

    def official(username: str, role: str) -> User:
        user = User.objects.create_user(username, None, full_name=username, kind="official",
                                        agency=agency)  # fmt: skip
        RoleAssignment.objects.create(user=user, role=role, agency=agency)
        return user

    people = {
        "intake": official("tiepnhan", Role.INTAKE_OFFICER),
        "specialist": official("chuyenvien", Role.SPECIALIST),
        "head": official("truongphong", Role.UNIT_HEAD),
        "leader": official("giamdoc", Role.AGENCY_LEADER),
        "citizen": User.objects.create_user(
            "0912345678", None, full_name="Nguyễn Văn An", phone="0912345678"
        ),  # fmt: skip
    }
    procedure = Procedure.objects.create(
        code="1.004946", base_code="1.004946", name="Cấp phiếu lý lịch tư pháp",
        online_level=OnlineLevel.FULL,
    )  # fmt: skip
    for position, channel in enumerate(("direct", "online")):
        ProcedureChannel.objects.create(
            procedure=procedure, position=position, channel=channel, time_value=Decimal(5),
            time_unit="working_day", fee_amount=10_000,
        )  # fmt: skip
    papers = [
        RequiredPaper.objects.create(procedure=procedure, position=1, name="Tờ khai", originals=1),
        RequiredPaper.objects.create(procedure=procedure, position=2, name="Bản chụp CCCD", copies=1),
    ]  # fmt: skip
    for position, role, hours in ((1, Role.SPECIALIST, 24), (2, Role.UNIT_HEAD, 8),
                                  (3, Role.AGENCY_LEADER, 8)):  # fmt: skip
        ProcessStep.objects.create(procedure=procedure, position=position, name=f"Bước {position}",
                                   responsible_role=role, allowance_hours=Decimal(hours))  # fmt: skip
    ProcedureAgency.objects.create(procedure=procedure, agency=agency)
    ProcedureVersion.objects.create(
        procedure=procedure, number=1, snapshot=catalog_services.snapshot(procedure)
    )
    return {"agency": agency, "procedure": procedure, "papers": papers, **people}


def engine_lifecycle(w: dict) -> None:
    from chinhquyen.dossiers import services as s

    d = s.submit_online(
        actor=w["citizen"], procedure=w["procedure"], agency=w["agency"],
        papers=[(p, PDF, "giay-to.pdf") for p in w["papers"]],
    )  # fmt: skip
    d = s.receive(actor=w["intake"], dossier=d, expected_version=d.version)
    d = s.forward(actor=w["intake"], dossier=d, expected_version=d.version)
    for who in ("specialist", "head", "leader"):
        d = s.complete_step(actor=w[who], dossier=d, expected_version=d.version, opinion="Đạt.")
    d = s.approve(actor=w["leader"], dossier=d, expected_version=d.version)
    d = s.issue_result(actor=w["intake"], dossier=d, expected_version=d.version, file=PDF,
                       name="Phiếu lý lịch tư pháp")  # fmt: skip
    s.return_result(actor=w["intake"], dossier=d, expected_version=d.version, via="online")


BASELINE_DDL = [
    "CREATE TABLE bl_seq (agency TEXT, day TEXT, n INTEGER, PRIMARY KEY (agency, day))",
    """CREATE TABLE bl_dossier (id INTEGER PRIMARY KEY, code TEXT UNIQUE, procedure_id INTEGER,
       agency_id INTEGER, channel TEXT, applicant_name TEXT, identity_number TEXT, phone TEXT,
       status TEXT, version INTEGER, submitted_at TEXT, received_at TEXT, due_at TEXT,
       finished_at TEXT, returned_at TEXT, current_step INTEGER, process TEXT)""",
    """CREATE TABLE bl_event (id INTEGER PRIMARY KEY, dossier_id INTEGER, seq INTEGER, action TEXT,
       at TEXT, actor_id INTEGER, from_status TEXT, to_status TEXT, opinion TEXT, due_after TEXT,
       timing TEXT, data TEXT)""",
    """CREATE TABLE bl_audit (seq INTEGER PRIMARY KEY, at TEXT, actor_id INTEGER,
       actor_label TEXT, action TEXT, object_type TEXT, object_id TEXT, object_label TEXT,
       changes TEXT, ip TEXT, source TEXT, prev_hash TEXT, hash TEXT UNIQUE)""",
    """CREATE TABLE bl_outbox (id TEXT PRIMARY KEY, event_type TEXT, aggregate_id TEXT,
       payload TEXT, idempotency_key TEXT UNIQUE, created_at TEXT)""",
    """CREATE TABLE bl_delivery (id INTEGER PRIMARY KEY, event_id TEXT, handler TEXT,
       status TEXT, next_attempt_at TEXT, UNIQUE (event_id, handler))""",
    """CREATE TABLE bl_due_change (id INTEGER PRIMARY KEY, dossier_id INTEGER, kind TEXT,
       at TEXT, after TEXT)""",
    """CREATE TABLE bl_step (id INTEGER PRIMARY KEY, dossier_id INTEGER, position INTEGER,
       name TEXT, started_at TEXT, due_at TEXT, finished_at TEXT, opinion TEXT)""",
    """CREATE TABLE bl_paper (id INTEGER PRIMARY KEY, dossier_id INTEGER, path TEXT,
       sha256 TEXT, size INTEGER)""",
]


class Baseline:
    """The same rows written with plain SQL, no checks, no ORM."""

    def __init__(self, files_dir: Path) -> None:
        from django.db import connection

        from chinhquyen.events import registry

        self.connection = connection
        self.handlers = lambda event_type: sorted(registry.handlers_for(event_type))
        self.files_dir = files_dir
        files_dir.mkdir(parents=True, exist_ok=True)
        with connection.cursor() as c:
            for ddl in BASELINE_DDL:
                c.execute(ddl.replace("INTEGER PRIMARY KEY", self._pk()))
        self.n = 0

    def _pk(self) -> str:
        return (
            "BIGSERIAL PRIMARY KEY"
            if self.connection.vendor == "postgresql"
            else "INTEGER PRIMARY KEY"
        )

    def _write_file(self, content: bytes) -> tuple[str, str]:
        self.n += 1
        path = self.files_dir / f"f{self.n}.pdf"
        path.write_bytes(content)
        return str(path), hashlib.sha256(content).hexdigest()

    def _record(self, c, dossier_id: int, seq: int, action: str, frm: str, to: str) -> None:
        now = _now()
        c.execute(
            "INSERT INTO bl_event (dossier_id, seq, action, at, actor_id, from_status, to_status,"
            " opinion, due_after, timing, data) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            [dossier_id, seq, action, now, 1, frm, to, "Đạt.", now, "", "{}"],
        )
        c.execute("SELECT seq, hash FROM bl_audit ORDER BY seq DESC LIMIT 1")
        last = c.fetchone() or (0, "0" * 64)
        changes = {"status": {"before": frm, "after": to}, "version": seq}
        # The same canonical form the audit chain hashes: its fields as sorted, compact JSON.
        fields = {"seq": last[0] + 1, "created_at": now, "actor_id": 1, "actor_label": "tiepnhan",
                  "action": f"dossiers.{action}", "object_type": "dossiers.dossier",
                  "object_id": str(dossier_id), "object_label": "000.00.01.H41", "changes": changes,
                  "ip": None, "source": "bench"}  # fmt: skip
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256(last[1].encode() + b"\n" + canonical.encode()).hexdigest()
        c.execute(
            "INSERT INTO bl_audit (seq, at, actor_id, actor_label, action, object_type, object_id,"
            " object_label, changes, ip, source, prev_hash, hash)"
            " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            [last[0] + 1, now, 1, "tiepnhan", f"dossiers.{action}", "dossiers.dossier",
             str(dossier_id), "000.00.01.H41", json.dumps(changes), None, "bench", last[1],
             digest],
        )  # fmt: skip
        event_id = os.urandom(16).hex()
        c.execute(
            "INSERT INTO bl_outbox (id, event_type, aggregate_id, payload, idempotency_key,"
            " created_at) VALUES (%s,%s,%s,%s,%s,%s)",
            [event_id, f"dossiers.{action}", str(dossier_id),
             json.dumps({"status": to}), f"{dossier_id}:{seq}", now],
        )  # fmt: skip
        # As the outbox does: one delivery per handler registered for the event type.
        for handler in self.handlers(f"dossiers.{action}"):
            c.execute(
                "INSERT INTO bl_delivery (event_id, handler, status, next_attempt_at)"
                " VALUES (%s,%s,%s,%s)",
                [event_id, handler, "pending", now],
            )

    def _update(self, c, dossier_id: int, seq: int, status: str, **extra: str) -> None:
        sets = ", ".join([f"{k} = %s" for k in extra] + ["status = %s", "version = %s"])
        c.execute(
            f"UPDATE bl_dossier SET {sets} WHERE id = %s",
            [*extra.values(), status, seq, dossier_id],
        )

    def lifecycle(self) -> None:
        from django.db import transaction

        with transaction.atomic(), self.connection.cursor() as c:
            day = _now()[:10]
            c.execute(
                "INSERT INTO bl_seq (agency, day, n) VALUES (%s, %s, 1) ON CONFLICT (agency, day)"
                " DO UPDATE SET n = bl_seq.n + 1 RETURNING n",
                ["000.00.01.H41", day],
            )
            n = c.fetchone()[0]
            c.execute(
                "INSERT INTO bl_dossier (code, procedure_id, agency_id, channel, applicant_name,"
                " identity_number, phone, status, version, submitted_at, process)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) RETURNING id",
                [f"000.00.01.H41-{day}-{n:04d}", 1, 1, "online", "Nguyễn Văn An", "040090001234",
                 "0912345678", "submitted", 1, _now(), "[1,2,3]"],
            )  # fmt: skip
            dossier_id = c.fetchone()[0]
            for _ in range(2):
                path, digest = self._write_file(PDF)
                c.execute(
                    "INSERT INTO bl_paper (dossier_id, path, sha256, size) VALUES (%s,%s,%s,%s)",
                    [dossier_id, path, digest, len(PDF)],
                )
            self._record(c, dossier_id, 1, "submit_online", "", "submitted")
        steps = [("receive", "submitted", "received"), ("forward", "received", "processing")]
        seq = 1
        for action, frm, to in steps:
            seq += 1
            with transaction.atomic(), self.connection.cursor() as c:
                self._update(c, dossier_id, seq, to, received_at=_now(), due_at=_now())
                if action == "receive":
                    c.execute(
                        "INSERT INTO bl_due_change (dossier_id, kind, at, after)"
                        " VALUES (%s,%s,%s,%s)",
                        [dossier_id, "appointed", _now(), _now()],
                    )
                if action == "forward":
                    self._start_step(c, dossier_id, 1)
                self._record(c, dossier_id, seq, action, frm, to)
        for position in (1, 2, 3):
            seq += 1
            with transaction.atomic(), self.connection.cursor() as c:
                c.execute(
                    "UPDATE bl_step SET finished_at = %s, opinion = %s WHERE dossier_id = %s"
                    " AND position = %s",
                    [_now(), "Đạt.", dossier_id, position],
                )
                to = "processing" if position < 3 else "pending_decision"
                if position < 3:
                    self._start_step(c, dossier_id, position + 1)
                self._update(c, dossier_id, seq, to)
                self._record(c, dossier_id, seq, "complete_step", "processing", to)
        for action, frm, to in (("approve", "pending_decision", "approved"),
                                ("issue_result", "approved", "result_ready"),
                                ("return_result", "result_ready", "returned")):  # fmt: skip
            seq += 1
            with transaction.atomic(), self.connection.cursor() as c:
                if action == "issue_result":
                    path, digest = self._write_file(PDF)
                    c.execute(
                        "INSERT INTO bl_paper (dossier_id, path, sha256, size) VALUES (%s,%s,%s,%s)",
                        [dossier_id, path, digest, len(PDF)],
                    )
                    self._update(c, dossier_id, seq, to, finished_at=_now())
                elif action == "return_result":
                    self._update(c, dossier_id, seq, to, returned_at=_now())
                else:
                    self._update(c, dossier_id, seq, to)
                self._record(c, dossier_id, seq, action, frm, to)

    def _start_step(self, c, dossier_id: int, position: int) -> None:
        c.execute(
            "INSERT INTO bl_step (dossier_id, position, name, started_at, due_at)"
            " VALUES (%s,%s,%s,%s,%s)",
            [dossier_id, position, f"Bước {position}", _now(), _now()],
        )


def _now() -> str:
    from django.utils import timezone

    return timezone.now().isoformat()


def timed(fn, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return time.perf_counter() - started


def interleaved(engine, baseline, n: int, chunks: int = 10) -> tuple[float, float]:
    """Time ``n`` runs of each, alternating in ``chunks`` slices: on a shared machine both sides
    then see the same background load, which a long run of one then the other does not."""
    spent = [0.0, 0.0]
    size = max(1, n // chunks)
    done = 0
    while done < n:
        step = min(size, n - done)
        spent[0] += timed(engine, step)
        spent[1] += timed(baseline, step)
        done += step
    return spent[0], spent[1]


def statements(fn) -> list[str]:
    """The SQL statements ``fn`` runs (BEGIN/COMMIT/SAVEPOINT included where Django sends them)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return [q["sql"] for q in ctx.captured_queries]


def engine_statements(w: dict) -> dict[str, int]:
    """Statements per action of one engine lifecycle."""
    from chinhquyen.dossiers import services as s

    counts: dict[str, int] = {}
    box: dict = {}

    def run(name, fn):
        sql = statements(lambda: box.update(d=fn()))
        key = (
            name if name not in counts else f"{name}_{sum(k.startswith(name) for k in counts) + 1}"
        )
        counts[key] = len(sql)

    run("submit_online", lambda: s.submit_online(
        actor=w["citizen"], procedure=w["procedure"], agency=w["agency"],
        papers=[(p, PDF, "giay-to.pdf") for p in w["papers"]]))  # fmt: skip
    for name, who in (("receive", "intake"), ("forward", "intake")):
        run(name, lambda n=name, u=who: getattr(s, n)(
            actor=w[u], dossier=box["d"], expected_version=box["d"].version))  # fmt: skip
    for who in ("specialist", "head", "leader"):
        run("complete_step", lambda u=who: s.complete_step(
            actor=w[u], dossier=box["d"], expected_version=box["d"].version, opinion="Đạt."))  # fmt: skip
    run("approve", lambda: s.approve(
        actor=w["leader"], dossier=box["d"], expected_version=box["d"].version))  # fmt: skip
    run("issue_result", lambda: s.issue_result(
        actor=w["intake"], dossier=box["d"], expected_version=box["d"].version, file=PDF,
        name="Phiếu lý lịch tư pháp"))  # fmt: skip
    run("return_result", lambda: s.return_result(
        actor=w["intake"], dossier=box["d"], expected_version=box["d"].version, via="online"))  # fmt: skip
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifecycles", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="chinhquyen-bench-") as tmp:
        setup_django(Path(tmp))
        from django.db import connection

        from chinhquyen.core.context import request_context

        with request_context(source="bench"):
            world = seed()
            baseline = Baseline(Path(tmp) / "baseline-files")
            engine_lifecycle(world)  # warm caches (calendar snapshot, imports)
            baseline.lifecycle()
            engine_runs, baseline_runs = [], []
            for _ in range(args.runs):
                spent = interleaved(lambda: engine_lifecycle(world), baseline.lifecycle,
                                    args.lifecycles)  # fmt: skip
                engine_runs.append(spent[0])
                baseline_runs.append(spent[1])
            per_action = engine_statements(world)
            baseline_statements = len(statements(baseline.lifecycle))
        engine = args.lifecycles / statistics.median(engine_runs)
        raw = args.lifecycles / statistics.median(baseline_runs)
        print(
            json.dumps(
                {
                    "name": "dossiers_lifecycle",
                    "database": connection.vendor,
                    "lifecycles_per_run": args.lifecycles,
                    "actions_per_lifecycle": ACTIONS_PER_LIFECYCLE,
                    "runs": args.runs,
                    "engine_runs_s": [round(r, 3) for r in engine_runs],
                    "baseline_runs_s": [round(r, 3) for r in baseline_runs],
                    "engine_lifecycles_per_s": round(engine, 1),
                    "baseline_lifecycles_per_s": round(raw, 1),
                    "engine_actions_per_s": round(engine * ACTIONS_PER_LIFECYCLE, 1),
                    "ratio": round(engine / raw, 3),
                    "engine_statements_per_action": per_action,
                    "engine_statements_per_lifecycle": sum(per_action.values()),
                    "baseline_statements_per_lifecycle": baseline_statements,
                    "target_ratio": 0.25,
                },
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
