"""JSON decoding/encoding for protocol payloads: orjson when installed (the ``fast`` extra),
the standard library otherwise. ``loads_exact`` keeps every number exact (floats as Decimal),
for results with high-precision decimals.

The server writes a float ``-0.0`` as ``-0``, which JSON decoders read as the integer 0, losing
the sign. ``loads_signed_zero`` (for results with float columns) and ``loads_exact`` read a bare
``-0`` as ``-0.0``; the server writes no integer as ``-0``. ``holds_int_zero`` tells, after a
fast decode, whether plain float columns may have lost one (``QueryEvents.read_signed_zeros``)."""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Callable, Union

from .. import native

__all__ = [
    "HAVE_ORJSON",
    "Loads",
    "collector_paused",
    "has_bare_negative_zero",
    "holds_int_zero",
    "holds_int_zero_is_cheap",
    "loads_exact",
    "loads_fast",
    "loads_signed_zero",
]

Loads = Callable[[Union[bytes, str]], Any]

try:
    import orjson

    HAVE_ORJSON = True
except ImportError:  # pragma: no cover - depends on the environment
    HAVE_ORJSON = False


def _loads_std(data: Union[bytes, str]) -> Any:
    return json.loads(data)


def _loads_orjson(data: Union[bytes, str]) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        # orjson rejects some inputs the standard library accepts (e.g. NaN literals);
        # the standard library gives the authoritative error or result.
        return json.loads(data)


def _int_or_negative_zero(text: str) -> Union[int, float]:
    return -0.0 if text == "-0" else int(text)


def loads_exact(data: Union[bytes, str]) -> Any:
    """Decode keeping integers exact at any size, fractional numbers as ``Decimal``, and a
    bare ``-0`` as ``-0.0``."""
    return json.loads(data, parse_float=Decimal, parse_int=_int_or_negative_zero)


loads_fast: Loads = _loads_orjson if HAVE_ORJSON else _loads_std

# "-0" not followed by more of a number: a negative zero, or (rarely) text inside a string,
# for which the slower decoding below is still exact. About 2.5 ns per byte.
_BARE_NEGATIVE_ZERO = re.compile(rb"-0(?![0-9.eE])")
_BARE_NEGATIVE_ZERO_TEXT = re.compile(r"-0(?![0-9.eE])")


def has_bare_negative_zero(data: Union[bytes, str]) -> bool:
    """Whether ``data`` holds a ``-0`` not followed by more of a number (the C accelerator's
    memchr scan for bytes when it is built, about 10x faster than the expression)."""
    if isinstance(data, str):
        return _BARE_NEGATIVE_ZERO_TEXT.search(data) is not None
    if native.speedups is not None:
        found: bool = native.speedups.has_bare_negative_zero(data)
        return found
    return _BARE_NEGATIVE_ZERO.search(data) is not None


def holds_int_zero(rows: list[list[Any]], columns: tuple[int, ...]) -> bool:
    """Whether decoded ``rows`` hold an int 0 in one of the float ``columns``: a ``-0`` sent
    there was read as that (and so was a ``0``), so the batch needs ``loads_signed_zero``.
    Rows that are not lists of the expected width count as holding one."""
    if native.speedups is not None:
        found: bool = native.speedups.holds_int_zero(rows, columns)
        return found
    for row in rows:
        if not isinstance(row, list) or len(row) <= max(columns, default=-1):
            return True
        if any(type(row[i]) is int and row[i] == 0 for i in columns):
            return True
    return False


def holds_int_zero_is_cheap() -> bool:
    """Whether ``holds_int_zero`` runs in C (in Python it costs more than the byte scan)."""
    return native.speedups is not None


def loads_signed_zero(data: Union[bytes, str]) -> Any:
    """``loads_fast``, except that a bare ``-0`` is read as ``-0.0`` (float columns)."""
    found = has_bare_negative_zero(data)
    if not found:
        return loads_fast(data)
    return json.loads(data, parse_int=_int_or_negative_zero)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector around decoding/converting one batch.

    A batch allocates many short-lived, acyclic lists and tuples; letting the collector scan
    them again and again costs about half the throughput. The pause never spans network waits
    (only CPU work on one bounded batch) and the previous state is restored.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
