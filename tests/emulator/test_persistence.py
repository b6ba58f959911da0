"""--data-dir persists streams, views and rows: the CLI runs twice on one directory."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from timeplus_emulator import run_emulator


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _cli(data_dir: Path, *extra: str) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "timeplus_emulator", "--port", str(port),
         "--data-dir", str(data_dir), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "listening" in line, line + proc.stdout.read()
        yield f"http://127.0.0.1:{port}/default/api/v1beta2"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(timeout=15) == 0
        finally:
            if proc.stdout is not None:
                proc.stdout.close()


def _table(base: str, sql: str) -> list[Any]:
    response = requests.post(base + "/queries", json={"sql": sql}, timeout=10)
    assert response.status_code in (200, 204), response.text  # 204: enterprise DDL
    rows: list[Any] = []
    event = None
    for line in response.text.splitlines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            if event is None:
                rows.extend(json.loads(line[5:]))
        elif not line:
            event = None
    return rows


def test_data_dir_survives_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "tpdata"
    with _cli(data_dir) as base:
        created = requests.post(base + "/streams", timeout=10, json={
            "name": "kept", "description": "persist me",
            "columns": [{"name": "a", "type": "int32"}, {"name": "s", "type": "string"}]})
        assert created.status_code == 201, created.text
        ingested = requests.post(base + "/streams/kept/ingest", timeout=10,
                                 json={"columns": ["a", "s"], "data": [[1, "x"], [2, "y"]]})
        assert ingested.status_code == 200
        view = requests.post(base + "/views", timeout=10,
                             json={"name": "kept_view", "query": "SELECT a FROM kept"})
        assert view.status_code == 201, view.text
        mv = requests.post(base + "/views", timeout=10, json={
            "name": "kept_mv", "materialized": True, "query": "SELECT a * 100 AS h FROM kept"})
        assert mv.status_code == 201, mv.text
    with _cli(data_dir) as base:
        stream = requests.get(base + "/streams/kept", timeout=10).json()
        assert stream["description"] == "persist me"
        assert [c["name"] for c in stream["columns"]] == ["a", "s", "_tp_time"]
        assert _table(base, "SELECT a, s FROM table(kept)") == [[1, "x"], [2, "y"]]
        requests.post(base + "/streams/kept/ingest", timeout=10,
                      json={"columns": ["a", "s"], "data": [[3, "z"]]})
        assert _table(base, "SELECT a FROM table(kept)") == [[1], [2], [3]]
        assert _table(base, "SELECT a FROM kept LIMIT 3 SETTINGS seek_to='earliest'") == \
            [[1], [2], [3]]
        assert requests.get(base + "/views/kept_view", timeout=10).status_code == 200
        deadline = time.monotonic() + 5  # the restarted MV picks up rows ingested now
        while _table(base, "SELECT h FROM table(kept_mv)") != [["300"]]:
            assert time.monotonic() < deadline, _table(base, "SELECT h FROM table(kept_mv)")
            time.sleep(0.05)


def test_altered_streams_and_table_engines_survive_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "tpdata"
    with _cli(data_dir) as base:
        for sql in ("CREATE STREAM mem (a int32, c ALIAS a * 2) ENGINE = Memory",
                    "INSERT INTO mem VALUES (1)", "CREATE STREAM alt (a int32)",
                    "INSERT INTO alt VALUES (1)",
                    "ALTER STREAM alt ADD COLUMN b string DEFAULT 'z'",
                    "ALTER STREAM alt RENAME COLUMN a TO a2"):
            _table(base, sql)
    with _cli(data_dir) as base:
        assert requests.get(base + "/streams/mem", timeout=10).json()["engine"] == "Memory"
        assert _table(base, "SELECT a, c FROM mem") == [[1, "2"]]
        assert [r[:3] for r in _table(base, "DESCRIBE alt")][:2] == [
            ["a2", "int32", ""], ["b", "string", "DEFAULT"]]
        _table(base, "INSERT INTO alt (a2) VALUES (2)")
        assert _table(base, "SELECT a2, b FROM table(alt)") == [[1, "z"], [2, "z"]]


def test_without_data_dir_nothing_persists(tmp_path: Path) -> None:
    with run_emulator() as first:
        requests.post(first.base_url + "/v1beta2/streams", timeout=10, json={
            "name": "gone", "columns": [{"name": "a", "type": "int32"}]})
    with run_emulator() as second:
        response = requests.get(second.base_url + "/v1beta2/streams/gone", timeout=10)
        assert response.status_code == 404


def test_data_dir_in_a_process_with_memory_emulators_is_refused(
        tmp_path: Path, timeplus_server: Any) -> None:
    with pytest.raises(Exception, match="own process"):
        with run_emulator(data_dir=str(tmp_path / "x")):
            pass


def test_cli_startup_is_fast(tmp_path: Path) -> None:
    started = time.monotonic()
    with _cli(tmp_path / "fast"):
        elapsed = time.monotonic() - started
    assert elapsed < 5.0  # includes interpreter start and imports; ~1 s on the dev box


def test_error_messages_keep_names_containing_the_data_dir_prefix(tmp_path: Path) -> None:
    # with --data-dir the private databases are tp_<db>; every "tp_" was cut out of error
    # messages, so http_logs read as "htlogs" and the user's own text lost it too
    with _cli(tmp_path / "tpdata") as base:
        _table(base, "CREATE STREAM http_logs (a int32)")
        for sql, expected in [
            ("SELECT http_logs.nope FROM table(http_logs)", "http_logs.nope"),
            ("SELECT throw_if(1, 'tp_x stays')", "tp_x stays"),
        ]:
            response = requests.post(base + "/queries", json={"sql": sql}, timeout=10)
            assert response.status_code == 400, response.text
            assert expected in response.json()["message"], response.text


def test_mutable_streams_survive_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "tpdata"
    with _cli(data_dir, "--profile", "enterprise") as base:
        for sql in ("CREATE MUTABLE STREAM m (k int32, v string, INDEX by_v (v)) PRIMARY KEY k",
                    "INSERT INTO m (k, v) VALUES (1, 'a'), (2, 'b')",
                    "INSERT INTO m (k, v) VALUES (1, 'c')",
                    "ALTER STREAM m ADD INDEX by_kv (k, v) UNIQUE"):
            _table(base, sql)
    with _cli(data_dir, "--profile", "enterprise") as base:
        stream = requests.get(base + "/streams/m", timeout=10).json()
        assert stream["mode"] == "mutable"
        assert [i["name"] for i in stream["secondary_indexes"]] == ["by_v", "by_kv"]
        assert _table(base, "SELECT k, v FROM table(m) ORDER BY k") == [[1, "c"], [2, "b"]]
        _table(base, "INSERT INTO m (k, v) VALUES (2, 'd')")  # still keyed after the restart
        assert _table(base, "SELECT k, v FROM table(m) ORDER BY k") == [[1, "c"], [2, "d"]]
