"""The ``database`` connection parameter: unqualified names resolve in that database.

Integration tests against the enterprise emulator over HTTP (it honours ``?db=`` on every
route the driver sends it on); the cloud emulator refuses a database other than ``default``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import timeplus_dbapi as db
from timeplus_dbapi import aio
from timeplus_dbapi.protocol.http import HttpConfig, TransportBase

pytestmark = pytest.mark.integration


def _x(conn: db.Connection, sql: str) -> list[Any]:
    cur = conn.cursor()
    cur.execute(sql)
    return [row[0] for row in cur.fetchall()]


def test_queries_resolve_in_the_keyword_or_dsn_database(
        split_database: tuple[str, str, str]) -> None:
    dsn, database, name = split_database
    with db.connect(dsn) as plain:
        assert _x(plain, f"SELECT x FROM table({name})") == ["in default"]
    for conn in (db.connect(dsn, database=database), db.connect(f"{dsn}?database={database}")):
        with conn:
            assert conn.params.database == database
            assert _x(conn, f"SELECT x FROM table({name})") == ["in db"]
            assert _x(conn, f"SELECT x FROM table(default.{name})") == ["in default"]


def test_rest_calls_and_ingest_use_the_database(split_database: tuple[str, str, str]) -> None:
    dsn, database, name = split_database
    with db.connect(dsn, database=database) as conn:
        client = conn.client
        assert [c["name"] for c in client.get_stream(name)["columns"]] == ["x", "extra", "_tp_time"]
        assert name in [s["name"] for s in client.list_streams()]
        assert client.ingest(name, ["x", "extra"], [["ingested", 2]]) == 1
        cur = conn.cursor()
        cur.execute(f"CREATE VIEW v_{name} AS SELECT extra FROM table({name})")
        assert client.analyze_sql(f"SELECT * FROM v_{name}")["has_table_function"] is True
        assert sorted(_x(conn, f"SELECT x FROM table({name})")) == ["in db", "ingested"]
    with db.connect(dsn) as plain:
        assert _x(plain, f"SELECT x FROM table({name})") == ["in default"]
        assert [c["name"] for c in plain.client.get_stream(name)["columns"]] == ["x", "_tp_time"]


def test_asyncio_connection_uses_the_database(split_database: tuple[str, str, str]) -> None:
    dsn, database, name = split_database

    async def main() -> list[Any]:
        async with await aio.connect(dsn, database=database) as conn:
            cur = conn.cursor()
            await cur.execute(f"SELECT x FROM table({name})")
            rows = await cur.fetchall()
            stream = await conn.client.get_stream(name)
            return [rows, [c["name"] for c in stream["columns"]]]

    assert asyncio.run(main()) == [[("in db",)], ["x", "extra", "_tp_time"]]


def test_unknown_database_is_an_error_without_the_password(
        timeplus_enterprise_server: Any) -> None:
    with db.connect(timeplus_enterprise_server.dsn, database="no_such_db") as conn:
        with pytest.raises(db.DatabaseError) as caught:
            conn.cursor().execute("SELECT 1")
    assert getattr(caught.value, "code", None) == 81
    assert "secret" not in str(caught.value) and "secret" not in repr(conn.params)


def test_cloud_refuses_another_database(timeplus_dsn: str) -> None:
    with db.connect(timeplus_dsn, database="analytics") as conn:
        with pytest.raises(db.NotSupportedError, match="not supported"):
            conn.cursor().execute("SELECT 1")
    with db.connect(timeplus_dsn, database="default") as conn:
        assert _x(conn, "SELECT 1") == [1]


def test_db_goes_only_to_database_scoped_routes_and_a_callers_db_wins() -> None:
    transport = TransportBase(HttpConfig("http://h:1/default/api", database="a&b=c/d"))
    scoped = ["v1beta2/queries", "v1beta2/exec", "v1beta2/sqlanalyze", "v1beta2/streams",
              "v1beta2/streams/s/ingest", "v1beta2/views/v", "v1beta2/materialized_views/m"]
    for path in scoped:
        assert transport.params(path, None) == {"db": "a&b=c/d"}
        assert transport.params(path, {"format": "lines"}) == {"format": "lines",
                                                               "db": "a&b=c/d"}
        assert transport.params(path, {"db": "default"}) == {"db": "default"}
    for path in ("v1beta2/queries/abc", "v1beta2/queries/abc/cancel", "v1beta2/info",
                 "v1beta2/format"):
        assert transport.params(path, None) is None
    assert TransportBase(HttpConfig("http://h:1/w/api")).params("v1beta2/queries", None) is None


def test_db_is_percent_encoded_on_the_wire(timeplus_enterprise_server: Any) -> None:
    odd = "d&x=1 é"
    with db.connect(timeplus_enterprise_server.dsn) as conn:
        conn.cursor().execute(f"CREATE DATABASE IF NOT EXISTS `{odd}`")
    with db.connect(timeplus_enterprise_server.dsn, database=odd) as conn:
        assert conn.client.list_streams() == []
        assert _x(conn, "SELECT 1") == [1]


def test_an_empty_database_is_refused() -> None:
    with pytest.raises(db.InterfaceError, match="database"):
        db.connect("timeplus://h:1/default?database=")
