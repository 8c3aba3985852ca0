"""Procedure catalog search: recall@1/@5 on the shared query set and server-side search latency.

Imports the full national catalog (../shared/data/tthc/tthc-2642-procedures.jsonl.gz relative
to the repository root) when it is there, else the shipped demo catalog, into a throwaway SQLite
database (or the PostgreSQL database of DATABASE_URL, created if missing), then runs every query
of src/chinhquyen/catalog/tests/data/queries.json several times.

Usage: python bench/bench_catalog.py → one JSON line. Not a test: nothing is asserted.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
FULL = ROOT.parent / "shared" / "data" / "tthc" / "tthc-2642-procedures.jsonl.gz"
QUERIES = ROOT / "src" / "chinhquyen" / "catalog" / "tests" / "data" / "queries.json"
REPEATS = 5


def _ensure_postgres_database(url: str) -> None:
    """tools/with-postgres.sh points DATABASE_URL at a database that may not exist yet."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    params = {
        "host": cfg["HOST"],
        "port": cfg["PORT"] or 5432,
        "user": cfg["USER"],
        "password": cfg["PASSWORD"],
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="chinhquyen-bench-")
    os.environ.setdefault("CHINHQUYEN_DEBUG", "1")
    os.environ.setdefault("CHINHQUYEN_DATA_DIR", tmp)
    if os.environ.get("DATABASE_URL"):
        _ensure_postgres_database(os.environ["DATABASE_URL"])
    else:
        os.environ["CHINHQUYEN_SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "chinhquyen.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from chinhquyen.catalog import importing, search, services

    call_command("migrate", verbosity=0)
    source = FULL if FULL.exists() else services.DEMO_FIXTURE
    started = time.perf_counter()
    report = services.import_records(importing.read_records(source), source=source.name)
    import_s = time.perf_counter() - started
    started = time.perf_counter()
    again = services.import_records(importing.read_records(source), source=source.name)
    reimport_s = time.perf_counter() - started

    queries = json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]
    texts = [unicodedata.normalize("NFD", q["q"]) if q.get("nfd") else q["q"] for q in queries]
    search.search("khởi động")  # builds the in-process vocabulary once
    hits1 = hits5 = 0
    latencies: list[float] = []
    misses = []
    for item, text in zip(queries, texts, strict=True):
        found = [p.code for p in search.search(text, per_page=5).items]
        hits1 += bool(found) and found[0] in item["expect"]
        if any(code in item["expect"] for code in found):
            hits5 += 1
        else:
            misses.append(item["q"])
    for _ in range(REPEATS):
        for text in texts:
            started = time.perf_counter()
            search.search(text, per_page=20)
            latencies.append((time.perf_counter() - started) * 1000)
    n = len(queries)
    print(json.dumps({
        "name": "catalog_search",
        "database": connection.vendor,
        "source": source.name,
        "procedures": report.created + report.updated + report.unchanged,
        "import_s": round(import_s, 2),
        "reimport_unchanged": again.unchanged == report.created + report.updated + report.unchanged,
        "reimport_s": round(reimport_s, 2),
        "parse_problem_procedures": len(report.problems),
        "queries": n,
        "recall_at_1": round(hits1 / n, 3),
        "recall_at_5": round(hits5 / n, 3),
        "misses_at_5": misses,
        "searches": len(latencies),
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "max_ms": round(max(latencies), 2),
    }, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
