"""How fast the audit chain grows and is verified (SQLite file, WAL): appends/s, verify time.

Usage: python bench/bench_audit.py  → one JSON line. Not a test: nothing is asserted.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="chinhquyen-bench-")
    os.environ.setdefault("CHINHQUYEN_DEBUG", "1")
    os.environ.setdefault("CHINHQUYEN_DATA_DIR", tmp)
    if not os.environ.get("DATABASE_URL"):
        os.environ["CHINHQUYEN_SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "chinhquyen.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from chinhquyen.audit import services as audit

    call_command("migrate", verbosity=0)
    n, runs = 2000, []
    for _ in range(3):
        started = time.perf_counter()
        for i in range(n):
            with transaction.atomic():
                audit.record(
                    "bench.append",
                    object_type="bench.thing",
                    object_id=i,
                    changes={"trạng thái": {"before": "mới", "after": "đã tiếp nhận"}},
                )
        runs.append(time.perf_counter() - started)
    started = time.perf_counter()
    result = audit.verify_chain()
    verify_s = time.perf_counter() - started
    median = statistics.median(runs)
    print(
        json.dumps(
            {
                "name": "audit_chain",
                "database": connection.vendor,
                "appends_per_run": n,
                "runs_s": [round(r, 4) for r in runs],
                "median_s": round(median, 4),
                "appends_per_s": round(n / median, 1),
                "verify_records": result.checked,
                "verify_s": round(verify_s, 4),
                "verify_ok": result.ok,
            }
        )
    )


if __name__ == "__main__":
    main()
