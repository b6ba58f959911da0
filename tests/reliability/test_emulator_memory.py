"""Ingest memory and atomicity (issue 12). An emulator subprocess ingests a 24 MiB body;
its peak RSS (``VmHWM``) may grow by at most :data:`RSS_FACTOR` times the body (measured
about 4.3x for both formats; a whole-body parse grew by 10x). Bodies of several pieces are
stored whole, in order, or not at all."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from timeplus_emulator.server import EmulatorServer

ROOT = Path(__file__).resolve().parents[2]
BODY_MIB = 24
RSS_FACTOR = 6
TIMEOUT = (5, 60)


def _status_mb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) // 1024
    raise AssertionError(f"{key} not in /proc/{pid}/status")


@pytest.fixture
def emulator_process() -> Iterator[tuple[int, str]]:
    """A fresh emulator process per test, so each peak is its own."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to read the peak RSS")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "timeplus_emulator", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and "listening" in process.stdout.readline()
    try:
        yield process.pid, f"http://127.0.0.1:{port}/default/api/v1beta2"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _body(fmt: str, size: int) -> tuple[bytes, str, int]:
    """A ``fmt`` body of about ``size`` bytes: (body, content type, rows)."""
    if fmt == "compact":
        row = '[%d,"text value %d",%d.5,"2024-01-01 00:00:00.123"]'
        count = size // len(row % (10**6, 10**6, 10**6))
        data = ",".join(row % (i, i, i) for i in range(count))
        return ('{"columns":["a","b","c","d"],"data":[' + data + "]}").encode(), \
            "application/json", count
    row = '{"a":%d,"b":"text value %d","c":%d.5,"d":"2024-01-01 00:00:00.123"}'
    count = size // len(row % (10**6, 10**6, 10**6))
    return "\n".join(row % (i, i, i) for i in range(count)).encode(), \
        "application/x-ndjson", count


@pytest.mark.watchdog(120)
@pytest.mark.parametrize("fmt", ["compact", "streaming"])
def test_ingest_peak_rss_is_a_small_multiple_of_the_body(emulator_process: tuple[int, str],
                                                         fmt: str) -> None:
    pid, base = emulator_process
    name = f"mem_{fmt}"
    requests.post(base + "/queries", timeout=TIMEOUT, json={
        "sql": f"CREATE STREAM {name} (a int64, b string, c float64, d datetime64(3))"}).close()
    body, content_type, rows = _body(fmt, BODY_MIB << 20)
    before = max(_status_mb(pid, "VmRSS"), _status_mb(pid, "VmHWM"))
    response = requests.post(f"{base}/streams/{name}/ingest", data=body, timeout=TIMEOUT,
                             headers={"Content-Type": content_type})
    assert response.status_code == 200 and response.json() == {"count": rows}, response.text
    grown = _status_mb(pid, "VmHWM") - before
    assert grown <= RSS_FACTOR * len(body) / 2**20, \
        f"peak RSS grew by {grown} MB for a {len(body) / 2**20:.1f} MiB {fmt} body"


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as emulator:
        yield emulator


def _sql(server: EmulatorServer, sql: str) -> list[Any]:
    response = requests.post(server.base_url + "/v1beta2/queries", json={"sql": sql},
                             timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    rows: list[Any] = []
    for line in response.text.splitlines():
        if line.startswith("data: ["):
            rows.extend(json.loads(line[6:]))
    return rows


@pytest.mark.parametrize("fmt", ["compact", "streaming"])
def test_several_pieces_are_stored_in_order(server: EmulatorServer, fmt: str) -> None:
    name = f"pieces_{uuid.uuid4().hex[:8]}"
    _sql(server, f"CREATE STREAM {name} (a int64, b string, c float64, d datetime64(3))")
    body, content_type, rows = _body(fmt, 3 << 20)  # three pieces and more
    response = requests.post(f"{server.base_url}/v1beta2/streams/{name}/ingest", data=body,
                             headers={"Content-Type": content_type}, timeout=TIMEOUT)
    assert response.json() == {"count": rows}
    stored = _sql(server, f"SELECT a FROM table({name})")
    assert [r[0] for r in stored] == [str(i) for i in range(rows)]


@pytest.mark.parametrize("fmt", ["compact", "streaming"])
def test_a_bad_row_in_the_last_piece_stores_nothing(server: EmulatorServer, fmt: str) -> None:
    name = f"atomic_{uuid.uuid4().hex[:8]}"
    _sql(server, f"CREATE STREAM {name} (a int64, b string, c float64, d datetime64(3))")
    body, content_type, _ = _body(fmt, 3 << 20)
    bad = b',["not a number","x",1.5,"2024-01-01"]]}' if fmt == "compact" else \
        b'\n{"a":"not a number","b":"x","c":1.5,"d":"2024-01-01"}'
    body = body[:-2] + bad if fmt == "compact" else body + bad
    response = requests.post(f"{server.base_url}/v1beta2/streams/{name}/ingest", data=body,
                             headers={"Content-Type": content_type}, timeout=TIMEOUT)
    assert response.status_code == 400, response.text
    assert _sql(server, f"SELECT count() FROM table({name})") == [["0"]]
    follow = requests.post(f"{server.base_url}/v1beta2/streams/{name}/ingest", timeout=TIMEOUT,
                           json={"columns": ["a"], "data": [[1], [2]]})
    assert follow.json() == {"count": 2}
    assert _sql(server, f"SELECT a FROM table({name})") == [["1"], ["2"]]
