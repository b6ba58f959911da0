"""Streams from Table objects, bulk INSERT through ingest, views and reflection (emulator)."""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import uuid
from typing import Any

import pytest
import requests
import sqlalchemy as sa

import sqlalchemy_timeplus as tp

pytestmark = pytest.mark.integration


def _server_stream(engine: sa.engine.Engine, name: str) -> dict[str, Any]:
    """The stream object straight from the REST API (not through the dialect)."""
    url = engine.url
    response = requests.get(
        f"http://{url.host}:{url.port}/{url.database}/api/v1beta2/streams/{name}", timeout=10
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def test_create_all_makes_a_stream_and_drop_deletes_it(
    profile_engine: sa.engine.Engine, stream_name: str
) -> None:
    metadata = sa.MetaData()
    sa.Table(
        stream_name,
        metadata,
        sa.Column("id", sa.BigInteger, nullable=False),
        sa.Column("label", sa.String),
        sa.Column("price", sa.Numeric(10, 2)),
        sa.Column("at", sa.DateTime(timezone=True)),
        sa.Index("ignored_index", "label"),
    )
    metadata.create_all(profile_engine)
    metadata.create_all(profile_engine)  # checkfirst: no error the second time
    with profile_engine.connect() as conn:
        assert profile_engine.dialect.has_table(conn, stream_name)
        columns = {c["name"]: c for c in sa.inspect(conn).get_columns(stream_name)}
    assert str(columns["id"]["type"]) == "int64" and columns["id"]["nullable"] is False
    assert str(columns["price"]["type"]) == "decimal(10, 2)" and columns["price"]["nullable"]
    assert str(columns["at"]["type"]) == "datetime64(6, 'UTC')"
    metadata.drop_all(profile_engine)
    with profile_engine.connect() as conn:
        assert not profile_engine.dialect.has_table(conn, stream_name)
    metadata.drop_all(profile_engine)  # checkfirst again


def test_stream_options_reach_the_server(engine: sa.engine.Engine, stream_name: str) -> None:
    table = sa.Table(
        stream_name,
        sa.MetaData(),
        sa.Column("key", sa.String, primary_key=True),
        sa.Column("value", sa.Integer, server_default=sa.text("7")),
        sa.Column("note", sa.String, server_default="n/a", nullable=False),
        timeplus_mode="versioned_kv",
        timeplus_logstore_retention_ms=3_600_000,
        timeplus_ttl_expression="to_datetime(_tp_time) + INTERVAL 1 DAY",
    )
    table.create(engine)
    stream = _server_stream(engine, stream_name)
    assert stream["mode"] == "versioned_kv"
    assert stream["primary_key"] in ("key", "`key`", ["key"])
    assert stream["logstore_retention_ms"] == 3_600_000
    assert "INTERVAL 1 DAY" in stream["ttl_expression"]
    with engine.connect() as conn:
        reflected = {c["name"]: c for c in sa.inspect(conn).get_columns(stream_name)}
    assert reflected["value"]["default"] == "7"
    assert reflected["note"]["default"] == "'n/a'"
    table.drop(engine)


def test_extra_settings_and_event_time_column(engine: sa.engine.Engine, stream_name: str) -> None:
    table = sa.Table(
        stream_name,
        sa.MetaData(),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        timeplus_event_time_column="at",
        timeplus_settings={"shards": 1},
    )
    table.create(engine)
    assert _server_stream(engine, stream_name)["event_time_column"] == "at"
    table.drop(engine)


def test_bulk_insert_goes_to_ingest_in_one_request(counted_server: Any, stream_name: str) -> None:
    server = counted_server
    engine = sa.create_engine(server.dsn, execution_options={"timeplus_query_mode": "table"})
    table = sa.Table(
        stream_name,
        sa.MetaData(),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("s", sa.String),
    )
    table.create(engine)
    before = server.request_counts
    rows = [{"n": i, "s": None if i % 7 == 0 else f"row {i}"} for i in range(5000)]
    with engine.connect() as conn:
        result = conn.execute(table.insert(), rows)
        assert result.rowcount == 5000
    assert _requests_since(server, before, "ingest") == 1
    assert _requests_since(server, before, "queries") == 0
    with engine.connect() as conn:
        count, nulls = conn.execute(
            sa.select(sa.func.count(), sa.func.count_if(table.c.s.is_(None)))
        ).one()
    assert (count, nulls) == (5000, len(range(0, 5000, 7)))
    table.drop(engine)
    engine.dispose()


def test_multi_values_insert_also_uses_ingest(counted_server: Any, stream_name: str) -> None:
    server = counted_server
    engine = sa.create_engine(server.dsn, execution_options={"timeplus_query_mode": "table"})
    table = sa.Table(stream_name, sa.MetaData(), sa.Column("n", sa.Integer, nullable=False))
    table.create(engine)
    before = server.request_counts
    with engine.connect() as conn:
        conn.execute(table.insert().values([{"n": 1}, {"n": 2}, {"n": 3}]))
        assert conn.execute(sa.select(sa.func.sum(table.c.n))).scalar() == 6
    assert _requests_since(server, before, "ingest") == 1
    table.drop(engine)
    engine.dispose()


def test_rich_types_round_trip(historical: sa.engine.Engine, stream_name: str) -> None:
    table = sa.Table(
        stream_name,
        sa.MetaData(),
        sa.Column("i8", tp.Int8, nullable=False),
        sa.Column("u64", tp.UInt64, nullable=False),
        sa.Column("dec", sa.Numeric(12, 3)),
        sa.Column("tags", tp.Array(tp.String), nullable=False),
        sa.Column("attrs", tp.Map(tp.String, tp.Int32), nullable=False),
        sa.Column("lc", tp.LowCardinality(tp.String)),
        sa.Column("mood", sa.Enum("happy", "sad")),
        sa.Column("at", tp.DateTime64(6, "UTC")),
        sa.Column("day", sa.Date),
        sa.Column("pair", tp.Tuple(tp.Int32, tp.String), nullable=False),
        sa.Column("ip", tp.IPv4, nullable=False),
        sa.Column("uid", tp.UUID, nullable=False),
        sa.Column("code", tp.FixedString(4), nullable=False),
        sa.Column("huge", tp.Int256, nullable=False),
        sa.Column("old_day", tp.Date32, nullable=False),
        sa.Column("doc", sa.JSON, nullable=False),
    )
    table.create(historical)
    row = {
        "i8": -5,
        "u64": 2**63 + 1,
        "dec": decimal.Decimal("1234.567"),
        "tags": ["a", "b'"],
        "attrs": {"x": 1},
        "lc": None,
        "mood": "sad",
        "at": datetime.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.timezone.utc),
        "day": datetime.date(2024, 2, 29),
        "pair": (7, "seven"),
        "ip": ipaddress.IPv4Address("10.1.2.3"),
        "uid": uuid.UUID(int=12345),
        "code": "abcd",
        "huge": -(2**200),
        "old_day": datetime.date(1950, 1, 1),
        "doc": {"kind": "reading", "tags": ["a", "b"]},
    }
    with historical.connect() as conn:
        conn.execute(table.insert(), [row])
        got = conn.execute(sa.select(table)).one()._asdict()
    assert got == row
    table.drop(historical)


