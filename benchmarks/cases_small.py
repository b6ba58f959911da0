"""Small queries: the round-trip cost of many tiny queries on one connection, as dashboards and BI
tools (Superset) issue them.

Each ``small_*`` function is a report case (see ``benchmarks.cases``): it connects, runs ``warmup``
untimed queries, then runs the query ``sql`` ``queries`` times one after the other, each read to its
end, and times every one (``time.perf_counter``) plus the loop's process CPU time. Every query must
return ``expected_rows`` rows. Params: ``url``, ``base_url``, ``dsn``, ``sql``, ``queries``,
``warmup``, ``expected_rows``.

- ``ours``: ``cursor.execute(sql)`` + ``cursor.fetchall()`` on one ``timeplus_dbapi`` cursor.
- ``ours_sqlalchemy``: ``conn.execute(sa.text(sql)).fetchall()`` on one SQLAlchemy ``Connection``.
- ``sdk``: the original SDK's ``timeplus.dbapi`` cursor, ``execute`` + ``fetchall``; it posts
  ``/sqlanalyze`` before every query, measured as it is.
- ``raw``: a ``requests.Session`` posting the query and reading the SSE body to its end, the data
  events decoded with ``json.loads`` and nothing else (values stay as sent).

The server-side counts (connections accepted, requests per endpoint) are taken by the orchestrator
around the whole case process, so they include connecting and the warm-up queries.
"""

from __future__ import annotations

import gc
import json
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

from benchmarks.cases_fetch import sdk_connection
from benchmarks.cases_stream import _percentile, _sse_data_events

Params = Mapping[str, Any]
OneQuery = Callable[[], int]


def measure_queries(run_one: OneQuery, params: Params) -> dict[str, Any]:
    """Run ``run_one`` (one query, returns its row count) ``warmup`` + ``queries`` times; time the
    latter one by one."""
    queries, warmup = int(params["queries"]), int(params.get("warmup", 0))
    expected = int(params["expected_rows"])
    for _ in range(warmup):
        _check_rows(run_one(), expected)
    gc.collect()
    seconds: list[float] = []
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for _ in range(queries):
        started = time.perf_counter()
        rows = run_one()
        seconds.append(time.perf_counter() - started)
        _check_rows(rows, expected)
    wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    ms = sorted(value * 1000 for value in seconds)
    return {"queries": queries, "warmup_queries": warmup, "rows_per_query": expected,
            "wall_s": wall, "cpu_s": cpu, "median_ms": statistics.median(ms),
            "p90_ms": _percentile(ms, 0.9), "p99_ms": _percentile(ms, 0.99), "min_ms": ms[0],
            "max_ms": ms[-1], "mean_ms": wall / queries * 1000,
            "cpu_us_per_query": cpu / queries * 1e6}


def _check_rows(rows: int, expected: int) -> None:
    if rows != expected:
        raise RuntimeError(f"small query returned {rows} rows, expected {expected}")


def small_ours(params: Params) -> dict[str, Any]:
    import timeplus_dbapi

    connection = timeplus_dbapi.connect(params["dsn"])
    cursor = connection.cursor()
    sql = params["sql"]

    def run_one() -> int:
        cursor.execute(sql)
        return len(cursor.fetchall())

    try:
        return measure_queries(run_one, params)
    finally:
        cursor.close()
        connection.close()


def small_ours_sqlalchemy(params: Params) -> dict[str, Any]:
    import sqlalchemy as sa

    engine = sa.create_engine(params["dsn"])
    sql = params["sql"]
    try:
        with engine.connect() as connection:

            def run_one() -> int:
                return len(connection.execute(sa.text(sql)).fetchall())

            return measure_queries(run_one, params)
    finally:
        engine.dispose()


def small_sdk(params: Params) -> dict[str, Any]:
    connection = sdk_connection(params["url"])
    cursor = connection.cursor()
    sql = params["sql"]

    def run_one() -> int:
        cursor.execute(sql)
        return len(cursor.fetchall())

    return measure_queries(run_one, params)


def small_raw(params: Params) -> dict[str, Any]:
    import requests

    session = requests.Session()
    url = f"{params['base_url']}/v1beta2/queries"
    body = {"sql": params["sql"]}
    headers = {"Accept": "text/event-stream"}

    def run_one() -> int:
        response = session.post(url, json=body, headers=headers)
        response.raise_for_status()
        return sum(len(json.loads(data)) for data in _sse_data_events(iter((response.content,))))

    try:
        return measure_queries(run_one, params)
    finally:
        session.close()
