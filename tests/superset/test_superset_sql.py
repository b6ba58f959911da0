"""Superset-free pieces of the Superset integration: time grains, datetime literals, query mode.

Unit tests need nothing; the ``integration`` tests run the generated SQL on the emulator (or on the
server named by TIMEPLUS_TEST_URL) through the driver.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any, Callable

import pytest
from sqlalchemy.engine.url import make_url

import timeplus_dbapi
from sqlalchemy_timeplus.superset_sql import (
    EPOCH_MS_TO_DATETIME,
    EPOCH_S_TO_DATETIME,
    TIME_GRAIN_EXPRESSIONS,
    datetime_literal,
    value_type,
    with_default_query_mode,
)

MOMENT = dt.datetime(2024, 2, 29, 13, 47, 59, 987654)


def _midnight(t: dt.datetime) -> dt.datetime:
    return dt.datetime(t.year, t.month, t.day)


# Hand-computed starts of each bucket: name -> function of a naive (wall-clock) datetime.
EXPECTED_BUCKETS: dict[str, Callable[[dt.datetime], dt.datetime]] = {
    "PT1S": lambda t: t.replace(microsecond=0),
    "PT5S": lambda t: t.replace(second=t.second - t.second % 5, microsecond=0),
    "PT30S": lambda t: t.replace(second=t.second - t.second % 30, microsecond=0),
    "PT0.5H": lambda t: t.replace(minute=t.minute - t.minute % 30, second=0, microsecond=0),
    "PT6H": lambda t: t.replace(hour=t.hour - t.hour % 6, minute=0, second=0, microsecond=0),
    # weeks ending Saturday (Sunday..Saturday) and ending Sunday (Monday..Sunday): the last day
    "P1W/1970-01-03T00:00:00Z": lambda t: (
        _midnight(t) + dt.timedelta(days=6 - (t.weekday() + 1) % 7)
    ),
    "P1W/1970-01-04T00:00:00Z": lambda t: _midnight(t) + dt.timedelta(days=6 - t.weekday()),
    "P0.25Y": lambda t: dt.datetime(t.year, 3 * ((t.month - 1) // 3) + 1, 1),
    "PT1M": lambda t: t.replace(second=0, microsecond=0),
    "PT5M": lambda t: t.replace(minute=t.minute - t.minute % 5, second=0, microsecond=0),
    "PT10M": lambda t: t.replace(minute=t.minute - t.minute % 10, second=0, microsecond=0),
    "PT15M": lambda t: t.replace(minute=t.minute - t.minute % 15, second=0, microsecond=0),
    "PT30M": lambda t: t.replace(minute=t.minute - t.minute % 30, second=0, microsecond=0),
    "PT1H": lambda t: t.replace(minute=0, second=0, microsecond=0),
    "P1D": lambda t: dt.datetime(t.year, t.month, t.day),
    "P1W": lambda t: dt.datetime(t.year, t.month, t.day) - dt.timedelta(days=t.weekday()),
    "1969-12-29T00:00:00Z/P1W": lambda t: (
        dt.datetime(t.year, t.month, t.day) - dt.timedelta(days=t.weekday())
    ),
    "1969-12-28T00:00:00Z/P1W": lambda t: (
        dt.datetime(t.year, t.month, t.day) - dt.timedelta(days=(t.weekday() + 1) % 7)
    ),
    "P1M": lambda t: dt.datetime(t.year, t.month, 1),
    "P3M": lambda t: dt.datetime(t.year, 3 * ((t.month - 1) // 3) + 1, 1),
    "P1Y": lambda t: dt.datetime(t.year, 1, 1),
}

SAMPLE_TIMES = [
    dt.datetime(2024, 2, 29, 13, 47, 59, 987000),  # leap day, Thursday
    dt.datetime(2024, 3, 3, 0, 0, 0),  # Sunday midnight
    dt.datetime(2024, 3, 4, 23, 59, 59, 1000),  # Monday
    dt.datetime(2023, 12, 31, 23, 29, 30, 500000),  # new year's eve, Sunday
    dt.datetime(2024, 7, 1, 12, 14, 0),  # first day of Q3
    dt.datetime(2024, 3, 9, 17, 59, 34, 999000),  # Saturday
]

# Wall-clock times on the DST days of 2024 in Europe/Berlin (31 March: 02:00 -> 03:00, 23
# hours; 27 October: 03:00 -> 02:00, 25 hours), none of them ambiguous or skipped. Buckets are
# wall-clock: a 6-hour bucket starts at local 00/06/12/18 even when it lasts 5 or 7 hours.
DST_TIMES = [
    dt.datetime(2024, 3, 31, 1, 59, 59, 500000),
    dt.datetime(2024, 3, 31, 3, 0, 4),
    dt.datetime(2024, 3, 31, 5, 59, 31),
    dt.datetime(2024, 3, 31, 6, 0, 0),
    dt.datetime(2024, 3, 31, 23, 45, 0),
    dt.datetime(2024, 10, 27, 1, 30, 0),
    dt.datetime(2024, 10, 27, 3, 30, 29),
    dt.datetime(2024, 10, 27, 6, 10, 0),
]


def test_every_grain_has_an_expected_bucket() -> None:
    assert set(TIME_GRAIN_EXPRESSIONS) == {None, *EXPECTED_BUCKETS}
    assert TIME_GRAIN_EXPRESSIONS[None] == "{col}"


@pytest.mark.parametrize(
    ("target_type", "expected"),
    [
        ("date", "to_date('2024-02-29')"),
        ("DATE32", "to_date('2024-02-29')"),  # Timeplus has no to_date32
        ("nullable(date)", "to_date('2024-02-29')"),
        ("datetime", "to_datetime('2024-02-29 13:47:59')"),
        ("DateTime('Asia/Tokyo')", "to_datetime('2024-02-29 13:47:59', 'Asia/Tokyo')"),
        ("datetime64(3)", "to_datetime64('2024-02-29 13:47:59.987', 3)"),
        ("datetime64(0, 'UTC')", "to_datetime64('2024-02-29 13:47:59', 0, 'UTC')"),
        ("DATETIME64(6, 'UTC')", "to_datetime64('2024-02-29 13:47:59.987654', 6, 'UTC')"),
        ("datetime64(9)", "to_datetime64('2024-02-29 13:47:59.987654000', 9)"),
        (
            "low_cardinality(nullable(datetime64(3, 'Europe/Berlin')))",
            "to_datetime64('2024-02-29 13:47:59.987', 3, 'Europe/Berlin')",
        ),
    ],
)
def test_datetime_literal_follows_the_column_type(target_type: str, expected: str) -> None:
    assert datetime_literal(target_type, MOMENT) == expected


@pytest.mark.parametrize(
    "target_type", ["string", "int64", "VARCHAR", "", "not a type(", "array(date)"]
)
def test_datetime_literal_is_none_for_other_types(target_type: str) -> None:
    assert datetime_literal(target_type, MOMENT) is None


def test_datetime_literal_escapes_the_time_zone() -> None:
    literal = datetime_literal("datetime('Evil\\'zone')", MOMENT)
    assert literal == "to_datetime('2024-02-29 13:47:59', 'Evil\\'zone')"


@pytest.mark.parametrize(
    ("native", "name"),
    [
        ("nullable(int32)", "int32"),
        ("LowCardinality(Nullable(String))", "string"),
        ("DATETIME64(3, 'UTC')", "datetime64"),
        ("int", "int32"),
    ],
)
def test_value_type_unwraps_and_canonicalises(native: str, name: str) -> None:
    spec = value_type(native)
    assert spec is not None
    assert spec.name == name


@pytest.mark.parametrize("native", [None, "", "timestamp", "int32)"])
def test_value_type_of_garbage_is_none(native: Any) -> None:
    assert value_type(native) is None


def test_default_query_mode_is_historical() -> None:
    url = with_default_query_mode(make_url("timeplus://u:p@h:8000/default"), {})
    assert url.query == {"query_mode": "table"}
    assert (url.host, url.port, url.database, url.username) == ("h", 8000, "default", "u")


def test_query_mode_chosen_in_the_url_is_kept() -> None:
    url = make_url("timeplus://h/default?query_mode=streaming&timeout=5")
    assert with_default_query_mode(url, {}).query == {"query_mode": "streaming", "timeout": "5"}


def test_query_mode_chosen_in_connect_args_is_kept() -> None:
    url = make_url("timeplus://h/default")
    assert with_default_query_mode(url, {"query_mode": "streaming"}).query == {}


# ---------------------------------------------------------------- integration (emulator)


def _naive(value: Any) -> dt.datetime:
    """Compare wall-clock values: dates become midnight, aware datetimes lose the zone."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    assert isinstance(value, dt.date), f"not a date/datetime: {value!r}"
    return dt.datetime(value.year, value.month, value.day)


