"""Bad connection and statement options raise PEP 249 errors that name the option (no server)."""

from __future__ import annotations

import pytest

import timeplus_dbapi as db
from timeplus_dbapi.dsn import resolve_params

# --- bad connection and statement options name the problem (unit: no server needed) ---------


@pytest.mark.parametrize(
    ("dsn", "kwargs", "word"),
    [
        ("timeplus://h/ws?batching_policy=count", {}, "batching_policy"),
        ("timeplus://h/ws?batching_policy=count=1,time_ms", {}, "batching_policy"),
        (None, {"port": "eighty"}, "port"),
        (None, {"port": 70000}, "port"),
        ("timeplus://h/ws?ingest_max_bytes=lots", {}, "ingest_max_bytes"),
        (None, {"ingest_max_bytes": 0}, "ingest_max_bytes"),
    ],
)
def test_bad_connection_values_raise_interface_error(dsn, kwargs, word):
    with pytest.raises(db.InterfaceError, match=word):
        resolve_params(dsn, kwargs)


@pytest.fixture
def offline_cursor():
    """A cursor of a connection to a closed port: option checks must fail before any request."""
    connection = db.connect("timeplus://127.0.0.1:1/default", timeout=0.5)
    yield connection.cursor()
    connection.close()


@pytest.mark.parametrize(
    ("options", "word"),
    [
        ({"batching_policy": {"cnt": 1}}, "batching_policy"),
        ({"batching_policy": {"count": "many"}}, "batching_policy"),
        ({"idle_timeout": -1}, "idle_timeout"),
        ({"idle_timeout": 0}, "idle_timeout"),
        ({"query_mode": "historical"}, "query_mode"),
    ],
)
def test_bad_statement_options_raise_programming_error(offline_cursor, options, word):
    with pytest.raises(db.ProgrammingError, match=word):
        offline_cursor.execute("SELECT 1", **options)


@pytest.mark.parametrize("name", ["lower; DROP STREAM s", "db.f", "f()", "", "1f", "f`", None])
def test_callproc_refuses_what_is_not_a_plain_function_name(offline_cursor, name):
    with pytest.raises(db.ProgrammingError, match="function name"):
        offline_cursor.callproc(name, ())


@pytest.mark.parametrize("parameters", ["ab", b"ab", {"a": 1}, 5])
def test_callproc_parameters_must_be_a_sequence(offline_cursor, parameters):
    with pytest.raises(db.ProgrammingError, match="sequence"):
        offline_cursor.callproc("lower", parameters)


def test_nextset_without_a_result_is_an_error(offline_cursor):
    with pytest.raises(db.ProgrammingError):
        offline_cursor.nextset()


def test_optional_methods_of_a_closed_cursor_raise_interface_error(offline_cursor):
    offline_cursor.close()
    for call in (offline_cursor.nextset, lambda: offline_cursor.callproc("p")):
        with pytest.raises(db.InterfaceError):
            call()


@pytest.mark.parametrize("operation", [b"SELECT 1", None, 123])
def test_a_statement_that_is_not_str_is_a_programming_error(offline_cursor, operation):
    with pytest.raises(db.ProgrammingError, match="str"):
        offline_cursor.execute(operation)
    with pytest.raises(db.ProgrammingError, match="str"):
        offline_cursor.executemany(operation, [(1,)])
