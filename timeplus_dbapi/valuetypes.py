"""Per-type value checks for ingest (used by :mod:`timeplus_dbapi.valuechecks`, which
documents what each type accepts).

:func:`check_for` builds one :class:`ValueCheck` per column type, once per stream. A check
has two faces: ``all_ok(values, types)``, a fast test of a whole column (or of all the items
of a nested level) made of C-level passes, which may answer False when unsure; and
``problem(value)``, the exact verdict on one value: None, or why it is refused.
"""

from __future__ import annotations

import datetime
import ipaddress
import math
import numbers
import re
import struct
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any, Callable, Optional
from zoneinfo import ZoneInfo

from .converters import parse_datetime, time_zone
from .literals import DATE_RANGE, WIDE_DATE_RANGE, numpy_scalar
from .typesystem import TypeSpec

__all__ = ["ValueCheck", "check_for"]

_NONE = type(None)
_UTC = datetime.timezone.utc
_FLOAT32_MAX = 3.4028234663852886e38
_FLOAT_EXACT_INT = 2**53
_FLOAT32_EXACT_INT = 2**24  # every integer up to this is a float32
_FLOAT32 = struct.Struct("<f")
_NON_FINITE_TEXT = frozenset({"nan", "inf", "-inf", "+inf", "-nan", "+nan"})
_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_DAY_END = datetime.time(23, 59, 59, 999999)
# datetime and datetime64 ranges, as UTC instants (naive, UTC)
_DATETIME_RANGE = (datetime.datetime(1970, 1, 1), datetime.datetime(2106, 2, 7, 6, 28, 15))
_DATETIME64_RANGE = (
    datetime.datetime.combine(WIDE_DATE_RANGE[0], datetime.time()),
    datetime.datetime.combine(WIDE_DATE_RANGE[1], _DAY_END),
)
_DATE_RANGES = {"date": DATE_RANGE, "date32": WIDE_DATE_RANGE}
_NANOSECONDS_END = datetime.datetime(2262, 4, 11, 23, 47, 16, 854775)  # 2**63 - 1 ns, UTC
# a value this close to a range end is checked exactly, one by one, even on the fast path
_NEAR_END = datetime.timedelta(days=1)
# Since Liberia's change on 1972-01-07, every zone's UTC offset is whole minutes; before it,
# local mean times had seconds (Asia/Kolkata 1900: +05:21:10), which RFC 3339 text drops
_WHOLE_MINUTE_OFFSETS_SINCE = datetime.datetime(1972, 1, 8)


def _all_of(types: set[type], *accepted: type) -> bool:
    return all(issubclass(t, accepted) for t in types)


class ValueCheck:
    """Base: ``problem`` is the truth; ``all_ok`` may say False whenever it is unsure.
    ``reads_values``: whether ``all_ok`` usually needs the values, not only their types."""

    reads_values = True

    def problem(self, value: Any) -> Optional[str]:
        raise NotImplementedError

    def all_ok(self, values: list[Any], types: set[type]) -> bool:
        return all(self.problem(v) is None for v in values)

    def types_suffice(self, types: set[type]) -> bool:
        """True when values of these Python types are all fine, whatever their values."""
        return False


def _wrong_type(value: Any, wanted: str) -> str:
    return f"{type(value).__name__} {_short(value)} is not {wanted}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Integers(ValueCheck):
    def __init__(self, name: str, low: int, high: int) -> None:
        self.name, self.low, self.high = name, low, high

    def problem(self, value: Any) -> Optional[str]:
        number = numpy_scalar(value) if not isinstance(value, int) else value
        if not isinstance(number, int):
            if isinstance(value, float):
                return f"float {value!r} in an integer column would be truncated"
            return _wrong_type(value, "an integer")
        if not self.low <= number <= self.high:
            return (
                f"{number} is out of the range of {self.name} ({self.low}..{self.high}): the "
                "server would store it wrapped around"
            )
        return None

    def all_ok(self, values: list[Any], types: set[type]) -> bool:
        if not _all_of(types, numbers.Integral):
            return False
        return bool(self.low <= min(values) and max(values) <= self.high)


