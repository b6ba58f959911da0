"""Arrow column builders on decoded JSON values (no server): the fast paths agree with the row
API's converters, the slow paths take what the fast ones refuse, and bad values are errors."""

from __future__ import annotations

import datetime
import decimal
import math
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import timeplus_dbapi as db
from timeplus_dbapi.columnar import ArrowResultBuilder, import_optional
from timeplus_dbapi.converters import RowConverter
from timeplus_dbapi.protocol.query import Column

pa = pytest.importorskip("pyarrow")

UTC = datetime.timezone.utc


def _build(types, rows):
    columns = [Column(f"c{i}", t) for i, t in enumerate(types)]
    return ArrowResultBuilder.from_header(columns).record_batch(rows)


def _row_api(types, rows):
    columns = [Column(f"c{i}", t) for i, t in enumerate(types)]
    return RowConverter.from_header(columns).convert_rows(rows)


def test_fast_paths_read_the_wire_forms():
    batch = _build(
        ["int64", "uint64", "decimal(10, 2)", "datetime64(3, 'UTC')", "date", "bool"],
        [["-5", "18446744073709551615", "12.5", "2024-01-02 03:04:05.678", "2024-02-29", True]],
    )
    assert batch.to_pylist() == [
        {
            "c0": -5,
            "c1": 2**64 - 1,
            "c2": decimal.Decimal("12.50"),
            "c3": datetime.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
            "c4": datetime.date(2024, 2, 29),
            "c5": True,
        }
    ]


def test_values_the_fast_paths_refuse_take_the_row_converters():
    batch = _build(
        ["float64", "int64", "datetime64(3, 'UTC')", "date", "decimal(10, 2)"],
        [[1.5, 7, 1704164645, 19782, 0.25], ["inf", -3, "2024-01-02 03:04:05", 0, "1"]],
    )
    rows = batch.to_pylist()
    assert rows[0]["c0"] == 1.5 and rows[1]["c0"] == math.inf
    assert [r["c1"] for r in rows] == [7, -3]
    assert rows[0]["c2"] == datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert [r["c3"] for r in rows] == [datetime.date(2024, 2, 29), datetime.date(1970, 1, 1)]
    assert [r["c4"] for r in rows] == [decimal.Decimal("0.25"), decimal.Decimal("1.00")]


def test_map_keys_arrive_as_text_and_are_parsed():
    batch = _build(["map(int64, bool)", "map(bool, string)"], [[{"-1": True}, {"true": "t"}]])
    assert batch.to_pylist() == [{"c0": [(-1, True)], "c1": [(True, "t")]}]


@pytest.mark.parametrize(
    "type_text, value, message",
    [
        ("int32", "x", "'c0' of type int32"),
        ("datetime64(3, 'UTC')", "not a time", "'c0'"),
        ("enum8('a' = 1)", "b", "enum"),
        ("nothing", 1, "nothing"),
        ("tuple(int8, int8)", [1], "2 elements"),
    ],
)
def test_values_nothing_can_read_are_data_errors(type_text, value, message):
    with pytest.raises(db.DataError, match=message):
        _build([type_text], [[value]])


def test_rows_of_the_wrong_width_are_data_errors():
    with pytest.raises(db.DataError, match=r"\[1, 2\] values, the header has 2"):
        _build(["int8", "int8"], [[1, 2], [1]])


def test_json_and_unknown_types_are_json_text():
    batch = _build(["json", "some_future_type"], [[{"a": [1, "x"]}, "v"], [None, 3]])
    assert batch.schema.types == [pa.string(), pa.string()]
    assert batch.to_pylist() == [
        {"c0": '{"a": [1, "x"]}', "c1": '"v"'},
        {"c0": None, "c1": "3"},
    ]


def test_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(db.InterfaceError, match=r"cursor.pl\(\) needs polars.*\[polars\]"):
        import_optional("polars", "cursor.pl()")


int64_text = st.integers(-(2**63), 2**63 - 1).map(str)
floats = st.floats(allow_nan=False, allow_infinity=False, width=64)
texts = st.text()
stamps = st.datetimes(
    min_value=datetime.datetime(1970, 1, 1), max_value=datetime.datetime(2262, 1, 1)
).map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S.") + f"{d.microsecond // 1000:03d}")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(int64_text, floats, texts, stamps).map(list), max_size=20))
def test_arrow_reads_what_the_row_api_reads(rows):
    types = ["int64", "float64", "string", "datetime64(3, 'UTC')"]
    batch = _build(types, rows)
    expected = _row_api(types, rows)
    got = [tuple(r.values()) for r in batch.to_pylist()] if rows else []
    assert got == expected


decimal_text = st.decimals(
    min_value=-(10**8) + 1, max_value=10**8 - 1, places=2, allow_nan=False
).map(lambda d: format(d, "f"))
date_text = st.dates(min_value=datetime.date(1970, 1, 1), max_value=datetime.date(2149, 6, 6)).map(
    lambda d: d.isoformat()
)
maybe_int64 = st.none() | int64_text
int_lists = st.lists(st.integers(-(2**31), 2**31 - 1), max_size=4)
str_maps = st.dictionaries(st.text(max_size=5), int64_text, max_size=3)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(decimal_text, date_text, maybe_int64, st.booleans(), int_lists, str_maps).map(
            list
        ),
        max_size=15,
    )
)
def test_arrow_reads_what_the_row_api_reads_nested_and_nullable(rows):
    types = [
        "decimal(10, 2)",
        "date",
        "nullable(int64)",
        "bool",
        "array(int32)",
        "map(string, int64)",
    ]
    batch = _build(types, rows)
    expected = [
        tuple(dict(v) if i == 5 else v for i, v in enumerate(row)) for row in _row_api(types, rows)
    ]
    got = (
        [
            tuple(dict(v) if i == 5 else v for i, v in enumerate(r.values()))
            for r in batch.to_pylist()
        ]
        if rows
        else []
    )
    assert got == expected
