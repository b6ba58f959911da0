"""The asyncio driver (``timeplus_dbapi.aio``) against the emulator: the fetch API, errors,
bulk ingest, the REST client, and cancellation seen in the server's query status."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable
from typing import Any, Callable

import pytest

import timeplus_dbapi as db
from timeplus_dbapi import aio

pytestmark = pytest.mark.integration

Body = Callable[[aio.AsyncConnection], Awaitable[Any]]


def run(dsn: str, body: Body) -> Any:
    async def main() -> Any:
        async with await aio.connect(dsn) as conn:
            return await body(conn)

    return asyncio.run(main())


async def status_of(conn: aio.AsyncConnection, query_id: str, expected: str) -> str:
    """The server's status of a query, polled until it is ``expected`` (at most 5 s)."""
    deadline = time.monotonic() + 5
    status = ""
    while time.monotonic() < deadline:
        status = str((await conn.client.get_query(query_id)).get("status"))
        if status == expected:
            break
        await asyncio.sleep(0.05)
    return status


async def new_stream(conn: aio.AsyncConnection) -> str:
    name = f"aio_{uuid.uuid4().hex[:12]}"
    await conn.client.create_stream(name, [("n", "int64"), ("s", "string")])
    return name


def test_fetchmany_with_a_size_that_is_no_count_is_a_programming_error(profile_dsn):
    async def body(conn):
        cur = conn.cursor()
        await cur.execute("SELECT number FROM numbers(3)", query_mode="table")
        for size in (-1, 2.5):
            with pytest.raises(db.ProgrammingError, match="fetchmany"):
                await cur.fetchmany(size)
        return await cur.fetchall()

    assert run(profile_dsn, body) == [(0,), (1,), (2,)]


def test_fetch_api_and_description(profile_dsn):
    async def body(conn):
        cur = conn.cursor()
        await cur.execute(
            "SELECT number, to_string(number) AS s FROM numbers(%(n)s)",
            {"n": 6},
            query_mode="table",
        )
        assert [d[:2] for d in cur.description] == [("number", "uint64"), ("s", "string")]
        assert cur.query_id and cur.rowcount == -1
        first = await cur.fetchone()
        two = await cur.fetchmany(2)
        rest = await cur.fetchall()
        await cur.execute("SELECT number FROM numbers(3)", query_mode="table")
        iterated = [row async for row in cur]
        await cur.close()
        return first, two, rest, iterated

    first, two, rest, iterated = run(profile_dsn, body)
    assert first == (0, "0")
    assert two == [(1, "1"), (2, "2")]
    assert rest == [(3, "3"), (4, "4"), (5, "5")]
    assert iterated == [(0,), (1,), (2,)]


def test_errors_are_the_sync_classes_with_the_same_attributes(timeplus_dsn):
    sql = "SELECT no_such_column FROM numbers(1)"

    async def body(conn):
        with pytest.raises(db.Error) as failure:
            await conn.cursor().execute(sql)
        return failure.value

    error = run(timeplus_dsn, body)
    assert type(error) is db.ProgrammingError
    assert (error.code, error.http_status) == (47, 400)
    with db.connect(timeplus_dsn) as sync_conn, pytest.raises(db.Error) as sync_failure:
        sync_conn.cursor().execute(sql)
    assert type(sync_failure.value) is type(error)
    assert (sync_failure.value.code, sync_failure.value.http_status) == (47, 400)


def test_closed_cursor_and_connection_refuse_use(timeplus_dsn):
    async def body(conn):
        cur = conn.cursor()
        await cur.close()
        with pytest.raises(db.InterfaceError):
            await cur.execute("SELECT 1")
        await conn.close()
        with pytest.raises(db.InterfaceError):
            conn.cursor()

    run(timeplus_dsn, body)


def test_executemany_ingests_through_the_shared_encoder(profile_dsn):
    rows = [(i, f"v{i}") for i in range(2500)]

    async def body(conn):
        name = await new_stream(conn)
        try:
            cur = conn.cursor()
            await cur.executemany(f"INSERT INTO {name} (n, s) VALUES (%s, %s)", rows)
            accepted = cur.rowcount
            await cur.execute(f"INSERT INTO {name} (n, s) VALUES (%s, %s)", (-1, "one"))
            single = cur.rowcount
            await cur.execute(
                f"SELECT count(), sum(n), max(s) FROM table({name})", query_mode="table"
            )
            return accepted, single, await cur.fetchall()
        finally:
            await conn.client.delete_stream(name)

    accepted, single, totals = run(profile_dsn, body)
    assert (accepted, single) == (2500, 1)
    assert totals == [(2501, sum(range(2500)) - 1, "v999")]


