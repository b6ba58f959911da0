"""Result values found in review (no server)."""

from __future__ import annotations

import pytest

from timeplus_dbapi.converters import RowConverter


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
