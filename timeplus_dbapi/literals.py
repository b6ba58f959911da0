"""The one place that renders Python values as Timeplus SQL literals and quotes identifiers.

Strings: single quotes, ``\\`` → ``\\\\`` and ``'`` → ``\\'``; every other character goes in raw
(verified against the real parser, see EMULATOR-NOTES). Identifiers: backquotes with ``\\`` and
backquote escaped the same way. Renderers are chosen by type (``functools.singledispatch``);
``bool`` is registered apart from ``int``; ``Decimal`` renders with ``format(v, "f")``; values of an
unregistered type raise ``NotSupportedError`` instead of falling through to ``str()``.
"""

from __future__ import annotations

import datetime
import ipaddress
import math
import uuid
from collections.abc import Mapping
from decimal import Decimal
from functools import singledispatch
from typing import Any

from .errors import DataError, Error, NotSupportedError

__all__ = [
    "DATE_RANGE",
    "WIDE_DATE_RANGE",
    "numpy_scalar",
    "quote_identifier",
    "quote_string",
    "render_literal",
    "require_utf8",
]

_BYTE_TEXT = [chr(b) if 0x20 <= b < 0x7F else f"\\x{b:02x}" for b in range(256)]
_BYTE_TEXT[ord("\\")] = "\\\\"
_BYTE_TEXT[ord("'")] = "\\'"
_MAX_DECIMAL_PRECISION = 76
_DATE_MIN = datetime.date(1970, 1, 1)
_DATE_MAX = datetime.date(2149, 6, 6)
# date32 and datetime64 hold 1900-01-01 .. 2299-12-31; the server clamps values outside
_WIDE_MIN = datetime.date(1900, 1, 1)
_WIDE_MAX = datetime.date(2299, 12, 31)
#: The days of ``date``, and of ``date32``/``datetime64`` (also used by the ingest checks)
DATE_RANGE = (_DATE_MIN, _DATE_MAX)
WIDE_DATE_RANGE = (_WIDE_MIN, _WIDE_MAX)


def require_utf8(text: str, what: str, error: type[Error] = DataError) -> None:
    """Raise ``error`` when ``text`` holds a lone surrogate (it has no UTF-8 form: the server
    would get U+FFFD or reject the request)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise error(
            f"{what} contains a lone surrogate at index {exc.start} and cannot be sent as UTF-8"
        ) from None


def quote_string(text: str) -> str:
    """Quote a str as a SQL string literal."""
    require_utf8(text, "string parameter")
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def quote_identifier(name: str) -> str:
    """Quote a stream, column or other identifier with backquotes."""
    if not isinstance(name, str):
        raise NotSupportedError(f"identifier must be str, not {type(name).__name__}")
    require_utf8(name, "identifier")
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def numpy_scalar(value: Any) -> Any:
    """The Python number/bool of a numpy scalar (as pandas hands over), else None."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        item = value.item()
        if isinstance(item, (bool, int, float)):
            return item
    return None


@singledispatch
def render_literal(value: Any) -> str:
    """Render ``value`` as a Timeplus SQL literal."""
    item = numpy_scalar(value)
    if item is not None:
        return render_literal(item)
    raise NotSupportedError(
        f"cannot render a value of type {type(value).__module__}.{type(value).__qualname__} as SQL"
    )


@render_literal.register(type(None))
def _render_none(value: None) -> str:
    return "NULL"


@render_literal.register(bool)
def _render_bool(value: bool) -> str:
    return "true" if value else "false"


# The server reads a bare integer literal as (u)int64 when it fits, else as float64: wider
# integers go as a string cast to the narrowest 128/256-bit type that holds them, exactly.
_BARE_INT_RANGE = (-(1 << 63), (1 << 64) - 1)
_WIDE_INT_TYPES = (
    ("int128", -(1 << 127), (1 << 127) - 1),
    ("uint128", 0, (1 << 128) - 1),
    ("int256", -(1 << 255), (1 << 255) - 1),
    ("uint256", 0, (1 << 256) - 1),
)


@render_literal.register(int)
def _render_int(value: int) -> str:
    number = int(value)
    text = int.__repr__(number)
    if _BARE_INT_RANGE[0] <= number <= _BARE_INT_RANGE[1]:
        return text
    for name, low, high in _WIDE_INT_TYPES:
        if low <= number <= high:
            return f"to_{name}('{text}')"
    raise DataError(
        f"integer {text[:20]}... ({number.bit_length()} bits) is beyond Timeplus's widest "
        "integer types (int256/uint256)"
    )


@render_literal.register(float)
def _render_float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return float.__repr__(float(value))