def _integers(spec: TypeSpec) -> ValueCheck:
    bits = int(spec.name.removeprefix("u").removeprefix("int"))
    if spec.name.startswith("u"):
        return _Integers(spec.name, 0, (1 << bits) - 1)
    return _Integers(spec.name, -(1 << (bits - 1)), (1 << (bits - 1)) - 1)


class _Floats(ValueCheck):
    reads_values = False

    def __init__(self, limit: Optional[float]) -> None:
        self.limit = limit

    def problem(self, value: Any) -> Optional[str]:
        if isinstance(value, str):
            return None if value in _NON_FINITE_TEXT else _wrong_type(value, "a float")
        number = value if isinstance(value, (int, float)) else numpy_scalar(value)
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            return _wrong_type(value, "a float")
        if isinstance(number, int):
            return self._int_problem(number)
        if self.limit is not None and math.isfinite(number) and abs(number) > self.limit:
            return f"{number!r} is beyond the range of float32: it would be stored as inf"
        return None

    def _int_problem(self, number: int) -> Optional[str]:
        kind = "float64" if self.limit is None else "float32"
        try:
            exact = float(number) == number
        except OverflowError:
            return f"integer {_short(number)} is beyond the range of {kind}"
        if self.limit is not None and exact and abs(number) <= self.limit:
            exact = _FLOAT32.unpack(_FLOAT32.pack(number))[0] == number
        elif self.limit is not None and exact:
            return f"{_short(number)} is beyond the range of float32: it would be stored as inf"
        return None if exact else f"integer {_short(number)} has no exact {kind} value: it " \
            "would be rounded"

    def types_suffice(self, types: set[type]) -> bool:
        return self.limit is None and _all_of(types, float)

    def all_ok(self, values: list[Any], types: set[type]) -> bool:
        if _all_of(types, float):
            return self.limit is None or bool(max(map(abs, values)) <= self.limit)
        if not _all_of(types, int, float) or bool in types:
            return False
        exact = _FLOAT_EXACT_INT if self.limit is None else _FLOAT32_EXACT_INT
        return bool(-exact <= min(values) and max(values) <= exact)


class _Decimals(ValueCheck):
    def __init__(self, spec: TypeSpec) -> None:
        precision, scale = spec.precision_scale
        self.scale = scale or 0
        self.integer_digits = (precision or 10) - self.scale
        self.name = f"decimal({precision}, {self.scale})"
        self.bound = 10**self.integer_digits

    def problem(self, value: Any) -> Optional[str]:
        if isinstance(value, bool):
            return _wrong_type(value, "a decimal number")
        try:
            number = Decimal(float.__repr__(value) if isinstance(value, float) else value)
        except (InvalidOperation, TypeError, ValueError):
            return _wrong_type(value, "a decimal number")
        if not number.is_finite():
            return f"{value!r} is not finite: {self.name} has no such value"
        _, digits, exponent = number.as_tuple()
        assert isinstance(exponent, int)
        fraction = 0 if not number else max(0, -exponent - _trailing_zeros(digits))
        if fraction > self.scale:
            return f"{value!r} has {fraction} fraction digits; {self.name} would round it"
        if number.copy_abs() >= self.bound:
            return f"{value!r} needs more than {self.integer_digits} integer digits of {self.name}"
        return None

    def all_ok(self, values: list[Any], types: set[type]) -> bool:
        if not _all_of(types, int) or bool in types:
            return super().all_ok(values, types)
        return bool(-self.bound < min(values) and max(values) < self.bound)


def _trailing_zeros(digits: tuple[int, ...]) -> int:
    count = 0
    for digit in reversed(digits):
        if digit:
            break
        count += 1
    return count


