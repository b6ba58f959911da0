"""Soak test on loopback: concurrent streaming cursors and ingest writers against one stream.

Every writer tags its rows with ``(writer id, sequence, send time)`` and ends with a sentinel
row (sequence -1); every cursor runs ``SELECT writer, seq, sent_at FROM <stream>`` (a streaming
query) and stops after it has seen every writer's sentinel. The run then checks that every
ingested row reached every cursor exactly once and in order per writer, and that after closing
nothing leaked: threads, file descriptors (sockets) of this process, and running queries on the
server (``GET /queries``). It reports ingest rows/s, delivered rows/s and delivery latency.

    python scripts/soak.py                          # 32 cursors, 4 writers, 60 s (issue 8 size)
    python scripts/soak.py --cursors 8 --writers 2 --duration 5
    python scripts/soak.py --dsn timeplus://host:8000/default   # an already running server

Without ``--dsn`` an emulator is started as a child process on a free loopback port. The test
``tests/reliability/test_soak.py`` runs the CI size (5 s, 8 cursors, 2 writers) through
:func:`run_soak`. Exit status: 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

import requests

import timeplus_dbapi
from timeplus_dbapi.dsn import resolve_params

SENTINEL = -1
SETTLE_S = 5.0


@dataclass(frozen=True)
class SoakConfig:
    """What to run: sizes, pacing and limits."""

    cursors: int = 32
    writers: int = 4
    duration_s: float = 60.0
    batch_rows: int = 50
    rate_rows_s: float = 250.0  # per writer; 0 = as fast as possible
    idle_timeout_s: float = 20.0  # a cursor that sees nothing for this long gives up
    batching_policy: dict[str, int] = field(default_factory=lambda: {"count": 200,
                                                                     "time_ms": 50})


@dataclass
class CursorLog:
    """What one cursor received."""

    seqs: dict[int, list[int]] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    sentinels: int = 0
    error: Optional[str] = None


@dataclass
class SoakResult:
    """Figures and checks of one run; ``ok`` when every check passed."""

    config: dict[str, Any]
    rows_ingested: int = 0
    ingest_requests: int = 0
    rows_delivered: int = 0
    elapsed_s: float = 0.0
    ingest_rows_per_s: float = 0.0
    delivered_rows_per_s: float = 0.0
    latency_p50_ms: float = 0.0
    latency_p99_ms: float = 0.0
    latency_max_ms: float = 0.0
    missing: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    errors: list[str] = field(default_factory=list)
    leaked_threads: int = 0
    leaked_fds: int = 0
    running_queries_after: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.duplicates or self.out_of_order or self.errors
                    or self.leaked_threads or self.leaked_fds or self.running_queries_after)


# --- the moving parts ------------------------------------------------------------------------


class Arrivals:
    """Counts readers whose query started (or failed to); the writers wait for all of them."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.count = 0
        self.condition = threading.Condition()

    def arrive(self) -> None:
        with self.condition:
            self.count += 1
            self.condition.notify_all()

    def wait_all(self, timeout: float) -> bool:
        with self.condition:
            return self.condition.wait_for(lambda: self.count >= self.expected, timeout)


def _reader(dsn: str, stream: str, config: SoakConfig, ready: Arrivals, log: CursorLog) -> None:
    """One streaming cursor on its own connection; stops after all writers' sentinels."""
    arrived = False
    try:
        with timeplus_dbapi.connect(dsn, timeout=30) as connection:
            cursor = connection.cursor()
            cursor.execute(f"SELECT writer, seq, sent_at FROM {stream}",
                           batching_policy=config.batching_policy,
                           idle_timeout=config.idle_timeout_s)
            arrived = True
            ready.arrive()
            for writer, seq, sent_at in cursor:
                log.latencies.append(time.time() - sent_at)
                if seq == SENTINEL:
                    log.sentinels += 1
                    if log.sentinels == config.writers:
                        break
                else:
                    log.seqs.setdefault(writer, []).append(seq)
            cursor.close()
    except Exception as exc:  # recorded and reported, never swallowed
        log.error = f"{type(exc).__name__}: {exc}"
        if not arrived:
            ready.arrive()  # counted as arrived: the writers must not wait for it


def _writer(dsn: str, stream: str, config: SoakConfig, writer_id: int, deadline: float,
            counts: list[int]) -> None:
    """Ingest tagged rows in batches until the deadline, then the sentinel row."""
    pause = config.batch_rows / config.rate_rows_s if config.rate_rows_s > 0 else 0.0
    seq = 0
    with timeplus_dbapi.connect(dsn, timeout=30) as connection:
        client = connection.client
        next_send = time.monotonic()
        while time.monotonic() < deadline:
            rows = [[writer_id, seq + i, time.time()] for i in range(config.batch_rows)]
            seq += client.ingest(stream, ["writer", "seq", "sent_at"], rows)
            counts[0] += 1
            next_send += pause
            time.sleep(max(0.0, next_send - time.monotonic()))
        client.ingest(stream, ["writer", "seq", "sent_at"], [[writer_id, SENTINEL, time.time()]])
    counts[1] = seq


