"""Bad input (issue 8): each case is a clear PEP 249 error naming the problem, and the connection
still runs a query afterwards. Odd names are URL-quoted in paths and backquoted in SQL: they
either work end to end, or are refused with a clear error, never mixed up with another object.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator
from typing import Any, Callable

import pytest
from reliability_support import Server, assert_usable, unique

import timeplus_dbapi
from timeplus_dbapi.literals import quote_identifier
from timeplus_emulator.server import EmulatorServer

UTC = datetime.timezone.utc
PLUS_TWO = datetime.timezone(datetime.timedelta(hours=2))


def _values(cursor: timeplus_dbapi.Cursor, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    cursor.execute(sql, params, query_mode="table")
    return cursor.fetchall()


# --- SQL errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "code", "needle"),
    [
        ("SELEC 1", 62, "syntax"),
        ("SELECT * FROM table(no_such_stream_r8)", 60, "no_such_stream_r8"),
        ("SELECT no_such_function_r8(1)", 46, "no_such_function_r8"),
        ("SELECT 1 +", 62, "syntax"),
        ("SELECT 'unterminated", 62, "syntax"),
    ],
)
def test_sql_errors_are_programming_errors(
    conn: timeplus_dbapi.Connection, sql: str, code: int, needle: str
) -> None:
    with pytest.raises(timeplus_dbapi.ProgrammingError) as caught:
        conn.cursor().execute(sql)
    assert caught.value.code == code
    assert needle in str(caught.value).lower()
    assert conn.client.host in str(caught.value)
    assert_usable(conn)


def test_sql_and_ddl_errors_on_enterprise_profile(
    timeplus_enterprise_server: EmulatorServer,
    conn_factory: Callable[..., timeplus_dbapi.Connection],
) -> None:
    """Enterprise: DDL goes over /queries (204); errors must still be clear and non-fatal."""
    connection = conn_factory(timeplus_enterprise_server.dsn, timeout=5)
    name = unique("ent")
    connection.client.create_stream(name, [("a", "int32")])
    cases = [("SELEC 1", 62), (f"CREATE STREAM {name} (a int32)", 57),
             (f"SELECT nope_r8 FROM table({name})", 47), ("DROP STREAM no_such_r8", 60)]
    for sql, code in cases:
        with pytest.raises(timeplus_dbapi.ProgrammingError) as caught:
            connection.cursor().execute(sql)
        assert caught.value.code == code, (sql, caught.value)
        assert connection.client.host in str(caught.value)
        assert_usable(connection)
    with pytest.raises(timeplus_dbapi.DatabaseError):
        connection.client.ingest(name, ["a"], [["not a number"]])
    assert_usable(connection)
    connection.client.delete_stream(name)


def test_unknown_column(server: Server, conn: timeplus_dbapi.Connection) -> None:
    name = server.create_stream("a int32")
    with pytest.raises(timeplus_dbapi.ProgrammingError) as caught:
        conn.cursor().execute(f"SELECT no_such_column_r8 FROM table({name})")
    assert "no_such_column_r8" in str(caught.value)
    with pytest.raises(timeplus_dbapi.DatabaseError) as ingest_error:
        conn.client.ingest(name, ["no_such_column_r8"], [[1]])
    assert "no_such_column_r8" in str(ingest_error.value)
    assert_usable(conn)


def test_unknown_stream_on_rest_endpoints(conn: timeplus_dbapi.Connection) -> None:
    missing = unique("missing")
    for call in (lambda: conn.client.get_stream(missing),
                 lambda: conn.client.ingest(missing, ["a"], [[1]]),
                 lambda: conn.client.delete_stream(missing)):
        with pytest.raises(timeplus_dbapi.ProgrammingError) as caught:
            call()
        assert missing in str(caught.value)
    conn.client.delete_stream(missing, if_exists=True)
    assert_usable(conn)


# --- values -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", [1, 2], {"k": 1}, 1.5e300])
def test_wrong_value_types_for_ingest(
    server: Server, conn: timeplus_dbapi.Connection, value: Any
) -> None:
    name = server.create_stream("a int32")
    with pytest.raises(timeplus_dbapi.DatabaseError) as caught:
        conn.client.ingest(name, ["a"], [[1], [value]])
    assert isinstance(caught.value, (timeplus_dbapi.DataError, timeplus_dbapi.ProgrammingError))
    assert caught.value.rows_accepted == 0
    assert server.count(name) == 0  # the bad chunk is rejected whole, nothing half-written
    assert_usable(conn)


def test_unsupported_python_type_is_not_supported_error(
    server: Server, conn: timeplus_dbapi.Connection
) -> None:
    name = server.create_stream("a string")
    with pytest.raises(timeplus_dbapi.NotSupportedError):
        conn.client.ingest(name, ["a"], [[object()]])
    with pytest.raises(timeplus_dbapi.NotSupportedError):
        conn.cursor().execute("SELECT %s", (object(),))
    assert server.count(name) == 0
    assert_usable(conn)


def test_nan_and_inf_round_trip(server: Server, conn: timeplus_dbapi.Connection) -> None:
    name = server.create_stream("i int32, x float64")
    values = [math.nan, math.inf, -math.inf, 1.5]
    conn.client.ingest(name, ["i", "x"], [[i, v] for i, v in enumerate(values)])
    cursor = conn.cursor()
    stored = [row[0] for row in _values(cursor, f"SELECT x FROM table({name}) ORDER BY i")]
    assert math.isnan(stored[0]) and stored[1:] == [math.inf, -math.inf, 1.5]
    as_params = _values(cursor, "SELECT %s, %s, %s", (math.nan, math.inf, -math.inf))[0]
    assert math.isnan(as_params[0]) and as_params[1:] == (math.inf, -math.inf)
    assert_usable(conn)


def test_nan_into_integer_column_is_rejected(
    server: Server, conn: timeplus_dbapi.Connection
) -> None:
    name = server.create_stream("a int32")
    with pytest.raises(timeplus_dbapi.DatabaseError):
        conn.client.ingest(name, ["a"], [[math.nan]])
    assert server.count(name) == 0
    assert_usable(conn)


def test_naive_and_aware_datetimes(server: Server, conn: timeplus_dbapi.Connection) -> None:
    """Aware values keep their instant; naive ones are read as UTC (the column's zone)."""
    name = server.create_stream("i int32, t datetime64(3, 'UTC')")
    aware = datetime.datetime(2024, 5, 6, 12, 30, 1, 250000, tzinfo=PLUS_TWO)
    naive = datetime.datetime(2024, 5, 6, 12, 30, 1, 250000)
    conn.client.ingest(name, ["i", "t"], [[0, aware], [1, naive]])
    cursor = conn.cursor()
    stored = [row[0] for row in _values(cursor, f"SELECT t FROM table({name}) ORDER BY i")]
    assert stored[0] == aware  # the same instant (10:30:01.25 UTC)
    assert stored[0].utcoffset() == datetime.timedelta(0)
    assert stored[1] == naive.replace(tzinfo=UTC)
    as_param = _values(cursor, f"SELECT count() FROM table({name}) WHERE t = %s", (aware,))
    assert as_param == [(1,)]
    assert_usable(conn)


@pytest.mark.parametrize("text", ["\ud800", "ok\udfffok", "x\ud83d"])
def test_lone_surrogates_are_data_errors(
    server: Server, conn: timeplus_dbapi.Connection, text: str
) -> None:
    name = server.create_stream("a string")
    with pytest.raises(timeplus_dbapi.DataError) as caught:
        conn.cursor().execute("SELECT %s", (text,))
    assert "surrogate" in str(caught.value)
    with pytest.raises(timeplus_dbapi.DataError):
        conn.client.ingest(name, ["a"], [["fine"], [text]])
    assert server.count(name) == 0
    assert_usable(conn)


# --- oversized payloads -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_limit_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(max_body_bytes=64 * 1024) as emulator:
        yield emulator


def test_oversized_payloads_are_clear_errors(
    small_limit_server: EmulatorServer, conn_factory: Callable[..., timeplus_dbapi.Connection]
) -> None:
    connection = conn_factory(small_limit_server.dsn, timeout=5, ingest_max_bytes=32 * 1024)
    name = Server(small_limit_server).create_stream("a string")
    for _ in range(10):  # the server closes after a 413: the connection must stay usable
        with pytest.raises(timeplus_dbapi.DataError) as caught:
            connection.client.ingest(name, ["a"], [["x" * 100_000]])  # one row over the limit
        assert caught.value.http_status == 413
        assert "limit" in str(caught.value)
        assert_usable(connection)
        with pytest.raises(timeplus_dbapi.DataError):
            connection.cursor().execute("SELECT %s", ("y" * 100_000,))
        assert_usable(connection)
    # many small rows over the limit are chunked under it and all arrive
    assert connection.client.ingest(name, ["a"], [["z" * 100]] * 2000) == 2000
    assert Server(small_limit_server).count(name) == 2000


# --- odd names --------------------------------------------------------------------------------

ODD_NAMES = ["a/b", "..", "../x", "a%2Fb", "100%", "it's", 'dq"name', "back`tick",
             "sp ace", "ünï_cødé", "名前", "a?b#c", "a\\b"]


def _create(conn: timeplus_dbapi.Connection, name: str, via: str) -> None:
    if via == "rest":
        conn.client.create_stream(name, [("a", "int32")])
    else:
        conn.cursor().execute(f"CREATE STREAM {quote_identifier(name)} (a int32)")


@pytest.mark.parametrize("via", ["rest", "sql"])
@pytest.mark.parametrize("raw_name", ODD_NAMES)
def test_odd_stream_names(
    server: Server, conn: timeplus_dbapi.Connection, raw_name: str, via: str
) -> None:
    bystander = server.create_stream("a int32")  # must never be touched
    server.ingest(bystander, ["a"], [[7]])
    name = f"{raw_name}_{unique('n')}" if raw_name not in ("..",) else raw_name
    try:
        _create(conn, name, via)
    except timeplus_dbapi.ProgrammingError as refused:
        assert name in str(refused) or "name" in str(refused).lower()
        assert_usable(conn)
        assert server.count(bystander) == 1
        return
    try:
        assert conn.client.get_stream(name)["name"] == name
        assert conn.client.stream_exists(name)
        assert conn.client.ingest(name, ["a"], [[1], [2]]) == 2
        quoted = quote_identifier(name)
        assert _values(conn.cursor(), f"SELECT sum(a) FROM table({quoted})") == [(3,)]
    finally:
        conn.client.delete_stream(name)
    assert not conn.client.stream_exists(name)
    assert server.count(bystander) == 1
    assert_usable(conn)


@pytest.mark.parametrize("raw_name", ODD_NAMES)
def test_odd_names_reach_the_right_resource(
    conn: timeplus_dbapi.Connection, raw_name: str
) -> None:
    """URL quoting: an odd name is looked up as itself (404 naming it), never as another path."""
    with pytest.raises(timeplus_dbapi.ProgrammingError) as caught:
        conn.client.get_stream(raw_name)
    assert caught.value.http_status == 404
    assert raw_name in str(caught.value)
    with pytest.raises(timeplus_dbapi.ProgrammingError) as ingest_error:
        conn.client.ingest(raw_name, ["a"], [[1]])
    assert raw_name in str(ingest_error.value)
    assert_usable(conn)


@pytest.mark.parametrize("raw_name", ODD_NAMES)
def test_odd_column_names(
    server: Server, conn: timeplus_dbapi.Connection, raw_name: str
) -> None:
    name = unique("cols")
    column = quote_identifier(raw_name)
    try:
        conn.cursor().execute(f"CREATE STREAM {name} ({column} int32, b int32)")
    except timeplus_dbapi.ProgrammingError as refused:
        assert raw_name in str(refused) or "name" in str(refused).lower()
        assert_usable(conn)
        return
    assert [c["name"] for c in conn.client.get_stream(name)["columns"]][:2] == [raw_name, "b"]
    assert conn.client.ingest(name, [raw_name, "b"], [[5, 6]]) == 1
    cursor = conn.cursor()
    assert _values(cursor, f"SELECT {column}, b FROM table({name})") == [(5, 6)]
    assert cursor.description is not None and cursor.description[0][0] == raw_name
    assert server.count(name) == 1
