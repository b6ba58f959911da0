"""The Timeplus sqlglot dialect: Timeplus SQL survives a parse + re-generate round trip."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

import pytest

sqlglot = pytest.importorskip("sqlglot")

from sqlglot import exp  # noqa: E402
from sqlglot.dialects.dialect import Dialect  # noqa: E402
from sqlglot.errors import ParseError  # noqa: E402

from sqlalchemy_timeplus.sqlglot_dialect import Timeplus, timeplus_type_name  # noqa: E402
from tests.superset.conftest import StreamFactory  # noqa: E402


def round_trip(sql: str) -> str:
    (tree,) = sqlglot.parse(sql, read=Timeplus)
    return str(tree.sql(dialect=Timeplus))


# Statements whose text must come back unchanged.
UNCHANGED = [
    "SELECT to_start_of_minute(_tp_time) AS t, count(*) AS c FROM table(s) GROUP BY t "
    "ORDER BY t LIMIT 101",
    "SELECT date_diff('second', a, b), to_datetime(a), count_if(x > 1), unique(x), "
    "unique_exact(x), p90(x) FROM s",
    "SELECT quantile(x, 0.9), top_k(x, 3), array_join([1, 2]), tuple(1, 'a') FROM s",
    "SELECT window_start, count() FROM tumble(s, 5s) GROUP BY window_start EMIT AFTER WINDOW CLOSE",
    "SELECT * FROM s LIMIT 5 EMIT PERIODIC 2s",
    "SELECT x FROM s EMIT LAST 1h",
    "SELECT x FROM s LIMIT 3 EMIT PERIODIC 1s SETTINGS query_mode = 'table'",
    "SELECT * FROM (SELECT a FROM s EMIT CHANGELOG) AS t",
    "SELECT * FROM s WHERE _tp_time > now() - 1h SETTINGS seek_to = 'earliest'",
    "SELECT to_start_of_interval(t, INTERVAL 5 MINUTE), now() - INTERVAL 1 HOUR FROM s",
    "SELECT count(*) FROM (SELECT * FROM s LIMIT 10) AS sub",
    "SELECT 'back\\\\slash', 'it''s' FROM s",
    "WITH c AS (SELECT 1 AS a) SELECT a FROM c",
    "SELECT x FROM s1 UNION ALL SELECT y FROM s2",
    "SELECT CAST(x AS low_cardinality(nullable(string))), CAST(y AS fixed_string(3)), "
    "CAST(z AS datetime64(3, 'UTC')), CAST(w AS decimal(10, 2)), CAST(u AS uint64), "
    "CAST(a AS array(int32)), CAST(m AS map(string, float64)), CAST(e AS enum8('a' = 1)), "
    "CAST(i AS ipv4), CAST(q AS uuid), CAST(b AS bool), CAST(d AS date32)",
    "SELECT device, count() FROM devices PARTITION BY device EMIT PERIODIC 1s",
    "SELECT location, device, min(cpu) FROM device_utils SHUFFLE BY location "
    "GROUP BY location, device EMIT ON UPDATE WITH BATCH 1s SETTINGS substreams = 4",
    "SELECT count() FROM s AS x WHERE a > 1 SHUFFLE BY k, j PARTITION BY k GROUP BY k, j "
    "HAVING count() > 1 LIMIT 5",
    "SELECT * FROM (SELECT k, lag(v) FROM s PARTITION BY k) AS t SHUFFLE BY k",
    "SELECT sum(v) OVER (PARTITION BY k) FROM table(s)",
    "SELECT shuffle FROM s",
    # SETTINGS without FROM is the clause, not an alias of the last item
    "SELECT sleep(2) SETTINGS max_execution_time = 1",
    "SELECT 1 AS settings",
]


@pytest.mark.parametrize("sql", UNCHANGED)
def test_round_trip_keeps_timeplus_sql(sql: str) -> None:
    assert round_trip(sql) == sql


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select x::int32 from s", "SELECT CAST(x AS int32) FROM s"),
        ("SELECT cast(x as String) FROM s", "SELECT CAST(x AS string) FROM s"),
        ("SELECT `a b` FROM `s`", 'SELECT "a b" FROM "s"'),
        (
            "SELECT to_start_of_interval(t, interval '5' minute)",
            "SELECT to_start_of_interval(t, INTERVAL 5 MINUTE)",
        ),
    ],
)
def test_round_trip_normalises_to_timeplus_spelling(sql: str, expected: str) -> None:
    assert round_trip(sql) == expected


def test_emit_goes_after_a_limit_added_later() -> None:
    (tree,) = sqlglot.parse(
        "SELECT a FROM s EMIT CHANGELOG SETTINGS seek_to = 'earliest'", read=Timeplus
    )
    limited = tree.limit(1001)
    assert limited.sql(dialect=Timeplus) == (
        "SELECT a FROM s LIMIT 1001 EMIT CHANGELOG SETTINGS seek_to = 'earliest'"
    )


def test_emit_is_not_taken_for_a_table_alias() -> None:
    (tree,) = sqlglot.parse("SELECT a FROM s EMIT CHANGELOG", read=Timeplus)
    (table,) = list(tree.find_all(exp.Table))
    assert table.name == "s"
    assert table.alias == ""


def test_quoted_emit_is_an_ordinary_alias() -> None:
    assert round_trip('SELECT a FROM s AS "emit"') == 'SELECT a FROM s AS "emit"'


def test_sqlglot_entry_point() -> None:
    (entry,) = [ep for ep in entry_points(group="sqlglot.dialects") if ep.name == "timeplus"]
    assert entry.load() is Timeplus


def test_registered_by_name() -> None:
    assert Dialect.get_or_raise("timeplus").__class__ is Timeplus
    assert sqlglot.transpile("SELECT unique(x) FROM s", read="timeplus", write="timeplus") == [
        "SELECT unique(x) FROM s"
    ]


def test_substream_clauses_are_keys_before_group_by() -> None:
    (tree,) = sqlglot.parse(
        "SELECT k FROM s WHERE v > 0 SHUFFLE BY k PARTITION BY lower(k) GROUP BY k", read=Timeplus
    )
    substreams = tree.args["connect"]
    assert [key.sql(dialect=Timeplus) for key in substreams.args["shuffle"]] == ["k"]
    assert [key.sql(dialect=Timeplus) for key in substreams.args["partition"]] == ["lower(k)"]
    assert tree.args["where"] is not None and tree.args["group"] is not None
    assert tree.args["from_"].this.alias == ""  # SHUFFLE was not taken for an alias of s
    limited = tree.limit(10).sql(dialect=Timeplus)
    assert limited.endswith("SHUFFLE BY k PARTITION BY lower(k) GROUP BY k LIMIT 10")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT (a FROM s",
        "SELECT a FROM s EMIT (",
        "SELECT a FROM s EMIT",
        "SELECT 'open",
        "SELECT a FROM s PARTITION BY",
        "SELECT a FROM s SHUFFLE BY GROUP BY a",
        "SELECT a FROM s PARTITION BY a SHUFFLE BY a",
    ],
)
def test_bad_sql_raises_parse_error(sql: str) -> None:
    with pytest.raises((ParseError, sqlglot.errors.TokenError)):
        sqlglot.parse(sql, read=Timeplus)


@pytest.mark.parametrize(
    ("clickhouse", "timeplus"),
    [
        ("Nullable(DateTime64(3, 'UTC'))", "nullable(datetime64(3, 'UTC'))"),
        ("LowCardinality(FixedString(8))", "low_cardinality(fixed_string(8))"),
        ("Map(String, Array(UInt256))", "map(string, array(uint256))"),
        ("Enum8('String' = 1, 'DateTime' = 2)", "enum8('String' = 1, 'DateTime' = 2)"),
        ("Tuple(a Int8, b Float32)", "tuple(a int8, b float32)"),
        ("Decimal128(4)", "decimal128(4)"),
    ],
)
def test_type_names(clickhouse: str, timeplus: str) -> None:
    assert timeplus_type_name(clickhouse) == timeplus


# ---------------------------------------------------------------- integration (emulator)


@pytest.fixture
def stream(new_stream: StreamFactory) -> tuple[Any, str]:
    conn, name = new_stream("superset_sqlglot", [("k", "string"), ("v", "float64")])
    conn.client.ingest(name, ["k", "v"], [["a", 1.5], ["a", 2.5], ["b", 10.0]])
    return conn, name


@pytest.mark.integration
def test_regenerated_sql_runs(stream: tuple[Any, str]) -> None:
    conn, name = stream
    sql = (
        f"select k, count_if(v > 2) as big, cast(sum(v) as string) as total, "
        f"quantile(v, 0.5) as mid from table({name}) group by k order by k"
    )
    (tree,) = sqlglot.parse(sql, read=Timeplus)
    cursor = conn.cursor()
    cursor.execute(tree.limit(1001).sql(dialect=Timeplus))
    rows = cursor.fetchall()
    cursor.close()
    assert [(k, big, total) for k, big, total, _ in rows] == [("a", 1, "4"), ("b", 1, "10")]
    assert rows[0][3] == pytest.approx(2.0)