def test_views_and_materialized_views(historical: sa.engine.Engine, stream_name: str) -> None:
    table = sa.Table(stream_name, sa.MetaData(), sa.Column("n", sa.Integer, nullable=False))
    table.create(historical)
    view, mview = f"{stream_name}_v", f"{stream_name}_mv"
    with historical.connect() as conn:
        conn.execute(tp.CreateView(view, sa.select(table.c.n).where(table.c.n > 1)))
        conn.execute(tp.CreateMaterializedView(mview, sa.select(table.c.n)))
        inspector = sa.inspect(conn)
        tables = inspector.get_table_names()
        views = inspector.get_view_names()
        assert stream_name in tables and view not in tables and mview not in tables
        if hasattr(inspector, "get_materialized_view_names"):
            assert view in views and mview not in views
            assert mview in inspector.get_materialized_view_names()
        else:  # SQLAlchemy 1.4: one list for both kinds
            assert {view, mview} <= set(views)
        assert "n > 1" in inspector.get_view_definition(view)
        assert [c["name"] for c in inspector.get_columns(view)] == ["n"]
        conn.execute(tp.DropView(mview))
        conn.execute(tp.DropView(view))
        conn.execute(tp.DropView(view, if_exists=True))
        assert view not in sa.inspect(conn).get_view_names()
    table.drop(historical)


