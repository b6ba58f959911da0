"""Dozens of concurrent streaming queries plus ingest; cancel and disconnect leave no leaks."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Callable

import pytest
import requests

from timeplus_emulator import run_emulator
from timeplus_emulator.server import EmulatorServer

QUERIES = 24


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with run_emulator() as emulator:
        yield emulator


def _open_fds() -> int:
    """Descriptors, without chDB's per-worker-thread /proc/<pid>/task/<tid>/* stat files.

    chDB's thread pool keeps idle workers (each with three such files) after a busy period;
    that is bounded by the pool size and not ours to manage.
    """
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        count += "/task/" not in target
    return count


def _eventually(check: Callable[[], bool], timeout: float = 6.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def _first_rows(response: requests.Response) -> list[str]:
    """Read until the first data event; return its raw data line."""
    lines = response.iter_lines(chunk_size=None)
    event = None
    for line in lines:
        text = line.decode()
        if text.startswith("event:"):
            event = text[6:].strip()
        elif text.startswith("data:") and event is None:
            return [text]
        elif not text:
            event = None
    return []


def _round(server: EmulatorServer, stream: str) -> None:
    """Open QUERIES streaming queries, get a row on each, cancel half, drop the others."""
    base = server.base_url + "/v1beta2"
    control = requests.Session()
    assert control.post(base + "/queries", json={"sql": f"CREATE STREAM {stream} (a int32)"},
                        timeout=10).status_code == 200
    sql = f"SELECT a FROM {stream}"
    sessions = [requests.Session() for _ in range(QUERIES)]
    responses = [s.post(base + "/queries", json={"sql": sql, "batching_policy": {"time_ms": 20}},
                        stream=True, timeout=(5, 15)) for s in sessions]
    assert all(r.status_code == 200 for r in responses)
    ids = [q["id"] for q in control.get(base + "/queries", timeout=5).json()
           if q["status"] == "running"]
    assert len(ids) == QUERIES
    assert control.post(f"{base}/streams/{stream}/ingest", timeout=10,
                        json={"columns": ["a"], "data": [[7]]}).status_code == 200
    firsts = [_first_rows(r) for r in responses]
    assert all(f == ["data: [[7]]"] for f in firsts), firsts
    half = QUERIES // 2
    for query_id in ids[:half]:
        assert control.post(f"{base}/queries/{query_id}/cancel", timeout=5).status_code == 204
    for response, session in zip(responses, sessions):  # the second half just disconnects
        response.close()
        session.close()
    control.close()
    assert _eventually(lambda: server.registry.running() == 0), \
        [r.status for r in server.registry.list()]
    statuses = {r.status for r in server.registry.list() if r.sql == sql}
    assert statuses == {"canceled"}


def test_many_streaming_queries_cancel_and_disconnect(server: EmulatorServer) -> None:
    threads_before, fds_before = threading.active_count(), _open_fds()
    _round(server, "round1")
    assert _eventually(lambda: threading.active_count() <= threads_before), \
        (threading.active_count(), threads_before)
    _round(server, "round2")
    assert _eventually(lambda: threading.active_count() <= threads_before)
    assert _eventually(lambda: _open_fds() <= fds_before + 2), (_open_fds(), fds_before)


def test_ingest_while_queries_run(server: EmulatorServer) -> None:
    base = server.base_url + "/v1beta2"
    requests.post(base + "/queries", json={"sql": "CREATE STREAM busy (a int32)"}, timeout=10)
    readers = [requests.post(base + "/queries", stream=True, timeout=(5, 15), json={
        "sql": "SELECT a FROM busy LIMIT 500", "batching_policy": {"count": 50}})
        for _ in range(8)]
    errors: list[str] = []

    def ingest(start: int) -> None:
        with requests.Session() as session:
            for chunk in range(start, start + 250, 50):
                response = session.post(base + "/streams/busy/ingest", timeout=10, json={
                    "columns": ["a"], "data": [[i] for i in range(chunk, chunk + 50)]})
                if response.status_code != 200:
                    errors.append(response.text)

    writers = [threading.Thread(target=ingest, args=(k * 1000,)) for k in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert errors == []
    for response in readers:
        text = response.text
        assert text.rstrip().splitlines()[-1].startswith("data: {")
        assert '"status":"finished"' in text.rsplit("event: query", 1)[1]
        rows = sum(line.count("],[") + 1 for line in text.splitlines()
                   if line.startswith("data: [["))
        assert rows == 500


def test_stop_ends_streams_and_threads() -> None:
    threads_before = threading.active_count()
    emulator = EmulatorServer().start()
    base = emulator.base_url + "/v1beta2"
    idle = requests.Session()
    assert idle.get(base + "/streams", timeout=5).status_code == 200  # keep-alive, now idle
    idle.post(base + "/queries", json={"sql": "CREATE STREAM forever (a int32)"},
              timeout=5).raise_for_status()
    response = requests.post(base + "/queries", json={"sql": "SELECT a FROM forever"},
                             stream=True, timeout=(5, 15))
    lines = response.iter_lines(chunk_size=None)
    assert next(lines) == b"event: query"
    started = time.monotonic()
    emulator.stop()
    assert time.monotonic() - started < 5
    rest = b"\n".join(lines)
    assert b'"status":"canceled"' in rest
    response.close()
    idle.close()
    emulator.stop()  # idempotent
    assert _eventually(lambda: threading.active_count() <= threads_before), \
        (threading.active_count(), threads_before)
    with pytest.raises(requests.ConnectionError):
        requests.get(base + "/streams", timeout=2)


def test_burst_of_simultaneous_connections(server: EmulatorServer) -> None:
    url = server.base_url + "/v1beta2/streams"
    barrier = threading.Barrier(60)
    statuses: list[int] = []

    def hit() -> None:
        barrier.wait()
        try:
            statuses.append(requests.get(url, timeout=10).status_code)
        except requests.RequestException as exc:
            statuses.append(-1)
            raise AssertionError(exc) from exc

    threads = [threading.Thread(target=hit) for _ in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 60
