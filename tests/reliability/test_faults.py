"""Faults between the driver and the server (issue 8): dropped streams, malformed events, 5xx/429,
slow and absent servers. Expected every time: a PEP 249 exception that names the host, the query
id (once known) and the cause; no hang past the configured timeouts (the watchdog fixture turns a
hang into a failure); never a silently short result; retries only where they are safe.
"""

from __future__ import annotations

import re
import signal
import socket
import threading
import time
from typing import Any, Callable

import pytest
import requests
from reliability_support import ScriptedHttp, Server, assert_usable, free_port, open_sockets

import timeplus_dbapi
from timeplus_emulator.server import EmulatorServer

Connect = Callable[..., timeplus_dbapi.Connection]
DROPPED = re.compile(r"prematurely|reset|closed|incomplete|ended|broken|aborted", re.IGNORECASE)


def _filled_stream(server: Server, rows: int = 50) -> str:
    name = server.create_stream("a int32")
    server.ingest(name, ["a"], [[i] for i in range(rows)])
    return name


def _names_context(error: BaseException, host: str, query_id: str | None) -> None:
    text = str(error)
    assert host in text, text
    if query_id is not None:
        assert query_id in text, text
        assert getattr(error, "query_id", None) == query_id


# --- dropped connections, malformed events ----------------------------------------------------


def test_drop_mid_stream_bounded_raises_not_short(
    faulty: EmulatorServer, server: Server, conn: timeplus_dbapi.Connection
) -> None:
    name = _filled_stream(server)
    faulty.faults.drop_after_events(3)  # header, 1st batch, 2nd batch, then the socket closes
    cursor = conn.cursor()
    cursor.execute(f"SELECT a FROM table({name})", batching_policy={"count": 10})
    query_id = cursor.query_id
    got: list[Any] = []
    with pytest.raises(timeplus_dbapi.OperationalError) as caught:
        for row in cursor:
            got.append(row)
    assert 0 < len(got) < 50  # what arrived (a metrics event may take a slot), then an error
    _names_context(caught.value, conn.client.host, query_id)
    assert DROPPED.search(str(caught.value)), str(caught.value)  # the cause, in words
    sql = f"SELECT a FROM table({name})"
    assert len([q for q in server.all_queries() if q["sql"] == sql]) == 1  # not re-run
    assert_usable(conn)


def test_drop_mid_stream_streaming_raises(
    faulty: EmulatorServer, server: Server, conn: timeplus_dbapi.Connection
) -> None:
    name = server.create_stream("a int32")
    faulty.faults.drop_after_events(2)  # header, one more event (rows or metrics), then closed
    cursor = conn.cursor()
    cursor.execute(f"SELECT a FROM {name}", batching_policy={"count": 1, "time_ms": 10})
    query_id = cursor.query_id
    server.ingest(name, ["a"], [[1], [2], [3]])
    with pytest.raises(timeplus_dbapi.OperationalError) as caught:
        for _ in cursor:
            pass
    _names_context(caught.value, conn.client.host, query_id)
    assert not [q for q in server.wait_no_running() if q["id"] == query_id]
    assert_usable(conn)


def test_drop_mid_stream_with_limit_is_not_a_short_result(
    faulty: EmulatorServer, server: Server, conn: timeplus_dbapi.Connection
) -> None:
    name = _filled_stream(server)
    faulty.faults.drop_after_events(2)
    cursor = conn.cursor()
    cursor.execute(f"SELECT a FROM table({name}) LIMIT 40", batching_policy={"count": 10})
    with pytest.raises(timeplus_dbapi.OperationalError):
        cursor.fetchall()
    assert_usable(conn)


def test_malformed_event_raises_and_names_query(
    faulty: EmulatorServer, server: Server, conn: timeplus_dbapi.Connection
) -> None:
    name = _filled_stream(server)
    faulty.faults.malformed_event_after(2)
    cursor = conn.cursor()
    cursor.execute(f"SELECT a FROM table({name})", batching_policy={"count": 10})
    with pytest.raises(timeplus_dbapi.OperationalError) as caught:
        cursor.fetchall()
    assert "malformed" in str(caught.value).lower()
    _names_context(caught.value, conn.client.host, cursor.query_id)
    assert_usable(conn)


