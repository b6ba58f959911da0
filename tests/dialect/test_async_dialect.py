"""``timeplus+async://`` on ``create_async_engine``: execute, DDL through the REST client,
bulk insert, reflection, ``AsyncSession``, and ``stream()`` yielding the rows of a live query
as they arrive, with the query cancelled on the server when the result is closed."""

from __future__ import annotations

import asyncio
import time
import uuid
from importlib import metadata
from typing import Any

import pytest
import sqlalchemy as sa

if sa.__version__.startswith("1."):
    pytest.skip("timeplus+async needs SQLAlchemy 2.x", allow_module_level=True)
pytest.importorskip("greenlet")
pytest.importorskip("aiohttp")

from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

import timeplus_dbapi

pytestmark = pytest.mark.integration


def async_url(dsn: str) -> str:
    return "timeplus+async://" + dsn.split("://", 1)[1]


def test_the_entry_point_names_the_async_dialect():
    found = {ep.name: ep.value for ep in metadata.entry_points(group="sqlalchemy.dialects")}
    if "timeplus.async" not in found:
        pytest.skip("the installed metadata predates the timeplus.async entry point")
    assert found["timeplus.async"] == "sqlalchemy_timeplus.async_dialect:TimeplusAsyncDialect"


@pytest.fixture(autouse=True)
def _registered() -> None:
    # the entry point, where the installed metadata is older than this checkout
    sa.dialects.registry.register(
        "timeplus.async", "sqlalchemy_timeplus.async_dialect", "TimeplusAsyncDialect"
    )


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_execute_ddl_insert_select_and_reflection(timeplus_dsn):
    name = f"aio_{uuid.uuid4().hex[:10]}"
    metadata_ = sa.MetaData()
    table = sa.Table(name, metadata_, sa.Column("a", sa.Integer), sa.Column("b", sa.String))

    async def main() -> Any:
        engine = create_async_engine(async_url(timeplus_dsn))
        try:
            async with engine.connect() as conn:
                await conn.run_sync(metadata_.create_all)
                await conn.execute(table.insert(), [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}])
                rows = (await conn.execute(sa.select(table).order_by(table.c.a))).all()
                names = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
                columns = await conn.run_sync(
                    lambda c: [col["name"] for col in sa.inspect(c).get_columns(name)]
                )
                await conn.run_sync(metadata_.drop_all)
                return rows, name in names, columns
        finally:
            await engine.dispose()

    rows, listed, columns = run(main())
    assert rows == [(1, "x"), (2, "y")]
    assert listed and columns[:2] == ["a", "b"]


@pytest.mark.parametrize("profile", ["cloud", "enterprise"])
def test_async_session_runs_statements(request, profile):
    fixture = "timeplus_server" if profile == "cloud" else "timeplus_enterprise_server"
    dsn = request.getfixturevalue(fixture).dsn

    async def main() -> Any:
        engine = create_async_engine(async_url(dsn))
        try:
            async with AsyncSession(engine) as session:
                result = await session.execute(
                    sa.text("SELECT number * 2 FROM numbers(:n)"), {"n": 3}
                )
                streamed = await session.stream(sa.text("SELECT number FROM numbers(2)"))
                return result.all(), [row async for row in streamed]
        finally:
            await engine.dispose()

    assert run(main()) == ([(0,), (2,), (4,)], [(0,), (1,)])


def _status_of(dsn: str, marker: str) -> str:
    with timeplus_dbapi.connect(dsn) as conn:
        deadline = time.monotonic() + 5
        status = ""
        while time.monotonic() < deadline:
            found = [q for q in conn.client.list_queries() if marker in str(q.get("sql"))]
            status = str(found[-1].get("status")) if found else "missing"
            if status == "canceled":
                break
            time.sleep(0.05)
        return status


def test_stream_yields_live_rows_as_they_arrive_and_cancels_on_close(timeplus_dsn):
    name = f"aio_{uuid.uuid4().hex[:10]}"
    with timeplus_dbapi.connect(timeplus_dsn) as sync_conn:
        sync_conn.client.create_stream(name, [("n", "int64")])
    live = sa.text(f"SELECT n FROM {name}").execution_options(timeplus_query_mode="streaming")

    async def main() -> Any:
        engine = create_async_engine(async_url(timeplus_dsn))
        seen = []
        try:
            async with engine.connect() as conn, engine.connect() as writer:
                async with conn.stream(live) as result:
                    for value in (10, 20):
                        insert = sa.text(f"INSERT INTO {name} (n) VALUES (:n)")
                        await writer.execute(insert, {"n": value})
                        row = await asyncio.wait_for(result.__anext__(), 10)
                        seen.append(row[0])  # each row arrives before the next is sent
        finally:
            await engine.dispose()
        return seen

    try:
        assert run(main()) == [10, 20]
        assert _status_of(timeplus_dsn, name) == "canceled"
    finally:
        with timeplus_dbapi.connect(timeplus_dsn) as sync_conn:
            sync_conn.client.delete_stream(name, if_exists=True)
