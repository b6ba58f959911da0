"""Every public dialect type survives what SQLAlchemy and Alembic do with types (issue 13,
item 18): ``copy()``, ``adapt()``, pickling, ``Table.to_metadata()``, ``repr()`` that evaluates
back, ``compile()`` with the dialect, and statement cache keys that tell types apart.

The expected DDL strings are written out by hand. A new public type class without a case here
fails ``test_every_public_type_class_has_a_case``.
"""

from __future__ import annotations

import enum
import inspect
import pickle
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.types import TypeEngine

import sqlalchemy_timeplus.types as tp
from sqlalchemy_timeplus.base import TimeplusBaseDialect

DIALECT = TimeplusBaseDialect()


class Color(enum.Enum):  # module level, so that pickling finds it
    red = 1
    green = 2


CASES: list[tuple[TypeEngine[Any], str]] = [
    (tp.Int8(), "int8"),
    (tp.Int16(), "int16"),
    (tp.Int32(), "int32"),
    (tp.Int64(), "int64"),
    (tp.Int128(), "int128"),
    (tp.Int256(), "int256"),
    (tp.UInt8(), "uint8"),
    (tp.UInt16(), "uint16"),
    (tp.UInt32(), "uint32"),
    (tp.UInt64(), "uint64"),
    (tp.UInt128(), "uint128"),
    (tp.UInt256(), "uint256"),
    (tp.Float32(), "float32"),
    (tp.Float64(), "float64"),
    (tp.Decimal(), "decimal(38, 0)"),
    (tp.Decimal(10, 2), "decimal(10, 2)"),
    (tp.String(), "string"),
    (tp.FixedString(16), "fixed_string(16)"),
    (tp.Binary(), "string"),
    (tp.Bool(), "bool"),
    (tp.UUID(), "uuid"),
    (tp.IPv4(), "ipv4"),
    (tp.IPv6(), "ipv6"),
    (tp.Json(), "json"),
    (tp.Date(), "date"),
    (tp.Date32(), "date32"),
    (tp.DateTime(), "datetime"),
    (tp.DateTime("America/New_York"), "datetime('America/New_York')"),
    (tp.DateTime64(), "datetime64(3)"),
    (tp.DateTime64(6, "Asia/Tokyo"), "datetime64(6, 'Asia/Tokyo')"),
    (tp.Enum8({"a": 1, "b": -2}), "enum8('a' = 1, 'b' = -2)"),
    (tp.Enum8(Color), "enum8('red' = 1, 'green' = 2)"),
    (tp.Enum16("x", "y"), "enum16('x' = 1, 'y' = 2)"),
    (tp.Array(tp.Int32), "array(int32)"),
    (tp.Array(tp.Array(tp.Nullable(tp.String()))), "array(array(nullable(string)))"),
    (tp.Map(tp.String, tp.UInt64()), "map(string, uint64)"),
    (tp.Tuple(tp.Int32, tp.String), "tuple(int32, string)"),
    (tp.Tuple(tp.Int32, tp.DateTime64(3, "UTC"), names=("id", "at")),
     "tuple(`id` int32, `at` datetime64(3, 'UTC'))"),
    (tp.Nullable(tp.Float64), "nullable(float64)"),
    (tp.LowCardinality(tp.String), "low_cardinality(string)"),
    (tp.LowCardinality(tp.Nullable(tp.String)), "low_cardinality(nullable(string))"),
]
IDS = [ddl for _, ddl in CASES]


def _public_type_classes() -> set[type]:
    return {
        value for name in tp.__all__
        if inspect.isclass(value := getattr(tp, name)) and issubclass(value, TypeEngine)
    }


def _same(copied: Any, original: TypeEngine[Any], ddl: str) -> None:
    """An equal type: same class, same DDL, same repr, same cache key."""
    assert type(copied) is type(original)
    assert copied.compile(dialect=DIALECT) == ddl
    assert repr(copied) == repr(original)
    assert copied._static_cache_key == original._static_cache_key


def test_every_public_type_class_has_a_case() -> None:
    assert {type(t) for t, _ in CASES} == _public_type_classes()


@pytest.mark.parametrize(("type_", "ddl"), CASES, ids=IDS)
def test_compile(type_: TypeEngine[Any], ddl: str) -> None:
    assert type_.compile(dialect=DIALECT) == ddl
    assert str(type_) == ddl  # the dialect is the type's default dialect


@pytest.mark.parametrize(("type_", "ddl"), CASES, ids=IDS)
def test_copy(type_: TypeEngine[Any], ddl: str) -> None:
    _same(type_.copy(), type_, ddl)


@pytest.mark.parametrize(("type_", "ddl"), CASES, ids=IDS)
def test_adapt_to_its_own_class_and_to_the_dialect(type_: TypeEngine[Any], ddl: str) -> None:
    _same(type_.adapt(type(type_)), type_, ddl)
    assert type_.dialect_impl(DIALECT).compile(dialect=DIALECT) == ddl


@pytest.mark.parametrize(("type_", "ddl"), CASES, ids=IDS)
def test_pickle(type_: TypeEngine[Any], ddl: str) -> None:
    _same(pickle.loads(pickle.dumps(type_)), type_, ddl)
    _same(pickle.loads(pickle.dumps(type_.copy())), type_, ddl)


@pytest.mark.parametrize(("type_", "ddl"), CASES, ids=IDS)
def test_repr_evaluates_back(type_: TypeEngine[Any], ddl: str) -> None:
    namespace = {**vars(tp), "Color": Color}
    _same(eval(repr(type_), namespace), type_, ddl)


@pytest.mark.parametrize(("type_", "ddl"), CASES, ids=IDS)
def test_to_metadata(type_: TypeEngine[Any], ddl: str) -> None:
    table = sa.Table("t", sa.MetaData(), sa.Column("c", type_, nullable=False))
    copied = table.to_metadata(sa.MetaData())
    _same(copied.c.c.type, type_, ddl)
    create = str(sa.schema.CreateTable(copied).compile(dialect=DIALECT))
    assert f"\tc {ddl}\n" in create


def test_cache_keys_tell_types_apart() -> None:
    """Types that render differently never share a statement cache key (a cached statement
    would otherwise CAST to the first one's type)."""
    keys: dict[Any, str] = {}
    for type_, ddl in CASES:
        key = type_._static_cache_key
        if ddl != "string":  # String() and Binary() are both Timeplus strings
            assert keys.setdefault(key, ddl) == ddl, (ddl, keys[key])


@pytest.mark.parametrize(("one", "other"), [
    (tp.DateTime64(3, "UTC"), tp.DateTime64(3, "Asia/Tokyo")),
    (tp.DateTime("UTC"), tp.DateTime("Europe/Paris")),
    (tp.Tuple(tp.Int32, names=("a",)), tp.Tuple(tp.String, names=("a",))),
    (tp.Enum8({"a": 1}), tp.Enum8({"a": 2})),
])
def test_cached_statements_keep_each_type(one: Any, other: Any) -> None:
    """Compiled through a statement cache, the second CAST keeps its own type."""
    cache: dict[Any, Any] = {}
    rendered = []
    for type_ in (one, other):
        stmt = sa.select(sa.cast(sa.literal_column("x"), type_))
        rendered.append(str(stmt.compile(dialect=DIALECT, cache_key=None)))
        key = stmt._generate_cache_key()
        assert key is not None
        cache.setdefault(key.key, rendered[-1])
    assert len(cache) == 2
    assert rendered[0] != rendered[1]