def test_cancel_by_someone_else_is_not_a_short_result(
    server: Server, conn: timeplus_dbapi.Connection
) -> None:
    """A bounded query cancelled by another client (or an admin) ends with ``canceled``: the
    rows read so far are not the result, so the cursor must raise, not end quietly."""
    cursor = conn.cursor()
    # ~110 MB of output: far more than socket buffers hold, so the query is still running
    cursor.execute("SELECT number AS a, repeat('x', 100) AS b FROM numbers(1000000)",
                   batching_policy={"count": 100})
    assert len(cursor.fetchmany(100)) == 100
    cancel = requests.post(f"{server.api}/queries/{cursor.query_id}/cancel", timeout=5)
    assert cancel.status_code == 204
    with pytest.raises(timeplus_dbapi.OperationalError) as caught:
        cursor.fetchall()
    assert "cancel" in str(caught.value).lower()
    _names_context(caught.value, conn.client.host, cursor.query_id)
    assert_usable(conn)


def test_cancel_during_slow_stream_ends_promptly(
    faulty: EmulatorServer, server: Server, conn: timeplus_dbapi.Connection
) -> None:
    """Cancelled while the server is slow (delayed events): the end arrives at once."""
    name = _filled_stream(server)
    faulty.faults.delay_events(0.3)
    cursor = conn.cursor()
    cursor.execute(f"SELECT a FROM table({name})", batching_policy={"count": 10})
    query_id = cursor.query_id
    threading.Timer(0.5, requests.post,
                    args=(f"{server.api}/queries/{query_id}/cancel",),
                    kwargs={"timeout": 5}).start()
    started = time.monotonic()
    with pytest.raises(timeplus_dbapi.OperationalError) as caught:
        cursor.fetchall()
    assert time.monotonic() - started < 3  # conn's read timeout is 5 s
    assert "cancel" in str(caught.value).lower()


def test_clean_end_without_final_status_is_an_error(
    scripted_sse: Callable[[bytes], str], conn_factory: Connect
) -> None:
    """A bounded query whose stream ends cleanly before its final status lost rows."""
    header = (b'event: query\ndata: {"id":"q-short","sql":"s","status":"running",'
              b'"result":{"header":[{"name":"a","type":"int32"}]}}\n\n')
    dsn = scripted_sse(header + b"data: [[1],[2]]\n\n")
    connection = conn_factory(dsn, timeout=5)
    cursor = connection.cursor()
    cursor.execute("SELECT a FROM table(s)")
    with pytest.raises(timeplus_dbapi.OperationalError) as caught:
        cursor.fetchall()
    _names_context(caught.value, connection.client.host, "q-short")
    assert "final status" in str(caught.value)


@pytest.mark.parametrize(("body", "content_type"), [
    (b"<html>please log in</html>", "text/html"),  # an auth proxy's login page
    (b'{"data": [[1]]}', "application/json"),
])
def test_select_answered_without_event_stream_is_an_error(
    scripted_http: Callable[[int, bytes, str], ScriptedHttp], conn_factory: Connect,
    body: bytes, content_type: str,
) -> None:
    """A SELECT answered 200 but not as an event stream has no rows to give: that is an error
    naming the content type, not a statement that silently had no result set."""
    scripted = scripted_http(200, body, content_type)
    connection = conn_factory(scripted.dsn, timeout=3)
    with pytest.raises(timeplus_dbapi.OperationalError) as caught:
        connection.cursor().execute("SELECT 1")
    assert content_type in str(caught.value)
    _names_context(caught.value, connection.client.host, None)


