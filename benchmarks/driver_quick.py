"""Quick driver throughput check: executemany rows/s and historical fetch rows/s.

    python benchmarks/driver_quick.py [--rows 1000000] [DSN]     (default: embedded emulator)

Stream columns: int64, float64, string, datetime64(3, 'UTC'). Also reports a baseline that reads
the same query's SSE bytes and json-decodes each event: it does no value conversion (int64 stays
a quoted string, datetimes stay text), which the driver does for every row. Run the emulator in
its own process (``python -m timeplus_emulator --port 8000`` and pass its DSN) for figures not
skewed by sharing the GIL with the server.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import time
import uuid
from collections.abc import Iterator

import requests

import timeplus_dbapi
from timeplus_dbapi.protocol.jsoncodec import loads_fast


@contextlib.contextmanager
def server_dsn(given: str | None) -> Iterator[str]:
    if given:
        yield given
        return
    from timeplus_emulator import run_emulator

    with run_emulator() as server:
        yield server.dsn


def rows(count: int) -> Iterator[tuple[int, float, str, datetime.datetime]]:
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    step = datetime.timedelta(milliseconds=1)
    for i in range(count):
        yield (i, i * 0.5, f"name-{i % 1000}", start + i * step)


def bench_insert(conn: timeplus_dbapi.Connection, name: str, count: int) -> float:
    cur = conn.cursor()
    began = time.perf_counter()
    cur.executemany(f"INSERT INTO {name} (i, f, s, t) VALUES (%s, %s, %s, %s)", rows(count))
    elapsed = time.perf_counter() - began
    assert cur.rowcount == count, cur.rowcount
    return count / elapsed


def bench_fetch(conn: timeplus_dbapi.Connection, name: str, count: int) -> float:
    cur = conn.cursor()
    began = time.perf_counter()
    cur.execute(f"SELECT i, f, s, t FROM table({name})")
    got = 0
    while batch := cur.fetchmany(10_000):
        got += len(batch)
    elapsed = time.perf_counter() - began
    assert got == count, got
    return count / elapsed


def bench_raw(conn: timeplus_dbapi.Connection, name: str, count: int) -> float:
    """Baseline: POST the query, split SSE lines, one JSON decode per data event."""
    params = conn.params
    headers = dict(conn.client.transport.session.headers)
    began = time.perf_counter()
    response = requests.post(
        f"{params.base_url}/v1beta2/queries",
        json={"sql": f"SELECT i, f, s, t FROM table({name})"},
        headers=headers,
        stream=True,
        timeout=600,
    )
    got = 0
    for line in response.iter_lines(chunk_size=65536):
        if line.startswith(b"data: ["):
            got += len(loads_fast(line[6:]))
    elapsed = time.perf_counter() - began
    assert got == count, got
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dsn", nargs="?", default=os.environ.get("TIMEPLUS_URL"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with server_dsn(args.dsn) as dsn, timeplus_dbapi.connect(dsn) as conn:
        name = f"bench_{uuid.uuid4().hex[:8]}"
        conn.client.create_stream(
            name, [("i", "int64"), ("f", "float64"), ("s", "string"), ("t", "datetime64(3, 'UTC')")]
        )
        try:
            results = {
                "executemany_rows_per_s": bench_insert(conn, name, args.rows),
                "fetch_rows_per_s": bench_fetch(conn, name, args.rows),
                "raw_sse_json_rows_per_s": bench_raw(conn, name, args.rows),
            }
        finally:
            conn.client.delete_stream(name, if_exists=True)
    print(json.dumps({"rows": args.rows, **{k: round(v) for k, v in results.items()}}))


if __name__ == "__main__":
    main()