def test_ingest_refuses_a_bad_value_before_sending(timeplus_dsn):
    async def body(conn):
        name = await new_stream(conn)
        try:
            cur = conn.cursor()
            with pytest.raises(db.DataError):
                await cur.executemany(
                    f"INSERT INTO {name} (n, s) VALUES (%s, %s)", [(1, "a"), (2**70, "b")]
                )
            await cur.execute(f"SELECT count() FROM table({name})", query_mode="table")
            return await cur.fetchall()
        finally:
            await conn.client.delete_stream(name)

    assert run(timeplus_dsn, body) == [(0,)]


def test_rest_client_streams_ingest_and_queries(profile_dsn):
    async def body(conn):
        client = conn.client
        name = await new_stream(conn)
        listed = name in [s.get("name") for s in await client.list_streams()]
        described = [c["name"] for c in (await client.get_stream(name))["columns"]][:2]
        accepted = await client.ingest(name, ["n", "s"], [(1, "a"), (2, "b")])
        await client.ingest_payload(name, '{"n": 3, "s": "c"}\n', format="streaming")
        cur = conn.cursor()
        await cur.execute(f"SELECT n, s FROM table({name}) ORDER BY n", query_mode="table")
        rows = await cur.fetchall()
        await client.delete_stream(name)
        gone = await client.stream_exists(name)
        return listed, described, accepted, rows, gone

    listed, described, accepted, rows, gone = run(profile_dsn, body)
    assert listed and described == ["n", "s"] and accepted == 2
    assert rows == [(1, "a"), (2, "b"), (3, "c")]
    assert gone is False


@pytest.mark.parametrize("close_first", [True, False])
def test_leaving_async_for_early_cancels_a_streaming_query(timeplus_dsn, close_first):
    """With or without close(): the iterator's finalizer cancels the query by itself, and
    a fetch after it sees the end without an error (as after cancel())."""
    async def body(conn):
        name = await new_stream(conn)
        cur = conn.cursor()
        await cur.execute(f"SELECT n FROM {name}")
        await conn.client.ingest(name, ["n", "s"], [(i, "x") for i in range(5)])
        seen = []
        async for row in cur:
            seen.append(row)
            if len(seen) == 2:
                break
        query_id = cur.query_id
        after = None
        if close_first:
            await cur.close()
        status = await status_of(conn, query_id, "canceled")
        if not close_first:
            after = await cur.fetchall()
            await cur.close()
        await conn.client.delete_stream(name)
        return seen, status, after

    seen, status, after = run(timeplus_dsn, body)
    assert seen == [(0,), (1,)]
    assert status == "canceled"
    assert after == (None if close_first else [])


@pytest.mark.parametrize("how", ["wait_for", "task_cancel", "cursor_cancel", "timeout"])
def test_cancelling_the_wait_for_rows_cancels_the_query(timeplus_dsn, how):
    if how == "timeout" and sys.version_info < (3, 11):
        pytest.skip("asyncio.timeout is Python 3.11+")

    async def body(conn):
        name = await new_stream(conn)
        cur = conn.cursor()
        await cur.execute(f"SELECT n FROM {name}")  # a live query: no rows arrive
        if how == "wait_for":
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(cur.fetchone(), 0.3)
        elif how == "timeout":
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.3):  # type: ignore[attr-defined]
                    await cur.fetchmany(10)
        elif how == "task_cancel":
            task = asyncio.ensure_future(cur.fetchall())
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        else:
            await cur.cancel()
        status = await status_of(conn, str(cur.query_id), "canceled")
        await conn.client.delete_stream(name)
        return status

    assert run(timeplus_dsn, body) == "canceled"


def test_idle_timeout_ends_a_live_query_and_cancels_it(timeplus_dsn):
    async def body(conn):
        name = await new_stream(conn)
        cur = conn.cursor()
        await cur.execute(f"SELECT n FROM {name}", idle_timeout=0.4)
        started = time.monotonic()
        rows = await cur.fetchall()
        waited = time.monotonic() - started
        status = await status_of(conn, str(cur.query_id), "canceled")
        await conn.client.delete_stream(name)
        return rows, waited, status

    rows, waited, status = run(timeplus_dsn, body)
    assert rows == [] and 0.3 < waited < 5 and status == "canceled"


