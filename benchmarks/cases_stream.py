"""Streaming workloads that measure themselves: memory while iterating, and end-to-end latency.

Memory (``memory_ours``): iterate ``expected_rows`` rows of a query and sample RSS every
``sample_every`` rows; growth is measured from after the first row arrived (imports, connection and
the first batch are the baseline), so it is what iterating costs.

Latency (``latency_*``): a streaming query (``batching_policy`` 1 row / 10 ms) is open; a writer
thread ingests one row at a time with ``requests`` and notes when each ingest call returned; the
reader notes when each row came out of its fetch call. Latency = row out - ingest returned
(``p50_ms``...); also reported from the moment the ingest call started (``from_send_p50_ms``...) and
the ingest call's own duration (``ingest_call_p50_ms``...), because a server may deliver the row to
the query before the ingest response reaches the writer (the latency is then negative). The same
workload with a raw reader (``requests`` + SSE split + ``json``) gives the part that is not the
driver's.
"""

from __future__ import annotations

import gc
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from benchmarks.dataset import COLUMN_NAMES, make_row, wire_row

Params = Mapping[str, Any]
_LATENCY_ID_BASE = 10**12
_WARMUP_ROWS = 3


def _rss_mb() -> float:
    from benchmarks.cases import rss_mb

    return rss_mb()


def memory_ours(params: Params) -> dict[str, Any]:
    import timeplus_dbapi

    connection = timeplus_dbapi.connect(params["dsn"])
    cursor = connection.cursor()
    every = int(params.get("sample_every", 100_000))
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    cursor.execute(params["sql"])
    rows = 1 if cursor.fetchone() is not None else 0
    gc.collect()
    baseline = peak = _rss_mb()
    for _row in cursor:
        rows += 1
        if rows % every == 0:
            peak = max(peak, _rss_mb())
    peak = max(peak, _rss_mb())
    wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    cursor.close()
    connection.close()
    if rows != params["expected_rows"]:
        raise RuntimeError(f"memory: iterated {rows} rows, expected {params['expected_rows']}")
    return {"rows": rows, "rss_baseline_mb": baseline, "rss_peak_mb": peak,
            "rss_growth_mb": peak - baseline, "wall_s": wall, "cpu_s": cpu,
            "rows_per_s": rows / wall}


def memory_ours_record_batch(params: Params) -> dict[str, Any]:
    """Like ``memory_ours``, through ``cursor.fetch_record_batch`` (Arrow batches of 100k rows);
    RSS sampled after every batch, from after the first one."""
    import timeplus_dbapi

    connection = timeplus_dbapi.connect(params["dsn"])
    cursor = connection.cursor()
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    cursor.execute(params["sql"])
    reader = cursor.fetch_record_batch(rows_per_batch=int(params.get("sample_every", 100_000)))
    rows = reader.read_next_batch().num_rows
    gc.collect()
    baseline = peak = _rss_mb()
    for batch in reader:
        rows += batch.num_rows
        peak = max(peak, _rss_mb())
    wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    cursor.close()
    connection.close()
    if rows != params["expected_rows"]:
        raise RuntimeError(f"memory: read {rows} rows, expected {params['expected_rows']}")
    return {"rows": rows, "rss_baseline_mb": baseline, "rss_peak_mb": peak,
            "rss_growth_mb": peak - baseline, "wall_s": wall, "cpu_s": cpu,
            "rows_per_s": rows / wall}


