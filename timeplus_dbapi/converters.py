"""Conversion of result values (as decoded from JSON) into Python values.

:meth:`RowConverter.from_header` builds one callable per column, once per result, from the
column's Timeplus type; columns whose JSON form already is the Python value (strings, bools,
small ints) get no converter at all and cost nothing per row. Adding a type means one factory
below and one entry in ``_FACTORIES``.

When the optional C accelerator ``timeplus_dbapi._speedups`` is built (``pip install`` does it
where a C compiler is found), whole batches are converted there: this module gives it, per
column, the converter and the one wire shape the converter has a fast form for (quoted int64,
float, ``YYYY-MM-DD HH:MM:SS[.f]`` datetimes, identity); any other value is converted by calling
the converter. ``TIMEPLUS_DBAPI_PURE_PYTHON=1`` in the environment keeps the pure-Python path.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import struct
import uuid
import weakref
from collections.abc import Sequence
from decimal import Context, Decimal, Inexact, InvalidOperation
from functools import cache, lru_cache
from typing import Any, Callable, Optional

from . import native
from .errors import DataError
from .protocol.jsoncodec import collector_paused
from .typesystem import TypeSpec, parse_result_type

__all__ = [
    "Converter",
    "RowConverter",
    "converter_for",
    "may_hold_floats",
    "parse_datetime",
    "plain_float_columns",
    "time_zone",
]

Converter = Callable[[Any], Any]
BatchFunction = Callable[[list[list[Any]]], list[tuple[Any, ...]]]
_PAUSE_GC_ROWS = 1000
_Factory = Callable[[TypeSpec], Optional[Converter]]

_DATETIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_UTC_NAMES = ("UTC", "Etc/UTC", "GMT", "Etc/GMT", "UCT", "Zulu")
# What converters built below wrap, for the C accelerator's plan (``_native_form``)
_DATETIME_ZONE: weakref.WeakKeyDictionary[Converter, datetime.tzinfo] = weakref.WeakKeyDictionary()
_NULLABLE_INNER: weakref.WeakKeyDictionary[Converter, Converter] = weakref.WeakKeyDictionary()


def _parse_offset(text: str) -> datetime.timezone:
    if text == "Z":
        return datetime.timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    delta = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4]))
    return datetime.timezone(sign * delta)


def _parse_datetime_slow(text: str) -> datetime.datetime:
    match = _DATETIME_RE.match(text.strip())
    if match is None:
        raise ValueError(f"unrecognised datetime {text!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    tz = _parse_offset(offset) if offset else None
    return datetime.datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second), micros, tzinfo=tz
    )


def parse_datetime(text: str) -> datetime.datetime:
    """Parse ``YYYY-MM-DD HH:MM:SS[.f]`` or ISO-8601 (``T``, ``Z``/offset, any fraction length)."""
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return _parse_datetime_slow(text)
    except TypeError:
        if isinstance(text, (int, float)):  # epoch seconds, as some servers send
            return datetime.datetime.fromtimestamp(text, datetime.timezone.utc).replace(tzinfo=None)
        raise


@lru_cache(maxsize=64)
def time_zone(name: str) -> datetime.tzinfo:
    """The tzinfo of an IANA zone name (UTC names give ``datetime.timezone.utc``)."""
    if name in _UTC_NAMES:
        return datetime.timezone.utc
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _zoned(zone: datetime.tzinfo) -> Converter:
    """Values without an offset are wall-clock times in ``zone``; others are converted to it.

    A value with an offset keeps its instant (``astimezone`` sets ``fold``). A bare wall-clock
    time in the hour a fall-back repeats cannot say which of the two it is: it is read as the
    first (``fold=0``). The README documents this limit of the wire format.
    """

    def convert_zoned(value: Any) -> datetime.datetime:
        parsed = parse_datetime(value)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=zone)
        return parsed.astimezone(zone)

    _DATETIME_ZONE[convert_zoned] = zone
    return convert_zoned


def _utc(value: Any) -> datetime.datetime:
    """Fast path for UTC columns: one ``fromisoformat`` call gives an aware value."""
    try:
        return _FROM_ISO(value + "+00:00")
    except (ValueError, TypeError):
        return _ZONED_UTC(value)  # type: ignore[no-any-return]


_FROM_ISO = datetime.datetime.fromisoformat
_ZONED_UTC = _zoned(datetime.timezone.utc)


def _datetime_factory(spec: TypeSpec) -> Converter:
    zone_names = [arg for arg in spec.args if isinstance(arg, str)]
    if not zone_names:
        return parse_datetime
    zone = time_zone(zone_names[0])
    return _utc if zone is datetime.timezone.utc else _zoned(zone)


def _date(value: Any) -> datetime.date:
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return datetime.date(1970, 1, 1) + datetime.timedelta(days=int(value))


_FLOAT32 = struct.Struct("<f")


def _float32(value: Any) -> float:
    """The float32 the server holds: it prints the shortest text that reads back as that
    float32 (34073008 as ``34073010``), which read as a float64 is another number."""
    number = float(value)
    try:
        return float(_FLOAT32.unpack(_FLOAT32.pack(number))[0])
    except OverflowError:  # not a float32 at all: keep what was sent
        return number


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


# Room for decimal256's 76 digits; a value with more fraction digits than its column's scale
# (never sent by the server) raises Inexact instead of being rounded.
_DECIMAL_CONTEXT = Context(prec=100, traps=[Inexact, InvalidOperation])


def _decimal_factory(spec: TypeSpec) -> Converter:
    """A decimal with its column's scale: Timeplus writes ``1.000`` of ``decimal(5, 3)`` as
    ``1`` (``output_format_decimal_trailing_zeros`` is off), read back as ``Decimal('1.000')``."""
    _, scale = spec.precision_scale
    return _decimal if scale is None else _scaled_decimal(scale)


@cache  # one converter per scale, shared by every layout
def _scaled_decimal(scale: int) -> Converter:
    exponent = Decimal(1).scaleb(-scale)

    def convert_decimal(value: Any) -> Decimal:
        return _decimal(value).quantize(exponent, context=_DECIMAL_CONTEXT)

    return convert_decimal


def _ip_address(value: Any) -> Any:
    return ipaddress.ip_address(value)


def _ipv6(value: Any) -> ipaddress.IPv6Address:
    return ipaddress.IPv6Address(value)


def _array_factory(spec: TypeSpec) -> Optional[Converter]:
    inner = converter_for(spec.type_args[0]) if spec.type_args else None
    if inner is None:
        return None

    def convert_array(value: Any) -> list[Any]:
        return [inner(item) for item in value]

    return convert_array


def _tuple_factory(spec: TypeSpec) -> Converter:
    element_converters = [converter_for(arg) or _identity for arg in spec.type_args]
    names = spec.field_names

    def convert_tuple(value: Any) -> tuple[Any, ...]:
        if isinstance(value, dict):
            value = [value.get(name) for name in names] if names else list(value.values())
        return tuple(conv(item) for conv, item in zip(element_converters, value))

    return convert_tuple


def _map_factory(spec: TypeSpec) -> Converter:
    key_spec, value_spec = (*spec.type_args, TypeSpec("string"), TypeSpec("string"))[:2]
    key_conv = key_converter_for(key_spec) or _identity
    value_conv = converter_for(value_spec) or _identity

    def convert_map(value: Any) -> dict[Any, Any]:
        if isinstance(value, list):  # some servers send maps as [[k, v], ...]
            return {key_conv(k): value_conv(v) for k, v in value}
        return {key_conv(k): value_conv(v) for k, v in value.items()}

    return convert_map


def _nullable_factory(spec: TypeSpec) -> Optional[Converter]:
    inner = converter_for(spec.type_args[0]) if spec.type_args else None
    if inner is None:
        return None

    def convert_nullable(value: Any) -> Any:
        return None if value is None else inner(value)

    _NULLABLE_INNER[convert_nullable] = inner
    return convert_nullable


def _unwrap_factory(spec: TypeSpec) -> Optional[Converter]:
    return converter_for(spec.type_args[0]) if spec.type_args else None


def _identity(value: Any) -> Any:
    return value


def _constant(conv: Optional[Converter]) -> _Factory:
    return lambda spec: conv


_INT_TYPES = ("int64", "uint64", "int128", "uint128", "int256", "uint256")
_SMALL_INT_TYPES = ("int8", "int16", "int32", "uint8", "uint16", "uint32")
_DECIMAL_TYPES = ("decimal", "decimal32", "decimal64", "decimal128", "decimal256")
# int64 counts of their unit (quoted in JSON, as 64-bit numbers are); a month has no timedelta
_INTERVAL_TYPES = tuple(
    f"interval_{unit}"
    for unit in "nanosecond microsecond millisecond second minute hour day week month quarter "
    "year".split()
)

_FACTORIES: dict[str, _Factory] = {
    **dict.fromkeys(_INT_TYPES + _INTERVAL_TYPES, _constant(int)),
    **dict.fromkeys(_SMALL_INT_TYPES, _constant(None)),
    "float32": _constant(_float32),
    **dict.fromkeys(("float64", "bfloat16"), _constant(float)),
    **dict.fromkeys(_DECIMAL_TYPES, _decimal_factory),
    **dict.fromkeys(("string", "fixed_string", "enum8", "enum16", "enum", "bool"), _constant(None)),
    **dict.fromkeys(("date", "date32"), _constant(_date)),
    **dict.fromkeys(("datetime", "datetime32", "datetime64"), _datetime_factory),
    "uuid": _constant(uuid.UUID),
    "ipv4": _constant(ipaddress.IPv4Address),
    "ipv6": _constant(_ipv6),
    "array": _array_factory,
    "tuple": _tuple_factory,
    "map": _map_factory,
    "nullable": _nullable_factory,
    "low_cardinality": _unwrap_factory,
    "simple_aggregate_function": lambda spec: (
        converter_for(spec.type_args[-1]) if spec.type_args else None
    ),
    "point": _constant(tuple),
}


# Types whose values may include floats (json values hold any JSON number)
_FLOAT_HOLDERS = frozenset(
    {"float32", "float64", "bfloat16", "json", "object", "dynamic", "variant"}
)


def may_hold_floats(spec: TypeSpec) -> bool:
    """True when values of ``spec`` may contain a float, so a ``-0`` on the wire means -0.0
    and the result must be decoded with ``jsoncodec.loads_signed_zero``."""
    return spec.name in _FLOAT_HOLDERS or any(map(may_hold_floats, spec.type_args))


_PLAIN_FLOATS = frozenset({"float32", "float64", "bfloat16"})


def plain_float_columns(specs: Sequence[TypeSpec]) -> Optional[tuple[int, ...]]:
    """The indexes of the float columns when no other column may hold a float (then a ``-0``
    can only be in those, as a value of its own); None when one may."""
    plain = tuple(i for i, spec in enumerate(specs) if spec.unwrap().name in _PLAIN_FLOATS)
    if sum(map(may_hold_floats, specs)) != len(plain):
        return None
    return plain


def converter_for(spec: TypeSpec) -> Optional[Converter]:
    """The converter for one value of ``spec``; None when the JSON value is already right."""
    factory = _FACTORIES.get(spec.name)
    return factory(spec) if factory is not None else None


def _bool_key(value: Any) -> bool:
    return value in (True, 1, "true", "1")


def key_converter_for(spec: TypeSpec) -> Optional[Converter]:
    """Map keys arrive as JSON object keys (strings): numbers and bools need parsing."""
    base = spec.unwrap()
    if base.name in _INT_TYPES or base.name in _SMALL_INT_TYPES:
        return int
    if base.name == "bool":
        return _bool_key
    return converter_for(spec)


def _column_pair(column: Any) -> tuple[str, str]:
    if isinstance(column, (tuple, list)):
        return str(column[0]), str(column[1])
    return str(column.name), str(column.type)


_CONVERSION_ERRORS = (ValueError, TypeError, ArithmeticError, KeyError, AttributeError)


# Converters with an inline form for the fast batch function: (expression template, its name).
# The fast form may reject values the full converter accepts; the batch is then redone safely.
_INLINE: dict[Converter, str] = {
    _utc: "_from_iso({} + '+00:00')",  # "YYYY-MM-DD HH:MM:SS[.f]" in a UTC column
    parse_datetime: "_from_iso({})",
}


def _compile_batch_function(
    converters: Sequence[Optional[Converter]], inline: bool = False
) -> BatchFunction:
    """Build ``rows -> [tuple, ...]`` as one list comprehension for this column layout.

    The generated source contains only positional names (``v0``, ``c0``...) and the fixed
    templates of ``_INLINE``, never text from the server; identity columns are copied without
    a call. A comprehension that unpacks each row is several times faster than per-row Python
    calls or column-wise zipping, and it rejects rows of the wrong width (ValueError) instead
    of truncating them.
    """
    names = [f"v{i}" for i in range(len(converters))]
    items = []
    for i, (name, conv) in enumerate(zip(names, converters)):
        if conv is None:
            items.append(name)
        elif inline and conv in _INLINE:
            items.append(_INLINE[conv].format(name))
        else:
            items.append(f"c{i}({name})")
    target = ", ".join(names) + ("," if len(names) == 1 else "")
    value = "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    source = f"def convert(rows):\n    return [{value} for {target or '_'} in rows]\n"
    if not names:
        source = "def convert(rows):\n    return [() for row in rows if not row]\n"
    namespace: dict[str, Any] = {f"c{i}": c for i, c in enumerate(converters) if c is not None}
    namespace["_from_iso"] = _FROM_ISO
    exec(compile(source, "<timeplus_dbapi row converter>", "exec"), namespace)  # noqa: S102
    function: BatchFunction = namespace["convert"]
    return function


NativePlan = tuple[tuple[int, ...], tuple[Optional[Converter], ...], tuple[Any, ...]]


def _wrapped(table: weakref.WeakKeyDictionary[Converter, Any], conv: Converter) -> Any:
    try:
        return table.get(conv)
    except TypeError:  # not weak-referenceable, so not one of the closures built here
        return None


def _native_form(conv: Optional[Converter], kinds: Any) -> tuple[int, Any]:
    """The accelerator's (kind, tzinfo) for a column converted by ``conv``: a fast form for
    the one wire shape the converter is known to turn into exactly that value, else a call."""
    if conv is None:
        return kinds.KIND_IDENTITY, None
    inner = _wrapped(_NULLABLE_INNER, conv)
    if inner is not None:
        kind, zone = _native_form(inner, kinds)
        return (kind if kind == kinds.KIND_CALL else kind | kinds.KIND_NULLABLE), zone
    zone = _wrapped(_DATETIME_ZONE, conv)
    if zone is not None or conv is _utc:
        return kinds.KIND_DATETIME, zone or datetime.timezone.utc
    if conv is parse_datetime:
        return kinds.KIND_DATETIME, None
    if conv is int or conv is float:
        return (kinds.KIND_INT if conv is int else kinds.KIND_FLOAT), None
    return kinds.KIND_CALL, None


def _native_plan(converters: Sequence[Optional[Converter]]) -> Optional[NativePlan]:
    """The arguments of ``_speedups.convert_rows`` for these columns; None without it."""
    if native.speedups is None:
        return None
    forms = [_native_form(conv, native.speedups) for conv in converters]
    return tuple(k for k, _ in forms), tuple(converters), tuple(z for _, z in forms)


class _Layout:
    """The converters of one column layout, its compiled batch functions and its plan for
    the C accelerator (None when that is not built)."""

    def __init__(self, converters: Sequence[Optional[Converter]]) -> None:
        self.converters = tuple(converters)
        self.active = tuple((i, c) for i, c in enumerate(self.converters) if c is not None)
        self.convert_batch = _compile_batch_function(self.converters)
        self.convert_fast = (
            _compile_batch_function(self.converters, inline=True)
            if any(c in _INLINE for c in self.converters)
            else self.convert_batch
        )
        self.native_plan = _native_plan(self.converters)


@lru_cache(maxsize=256)
def _layout_for(types: tuple[str, ...]) -> _Layout:
    return _Layout([converter_for(parse_result_type(t)) for t in types])


class RowConverter:
    """Turns decoded JSON rows into tuples of Python values for one result's columns."""

    def __init__(
        self, converters: Sequence[Optional[Converter]], names: Sequence[str] = ()
    ) -> None:
        self._use(_Layout(converters), names)

    def _use(self, layout: _Layout, names: Sequence[str]) -> None:
        self.converters = layout.converters
        self.names = tuple(names) or tuple(f"#{i}" for i in range(len(self.converters)))
        self.active = layout.active
        self._convert_batch = layout.convert_batch
        self._convert_fast = layout.convert_fast
        self._native_plan = layout.native_plan

    @classmethod
    def from_header(cls, columns: Sequence[Any]) -> RowConverter:
        """Build from header columns: objects with ``name``/``type`` or (name, type) pairs.

        The compiled functions are shared by every result with the same column types, so a
        small query does not compile its converter again.
        """
        pairs = [_column_pair(column) for column in columns]
        converter = cls.__new__(cls)
        converter._use(_layout_for(tuple(str(t) for _, t in pairs)), [n for n, _ in pairs])
        return converter

    @property
    def is_identity(self) -> bool:
        return not self.active

    def convert_rows(self, rows: list[list[Any]]) -> list[tuple[Any, ...]]:
        """Convert one batch; raises DataError naming the column that failed."""
        if len(rows) < _PAUSE_GC_ROWS:
            return self._convert_checked(rows)
        with collector_paused():
            return self._convert_checked(rows)

    def _convert_checked(self, rows: list[list[Any]]) -> list[tuple[Any, ...]]:
        try:
            if self._native_plan is not None and native.speedups is not None:
                converted: list[tuple[Any, ...]] = native.speedups.convert_rows(
                    rows, *self._native_plan
                )
                return converted
            return self._convert_fast(rows)
        except _CONVERSION_ERRORS:
            pass  # a fast form refused a value: redo the batch with the full converters
        try:
            return self._convert_batch(rows)
        except _CONVERSION_ERRORS as exc:
            raise self._explain(rows, exc) from exc

    def _explain(self, rows: list[list[Any]], exc: Exception) -> DataError:
        """Slow path after a failure: say which rows or which column were bad."""
        width = len(self.converters)
        lengths = sorted(set(map(len, rows)))
        if lengths != [width]:
            return DataError(f"result rows have {lengths} values, the header has {width} columns")
        for index, conv in self.active:
            try:
                for row in rows:
                    conv(row[index])
            except _CONVERSION_ERRORS as column_exc:
                return DataError(
                    f"cannot convert a value of column {self.names[index]!r}: {column_exc}"
                )
        return DataError(f"cannot convert result rows: {exc}")
