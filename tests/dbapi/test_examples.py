"""Every driver example runs against the emulator (both profiles) and prints what it promises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(script: str, dsn: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "TIMEPLUS_URL"}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), dsn],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_streams_example(profile_dsn):
    out = run_example("streams.py", profile_dsn)
    lines = out.splitlines()
    before = int(lines[0].split()[2])
    assert lines[1] == f"there are {before + 1} streams after create"
    assert "time datetime64(3), data string" in out
    assert f"there are {before} streams after delete" in out
    assert "stream exists after delete: False" in out


def test_ingest_example(profile_dsn):
    out = run_example("ingest.py", profile_dsn)
    assert "compact: [(datetime.datetime(2024, 1, 2, 3, 4, 5), 'abcd')]" in out
    assert "streaming: [(2, 'hello'), (1, 'world')]" in out
    assert "raw: [('\\nfirst line\\nsecond line\\n',)]" in out
    assert 'lines: [(\'{"a":1,"b":"world"}\',), (\'{"a":2,"b":"hello"}\',)]' in out


def test_query_batching_example(profile_dsn):
    out = run_example("query_batching.py", profile_dsn)
    assert "columns: ['n', 'label']" in out
    assert "received 10 rows" in out
    numbers = []
    for line in out.splitlines():
        if line.startswith("batch of"):
            numbers.extend(int(n) for n in line.split(":", 1)[1].strip(" []").split(","))
    assert sorted(numbers) == list(range(10))


def test_query_lifecycle_example(profile_dsn):
    out = run_example("query_lifecycle.py", profile_dsn)
    assert "get: status=running" in out
    assert "listed: True" in out
    assert "after cancel: status=canceled" in out
    assert "listed after delete: False" in out


def test_dbapi_basics_example(profile_dsn):
    out = run_example("dbapi_basics.py", profile_dsn)
    assert "inserted 4 rows" in out
    assert "/docs: 1 hits, last at 2024-01-01T00:01:00+00:00" in out
    assert "/home: 3 hits, last at 2024-01-01T00:03:00+00:00" in out
    assert "first: (1,) next two: [(1,), (3,)] rest: []" in out


def test_quickstart_with_a_given_server(profile_dsn):
    out = run_example("quickstart.py", profile_dsn)
    assert "ingested 3 rows" in out
    assert "historical: sensor-a average 22.00" in out
    assert "historical: sensor-b average 19.00" in out
    assert sorted(x for x in out.splitlines() if x.startswith("streaming:")) == [
        "streaming: sensor-c 30.0",
        "streaming: sensor-d 31.0",
    ]
    assert out.rstrip().endswith("done")


def test_quickstart_starts_its_own_emulator():
    env = {k: v for k, v in os.environ.items() if k != "TIMEPLUS_URL"}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart.py")],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "started the embedded emulator at http://127.0.0.1:" in done.stdout
    assert "historical: sensor-a average 22.00" in done.stdout


def test_pandas_frames_example(profile_dsn):
    pytest.importorskip("pandas")
    out = run_example("pandas_frames.py", profile_dsn)
    assert "wrote 4 rows" in out
    assert "write_frame appended 4 rows" in out
    assert "read back 12 rows" in out
    # sensor a: 20.5 and a missing reading, three times; sensor b: 21.0 and 22.25, three times
    lines = [line.split() for line in out.splitlines() if line[:2] in ("a ", "b ")]
    table = {words[0]: words[1:] for words in lines}
    assert table == {"a": ["3", "6", "20.500"], "b": ["6", "6", "21.625"]}
    assert "time zone of 'at': UTC" in out
    assert "read_frame read 12 rows; reading: Float64, missing: 3" in out


def test_async_dashboard_example(profile_dsn):
    pytest.importorskip("aiohttp")
    out = run_example("async_dashboard.py", profile_dsn)
    assert "[slow clicks] cart 640 ms" in out
    assert "[home page] home 900 ms" in out
    assert "rows per panel: {'all clicks': 5, 'slow clicks': 2, 'home page': 2}" in out
    assert "queries still running after stop: 0" in out
