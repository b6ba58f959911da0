"""SQLAlchemy types for every Timeplus data type.

Each class subclasses the closest SQLAlchemy generic type (so bind/result processing, Python
types and ORM behaviour follow SQLAlchemy's rules) and renders as its Timeplus name through
:class:`sqlalchemy_timeplus.compiler.TimeplusTypeCompiler`. The generic types (``Integer``,
``String``, ``DateTime(timezone=True)``...) need no dialect type: the type compiler maps them.

``Nullable`` and ``LowCardinality`` wrap another type (they are ``TypeDecorator`` subclasses, so
values are processed by the wrapped type). A column declared ``nullable=True`` renders as
``nullable(T)`` by itself; ``Nullable(T)`` is for values inside ``Array``/``Map``/``Tuple``.

:func:`sqlalchemy_timeplus.reflection.type_from_string` turns a server type string back into
these classes.
"""

from __future__ import annotations

import enum
import ipaddress
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional, Union

from sqlalchemy import types as sqltypes
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = [
    "SIMPLE_TYPE_NAMES",
    "UUID",
    "Array",
    "Binary",
    "Bool",
    "Date",
    "Date32",
    "DateTime",
    "DateTime64",
    "Decimal",
    "Enum8",
    "Enum16",
    "FixedString",
    "Float32",
    "Float64",
    "IPv4",
    "IPv6",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "Int128",
    "Int256",
    "Json",
    "LowCardinality",
    "Map",
    "Nullable",
    "String",
    "Tuple",
    "UInt8",
    "UInt16",
    "UInt32",
    "UInt64",
    "UInt128",
    "UInt256",
]

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import Dialect

    _Float = sqltypes.Float[float]
    _Numeric = sqltypes.Numeric[Any]
    _Array = sqltypes.ARRAY[Any]
    _Json = sqltypes.JSON
    _Engine = TypeEngine[Any]
    _Decorator = TypeDecorator[Any]
else:
    _Float = sqltypes.Float
    _Numeric = sqltypes.Numeric
    _Array = sqltypes.ARRAY
    _Json = sqltypes.JSON
    _Engine = TypeEngine
    _Decorator = TypeDecorator

# SQLAlchemy 2.x has a generic Uuid type; 1.4 does not, so UUID falls back to a plain type.
_UuidBase: Any = getattr(sqltypes, "Uuid", TypeEngine)


class TimeplusType:
    """Mixin: ``str(type)`` renders the Timeplus name instead of a generic SQL name.

    A type whose constructor arguments are not plain attributes of the same name (a time zone
    kept beside SQLAlchemy's boolean ``timezone``, element types given positionally, enum
    values) returns them from ``_constructor_args``. ``repr()`` (which evaluates back to an
    equal type), ``copy()``/``adapt()`` to its own class (rebuilt from them, so also
    ``Table.to_metadata()`` and pickling of copies) and the statement cache key are built from
    them. Types without such arguments keep SQLAlchemy's own behaviour.
    """

    timeplus_name: str = ""

    def _default_dialect(self, *args: Any, **kwargs: Any) -> Dialect:
        from .base import TimeplusBaseDialect

        return TimeplusBaseDialect()

    def _constructor_args(self) -> Optional[tuple[tuple[Any, ...], dict[str, Any]]]:
        """``(args, kwargs)`` with ``type(self)(*args, **kwargs) == self``; None: SQLAlchemy's
        attribute-based rules already rebuild this type."""
        return None

    def adapt(self, cls: Any, **kw: Any) -> Any:
        """Rebuild from the constructor arguments when adapting to this very class."""
        rebuild = self._constructor_args() if cls is type(self) else None
        if rebuild is None:
            return super().adapt(cls, **kw)  # type: ignore[misc]
        args, options = rebuild
        return cls(*args, **options, **kw)

    def __repr__(self) -> str:
        rebuild = self._constructor_args()
        if rebuild is None:
            return str(super().__repr__())
        args, options = rebuild
        parts = [_repr_argument(a) for a in args]
        parts += [f"{name}={_repr_argument(value)}" for name, value in options.items()]
        return f"{type(self).__name__}({', '.join(parts)})"

    @property
    def _static_cache_key(self) -> Any:
        rebuild = self._constructor_args()
        if rebuild is None:
            return super()._static_cache_key  # type: ignore[misc]
        args, options = rebuild
        named = [(name, _cache_part(value)) for name, value in sorted(options.items())]
        return (type(self), *map(_cache_part, args), *named)


