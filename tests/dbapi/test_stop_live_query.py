"""Stopping a live query from another thread (issue 13, item 14; README "Stopping a live
query"): ``cursor.cancel()`` ends the reader's loop cleanly, whatever way it reads, and the
server query is cancelled; ``close()`` from another thread also cancels it but the reader's
next fetch raises InterfaceError. Server facts are read over plain HTTP.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any, Callable

import pytest
import requests

import timeplus_dbapi

WAIT_S = 10.0


@pytest.fixture
def live(emulator: Any, emu_stream: Any) -> Iterator[tuple[str, str]]:
    """(api, stream name) with a feeder thread ingesting one row every 20 ms over HTTP."""
    api = f"{emulator.base_url}/v1beta2"
    name = emu_stream([("a", "int32")])
    stop = threading.Event()

    def feed() -> None:
        value = 0
        while not stop.is_set():
            requests.post(f"{api}/streams/{name}/ingest",
                          json={"columns": ["a"], "data": [[value]]}, timeout=10)
            value += 1
            stop.wait(0.02)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    yield api, name
    stop.set()
    feeder.join(WAIT_S)


def _status(api: str, query_id: str) -> str:
    deadline = time.monotonic() + WAIT_S
    while True:
        status = str(requests.get(f"{api}/queries/{query_id}", timeout=10).json()["status"])
        if status != "running" or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


Progress = dict[str, int]


def _iterate(cursor: timeplus_dbapi.Cursor, seen: Progress) -> None:
    for _ in cursor:
        seen["rows"] += 1


def _fetchone(cursor: timeplus_dbapi.Cursor, seen: Progress) -> None:
    while cursor.fetchone() is not None:
        seen["rows"] += 1


def _fetchmany(cursor: timeplus_dbapi.Cursor, seen: Progress) -> None:
    while rows := cursor.fetchmany(3):
        seen["rows"] += len(rows)


READERS: dict[str, Callable[[timeplus_dbapi.Cursor, Progress], None]] = {
    "iterate": _iterate, "fetchone": _fetchone, "fetchmany": _fetchmany,
}


def _read_in_thread(
    cursor: timeplus_dbapi.Cursor, reader: Callable[[timeplus_dbapi.Cursor, Progress], None]
) -> tuple[threading.Thread, dict[str, Any]]:
    """Start ``reader`` in a thread; return once it has read a row (the loop is running)."""
    outcome: dict[str, Any] = {"rows": 0}

    def run() -> None:
        try:
            reader(cursor, outcome)
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT_S
    while outcome["rows"] == 0 and "error" not in outcome and time.monotonic() < deadline:
        time.sleep(0.02)
    assert outcome["rows"] > 0, f"the reader got no row: {outcome}"
    return thread, outcome


@pytest.mark.parametrize("style", sorted(READERS))
def test_cancel_from_another_thread_ends_the_readers_loop_cleanly(
    emu_conn: timeplus_dbapi.Connection, live: tuple[str, str], style: str
) -> None:
    api, name = live
    cursor = emu_conn.cursor()
    cursor.execute(f"SELECT a FROM {name}", batching_policy={"count": 1, "time_ms": 20})
    first = cursor.fetchone()  # the query is live: rows keep coming
    assert first is not None
    thread, outcome = _read_in_thread(cursor, READERS[style])
    assert thread.is_alive()  # still reading a query that never ends by itself
    cursor.cancel()
    thread.join(WAIT_S)
    assert not thread.is_alive(), "the reader's loop did not end after cancel()"
    assert "error" not in outcome, repr(outcome.get("error"))
    assert _status(api, cursor.query_id) == "canceled"
    assert cursor.fetchone() is None and cursor.fetchall() == []  # and it stays ended
    cursor.cancel()  # twice: nothing more to do


def test_fetching_after_cancel_gives_the_end_not_an_error(
    emu_conn: timeplus_dbapi.Connection, live: tuple[str, str]
) -> None:
    """A reader that calls fetchone() between two rows, right after the cancel landed."""
    api, name = live
    cursor = emu_conn.cursor()
    cursor.execute(f"SELECT a FROM {name}", batching_policy={"count": 1, "time_ms": 20})
    assert cursor.fetchone() is not None
    cursor.cancel()
    assert cursor.fetchone() is None
    assert cursor.fetchmany(5) == [] and cursor.fetchall() == [] and list(cursor) == []
    assert cursor.description == [("a", "int32", None, None, None, None, False)]
    assert _status(api, cursor.query_id) == "canceled"
    cursor.execute("SELECT 1", query_mode="table")  # the cursor stays usable
    assert cursor.fetchall() == [(1,)]


def test_close_from_another_thread_makes_the_reader_raise(
    emu_conn: timeplus_dbapi.Connection, live: tuple[str, str]
) -> None:
    api, name = live
    cursor = emu_conn.cursor()
    cursor.execute(f"SELECT a FROM {name}", batching_policy={"count": 1, "time_ms": 20})
    assert cursor.fetchone() is not None
    thread, outcome = _read_in_thread(cursor, _iterate)
    cursor.close()
    thread.join(WAIT_S)
    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), timeplus_dbapi.InterfaceError)
    assert "closed" in str(outcome["error"])
    assert _status(api, cursor.query_id) == "canceled"
