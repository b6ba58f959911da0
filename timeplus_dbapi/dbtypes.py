"""PEP 249 type objects and constructors.

``cursor.description[i][1]`` is the Timeplus type name of the column (e.g. ``nullable(int32)``);
the type objects compare equal to the type names of their group, looking through ``nullable`` and
``low_cardinality``.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from .typesystem import TypeParseError, parse_type

__all__ = [
    "BINARY",
    "DATETIME",
    "NUMBER",
    "ROWID",
    "STRING",
    "Binary",
    "DBAPITypeObject",
    "Date",
    "DateFromTicks",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
]


class DBAPITypeObject:
    """Equal to any Timeplus type name whose base type is in ``names``."""

    def __init__(self, group: str, names: frozenset[str]) -> None:
        self.group = group
        self.names = names

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DBAPITypeObject):
            return self is other
        if not isinstance(other, str):
            return NotImplemented
        try:
            return parse_type(other).unwrap().name in self.names
        except TypeParseError:
            return False

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash(self.group)

    def __repr__(self) -> str:
        return f"<DBAPITypeObject {self.group}>"


STRING = DBAPITypeObject(
    "STRING",
    frozenset(
        {"string", "fixed_string", "enum8", "enum16", "enum", "uuid", "ipv4", "ipv6", "json"}
    ),
)
BINARY = DBAPITypeObject("BINARY", frozenset({"string", "fixed_string"}))
NUMBER = DBAPITypeObject(
    "NUMBER",
    frozenset(
        "int8 int16 int32 int64 int128 int256 uint8 uint16 uint32 uint64 uint128 uint256 float32 "
        "float64 bfloat16 decimal decimal32 decimal64 decimal128 decimal256 bool".split()
    ),
)
DATETIME = DBAPITypeObject(
    "DATETIME", frozenset({"date", "date32", "datetime", "datetime32", "datetime64"})
)
ROWID = DBAPITypeObject("ROWID", frozenset())

Date = datetime.date
Time = datetime.time
Timestamp = datetime.datetime


def Binary(value: Any) -> bytes:
    return bytes(value)


def DateFromTicks(ticks: float) -> datetime.date:
    return Date(*time.localtime(ticks)[:3])


def TimeFromTicks(ticks: float) -> datetime.time:
    return Time(*time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks: float) -> datetime.datetime:
    return Timestamp(*time.localtime(ticks)[:6])
