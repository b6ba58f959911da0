"""Engine, URL and execution-mode behaviour against the emulator."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from sqlalchemy_timeplus.dialect import TimeplusDialect
from timeplus_dbapi.dsn import resolve_params

pytestmark = pytest.mark.integration


def test_dialect_constructs_without_arguments() -> None:
    dialect = TimeplusDialect()
    assert dialect.name == "timeplus"
    assert dialect.driver == "rest"


@pytest.mark.parametrize("scheme", ["timeplus", "timeplus+rest"])
def test_entry_points_resolve_both_schemes(scheme: str) -> None:
    engine = sa.create_engine(f"{scheme}://localhost:8000/default")
    assert isinstance(engine.dialect, TimeplusDialect)


def test_url_parameters_reach_the_driver() -> None:
    engine = sa.create_engine(
        "timeplus+rest://:secret-key@tp.example:443/ws1?query_mode=table&verify=false"
        "&timeout=5&reflect_reserved_columns=false"
    )
    args, kwargs = engine.dialect.create_connect_args(engine.url)
    assert kwargs == {}
    params = resolve_params(args[0], {})
    assert params.api_key == "secret-key"
    assert (params.host, params.port, params.workspace) == ("tp.example", 443, "ws1")
    assert params.secure is True and params.verify is False
    assert params.query_mode == "table" and params.timeout == 5.0
    assert "reflect_reserved_columns" not in args[0]
    assert engine.dialect.reflect_reserved_columns is False


def test_ping_is_cheap_and_answers(engine: sa.engine.Engine) -> None:
    with engine.connect() as conn:
        dbapi_connection = conn.connection.dbapi_connection
        started = time.monotonic()
        assert engine.dialect.do_ping(dbapi_connection) is True
        assert time.monotonic() - started < 5


def test_ping_against_a_dead_port_fails_quickly() -> None:
    engine = sa.create_engine("timeplus://127.0.0.1:9/default?timeout=2", pool_pre_ping=True)
    started = time.monotonic()
    with pytest.raises(sa.exc.DBAPIError):
        engine.connect().execute(sa.text("SELECT 1"))
    assert time.monotonic() - started < 10


def _make_stream(engine: sa.engine.Engine, name: str) -> sa.Table:
    table = sa.Table(name, sa.MetaData(), sa.Column("n", sa.Integer, nullable=False))
    table.create(engine)
    with engine.connect() as conn:
        conn.execute(table.insert(), [{"n": i} for i in range(3)])
    return table


def test_historical_mode_per_execution(engine: sa.engine.Engine, stream_name: str) -> None:
    table = _make_stream(engine, stream_name)
    with engine.connect() as conn:
        stmt = sa.select(table.c.n).order_by(table.c.n)
        rows = conn.execution_options(timeplus_query_mode="table").execute(stmt).all()
    assert [r.n for r in rows] == [0, 1, 2]
    table.drop(engine)


def test_historical_mode_per_engine_url(sqlalchemy_connect_url: str, stream_name: str) -> None:
    separator = "&" if "?" in sqlalchemy_connect_url else "?"
    engine = sa.create_engine(f"{sqlalchemy_connect_url}{separator}query_mode=table")
    table = _make_stream(engine, stream_name)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.sum(table.c.n))).scalar() == 3
    table.drop(engine)
    engine.dispose()


def test_streaming_query_with_limit_ends(engine: sa.engine.Engine, stream_name: str) -> None:
    table = _make_stream(engine, stream_name)
    from sqlalchemy_timeplus import settings

    stmt = settings(sa.select(table.c.n).limit(3), seek_to="earliest")
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    assert sorted(r.n for r in rows) == [0, 1, 2]
    table.drop(engine)


def test_literal_binds_sql_runs(historical: sa.engine.Engine) -> None:
    import datetime
    import decimal

    values: list[Any] = [
        "it's a \\ test",
        decimal.Decimal("12.345"),
        datetime.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=datetime.timezone.utc),
        datetime.date(2024, 2, 29),
        uuid.UUID(int=7),
        True,
        [1, 2],
    ]
    stmt = sa.select(*[sa.literal(v) for v in values])
    sql = str(stmt.compile(historical, compile_kwargs={"literal_binds": True}))
    with historical.connect() as conn:
        row = conn.exec_driver_sql(sql).one()
    assert list(row) == values


def test_update_is_rejected_before_reaching_the_server(
    historical: sa.engine.Engine, stream_name: str
) -> None:
    table = sa.Table(stream_name, sa.MetaData(), sa.Column("n", sa.Integer))
    with historical.connect() as conn, pytest.raises(sa.exc.CompileError, match="UPDATE"):
        conn.execute(table.update().values(n=1))