class _Strings(ValueCheck):
    reads_values = False

    def __init__(self, max_bytes: Optional[int] = None) -> None:
        self.max_bytes = max_bytes

    def problem(self, value: Any) -> Optional[str]:
        if isinstance(value, (bytes, bytearray, memoryview)):
            try:
                text = bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                return "bytes that are not UTF-8 would be read back with U+FFFD"
        elif isinstance(value, str):
            text = value
        else:
            return _wrong_type(value, "a str: the server would store its text form")
        size = len(text.encode("utf-8", "surrogatepass"))
        if self.max_bytes is not None and size > self.max_bytes:
            return f"{size} bytes do not fit fixed_string({self.max_bytes})"
        return None

    def types_suffice(self, types: set[type]) -> bool:
        return self.max_bytes is None and _all_of(types, str)

    def all_ok(self, values: list[Any], types: set[type]) -> bool:
        if not _all_of(types, str):
            return False
        return self.max_bytes is None or max(map(len, values)) * 4 <= self.max_bytes


class _Accepted(ValueCheck):
    """Values of given Python types, or text a parser accepts (uuid, ip addresses, enums)."""

    reads_values = False

    def __init__(
        self, wanted: str, kinds: tuple[type, ...], parse: Callable[[str], bool]
    ) -> None:
        self.wanted, self.kinds, self.parse = wanted, kinds, parse

    def problem(self, value: Any) -> Optional[str]:
        if isinstance(value, self.kinds):
            return None
        if isinstance(value, str) and self.parse(value):
            return None
        return _wrong_type(value, self.wanted)

    def types_suffice(self, types: set[type]) -> bool:
        return _all_of(types, *self.kinds)

    def all_ok(self, values: list[Any], types: set[type]) -> bool:
        if _all_of(types, *self.kinds):
            return True
        return _all_of(types, str, *self.kinds) and super().all_ok(values, types)


class _Json(ValueCheck):
    """JSON text, or a mapping that JSON can hold as it is: string keys, finite numbers."""

    def problem(self, value: Any) -> Optional[str]:
        if isinstance(value, str):
            return None
        if not isinstance(value, Mapping):
            return _wrong_type(value, "a mapping or JSON text")
        return _json_problem(value, "$")

    def all_ok(self, values: list[Any], types: set[type]) -> bool:
        return _all_of(types, str) or super().all_ok(values, types)


_JSON_MAX_DEPTH = 500  # deeper documents (and cycles) are refused, not a RecursionError
_JSON_SCALARS = (str, bool, int, float, type(None))


def _json_problem(value: Any, path: str, parents: tuple[int, ...] = ()) -> Optional[str]:
    """What in a JSON document would be stored as something else (None if nothing)."""
    if isinstance(value, (Mapping, list, tuple)):
        if id(value) in parents:
            return f"the value at {path} contains itself: JSON has no form for it"
        if len(parents) >= _JSON_MAX_DEPTH:
            return f"the value at {path} is nested deeper than {_JSON_MAX_DEPTH} levels"
        parents = (*parents, id(value))
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for key, item in items:
            if isinstance(value, Mapping) and not isinstance(key, str):
                return f"key {_short(key)} at {path} is not a string: JSON would store " \
                    f"{str(key)!r}"
            found = _json_problem(item, f"{path}.{key}" if isinstance(value, Mapping)
                                  else f"{path}[{key}]", parents)
            if found:
                return found
        return None
    return _json_scalar_problem(value, path)


def _json_scalar_problem(value: Any, path: str) -> Optional[str]:
    item = numpy_scalar(value)
    value = value if item is None else item
    if not isinstance(value, _JSON_SCALARS):
        return f"{_short(value)} at {path} has no JSON form of its own (it would be stored " \
            "as text or a list and read back so): send text, a number or a list"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value!r} at {path} has no JSON form (it would be stored as text)"
    if isinstance(value, int) and not isinstance(value, bool) and \
            not -(1 << 63) <= value < (1 << 64):
        return f"{_short(value)} at {path} is beyond 64 bits: JSON would round it"
    return None


def _parses(parser: Callable[[str], Any]) -> Callable[[str], bool]:
    def parses(text: str) -> bool:
        try:
            parser(text)
        except ValueError:
            return False
        return True

    return parses


