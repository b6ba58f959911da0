"""Emulator throughput: startup time, ingest rows/s, SSE rows/s of a large historical query.

    python benchmarks/emulator_throughput.py [--ingest-rows 100000] [--query-rows 1000000]

Everything goes over HTTP to an in-process emulator (plain ``requests``, no driver), so the
numbers include JSON encoding on the client, HTTP, the server and chDB. Best of
``--repeat`` runs is reported.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
from typing import Any, Optional

import requests

from timeplus_emulator import run_emulator
from timeplus_emulator.server import EmulatorServer


def measure_startup(repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        with run_emulator() as server:
            requests.get(server.base_url + "/info", timeout=5).raise_for_status()
            best = min(best, time.perf_counter() - started)
    return best


def _sql(base: str, sql: str) -> None:
    response = requests.post(base + "/queries", json={"sql": sql}, timeout=60)
    response.raise_for_status()
    _ = response.content


def measure_ingest(server: EmulatorServer, rows: int, repeat: int) -> float:
    """Rows/s for one compact-JSON ingest request of ``rows`` rows (body prepared up front)."""
    base = server.base_url + "/v1beta2"
    best = 0.0
    for attempt in range(repeat):
        name = f"bench_ingest_{attempt}"
        _sql(base, f"CREATE STREAM {name} (i int64, s string, f float64, t datetime64(3))")
        body = json.dumps({"columns": ["i", "s", "f", "t"], "data": [
            [i, f"row-{i}", i * 0.5, "2024-01-01 00:00:00.000"] for i in range(rows)]})
        started = time.perf_counter()
        response = requests.post(f"{base}/streams/{name}/ingest", data=body, timeout=120,
                                 headers={"Content-Type": "application/json"})
        elapsed = time.perf_counter() - started
        response.raise_for_status()
        best = max(best, rows / elapsed)
    return best


def load_query_stream(server: EmulatorServer, rows: int) -> None:
    """Create ``bench_query`` with ``rows`` rows (ingested 100k at a time)."""
    base = server.base_url + "/v1beta2"
    _sql(base, "CREATE STREAM bench_query (i int64, s string)")
    chunk = 100_000
    for start in range(0, rows, chunk):
        data = [[i, f"row-{i}"] for i in range(start, min(rows, start + chunk))]
        requests.post(f"{base}/streams/bench_query/ingest", timeout=120,
                      json={"columns": ["i", "s"], "data": data}).raise_for_status()


def measure_sse(server: EmulatorServer, repeat: int, batch: Optional[int]) -> tuple[float, int]:
    """Rows/s reading ``SELECT * FROM table(bench_query)`` over SSE (rows decoded)."""
    base = server.base_url + "/v1beta2"
    body: dict[str, Any] = {"sql": "SELECT * FROM table(bench_query)"}
    if batch:
        body["batching_policy"] = {"count": batch}
    best, seen = 0.0, 0
    for _ in range(repeat):
        started = time.perf_counter()
        seen = _read_rows(requests.post(base + "/queries", json=body, stream=True, timeout=120))
        best = max(best, seen / (time.perf_counter() - started))
    return best, seen


def _read_rows(response: requests.Response) -> int:
    response.raise_for_status()
    count = 0
    named = False
    for line in response.iter_lines(chunk_size=1 << 16):
        if line.startswith(b"event:"):
            named = True
        elif line.startswith(b"data:") and not named:
            count += len(json.loads(line[5:]))
        elif not line:
            named = False
    return count


def measure_cli_startup() -> float:
    """Seconds from spawning ``python -m timeplus_emulator`` to its first answered request."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "timeplus_emulator", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/default/api/info", timeout=1)
                return time.perf_counter() - started
            except requests.ConnectionError:
                time.sleep(0.01)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ingest-rows", type=int, default=100_000)
    parser.add_argument("--query-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"startup, CLI process to first answer: {measure_cli_startup() * 1000:.0f} ms")
    print(f"startup, run_emulator() in a warm process: "
          f"{measure_startup(args.repeat) * 1000:.0f} ms (best of {args.repeat})")
    with run_emulator() as server:
        ingest = measure_ingest(server, args.ingest_rows, args.repeat)
        print(f"ingest: {ingest:,.0f} rows/s ({args.ingest_rows:,} rows, compact JSON, 4 cols)")
        load_query_stream(server, args.query_rows)
        for batch in (None, 10_000):
            rate, rows = measure_sse(server, args.repeat, batch)
            label = "default 100 rows/event" if batch is None else f"{batch} rows/event"
            print(f"SSE historical: {rate:,.0f} rows/s ({rows:,} rows, 2 cols, {label})")


if __name__ == "__main__":
    main()
