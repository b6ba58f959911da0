"""SELECT/INSERT compilation and Timeplus constructs (no server)."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import exc

import sqlalchemy_timeplus as tp
from sqlalchemy_timeplus.dialect import TimeplusDialect


@pytest.fixture
def dialect() -> TimeplusDialect:
    return TimeplusDialect()


@pytest.fixture
def events() -> sa.Table:
    return sa.Table(
        "events",
        sa.MetaData(),
        sa.Column("id", sa.Integer),
        sa.Column("name", sa.String),
        sa.Column("ts", sa.DateTime(timezone=True)),
        sa.Column("Weird`na\\me", sa.String),
    )


def sql(stmt: Any, dialect: TimeplusDialect, literal: bool = False) -> str:
    kwargs = {"compile_kwargs": {"literal_binds": True}} if literal else {}
    return " ".join(str(stmt.compile(dialect=dialect, **kwargs)).split())


def test_identifiers_are_backquoted_and_escaped(events: sa.Table, dialect: TimeplusDialect) -> None:
    assert sql(sa.select(events.c["Weird`na\\me"]), dialect) == (
        "SELECT events.`Weird\\`na\\\\me` FROM events"
    )


def test_reserved_words_are_quoted(dialect: TimeplusDialect) -> None:
    t = sa.table("select", sa.column("from"), sa.column("ok"))
    assert sql(sa.select(t.c["from"], t.c.ok), dialect) == (
        "SELECT `select`.`from`, `select`.ok FROM `select`"
    )


def test_limit_offset(events: sa.Table, dialect: TimeplusDialect) -> None:
    stmt = sa.select(events.c.id).limit(10).offset(5)
    assert sql(stmt, dialect, literal=True) == "SELECT events.id FROM events LIMIT 10 OFFSET 5"
    only_offset = sa.select(events.c.id).offset(5)
    assert sql(only_offset, dialect, literal=True).endswith("LIMIT 18446744073709551615 OFFSET 5")


def test_booleans(events: sa.Table, dialect: TimeplusDialect) -> None:
    flag = sa.column("flag", sa.Boolean)
    stmt = sa.select(events.c.id).where(flag == sa.true(), (events.c.id > 1) == sa.false())
    assert sql(stmt, dialect) == (
        "SELECT events.id FROM events WHERE flag = true AND (events.id > %(id_1)s) = false"
    )


LITERALS = [
    (1, "1"),
    (-2.5, "-2.5"),
    ("it's \\ here", "'it\\'s \\\\ here'"),
    (True, "true"),
    (False, "false"),
    (decimal.Decimal("1.50"), None),
    (datetime.date(2024, 2, 29), "to_date('2024-02-29')"),
    (
        datetime.datetime(2024, 1, 2, 3, 4, 5, 6000, tzinfo=datetime.timezone.utc),
        "to_datetime64('2024-01-02 03:04:05.006000', 6, 'UTC')",
    ),
    (datetime.datetime(2024, 1, 2, 3, 4, 5), "to_datetime64('2024-01-02 03:04:05.000000', 6)"),
    (uuid.UUID(int=1), "to_uuid('00000000-0000-0000-0000-000000000001')"),
    ([1, 2, 3], "[1, 2, 3]"),
]


@pytest.mark.parametrize(("value", "expected"), [c for c in LITERALS if c[1]])
def test_literal_binds(value: Any, expected: str, dialect: TimeplusDialect) -> None:
    assert (
        sql(sa.select(sa.literal(value)), dialect, literal=True) == f"SELECT {expected} AS anon_1"
    )


def test_literal_binds_decimal_keeps_digits(dialect: TimeplusDialect) -> None:
    rendered = sql(sa.select(sa.literal(decimal.Decimal("1.50"))), dialect, literal=True)
    assert "1.50" in rendered


def test_literal_binds_in_where(events: sa.Table, dialect: TimeplusDialect) -> None:
    since = datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc)
    stmt = sa.select(events.c.id).where(events.c.ts >= since, events.c.name.in_(["a", "b'"]))
    assert sql(stmt, dialect, literal=True) == (
        "SELECT events.id FROM events WHERE events.ts >= "
        "to_datetime64('2024-05-01 00:00:00.000000', 6, 'UTC') AND events.name IN ('a', 'b\\'')"
    )


def test_literal_of_unsupported_value_is_compile_error(dialect: TimeplusDialect) -> None:
    with pytest.raises(exc.CompileError):
        sql(sa.select(sa.literal(datetime.time(1, 2), sa.String)), dialect, literal=True)


def test_cte_subquery_and_window_function(events: sa.Table, dialect: TimeplusDialect) -> None:
    recent = sa.select(events.c.id, events.c.name).where(events.c.id > 1).cte("recent")
    ranked = sa.select(
        recent.c.name, sa.func.row_number().over(partition_by=recent.c.name, order_by=recent.c.id)
    ).subquery("ranked")
    stmt = sa.select(ranked.c.name)
    assert sql(stmt, dialect, literal=True) == (
        "WITH recent AS (SELECT events.id AS id, events.name AS name FROM events "
        "WHERE events.id > 1) SELECT ranked.name FROM (SELECT recent.name AS name, "
        "row_number() OVER (PARTITION BY recent.name ORDER BY recent.id) AS anon_1 "
        "FROM recent) AS ranked"
    )


def test_update_returning_and_delete_returning_are_compile_errors(
    events: sa.Table, dialect: TimeplusDialect
) -> None:
    with pytest.raises(exc.CompileError, match="UPDATE"):
        sql(events.update().values(name="x"), dialect)
    with pytest.raises(exc.CompileError, match="RETURNING"):
        sql(events.delete().where(events.c.id == 1).returning(events.c.id), dialect)
    with pytest.raises(exc.CompileError, match="RETURNING"):
        sql(events.insert().returning(events.c.id), dialect)


def test_insert_uses_named_placeholders(events: sa.Table, dialect: TimeplusDialect) -> None:
    assert sql(events.insert().values(id=1, name="x"), dialect) == (
        "INSERT INTO events (id, name) VALUES (%(id)s, %(name)s)"
    )


def test_historical_table_function(events: sa.Table, dialect: TimeplusDialect) -> None:
    hist = tp.table(events)
    stmt = sa.select(hist.c.name, sa.func.count()).group_by(hist.c.name)
    assert sql(stmt, dialect) == (
        "SELECT events.name, count(*) AS count_1 FROM table(events) AS events GROUP BY events.name"
    )


def test_window_table_functions(events: sa.Table, dialect: TimeplusDialect) -> None:
    win = tp.tumble(events, "5s", time_column=events.c.ts)
    stmt = sa.select(win.c.window_start, sa.func.count()).group_by(win.c.window_start)
    assert sql(stmt, dialect) == (
        "SELECT tumble_window.window_start, count(*) AS count_1 FROM tumble(events, ts, 5s) "
        "AS tumble_window GROUP BY tumble_window.window_start"
    )
    hop = tp.hop(events, datetime.timedelta(seconds=2), "10s", historical=True, name="w")
    assert sql(sa.select(hop.c.window_end), dialect) == (
        "SELECT w.window_end FROM hop(table(events), INTERVAL 2 SECOND, 10s) AS w"
    )
    sess = tp.session(events, datetime.timedelta(milliseconds=1500))
    assert "session(events, INTERVAL 1500 MILLISECOND)" in sql(sa.select(sess.c.id), dialect)


@pytest.mark.parametrize("bad", ["5 seconds", "1s; DROP", "", "-1s"])
def test_bad_intervals_rejected(events: sa.Table, bad: str) -> None:
    with pytest.raises(exc.ArgumentError):
        tp.tumble(events, bad)


def test_emit_and_settings_after_limit(events: sa.Table, dialect: TimeplusDialect) -> None:
    stmt = tp.settings(sa.select(events.c.id).limit(3), seek_to="earliest")
    stmt = tp.emit(stmt, "PERIODIC 2s")
    stmt = tp.settings(stmt, max_threads=2)
    assert sql(stmt, dialect, literal=True) == (
        "SELECT events.id FROM events LIMIT 3 EMIT PERIODIC 2s "
        "SETTINGS seek_to='earliest', max_threads=2"
    )


def test_timeplus_select_methods(events: sa.Table, dialect: TimeplusDialect) -> None:
    stmt = tp.select(events.c.id).where(events.c.id > 0).emit("changelog").settings(x="y")
    assert isinstance(stmt, tp.TimeplusSelect)
    assert sql(stmt, dialect, literal=True) == (
        "SELECT events.id FROM events WHERE events.id > 0 EMIT changelog SETTINGS x='y'"
    )


def test_emit_hints_ignored_by_other_dialects(events: sa.Table) -> None:
    stmt = tp.emit(sa.select(events.c.id), "PERIODIC 1s")
    assert "EMIT" not in str(stmt)


@pytest.mark.parametrize("bad", ["PERIODIC 1s; DROP STREAM x", "'x'", ""])
def test_bad_emit_clause_rejected(events: sa.Table, bad: str) -> None:
    with pytest.raises(exc.ArgumentError):
        tp.emit(sa.select(events.c.id), bad)


def test_bad_setting_name_rejected(events: sa.Table) -> None:
    with pytest.raises(exc.ArgumentError):
        tp.settings(sa.select(events.c.id), **{"a=1, b": 2})


def test_views(events: sa.Table, dialect: TimeplusDialect) -> None:
    query = sa.select(events.c.id).where(events.c.name == "x")
    assert sql(tp.CreateView("v", query, if_not_exists=True), dialect) == (
        "CREATE VIEW IF NOT EXISTS v AS SELECT events.id FROM events WHERE events.name = 'x'"
    )
    mv = tp.CreateMaterializedView("mv", query, into="target")
    assert sql(mv, dialect).startswith("CREATE MATERIALIZED VIEW mv INTO target AS SELECT")
    assert sql(tp.DropView("v", if_exists=True), dialect) == "DROP VIEW IF EXISTS v"


def test_union_with_order_and_limit_is_wrapped(events: sa.Table, dialect: TimeplusDialect) -> None:
    union = sa.union(sa.select(events.c.id), sa.select(events.c.id).where(events.c.id > 5))
    stmt = union.order_by(union.selected_columns.id).limit(3)
    assert sql(stmt, dialect, literal=True) == (
        "SELECT * FROM (SELECT events.id FROM events UNION DISTINCT SELECT events.id FROM events "
        "WHERE events.id > 5) ORDER BY id LIMIT 3"
    )
    plain = sa.union_all(sa.select(events.c.id), sa.select(events.c.id))
    assert (
        sql(plain, dialect) == "SELECT events.id FROM events UNION ALL SELECT events.id FROM events"
    )


def test_json_literal_is_a_json_string(dialect: TimeplusDialect) -> None:
    stmt = sa.select(sa.literal({"a": 1, "b": "it's"}, sa.JSON))
    assert sql(stmt, dialect, literal=True) == ('SELECT \'{"a": 1, "b": "it\\\'s"}\' AS anon_1')


@pytest.mark.parametrize(("function", "call"), [
    (tp.tumble, "tumble(stream, size, *, time_column=None, historical=False, name=None)"),
    (tp.hop, "hop(stream, step, size, *, time_column=None, historical=False, name=None)"),
    (tp.session, "session(stream, timeout, *, time_column=None, historical=False, name=None)"),
])
def test_window_docstrings_give_the_python_call(function: Any, call: str) -> None:
    """The docstring's call form is the signature (it showed the SQL argument order)."""
    assert call in " ".join((function.__doc__ or "").split())
    assert _plain_signature(function) == call