class _Bools(ValueCheck):
    reads_values = False

    def problem(self, value: Any) -> Optional[str]:
        item = numpy_scalar(value)
        if isinstance(value, bool) or isinstance(item, bool) or (
            type(value) is int and value in (0, 1)
        ):
            return None
        return _wrong_type(value, "a bool")

    def types_suffice(self, types: set[type]) -> bool:
        return types <= {bool}

    def all_ok(self, values: list[Any], types: set[type]) -> bool:
        return types <= {bool}


class _Dates(ValueCheck):
    def __init__(self, name: str) -> None:
        self.name = name
        self.low, self.high = _DATE_RANGES[name]

    def day(self, value: Any) -> datetime.date:
        """The day ``value`` stands for; ValueError when it is not a whole day."""
        if isinstance(value, datetime.datetime):
            if value.tzinfo is not None or value.time() != datetime.time():
                raise ValueError("a datetime with a time of day or a zone")
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            return self.day(parse_datetime(value) if len(value) > 10 else _iso_date(value))
        raise ValueError(type(value).__name__)

    def problem(self, value: Any) -> Optional[str]:
        try:
            day = self.day(value)
        except (ValueError, TypeError) as exc:
            return f"{_short(value)} is not a whole day ({exc}): send a date or 'YYYY-MM-DD'"
        if not self.low <= day <= self.high:
            return (
                f"{day} is outside {self.name}'s range {self.low}..{self.high}: the server "
                "would store another day"
            )
        return None

    def all_ok(self, values: list[Any], types: set[type]) -> bool:
        if types != {datetime.date}:
            return False
        return bool(self.low <= min(values) and max(values) <= self.high)


def _iso_date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _datetime_text(text: str) -> datetime.datetime:
    """ISO-8601 text as the server's parser reads it, also a bare day (``2000-01-01[Z]``,
    as pandas writes midnights)."""
    if len(text) <= 11 and text[:10].count("-") == 2:
        day = datetime.date.fromisoformat(text[:10])
        if text[10:] not in ("", "Z"):
            raise ValueError(f"unrecognised datetime {text!r}")
        return datetime.datetime.combine(day, datetime.time(), _UTC if text[10:] else None)
    return parse_datetime(text)


class _DateTimes(ValueCheck):
    def __init__(self, spec: TypeSpec) -> None:
        zones = [a for a in spec.args if isinstance(a, str)]
        self.zone = time_zone(zones[0]) if zones else _UTC
        self.name = str(spec)
        self.low, self.high = _DATETIME_RANGE if spec.name != "datetime64" else _DATETIME64_RANGE
        if spec.precision_scale[0] == 9:  # nanoseconds in an int64 end in 2262
            self.high = min(self.high, _NANOSECONDS_END)

    def instant(self, value: Any) -> datetime.datetime:
        """The UTC instant (naive) of ``value``; ValueError/TypeError when it has none."""
        moment: datetime.datetime
        if isinstance(value, datetime.datetime):
            moment = value
        elif isinstance(value, str):
            moment = _datetime_text(value)
        elif type(value) is datetime.date:
            moment = datetime.datetime.combine(value, datetime.time())
        else:
            raise TypeError(f"{type(value).__name__} is not a datetime")
        if moment.tzinfo is None or moment.utcoffset() is None:
            if self.zone is _UTC:
                return moment.replace(tzinfo=None)
            moment = moment.replace(tzinfo=self.zone)
        return moment.astimezone(_UTC).replace(tzinfo=None)

    def problem(self, value: Any) -> Optional[str]:
        try:
            moment = self.instant(value)
        except (ValueError, TypeError, OverflowError) as exc:
            return f"{_short(value)} is not a datetime ({exc}): send a datetime or ISO-8601 text"
        if not self.low <= moment <= self.high:
            return (
                f"{moment} UTC is outside the range of {self.name} ({self.low} .. {self.high} "
                "UTC): the server would store another time"
            )
        offset = value.utcoffset() if isinstance(value, datetime.datetime) else None
        if offset is not None and offset % datetime.timedelta(minutes=1):
            return (
                f"{_short(value)} has the UTC offset {offset}, with seconds, which the text sent "
                "cannot hold: the server would store another instant (send value.astimezone("
                "datetime.timezone.utc))"
            )
        return None

    def all_ok(self, values: list[Any], types: set[type]) -> bool:
        if _all_of(types, str):
            ends = (min(values), max(values))  # ISO text sorts as time does, within a day
        elif _all_of(types, datetime.datetime):
            try:
                ends = (min(values), max(values))
            except TypeError:  # naive and aware values mixed
                return False
        else:
            return False
        try:
            first, last = self.instant(ends[0]), self.instant(ends[1])
        except (ValueError, TypeError, OverflowError):
            return False
        if str not in types and not _offsets_are_whole_minutes(values, first):
            return False
        return self.low + _NEAR_END <= first and last <= self.high - _NEAR_END


