"""The asyncio driver against the sync one, in the same run: fetching a 1M-row historical
query (row by row, and ``fetchmany(10000)``), and ``executemany`` ingest of 200k rows, each
case alternating sync and async so load changes hit both alike. Reports wall and client-CPU
times (median and best of ``--repeat``), the async/sync ratios (target: at most 1.2) and the
load average before and after.

    python -m benchmarks.async_driver [--rows 1000000] [--ingest-rows 200000] [--repeat 3]
        [--url http://host:port] [--json benchmarks/results/async_driver.json]

Without ``--url`` a local emulator is started in a child process (its CPU is not counted).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any, Callable
from urllib.request import urlopen

import timeplus_dbapi
from timeplus_dbapi import aio

_SQL = "SELECT number, to_string(number) AS s, number * 0.5 AS f FROM numbers({rows})"
Timing = tuple[float, float]  # (wall seconds, client CPU seconds)


@contextmanager
def local_emulator() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = subprocess.Popen(
        [sys.executable, "-m", "timeplus_emulator", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urlopen(f"{url}/default/api/info", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        child.terminate()
        child.wait(10)


def timed(run: Callable[[], int]) -> tuple[Timing, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    count = run()
    return (time.perf_counter() - wall, time.process_time() - cpu), count


def sync_fetch(dsn: str, sql: str) -> int:
    with timeplus_dbapi.connect(dsn) as conn:
        cur = conn.cursor()
        cur.execute(sql, query_mode="table")
        return len([row for row in cur])


def async_fetch(dsn: str, sql: str, many: bool = False) -> int:
    """``async for`` over the rows, or (``many``) ``fetchmany(10000)`` until the end."""
    async def main() -> int:
        async with await aio.connect(dsn) as conn:
            cur = conn.cursor()
            await cur.execute(sql, query_mode="table")
            if many:
                return sum([len(rows) async for rows in _batches(cur)])
            return len([row async for row in cur])

    return asyncio.run(main())


async def _batches(cur: aio.AsyncCursor) -> AsyncIterator[list[Any]]:
    while rows := await cur.fetchmany(10_000):
        yield rows


def sync_fetchmany(dsn: str, sql: str) -> int:
    with timeplus_dbapi.connect(dsn) as conn:
        cur = conn.cursor()
        cur.execute(sql, query_mode="table")
        return sum(len(rows) for rows in iter(lambda: cur.fetchmany(10_000), []))


def sync_ingest(dsn: str, stream: str, rows: list[tuple[Any, ...]]) -> int:
    with timeplus_dbapi.connect(dsn) as conn:
        cur = conn.cursor()
        cur.executemany(f"INSERT INTO {stream} (n, s, f) VALUES (%s, %s, %s)", rows)
        return cur.rowcount


def async_ingest(dsn: str, stream: str, rows: list[tuple[Any, ...]]) -> int:
    async def main() -> int:
        async with await aio.connect(dsn) as conn:
            cur = conn.cursor()
            await cur.executemany(f"INSERT INTO {stream} (n, s, f) VALUES (%s, %s, %s)", rows)
            return cur.rowcount

    return asyncio.run(main())


def summary(timings: list[Timing]) -> dict[str, float]:
    walls, cpus = [t[0] for t in timings], [t[1] for t in timings]
    return {
        "wall_median": statistics.median(walls), "wall_best": min(walls),
        "cpu_median": statistics.median(cpus), "cpu_best": min(cpus),
    }


def compare(name: str, sync: Callable[[], int], other: Callable[[], int], repeat: int,
            expected: int) -> dict[str, Any]:
    results: dict[str, list[Timing]] = {"sync": [], "async": []}
    for _ in range(repeat):
        for label, run in (("sync", sync), ("async", other)):
            timing, count = timed(run)
            if count != expected:
                raise RuntimeError(f"{name} {label}: {count} rows, expected {expected}")
            results[label].append(timing)
    sync_s, async_s = summary(results["sync"]), summary(results["async"])
    ratios = {key: async_s[key] / sync_s[key] for key in sync_s if sync_s[key] > 0}
    return {"case": name, "rows": expected, "sync": sync_s, "async": async_s, "ratio": ratios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--ingest-rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--url", default="")
    parser.add_argument("--json", default="")
    options = parser.parse_args()
    with (local_emulator() if not options.url else _given(options.url)) as url:
        dsn = f"{url}/default"
        load_before = os.getloadavg()
        sql = _SQL.format(rows=options.rows)
        cases = [
            compare("fetch (for / async for)", lambda: sync_fetch(dsn, sql),
                    lambda: async_fetch(dsn, sql), options.repeat, options.rows),
            compare("fetch (fetchmany(10000))", lambda: sync_fetchmany(dsn, sql),
                    lambda: async_fetch(dsn, sql, many=True), options.repeat, options.rows),
        ]
        stream = f"bench_{uuid.uuid4().hex[:8]}"
        with timeplus_dbapi.connect(dsn) as conn:
            conn.client.create_stream(stream, [("n", "int64"), ("s", "string"), ("f", "float64")])
        rows = [(i, f"value {i}", i * 0.25) for i in range(options.ingest_rows)]
        try:
            cases.append(compare("executemany", lambda: sync_ingest(dsn, stream, rows),
                                 lambda: async_ingest(dsn, stream, rows), options.repeat,
                                 options.ingest_rows))
        finally:
            with timeplus_dbapi.connect(dsn) as conn:
                conn.client.delete_stream(stream, if_exists=True)
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        report = {"load_before": load_before, "load_after": os.getloadavg(),
                  "cpus": os.cpu_count(), "when": when, "cases": cases}
    print(json.dumps(report, indent=2))
    if options.json:
        with open(options.json, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=2)


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url.rstrip("/")


if __name__ == "__main__":
    main()