def test_connection_close_cancels_open_cursors(timeplus_dsn):
    async def main():
        conn = await aio.connect(timeplus_dsn)
        name = await new_stream(conn)
        cur = conn.cursor()
        await cur.execute(f"SELECT n FROM {name}")
        query_id = str(cur.query_id)
        await conn.close()
        async with await aio.connect(timeplus_dsn) as other:
            status = await status_of(other, query_id, "canceled")
            await other.client.delete_stream(name)
        return status

    assert asyncio.run(main()) == "canceled"


_MANY_QUERIES = """
import asyncio, sys, threading
from timeplus_dbapi import aio

async def main(dsn, name, count):
    async with await aio.connect(dsn) as conn:
        cursors = [conn.cursor() for _ in range(count)]
        await asyncio.gather(*(c.execute(f"SELECT n FROM {name}") for c in cursors))
        await conn.client.ingest(name, ["n", "s"], [(7, "x")])
        rows = await asyncio.gather(*(asyncio.wait_for(c.fetchone(), 20) for c in cursors))
        threads = threading.active_count()
        await asyncio.gather(*(c.close() for c in cursors))
        print(len(rows), sum(r == (7,) for r in rows), threads)

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


def test_fifty_live_queries_in_one_event_loop_without_a_thread_each(timeplus_dsn):
    async def create(conn):
        return await new_stream(conn)

    name = run(timeplus_dsn, create)
    try:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        done = subprocess.run(
            [sys.executable, "-c", _MANY_QUERIES, timeplus_dsn, name, "50"],
            capture_output=True, text=True, timeout=120, env=env, check=False,
        )
    finally:
        async def drop(conn):
            await conn.client.delete_stream(name)

        run(timeplus_dsn, drop)
    assert done.returncode == 0, done.stderr
    count, with_row, threads = map(int, done.stdout.split())
    assert (count, with_row) == (50, 50)
    assert threads <= 4  # the main thread and aiohttp's resolver/executor, not one per query


def test_callproc_and_values_checks_match_the_sync_cursor(timeplus_dsn):
    async def body(conn):
        cur = conn.cursor()
        returned = await cur.callproc("plus", (2, 3))
        summed = await cur.fetchall()
        name = await new_stream(conn)
        try:
            with pytest.raises(db.DataError):  # checked before sending, as ingest checks
                await cur.execute(
                    f"INSERT INTO {name} (n, s) VALUES (%s, lower(%s))", (2**70, "A")
                )
            await cur.executemany(
                f"INSERT INTO {name} (n, s) VALUES (%s, lower(%s))", [(1, "A"), (2, "B")]
            )
            inserted = cur.rowcount
            await cur.execute(f"SELECT n, s FROM table({name}) ORDER BY n", query_mode="table")
            return returned, summed, inserted, await cur.fetchall()
        finally:
            await conn.client.delete_stream(name)

    returned, summed, inserted, rows = run(timeplus_dsn, body)
    assert returned == (2, 3) and summed == [(5,)]
    assert inserted == 2 and rows == [(1, "a"), (2, "b")]


def test_fetching_after_leaving_async_for_goes_on_from_the_next_row(timeplus_dsn):
    async def body(conn):
        cur = conn.cursor()
        await cur.execute("SELECT number FROM numbers(5)", query_mode="table")
        async for row in cur:
            if row == (1,):
                break
        return await cur.fetchone(), await cur.fetchall()

    assert run(timeplus_dsn, body) == ((2,), [(3,), (4,)])


def test_without_aiohttp_the_import_names_the_extra():
    code = "import sys; sys.modules['aiohttp'] = None\nfrom timeplus_dbapi import aio"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "install the 'async' extra" in done.stderr


def test_stream_stats(timeplus_dsn):
    async def body(conn):
        name = await new_stream(conn)
        try:
            await conn.client.ingest(name, ["n", "s"], [(1, "a")])
            return await conn.client.stream_stats(name)
        finally:
            await conn.client.delete_stream(name)

    with db.connect(timeplus_dsn) as sync_conn:
        name = f"aio_{uuid.uuid4().hex[:12]}"
        sync_conn.client.create_stream(name, [("n", "int64")])
        expected_keys = set(sync_conn.client.stream_stats(name))
        sync_conn.client.delete_stream(name)
    stats = run(timeplus_dsn, body)
    assert isinstance(stats, dict) and set(stats) == expected_keys


def test_analyze_sql_says_whether_a_query_streams(timeplus_dsn):
    """``POST /sqlanalyze`` through both clients: a stream read live streams, table() does not."""
    with db.connect(timeplus_dsn) as sync_conn:
        name = f"aio_{uuid.uuid4().hex[:12]}"
        sync_conn.client.create_stream(name, [("n", "int64")])
        try:
            live = sync_conn.client.analyze_sql(f"SELECT n FROM {name}")
            stored = run(timeplus_dsn, lambda conn: conn.client.analyze_sql(
                f"SELECT count() FROM table({name})"))
        finally:
            sync_conn.client.delete_stream(name)
    assert (live["is_streaming"], live["query_type"]) == (True, "select")
    assert (stored["is_streaming"], stored["has_aggr"]) == (False, True)


def test_materialized_view_methods(timeplus_enterprise_server, timeplus_dsn):
    source, view = f"src_{uuid.uuid4().hex[:10]}", f"mv_{uuid.uuid4().hex[:10]}"

    async def enterprise(conn):
        client = conn.client
        await client.create_stream(source, [("a", "int32")])
        await client.create_view(view, f"SELECT a + 1 AS b FROM {source}", materialized=True)
        try:
            listed = view in [v.get("name") for v in await client.list_materialized_views()]
            got = (await client.get_materialized_view(view)).get("name")
            await client.pause_materialized_view(view)
            await client.resume_materialized_view(view)
            stats = await client.materialized_view_stats(view)
            with pytest.raises(db.ProgrammingError):
                await client.get_materialized_view(f"no_such_{view}")
            return listed, got, isinstance(stats, dict)
        finally:
            await client.delete_view(view, if_exists=True)
            await client.delete_stream(source, if_exists=True)

    async def cloud(conn):
        with pytest.raises(db.NotSupportedError, match="no /materialized_views"):
            await conn.client.pause_materialized_view("whatever")
        return await conn.client.list_materialized_views()

    assert run(timeplus_enterprise_server.dsn, enterprise) == (True, view, True)
    assert isinstance(run(timeplus_dsn, cloud), list)


def test_ingest_frame(timeplus_dsn):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"n": [3, 1, 2], "s": ["c", None, "b"]})

    async def body(conn):
        name = f"aio_{uuid.uuid4().hex[:12]}"
        await conn.client.create_stream(name, [("n", "int64"), ("s", "nullable(string)")])
        try:
            sent = await conn.client.ingest_frame(name, frame)
            cur = conn.cursor()
            await cur.execute(f"SELECT n, s FROM table({name}) ORDER BY n", query_mode="table")
            return sent, await cur.fetchall()
        finally:
            await conn.client.delete_stream(name)

    assert run(timeplus_dsn, body) == (3, [(1, None), (2, "b"), (3, "c")])
    with pytest.raises(db.ProgrammingError, match="needs a pandas DataFrame"):
        run(timeplus_dsn, lambda conn: conn.client.ingest_frame("x", [(1, "a")]))


def test_async_listings_of_another_database(timeplus_enterprise_server):
    """``db=`` on the async client's listings, as on the sync one."""
    database, name = f"adb_{uuid.uuid4().hex[:8]}", f"s_{uuid.uuid4().hex[:8]}"

    async def body(conn):
        client = conn.client
        await client.execute_command(f"CREATE DATABASE {database}")
        await client.execute_command(f"CREATE STREAM {database}.{name} (n int32)")
        await client.execute_command(f"CREATE VIEW {database}.v_{name} AS SELECT n "
                                     f"FROM {database}.{name}")
        there = {s["name"] for s in await client.list_streams(db=database)}
        here = {s["name"] for s in await client.list_streams()}
        views = [v["name"] for v in await client.list_views(db=database)]
        await client.execute_command(f"DROP DATABASE {database}")
        return there, here, views

    there, here, views = run(timeplus_enterprise_server.dsn, body)
    assert name in there and name not in here and views == [f"v_{name}"]