def _offsets_are_whole_minutes(values: list[Any], first: datetime.datetime) -> bool:
    """Whether no datetime can have an offset with seconds (cheap: one look per zone object;
    by identity, as some libraries' zones are unhashable). Only fixed offsets and ZoneInfo
    zones are known; any other zone is checked value by value."""
    zones = list(map(_TZINFO, values))
    for zone in dict(zip(map(id, zones), zones)).values():
        if zone is None:
            continue
        if isinstance(zone, datetime.timezone):
            if zone.utcoffset(None) % datetime.timedelta(minutes=1):
                return False
        elif not isinstance(zone, ZoneInfo) or first < _WHOLE_MINUTE_OFFSETS_SINCE:
            return False
    return True


_TZINFO = attrgetter("tzinfo")


class _Arrays(ValueCheck):
    def __init__(self, item: ValueCheck) -> None:
        self.item = item

    def problem(self, value: Any) -> Optional[str]:
        if not isinstance(value, (list, tuple, set, frozenset)):
            return _wrong_type(value, "a list")
        for index, item in enumerate(value):
            found = self.item.problem(item)
            if found is not None:
                return f"at [{index}]: {found}"
        return None

    def all_ok(self, values: list[Any], types: set[type]) -> bool:
        if not types <= {list, tuple}:
            return False
        return _items_ok(self.item, list(chain.from_iterable(values)))


def _items_ok(check: ValueCheck, items: list[Any]) -> bool:
    return not items or check.all_ok(items, set(map(type, items)))


class _Maps(ValueCheck):
    def __init__(self, key: ValueCheck, value: ValueCheck) -> None:
        self.key, self.value = key, value

    def problem(self, value: Any) -> Optional[str]:
        if not isinstance(value, Mapping):
            return _wrong_type(value, "a mapping")
        for key, item in value.items():
            found = self.key.problem(key)
            if found is not None:
                return f"key {_short(key)}: {found}"
            found = self.value.problem(item)
            if found is not None:
                return f"at key {_short(key)}: {found}"
        return None

    def all_ok(self, values: list[Any], types: set[type]) -> bool:
        if types != {dict}:
            return False
        keys = list(chain.from_iterable(values))
        items = list(chain.from_iterable(map(dict.values, values)))
        return _items_ok(self.key, keys) and _items_ok(self.value, items)


class _Tuples(ValueCheck):
    def __init__(self, items: list[ValueCheck], names: tuple[str, ...]) -> None:
        self.items, self.names = items, names

    def problem(self, value: Any) -> Optional[str]:
        if isinstance(value, Mapping) and self.names:
            if set(value) != set(self.names):
                return f"the keys of {_short(value)} are not the fields {list(self.names)}"
            value = [value[name] for name in self.names]
        if not isinstance(value, (list, tuple)):
            return _wrong_type(value, "a tuple")
        if len(value) != len(self.items):
            return f"{len(value)} elements given for a tuple of {len(self.items)}"
        for index, (check, item) in enumerate(zip(self.items, value)):
            found = check.problem(item)
            if found is not None:
                return f"at element {index}: {found}"
        return None

    def all_ok(self, values: list[Any], types: set[type]) -> bool:
        if not types <= {list, tuple} or set(map(len, values)) != {len(self.items)}:
            return False
        return all(
            _items_ok(check, list(map(itemgetter(i), values)))
            for i, check in enumerate(self.items)
        )


