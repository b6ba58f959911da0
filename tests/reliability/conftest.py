"""Fixtures for the reliability and security tests (issue 8).

* A watchdog (autouse): every test is interrupted with :class:`HangError` after
  ``@pytest.mark.watchdog(seconds)`` (default :data:`DEFAULT_WATCHDOG_S`), so "never hangs" is
  an assertion that can fail, not a CI timeout. It uses ``signal.alarm`` on the main thread
  (no extra dependency).
* ``faulty``: an emulator of this test module (its own instance, so fault injection never
  disturbs the session servers), with faults reset around every test.
* ``server``: plain-HTTP access to ``faulty`` (``reliability_support.Server``); ``conn_factory``
  and ``conn``: driver connections to it, closed after the test.
* Helpers to talk to the emulator with plain ``requests`` (row counts, running queries), so
  server-side facts are checked without trusting the driver under test.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any, Callable, Optional

import pytest

import timeplus_dbapi
from timeplus_emulator import run_emulator
from timeplus_emulator.server import EmulatorServer

sys.path.insert(0, str(Path(__file__).parent))

from reliability_support import HangError, ScriptedHttp, Server

DEFAULT_WATCHDOG_S = 30


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "watchdog(seconds): fail a reliability test that runs longer than this"
    )


@pytest.fixture(autouse=True)
def watchdog(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test with HangError if it runs past its limit."""
    marker = request.node.get_closest_marker("watchdog")
    limit = int(marker.args[0]) if marker else DEFAULT_WATCHDOG_S
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: Optional[FrameType]) -> None:
        raise HangError(f"test still running after {limit} s: a hang")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(limit)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def faulty_server() -> Iterator[EmulatorServer]:
    with run_emulator(enable_faults=True) as server:
        yield server


@pytest.fixture
def faulty(faulty_server: EmulatorServer) -> Iterator[EmulatorServer]:
    """This module's emulator, with fault injection off before and after the test."""
    faulty_server.faults.reset()
    yield faulty_server
    faulty_server.faults.reset()


@pytest.fixture
def server(faulty: EmulatorServer) -> Server:
    return Server(faulty)


@pytest.fixture
def conn_factory(faulty: EmulatorServer) -> Iterator[Callable[..., timeplus_dbapi.Connection]]:
    """``conn_factory(**kwargs)``: connections to ``faulty``, closed after the test."""
    opened: list[timeplus_dbapi.Connection] = []

    def connect(dsn: Optional[str] = None, **kwargs: Any) -> timeplus_dbapi.Connection:
        connection = timeplus_dbapi.connect(dsn or faulty.dsn, **kwargs)
        opened.append(connection)
        return connection

    yield connect
    for connection in opened:
        try:
            connection.close()
        except timeplus_dbapi.Error:
            pass


@pytest.fixture
def conn(conn_factory: Callable[..., timeplus_dbapi.Connection]) -> timeplus_dbapi.Connection:
    return conn_factory(timeout=5)




@pytest.fixture
def scripted_http() -> Iterator[Callable[[int, bytes, str], ScriptedHttp]]:
    """``scripted_http(status, body, content_type)`` → a running ScriptedHttp."""
    servers: list[ScriptedHttp] = []

    def start(status: int, body: bytes, content_type: str) -> ScriptedHttp:
        servers.append(ScriptedHttp(status, body, content_type))
        return servers[-1]

    yield start
    for scripted in servers:
        scripted.close()


@pytest.fixture
def scripted_sse(
    scripted_http: Callable[[int, bytes, str], ScriptedHttp],
) -> Callable[[bytes], str]:
    """``scripted_sse(body)`` → the DSN of a server answering every request with that SSE body."""
    return lambda body: scripted_http(200, body, "text/event-stream").dsn