def test_proxy_error_page_is_short_and_retried_boundedly(
    scripted_http: Callable[[int, bytes, str], ScriptedHttp], conn_factory: Connect,
) -> None:
    scripted = scripted_http(502, b"<html>" + b"x" * 50_000 + b"</html>", "text/html")
    connection = conn_factory(scripted.dsn, timeout=3)
    with pytest.raises(timeplus_dbapi.OperationalError) as caught:
        connection.cursor().execute("SELECT 1")
    assert caught.value.http_status == 502
    assert len(str(caught.value)) < 1000  # the page is cut, not dumped into logs
    assert 2 <= scripted.requests <= 6  # a SELECT is retried after 502, a bounded number of times


# --- errors before the stream, retries ---------------------------------------------------------


def test_select_creation_retried_after_503(
    faulty: EmulatorServer, conn: timeplus_dbapi.Connection
) -> None:
    faulty.faults.fail_next(1, status=503, path_contains="/queries")
    cursor = conn.cursor()
    cursor.execute("SELECT 1 AS one", query_mode="table")
    assert cursor.fetchall() == [(1,)]
    assert faulty.faults.snapshot()["fail_count"] == 0


def test_persistent_5xx_gives_up_with_clear_error(
    faulty: EmulatorServer, conn: timeplus_dbapi.Connection
) -> None:
    faulty.faults.fail_next(1000, status=503, path_contains="/queries")
    started = time.monotonic()
    with pytest.raises(timeplus_dbapi.OperationalError) as caught:
        conn.cursor().execute("SELECT 1")
    assert time.monotonic() - started < 15
    attempts = 1000 - faulty.faults.snapshot()["fail_count"]
    assert 1 <= attempts <= 6  # bounded retries, not a loop
    assert caught.value.http_status == 503
    assert "503" in str(caught.value)
    _names_context(caught.value, conn.client.host, None)
    faulty.faults.reset()
    assert_usable(conn)


def test_429_retry_after_is_honoured(
    faulty: EmulatorServer, conn: timeplus_dbapi.Connection
) -> None:
    faulty.faults.fail_next(1, status=429, retry_after=1, path_contains="/queries")
    started = time.monotonic()
    cursor = conn.cursor()
    cursor.execute("SELECT 2 AS two", query_mode="table")
    assert cursor.fetchall() == [(2,)]
    assert time.monotonic() - started >= 0.95


@pytest.mark.watchdog(20)
def test_huge_retry_after_is_not_a_hang(
    faulty: EmulatorServer, conn: timeplus_dbapi.Connection
) -> None:
    """Retry-After: 3600 must not block for an hour: give up within the configured timeout."""
    faulty.faults.fail_next(1, status=429, retry_after=3600, path_contains="/queries")
    started = time.monotonic()
    with pytest.raises(timeplus_dbapi.OperationalError) as caught:
        conn.cursor().execute("SELECT 1")
    assert time.monotonic() - started < 10  # conn's timeout is 5 s
    assert caught.value.http_status == 429
    faulty.faults.reset()
    assert_usable(conn)


def test_get_retried_after_502(faulty: EmulatorServer, conn: timeplus_dbapi.Connection) -> None:
    faulty.faults.fail_next(1, status=502, path_contains="/streams")
    assert isinstance(conn.client.list_streams(), list)
    assert faulty.faults.snapshot()["fail_count"] == 0


def test_ingest_retries_with_its_idempotency_id_are_bounded(
    faulty: EmulatorServer, server: Server, conn: timeplus_dbapi.Connection
) -> None:
    """Ingest is re-sent under its x-timeplus-idempotent-id (the server stores a body once),
    three times at most."""
    name = server.create_stream("a int32")
    faulty.faults.fail_next(5, status=503, path_contains="/ingest")
    before = faulty.request_counts.get("ingest", 0)
    with pytest.raises(timeplus_dbapi.OperationalError) as caught:
        conn.client.ingest(name, ["a"], [[i] for i in range(10)])
    assert faulty.faults.snapshot()["fail_count"] == 1  # the request and three re-sends
    assert faulty.request_counts.get("ingest", 0) - before == 4
    assert caught.value.rows_accepted == 0
    faulty.faults.reset()
    assert server.count(name) == 0