@pytest.fixture
def connection(timeplus_dsn: str) -> Iterator[Any]:
    conn = timeplus_dbapi.connect(timeplus_dsn, query_mode="table")
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def time_stream(connection: Any) -> Iterator[str]:
    name = f"superset_grains_{uuid.uuid4().hex[:10]}"
    columns = [("ts", "datetime64(3, 'UTC')"), ("d", "date"), ("dt", "datetime"), ("n", "int64")]
    connection.client.create_stream(name, columns)
    rows = [
        [
            t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
            t.date().isoformat(),
            t.strftime("%Y-%m-%d %H:%M:%S"),
            int(t.replace(tzinfo=dt.timezone.utc).timestamp()),
        ]
        for t in SAMPLE_TIMES
    ]
    assert connection.client.ingest(name, ["ts", "d", "dt", "n"], rows) == len(rows)
    try:
        yield name
    finally:
        connection.client.delete_stream(name, if_exists=True)


def _column(connection: Any, sql: str) -> list[Any]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]
    finally:
        cursor.close()


@pytest.mark.integration
@pytest.mark.parametrize("grain", sorted(EXPECTED_BUCKETS))
def test_time_grain_buckets_datetime64_column(
    connection: Any, time_stream: str, grain: str
) -> None:
    expression = TIME_GRAIN_EXPRESSIONS[grain].format(col="ts")
    got = _column(connection, f"SELECT {expression} FROM table({time_stream}) ORDER BY ts")
    expected = [
        EXPECTED_BUCKETS[grain](t.replace(microsecond=t.microsecond // 1000 * 1000))
        for t in sorted(SAMPLE_TIMES)
    ]
    assert [_naive(v) for v in got] == expected


@pytest.fixture
def zoned_stream(connection: Any) -> Iterator[str]:
    """The DST_TIMES as wall-clock values of a Berlin (DST) and a Kolkata (UTC+05:30) column."""
    name = f"superset_dst_{uuid.uuid4().hex[:10]}"
    columns = [
        ("berlin", "datetime64(3, 'Europe/Berlin')"),
        ("kolkata", "datetime64(3, 'Asia/Kolkata')"),
    ]
    connection.client.create_stream(name, columns)
    texts = [t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] for t in DST_TIMES]
    rows = [[text, text] for text in texts]
    assert connection.client.ingest(name, ["berlin", "kolkata"], rows) == len(rows)
    try:
        yield name
    finally:
        connection.client.delete_stream(name, if_exists=True)


@pytest.mark.integration
@pytest.mark.parametrize("grain", sorted(EXPECTED_BUCKETS))
@pytest.mark.parametrize("column", ["berlin", "kolkata"])
def test_time_grain_buckets_on_dst_days_in_the_column_zone(
    connection: Any, zoned_stream: str, grain: str, column: str
) -> None:
    expression = TIME_GRAIN_EXPRESSIONS[grain].format(col=column)
    got = _column(connection, f"SELECT {expression} FROM table({zoned_stream}) ORDER BY berlin")
    assert [_naive(v) for v in got] == [EXPECTED_BUCKETS[grain](t) for t in DST_TIMES]


@pytest.mark.integration
@pytest.mark.parametrize("grain", ["PT1M", "PT15M", "PT1H", "P1D", "P1W", "P1M", "P3M", "P1Y"])
@pytest.mark.parametrize("column", ["d", "dt"])
def test_time_grain_buckets_date_and_datetime_columns(
    connection: Any, time_stream: str, grain: str, column: str
) -> None:
    expression = TIME_GRAIN_EXPRESSIONS[grain].format(col=column)
    got = _column(connection, f"SELECT {expression} FROM table({time_stream}) ORDER BY ts")
    source = [
        dt.datetime(t.year, t.month, t.day) if column == "d" else t.replace(microsecond=0)
        for t in sorted(SAMPLE_TIMES)
    ]
    assert [_naive(v) for v in got] == [EXPECTED_BUCKETS[grain](t) for t in source]


@pytest.mark.integration
def test_group_by_a_grain_counts_rows(connection: Any, time_stream: str) -> None:
    expression = TIME_GRAIN_EXPRESSIONS["P1M"].format(col="ts")
    cursor = connection.cursor()
    cursor.execute(
        f"SELECT {expression} AS bucket, count(*) AS c FROM table({time_stream}) "
        "GROUP BY bucket ORDER BY bucket"
    )
    got = [(_naive(bucket), count) for bucket, count in cursor.fetchall()]
    cursor.close()
    assert got == [
        (dt.datetime(2023, 12, 1), 1),
        (dt.datetime(2024, 2, 1), 1),
        (dt.datetime(2024, 3, 1), 3),
        (dt.datetime(2024, 7, 1), 1),
    ]


@pytest.mark.integration
def test_epoch_expressions(connection: Any, time_stream: str) -> None:
    seconds = EPOCH_S_TO_DATETIME.format(col="n")
    millis = EPOCH_MS_TO_DATETIME.format(col="n * 1000 + 250")
    cursor = connection.cursor()
    cursor.execute(f"SELECT {seconds}, {millis} FROM table({time_stream}) ORDER BY ts")
    rows = cursor.fetchall()
    cursor.close()
    expected = [t.replace(microsecond=0) for t in sorted(SAMPLE_TIMES)]
    assert [_naive(row[0]) for row in rows] == expected
    assert [_naive(row[1]) for row in rows] == [
        t + dt.timedelta(milliseconds=250) for t in expected
    ]


@pytest.mark.integration
@pytest.mark.parametrize(
    ("column", "target_type"),
    [("ts", "datetime64(3, 'UTC')"), ("d", "date"), ("dt", "datetime")],
)
def test_datetime_literal_filters_rows(
    connection: Any, time_stream: str, column: str, target_type: str
) -> None:
    boundary = dt.datetime(2024, 3, 3, 0, 0, 0)
    literal = datetime_literal(target_type, boundary)
    got = _column(
        connection,
        f"SELECT ts FROM table({time_stream}) WHERE {column} >= {literal} ORDER BY ts",
    )
    expected = [t for t in sorted(SAMPLE_TIMES) if t >= boundary]
    assert [_naive(v) for v in got] == [
        t.replace(microsecond=t.microsecond // 1000 * 1000) for t in expected
    ]


@pytest.mark.integration
def test_datetime_literal_round_trips(connection: Any) -> None:
    literal = datetime_literal("datetime64(6, 'UTC')", MOMENT)
    (value,) = _column(connection, f"SELECT {literal}")
    assert _naive(value) == MOMENT