def _repr_argument(value: Any) -> str:
    """A constructor argument as source text (an Enum class by its name)."""
    return value.__name__ if isinstance(value, type) else repr(value)


def _cache_part(value: Any) -> Any:
    """A hashable stand-in for a constructor argument in a statement cache key."""
    if isinstance(value, TypeEngine):
        return value._static_cache_key
    if isinstance(value, Mapping):
        return tuple((k, _cache_part(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(map(_cache_part, value))
    return value


# --- integers -------------------------------------------------------------------------------


class Int8(TimeplusType, sqltypes.SmallInteger):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "int8"


class Int16(TimeplusType, sqltypes.SmallInteger):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "int16"


class Int32(TimeplusType, sqltypes.Integer):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "int32"


class Int64(TimeplusType, sqltypes.BigInteger):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "int64"


class Int128(TimeplusType, sqltypes.BigInteger):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "int128"


class Int256(TimeplusType, sqltypes.BigInteger):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "int256"


class UInt8(TimeplusType, sqltypes.SmallInteger):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "uint8"


class UInt16(TimeplusType, sqltypes.Integer):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "uint16"


class UInt32(TimeplusType, sqltypes.BigInteger):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "uint32"


class UInt64(TimeplusType, sqltypes.BigInteger):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "uint64"


class UInt128(TimeplusType, sqltypes.BigInteger):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "uint128"


class UInt256(TimeplusType, sqltypes.BigInteger):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "uint256"


# --- floats and decimals --------------------------------------------------------------------


class Float32(TimeplusType, _Float):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "float32"


class Float64(TimeplusType, _Float):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "float64"


class Decimal(TimeplusType, _Numeric):
    """``decimal(P, S)``; values are ``decimal.Decimal`` (``asdecimal=True``)."""

    __visit_name__ = "NUMERIC"
    timeplus_name = "decimal"

    def __init__(self, precision: int = 38, scale: int = 0) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)

    def _constructor_args(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.precision, self.scale), {}


# --- strings ---------------------------------------------------------------------------------


class String(TimeplusType, sqltypes.String):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "string"

    def __init__(self, collation: Optional[str] = None) -> None:
        super().__init__(collation=collation)


class FixedString(TimeplusType, sqltypes.String):
    """``fixed_string(N)``: exactly N bytes, shorter values padded with NUL bytes."""

    __visit_name__ = "fixed_string"
    timeplus_name = "fixed_string"

    def __init__(self, length: int) -> None:
        if not isinstance(length, int) or isinstance(length, bool) or length <= 0:
            raise ValueError(f"fixed_string length must be a positive int, not {length!r}")
        super().__init__(length=length)


class Binary(TimeplusType, sqltypes.LargeBinary):
    """The dialect's implementation of ``LargeBinary``/``BINARY``/``BLOB``: a ``string`` column.

    Timeplus strings hold bytes, but results travel as JSON text, so values come back as the
    UTF-8 encoding of that text (bytes that are not UTF-8 do not survive; ingest refuses them).
    """

    __visit_name__ = "timeplus_simple"
    timeplus_name = "string"

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        def process(value: Any) -> Optional[bytes]:
            if value is None:
                return None
            return value.encode("utf-8") if isinstance(value, str) else bytes(value)

        return process


class Bool(TimeplusType, sqltypes.Boolean):
    """``bool``. Keywords are SQLAlchemy ``Boolean``'s (its copies pass some); no CHECK
    constraint by default, as the type is native."""

    __visit_name__ = "timeplus_simple"
    timeplus_name = "bool"

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("create_constraint", False)
        super().__init__(**kw)

    def _constructor_args(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (), ({"create_constraint": True} if self.create_constraint else {})


class UUID(TimeplusType, _UuidBase):  # type: ignore[misc]
    """``uuid``; values are ``uuid.UUID``."""

    __visit_name__ = "timeplus_simple"
    timeplus_name = "uuid"

    def __init__(self) -> None:
        if _UuidBase is TypeEngine:
            super().__init__()
        else:
            super().__init__(as_uuid=True, native_uuid=True)

    @property
    def python_type(self) -> type:
        return uuid.UUID


class IPv4(TimeplusType, _Engine):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "ipv4"

    @property
    def python_type(self) -> type:
        return ipaddress.IPv4Address


class IPv6(TimeplusType, _Engine):
    __visit_name__ = "timeplus_simple"
    timeplus_name = "ipv6"

    @property
    def python_type(self) -> type:
        return ipaddress.IPv6Address


class Json(TimeplusType, _Json):
    """``json``: dicts go to the server as JSON objects (the ingest body is JSON already).

    Also the dialect's implementation of SQLAlchemy's generic ``JSON``. Results arrive parsed;
    a JSON text result is decoded.
    """

    __visit_name__ = "timeplus_simple"
    timeplus_name = "json"

    def bind_processor(self, dialect: Any) -> None:
        return None

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        def process(value: Any) -> Any:
            return json.loads(value) if isinstance(value, (str, bytes)) else value

        return process


# --- dates and times -------------------------------------------------------------------------


class Date(TimeplusType, sqltypes.Date):
    """``date``: 1970-01-01 .. 2149-06-06."""

    __visit_name__ = "timeplus_simple"
    timeplus_name = "date"


class Date32(TimeplusType, sqltypes.Date):
    """``date32``: 1900-01-01 .. 2299-12-31."""

    __visit_name__ = "timeplus_simple"
    timeplus_name = "date32"


class DateTime(TimeplusType, sqltypes.DateTime):
    """``datetime[('tz')]``: second precision."""

    __visit_name__ = "timeplus_datetime"
    timeplus_name = "datetime"

    def __init__(self, timezone: Optional[str] = None) -> None:
        super().__init__(timezone=bool(timezone))
        self.tz_name = timezone

    def _constructor_args(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return ((self.tz_name,) if self.tz_name else ()), {}


class DateTime64(TimeplusType, sqltypes.DateTime):
    """``datetime64(P[, 'tz'])``: P fractional digits (0..9)."""

    __visit_name__ = "timeplus_datetime"
    timeplus_name = "datetime64"

    def __init__(self, precision: int = 3, timezone: Optional[str] = None) -> None:
        if not isinstance(precision, int) or not 0 <= precision <= 9:
            raise ValueError(f"datetime64 precision must be an int 0..9, not {precision!r}")
        super().__init__(timezone=bool(timezone))
        self.precision = precision
        self.tz_name = timezone

    def _constructor_args(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.precision, *((self.tz_name,) if self.tz_name else ())), {}


# --- enums -----------------------------------------------------------------------------------

EnumSource = Union[type[enum.Enum], Mapping[str, int], Sequence[str]]


def _enum_pairs(source: EnumSource) -> tuple[tuple[str, int], ...]:
    """(label, value) pairs from an Enum class, a {label: value} mapping or labels (1, 2, ...)."""
    if isinstance(source, type) and issubclass(source, enum.Enum):
        return tuple(
            (member.name, member.value if isinstance(member.value, int) else index)
            for index, member in enumerate(source, start=1)
        )
    if isinstance(source, Mapping):
        return tuple((str(label), int(value)) for label, value in source.items())
    return tuple((str(label), index) for index, label in enumerate(source, start=1))


class _TimeplusEnum(TimeplusType, sqltypes.Enum):
    __visit_name__ = "timeplus_enum"
    value_range: tuple[int, int] = (-128, 127)

    def __init__(self, *enums: Any, **kw: Any) -> None:
        source: EnumSource = (
            enums[0] if len(enums) == 1 and not isinstance(enums[0], str) else enums
        )
        self.enum_source = source
        pairs = _enum_pairs(source)
        low, high = self.value_range
        bad = [value for _, value in pairs if not low <= value <= high]
        if not pairs or bad:
            raise ValueError(
                f"{self.timeplus_name} needs at least one label with values in {low}..{high}"
                + (f"; out of range: {bad}" if bad else "")
            )
        self.enum_values = pairs
        labels = enums if isinstance(source, type) else [label for label, _ in pairs]
        kw.setdefault("native_enum", True)
        kw.setdefault("create_constraint", False)
        super().__init__(*labels, **kw)

    def _constructor_args(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        source = self.enum_source
        return ((source,) if isinstance(source, type) else (dict(self.enum_values),)), {}


class Enum8(_TimeplusEnum):
    """``enum8('a' = 1, ...)`` from labels, a ``{label: value}`` mapping or an Enum class."""

    timeplus_name = "enum8"
    value_range = (-128, 127)


class Enum16(_TimeplusEnum):
    """``enum16('a' = 1, ...)``."""

    timeplus_name = "enum16"
    value_range = (-32768, 32767)


# --- composite types -------------------------------------------------------------------------


def _instance(type_: Union[TypeEngine[Any], type[TypeEngine[Any]]]) -> TypeEngine[Any]:
    return type_() if isinstance(type_, type) else type_


class Array(TimeplusType, _Array):
    """``array(T)``; nested arrays nest: ``Array(Array(Int32))``."""

    __visit_name__ = "timeplus_array"
    timeplus_name = "array"

    def __init__(self, item_type: Union[TypeEngine[Any], type[TypeEngine[Any]]]) -> None:
        item = _instance(item_type)
        # SQLAlchemy's ARRAY refuses an ARRAY item type; Timeplus arrays nest freely.
        self.item_type = item
        self.as_tuple = False
        self.dimensions = None
        self.zero_indexes = False

    def _constructor_args(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.item_type,), {}

    @property
    def python_type(self) -> type:
        return list


class Map(TimeplusType, _Engine):
    """``map(K, V)``; values are dicts."""

    __visit_name__ = "timeplus_map"
    timeplus_name = "map"

    def __init__(
        self,
        key_type: Union[TypeEngine[Any], type[TypeEngine[Any]]],
        value_type: Union[TypeEngine[Any], type[TypeEngine[Any]]],
    ) -> None:
        self.key_type = _instance(key_type)
        self.value_type = _instance(value_type)

    def _constructor_args(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.key_type, self.value_type), {}

    @property
    def python_type(self) -> type:
        return dict


class Tuple(TimeplusType, _Engine):
    """``tuple(T1, T2, ...)``, or named: ``Tuple(Int32, String, names=("id", "label"))``."""

    __visit_name__ = "timeplus_tuple"
    timeplus_name = "tuple"

    def __init__(
        self,
        *types: Union[TypeEngine[Any], type[TypeEngine[Any]]],
        names: Optional[Iterable[str]] = None,
    ) -> None:
        if not types:
            raise ValueError("tuple needs at least one element type")
        self.types = tuple(_instance(t) for t in types)
        self.names = tuple(names) if names is not None else None
        if self.names is not None and len(self.names) != len(self.types):
            raise ValueError("tuple names and element types differ in number")

    def _constructor_args(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return self.types, ({"names": self.names} if self.names is not None else {})

    @property
    def python_type(self) -> type:
        return tuple


class _Wrapper(TimeplusType, _Decorator):
    impl = sqltypes.NullType
    cache_ok = True

    def __init__(self, type_: Union[TypeEngine[Any], type[TypeEngine[Any]]]) -> None:
        super().__init__()
        self.type_ = _instance(type_)
        self.impl = self.type_  # type: ignore[assignment]

    def _constructor_args(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.type_,), {}


class Nullable(_Wrapper):
    """``nullable(T)``; needed only inside composite types (columns use ``nullable=True``)."""

    __visit_name__ = "timeplus_nullable"
    timeplus_name = "nullable"


class LowCardinality(_Wrapper):
    """``low_cardinality(T)``: dictionary-encoded storage for repetitive values."""

    __visit_name__ = "timeplus_low_cardinality"
    timeplus_name = "low_cardinality"


# Timeplus type names that take no parameters, and the dialect type each maps to. The one table
# both reflection and ``dialect.ischema_names`` read.
SIMPLE_TYPE_NAMES: dict[str, type[sqltypes.TypeEngine[Any]]] = {
    "int8": Int8,
    "int16": Int16,
    "int32": Int32,
    "int64": Int64,
    "int128": Int128,
    "int256": Int256,
    "uint8": UInt8,
    "uint16": UInt16,
    "uint32": UInt32,
    "uint64": UInt64,
    "uint128": UInt128,
    "uint256": UInt256,
    "float32": Float32,
    "bfloat16": Float32,
    "float64": Float64,
    "string": String,
    "uuid": UUID,
    "bool": Bool,
    "date": Date,
    "date32": Date32,
    "ipv4": IPv4,
    "ipv6": IPv6,
    "json": Json,
    "object": Json,
}
