"""A LIMIT never hides a short result (issue 13, item 5).

A historical query must end with its final ``finished`` status; a streaming query may end
without it (or be reported ``canceled``) only once it has delivered exactly its top-level
``LIMIT``; a cancel that this cursor did not ask for is an error. Cancels come from outside
(another connection, plain REST calls), short bodies from a loopback server that ends its body
cleanly.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable

import pytest
import requests
from reliability_support import Server, assert_usable, unique

import timeplus_dbapi

Connect = Callable[..., timeplus_dbapi.Connection]
BIG = "SELECT number AS a, repeat('x', 100) AS b FROM numbers(1000000) LIMIT 900000"


def _rest_cancel(server: Server, query_id: str) -> None:
    response = requests.post(f"{server.api}/queries/{query_id}/cancel", timeout=5)
    assert response.status_code == 204


def _rest_delete(server: Server, query_id: str) -> None:
    response = requests.delete(f"{server.api}/queries/{query_id}", timeout=5)
    assert response.status_code == 204


STOPPERS = {
    "REST cancel": lambda server, other, query_id: _rest_cancel(server, query_id),
    "REST delete": lambda server, other, query_id: _rest_delete(server, query_id),
    "other connection": lambda server, other, query_id: other.client.cancel_query(query_id),
}


@pytest.mark.parametrize("mode", ["table", "streaming"])
@pytest.mark.parametrize("stopper", sorted(STOPPERS))
def test_a_query_with_limit_cancelled_by_someone_else_raises(
    server: Server, conn_factory: Connect, mode: str, stopper: str
) -> None:
    conn, other = conn_factory(timeout=5), conn_factory(timeout=5)
    cursor = conn.cursor()
    cursor.execute(BIG, query_mode=mode, batching_policy={"count": 100})
    assert len(cursor.fetchmany(100)) == 100
    STOPPERS[stopper](server, other, cursor.query_id)
    with pytest.raises(timeplus_dbapi.OperationalError) as caught:
        cursor.fetchall()  # ~110 MB: the server is still writing when the cancel lands
    assert "cancel" in str(caught.value).lower()
    assert caught.value.query_id == cursor.query_id
    assert_usable(conn)


def test_a_streaming_limit_query_cancelled_before_its_limit_raises(
    server: Server, conn_factory: Connect
) -> None:
    """A live query with LIMIT 10 that has 3 rows when someone else cancels it."""
    name = server.create_stream("a int32")
    conn = conn_factory(timeout=5)
    cursor = conn.cursor()
    cursor.execute(f"SELECT a FROM {name} LIMIT 10", batching_policy={"count": 1, "time_ms": 50})
    server.ingest(name, ["a"], [[1], [2], [3]])
    got = [cursor.fetchone() for _ in range(3)]
    assert got == [(1,), (2,), (3,)]
    _rest_cancel(server, cursor.query_id)
    with pytest.raises(timeplus_dbapi.OperationalError, match="cancel"):
        cursor.fetchall()


def test_a_streaming_limit_query_reaching_its_limit_ends_quietly(
    server: Server, conn_factory: Connect
) -> None:
    name = server.create_stream("a int32")
    cursor = conn_factory(timeout=5).cursor()
    cursor.execute(f"SELECT a FROM {name} LIMIT 3", batching_policy={"count": 1, "time_ms": 50})
    threading.Timer(0.3, server.ingest, args=(name, ["a"], [[i] for i in range(5)])).start()
    assert cursor.fetchall() == [(0,), (1,), (2,)]


# --- bodies that end cleanly (Content-Length reached) before the final status -------------------


def _header(analysis: dict[str, Any] | None) -> bytes:
    query: dict[str, Any] = {
        "id": "q-short", "sql": "s", "status": "running",
        "result": {"header": [{"name": "a", "type": "int32"}]},
    }
    if analysis is not None:
        query["analysis"] = analysis
    return b"event: query\ndata: " + json.dumps(query).encode() + b"\n\n"


TWO_ROWS = b"data: [[1],[2]]\n\n"


@pytest.mark.parametrize(("sql", "mode", "analysis"), [
    ("SELECT a FROM table(s) LIMIT 1000", "streaming", None),  # 2 rows of 1000
    ("SELECT a FROM table(s) LIMIT 1000", "streaming", {"is_streaming": False}),
    ("SELECT a FROM s LIMIT 2", "table", None),  # historical: its LIMIT excuses nothing
    ("SELECT a FROM table(s) LIMIT 2", "streaming", {"is_streaming": False}),  # the server says so
    ("SELECT a FROM s LIMIT 3", "streaming", {"is_streaming": True}),
    ("SELECT a FROM s LIMIT 2 BY a", "streaming", None),  # rows per group, not in all
])
def test_a_clean_end_short_of_the_final_status_raises(
    scripted_sse: Callable[[bytes], str], conn_factory: Connect,
    sql: str, mode: str, analysis: dict[str, Any] | None,
) -> None:
    connection = conn_factory(scripted_sse(_header(analysis) + TWO_ROWS), timeout=5)
    cursor = connection.cursor()
    cursor.execute(sql, query_mode=mode)
    with pytest.raises(timeplus_dbapi.OperationalError, match="final status after 2 rows"):
        cursor.fetchall()


@pytest.mark.parametrize("analysis", [None, {"is_streaming": True}])
def test_a_streaming_query_may_end_cleanly_at_exactly_its_limit(
    scripted_sse: Callable[[bytes], str], conn_factory: Connect, analysis: dict[str, Any] | None
) -> None:
    for suffix in (b"", b'event: query\ndata: {"id": "q-short", "status": "canceled"}\n\n'):
        dsn = scripted_sse(_header(analysis) + TWO_ROWS + suffix)
        cursor = conn_factory(dsn, timeout=5).cursor()
        cursor.execute("SELECT a FROM s LIMIT 2", query_mode="streaming")
        assert cursor.fetchall() == [(1,), (2,)]


def test_a_bounded_limit_query_still_gives_all_its_rows(
    server: Server, conn_factory: Connect
) -> None:
    """The fixed rule on a real end: a bounded LIMIT query on the emulator still gives its
    rows (the final ``finished`` arrives), in both modes."""
    name = server.create_stream("a int32", unique("t"))
    server.ingest(name, ["a"], [[i] for i in range(5)])
    cursor = conn_factory(timeout=5).cursor()
    for mode in ("table", "streaming"):
        started = time.monotonic()
        cursor.execute(f"SELECT a FROM table({name}) ORDER BY a LIMIT 1000", query_mode=mode)
        assert cursor.fetchall() == [(i,) for i in range(5)]
        assert time.monotonic() - started < 5
