"""Random values through parameter binding, checked by the server's real parser.

Example counts are modest for CI; set ``TIMEPLUS_HYPOTHESIS_EXAMPLES`` (e.g. 5000) nightly.
"""

from __future__ import annotations

import datetime
import decimal
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timeplus_dbapi as db

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("TIMEPLUS_HYPOTHESIS_EXAMPLES", "200"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@pytest.fixture(scope="module")
def hconn(request):
    dsn = request.getfixturevalue("timeplus_dsn")
    connection = db.connect(dsn, query_mode="table")
    yield connection
    connection.close()


@SETTINGS
@given(value=text)
def test_random_strings_round_trip_through_select(hconn, value):
    cur = hconn.cursor()
    cur.execute("SELECT %s AS v, length(%s) AS n", (value, value))
    assert cur.fetchone() == (value, len(value.encode("utf-8")))


@SETTINGS
@given(values=st.lists(text, max_size=5), key=text)
def test_random_arrays_and_maps_round_trip(hconn, values, key):
    cur = hconn.cursor()
    cur.execute("SELECT %(a)s AS a, %(m)s AS m", {"a": values, "m": {key: values}})
    got_array, got_map = cur.fetchone()
    assert got_array == values
    assert got_map == {key: values}


@SETTINGS
@given(
    number=st.integers(min_value=-(2**63), max_value=2**63 - 1),
    fraction=st.decimals(min_value=-(10**9), max_value=10**9, places=6, allow_nan=False),
    moment=st.datetimes(
        min_value=datetime.datetime(1970, 1, 2), max_value=datetime.datetime(2100, 1, 1)
    ),
)
def test_random_numbers_and_datetimes_round_trip(hconn, number, fraction, moment):
    cur = hconn.cursor()
    cur.execute("SELECT %s, to_decimal64(%s, 6), %s", (number, fraction, moment))  # decimal(18, 6)
    got = cur.fetchone()
    assert got[0] == number
    assert got[1] == fraction.quantize(decimal.Decimal("0.000001"))
    assert got[2] == moment


@pytest.fixture(scope="module")
def string_stream(hconn):
    import uuid

    name = f"h_{uuid.uuid4().hex[:12]}"
    hconn.client.create_stream(name, [("s", "string")])
    yield name
    hconn.client.delete_stream(name, if_exists=True)


@SETTINGS
@given(value=text)
def test_random_strings_through_ingest_and_sql_literal_insert(hconn, string_stream, value):
    cur = hconn.cursor()
    marker = f"m{abs(hash(value))}"
    cur.execute(f"INSERT INTO {string_stream} (s) VALUES (%s)", (marker + value,))
    cur.execute(f"INSERT INTO {string_stream} (s) SELECT %s", (marker + "|" + value,))
    cur.execute(
        f"SELECT s FROM table({string_stream}) WHERE starts_with(s, %s) ORDER BY s", (marker,)
    )
    got = {row[0] for row in cur.fetchall()}
    assert marker + value in got and marker + "|" + value in got
