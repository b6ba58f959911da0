"""Ingest value checks through every type and container (issue 13, item 10), over HTTP.

Each refused value must raise DataError naming the column and the row, and leave the stream
empty; the range ends must be stored exactly, one step beyond refused. The expected ranges
are the server's documented ones, written here independently of the driver's tables.
"""

from __future__ import annotations

import datetime
import ipaddress
import itertools
import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timeplus_dbapi as db

pytestmark = pytest.mark.integration

UTC = datetime.timezone.utc


def _count(conn, name):
    cur = conn.cursor()
    cur.execute(f"SELECT count() FROM table({name})", query_mode="table")
    return cur.fetchone()[0]


def _refused(conn, new_stream, column_type, value):
    """Row 0 holds the type's good value (below), row 1 the bad one: nothing is stored."""
    name = new_stream([("k", "int32"), ("v", column_type)])
    with pytest.raises(db.DataError, match=r"column 'v', row 1: ") as caught:
        conn.cursor().executemany(
            f"INSERT INTO {name} (k, v) VALUES (%s, %s)", [(1, _GOOD[column_type]), (2, value)]
        )
    assert _count(conn, name) == 0
    return str(caught.value)


# The issue's table: each was stored changed, with no error.
ISSUE_TABLE = [
    ("array(int8)", [300, -129]),
    ("map(string, uint8)", {"k": 256}),
    ("tuple(int16, int32)", (40000, 2**40)),
    ("date", datetime.date(1969, 7, 20)),
    ("datetime", datetime.datetime(2107, 1, 1)),
    ("int32", 1.9),
    ("decimal(10, 2)", Decimal("1.005")),
    ("decimal(5, 2)", 99999),
    ("string", 42),
    ("string", {"a": 1}),
]

