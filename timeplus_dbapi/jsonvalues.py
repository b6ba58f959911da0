"""Python values → JSON for the ingest endpoint (native JSON values, no SQL escaping).

Datetimes become RFC 3339 text, as short as exact: ``YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+hh:mm]``
(the fraction only when non-zero, ``Z`` for UTC; the server parses it "best effort"), dates ISO,
Decimal an exact decimal string, UUID/IP addresses strings, NaN/±inf the strings the server uses.
Values of other types raise ``NotSupportedError``; lone surrogates raise ``DataError``.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import math
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Callable

from .errors import DataError, NotSupportedError
from .literals import numpy_scalar
from .protocol.jsoncodec import HAVE_ORJSON

if HAVE_ORJSON:
    import orjson

__all__ = ["encode_native_rows", "encode_rows", "json_value"]


def _datetime(value: datetime.datetime) -> str:
    """The form orjson writes natively (with ``OPT_UTC_Z``), so both encoders agree.

    ``isoformat()`` keeps a pandas ``Timestamp``'s nanoseconds when it has any.
    """
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise DataError(f"Decimal value {value} is not finite")
    return format(value, "f")


def _bytes(value: bytes | bytearray | memoryview) -> str:
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise DataError("bytes values sent to ingest must be valid UTF-8") from None


_BY_TYPE: dict[type, Callable[[Any], Any]] = {
    datetime.datetime: _datetime,
    datetime.date: datetime.date.isoformat,
    Decimal: _decimal,
    uuid.UUID: str,
    ipaddress.IPv4Address: str,
    ipaddress.IPv6Address: str,
    bytes: _bytes,
    bytearray: _bytes,
    memoryview: _bytes,
    set: list,
    frozenset: list,
}


def json_value(value: Any) -> Any:
    """The JSON-encodable form of one value the encoder does not know natively."""
    handler = _BY_TYPE.get(type(value))
    if handler is not None:
        return handler(value)
    for cls in type(value).__mro__:
        handler = _BY_TYPE.get(cls)
        if handler is not None:
            return handler(value)
    item = numpy_scalar(value)
    if item is not None:
        return _float(item) if isinstance(item, float) else item
    if isinstance(value, datetime.time):
        raise NotSupportedError("Timeplus has no time-of-day type; send a datetime or a string")
    raise NotSupportedError(
        f"cannot send a value of type {type(value).__module__}.{type(value).__qualname__}"
    )


def _float(value: float) -> Any:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _sanitize(value: Any) -> Any:
    """Replace non-finite floats by their string form, recursively (slow path)."""
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, Mapping):
        return {k: _sanitize(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray)):
        return [_sanitize(v) for v in value]
    return value


_ENCODER = json.JSONEncoder(
    default=json_value, allow_nan=False, ensure_ascii=False, separators=(",", ":")
)


def _encode_std(rows: Sequence[Any]) -> bytes:
    try:
        text = _ENCODER.encode(rows)
    except ValueError as exc:
        if "Out of range float" not in str(exc):
            raise DataError(f"cannot encode row values as JSON: {exc}") from exc
        text = _ENCODER.encode(_sanitize(rows))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise DataError(
            "a string value contains a lone surrogate and cannot be sent as UTF-8"
        ) from exc


if HAVE_ORJSON:
    _ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z


def _encode_orjson(rows: Sequence[Any], may_hold_non_finite: bool = True) -> bytes:
    """orjson fast path; anything it cannot do exactly goes to the standard encoder.

    orjson writes NaN/inf as ``null`` and refuses integers beyond 64 bits, so output that
    contains ``null`` (a NULL, or possibly a non-finite float) and any orjson failure are
    re-encoded by the standard library, which is exact and raises the driver's errors. Rows
    known to hold no non-finite float (``may_hold_non_finite=False``) skip the ``null`` check.
    """
    try:
        encoded: bytes = orjson.dumps(rows, default=json_value, option=_ORJSON_OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        return _encode_std(rows)
    if may_hold_non_finite and b"null" in encoded:
        return _encode_std(rows)
    return encoded


def encode_rows(rows: Sequence[Any]) -> bytes:
    """Encode rows (sequences of values) as one compact JSON array, UTF-8."""
    return _encode_orjson(rows) if HAVE_ORJSON else _encode_std(rows)


def encode_native_rows(rows: Sequence[Any]) -> bytes:
    """Encode rows whose values are all JSON-native (int, finite float, str, bool, None), as
    :mod:`timeplus_dbapi.frames` produces them: a ``null`` in orjson's output is a NULL, so
    it needs no re-encoding by the standard library."""
    return _encode_orjson(rows, may_hold_non_finite=False) if HAVE_ORJSON else _encode_std(rows)
