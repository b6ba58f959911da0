"""Type names: Timeplus → ClickHouse, ClickHouse → Timeplus, rejections."""

from __future__ import annotations

import pytest

from timeplus_emulator.sql import (
    TranslationError,
    normalize_timeplus_type,
    to_clickhouse_type,
    to_timeplus_type,
)


@pytest.mark.parametrize(
    ("timeplus", "clickhouse"),
    [
        ("int8", "Int8"),
        ("uint256", "UInt256"),
        ("int", "Int32"),
        ("INTEGER", "Int32"),
        ("uint", "UInt32"),
        ("bigint", "Int64"),
        ("float", "Float32"),
        ("double", "Float64"),
        ("string", "String"),
        ("varchar", "String"),
        ("fixed_string(8)", "FixedString(8)"),
        ("bool", "Bool"),
        ("boolean", "Bool"),
        ("uuid", "UUID"),
        ("ipv4", "IPv4"),
        ("IPv6", "IPv6"),
        ("date", "Date"),
        ("date32", "Date32"),
        ("datetime", "DateTime"),
        ("DateTime('UTC')", "DateTime('UTC')"),
        ("datetime64(3, 'UTC')", "DateTime64(3, 'UTC')"),
        ("decimal(10, 2)", "Decimal(10, 2)"),
        ("decimal64(4)", "Decimal64(4)"),
        ("json", "JSON"),
        ("array(nullable(string))", "Array(Nullable(String))"),
        ("map(string, array(int32))", "Map(String, Array(Int32))"),
        ("tuple(a int32, b string)", "Tuple(a Int32, b String)"),
        ("tuple(int32, string)", "Tuple(Int32, String)"),
        ("low_cardinality(nullable(string))", "LowCardinality(Nullable(String))"),
        ("enum8('a' = 1, 'b' = -2)", "Enum8('a' = 1, 'b' = -2)"),
        ("enum('x', 'y')", "Enum('x' = 1, 'y' = 2)"),
        ("nested(x int8, y string)", "Nested(x Int8, y String)"),
        ("aggregate_function(unique_exact, string)", "AggregateFunction(uniqExact, String)"),
        ("aggregate_function(quantile(0.9), float64)", "AggregateFunction(quantile(0.9), Float64)"),
        ("interval_second", "IntervalSecond"),
        ("nothing", "Nothing"),
    ],
)
def test_to_clickhouse_type(timeplus: str, clickhouse: str) -> None:
    assert to_clickhouse_type(timeplus) == clickhouse


@pytest.mark.parametrize(
    "name",
    ["String", "Int32", "timestamp", "set", "bit", "year", "binary", "LowCardinality(string)",
     "array(String)", "Nullable(int8)", "text"],
)
def test_names_timeplus_does_not_have_are_rejected(name: str) -> None:
    with pytest.raises(TranslationError) as info:
        to_clickhouse_type(name)
    assert info.value.code == 50
    assert "Unknown data type family" in info.value.message


def test_nullable_low_cardinality_order_is_rejected() -> None:
    with pytest.raises(TranslationError) as info:
        to_clickhouse_type("nullable(low_cardinality(string))")
    assert info.value.code == 43


@pytest.mark.parametrize(
    ("clickhouse", "timeplus"),
    [
        ("UInt8", "uint8"),
        ("Int64", "int64"),
        ("Float64", "float64"),
        ("String", "string"),
        ("FixedString(16)", "fixed_string(16)"),
        ("DateTime64(3, 'UTC')", "datetime64(3, 'UTC')"),
        ("DateTime('Europe/Berlin')", "datetime('Europe/Berlin')"),
        ("DateTime", "datetime"),
        ("Date32", "date32"),
        ("LowCardinality(Nullable(String))", "low_cardinality(nullable(string))"),
        ("Nullable(Nothing)", "nullable(nothing)"),
        ("Enum8('a' = 1, 'it\\'s' = 2)", "enum8('a' = 1, 'it\\'s' = 2)"),
        ("Decimal(10, 2)", "decimal(10, 2)"),
        ("Decimal(38, 4)", "decimal(38, 4)"),
        ("Array(Tuple(a Int32, `b c` String))", "array(tuple(a int32, `b c` string))"),
        ("Map(String, Array(UInt64))", "map(string, array(uint64))"),
        ("IPv4", "ipv4"),
        ("UUID", "uuid"),
        ("Bool", "bool"),
        ("JSON", "json"),
        ("Object('json')", "json"),
        ("IntervalHour", "interval_hour"),
        ("AggregateFunction(uniqExact, String)", "aggregate_function(unique_exact, string)"),
        ("AggregateFunction(countIf, UInt8)", "aggregate_function(count_if, uint8)"),
    ],
)
def test_to_timeplus_type(clickhouse: str, timeplus: str) -> None:
    assert to_timeplus_type(clickhouse) == timeplus


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("int", "int32"),
        ("DateTime64(6)", "datetime64(6)"),
        ("datetime64", "datetime64(3)"),
        ("decimal32(3)", "decimal(9, 3)"),
        ("enum8('a', 'b')", "enum8('a' = 1, 'b' = 2)"),
        ("array(inet4)", "array(ipv4)"),
    ],
)
def test_normalize_timeplus_type(written: str, normalized: str) -> None:
    assert normalize_timeplus_type(written) == normalized


@pytest.mark.parametrize(
    ("clickhouse", "timeplus"),
    [("Array(UInt8", "array(uint8"), ("Weird(1 2 Int32", "Weird(1 2 int32")],
)
def test_to_timeplus_type_never_raises(clickhouse: str, timeplus: str) -> None:
    assert to_timeplus_type(clickhouse) == timeplus