def test_sql_insert_and_ddl_are_not_retried_after_5xx(
    faulty: EmulatorServer, server: Server, conn: timeplus_dbapi.Connection
) -> None:
    name = server.create_stream("a int32")
    statements = [f"INSERT INTO {name} (a) VALUES (1), (2)",
                  f"CREATE STREAM {name}_new (a int32)"]
    for sql in statements:
        faulty.faults.fail_next(5, status=503, path_contains="/queries")
        with pytest.raises(timeplus_dbapi.OperationalError):
            conn.cursor().execute(sql)
        assert faulty.faults.snapshot()["fail_count"] == 4, sql  # sent exactly once
    faulty.faults.reset()
    assert server.count(name) == 0
    assert not conn.client.stream_exists(f"{name}_new")


def test_ingest_after_429_lands_exactly_once(
    faulty: EmulatorServer, server: Server, conn: timeplus_dbapi.Connection
) -> None:
    name = server.create_stream("a int32")
    faulty.faults.fail_next(1, status=429, retry_after=1, path_contains="/ingest")
    try:
        accepted = conn.client.ingest(name, ["a"], [[i] for i in range(10)])
    except timeplus_dbapi.OperationalError as error:
        assert error.rows_accepted == 0
        accepted = 0
    assert server.count(name) == accepted


def test_ingest_encoding_error_after_posted_bodies_counts_the_post_in_flight(
    faulty: EmulatorServer, server: Server, conn_factory: Connect
) -> None:
    """Bodies are posted while the next is encoded: a value that cannot be encoded (row 1500,
    dozens of bodies in) must still report exactly the rows the posts in flight delivered."""
    name = server.create_stream("a int32, b string")
    connection = conn_factory(timeout=5, ingest_max_bytes=2048)
    rows: list[list[Any]] = [[i, "x" * 30] for i in range(2000)]
    rows[1500][1] = object()
    before = faulty.request_counts.get("ingest", 0)
    # a generator is checked and sent 1,000 rows at a time, so bodies were posted before row 1500
    with pytest.raises(timeplus_dbapi.NotSupportedError, match="object") as caught:
        connection.client.ingest(name, ["a", "b"], iter(rows))
    landed = server.count(name)
    assert 900 < landed <= 1500
    assert caught.value.rows_accepted == landed
    assert faulty.request_counts.get("ingest", 0) - before > 1
    stored = [int(row[0]) for row in server.table_rows(f"SELECT a FROM table({name}) ORDER BY a")]
    assert stored == list(range(landed))


def test_ingest_of_a_list_with_a_value_it_cannot_encode_sends_nothing(
    faulty: EmulatorServer, server: Server, conn_factory: Connect
) -> None:
    """A list of rows is checked whole before the first body: nothing lands."""
    name = server.create_stream("a int32, b string")
    connection = conn_factory(timeout=5, ingest_max_bytes=2048)
    rows: list[list[Any]] = [[i, "x" * 30] for i in range(2000)]
    rows[1500][1] = object()
    before = faulty.request_counts.get("ingest", 0)
    with pytest.raises(timeplus_dbapi.NotSupportedError, match="object") as caught:
        connection.client.ingest(name, ["a", "b"], rows)
    assert not caught.value.rows_accepted
    assert faulty.request_counts.get("ingest", 0) - before == 0
    assert server.count(name) == 0


