"""JSON decoding/encoding for protocol payloads: orjson when installed (the ``fast`` extra),
the standard library otherwise. ``loads_exact`` keeps every number exact (floats as Decimal),
for results with high-precision decimals."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Callable, Union

__all__ = ["HAVE_ORJSON", "Loads", "collector_paused", "loads_exact", "loads_fast"]

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


def loads_exact(data: Union[bytes, str]) -> Any:
    """Decode keeping integers exact at any size and fractional numbers as ``Decimal``."""
    return json.loads(data, parse_float=Decimal)


loads_fast: Loads = _loads_orjson if HAVE_ORJSON else _loads_std


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
