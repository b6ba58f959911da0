"""Injection (issue 8): any string or identifier bound as a parameter is data, never SQL.

Every property is checked by the emulator's real ClickHouse parser (chDB), over HTTP. Strings are
drawn from SQL metacharacters (quotes, backslashes, backticks, ``%`` placeholders, comments,
semicolons, NUL/CR/LF) mixed with arbitrary Unicode.

Example counts: ``TIMEPLUS_HYPOTHESIS_EXAMPLES`` (default 150, the CI size). The nightly size is
10000: ``TIMEPLUS_HYPOTHESIS_EXAMPLES=10000 pytest tests/reliability/test_injection.py``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timeplus_dbapi
from timeplus_dbapi.literals import quote_identifier

EXAMPLES = int(os.environ.get("TIMEPLUS_HYPOTHESIS_EXAMPLES", "150"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
pytestmark = pytest.mark.watchdog(max(60, EXAMPLES // 10))

META = [*"'\"`\\%;-/*(){}[]?:$#@!\n\r\t\x00 ", "%s", "%(v)s", "--", "/*", "*/", "''", "\\'",
        "' OR 1=1 --", "'; DROP STREAM x; --", "\\N", "\\x41", "{v}", "\u2028", "\U0001f600"]
UNICODE = st.characters(exclude_categories=["Cs"])
hostile = st.lists(st.sampled_from(META) | UNICODE, max_size=25).map("".join)
STORED = ["alice", "bob's", "back\\slash"]


@pytest.fixture(scope="module")
def hconn(timeplus_dsn: str) -> Iterator[timeplus_dbapi.Connection]:
    connection = timeplus_dbapi.connect(timeplus_dsn, query_mode="table", timeout=10)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def users(hconn: timeplus_dbapi.Connection) -> Iterator[str]:
    name = f"inj_{uuid.uuid4().hex[:12]}"
    hconn.client.create_stream(name, [("name", "string"), ("secret", "string")])
    hconn.client.ingest(name, ["name", "secret"], [[user, f"s3cret-{i}"]
                                                   for i, user in enumerate(STORED)])
    yield name
    hconn.client.delete_stream(name, if_exists=True)


@SETTINGS
@given(first=hostile, second=hostile)
def test_two_hostile_strings_round_trip(
    hconn: timeplus_dbapi.Connection, first: str, second: str
) -> None:
    """Placeholders in the first value are never filled with the second."""
    cursor = hconn.cursor()
    cursor.execute("SELECT %s AS a, %s AS b, 'tail' AS c", (first, second))
    assert cursor.fetchall() == [(first, second, "tail")]


@SETTINGS
@given(value=hostile)
def test_named_parameters_round_trip(hconn: timeplus_dbapi.Connection, value: str) -> None:
    cursor = hconn.cursor()
    cursor.execute("SELECT %(v)s AS v, [%(v)s, 'x'] AS arr", {"v": value})
    assert cursor.fetchall() == [(value, [value, "x"])]


@SETTINGS
@given(probe=hostile)
def test_where_clause_matches_only_equal_values(
    hconn: timeplus_dbapi.Connection, users: str, probe: str
) -> None:
    """A hostile probe can never widen a filter: it matches a row only if it equals it."""
    cursor = hconn.cursor()
    cursor.execute(f"SELECT name, secret FROM table({users}) WHERE name = %s", (probe,))
    rows = cursor.fetchall()
    expected = [(probe, f"s3cret-{STORED.index(probe)}")] if probe in STORED else []
    assert rows == expected


@SETTINGS
@given(ident=hostile.filter(bool))
def test_identifiers_round_trip(hconn: timeplus_dbapi.Connection, ident: str) -> None:
    """A quoted identifier names exactly one column, spelled exactly as given."""
    if "\x00" in ident:
        ident = ident.replace("\x00", "")  # NUL cannot be part of a name
        if not ident:
            return
    cursor = hconn.cursor()
    quoted = quote_identifier(ident).replace("%", "%%")  # pyformat: SQL text escapes its own %
    cursor.execute(f"SELECT %s AS {quoted}, 2 AS two", (ident,))
    assert cursor.fetchall() == [(ident, 2)]
    assert cursor.description is not None
    assert [d[0] for d in cursor.description] == [ident, "two"]
    cursor.execute(f"SELECT 1 AS {quote_identifier(ident)}")  # no parameters: % is literal
    assert cursor.description is not None and cursor.description[0][0] == ident


@SETTINGS
@given(values=st.lists(hostile, min_size=1, max_size=8))
def test_ingested_hostile_strings_are_stored_verbatim(
    hconn: timeplus_dbapi.Connection, users: str, values: list[str]
) -> None:
    """Ingest (JSON, no SQL) and SQL filters agree on hostile values."""
    tag = uuid.uuid4().hex
    hconn.client.ingest(users, ["name", "secret"], [[v, tag] for v in values])
    cursor = hconn.cursor()
    cursor.execute(f"SELECT name FROM table({users}) WHERE secret = %s", (tag,))
    assert sorted(row[0] for row in cursor.fetchall()) == sorted(values)
    cursor.execute(f"SELECT count() FROM table({users}) WHERE secret = %s AND name = %s",
                   (tag, values[0]))
    assert cursor.fetchall() == [(values.count(values[0]),)]
