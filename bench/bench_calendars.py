"""Benchmark: 100,000 deadline computations in the national working calendar.

Standalone: sets up a throwaway SQLite database (CHINHQUYEN_SQLITE_PATH in a temporary directory),
migrates, seeds the national calendar through the service, loads the calendar snapshot once, then
times 100,000 computations (a mix of working days and working hours, random starts over 2025–2027,
a quarter of them paper dossiers with the 15:00 rule, one in ten with a pause), five times.

    .venv/bin/python bench/bench_calendars.py [--ops 100000] [--runs 5]

Prints one JSON line: {"name", "ops", "runs", "median_s", "per_op_us", ...}. No assertion on time.
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
from datetime import datetime, timedelta
from pathlib import Path


def setup_django(tmp: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "chinhquyen.settings"
    os.environ["CHINHQUYEN_DEBUG"] = "1"
    os.environ["CHINHQUYEN_SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    os.environ.setdefault("CHINHQUYEN_DATA_DIR", str(tmp))
    src = Path(__file__).resolve().parent.parent / "src"
    if str(src) not in sys.path:
        sys.path.insert(0, str(src))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def workload(n: int, seed: int = 20260212) -> list[tuple]:
    from chinhquyen.calendars.deadlines import TZ

    rng = random.Random(seed)
    first = datetime(2025, 1, 1, tzinfo=TZ)
    span_minutes = 3 * 365 * 24 * 60
    jobs = []
    for _ in range(n):
        start = first + timedelta(minutes=rng.randrange(span_minutes))
        options: dict = {"paper": rng.random() < 0.25}
        if rng.random() < 0.1:
            begin = start + timedelta(hours=rng.randrange(1, 200))
            options["pauses"] = [(begin, begin + timedelta(hours=rng.randrange(1, 300)))]
        if rng.random() < 0.5:
            jobs.append(
                (start, {"working_days": rng.choice((1, 2, 3, 5, 7, 10, 15, 20, 30)), **options})
            )
        else:
            jobs.append((start, {"working_hours": rng.choice((1, 2, 4, 8, 16, 24, 40)), **options}))
    return jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="chinhquyen-bench-") as tmp:
        setup_django(Path(tmp))
        from django.db import connection

        from chinhquyen.calendars import deadlines, selectors, services
        from chinhquyen.core.context import request_context

        with request_context(source="bench"):
            services.seed_national_calendar()
        calendar = selectors.calendar_for(None)
        jobs = workload(args.ops)
        compute = deadlines.compute
        compute(calendar, *jobs[0][:1], **jobs[0][1])  # compile the calendar outside the timing

        runs = []
        for _ in range(args.runs):
            began = time.perf_counter()
            for start, options in jobs:
                compute(calendar, start, **options)
            runs.append(round(time.perf_counter() - began, 4))

        median = statistics.median(runs)
        print(
            json.dumps(
                {
                    "name": "calendars.deadline_compute",
                    "database": connection.vendor,
                    "ops": args.ops,
                    "runs": runs,
                    "median_s": median,
                    "per_op_us": round(median / args.ops * 1e6, 2),
                    "mix": "50% working days / 50% working hours, 25% paper (15:00 rule), 10% with a pause",
                    "years": "starts 2025–2027, calendar seeded 2020–2030",
                },
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