def test_ingest_failed_post_mid_pipeline_sends_nothing_after_it(
    faulty: EmulatorServer, server: Server, conn_factory: Connect
) -> None:
    """A later body fails (a 500 on every attempt): rows_accepted equals what landed and no
    other body follows the failure."""
    name = server.create_stream("a int32, b string")
    connection = conn_factory(timeout=5, ingest_max_bytes=2048)
    # ~45 rows per body. The first 1,000 rows are encoded as one block and cut into ~22
    # bodies; later rows are pulled a few at a time, so the fault is armed while the body
    # before row 1,100 is being filled (or is in flight).

    def rows() -> Any:
        for i in range(3000):
            if i == 1100:  # the body and its three re-sends (same idempotency id) fail
                faulty.faults.fail_next(4, status=500, path_contains="/ingest")
            yield [i, "x" * 30]

    before = faulty.request_counts.get("ingest", 0)
    with pytest.raises(timeplus_dbapi.DatabaseError) as caught:
        connection.client.ingest(name, ["a", "b"], rows())
    sent = faulty.request_counts.get("ingest", 0) - before
    landed = server.count(name)
    assert caught.value.rows_accepted == landed > 0
    assert 900 < landed < 1200
    assert faulty.faults.snapshot()["fail_count"] == 0
    # the failed post was the last one sent: every body before it landed, none after it
    stored = [int(row[0]) for row in server.table_rows(f"SELECT a FROM table({name}) ORDER BY a")]
    assert stored == list(range(landed))
    assert sent > 20
    time.sleep(0.2)
    assert faulty.request_counts.get("ingest", 0) - before == sent
    assert_usable(connection)


def test_executemany_failed_chunk_reports_rows_accepted(
    server: Server, conn_factory: Connect
) -> None:
    name = server.create_stream("a int32, b string")
    connection = conn_factory(timeout=5, ingest_max_bytes=2048)
    rows: list[tuple[Any, str]] = [(i, "x" * 30) for i in range(400)]
    rows[250] = ("not a number", "bad row")
    # executemany's rows are checked whole before the first body: the bad row is named, and
    # nothing of the batch lands
    with pytest.raises(timeplus_dbapi.DataError, match="row 250") as caught:
        connection.cursor().executemany(f"INSERT INTO {name} (a, b) VALUES (%s, %s)", rows)
    assert not caught.value.rows_accepted
    assert server.count(name) == 0
    assert_usable(connection)


# --- slow and absent servers -------------------------------------------------------------------


@pytest.mark.watchdog(20)
def test_slow_server_bounded_query_times_out(
    faulty: EmulatorServer, server: Server, conn_factory: Connect
) -> None:
    name = _filled_stream(server, 5)
    connection = conn_factory(timeout=1)
    faulty.faults.delay_events(2.5)
    started = time.monotonic()
    with pytest.raises(timeplus_dbapi.OperationalError) as caught:
        cursor = connection.cursor()
        cursor.execute(f"SELECT a FROM table({name})")
        cursor.fetchall()
    assert time.monotonic() - started < 5
    assert "timed out" in str(caught.value)
    _names_context(caught.value, connection.client.host, None)
    faulty.faults.reset()
    assert_usable(connection)


@pytest.mark.watchdog(20)
def test_slow_server_streaming_query_times_out(
    faulty: EmulatorServer, server: Server, conn_factory: Connect
) -> None:
    name = server.create_stream("a int32")
    connection = conn_factory(timeout=1)
    cursor = connection.cursor()
    cursor.execute(f"SELECT a FROM {name}")
    faulty.faults.delay_events(3)  # metrics and rows now come slower than the read timeout
    server.ingest(name, ["a"], [[1]])
    started = time.monotonic()
    with pytest.raises(timeplus_dbapi.OperationalError) as caught:
        for _ in cursor:
            pass
    assert time.monotonic() - started < 8
    _names_context(caught.value, connection.client.host, cursor.query_id)