def test_reflection_of_a_stream(historical: sa.engine.Engine, stream_name: str) -> None:
    table = sa.Table(
        stream_name,
        sa.MetaData(),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("tags", tp.Array(tp.Nullable(tp.String)), nullable=False),
    )
    table.create(historical)
    reflected = sa.Table(stream_name, sa.MetaData(), autoload_with=historical)
    assert [c.name for c in reflected.columns] == ["n", "tags", "_tp_time"]
    assert str(reflected.c.tags.type) == "array(nullable(string))"
    with historical.connect() as conn:
        inspector = sa.inspect(conn)
        assert "default" in inspector.get_schema_names()
        assert inspector.get_pk_constraint(stream_name)["constrained_columns"] == []
        assert inspector.get_foreign_keys(stream_name) == []
        assert inspector.get_indexes(stream_name) == []
        assert inspector.get_unique_constraints(stream_name) == []
        assert inspector.get_check_constraints(stream_name) == []
        assert inspector.get_table_comment(stream_name) == {"text": None}
        with pytest.raises(sa.exc.NoSuchTableError):
            inspector.get_columns(f"{stream_name}_missing")
    table.drop(historical)


def test_historical_table_and_window_constructs_run(
    historical: sa.engine.Engine, stream_name: str
) -> None:
    table = sa.Table(
        stream_name,
        sa.MetaData(),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("v", sa.Integer, nullable=False),
    )
    table.create(historical)
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    rows = [{"at": start + datetime.timedelta(seconds=s), "v": s} for s in range(10)]
    with historical.connect() as conn:
        conn.execute(table.insert(), rows)
        hist = tp.table(table)
        assert conn.execute(sa.select(sa.func.count()).select_from(hist)).scalar() == 10
        win = tp.tumble(table, "5s", time_column="at", historical=True)
        stmt = (
            sa.select(win.c.window_start, sa.func.sum(win.c.v))
            .group_by(win.c.window_start)
            .order_by(win.c.window_start)
        )
        sums = [tuple(r) for r in conn.execute(stmt)]
    assert sums == [(start, 10), (start + datetime.timedelta(seconds=5), 35)]
    table.drop(historical)


def test_column_names_with_percent_signs(historical: sa.engine.Engine, stream_name: str) -> None:
    table = sa.Table(stream_name, sa.MetaData(), sa.Column("%pct", sa.Integer, nullable=False))
    table.create(historical)
    try:
        with historical.connect() as conn:
            conn.execute(table.insert(), [{"%pct": 1}, {"%pct": 2}])
            assert conn.execute(sa.select(sa.func.sum(table.c["%pct"]))).scalar() == 3
    finally:
        table.drop(historical)


def _requests_since(server: Any, before: dict[str, int], endpoint: str) -> int:
    """Requests to ``endpoint`` the emulator received since the ``before`` snapshot."""
    return int(server.request_counts.get(endpoint, 0) - before.get(endpoint, 0))


def test_datetime_columns_keep_microseconds(
    historical: sa.engine.Engine, stream_name: str
) -> None:
    """A DateTime column holds what a Python datetime holds: no silent cut to milliseconds."""
    table = sa.Table(
        stream_name,
        sa.MetaData(),
        sa.Column("k", sa.Integer, nullable=False),
        sa.Column("naive", sa.DateTime),
        sa.Column("aware", sa.DateTime(timezone=True)),
    )
    table.create(historical)
    utc = datetime.timezone.utc
    values = [
        {"k": 1, "naive": datetime.datetime(2024, 5, 6, 7, 8, 9, 123456),
         "aware": datetime.datetime(2024, 5, 6, 7, 8, 9, 1, tzinfo=utc)},
        {"k": 2, "naive": datetime.datetime(1999, 12, 31, 23, 59, 59, 999999),
         "aware": datetime.datetime(2030, 1, 1, 0, 0, 0, 500000, tzinfo=utc)},
    ]
    with historical.connect() as conn:
        conn.execute(table.insert(), values)
        back = conn.execute(sa.select(table).order_by(table.c.k)).mappings().all()
    assert [dict(row) for row in back] == values
    table.drop(historical)


@pytest.mark.parametrize(("mode", "keys"), [
    ("versioned_kv", ["key"]), ("changelog_kv", ["key", "region"]), (None, [])])
def test_primary_key_of_keyed_streams_is_reflected(
        engine: sa.engine.Engine, stream_name: str, mode: Any, keys: list[str]) -> None:
    table = sa.Table(
        stream_name, sa.MetaData(),
        sa.Column("key", sa.String, primary_key=True),
        sa.Column("region", sa.String, primary_key=mode == "changelog_kv"),
        sa.Column("value", sa.Integer),
        timeplus_mode=mode,
    )
    table.create(engine)
    try:
        with engine.connect() as conn:
            assert sa.inspect(conn).get_pk_constraint(stream_name)["constrained_columns"] == keys
        reflected = sa.Table(stream_name, sa.MetaData(), autoload_with=engine)
        assert [c.name for c in reflected.primary_key.columns] == keys
    finally:
        table.drop(engine)
