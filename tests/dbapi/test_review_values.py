"""Result values and parameter literals found in review (no server)."""

from __future__ import annotations

import datetime

import pytest

from timeplus_dbapi import DataError
from timeplus_dbapi.converters import RowConverter
from timeplus_dbapi.literals import render_literal


@pytest.mark.parametrize(
    ("type_text", "raw", "expected"),
    [
        ("interval_second", "5", 5),  # 64-bit numbers arrive quoted
        ("interval_microsecond", 5000000, 5000000),
        ("IntervalMonth", "-3", -3),
        ("nullable(interval_day)", None, None),
    ],
)
def test_interval_values_are_ints(type_text, raw, expected):
    """Intervals are int64 counts of their unit; they came back as the quoted string."""
    row = RowConverter.from_header([("c", type_text)]).convert_rows([[raw]])[0]
    assert row == (expected,)
    assert type(row[0]) is type(expected)


@pytest.mark.parametrize(
    "value",
    [
        datetime.date(1, 1, 1),
        datetime.date(1899, 12, 31),
        datetime.date(2300, 1, 1),
        datetime.datetime(1, 1, 1),
        datetime.datetime.max,
        datetime.datetime(1899, 12, 31, 23, 59, 59),
        datetime.datetime(2300, 1, 1, tzinfo=datetime.timezone.utc),
    ],
)
def test_dates_outside_the_server_range_are_refused(value):
    """Timeplus clamps (or wraps) dates outside 1900..2299; datetime(1, 1, 1) read back as 2001."""
    with pytest.raises(DataError, match="1900-01-01"):
        render_literal(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime.date(1900, 1, 1), "to_date('1900-01-01')"),
        (datetime.date(2299, 12, 31), "to_date('2299-12-31')"),
        (
            datetime.datetime(2299, 12, 31, 23, 59, 59, 999999),
            "to_datetime64('2299-12-31 23:59:59.999999', 6)",
        ),
        (datetime.datetime(1900, 1, 1), "to_datetime64('1900-01-01 00:00:00.000000', 6)"),
    ],
)
def test_dates_at_the_ends_of_the_range_render(value, expected):
    assert render_literal(value) == expected


def test_an_aware_datetime_max_is_refused_not_overflowing():
    value = datetime.datetime.max.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=-5)))
    with pytest.raises(DataError, match="2299-12-31"):
        render_literal(value)
