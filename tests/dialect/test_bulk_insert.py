"""Bulk INSERT (executemany): row dicts reach the driver unchanged when SQLAlchemy's per-row
processing would not change them, and SQLAlchemy's own path (its checks, defaults and bind
processors) runs in every other case. Every case checks what the emulator stored."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
import sqlalchemy as sa

UTC = datetime.timezone.utc


class Upper(sa.types.TypeDecorator[str]):
    """A type with a bind processor: values are upper-cased on the way in."""

    impl = sa.String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else str(value).upper()


def _table(engine: sa.engine.Engine, name: str, *extra: sa.Column[Any]) -> sa.Table:
    table = sa.Table(
        name,
        sa.MetaData(),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.Column("s", sa.String),
        sa.Column("t", sa.DateTime(timezone=True)),
        *extra,
    )
    table.create(engine)
    return table


def _stored(engine: sa.engine.Engine, table: sa.Table, *columns: str) -> list[tuple[Any, ...]]:
    select = sa.select(*(table.c[c] for c in columns)).order_by(table.c.n)
    with engine.connect().execution_options(timeplus_query_mode="table") as conn:
        return [tuple(row) for row in conn.execute(select)]


def _driver_calls(engine: sa.engine.Engine) -> list[tuple[str, Any]]:
    """Collects the (statement, parameters) SQLAlchemy hands to ``cursor.executemany``."""
    seen: list[tuple[str, Any]] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def record(conn: Any, cursor: Any, statement: Any, parameters: Any, context: Any,
               executemany: bool) -> None:
        if executemany:
            seen.append((statement, parameters))

    return seen


def _rows(count: int) -> list[dict[str, Any]]:
    start = datetime.datetime(2024, 1, 1, tzinfo=UTC)
    return [
        {"n": i, "s": f"v{i}", "t": start + datetime.timedelta(milliseconds=i)}
        for i in range(count)
    ]


def test_plain_rows_skip_sqlalchemys_per_row_work(engine: sa.engine.Engine,
                                                 stream_name: str) -> None:
    table = _table(engine, stream_name)
    rows = _rows(3000)
    seen = _driver_calls(engine)
    with engine.connect() as conn:
        result = conn.execute(table.insert(), rows)
    assert result.rowcount == 3000
    assert len(seen) == 1
    statement, parameters = seen[0]
    assert statement.endswith("VALUES (%s, %s, %s)")
    assert parameters == [(r["n"], r["s"], r["t"]) for r in rows]
    assert _stored(engine, table, "n", "s", "t") == [(r["n"], r["s"], r["t"]) for r in rows]


def test_single_column_rows(engine: sa.engine.Engine, stream_name: str) -> None:
    table = sa.Table(stream_name, sa.MetaData(), sa.Column("n", sa.BigInteger, nullable=False))
    table.create(engine)
    seen = _driver_calls(engine)
    with engine.connect() as conn:
        conn.execute(table.insert(), [{"n": i} for i in range(50)])
    assert seen[0][1] == [(i,) for i in range(50)]
    assert _stored(engine, table, "n") == [(i,) for i in range(50)]


def test_extra_keys_take_sqlalchemys_path_and_are_ignored(engine: sa.engine.Engine,
                                                         stream_name: str) -> None:
    table = _table(engine, stream_name)
    rows = [{**row, "ignored": 1} for row in _rows(10)]
    seen = _driver_calls(engine)
    with engine.connect() as conn:
        conn.execute(table.insert(), rows)
    assert "%(n)s" in seen[0][0] and all(isinstance(p, dict) for p in seen[0][1])
    assert _stored(engine, table, "n", "s") == [(r["n"], r["s"]) for r in rows]


def test_a_missing_value_gets_sqlalchemys_error_and_nothing_is_sent(
    engine: sa.engine.Engine, stream_name: str
) -> None:
    table = _table(engine, stream_name)
    rows = _rows(10)
    del rows[7]["s"]
    with engine.connect() as conn:
        with pytest.raises(sa.exc.StatementError, match=r"'s'.*parameter group 7"):
            conn.execute(table.insert(), rows)
    assert _stored(engine, table, "n") == []


def test_bind_processors_still_run(engine: sa.engine.Engine, stream_name: str) -> None:
    table = _table(engine, stream_name, sa.Column("u", Upper))
    rows = [{**row, "u": f"shout {row['n']}"} for row in _rows(20)]
    with engine.connect() as conn:
        conn.execute(table.insert(), rows)
    assert _stored(engine, table, "n", "u") == [(r["n"], r["u"].upper()) for r in rows]


def test_python_side_defaults_and_constant_values_still_apply(engine: sa.engine.Engine,
                                                              stream_name: str) -> None:
    counter = itertools.count(100)
    table = _table(
        engine,
        stream_name,
        sa.Column("d", sa.Integer, default=lambda: next(counter)),
        sa.Column("c", sa.String),
    )
    rows = [{"n": i, "s": f"v{i}", "t": None} for i in range(5)]
    with engine.connect() as conn:
        conn.execute(table.insert(), rows)
        conn.execute(table.insert().values(c="const"), [{"n": 10 + i} for i in range(3)])
    stored = _stored(engine, table, "n", "d", "c")
    assert [row[0] for row in stored] == [0, 1, 2, 3, 4, 10, 11, 12]
    assert sorted(row[1] for row in stored) == list(range(100, 108))
    assert [row[2] for row in stored] == [None] * 5 + ["const"] * 3
