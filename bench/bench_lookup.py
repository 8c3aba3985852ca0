"""Benchmark: the public dossier lookup under concurrent load, against a bare endpoint.

Serves the project with the real ASGI server (uvicorn, one worker, production settings: DEBUG
off, the file-based cache that holds the rate-limit counters, collected static files) on
loopback, and drives it with N concurrent keep-alive HTTP/1.1 connections (a small asyncio
client, lighter than a full HTTP library, so the client steals less CPU from the server):

* ``healthz``: ``GET /healthz`` (one ``SELECT 1``, a JSON answer): the bare cost of a request
  through the same middleware stack;
* ``lookup_api``: ``POST /api/v1/dossiers/lookup`` with a code and its lookup secret;
* ``lookup_page``: ``GET /tra-cuu/?ma=…&mtc=…`` (what the receipt's QR code opens: the full
  HTML page);
* ``lookup_blank``: ``GET /tra-cuu/`` (the same page and template with the empty form, no
  lookup): the bare cost of a portal page, which the HTML lookup is compared with (a portal page
  renders the whole layout, several times the work of a JSON answer).

Both lookups run the per-address rate limit (its rate raised so that it never refuses, so its
cost is measured) and the constant-time factor check. The endpoints are measured in interleaved
rounds; the figures are the medians of the rounds' requests/s, p50/p99 latencies and the server
process's CPU time per request (from /proc), and the ratios lookup / healthz (the target is
≥ 0.70): of the median throughputs, of each round's pair (``*_paired``), and of the CPU time per
request (``cpu_ratio_*``, the least disturbed by other work on a shared machine).

Standalone: a throwaway SQLite database in a temporary directory unless DATABASE_URL names a
PostgreSQL server (tools/with-postgres.sh).

    .venv/bin/python bench/bench_lookup.py [--concurrency 16] [--seconds 4] [--rounds 3]

Prints one JSON line. Nothing is asserted about time. Traffic goes to 127.0.0.1 only; every
loop is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

DOSSIERS = 20
HOST = "127.0.0.1"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def prepare(tmp: Path) -> list[tuple[str, str]]:
    """Migrate, seed, create dossiers in processing; return their (code, secret)."""
    import bench_dossiers

    bench_dossiers.setup_django(tmp)
    from chinhquyen.core.context import request_context
    from chinhquyen.dossiers import services as s

    out = []
    with request_context(source="bench"):
        w = bench_dossiers.seed()
        for _ in range(DOSSIERS):
            d = s.submit_online(
                actor=w["citizen"], procedure=w["procedure"], agency=w["agency"],
                papers=[(p, bench_dossiers.PDF, "giay-to.pdf") for p in w["papers"]],
            )  # fmt: skip
            d = s.receive(actor=w["intake"], dossier=d, expected_version=d.version)
            d = s.forward(actor=w["intake"], dossier=d, expected_version=d.version)
            out.append((d.code, d.lookup_secret))
    from django.db import connections

    connections.close_all()
    return out


def server_env(tmp: Path) -> dict[str, str]:
    """Production settings (DEBUG off) on the bench's data directory and database."""
    env = {
        **os.environ,
        "CHINHQUYEN_DEBUG": "0",
        "CHINHQUYEN_TESTING": "0",
        "CHINHQUYEN_SECURE": "0",
        "CHINHQUYEN_SECRET_KEY": "bench-" + "x" * 50,
        "CHINHQUYEN_DATA_DIR": str(tmp),
        "CHINHQUYEN_MEDIA_ROOT": str(tmp / "media"),
        "CHINHQUYEN_ALLOWED_HOSTS": HOST,
        "CHINHQUYEN_LOOKUP_RATE": "1000000000/m",
        "CHINHQUYEN_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
    }
    if not os.environ.get("DATABASE_URL"):
        env["CHINHQUYEN_SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    return env


def start_server(tmp: Path, port: int) -> subprocess.Popen:
    env = server_env(tmp)
    # The manifest storage of production needs the collected static files.
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "chinhquyen", "collectstatic", "--noinput", "-v", "0"],
        env=env, cwd=str(tmp), check=True,
    )  # fmt: skip
    command = [
        sys.executable, "-m", "uvicorn", "chinhquyen.asgi:application", "--host", HOST,
        "--port", str(port), "--workers", "1", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(command, env=env, cwd=str(tmp))  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {proc.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("uvicorn did not start within 60 s")


# --- a minimal keep-alive HTTP/1.1 client --------------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


def requests_for(name: str, dossiers: list[tuple[str, str]], port: int):
    host = f"Host: {HOST}:{port}\r\n"
    if name == "healthz":
        raw = f"GET /healthz HTTP/1.1\r\n{host}\r\n".encode()
        return itertools.repeat(raw)
    if name == "lookup_blank":
        return itertools.repeat(f"GET /tra-cuu/ HTTP/1.1\r\n{host}\r\n".encode())
    out = []
    for code, secret in dossiers:
        if name == "lookup_api":
            body = json.dumps({"code": code, "secret": secret}).encode()
            out.append(
                (
                    f"POST /api/v1/dossiers/lookup HTTP/1.1\r\n{host}"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                ).encode()
                + body
            )
        else:
            out.append(f"GET /tra-cuu/?ma={code}&mtc={secret} HTTP/1.1\r\n{host}\r\n".encode())
    return itertools.cycle(out)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the server process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def load(port: int, requests, concurrency: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while time.perf_counter() < stop:
                raw = next(requests)
                started = time.perf_counter()
                writer.write(raw)
                status = await read_response(reader)
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="chinhquyen-bench-lookup-"))
    dossiers = prepare(tmp)
    from django.db import connection

    vendor = connection.vendor
    port = free_port()
    server = start_server(tmp, port)
    names = ("healthz", "lookup_api", "lookup_blank", "lookup_page")
    rounds: dict[str, list[dict]] = {name: [] for name in names}
    try:
        for name in names:  # warm-up: imports, template loading, connection pool
            asyncio.run(load(port, requests_for(name, dossiers, port), args.concurrency, 1.0))
        for _ in range(args.rounds):
            for name in names:
                cpu = cpu_seconds(server.pid)
                result = asyncio.run(
                    load(port, requests_for(name, dossiers, port), args.concurrency, args.seconds)
                )
                spent = cpu_seconds(server.pid) - cpu
                result["cpu_ms"] = spent * 1000 / max(result["requests"], 1)
                rounds[name].append(result)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()

    summary = {}
    for name in names:
        summary[name] = {
            "rps": round(statistics.median(r["rps"] for r in rounds[name]), 1),
            "p50_ms": round(statistics.median(r["p50_ms"] for r in rounds[name]), 2),
            "p99_ms": round(statistics.median(r["p99_ms"] for r in rounds[name]), 2),
            "server_cpu_ms_per_request": round(
                statistics.median(r["cpu_ms"] for r in rounds[name]), 3
            ),
            "requests": sum(r["requests"] for r in rounds[name]),
            "errors": sum(r["errors"] for r in rounds[name]),
        }
    bare = summary["healthz"]["rps"]
    # Per round, each lookup against the healthz run just before it (the load of the shared
    # machine drifts between rounds); the median of those ratios.
    pairs = {"lookup_api": "healthz", "lookup_page": "lookup_blank"}
    paired = {
        name: round(
            statistics.median(
                lookup["rps"] / base["rps"]
                for lookup, base in zip(rounds[name], rounds[bare_name], strict=True)
            ),
            3,
        )
        for name, bare_name in pairs.items()
    }

    def cpu_ratio(name: str, bare_name: str) -> float:
        return round(
            summary[bare_name]["server_cpu_ms_per_request"]
            / summary[name]["server_cpu_ms_per_request"],
            3,
        )

    print(
        json.dumps(
            {
                "name": "dossiers_public_lookup",
                "database": vendor,
                "server": "uvicorn, 1 worker, DEBUG off",
                "concurrency": args.concurrency,
                "seconds_per_round": args.seconds,
                "rounds": args.rounds,
                **summary,
                # API lookup / healthz; HTML lookup / the same page without a lookup.
                "ratio_api": round(summary["lookup_api"]["rps"] / bare, 3) if bare else None,
                "ratio_page": round(
                    summary["lookup_page"]["rps"] / summary["lookup_blank"]["rps"], 3
                ),
                "ratio_page_vs_healthz": round(summary["lookup_page"]["rps"] / bare, 3),
                "ratio_api_paired": paired["lookup_api"],
                "ratio_page_paired": paired["lookup_page"],
                # Capacity from the server's own CPU time per request: less sensitive to other
                # processes on the machine than throughput.
                "cpu_ratio_api": cpu_ratio("lookup_api", "healthz"),
                "cpu_ratio_page": cpu_ratio("lookup_page", "lookup_blank"),
                "target_ratio": 0.70,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
