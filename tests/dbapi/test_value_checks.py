"""Values the server would store as something else are refused before they are sent:
integers outside their column's range, and NULL in a column that is not nullable and has no
DEFAULT (more types, nested values and range ends: test_value_checks_types.py). Everything the
server stores faithfully still goes through."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import timeplus_dbapi as db
from timeplus_dbapi.valuechecks import RowChecks, column_rules

pytestmark = pytest.mark.integration

UTC = datetime.timezone.utc
T0 = datetime.datetime(2024, 1, 1, tzinfo=UTC)


def _count(conn, name):
    cur = conn.cursor()
    cur.execute(f"SELECT count() FROM table({name})", query_mode="table")
    return cur.fetchone()[0]


@pytest.mark.parametrize(
    ("column_type", "value"),
    [("int8", 128), ("int8", -129), ("uint8", 256), ("uint8", -1), ("int32", 2**40),
     ("uint32", 2**32), ("int64", 2**63), ("uint64", -5),
     ("nullable(int16)", 40000), ("nullable(uint16)", 70000)],
)
def test_integer_outside_the_column_range_is_refused(conn, new_stream, column_type, value):
    name = new_stream([("v", column_type)])
    cur = conn.cursor()
    with pytest.raises(db.DataError, match=r"column 'v', row 1: .* is out of the range"):
        cur.executemany(f"INSERT INTO {name} (v) VALUES (%s)", [(1,), (value,), (2,)])
    assert _count(conn, name) == 0


@pytest.mark.parametrize(
    ("column_type", "value"),
    [("int8", -128), ("int8", 127), ("uint8", 255), ("int64", -(2**63)),
     ("uint64", 2**64 - 1), ("int32", True), ("nullable(int32)", None)],
)
def test_integers_at_the_range_ends_are_stored_exactly(conn, new_stream, column_type, value):
    name = new_stream([("k", "int32"), ("v", column_type)])
    cur = conn.cursor()
    cur.executemany(f"INSERT INTO {name} (k, v) VALUES (%s, %s)", [(1, value), (2, 0)])
    cur.execute(f"SELECT v FROM table({name}) ORDER BY k", query_mode="table")
    assert [row[0] for row in cur.fetchall()] == [value, 0]


@pytest.mark.parametrize("column_type", ["string", "datetime64(3, 'UTC')", "float64", "int32"])
def test_none_in_a_column_that_is_not_nullable_is_refused(conn, new_stream, column_type):
    name = new_stream([("k", "int32"), ("v", column_type)])
    good = {"string": "x", "float64": 1.5, "int32": 7}.get(column_type, T0)
    refused = r"column 'v', row 1: None .* not nullable and has no default"
    with pytest.raises(db.DataError, match=refused):
        conn.cursor().executemany(
            f"INSERT INTO {name} (k, v) VALUES (%s, %s)", [(1, good), (2, None)]
        )
    assert _count(conn, name) == 0


def test_none_in_a_column_with_a_default_asks_for_the_default(conn, new_stream):
    name = new_stream([("k", "int32"), {"name": "v", "type": "int32", "default": "41 + 1"}])
    conn.cursor().executemany(f"INSERT INTO {name} (k, v) VALUES (%s, %s)", [(1, None), (2, 5)])
    cur = conn.cursor()
    cur.execute(f"SELECT v FROM table({name}) ORDER BY k", query_mode="table")
    assert cur.fetchall() == [(42,), (5,)]


def test_a_string_that_reads_null_is_not_mistaken_for_none(conn, new_stream):
    name = new_stream([("k", "int32"), ("v", "string")])
    conn.client.ingest(name, ["k", "v"], [(1, "null"), (2, "[null]")])
    cur = conn.cursor()
    cur.execute(f"SELECT v FROM table({name}) ORDER BY k", query_mode="table")
    assert cur.fetchall() == [("null",), ("[null]",)]


def test_a_late_bad_value_fails_its_block_and_says_how_many_rows_went_before(
    emu_conn, emu_stream
):
    name = emu_stream([("k", "int64"), ("v", "int16"), ("s", "string")])
    rows = [(i, i % 1000, "x" * 40) for i in range(200_000)]
    rows[150_000] = (150_000, 40_000, "late")
    with pytest.raises(db.DataError, match="40000") as caught:
        emu_conn.client.ingest(name, ["k", "v", "s"], iter(rows))  # a generator: streamed
    accepted = caught.value.rows_accepted
    assert 0 < accepted <= 150_000
    assert _count(emu_conn, name) == accepted


def test_a_stream_re_created_with_other_types_through_the_same_connection_is_re_read(
    conn, new_stream
):
    name = new_stream([("v", "int8")])
    cur = conn.cursor()
    with pytest.raises(db.DataError):
        cur.executemany(f"INSERT INTO {name} (v) VALUES (%s)", [(1000,)])
    cur.execute(f"DROP STREAM {name}")
    cur.execute(f"CREATE STREAM {name} (v int32)")
    cur.executemany(f"INSERT INTO {name} (v) VALUES (%s)", [(1000,)])
    assert _count(conn, name) == 1


def test_rules_come_from_the_stream_description():
    rules = column_rules({"columns": [
        {"name": "a", "type": "int8", "nullable": False, "default": ""},
        {"name": "b", "type": "uint16", "nullable": True},
        {"name": "c", "type": "string", "nullable": False, "default": "'x'"},
        {"name": "d", "type": "nullable(string)"},
        {"name": "e", "type": "datetime64(3, 'UTC')", "nullable": False},
        {"name": "f", "type": "not a (type"},
        {"name": "g", "type": "point"},
    ]})
    assert {name: (rule.null_ok, rule.check is not None) for name, rule in rules.items()} == {
        "a": (False, True), "b": (True, True), "c": (True, True), "d": (True, True),
        "e": (False, True), "g": (False, False),
    }


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=3)),
                min_size=1, max_size=20))
def test_the_int8_check_refuses_exactly_what_is_not_an_int8(values):
    checks = RowChecks("s", ["v"], column_rules({"columns": [
        {"name": "v", "type": "int8", "nullable": True}]}))
    bad = [i for i, v in enumerate(values) if v is not None
           and not (isinstance(v, int) and -128 <= v <= 127)]
    rows = [(v,) for v in values]
    if bad:  # the first bad row by position (values.index would find 0 for 0.0, as 0 == 0.0)
        with pytest.raises(db.DataError, match=f"row {bad[0]}:"):
            checks.check(rows)
    else:
        checks.check(rows)