@pytest.mark.watchdog(30)
def test_server_that_never_answers(conn_factory: Connect) -> None:
    """A listener that accepts connections but never answers (a hung server): every kind of
    request ends with a timeout error within a bounded time."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as silent:
        port = silent.getsockname()[1]
        connection = conn_factory(f"timeplus://127.0.0.1:{port}/default", timeout=1)
        calls: list[Callable[[], object]] = [
            lambda: connection.cursor().execute("SELECT 1"),
            connection.client.list_streams,
            lambda: connection.client.ingest("s", ["a"], [[1]]),
        ]
        for call in calls:
            started = time.monotonic()
            with pytest.raises(timeplus_dbapi.OperationalError) as caught:
                call()
            assert time.monotonic() - started < 8
            assert "timed out" in str(caught.value)
            assert f"127.0.0.1:{port}" in str(caught.value)


def test_server_gone_connect_refused(conn_factory: Connect) -> None:
    port = free_port()
    connection = conn_factory(f"timeplus://127.0.0.1:{port}/default", timeout=2)
    started = time.monotonic()
    with pytest.raises(timeplus_dbapi.OperationalError) as caught:
        connection.cursor().execute("SELECT 1")
    assert time.monotonic() - started < 5
    text = str(caught.value)
    assert f"127.0.0.1:{port}" in text
    assert "refused" in text.lower(), text
    with pytest.raises(timeplus_dbapi.OperationalError):
        connection.client.list_streams()


def test_close_cancels_running_query(
    faulty: EmulatorServer, server: Server, conn: timeplus_dbapi.Connection
) -> None:
    name = server.create_stream("a int32")
    cursor = conn.cursor()
    cursor.execute(f"SELECT a FROM {name}")
    assert any(q["id"] == cursor.query_id for q in server.running_queries())
    cursor.close()
    assert not [q for q in server.wait_no_running() if q["id"] == cursor.query_id]


def _sockets_settled(baseline: int, seconds: float = 5.0) -> int:
    """Open sockets above ``baseline`` once closers had up to ``seconds`` to finish."""
    deadline = time.monotonic() + seconds
    extra = open_sockets() - baseline
    while extra > 0 and time.monotonic() < deadline:
        time.sleep(0.1)
        extra = open_sockets() - baseline
    return extra


@pytest.mark.watchdog(60)
def test_no_socket_leak_after_repeated_faults(
    faulty: EmulatorServer, server: Server, conn_factory: Connect
) -> None:
    """Every failed query closes its response: after closing, no sockets are left open here
    (client sides and, since the emulator runs in-process, the server sides too)."""
    name = _filled_stream(server)
    baseline = open_sockets()
    connection = conn_factory(timeout=5)
    faults: list[Callable[[], None]] = [lambda: faulty.faults.drop_after_events(2),
                                        lambda: faulty.faults.malformed_event_after(1),
                                        lambda: faulty.faults.fail_next(1, status=400)]
    for _ in range(10):
        for inject in faults:
            inject()
            cursor = connection.cursor()
            with pytest.raises(timeplus_dbapi.Error):
                cursor.execute(f"SELECT a FROM table({name})", batching_policy={"count": 10})
                cursor.fetchall()
            cursor.close()
    connection.close()
    assert _sockets_settled(baseline) <= 0
    assert not server.wait_no_running()


class _Interrupt(BaseException):
    """Stands for KeyboardInterrupt (which pytest would treat as the user's)."""


def test_ingest_interrupted_mid_pipeline_leaves_nothing_in_flight(
    faulty: EmulatorServer, server: Server, conn_factory: Connect
) -> None:
    name = server.create_stream("a int32, b string")
    connection = conn_factory(timeout=5, ingest_max_bytes=2048)

    def rows() -> Any:
        for i in range(3000):
            if i == 1500:
                raise _Interrupt
            yield [i, "x" * 30]

    before = faulty.request_counts.get("ingest", 0)
    with pytest.raises(_Interrupt):
        connection.client.ingest(name, ["a", "b"], rows())
    sent = faulty.request_counts.get("ingest", 0) - before
    landed = server.count(name)
    time.sleep(0.3)
    # the post in flight at the interruption was waited for: nothing arrives afterwards
    assert faulty.request_counts.get("ingest", 0) - before == sent
    assert server.count(name) == landed
    # rows are checked and sent 1,000 at a time: the first thousand's full bodies landed
    assert 900 < landed < 1500
    stored = [int(row[0]) for row in server.table_rows(f"SELECT a FROM table({name}) ORDER BY a")]
    assert stored == list(range(landed))
    senders = [t for t in threading.enumerate() if t.name.startswith("timeplus-ingest")]
    for thread in senders:
        thread.join(timeout=1.0)  # an idle pool thread exits once its executor is shut down
    assert not [t for t in senders if t.is_alive()]
    assert_usable(connection)


def test_ingest_encoding_error_while_the_post_in_flight_fails_reports_the_post(
    conn_factory: Connect,
) -> None:
    """Both fail: the earlier request's failure is what the caller gets, with rows_accepted
    (the encoding error is its context). Deterministic: the bad row is produced only once the
    server holds the first request, which it fails 0.3 s later."""
    received = threading.Event()

    def hold_then_fail(number: int) -> None:
        received.set()
        time.sleep(0.3)

    server = ScriptedHttp(
        500,
        b'{"code": 1002, "message": "disk full", "system": "timeplusd"}',
        "application/json",
        before_answer=hold_then_fail,
    )
    connection = conn_factory(server.dsn, timeout=5, ingest_max_bytes=64 * 1024)

    def rows() -> Any:
        for i in range(3000):  # ~45 bytes a row: the first body holds ~1,450 rows
            if i == 2000:
                assert received.wait(5)
                yield [i, object()]
            yield [i, "x" * 30]

    with pytest.raises(timeplus_dbapi.DatabaseError, match="disk full") as caught:
        connection.client.ingest("s", ["a", "b"], rows())
    assert caught.value.http_status == 500
    assert caught.value.rows_accepted == 0
    assert "0 rows were accepted before the failure" in str(caught.value)
    assert isinstance(caught.value.__context__, timeplus_dbapi.NotSupportedError)
    assert server.posts == 4  # the failed post and its three re-sends; no other body
    server.close()


def test_executemany_list_of_mappings_with_a_bad_row_sends_nothing(
    server: Server, conn_factory: Connect
) -> None:
    """A list of parameter sets is checked whole: with named placeholders too."""
    name = server.create_stream("a int64, b string")
    connection = conn_factory(ingest_max_bytes=4096)
    rows: list[dict[str, Any]] = [{"a": i, "b": "x" * 20} for i in range(2000)]
    rows.append({"a": 2000})
    with pytest.raises(timeplus_dbapi.ProgrammingError, match="no value for parameter 'b'"):
        connection.cursor().executemany(
            f"INSERT INTO {name} (a, b) VALUES (%(a)s, %(b)s)", rows
        )
    assert server.count(name) == 0
    assert_usable(connection)


def test_pipelined_ingest_leaves_no_sender_thread_behind(
    server: Server, conn_factory: Connect
) -> None:
    name = server.create_stream("a int64, b string")
    connection = conn_factory(ingest_max_bytes=4096)
    for _ in range(5):
        sent = connection.client.ingest(name, ["a", "b"], [(i, "y" * 20) for i in range(1000)])
        assert sent == 1000
        # checked at once, without joining: the call itself ended its thread
        assert not [t for t in threading.enumerate() if t.name.startswith("timeplus-ingest")]
    assert server.count(name) == 5000


def test_ingest_interrupted_while_waiting_for_a_post_returns_after_it(
    conn_factory: Connect,
) -> None:
    """Ctrl-C while the caller waits for the post in flight: the call ends only once that
    request has been answered (no request outlives the call)."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("needs the main thread to receive SIGINT")
    main = threading.main_thread().ident
    assert main is not None

    def interrupt_while_holding_the_first(number: int) -> None:
        if number == 1:  # a real SIGINT, like Ctrl-C, then the answer 0.5 s later
            time.sleep(0.2)  # the caller now waits for this request
            signal.pthread_kill(main, signal.SIGINT)
            time.sleep(0.5)

    server = ScriptedHttp(
        200, b"", "application/json", before_answer=interrupt_while_holding_the_first
    )
    connection = conn_factory(server.dsn, timeout=5, ingest_max_bytes=2048)
    rows = [[i, "x" * 30] for i in range(120)]  # ~45 bytes a row: three bodies
    with pytest.raises(KeyboardInterrupt):
        connection.client.ingest("s", ["a", "b"], rows)
    assert server.answered >= 2  # the held post was answered before the call ended (and the
    # GET of the stream's columns before it)
    server.close()
