"""Translated SQL actually runs on chDB and gives the expected answers.

The placeholder substitution here is the simplest one the engine contract allows:
``db.`name` AS `alias``` for plain sources, and a subquery adding ``window_start`` /
``window_end`` for windowed ones.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from timeplus_emulator.sql import (
    STAR_MARKER,
    CreateStreamStatement,
    InsertStatement,
    SelectStatement,
    TranslationError,
    ch_type_to_timeplus_sql,
    helper_function_ddl,
    placeholder,
    to_timeplus_column_name,
    to_timeplus_error,
    to_timeplus_type,
    translate,
)
from timeplus_emulator.sql.tokens import quote_string

chdb = pytest.importorskip("chdb")


class Db:
    """A private chDB database standing in for the Timeplus database ``default``."""

    def __init__(self, conn: Any, name: str) -> None:
        self.conn = conn
        self.name = name

    def substitute(self, ch_sql: str, statement: SelectStatement | InsertStatement) -> str:
        ch_sql = ch_sql.replace(STAR_MARKER, "")  # these tables have no ALIAS columns
        for i, src in enumerate(statement.sources):
            table = f"{self.name}.`{src.name}`"
            window = src.window
            if window is not None and window.start_ch is not None:
                table = (f"(SELECT *, {window.start_ch} AS window_start, {window.end_ch} "
                         f"AS window_end FROM {table})")
            ch_sql = ch_sql.replace(placeholder(i), f"{table} AS `{src.alias}`")
        return ch_sql

    def run(self, sql: str) -> tuple[list[str], list[str], list[list[Any]]]:
        """Translate + run a Timeplus statement; return (names, types, rows) Timeplus-style."""
        statement = translate(sql)
        if isinstance(statement, CreateStreamStatement):
            self.create(statement)
            return [], [], []
        if isinstance(statement, InsertStatement):
            body = self.substitute(statement.body_ch, statement)
            columns = "" if statement.columns is None else \
                "(" + ", ".join(f"`{c}`" for c in statement.columns) + ")"
            self.conn.query(f"INSERT INTO {self.name}.`{statement.name}` {columns} {body}")
            return [], [], []
        assert isinstance(statement, SelectStatement)
        ch_sql = self.substitute(statement.ch_sql, statement)
        try:
            raw = self.conn.query(ch_sql, "JSONCompactEachRowWithNamesAndTypes").bytes()
        except Exception as exc:  # chDB raises its own error class
            code, message = to_timeplus_error(str(exc), 0, {self.name: "default"})
            raise TranslationError(code, message) from None
        lines = [json.loads(line) for line in raw.decode().splitlines()]
        names = [to_timeplus_column_name(n) for n in lines[0]]
        types = [to_timeplus_type(t) for t in lines[1]]
        return names, types, lines[2:]

    def create(self, st: CreateStreamStatement) -> None:
        cols = [f"`{c.name}` {c.ch_type}" + (f" DEFAULT {c.default_ch}" if c.default_ch else "")
                for c in st.columns]
        cols.append(f"`_tp_time` DateTime64(3, 'UTC') DEFAULT {st.tp_time_default_ch}")
        self.conn.query(f"CREATE TABLE {self.name}.`{st.name}` ({', '.join(cols)}) "
                        "ENGINE = MergeTree ORDER BY tuple()")

    def rows(self, sql: str) -> list[list[Any]]:
        return self.run(sql)[2]


@pytest.fixture(scope="module")
def db() -> Iterator[Db]:
    conn = chdb.connect(":memory:")
    conn.query("SET output_format_json_quote_64bit_integers = 1")
    conn.query("SET session_timezone = 'UTC'")
    for ddl in helper_function_ddl():
        conn.query(ddl)
    name = "tp_sql_test_" + uuid.uuid4().hex[:8]
    conn.query(f"CREATE DATABASE {name}")
    database = Db(conn, name)
    database.run("CREATE STREAM s (a int32, b string, ts datetime64(3, 'UTC'))")
    database.run("CREATE STREAM t (a int32, label low_cardinality(string))")
    database.run(
        "INSERT INTO s (a, b, ts) VALUES "
        "(1, 'x', '2024-01-01 00:00:01'), (2, 'y', '2024-01-01 00:00:03'), "
        "(3, 'x', '2024-01-01 00:00:06'), (4, 'z', '2024-01-01 00:00:12')"
    )
    database.run("INSERT INTO t (a, label) VALUES (1, 'one'), (3, 'three')")
    try:
        yield database
    finally:
        conn.query(f"DROP DATABASE IF EXISTS {name}")
        conn.close()


def test_select_star_includes_tp_time_last(db: Db) -> None:
    names, types, rows = db.run("SELECT * FROM table(s) ORDER BY a LIMIT 1")
    assert names == ["a", "b", "ts", "_tp_time"]
    assert types == ["int32", "string", "datetime64(3, 'UTC')", "datetime64(3, 'UTC')"]
    assert rows[0][:3] == [1, "x", "2024-01-01 00:00:01.000"]


def test_join_stream_with_table(db: Db) -> None:
    rows = db.rows("SELECT s.a, t.label FROM s JOIN table(t) AS t ON s.a = t.a "
                   "ORDER BY s.a SETTINGS query_mode='table'")
    assert rows == [[1, "one"], [3, "three"]]


def test_aggregation_with_timeplus_functions(db: Db) -> None:
    names, _, rows = db.run(
        "SELECT b, count() AS n, count_if(a > 1) AS big, unique_exact(a) AS u, "
        "group_array(a) AS arr FROM table(s) GROUP BY b ORDER BY b"
    )
    assert names == ["b", "n", "big", "u", "arr"]
    assert rows == [["x", "2", "1", "2", [1, 3]], ["y", "1", "1", "1", [2]],
                    ["z", "1", "1", "1", [4]]]


def test_percentiles_and_top_k(db: Db) -> None:
    rows = db.rows("SELECT quantile(a, 0.5), p90(a), top_k(b, 1), top_k(b, 2, false) "
                   "FROM table(s)")
    median, p90, top1, top2 = rows[0]
    assert 2 <= median <= 3
    assert 3 <= p90 <= 4
    assert top1 == [["x", "2"]]
    assert top2[0] == "x" and len(top2) == 2


def test_window_function_over(db: Db) -> None:
    rows = db.rows("SELECT a, sum(a) OVER (ORDER BY a) AS running, "
                   "row_number() OVER (PARTITION BY b ORDER BY a) AS rn FROM table(s) ORDER BY a")
    assert rows == [[1, "1", "1"], [2, "3", "1"], [3, "6", "2"], [4, "10", "1"]]


def test_cte_subquery_and_in(db: Db) -> None:
    rows = db.rows(
        "WITH labelled AS (SELECT a FROM table(t)) "
        "SELECT a FROM (SELECT a, b FROM table(s) WHERE b = 'x') AS sub "
        "WHERE a IN (SELECT a FROM labelled) ORDER BY a"
    )
    assert rows == [[1], [3]]


def test_tumble_window_bounds(db: Db) -> None:
    rows = db.rows(
        "SELECT window_start, window_end, count() AS n FROM tumble(table(s), ts, 5s) "
        "GROUP BY window_start, window_end ORDER BY window_start"
    )
    assert rows == [
        ["2024-01-01 00:00:00.000", "2024-01-01 00:00:05.000", "2"],
        ["2024-01-01 00:00:05.000", "2024-01-01 00:00:10.000", "1"],
        ["2024-01-01 00:00:10.000", "2024-01-01 00:00:15.000", "1"],
    ]


def test_hop_window_bounds(db: Db) -> None:
    rows = db.rows(
        "SELECT window_start, count() AS n FROM hop(table(s), ts, 5s, 10s) "
        "GROUP BY window_start ORDER BY window_start"
    )
    assert rows == [
        ["2023-12-31 23:59:55.000", "2"],
        ["2024-01-01 00:00:00.000", "3"],
        ["2024-01-01 00:00:05.000", "2"],
        ["2024-01-01 00:00:10.000", "1"],
    ]


def test_casts_intervals_and_types(db: Db) -> None:
    names, types, rows = db.run(
        "SELECT cast(a AS nullable(string)) AS c1, a::uint8 AS c2, cast(a, 'float64') AS c3, "
        "to_datetime('2024-01-01 00:00:00', 'UTC') + 1h AS c4, "
        "to_decimal('1.25', 2) AS c5 FROM table(s) WHERE a = 1"
    )
    # Proton's to_decimal is Decimal32-based (FunctionsConversion.h): decimal(9, 2)
    assert types == ["nullable(string)", "uint8", "float64", "datetime('UTC')",
                     "decimal(9, 2)"]
    assert rows == [["1", 1, 1, "2024-01-01 01:00:00", 1.25]]
    assert names == ["c1", "c2", "c3", "c4", "c5"]


def test_auto_column_names_are_timeplus_names(db: Db) -> None:
    names, _, _ = db.run("SELECT to_string(a), count_if(a > 1), 1 + 1 FROM table(s) GROUP BY a")
    assert names == ["to_string(a)", "count_if(greater(a, 1))", "plus(1, 1)"]


def test_unknown_stream_error(db: Db) -> None:
    with pytest.raises(TranslationError) as info:
        db.run("SELECT * FROM table(nope)")
    assert (info.value.code, info.value.message) == (60, "Stream default.nope doesn't exist")


def test_every_column_type_round_trips(db: Db) -> None:
    types = [
        "int8", "uint64", "int128", "float32", "float64", "string", "fixed_string(4)", "bool",
        "uuid", "ipv4", "ipv6", "date", "date32", "datetime", "datetime64(3, 'UTC')",
        "decimal(10, 2)", "array(int32)", "map(string, int32)", "tuple(a int32, b string)",
        "nullable(string)", "low_cardinality(string)", "low_cardinality(nullable(string))",
        "enum8('a' = 1, 'b' = 2)", "enum16('c' = 1000)", "json",
    ]
    cols = ", ".join(f"c{i} {t}" for i, t in enumerate(types))
    db.run(f"CREATE STREAM all_types ({cols})")
    _, reported, _ = db.run("SELECT * EXCEPT _tp_time FROM table(all_types)")
    assert reported == types


def test_sql_type_mapping_matches_python_mapping(db: Db) -> None:
    ch_types = [
        "Int8", "UInt64", "Int128", "Float32", "Float64", "String", "FixedString(4)", "Bool",
        "UUID", "IPv4", "IPv6", "Date", "Date32", "DateTime", "DateTime('UTC')",
        "DateTime64(3, 'UTC')", "Decimal(10, 2)", "Array(Int32)", "Map(String, Int32)",
        "Tuple(a Int32, b String)", "Nullable(String)", "LowCardinality(String)",
        "LowCardinality(Nullable(String))", "Enum8('a' = 1, 'b' = 2)", "JSON",
        "Nullable(Nothing)",
    ]
    sql = "SELECT " + ", ".join(ch_type_to_timeplus_sql(quote_string(t)) for t in ch_types)
    got = json.loads(db.conn.query(sql, "JSONCompactEachRow").bytes())
    assert got == [to_timeplus_type(t) for t in ch_types]
    assert got[0] == "int8" and got[-2] == "json"


def test_json_element_access(db: Db) -> None:
    db.run("CREATE STREAM raw_events (raw string)")
    db.run("""INSERT INTO raw_events (raw) VALUES ('{"a": {"b": 7}, "c d": "x"}')""")
    names, _, rows = db.run("SELECT raw:a.b, raw:`c d` AS cd FROM table(raw_events)")
    assert names[1] == "cd"
    assert rows == [["7", "x"]]


DOC_STYLE_QUERIES = [
    "SELECT window_start, b, avg(a) AS avg_a FROM tumble(s, ts, 5s) "
    "GROUP BY window_start, b EMIT AFTER WINDOW CLOSE",
    "SELECT count(*) FROM s EMIT PERIODIC 1s",
    "SELECT * FROM s WHERE a > 1",
    "SELECT b, max(a) FROM s GROUP BY b EMIT PERIODIC 5s SETTINGS seek_to='earliest'",
    "SELECT * FROM table(s) ORDER BY _tp_time DESC LIMIT 10",
    "SELECT d.b, d.a, m.label FROM s AS d INNER JOIN table(t) AS m ON d.a = m.a",
    "SELECT to_start_of_interval(ts, 1m) AS minute, count() FROM table(s) GROUP BY minute",
    "SELECT date_diff('second', window_start, window_end) FROM hop(s, ts, 1s, 3s)",
    "SELECT array_join(split_by_char(',', b)) AS part FROM s",
    "SELECT * FROM s WHERE _tp_time > now() - INTERVAL 1 HOUR",
    "SELECT count(), min(_tp_time), max(_tp_time) FROM table(s)",
    "SELECT b, latest(a), earliest(a), arg_max(a, ts) FROM s GROUP BY b",
    "SELECT a, lag_in_frame(a) OVER (ORDER BY a) FROM table(s)",
    "SELECT to_type_name(a), to_string(ts), format_datetime(ts, '%H:%M') FROM s",
    "SELECT if(a > 2, 'big', 'small') AS size, count() FROM s GROUP BY size",
    "SELECT group_uniq_array(b), unique(b), sum_if(a, a > 1) FROM s",
]


@pytest.mark.parametrize("sql", DOC_STYLE_QUERIES)
def test_doc_style_queries_run(db: Db, sql: str) -> None:
    names, types, rows = db.run(sql)
    assert names and len(names) == len(types)
    assert rows, "every probe query selects at least one row from the fixture data"
