"""Query lifecycle: cancel on close, idle timeout, interrupted and broken streams."""

from __future__ import annotations

import signal
import time

import pytest

import timeplus_dbapi as db

pytestmark = pytest.mark.integration


def wait_for_status(client, query_id, expected, timeout=5.0):
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = client.get_query(query_id).get("status")
        if status == expected:
            return status
        time.sleep(0.05)
    return status


def test_cursor_close_cancels_the_server_query(conn, new_stream):
    name = new_stream([("n", "int64")])
    cur = conn.cursor()
    cur.execute(f"SELECT n FROM {name}")
    query_id = cur.query_id
    assert conn.client.get_query(query_id)["status"] == "running"
    cur.close()
    assert wait_for_status(conn.client, query_id, "canceled") == "canceled"


def test_connection_close_cancels_open_queries(profile_dsn, new_stream, conn):
    name = new_stream([("n", "int64")])
    other = db.connect(profile_dsn)
    ids = []
    for _ in range(2):
        cur = other.cursor()
        cur.execute(f"SELECT n FROM {name}")
        ids.append(cur.query_id)
    other.close()
    for query_id in ids:
        assert wait_for_status(conn.client, query_id, "canceled") == "canceled"
    with pytest.raises(db.InterfaceError):
        cur.execute("SELECT 1")


def test_idle_timeout_ends_a_quiet_streaming_result(conn, new_stream):
    name = new_stream([("n", "int64")])
    conn.client.ingest(name, ["n"], [[1]])
    cur = conn.cursor()
    started = time.monotonic()
    cur.execute(f"SELECT n FROM {name}", idle_timeout=1.0)
    assert cur.fetchall() == []  # only new events stream; none arrive
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 5
    assert wait_for_status(conn.client, cur.query_id, "canceled") == "canceled"


def test_idle_timeout_from_the_dsn(profile_dsn, new_stream):
    with db.connect(profile_dsn, idle_timeout=0.5) as quiet:
        name = new_stream([("n", "int64")])
        cur = quiet.cursor()
        cur.execute(f"SELECT n FROM {name}")
        assert cur.fetchone() is None


def test_keyboard_interrupt_during_fetch_cancels_on_server(conn, new_stream):
    name = new_stream([("n", "int64")])
    cur = conn.cursor()
    cur.execute(f"SELECT n FROM {name}")

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            cur.fetchone()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert wait_for_status(conn.client, cur.query_id, "canceled") == "canceled"


def test_dropped_connection_mid_stream_is_operational_error(emulator, emu_conn, emu_stream):
    name = emu_stream([("n", "int64")])
    emu_conn.client.ingest(name, ["n"], [[i] for i in range(100)])
    emulator.faults.drop_after_events(1)
    cur = emu_conn.cursor()
    with pytest.raises(db.OperationalError) as info:
        cur.execute(f"SELECT n FROM table({name})", batching_policy={"count": 10, "time_ms": 10})
        cur.fetchall()
    assert cur.query_id is None or cur.query_id in str(info.value) or info.value.query_id


def test_dropped_streaming_query_mid_stream(emulator, emu_conn, emu_stream):
    name = emu_stream([("n", "int64")])
    emulator.faults.drop_after_events(2)
    cur = emu_conn.cursor()
    cur.execute(f"SELECT n FROM {name}")
    emu_conn.client.ingest(name, ["n"], [[1]])
    emu_conn.client.ingest(name, ["n"], [[2]])
    with pytest.raises(db.OperationalError):
        for _ in range(10):
            cur.fetchone()


def test_malformed_event_is_operational_error(emulator, emu_conn):
    emulator.faults.malformed_event_after(1)
    cur = emu_conn.cursor()
    with pytest.raises(db.OperationalError, match="malformed"):
        cur.execute("SELECT number FROM numbers(5)", query_mode="table")
        cur.fetchall()


def test_select_creation_is_retried_after_a_503(emulator, emu_conn):
    emulator.faults.fail_next(1, status=503, path_contains="/queries")
    cur = emu_conn.cursor()
    cur.execute("SELECT 7", query_mode="table")
    assert cur.fetchall() == [(7,)]


def test_persistent_503_gives_up_with_the_status(emulator, emu_conn):
    emulator.faults.fail_next(50, status=503, path_contains="/queries")
    with pytest.raises(db.OperationalError) as info:
        emu_conn.cursor().execute("SELECT 1")
    assert info.value.http_status == 503
    assert 50 - emulator.faults.snapshot()["fail_count"] == 4  # 1 try + 3 retries


def test_ddl_is_not_resent_after_a_503(emulator, emu_conn, emu_stream):
    name = emu_stream([("n", "int64")])
    emulator.faults.fail_next(5, status=503, path_contains="/queries")
    with pytest.raises(db.OperationalError):
        emu_conn.cursor().execute(f"INSERT INTO {name} (n) SELECT 1")
    assert emulator.faults.snapshot()["fail_count"] == 4  # exactly one request


def test_429_is_retried_after_retry_after(emulator, emu_conn, emu_stream):
    name = emu_stream([("n", "int64")])
    emulator.faults.fail_next(1, status=429, retry_after=1, path_contains="/ingest")
    started = time.monotonic()
    assert emu_conn.client.ingest(name, ["n"], [[1], [2]]) == 2
    assert time.monotonic() - started >= 0.95
    cur = emu_conn.cursor()
    cur.execute(f"SELECT count() FROM table({name})")
    assert cur.fetchone() == (2,)


def test_a_silent_server_times_out_instead_of_hanging(emulator, emu_stream):
    name = emu_stream([("n", "int64")])
    emulator.faults.delay_events(2.5)  # applies to streams started from now on
    with db.connect(emulator.dsn, timeout=1) as impatient:
        started = time.monotonic()
        with pytest.raises(db.OperationalError, match="timed out") as info:
            cur = impatient.cursor()
            cur.execute(f"SELECT n FROM {name}")
            cur.fetchall()
        assert time.monotonic() - started < 4
        assert impatient.params.host in str(info.value)


def test_refused_connection_names_the_cause():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with db.connect(f"timeplus://127.0.0.1:{port}/default", timeout=2) as nowhere:
        with pytest.raises(db.OperationalError, match=r"(?i)refused") as info:
            nowhere.cursor().execute("SELECT 1")
    assert f"127.0.0.1:{port}" in str(info.value)


def test_query_lifecycle_via_client(conn, new_stream):
    name = new_stream([("n", "int64")])
    cur = conn.cursor()
    cur.execute(f"SELECT n FROM {name}")
    query_id = cur.query_id
    assert any(q.get("id") == query_id for q in conn.client.list_queries())
    assert conn.client.get_query(query_id)["sql"]
    conn.client.cancel_query(query_id)
    assert wait_for_status(conn.client, query_id, "canceled") == "canceled"
    with pytest.raises(db.OperationalError, match="canceled") as canceled:
        cur.fetchall()  # cancelled elsewhere: what was read is not the whole result
    assert canceled.value.code == 394 and canceled.value.query_id == query_id
    conn.client.delete_query(query_id)
    with pytest.raises(db.ProgrammingError) as info:
        conn.client.get_query(query_id)
    assert info.value.http_status == 404
