"""Type strings reported by the server → SQLAlchemy types (through the driver's parser)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

import sqlalchemy_timeplus as tp
from sqlalchemy_timeplus.base import TimeplusBaseDialect
from sqlalchemy_timeplus.reflection import column_info, type_from_string

ROUND_TRIP = [
    "int8",
    "int16",
    "int32",
    "int64",
    "int128",
    "int256",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "uint128",
    "uint256",
    "float32",
    "float64",
    "string",
    "bool",
    "uuid",
    "date",
    "date32",
    "ipv4",
    "ipv6",
    "json",
    "fixed_string(8)",
    "decimal(20, 4)",
    "datetime",
    "datetime('UTC')",
    "datetime64(3)",
    "datetime64(6, 'Asia/Tokyo')",
    "enum8('a' = 1, 'b' = -2)",
    "enum16('x' = 1000)",
    "array(int32)",
    "array(array(nullable(string)))",
    "map(string, array(uint8))",
    "tuple(int32, string)",
    "tuple(`a` int32, `b c` float64)",
    "nullable(float64)",
    "low_cardinality(string)",
    "low_cardinality(nullable(string))",
    "map(low_cardinality(string), tuple(int8, nullable(datetime64(3, 'UTC'))))",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_type_strings_round_trip(text: str) -> None:
    type_ = type_from_string(text)
    rendered = TimeplusBaseDialect().type_compiler.process(type_)
    assert rendered == text


@pytest.mark.parametrize(
    ("text", "cls"),
    [
        ("int32", tp.Int32),
        ("Int32", tp.Int32),
        ("DateTime64(3, 'UTC')", tp.DateTime64),
        ("LowCardinality(Nullable(String))", tp.LowCardinality),
        ("decimal64(4)", tp.Decimal),
        ("bigint", tp.Int64),
        ("varchar", tp.String),
    ],
)
def test_type_classes_and_aliases(text: str, cls: type) -> None:
    assert isinstance(type_from_string(text), cls)


def test_python_types_of_reflected_types() -> None:
    assert type_from_string("int64").python_type is int
    assert type_from_string("float32").python_type is float
    assert type_from_string("string").python_type is str
    assert type_from_string("decimal(10, 2)").python_type.__name__ == "Decimal"
    assert type_from_string("array(int8)").python_type is list


def test_decimal_sizes() -> None:
    reflected = type_from_string("decimal128(5)")
    assert (reflected.precision, reflected.scale) == (38, 5)


def test_unknown_type_warns_and_is_nulltype() -> None:
    with pytest.warns(sa.exc.SAWarning, match="interval_second"):
        reflected = type_from_string("interval_second")
    assert isinstance(reflected, sa.types.NullType)


def test_garbage_type_string_raises_clear_error() -> None:
    with pytest.raises(ValueError, match="no_such_type"):
        type_from_string("no_such_type(3)")


@pytest.mark.parametrize(
    ("column", "expected_type", "nullable"),
    [
        ({"name": "a", "type": "int32"}, "int32", False),
        ({"name": "a", "type": "nullable(int32)"}, "int32", True),
        ({"name": "a", "type": "int32", "nullable": True}, "int32", True),
        (
            {"name": "a", "type": "low_cardinality(nullable(string))"},
            "low_cardinality(string)",
            True,
        ),
    ],
)
def test_column_info_nullability(
    column: dict[str, Any], expected_type: str, nullable: bool
) -> None:
    info = column_info(column)
    assert TimeplusBaseDialect().type_compiler.process(info["type"]) == expected_type
    assert info["nullable"] is nullable
    assert info["autoincrement"] is False  # Timeplus has no autoincrement columns


def test_column_info_defaults() -> None:
    stripped = column_info({"name": "s", "type": "string", "default": "abc"})
    assert stripped["default"] == "'abc'"
    expression = column_info(
        {"name": "_tp_time", "type": "datetime64(3, 'UTC')", "default": "now64(3, 'UTC')"}
    )
    assert expression["default"] == "now64(3, 'UTC')"
    assert column_info({"name": "n", "type": "int8", "default": ""})["default"] is None