def _plain_signature(function: Any) -> str:
    import inspect

    parts = []
    star = False
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        default = parameter.default
        parts.append(parameter.name if default is inspect.Parameter.empty
                     else f"{parameter.name}={default!r}")
    return f"{function.__name__}({', '.join(parts)})"


def test_bitwise_operators_are_bit_functions(events: sa.Table, dialect: TimeplusDialect) -> None:
    if not hasattr(events.c.id, "bitwise_and"):
        pytest.skip("bitwise operators are SQLAlchemy 2.0.2+")
    a = events.c.id
    cases = [
        (a.bitwise_and(4), "bit_and(events.id, 4)"),
        (a.bitwise_or(1), "bit_or(events.id, 1)"),
        (a.bitwise_xor(5), "bit_xor(events.id, 5)"),
        (a.bitwise_lshift(1), "bit_shift_left(events.id, 1)"),
        (a.bitwise_rshift(2), "bit_shift_right(events.id, 2)"),
        ((a - 2).bitwise_not(), "bit_not((events.id - 2))"),
        (a.bitwise_and(a.bitwise_or(3)), "bit_and(events.id, (bit_or(events.id, 3)))"),
    ]
    for expression, expected in cases:
        assert str(expression.compile(dialect=dialect, compile_kwargs={"literal_binds": True})) \
            == expected