def _percentile(sorted_values: Sequence[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


class _Writer(threading.Thread):
    """Ingest rows one request at a time; remember when each request returned."""

    def __init__(self, params: Params, ids: Sequence[int]) -> None:
        super().__init__(daemon=True)
        import requests

        self.session = requests.Session()
        self.url = f"{params['base_url']}/v1beta2/streams/{params['stream']}/ingest"
        self.gap = float(params.get("gap_ms", 20)) / 1000
        self.ids = ids
        self.sent: dict[int, float] = {}
        self.returned: dict[int, float] = {}
        self.error: BaseException | None = None

    def post(self, row_id: int) -> None:
        body = {"columns": list(COLUMN_NAMES), "data": [wire_row(make_row(row_id))]}
        self.sent[row_id] = time.perf_counter()
        self.session.post(self.url, json=body).raise_for_status()
        self.returned[row_id] = time.perf_counter()

    def run(self) -> None:
        try:
            for row_id in self.ids:
                self.post(row_id)
                time.sleep(self.gap)
        except BaseException as exc:  # surfaced by the reader
            self.error = exc


def _measure_latency(params: Params, row_ids: Iterator[int]) -> dict[str, Any]:
    """Drive the writer and consume ``row_ids`` (the reader's ids, in arrival order)."""
    samples = int(params["samples"])
    warmup = [_LATENCY_ID_BASE + k for k in range(_WARMUP_ROWS)]
    measured = [_LATENCY_ID_BASE + _WARMUP_ROWS + k for k in range(samples)]
    writer = _Writer(params, measured)
    arrived: dict[int, float] = {}
    for row_id in warmup:  # the query is open and delivering before anything is timed
        writer.post(row_id)
        while next(row_ids) != row_id:
            pass
    writer.start()
    for row_id in row_ids:
        arrived[row_id] = time.perf_counter()
        if len(arrived) >= samples or writer.error is not None:
            break
    writer.join(timeout=10)
    if writer.error is not None:
        raise RuntimeError(f"latency writer failed: {writer.error}")
    missing = [k for k in measured if k not in arrived]
    if missing:
        raise RuntimeError(f"latency: {len(missing)} of {samples} rows never arrived")
    result = _summary(sorted((arrived[k] - writer.returned[k]) * 1000 for k in measured), "")
    result.update(_summary(sorted((arrived[k] - writer.sent[k]) * 1000 for k in measured),
                           "from_send_"))
    result.update(_summary(sorted((writer.returned[k] - writer.sent[k]) * 1000 for k in measured),
                           "ingest_call_"))
    result["samples"] = samples
    return result


def _summary(latencies: Sequence[float], prefix: str) -> dict[str, float]:
    """p50/p90/p99/min/max of sorted milliseconds, keys prefixed with ``prefix``."""
    return {f"{prefix}p50_ms": _percentile(latencies, 0.5),
            f"{prefix}p90_ms": _percentile(latencies, 0.9),
            f"{prefix}p99_ms": _percentile(latencies, 0.99),
            f"{prefix}min_ms": latencies[0], f"{prefix}max_ms": latencies[-1]}


def _latency_sql(params: Params) -> str:
    return f"SELECT i FROM {params['stream']} WHERE i >= {_LATENCY_ID_BASE}"


def latency_ours(params: Params) -> dict[str, Any]:
    import timeplus_dbapi

    connection = timeplus_dbapi.connect(params["dsn"])
    cursor = connection.cursor()
    cursor.execute(_latency_sql(params), batching_policy={"count": 1, "time_ms": 10})

    def row_ids() -> Iterator[int]:
        while True:
            row = cursor.fetchone()
            if row is None:
                raise RuntimeError("streaming cursor ended")
            yield int(row[0])

    try:
        return _measure_latency(params, row_ids())
    finally:
        cursor.close()
        connection.close()


def _sse_data_events(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Minimal SSE framing: yield the data of unnamed events as soon as their blank line arrives."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        while b"\n\n" in buffer:
            event, buffer = buffer.split(b"\n\n", 1)
            if not event.startswith(b"event:"):
                yield b"".join(line[5:] for line in event.split(b"\n") if line.startswith(b"data:"))


def latency_raw(params: Params) -> dict[str, Any]:
    import requests

    body = {"sql": _latency_sql(params), "batching_policy": {"count": 1, "time_ms": 10}}
    response = requests.post(f"{params['base_url']}/v1beta2/queries", json=body, stream=True,
                              headers={"Accept": "text/event-stream"})
    response.raise_for_status()

    def row_ids() -> Iterator[int]:
        for data in _sse_data_events(response.iter_content(chunk_size=None)):
            for row in json.loads(data):
                yield int(row[0])

    try:
        return _measure_latency(params, row_ids())
    finally:
        response.close()


def latency_sdk(params: Params) -> dict[str, Any]:
    from timeplus import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
        Environment,
        Query,
    )

    from benchmarks.cases_fetch import SDK_API_KEY

    env = Environment().address(params["url"]).workspace("default").apikey(SDK_API_KEY)
    query = Query(env=env).sql(query=_latency_sql(params)).batching_policy(1, 10).create()
    events: Callable[[], Iterator[Any]] = query.result

    def row_ids() -> Iterator[int]:
        for event in events():
            if event.event == "message":
                for row in json.loads(event.data):
                    yield int(row[0])

    try:
        return _measure_latency(params, row_ids())
    finally:
        query.cancel()
