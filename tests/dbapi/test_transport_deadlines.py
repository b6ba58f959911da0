"""``timeout`` is a deadline for a whole request and for a query's header; bytes dripping in
do not extend it. After the header, ``idle_timeout`` governs (issue 13, item 2).

Loopback servers drip bytes: one every 0.3-0.5 s, for far longer than the 1 s timeout.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

import timeplus_dbapi as db

sys.path.insert(0, str(Path(__file__).parent))
from loopback import (
    Pieces,
    Received,
    drip,
    elapsed,
    loopbacks_fixture,  # noqa: F401 (the "loopbacks" fixture)
    response,
)

pytestmark = pytest.mark.integration

SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n"
)
HEADER_EVENT = (
    b'event: query\ndata: {"id":"q1","sql":"s","status":"running",'
    b'"result":{"header":[{"name":"a","type":"int32"}]}}\n\n'
)
ROWS_AND_END = b'data: [[1],[2]]\n\nevent: query\ndata: {"id":"q1","status":"finished"}\n\n'
LIMIT_S = 2.5  # timeout=1 plus generous slack for a loaded machine; the drips last 10-20 s


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def comments(count: int, every: float) -> Pieces:
    return [(every, chunk(b": keep-alive\n\n")) for _ in range(count)]


def test_a_dripping_body_does_not_keep_list_streams_past_timeout(loopbacks) -> None:
    body = b"[" + b" " * 40 + b"]"
    head = response(200, body, {"Content-Type": "application/json"})[: -len(body)]
    server = loopbacks(lambda request: [(0.0, head), *drip(body, 0.5)])
    with db.connect(server.dsn(), timeout=1) as conn:
        took, error = elapsed(conn.client.list_streams)
    assert isinstance(error, db.OperationalError), error
    assert "timed out" in str(error)
    assert took < LIMIT_S


def test_dripping_response_headers_do_not_keep_a_request_past_timeout(loopbacks) -> None:
    whole = response(200, b"[]", {"Content-Type": "application/json", "X-Pad": "p" * 40})
    server = loopbacks(lambda request: drip(whole, 0.3))
    with db.connect(server.dsn(), timeout=1) as conn:
        took, error = elapsed(conn.client.list_streams)
    assert isinstance(error, db.OperationalError), error
    assert took < LIMIT_S


def test_sse_comments_alone_do_not_keep_execute_waiting_past_timeout(loopbacks) -> None:
    server = loopbacks(lambda request: [(0.0, SSE_HEAD), *comments(40, 0.3)])
    with db.connect(server.dsn(), timeout=1) as conn:
        took, error = elapsed(lambda: conn.cursor().execute("SELECT a FROM s"))
    assert isinstance(error, db.OperationalError), error
    assert "no query header within 1 s" in str(error)
    assert took < LIMIT_S


def test_after_the_header_timeout_no_longer_bounds_the_stream(loopbacks) -> None:
    """Rows after 2 s of keep-alives are still read: only the header had the deadline."""
    server = loopbacks(
        lambda request: [
            (0.0, SSE_HEAD + chunk(HEADER_EVENT)),
            *comments(7, 0.3),
            (0.0, chunk(ROWS_AND_END) + b"0\r\n\r\n"),
        ]
    )
    with db.connect(server.dsn(), timeout=1) as conn:
        cursor = conn.cursor()
        started = time.monotonic()
        cursor.execute("SELECT a FROM s")
        assert cursor.fetchall() == [(1,), (2,)]
        assert time.monotonic() - started > 1.5


def test_after_the_header_idle_timeout_ends_a_stream_of_keep_alives(loopbacks) -> None:
    def script(request: Received) -> Pieces:
        if request.path.endswith("/cancel"):
            return [(0.0, response(204))]
        return [(0.0, SSE_HEAD + chunk(HEADER_EVENT)), *comments(60, 0.3)]

    server = loopbacks(script)
    with db.connect(server.dsn(), timeout=5) as conn:
        cursor = conn.cursor()
        started = time.monotonic()
        cursor.execute("SELECT a FROM s", idle_timeout=1)
        assert cursor.fetchall() == []
        assert time.monotonic() - started < LIMIT_S
    assert any(r.path.endswith("/q1/cancel") for r in server.received)  # ended by the driver


def test_a_connection_back_in_the_pool_is_not_broken_by_an_old_deadline(loopbacks) -> None:
    server = loopbacks(lambda request: [(0.0, response(200, b"[]"))])
    with db.connect(server.dsn(), timeout=1) as conn:
        for _ in range(3):
            assert conn.client.list_streams() == []
            time.sleep(0.6)  # past the earlier requests' deadlines, on the same connection
    assert len(server.received) == 3


def test_a_query_retried_after_429_keeps_its_header_deadline(loopbacks) -> None:
    """The header deadline spans the retries: a Retry-After longer than the timeout ends it."""
    server = loopbacks(lambda request: [(0.0, response(429, b"{}", {"Retry-After": "2"}))])
    with db.connect(server.dsn(), timeout=1) as conn:
        took, error = elapsed(lambda: conn.cursor().execute("SELECT 1"))
    assert isinstance(error, db.OperationalError), error
    assert "timed out" in str(error)
    assert len(server.received) == 1 and took < 1.5  # no waiting past the deadline
