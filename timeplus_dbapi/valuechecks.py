"""Checks of ingest rows against the stream's column types, before a block is sent.

The server does not refuse two kinds of bad values; it stores something else instead:

* an integer outside its column's range wraps around (300 in an ``int8`` column is stored as
  44, 2**40 in an ``int32`` column as 0);
* NULL in a column that is not nullable becomes the type's default (0, '', 1970-01-01).

``RowChecks`` raises ``DataError`` naming the column and the value instead. A NULL is allowed
where the column is nullable, and where it declares a ``DEFAULT`` expression (NULL then asks
for that default, as the server documents). The integer bounds are checked with C-level
``min``/``max`` passes over each integer column of a block; the NULL check runs only when the
encoded block contains ``null`` at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Callable, Optional

from .errors import DataError
from .typesystem import TypeParseError, parse_type

__all__ = ["ColumnRule", "RowChecks", "column_rules"]

Encoder = Callable[[Sequence[Any]], bytes]


def _bounds() -> dict[str, tuple[int, int]]:
    table = {}
    for bits in (8, 16, 32, 64, 128, 256):
        table[f"int{bits}"] = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
        table[f"uint{bits}"] = (0, (1 << bits) - 1)
    return table


_INT_BOUNDS = _bounds()


@dataclass(frozen=True)
class ColumnRule:
    """What a value of one column must satisfy: ``null_ok``, and integer ``bounds``."""

    null_ok: bool
    bounds: Optional[tuple[int, int]]


def column_rules(stream: Mapping[str, Any]) -> dict[str, ColumnRule]:
    """The rule of each column of a stream description (``GET /streams/{name}``) that has one."""
    rules: dict[str, ColumnRule] = {}
    for column in stream.get("columns") or []:
        try:
            spec = parse_type(str(column.get("type", "")))
        except TypeParseError:
            continue  # a type this driver cannot read: the server alone checks its values
        null_ok = bool(column.get("nullable")) or spec.is_nullable or bool(column.get("default"))
        bounds = _INT_BOUNDS.get(spec.unwrap().name)
        if not null_ok or bounds is not None:
            rules[str(column.get("name"))] = ColumnRule(null_ok, bounds)
    return rules


class RowChecks:
    """The checks for rows of ``columns`` sent to ``stream``; ``wrap`` adds them to an encoder."""

    def __init__(
        self, stream: str, columns: Sequence[str], rules: Mapping[str, ColumnRule]
    ) -> None:
        self.stream = stream
        picked = [(j, str(name), rules.get(str(name))) for j, name in enumerate(columns)]
        self.bounded = [(j, name, r.bounds) for j, name, r in picked if r and r.bounds]
        self.not_null = [(j, name) for j, name, r in picked if r and not r.null_ok]

    @property
    def active(self) -> bool:
        return bool(self.bounded or self.not_null)

    def wrap(self, encode: Encoder) -> Encoder:
        def checked(rows: Sequence[Any]) -> bytes:
            self.check_bounds(rows)
            encoded = encode(rows)
            if self.not_null and b"null" in encoded:
                self.check_nulls(rows)
            return encoded

        return checked

    def check_bounds(self, rows: Sequence[Any]) -> None:
        for j, name, (low, high) in self.bounded:
            get = itemgetter(j)
            try:
                if low <= min(map(get, rows)) and max(map(get, rows)) <= high:
                    continue
            except (TypeError, IndexError, KeyError):
                pass  # NULLs or values of other types: looked at one by one
            self._check_each(rows, j, name, low, high)

    def _check_each(self, rows: Sequence[Any], j: int, name: str, low: int, high: int) -> None:
        for row in rows:
            try:
                value = row[j]
            except (TypeError, IndexError, KeyError):
                return  # a malformed row: the encoder names the problem
            if isinstance(value, (int, float)) and value == value and not low <= value <= high:
                raise DataError(
                    f"value {value!r} of column {name!r} is out of the range of the column's "
                    f"type in stream {self.stream!r} ({low}..{high}); the server would store "
                    "it wrapped around"
                )

    def check_nulls(self, rows: Sequence[Any]) -> None:
        for j, name in self.not_null:
            get = itemgetter(j)
            try:
                found = None in map(get, rows)
            except (TypeError, IndexError, KeyError):
                continue  # a malformed row: the encoder names the problem
            if found:
                raise DataError(
                    f"column {name!r} of stream {self.stream!r} is not nullable and has no "
                    "default, but a value is None (NULL); the server would store the type's "
                    "default instead"
                )