MORE_REFUSED = [
    ("int32", 2.0),  # any float into an integer column
    ("int64", "12"),
    ("uint64", -1),
    ("int256", 2**255),
    ("uint128", 2**128),
    ("nullable(int8)", 128),
    ("low_cardinality(string)", 42),
    ("low_cardinality(nullable(string))", 4.5),
    ("array(nullable(int8))", [None, -129]),
    ("array(int8)", [1, None]),  # NULL in a nested type that is not nullable
    ("array(array(uint16))", [[1], [2, 65536]]),
    ("map(uint8, string)", {256: "x"}),
    ("map(string, array(int8))", {"a": [1, 2, 128]}),
    ("tuple(int8, string)", (1, "x", 3)),
    ("tuple(a int8, b string)", {"a": 1, "b": 2}),
    ("float32", 3.5e38),
    ("float64", 2**53 + 1),
    ("float64", 10**400),  # was a bare OverflowError
    ("float32", 2**24 + 1),  # stored as 16777216.0
    ("float32", -(2**40) - 1),
    ("float64", "1.5"),
    ("decimal(10, 2)", 1.005),
    ("decimal(10, 2)", "0.001"),
    ("decimal(38, 0)", Decimal("1e38")),
    ("decimal32(2)", Decimal("10000000.00")),
    ("string", b"\xff"),
    ("string", uuid.UUID(int=1)),
    ("fixed_string(2)", "abc"),
    ("bool", "true"),
    ("bool", 2),
    ("uuid", "not-a-uuid"),
    ("ipv4", "1.2.3.256"),
    ("ipv6", ipaddress.IPv4Address("1.2.3.4")),
    ("enum8('a' = 1, 'b' = 2)", "c"),
    ("json", 5),
    ("json", {"a": float("nan")}),  # JSON has no NaN/inf: the server stored the text 'nan'
    ("json", {"a": [1, {"b": float("-inf")}]}),
    ("json", {1: 2}),  # object keys are strings: it was stored as {'1': 2}
    ("json", {"a": {(1, 2): "x"}}),
    ("json", {"a": 2**64}),  # beyond 64 bits: rounded to a float
    # no JSON form of their own: sent as text, read back as a string (or a list)
    ("json", {"a": Decimal("0.1")}),
    ("json", {"a": [datetime.datetime(2024, 1, 1)]}),
    ("json", {"a": uuid.UUID(int=1)}),
    ("json", {"a": {1, 2}}),
    ("json", {"a": b"x"}),
    ("date", datetime.datetime(2024, 1, 1, 12, 0)),
    ("date", datetime.date(2149, 6, 7)),
    ("date32", datetime.date(1899, 12, 31)),
    ("datetime", datetime.datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("datetime('Asia/Tokyo')", datetime.datetime(1970, 1, 1, 8, 59, 59)),  # 1969 in UTC
    ("datetime", "2106-02-07 06:28:16"),
    ("datetime64(3, 'UTC')", datetime.datetime(1899, 12, 31, 23, 59, 59)),
    ("datetime64(6)", datetime.datetime(2300, 1, 1)),
    ("datetime64(9, 'UTC')", datetime.datetime(2262, 4, 11, 23, 47, 17, tzinfo=UTC)),
    ("datetime64(3)", 1_700_000_000),
    ("datetime64(3)", "yesterday"),
]

_GOOD = {
    "array(int8)": [1], "map(string, uint8)": {"k": 1}, "tuple(int16, int32)": (1, 2),
    "date": datetime.date(2024, 1, 1), "datetime": datetime.datetime(2024, 1, 1),
    "int32": 1, "decimal(10, 2)": Decimal("1.25"), "decimal(5, 2)": 999, "string": "x",
    "int64": 1, "uint64": 1, "int256": -(2**255), "uint128": 2**128 - 1,
    "nullable(int8)": None, "low_cardinality(string)": "x",
    "low_cardinality(nullable(string))": None, "array(nullable(int8))": [None, 1],
    "array(array(uint16))": [[]], "map(uint8, string)": {255: "x"},
    "map(string, array(int8))": {"a": []}, "tuple(int8, string)": (1, "x"),
    "tuple(a int8, b string)": {"a": 1, "b": "y"}, "float32": 3.4e38, "float64": 2**53,
    "decimal(38, 0)": Decimal("9" * 38), "decimal32(2)": Decimal("9999999.99"),
    "fixed_string(2)": "ab", "bool": 1, "uuid": str(uuid.UUID(int=7)), "ipv4": "1.2.3.4",
    "ipv6": "::1", "enum8('a' = 1, 'b' = 2)": "b", "json": {"a": "b"},
    "date32": datetime.date(1900, 1, 1),
    "datetime('Asia/Tokyo')": datetime.datetime(1970, 1, 1, 9, 0, 0),
    "datetime64(3, 'UTC')": datetime.datetime(1900, 1, 1), "datetime64(6)": "2299-12-31 23:59:59",
    "datetime64(3)": "2024-01-01T00:00:00Z",
    "datetime64(9, 'UTC')": datetime.datetime(2262, 4, 11, 23, 47, 16, 854775, tzinfo=UTC),
}


@pytest.mark.parametrize(("column_type", "value"), ISSUE_TABLE,
                         ids=[f"{t}={v!r}" for t, v in ISSUE_TABLE])
def test_each_value_of_the_issue_table_is_refused_and_nothing_stored(
    conn, new_stream, column_type, value
):
    message = _refused(conn, new_stream, column_type, value)
    assert column_type.replace(" ", "") in message.replace(" ", "")


@pytest.mark.parametrize(("column_type", "value"), MORE_REFUSED,
                         ids=[f"{t}={v!r}" for t, v in MORE_REFUSED])
def test_values_each_type_would_store_as_something_else_are_refused(
    emu_conn, emu_stream, column_type, value
):
    _refused(emu_conn, emu_stream, column_type, value)


def _nested(depth):
    value = {"b": 1}
    for _ in range(depth):
        value = {"a": value}
    return value


def _cycle():
    value = {"a": [1]}
    value["a"].append(value)
    return value


@pytest.mark.parametrize("value", [_cycle(), _nested(5000)], ids=["cycle", "5000 levels"])
def test_json_values_without_an_end_are_refused_not_a_recursion_error(
    emu_conn, emu_stream, value
):
    name = emu_stream([("k", "int32"), ("v", "json")])
    with pytest.raises(db.DataError, match=r"column 'v', row 0: .*(itself|levels)"):
        emu_conn.cursor().executemany(f"INSERT INTO {name} (k, v) VALUES (%s, %s)",
                                      [(1, value)])
    assert _count(emu_conn, name) == 0


def test_json_values_with_numpy_numbers(emu_conn, emu_stream):
    """numpy numbers are JSON numbers (a float32 NaN has no JSON form either: it was the text
    'nan')."""
    np = pytest.importorskip("numpy")
    name = emu_stream([("k", "int32"), ("v", "json")])
    insert = f"INSERT INTO {name} (k, v) VALUES (%s, %s)"
    with pytest.raises(db.DataError, match=r"column 'v', row 0: .*nan"):
        emu_conn.cursor().executemany(insert, [(1, {"a": [np.float32("nan")]})])
    deep = _nested(100)
    emu_conn.cursor().executemany(insert, [(1, {"a": np.int64(7), "b": np.float32(0.5)}),
                                           (2, deep)])
    cur = emu_conn.cursor()
    cur.execute(f"SELECT v FROM table({name}) ORDER BY k", query_mode="table")
    assert cur.fetchall() == [({"a": 7, "b": 0.5},), (deep,)]


def test_the_good_values_above_are_stored(emu_conn, emu_stream):
    """The other side of the refusals: each type's good value goes in (one stream)."""
    types = sorted(_GOOD)
    name = emu_stream([(f"c{i}", t) for i, t in enumerate(types)])
    columns = ", ".join(f"c{i}" for i in range(len(types)))
    marks = ", ".join(["%s"] * len(types))
    emu_conn.cursor().executemany(
        f"INSERT INTO {name} ({columns}) VALUES ({marks})", [tuple(_GOOD[t] for t in types)]
    )
    assert _count(emu_conn, name) == 1


def test_a_bad_last_row_of_a_list_stops_the_batch_before_any_request(
    emulator, emu_conn, emu_stream
):
    name = emu_stream([("k", "int64"), ("v", "array(int16)"), ("s", "string")])
    emu_conn.client.ingest_max_bytes = 4096  # the good rows alone would take ~100 requests
    rows = [(i, [i % 1000], "x" * 20) for i in range(20_000)]
    rows.append((20_000, [1, 2, 40_000], "late"))
    before = emulator.request_counts.get("ingest", 0)
    with pytest.raises(db.DataError, match=r"column 'v', row 20000: .*40000") as caught:
        emu_conn.cursor().executemany(f"INSERT INTO {name} (k, v, s) VALUES (%s, %s, %s)", rows)
    assert caught.value.rows_accepted == 0
    assert emulator.request_counts.get("ingest", 0) == before
    assert _count(emu_conn, name) == 0


# --- range ends: the last value in is stored exactly, one step beyond is refused ------------


def _int_range(name):
    bits = int(name.removeprefix("u").removeprefix("int"))
    if name.startswith("u"):
        return 0, 2**bits - 1, 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1, 1


RANGES = {
    **{t: _int_range(t) for t in
       [f"{u}int{b}" for u in ("", "u") for b in (8, 16, 32, 64, 128, 256)]},
    "date": (datetime.date(1970, 1, 1), datetime.date(2149, 6, 6), datetime.timedelta(days=1)),
    "date32": (datetime.date(1900, 1, 1), datetime.date(2299, 12, 31),
               datetime.timedelta(days=1)),
    "datetime('UTC')": (datetime.datetime(1970, 1, 1, tzinfo=UTC),
                        datetime.datetime(2106, 2, 7, 6, 28, 15, tzinfo=UTC),
                        datetime.timedelta(seconds=1)),
    "datetime64(6, 'UTC')": (datetime.datetime(1900, 1, 1, tzinfo=UTC),
                             datetime.datetime(2299, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
                             datetime.timedelta(microseconds=1)),
    "datetime64(9, 'UTC')": (datetime.datetime(1900, 1, 1, tzinfo=UTC),
                             datetime.datetime(2262, 4, 11, 23, 47, 16, 854775, tzinfo=UTC),
                             datetime.timedelta(microseconds=1)),
    "decimal(5, 2)": (Decimal("-999.99"), Decimal("999.99"), Decimal("0.01")),
    "decimal(18, 6)": (Decimal("-999999999999.999999"), Decimal("999999999999.999999"),
                       Decimal("0.000001")),
}
RANGE_TYPES = sorted(RANGES)
_KEYS = itertools.count(1)


@pytest.fixture(scope="module")
def range_stream(request):
    connection = db.connect(request.getfixturevalue("timeplus_dsn"), query_mode="table")
    name = f"ranges_{uuid.uuid4().hex[:10]}"
    connection.client.create_stream(
        name, [("k", "int64")] + [(f"c{i}", f"nullable({t})") for i, t in enumerate(RANGE_TYPES)]
    )
    yield connection, name
    connection.client.delete_stream(name, if_exists=True)
    connection.close()


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(type_index=st.integers(0, len(RANGE_TYPES) - 1), at_high=st.booleans(),
       steps=st.integers(-2, 2))
def test_range_ends_are_stored_exactly_and_one_step_beyond_is_refused(
    range_stream, type_index, at_high, steps
):
    connection, name = range_stream
    key = next(_KEYS)  # one row per example
    low, high, step = RANGES[RANGE_TYPES[type_index]]
    value = (high if at_high else low) + steps * step
    column = f"c{type_index}"
    cur = connection.cursor()
    insert = f"INSERT INTO {name} (k, {column}) VALUES (%s, %s)"
    if low <= value <= high:
        cur.executemany(insert, [(key, value)])
        cur.execute(f"SELECT {column} FROM table({name}) WHERE k = %s", (key,))
        assert cur.fetchall() == [(value,)]
    else:
        with pytest.raises(db.DataError, match=f"column '{column}', row 0: "):
            cur.executemany(insert, [(key, value)])
        cur.execute(f"SELECT count() FROM table({name}) WHERE k = %s", (key,))
        assert cur.fetchone() == (0,)


# --- INSERT ... VALUES sent as SQL (placeholders beside expressions) ------------------------


@pytest.mark.parametrize(
    ("sql", "rows", "column", "row"),
    [
        ("INSERT INTO {s} (k, a, t) VALUES (%s, %s, now64(3, 'UTC'))",
         [(1, 5), (2, 300)], "a", 1),
        ("INSERT INTO {s} (k, d, t) VALUES (%(k)s, %(d)s, now64(3, 'UTC'))",
         [{"k": 1, "d": Decimal("1.005")}], "d", 0),
        ("INSERT INTO {s} (k, x, t) VALUES (to_int64(%s) + 1, %s, now64(3, 'UTC'))",
         [(1, [1]), (2, [2]), (3, [-129])], "x", 2),
        ("INSERT INTO {s} (t, k, s) VALUES (now64(3, 'UTC'), %s, %s)", [(1, 42)], "s", 0),
    ],
)
def test_values_beside_expressions_are_checked_before_the_sql_is_sent(
    emulator, emu_conn, emu_stream, sql, rows, column, row
):
    name = emu_stream([("k", "int64"), ("a", "int8"), ("d", "decimal(10, 2)"),
                       ("x", "array(int8)"), ("s", "string"), ("t", "datetime64(3, 'UTC')")])
    before = emulator.request_counts.get("queries", 0)
    with pytest.raises(db.DataError, match=f"column '{column}', row {row}: "):
        emu_conn.cursor().executemany(sql.format(s=name), rows)
    with pytest.raises(db.DataError, match=f"column '{column}', row {row}: "):
        emu_conn.cursor().executemany(sql.format(s=name), iter(rows))  # checked as read
    if len(rows) == 1:
        with pytest.raises(db.DataError, match=f"column '{column}', row 0: "):
            emu_conn.cursor().execute(sql.format(s=name), rows[0])
    assert emulator.request_counts.get("queries", 0) == before
    assert _count(emu_conn, name) == 0
