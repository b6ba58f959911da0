"""``TimeplusClient``: ``list_streams(expand=True)`` and the materialized view methods.

Against the emulator over HTTP: the enterprise profile has ``/materialized_views``; the
cloud profile has not, so the client falls back to ``/views`` or raises NotSupportedError.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest

import timeplus_dbapi as db

REAL_SERVER = bool(os.environ.get("TIMEPLUS_TEST_URL"))
pytestmark = pytest.mark.integration


def unique(prefix="m"):
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def ent_conn(timeplus_enterprise_server):
    if REAL_SERVER:
        pytest.skip("the enterprise emulator is not used with TIMEPLUS_TEST_URL")
    connection = db.connect(timeplus_enterprise_server.dsn)
    yield connection
    connection.close()


def _count(connection, stream, expected, timeout=5.0):
    """``count()`` of ``table(stream)`` once it reaches ``expected`` (or at ``timeout``)."""
    deadline = time.monotonic() + timeout
    cur = connection.cursor()
    try:
        while True:
            cur.execute(f"SELECT count() FROM table({stream})")
            seen = int(cur.fetchone()[0])
            if seen >= expected or time.monotonic() > deadline:
                return seen
            time.sleep(0.05)
    finally:
        cur.close()


def _source_and_mv(client):
    source, view = unique("src"), unique("mv")
    client.create_stream(source, [("a", "int32")])
    client.create_view(view, f"SELECT a + 1 AS b FROM {source}", materialized=True)
    return source, view


def test_list_streams_expand_reports_the_ingested_rows(conn, new_stream):
    name = new_stream([("a", "int32")])
    assert conn.client.ingest(name, ["a"], [[i] for i in range(11)]) == 11
    plain = {s["name"]: s for s in conn.client.list_streams()}[name]
    assert "row_count" not in plain
    expanded = {s["name"]: s for s in conn.client.list_streams(expand=True)}[name]
    assert expanded["row_count"] == 11
    assert expanded["create_query"]


def test_materialized_views_listed_and_got(ent_conn):
    client = ent_conn.client
    source, view = _source_and_mv(client)
    try:
        names = [v["name"] for v in client.list_materialized_views()]
        assert view in names
        deadline = time.monotonic() + 5  # the view's query starts in the background
        while client.get_materialized_view(view)["status"] != "ExecutingPipeline":
            assert time.monotonic() < deadline, client.get_materialized_view(view)
            time.sleep(0.05)
        expanded = {v["name"]: v for v in client.list_materialized_views(expand=True)}
        assert expanded[view]["status"] == "ExecutingPipeline"
        got = client.get_materialized_view(view)
        assert (got["name"], got["target_stream"]) == (view, view)
        assert got["query"] == f"SELECT a + 1 AS b FROM {source}"
    finally:
        client.delete_view(view, if_exists=True)
    assert view not in [v["name"] for v in client.list_materialized_views()]


def test_pause_and_resume_through_the_client(ent_conn):
    client = ent_conn.client
    source, view = _source_and_mv(client)
    try:
        client.ingest(source, ["a"], [[1], [2]])
        assert _count(ent_conn, view, 2) == 2
        client.pause_materialized_view(view)
        client.ingest(source, ["a"], [[3], [4], [5]])
        time.sleep(0.5)
        assert _count(ent_conn, view, 3, timeout=0.2) == 2
        stats = client.materialized_view_stats(view)
        assert (stats["status"], stats["row_count"], stats["lagging"]) == ("Paused", 2, 3)
        client.resume_materialized_view(view)
        assert _count(ent_conn, view, 5) == 5
        assert client.materialized_view_stats(view)["row_count"] == 5
    finally:
        client.delete_view(view, if_exists=True)


def test_unknown_materialized_view_is_a_programming_error(ent_conn):
    client = ent_conn.client
    missing = unique("nope")
    for call in (client.get_materialized_view, client.pause_materialized_view,
                 client.resume_materialized_view, client.materialized_view_stats):
        with pytest.raises(db.ProgrammingError) as info:
            call(missing)
        assert info.value.http_status == 404


def test_plain_view_is_not_a_materialized_view(ent_conn, conn):
    for connection in (ent_conn, conn):
        client = connection.client
        source, view = unique("src"), unique("v")
        client.create_stream(source, [("a", "int32")])
        client.create_view(view, f"SELECT a FROM {source}")
        try:
            with pytest.raises(db.ProgrammingError, match="not a materialized view"):
                client.get_materialized_view(view)
            assert view not in [v["name"] for v in client.list_materialized_views()]
        finally:
            client.delete_view(view, if_exists=True)
            client.delete_stream(source, if_exists=True)


def test_cloud_falls_back_to_views_or_says_not_supported(emu_conn):
    client = emu_conn.client
    source, view = _source_and_mv(client)
    try:
        assert view in [v["name"] for v in client.list_materialized_views()]
        assert client.get_materialized_view(view)["materialized"] is True
        for call in (client.pause_materialized_view, client.resume_materialized_view,
                     client.materialized_view_stats):
            with pytest.raises(db.NotSupportedError, match="materialized_views"):
                call(view)
    finally:
        client.delete_view(view, if_exists=True)
        client.delete_stream(source, if_exists=True)
