"""Run every bench/bench_*.py and print one JSON document with all their results.

Every benchmark runs on SQLite, then again on a throwaway PostgreSQL cluster (tools/with-postgres.sh;
set CHINHQUYEN_BENCH_POSTGRES=0 to skip it). Each is a standalone script that prints a JSON object (or a list of them) on its
last line of stdout. Results go to stdout and to var/bench/results.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    results, failed = [], []
    env = {**os.environ, "CHINHQUYEN_DEBUG": "1"}
    for script in sorted(HERE.glob("bench_*.py")):
        proc = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, env=env
        )  # noqa: S603
        if proc.returncode != 0:
            failed.append({"bench": script.stem, "stderr": proc.stderr[-2000:]})
            continue
        last = proc.stdout.strip().splitlines()[-1]
        value = json.loads(last)
        results.extend(value if isinstance(value, list) else [value])
    document = {"results": results, "failed": failed}
    out = HERE.parent / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(document, ensure_ascii=False, indent=2))
    print(json.dumps(document, ensure_ascii=False, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
