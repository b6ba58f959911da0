"""The server restarts between queries (issue 8). The emulator runs as a separate process with a
``--data-dir`` (chDB allows one data path per process, and a real restart is a new process), on a
fixed port so the same connection reaches the new server."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Callable, Optional

import pytest
from reliability_support import free_port

import timeplus_dbapi


class EmulatorProcess:
    """``python -m timeplus_emulator`` in a child process, restartable on the same port."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.process: Optional[subprocess.Popen[str]] = None

    @property
    def dsn(self) -> str:
        return f"timeplus://127.0.0.1:{self.port}/default"

    def start(self) -> None:
        command = [sys.executable, "-m", "timeplus_emulator", "--port", str(self.port),
                   "--data-dir", str(self.data_dir)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # printed once the listener is up
        assert "listening" in line, line

    def stop(self, crash: bool = False) -> None:
        """Terminate (graceful: running queries end as ``canceled``) or kill (a crash)."""
        if self.process is not None:
            if crash:
                self.process.kill()
            else:
                self.process.terminate()
            self.process.wait(timeout=20)
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None


@pytest.fixture
def emulator_process(tmp_path: Path) -> Iterator[EmulatorProcess]:
    child = EmulatorProcess(tmp_path / "data")
    child.start()
    yield child
    child.stop()


def _count(cursor: timeplus_dbapi.Cursor, stream: str) -> int:
    cursor.execute(f"SELECT count() FROM table({stream})")
    return int(cursor.fetchall()[0][0])


@pytest.mark.watchdog(60)
def test_restart_between_queries(emulator_process: EmulatorProcess) -> None:
    connection = timeplus_dbapi.connect(emulator_process.dsn, timeout=3)
    try:
        connection.client.create_stream("restart_s", [("a", "int32")])
        assert connection.client.ingest("restart_s", ["a"], [[i] for i in range(5)]) == 5
        cursor = connection.cursor()
        assert _count(cursor, "restart_s") == 5

        emulator_process.stop()
        started = time.monotonic()
        with pytest.raises(timeplus_dbapi.OperationalError) as caught:
            _count(cursor, "restart_s")
        assert time.monotonic() - started < 5
        assert f"127.0.0.1:{emulator_process.port}" in str(caught.value)

        emulator_process.start()
        assert _count(cursor, "restart_s") == 5  # same connection, stream survived
        assert connection.client.ingest("restart_s", ["a"], [[9]]) == 1
        assert _count(cursor, "restart_s") == 6
    finally:
        connection.close()


@pytest.mark.watchdog(60)
def test_crash_during_streaming_query_raises(
    emulator_process: EmulatorProcess,
) -> None:
    connect: Callable[..., timeplus_dbapi.Connection] = timeplus_dbapi.connect
    connection = connect(emulator_process.dsn, timeout=3)
    try:
        connection.client.create_stream("restart_live", [("a", "int32")])
        cursor = connection.cursor()
        cursor.execute("SELECT a FROM restart_live")
        query_id = cursor.query_id
        emulator_process.stop(crash=True)
        with pytest.raises(timeplus_dbapi.OperationalError) as caught:
            cursor.fetchall()  # a streaming query: only an error can end it here
        assert query_id is not None and query_id in str(caught.value)
        emulator_process.start()
        assert _count(connection.cursor(), "restart_live") == 0
    finally:
        connection.close()


@pytest.mark.watchdog(60)
def test_graceful_restart_during_streaming_query_raises(
    emulator_process: EmulatorProcess,
) -> None:
    """SIGTERM: the server ends running queries as ``canceled``; the client did not cancel, so
    the streaming cursor must raise rather than look like a normal end of results."""
    connection = timeplus_dbapi.connect(emulator_process.dsn, timeout=3)
    try:
        connection.client.create_stream("restart_grace", [("a", "int32")])
        cursor = connection.cursor()
        cursor.execute("SELECT a FROM restart_grace")
        emulator_process.stop()
        with pytest.raises(timeplus_dbapi.OperationalError) as caught:
            cursor.fetchall()
        assert cursor.query_id is not None and cursor.query_id in str(caught.value)
    finally:
        connection.close()