class _Nullable(ValueCheck):
    def __init__(self, inner: ValueCheck) -> None:
        self.inner = inner

    def problem(self, value: Any) -> Optional[str]:
        return None if value is None else self.inner.problem(value)

    def all_ok(self, values: list[Any], types: set[type]) -> bool:
        if _NONE in types:
            values = [v for v in values if v is not None]
            types = types - {_NONE}
        return not values or self.inner.all_ok(values, types)


class _NotNull(ValueCheck):
    """A nested value that is not nullable: None would be stored as the type's default."""

    def __init__(self, inner: ValueCheck) -> None:
        self.inner = inner
        self.reads_values = inner.reads_values

    def problem(self, value: Any) -> Optional[str]:
        if value is None:
            return "None (NULL) in a type that is not nullable would be stored as its default"
        return self.inner.problem(value)

    def types_suffice(self, types: set[type]) -> bool:
        return _NONE not in types and self.inner.types_suffice(types)

    def all_ok(self, values: list[Any], types: set[type]) -> bool:
        return _NONE not in types and self.inner.all_ok(values, types)


_SCALARS: dict[str, Callable[[TypeSpec], ValueCheck]] = {
    **dict.fromkeys(
        [f"{u}int{b}" for u in ("", "u") for b in (8, 16, 32, 64, 128, 256)], _integers
    ),
    "float32": lambda spec: _Floats(_FLOAT32_MAX),
    "float64": lambda spec: _Floats(None),
    **dict.fromkeys(
        ("decimal", "decimal32", "decimal64", "decimal128", "decimal256"), _Decimals
    ),
    "string": lambda spec: _Strings(),
    "fixed_string": lambda spec: _Strings(next(a for a in spec.args if isinstance(a, int))),
    "bool": lambda spec: _Bools(),
    "date": lambda spec: _Dates("date"),
    "date32": lambda spec: _Dates("date32"),
    **dict.fromkeys(("datetime", "datetime32", "datetime64"), _DateTimes),
    "uuid": lambda spec: _Accepted("a UUID", (uuid.UUID,), _UUID_TEXT.fullmatch),  # type: ignore[arg-type]
    "ipv4": lambda spec: _Accepted(
        "an IPv4 address", (ipaddress.IPv4Address,), _parses(ipaddress.IPv4Address)
    ),
    "ipv6": lambda spec: _Accepted(
        "an IPv6 address", (ipaddress.IPv6Address,), _parses(ipaddress.IPv6Address)
    ),
    **dict.fromkeys(
        ("enum", "enum8", "enum16"),
        lambda spec: _Accepted(
            f"one of the labels {[label for label, _ in spec.enum_values]}",
            (),
            {label for label, _ in spec.enum_values}.__contains__,
        ),
    ),
    "json": lambda spec: _Json(),
}


def check_for(spec: TypeSpec) -> Optional[ValueCheck]:
    """The check of a value of ``spec``; None for types whose values are not checked."""
    if spec.name in ("nullable", "low_cardinality"):
        inner = check_for(spec.type_args[0]) if spec.type_args else None
        if inner is None or spec.name == "low_cardinality":
            return inner
        return _Nullable(inner.inner if isinstance(inner, _NotNull) else inner)
    scalar = _SCALARS.get(spec.name)
    if scalar is not None:
        return _NotNull(scalar(spec))
    nested = [check_for(arg) for arg in spec.type_args]
    if not nested or any(check is None for check in nested):
        return None
    checks: list[ValueCheck] = [c for c in nested if c is not None]
    if spec.name == "array":
        return _NotNull(_Arrays(checks[0]))
    if spec.name == "map" and len(checks) == 2:
        return _NotNull(_Maps(checks[0], checks[1]))
    if spec.name == "tuple":
        return _NotNull(_Tuples(checks, spec.field_names))
    return None