def _check_delivery(logs: list[CursorLog], sent: list[int], result: SoakResult) -> None:
    """Exactly once, in order per writer, for every cursor."""
    for index, log in enumerate(logs):
        if log.error:
            result.errors.append(f"cursor {index}: {log.error}")
        for writer, total in enumerate(sent):
            got = log.seqs.get(writer, [])
            result.rows_delivered += len(got)
            unique = set(got)
            result.duplicates += len(got) - len(unique)
            result.missing += len(set(range(total)) - unique)
            result.out_of_order += sum(1 for a, b in zip(got, got[1:]) if b <= a)


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# --- leak accounting -------------------------------------------------------------------------


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _settle(baseline_threads: int, baseline_fds: int) -> tuple[int, int]:
    """Threads and fds above the baseline, after giving closers up to SETTLE_S to finish."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        extra = (threading.active_count() - baseline_threads, _open_fds() - baseline_fds)
        if (extra[0] <= 0 and extra[1] <= 0) or time.monotonic() > deadline:
            return max(0, extra[0]), max(0, extra[1])
        time.sleep(0.1)


def _running_queries(dsn: str, stream: str) -> int:
    """Queries on ``stream`` the server still lists as running (plain HTTP, not the driver)."""
    params = resolve_params(dsn, {})
    auth = (params.user or "", params.password or "") if params.user or params.password else None
    headers = {"X-Api-Key": params.api_key} if params.api_key else {}
    url = params.base_url + "/v1beta2/queries"
    deadline = time.monotonic() + SETTLE_S
    while True:
        listed = requests.get(url, auth=auth, headers=headers, verify=params.verify,
                              timeout=10).json()
        running = [q for q in listed if q.get("status") == "running" and stream in q["sql"]]
        if not running or time.monotonic() > deadline:
            return len(running)
        time.sleep(0.1)


# --- orchestration ---------------------------------------------------------------------------


def _start_readers(dsn: str, stream: str, config: SoakConfig,
                   logs: list[CursorLog]) -> list[threading.Thread]:
    ready = Arrivals(config.cursors)
    threads = [threading.Thread(target=_reader, args=(dsn, stream, config, ready, log),
                                name=f"soak-reader-{i}") for i, log in enumerate(logs)]
    for thread in threads:
        thread.start()
    ready.wait_all(timeout=60)  # every streaming query has its header before rows are sent
    return threads


def _run_writers(dsn: str, stream: str, config: SoakConfig) -> list[list[int]]:
    deadline = time.monotonic() + config.duration_s
    counts = [[0, 0] for _ in range(config.writers)]
    threads = [threading.Thread(target=_writer, args=(dsn, stream, config, i, deadline,
                                                      counts[i]), name=f"soak-writer-{i}")
               for i in range(config.writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


def run_soak(dsn: str, config: SoakConfig) -> SoakResult:
    """Run one soak against ``dsn``; see the module docstring for what is checked."""
    result = SoakResult(config=asdict(config))
    baseline_threads, baseline_fds = threading.active_count(), _open_fds()
    stream = f"soak_{uuid.uuid4().hex[:10]}"
    with timeplus_dbapi.connect(dsn, timeout=30) as admin:
        admin.client.create_stream(stream, [("writer", "int32"), ("seq", "int64"),
                                            ("sent_at", "float64")])
    logs = [CursorLog() for _ in range(config.cursors)]
    started = time.monotonic()
    readers = _start_readers(dsn, stream, config, logs)
    counts = _run_writers(dsn, stream, config)
    for thread in readers:
        thread.join(timeout=config.idle_timeout_s + 30)
    result.elapsed_s = time.monotonic() - started
    result.errors += [f"{t.name} did not finish" for t in readers if t.is_alive()]
    sent = [count[1] for count in counts]
    result.rows_ingested, result.ingest_requests = sum(sent), sum(c[0] for c in counts)
    _check_delivery(logs, sent, result)
    _summarise(result, logs, config)
    with timeplus_dbapi.connect(dsn, timeout=30) as admin:
        admin.client.delete_stream(stream, if_exists=True)
    result.running_queries_after = _running_queries(dsn, stream)
    result.leaked_threads, result.leaked_fds = _settle(baseline_threads, baseline_fds)
    return result


def _summarise(result: SoakResult, logs: list[CursorLog], config: SoakConfig) -> None:
    latencies = [x for log in logs for x in log.latencies]
    result.ingest_rows_per_s = round(result.rows_ingested / config.duration_s, 1)
    result.delivered_rows_per_s = round(result.rows_delivered / max(result.elapsed_s, 1e-9), 1)
    result.latency_p50_ms = round(_percentile(latencies, 0.50) * 1000, 2)
    result.latency_p99_ms = round(_percentile(latencies, 0.99) * 1000, 2)
    result.latency_max_ms = round(max(latencies, default=0.0) * 1000, 2)


# --- emulator in a child process and the CLI -------------------------------------------------


@contextmanager
def emulator_process() -> Iterator[str]:
    """``python -m timeplus_emulator`` on a free loopback port; yields its DSN."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "timeplus_emulator", "--port", str(port)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if "listening" not in line:
            raise RuntimeError(f"the emulator did not start: {line!r}")
        yield f"timeplus://127.0.0.1:{port}/default"
    finally:
        child.terminate()
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", help="a running server (default: start an emulator)")
    parser.add_argument("--cursors", type=int, default=32)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of ingest")
    parser.add_argument("--batch-rows", type=int, default=50)
    parser.add_argument("--rate", type=float, default=250.0, help="rows/s per writer; 0 = max")
    parser.add_argument("--json", help="also write the result to this file")
    args = parser.parse_args(argv)
    config = SoakConfig(cursors=args.cursors, writers=args.writers, duration_s=args.duration,
                        batch_rows=args.batch_rows, rate_rows_s=args.rate)
    if args.dsn:
        result = run_soak(args.dsn, config)
    else:
        with emulator_process() as dsn:
            result = run_soak(dsn, config)
    report = {**asdict(result), "ok": result.ok}
    print(json.dumps(report, indent=2))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=2)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