@render_literal.register(Decimal)
def _render_decimal(value: Decimal) -> str:
    """An exact decimal: a bare ``1.5`` would be parsed as float64 and lose digits."""
    if not value.is_finite():
        raise DataError(f"Decimal value {value} is not finite and has no Timeplus decimal literal")
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite values have an int exponent
    scale = max(0, -exponent)
    precision = max(1, max(0, len(digits) + exponent) + scale)
    if precision > _MAX_DECIMAL_PRECISION:
        raise DataError(f"Decimal value {value} needs {precision} digits; the maximum is 76")
    return f"CAST('{format(value, 'f')}' AS decimal({precision}, {scale}))"


@render_literal.register(str)
def _render_str(value: str) -> str:
    return quote_string(value)


@render_literal.register(bytes)
@render_literal.register(bytearray)
@render_literal.register(memoryview)
def _render_bytes(value: bytes | bytearray | memoryview) -> str:
    """Bytes must be UTF-8 text: the server would store other bytes, but every read gives
    them back with U+FFFD in place of each invalid sequence (ingest refuses them too)."""
    data = bytes(value)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"bytes parameter is not valid UTF-8 (byte {exc.start}); the server would give "
            "it back with U+FFFD replacement characters"
        ) from None
    return "'" + "".join(_BYTE_TEXT[b] for b in data) + "'"


def _check_date_range(day: datetime.date, value: object) -> None:
    if not _WIDE_MIN <= day <= _WIDE_MAX:
        raise DataError(
            f"{value!r} is outside the dates Timeplus can hold ({_WIDE_MIN} .. {_WIDE_MAX})"
        )


def _datetime_text(value: datetime.datetime) -> str:
    _check_date_range(value.date(), value)
    return value.strftime("%Y-%m-%d %H:%M:%S") + f".{value.microsecond:06d}"


def _zone_name(value: datetime.datetime) -> tuple[datetime.datetime, str]:
    """The datetime and an IANA zone name to render it in (fixed offsets become UTC)."""
    key = getattr(value.tzinfo, "key", None)
    if isinstance(key, str):
        return value, key
    return value.astimezone(datetime.timezone.utc), "UTC"


@render_literal.register(datetime.datetime)
def _render_datetime(value: datetime.datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        return f"to_datetime64({quote_string(_datetime_text(value))}, 6)"
    _check_date_range(value.date(), value)  # before converting: datetime.max would overflow
    moment, zone = _zone_name(value)
    return f"to_datetime64({quote_string(_datetime_text(moment))}, 6, {quote_string(zone)})"


@render_literal.register(datetime.date)
def _render_date(value: datetime.date) -> str:
    # Timeplus's to_date returns a date32 (1900-01-01 .. 2299-12-31); it has no to_date32
    _check_date_range(value, value)
    return f"to_date('{value.isoformat()}')"


@render_literal.register(datetime.time)
def _render_time(value: datetime.time) -> str:
    raise NotSupportedError("Timeplus has no time-of-day type; pass a datetime or a string")


@render_literal.register(datetime.timedelta)
def _render_timedelta(value: datetime.timedelta) -> str:
    micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    return f"to_interval_microsecond({micros})"


@render_literal.register(uuid.UUID)
def _render_uuid(value: uuid.UUID) -> str:
    return f"to_uuid('{value}')"


@render_literal.register(ipaddress.IPv4Address)
def _render_ipv4(value: ipaddress.IPv4Address) -> str:
    return f"to_ipv4('{value}')"


@render_literal.register(ipaddress.IPv6Address)
def _render_ipv6(value: ipaddress.IPv6Address) -> str:
    return f"to_ipv6('{value}')"


def _check_datetime_kinds(values: Any) -> None:
    """Reject a collection mixing naive and timezone-aware datetimes."""
    kinds = {
        v.tzinfo is not None and v.utcoffset() is not None
        for v in values
        if isinstance(v, datetime.datetime)
    }
    if len(kinds) > 1:
        raise DataError("cannot mix naive and timezone-aware datetimes in one array/tuple/map")


@render_literal.register(list)
def _render_list(value: list[Any]) -> str:
    _check_datetime_kinds(value)
    return "[" + ", ".join(render_literal(v) for v in value) + "]"


@render_literal.register(tuple)
def _render_tuple(value: tuple[Any, ...]) -> str:
    _check_datetime_kinds(value)
    items = ", ".join(render_literal(v) for v in value)
    # Timeplus's tuple function is tuple_cast (it has no tuple(), nor map(): map_cast)
    return f"({items})" if len(value) > 1 else f"tuple_cast({items})"


@render_literal.register(Mapping)
def _render_mapping(value: Mapping[Any, Any]) -> str:
    _check_datetime_kinds(value.keys())
    _check_datetime_kinds(value.values())
    if len(value) == 1:
        # map_cast(k, v) with exactly one array among k and v is an error (43) in Proton
        # since 1.5 (map.cpp: "requires 2 array of arguments"); the array form never is
        ((key, item),) = value.items()
        return f"map_cast([{render_literal(key)}], [{render_literal(item)}])"
    items = ", ".join(f"{render_literal(k)}, {render_literal(v)}" for k, v in value.items())
    return f"map_cast({items})"
