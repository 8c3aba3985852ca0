"""Run every bench/bench_*.py and print one JSON document with all their results.

Every benchmark runs on SQLite, then again on a throwaway PostgreSQL cluster
(tools/with-postgres.sh; set CHINHQUYEN_BENCH_POSTGRES=0 to skip it). Each is a standalone
script that prints a JSON object (or a list of them) on its last line of stdout. Results go to
stdout and to var/bench/results.json.

    python bench/run.py [--only dossiers [--only audit]] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, env=env)  # noqa: S603


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks on SQLite and PostgreSQL.")
    parser.add_argument("--only", action="append", default=[],
                        help="run only bench_<NAME>.py (repeatable), e.g. --only dossiers")  # fmt: skip
    parser.add_argument("--database", choices=("sqlite", "postgresql"), help="only this database")
    args = parser.parse_args()
    results, failed = [], []
    env = {**os.environ, "CHINHQUYEN_DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    runs: list[tuple[str, list[str]]] = [("sqlite", [])]
    if os.environ.get("CHINHQUYEN_BENCH_POSTGRES", "1") != "0":
        runs.append(("postgresql", [str(HERE.parent / "tools" / "with-postgres.sh")]))
    if args.database:
        runs = [run for run in runs if run[0] == args.database]
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in args.only]
        if not scripts:
            parser.error(f"no bench_<name>.py for {', '.join(args.only)}")
    for database, prefix in runs:
        for script in scripts:
            proc = _run([*prefix, sys.executable, str(script)], env)
            if proc.returncode != 0:
                failed.append(
                    {"bench": script.stem, "database": database, "stderr": proc.stderr[-2000:]}
                )
                continue
            value = json.loads(proc.stdout.strip().splitlines()[-1])
            for item in value if isinstance(value, list) else [value]:
                item.setdefault("database", database)
                results.append(item)
    document = {"results": results, "failed": failed}
    out = HERE.parent / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(document, ensure_ascii=False, indent=2))
    print(json.dumps(document, ensure_ascii=False, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
