"""Edge cases found in review: cancel from another thread, iteration after close, PEP 249
optional methods, and validation of per-statement options."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

import timeplus_dbapi as db

pytestmark = pytest.mark.integration


def _read_in_thread(read: Any) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["rows"] = read()
        except BaseException as error:  # the test inspects what escaped
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


@pytest.mark.parametrize("how", ["cancel", "close"])
def test_cancel_from_another_thread_ends_a_blocked_fetchall(conn, new_stream, how):
    """The documented way to stop a streaming fetchall(): the reader gets its rows, no crash."""
    name = new_stream([("n", "int64")])
    cur = conn.cursor()
    cur.execute(f"SELECT n FROM {name}")
    thread, outcome = _read_in_thread(cur.fetchall)
    time.sleep(0.5)  # the reader is now blocked waiting for rows
    conn.client.ingest(name, ["n"], [[7]])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.3)
        getattr(cur, how)()
    thread.join(5)
    assert not thread.is_alive()
    assert "error" not in outcome, repr(outcome.get("error"))
    assert outcome["rows"] in ([], [(7,)])


def test_connection_close_from_another_thread_ends_a_blocked_fetchone(profile_dsn, new_stream):
    name = new_stream([("n", "int64")])
    other = db.connect(profile_dsn)
    cur = other.cursor()
    cur.execute(f"SELECT n FROM {name}")
    thread, outcome = _read_in_thread(cur.fetchone)
    time.sleep(0.5)
    other.close()
    thread.join(5)
    assert not thread.is_alive()
    assert "error" not in outcome, repr(outcome.get("error"))
    assert outcome["rows"] is None


def test_iterating_a_closed_cursor_raises_instead_of_replaying_rows(conn):
    cur = conn.cursor()
    cur.execute("SELECT number FROM numbers(5)", query_mode="table")
    rows = iter(cur)
    assert next(rows) == (0,)
    cur.close()
    with pytest.raises(db.InterfaceError):
        next(rows)


def test_an_iterator_of_a_re_executed_cursor_does_not_replay_the_old_batch(conn):
    cur = conn.cursor()
    cur.execute("SELECT number FROM numbers(5)", query_mode="table")
    old = iter(cur)
    assert next(old) == (0,)
    cur.execute("SELECT 42", query_mode="table")
    assert list(old) == []
    assert cur.fetchall() == [(42,)]


def test_iter_returns_rows_in_order_then_stops(conn):
    cur = conn.cursor()
    cur.execute("SELECT number FROM numbers(3)", query_mode="table")
    assert list(cur) == [(0,), (1,), (2,)]
    assert cur.fetchone() is None


def test_nextset_says_there_is_no_second_result(conn):
    cur = conn.cursor()
    cur.execute("SELECT 1", query_mode="table")
    assert cur.nextset() is None
    assert cur.fetchall() == [(1,)]


def test_interval_result_is_an_int(conn):
    cur = conn.cursor()
    cur.execute("SELECT INTERVAL 5 SECOND AS s", query_mode="table")
    assert cur.description[0][1] == "interval_second"
    assert cur.fetchall() == [(5,)]
