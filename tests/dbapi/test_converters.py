"""Result value conversion (no server)."""

import datetime
import decimal
import ipaddress
import math
import uuid
from zoneinfo import ZoneInfo

import pytest

from timeplus_dbapi import DataError
from timeplus_dbapi.converters import RowConverter, converter_for, parse_datetime
from timeplus_dbapi.typesystem import parse_result_type

UTC = datetime.timezone.utc


def convert_one(type_text, value):
    return RowConverter.from_header([("c", type_text)]).convert_rows([[value]])[0][0]


@pytest.mark.parametrize(
    "type_text, raw, expected",
    [
        ("int8", -5, -5),
        ("int64", "9223372036854775807", 9223372036854775807),
        ("uint64", 18446744073709551615, 18446744073709551615),
        ("int128", "-170141183460469231731687303715884105728", -(2**127)),
        ("uint256", str(2**256 - 1), 2**256 - 1),
        ("float64", 1.5, 1.5),
        ("float32", 1, 1.0),
        ("float64", "inf", math.inf),
        ("float64", "-inf", -math.inf),
        ("decimal(10, 2)", 12.3, decimal.Decimal("12.30")),
        (
            "decimal(38, 10)",
            "12345678901234567890.0123456789",
            decimal.Decimal("12345678901234567890.0123456789"),
        ),
        ("string", "héllo", "héllo"),
        ("bool", True, True),
        ("date", "2024-02-29", datetime.date(2024, 2, 29)),
        ("date32", "1900-01-01", datetime.date(1900, 1, 1)),
        ("datetime", "2024-01-02 03:04:05", datetime.datetime(2024, 1, 2, 3, 4, 5)),
        (
            "datetime64(3)",
            "2024-01-02 03:04:05.678",
            datetime.datetime(2024, 1, 2, 3, 4, 5, 678000),
        ),
        (
            "datetime64(3, 'UTC')",
            "2024-01-02 03:04:05.678",
            datetime.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        ),
        (
            "datetime64(3, 'UTC')",
            "2024-01-02T03:04:05.265Z",
            datetime.datetime(2024, 1, 2, 3, 4, 5, 265000, tzinfo=UTC),
        ),
        (
            "datetime('Asia/Tokyo')",
            "2024-01-02 03:04:05",
            datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=ZoneInfo("Asia/Tokyo")),
        ),
        (
            "datetime64(9, 'UTC')",
            "2024-01-02 03:04:05.123456789",
            datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
        ),
        ("uuid", "00000000-0000-0000-0000-000000000001", uuid.UUID(int=1)),
        ("ipv4", "1.2.3.4", ipaddress.IPv4Address("1.2.3.4")),
        ("ipv6", "::1", ipaddress.IPv6Address("::1")),
        ("nullable(int64)", None, None),
        ("nullable(int64)", "7", 7),
        ("low_cardinality(nullable(string))", None, None),
        ("array(int64)", ["1", "2"], [1, 2]),
        (
            "array(array(nullable(date)))",
            [["2024-01-01", None], []],
            [[datetime.date(2024, 1, 1), None], []],
        ),
        ("tuple(int64, string)", ["5", "x"], (5, "x")),
        ("tuple(a int64, b float64)", {"a": "1", "b": "nan"}, None),  # checked below
        ("map(int32, string)", {"1": "a", "2": "b"}, {1: "a", 2: "b"}),
        (
            "map(string, array(uuid))",
            {"k": ["00000000-0000-0000-0000-000000000002"]},
            {"k": [uuid.UUID(int=2)]},
        ),
        ("enum8('a' = 1)", "a", "a"),
    ],
)
def test_value_conversion(type_text, raw, expected):
    result = convert_one(type_text, raw)
    if type_text.startswith("tuple(a"):
        assert result[0] == 1 and math.isnan(result[1])
        return
    assert result == expected
    assert type(result) is type(expected)


def test_nan_string_becomes_float_nan():
    assert math.isnan(convert_one("float32", "nan"))


def test_zoned_datetime_with_offset_is_converted_to_the_column_zone():
    value = convert_one("datetime64(3, 'Asia/Tokyo')", "2024-01-02T00:00:00+00:00")
    assert value.utcoffset() == datetime.timedelta(hours=9)
    assert value.hour == 9


def test_identity_columns_are_skipped_and_rows_are_tuples():
    conv = RowConverter.from_header([("a", "string"), ("b", "int32"), ("c", "bool")])
    assert conv.is_identity
    assert conv.convert_rows([["x", 1, True], ["y", 2, False]]) == [("x", 1, True), ("y", 2, False)]


