"""Integers in results that hold a ``json`` column, written the way Proton writes them.

Proton's ``json`` type is ClickHouse's former ``Object('json')``: each path gets the smallest
integer type that holds its numbers (``FieldToDataType``: uint8..uint64, int8..int64), and
``output_format_json_quote_64bit_integers`` (default on) quotes only the 64-bit ones. So
``{"a": 1}`` is sent as ``{"a":1}`` and ``{"big": 5000000000}`` as ``{"big":"5000000000"}``.
chDB's JSON type stores every integer as Int64, so with the pinned quoting setting it would
send ``{"a":"1"}``.

For a result whose header has a json type anywhere, the runner therefore re-runs the query
with ``output_format_json_quote_64bit_integers = 0`` (:data:`UNQUOTED_INTEGERS`) and passes
its rows through :func:`requoter`: integers of (u)int64 and wider columns are quoted again
(anywhere inside arrays, maps, tuples and nullables), and inside json values an integer is
quoted when it needs 64 bits (beyond int32 below zero, beyond uint32 above). Proton picks one
type per path and block, so it quotes a path's small numbers too when a big one shares the
block; the emulator decides per value. Only such results are decoded and encoded again.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional, Union

from timeplus_emulator.sql.types import NamedField, TypeNode, parse_timeplus_type

__all__ = ["UNQUOTED_INTEGERS", "has_json_column", "requoter"]

UNQUOTED_INTEGERS = "output_format_json_quote_64bit_integers"
_WIDE_INTEGERS = frozenset({"int64", "uint64", "int128", "uint128", "int256", "uint256"})
_JSON_SMALL = (-(1 << 31), (1 << 32) - 1)
Fix = Callable[[Any], Any]


def _parse(type_text: str) -> Optional[TypeNode]:
    try:
        return parse_timeplus_type(type_text)
    except Exception:  # a type the emulator's parser does not know: left as chDB sent it
        return None


def _contains_json(node: TypeNode) -> bool:
    if node.tp_name == "json":
        return True
    return any(_contains_json(_arg_type(arg)) for arg in node.args if _arg_type(arg) is not None)


def _arg_type(arg: Any) -> Any:
    if isinstance(arg, NamedField):
        return arg.type
    return arg if isinstance(arg, TypeNode) else None


def has_json_column(header: list[dict[str, str]]) -> bool:
    """True when any column's type contains ``json``."""
    nodes = [_parse(column["type"]) for column in header]
    return any(node is not None and _contains_json(node) for node in nodes)


def _quote_int(value: Any) -> Any:
    return str(value) if type(value) is int else value


def _json_value(value: Any) -> Any:
    if type(value) is int:
        return str(value) if not _JSON_SMALL[0] <= value <= _JSON_SMALL[1] else value
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    return value


def _fix_for(node: TypeNode) -> Optional[Fix]:
    """How to re-quote a value of ``node``; None when it needs nothing."""
    name = node.tp_name
    if name in _WIDE_INTEGERS:
        return _quote_int
    if name == "json":
        return _json_value
    inner = [(_arg_name(arg), _fix_for(t)) for arg in node.args if (t := _arg_type(arg))]
    if not any(fix for _, fix in inner):
        return None
    if name in ("nullable", "low_cardinality"):
        return _skip_none(inner[0][1])
    if name == "array":
        return _each(inner[0][1])
    if name == "map" and len(inner) == 2:
        return _map_values(inner[1][1])
    if name == "tuple":
        return _tuple(inner)
    return None


def _arg_name(arg: Any) -> Optional[str]:
    return arg.name if isinstance(arg, NamedField) else None


def _skip_none(fix: Optional[Fix]) -> Optional[Fix]:
    return None if fix is None else (lambda v: None if v is None else fix(v))


def _each(fix: Optional[Fix]) -> Optional[Fix]:
    return None if fix is None else (lambda v: [fix(item) for item in v])


def _map_values(fix: Optional[Fix]) -> Optional[Fix]:
    return None if fix is None else (lambda v: {key: fix(item) for key, item in v.items()})


def _tuple(fields: list[tuple[Optional[str], Optional[Fix]]]) -> Fix:
    def fix_tuple(value: Union[list[Any], dict[str, Any]]) -> Any:
        if isinstance(value, dict):  # a named tuple, written as an object
            return {
                key: (fix(item) if fix else item)
                for (key, item), (_, fix) in zip(value.items(), fields)
            }
        return [fix(item) if fix else item for item, (_, fix) in zip(value, fields)]

    return fix_tuple


def _int_or_negative_zero(text: str) -> Union[int, float]:
    return -0.0 if text == "-0" else int(text)


def requoter(header: list[dict[str, str]]) -> Callable[[list[bytes]], list[bytes]]:
    """Rows (bytes of JSON arrays, integers unquoted) → rows as Proton writes them."""
    nodes = [_parse(column["type"]) for column in header]
    fixes = [(i, fix) for i, node in enumerate(nodes) if node and (fix := _fix_for(node))]

    def requote(rows: list[bytes]) -> list[bytes]:
        out = []
        for raw in rows:
            row = json.loads(raw, parse_int=_int_or_negative_zero)
            for index, fix in fixes:
                row[index] = fix(row[index])
            out.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode())
        return out

    return requote
