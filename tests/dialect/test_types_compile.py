"""Type compilation: SQLAlchemy generic and dialect types → Timeplus type names (no server)."""

from __future__ import annotations

import enum
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.schema import CreateTable

import sqlalchemy_timeplus as tp
from sqlalchemy_timeplus.base import TimeplusBaseDialect


@pytest.fixture
def dialect() -> TimeplusBaseDialect:
    return TimeplusBaseDialect()


def compile_type(type_: Any, dialect: TimeplusBaseDialect) -> str:
    return str(dialect.type_compiler.process(sa.types.to_instance(type_)))


class Mood(enum.Enum):
    happy = 1
    sad = 2


GENERIC_CASES = [
    (sa.Integer(), "int32"),
    (sa.BigInteger(), "int64"),
    (sa.SmallInteger(), "int16"),
    (sa.Float(), "float64"),
    (sa.REAL(), "float32"),
    (sa.Numeric(10, 2), "decimal(10, 2)"),
    (sa.Numeric(12), "decimal(12, 0)"),
    (sa.DECIMAL(20, 5), "decimal(20, 5)"),
    (sa.String(), "string"),
    (sa.String(30), "string"),
    (sa.Text(), "string"),
    (sa.Unicode(10), "string"),
    (sa.UnicodeText(), "string"),
    (sa.LargeBinary(), "string"),
    (sa.Boolean(), "bool"),
    (sa.Date(), "date"),
    (sa.DateTime(), "datetime64(6)"),
    (sa.DateTime(timezone=True), "datetime64(6, 'UTC')"),
    (sa.TIMESTAMP(), "datetime64(6)"),
    (sa.JSON(), "json"),
    (sa.ARRAY(sa.Integer), "array(int32)"),
    (sa.ARRAY(sa.String, dimensions=2), "array(array(string))"),
    (sa.Enum("a", "b"), "enum8('a' = 1, 'b' = 2)"),
    (sa.Enum(Mood), "enum8('happy' = 1, 'sad' = 2)"),
    (sa.Enum(*[f"v{i}" for i in range(200)]), None),  # checked below: enum16
]


@pytest.mark.parametrize(("type_", "expected"), [c for c in GENERIC_CASES if c[1]])
def test_generic_types(type_: Any, expected: str, dialect: TimeplusBaseDialect) -> None:
    assert compile_type(type_, dialect) == expected


def test_large_enum_is_enum16(dialect: TimeplusBaseDialect) -> None:
    rendered = compile_type(sa.Enum(*[f"v{i}" for i in range(200)]), dialect)
    assert rendered.startswith("enum16('v0' = 1, ")
    assert rendered.endswith("'v199' = 200)")


def test_uuid_type(dialect: TimeplusBaseDialect) -> None:
    if hasattr(sa, "Uuid"):
        assert compile_type(sa.Uuid(), dialect) == "uuid"
    assert compile_type(tp.UUID(), dialect) == "uuid"


def test_time_type_is_a_clear_error(dialect: TimeplusBaseDialect) -> None:
    with pytest.raises(exc.CompileError, match="time-of-day"):
        compile_type(sa.Time(), dialect)


DIALECT_CASES = [
    (tp.Int8, "int8"),
    (tp.Int16, "int16"),
    (tp.Int32, "int32"),
    (tp.Int64, "int64"),
    (tp.Int128, "int128"),
    (tp.Int256, "int256"),
    (tp.UInt8, "uint8"),
    (tp.UInt16, "uint16"),
    (tp.UInt32, "uint32"),
    (tp.UInt64, "uint64"),
    (tp.UInt128, "uint128"),
    (tp.UInt256, "uint256"),
    (tp.Float32, "float32"),
    (tp.Float64, "float64"),
    (tp.Decimal(18, 4), "decimal(18, 4)"),
    (tp.String, "string"),
    (tp.FixedString(16), "fixed_string(16)"),
    (tp.Bool, "bool"),
    (tp.Date, "date"),
    (tp.Date32, "date32"),
    (tp.DateTime(), "datetime"),
    (tp.DateTime("Europe/Berlin"), "datetime('Europe/Berlin')"),
    (tp.DateTime64(), "datetime64(3)"),
    (tp.DateTime64(9, "UTC"), "datetime64(9, 'UTC')"),
    (tp.IPv4, "ipv4"),
    (tp.IPv6, "ipv6"),
    (tp.Json, "json"),
    (tp.Enum8({"a": -1, "it's": 3}), "enum8('a' = -1, 'it\\'s' = 3)"),
    (tp.Enum16("x", "y"), "enum16('x' = 1, 'y' = 2)"),
    (tp.Array(tp.Array(tp.Nullable(tp.Int32))), "array(array(nullable(int32)))"),
    (tp.Map(tp.String, tp.UInt64), "map(string, uint64)"),
    (tp.Tuple(tp.Int32, tp.String), "tuple(int32, string)"),
    (
        tp.Tuple(tp.Int32, tp.Float64, names=["id", "odd name"]),
        "tuple(`id` int32, `odd name` float64)",
    ),
    (tp.Nullable(tp.String), "nullable(string)"),
    (tp.LowCardinality(tp.String), "low_cardinality(string)"),
    (tp.LowCardinality(tp.Nullable(tp.String)), "low_cardinality(nullable(string))"),
]


@pytest.mark.parametrize(("type_", "expected"), DIALECT_CASES)
def test_dialect_types(type_: Any, expected: str, dialect: TimeplusBaseDialect) -> None:
    assert compile_type(type_, dialect) == expected


def test_str_of_a_dialect_type_uses_timeplus_names() -> None:
    assert str(tp.Map(tp.String, tp.Array(tp.UInt8))) == "map(string, array(uint8))"


@pytest.mark.parametrize(
    "build",
    [
        lambda: tp.FixedString(0),
        lambda: tp.DateTime64(10),
        lambda: tp.Enum8({"a": 300}),
        lambda: tp.Tuple(),
        lambda: tp.Tuple(tp.Int8, names=["a", "b"]),
    ],
)
def test_invalid_type_arguments_raise(build: Any) -> None:
    with pytest.raises(ValueError):
        build()


def test_nullable_columns_become_nullable_types(dialect: TimeplusBaseDialect) -> None:
    table = sa.Table(
        "s",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("required", sa.String, nullable=False),
        sa.Column("optional", sa.String, nullable=True),
        sa.Column("tags", sa.ARRAY(sa.String), nullable=True),
        sa.Column("label", tp.LowCardinality(tp.String), nullable=True),
    )
    ddl = str(CreateTable(table).compile(dialect=dialect))
    assert "id int32," in ddl
    assert "required string," in ddl
    assert "optional nullable(string)," in ddl
    assert "tags array(string)," in ddl  # arrays cannot be nullable in Timeplus
    assert "label low_cardinality(nullable(string))" in ddl


@pytest.mark.parametrize("type_", [
    sa.String(collation="utf8mb4_bin"), sa.String(20, collation="en"), sa.Text(collation="de"),
    sa.Unicode(collation="en"), sa.VARCHAR(collation="en"), tp.String(collation="en"),
])
def test_a_collation_is_refused_not_dropped(type_: Any, dialect: TimeplusBaseDialect) -> None:
    """Timeplus columns have no collation: a created column would compare by bytes silently."""
    with pytest.raises(exc.CompileError, match="no column collations"):
        compile_type(type_, dialect)
    table = sa.Table("t", sa.MetaData(), sa.Column("s", type_))
    with pytest.raises(exc.CompileError, match="no column collations"):
        str(CreateTable(table).compile(dialect=dialect))
    assert compile_type(sa.String(20), dialect) == "string"