def test_mixed_batch_converts_only_needed_columns():
    conv = RowConverter.from_header(
        [("s", "string"), ("n", "int64"), ("t", "datetime64(3, 'UTC')")]
    )
    rows = conv.convert_rows(
        [["a", "1", "2024-01-01 00:00:00.000"], ["b", "2", "2024-01-01 00:00:01.5"]]
    )
    assert rows[1] == ("b", 2, datetime.datetime(2024, 1, 1, 0, 0, 1, 500000, tzinfo=UTC))


def test_bad_value_names_the_column():
    conv = RowConverter.from_header([("when", "date")])
    with pytest.raises(DataError, match="when"):
        conv.convert_rows([["not a date"]])


def test_row_width_mismatch_is_an_error_not_truncation():
    conv = RowConverter.from_header([("a", "int64"), ("b", "int64")])
    with pytest.raises(DataError, match="header has 2"):
        conv.convert_rows([["1", "2"], ["3"]])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2023-06-08T15:11:53.265Z", datetime.datetime(2023, 6, 8, 15, 11, 53, 265000, tzinfo=UTC)),
        ("2023-06-08 15:11:53", datetime.datetime(2023, 6, 8, 15, 11, 53)),
        (
            "2023-06-08T15:11:53.1+05:30",
            datetime.datetime(
                2023,
                6,
                8,
                15,
                11,
                53,
                100000,
                tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30)),
            ),
        ),
    ],
)
def test_parse_datetime_forms(text, expected):
    assert parse_datetime(text) == expected
    from timeplus_dbapi.converters import _parse_datetime_slow

    assert _parse_datetime_slow(text) == expected  # the pre-3.11 fallback agrees


def test_unknown_result_types_pass_values_through():
    conv = RowConverter.from_header([("g", "geometry_of_the_future(7)"), ("n", "int64")])
    assert conv.convert_rows([[{"x": 1}, "5"]]) == [({"x": 1}, 5)]


@pytest.mark.parametrize("width", [0, 1, 2, 7])
def test_generated_batch_function_for_any_width(width):
    header = [(f"c{i}", "int64" if i % 2 else "string") for i in range(width)]
    raw = [[str(i) if c % 2 else f"s{i}" for c in range(width)] for i in range(3)]
    expected = [tuple(int(i) if c % 2 else f"s{i}" for c in range(width)) for i in range(3)]
    assert RowConverter.from_header(header).convert_rows(raw) == expected


def test_large_batches_convert_the_same_as_small_ones():
    conv = RowConverter.from_header([("n", "int64"), ("s", "string")])
    raw = [[str(i), str(i)] for i in range(5000)]
    assert conv.convert_rows(raw) == [(i, str(i)) for i in range(5000)]


def test_a_batch_mixing_datetime_forms_falls_back_to_full_parsing():
    conv = RowConverter.from_header([("t", "datetime64(3, 'UTC')"), ("u", "datetime64(3)")])
    rows = conv.convert_rows(
        [
            ["2024-01-02 03:04:05.5", "2024-01-02 03:04:05"],
            ["2024-01-02T03:04:05Z", "2024-01-02T03:04:05.123456789"],
        ]
    )
    assert rows[0] == (
        datetime.datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=UTC),
        datetime.datetime(2024, 1, 2, 3, 4, 5),
    )
    assert rows[1] == (
        datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime.datetime(2024, 1, 2, 3, 4, 5, 123456),
    )


def test_results_with_the_same_column_types_share_the_compiled_converter():
    first = RowConverter.from_header([("a", "int64"), ("t", "datetime64(3, 'UTC')")])
    second = RowConverter.from_header([("x", "int64"), ("y", "datetime64(3, 'UTC')")])
    other = RowConverter.from_header([("a", "int32"), ("t", "datetime64(3, 'UTC')")])
    assert first._convert_batch is second._convert_batch  # compiled once per layout
    assert other._convert_batch is not first._convert_batch
    with pytest.raises(DataError, match="'y'"):  # each result keeps its own column names
        second.convert_rows([["1", "not a time"]])
    with pytest.raises(DataError, match="'t'"):
        first.convert_rows([["1", "not a time"]])


@pytest.mark.parametrize("type_text, raw, text", [
    ("decimal(5, 3)", "1", "1.000"),  # Timeplus sends no trailing zeros
    ("decimal(5, 3)", 1, "1.000"),
    ("nullable(decimal(10, 2))", "-0.5", "-0.50"),
    ("decimal32(0)", "7", "7"),
    ("decimal256(40)", "1" * 36 + ".5", "1" * 36 + ".5" + "0" * 39),  # 76 digits exact
])
def test_decimals_take_their_columns_scale(type_text, raw, text):
    result = converter_for(parse_result_type(type_text))(raw)
    assert isinstance(result, decimal.Decimal) and str(result) == text


def test_a_decimal_with_more_digits_than_its_scale_is_a_data_error_not_rounded():
    converter = RowConverter.from_header([("d", "decimal(5, 3)")])
    with pytest.raises(DataError, match="'d'"):
        converter.convert_rows([["1.0005"]])
