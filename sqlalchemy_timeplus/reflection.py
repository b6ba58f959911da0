"""Reflection: Timeplus type strings back into SQLAlchemy types, and stream/view metadata.

Type strings are parsed by the driver's one parser (:func:`timeplus_dbapi.typesystem.parse_type`)
and mapped here by name through a dispatch table. Stream and view metadata come from the REST
API (``TimeplusClient.list_streams()``/``list_views()``); nothing here formats SQL.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, Callable, Optional

from sqlalchemy import types as sqltypes
from sqlalchemy import util
from sqlalchemy.types import TypeEngine

from timeplus_dbapi.typesystem import TypeParseError, TypeSpec, parse_type

from . import types as tp

__all__ = ["column_info", "index_infos", "is_mutable_stream", "primary_key_names", "table_options",
           "type_from_spec", "type_from_string"]

logger = logging.getLogger(__name__)

_Factory = Callable[[TypeSpec], TypeEngine[Any]]

_SIMPLE = tp.SIMPLE_TYPE_NAMES

_KEYED_MODES = ("versioned_kv", "changelog_kv")
_MUTABLE_CREATE = re.compile(r"\s*CREATE\s+MUTABLE\s+STREAM\b", re.IGNORECASE)
_NAME = r"(?:`(?:[^`\\]|\\.)*`|[A-Za-z_][A-Za-z0-9_]*)"
_NAMES = rf"\s*({_NAME}(?:\s*,\s*{_NAME})*)\s*"
# quoted names and strings are skipped whole, so text inside them is never read as a clause
_INDEX_CLAUSE = re.compile(
    r"`(?:[^`\\]|\\.)*`|'(?:[^'\\]|\\.)*'|"
    rf"\bINDEX\s+({_NAME})\s*\({_NAMES}\)(\s*UNIQUE\b)?(?:\s*STORING\s*\({_NAMES}\))?",
    re.IGNORECASE,
)

_DECIMAL_PRECISION = {"decimal32": 9, "decimal64": 18, "decimal128": 38, "decimal256": 76}


def _int_args(spec: TypeSpec) -> list[int]:
    return [a for a in spec.args if isinstance(a, int)]


def _str_args(spec: TypeSpec) -> list[str]:
    return [a for a in spec.args if isinstance(a, str)]


def _decimal(spec: TypeSpec) -> TypeEngine[Any]:
    numbers = _int_args(spec)
    if spec.name in _DECIMAL_PRECISION:
        return tp.Decimal(_DECIMAL_PRECISION[spec.name], numbers[0] if numbers else 0)
    precision = numbers[0] if numbers else 10
    return tp.Decimal(precision, numbers[1] if len(numbers) > 1 else 0)


def _datetime(spec: TypeSpec) -> TypeEngine[Any]:
    zones = _str_args(spec)
    return tp.DateTime(zones[0] if zones else None)


def _datetime64(spec: TypeSpec) -> TypeEngine[Any]:
    numbers, zones = _int_args(spec), _str_args(spec)
    return tp.DateTime64(numbers[0] if numbers else 3, zones[0] if zones else None)


def _fixed_string(spec: TypeSpec) -> TypeEngine[Any]:
    numbers = _int_args(spec)
    if not numbers:
        raise TypeParseError("fixed_string needs a length")
    return tp.FixedString(numbers[0])


def _enum(spec: TypeSpec) -> TypeEngine[Any]:
    values = dict(spec.enum_values)
    if spec.name == "enum8" or (
        spec.name == "enum" and all(-128 <= v < 128 for v in values.values())
    ):
        return tp.Enum8(values)
    return tp.Enum16(values)


def _array(spec: TypeSpec) -> TypeEngine[Any]:
    return tp.Array(type_from_spec(spec.type_args[0]))


def _map(spec: TypeSpec) -> TypeEngine[Any]:
    key, value = spec.type_args[:2]
    return tp.Map(type_from_spec(key), type_from_spec(value))


def _tuple(spec: TypeSpec) -> TypeEngine[Any]:
    items = [type_from_spec(t) for t in spec.type_args]
    return tp.Tuple(*items, names=spec.field_names or None)


def _nullable(spec: TypeSpec) -> TypeEngine[Any]:
    return tp.Nullable(type_from_spec(spec.type_args[0]))


def _low_cardinality(spec: TypeSpec) -> TypeEngine[Any]:
    return tp.LowCardinality(type_from_spec(spec.type_args[0]))


def _nothing(spec: TypeSpec) -> TypeEngine[Any]:
    return sqltypes.NullType()


def _simple(cls: type[TypeEngine[Any]]) -> _Factory:
    def build(spec: TypeSpec) -> TypeEngine[Any]:
        return cls()

    return build


_FACTORIES: dict[str, _Factory] = {
    **{name: _simple(cls) for name, cls in _SIMPLE.items()},
    **dict.fromkeys(("decimal", *_DECIMAL_PRECISION), _decimal),
    **dict.fromkeys(("datetime", "datetime32"), _datetime),
    "datetime64": _datetime64,
    "fixed_string": _fixed_string,
    **dict.fromkeys(("enum8", "enum16", "enum"), _enum),
    "array": _array,
    "map": _map,
    **dict.fromkeys(("tuple", "nested"), _tuple),
    "nullable": _nullable,
    "low_cardinality": _low_cardinality,
    "nothing": _nothing,
}


def type_from_spec(spec: TypeSpec) -> TypeEngine[Any]:
    """The SQLAlchemy type of a parsed Timeplus type; NullType (with a warning) if unmapped."""
    factory = _FACTORIES.get(spec.name)
    if factory is None:
        util.warn(f"Did not recognize Timeplus type {str(spec)!r}; reflecting it as NullType")
        return sqltypes.NullType()
    return factory(spec)


def type_from_string(text: str) -> TypeEngine[Any]:
    """Parse a Timeplus type string (``"array(nullable(int32))"``) into a SQLAlchemy type."""
    return type_from_spec(parse_type(text))


def split_nullable(spec: TypeSpec) -> tuple[TypeSpec, bool]:
    """The column type without its outer ``nullable`` and whether the column is nullable.

    ``low_cardinality(nullable(T))`` becomes ``low_cardinality(T)`` + nullable, the form the DDL
    compiler rebuilds from ``LowCardinality(T)`` on a nullable column.
    """
    if spec.name == "nullable" and spec.type_args:
        return spec.type_args[0], True
    if spec.name == "low_cardinality" and spec.type_args and spec.type_args[0].is_nullable:
        return TypeSpec("low_cardinality", (spec.type_args[0].type_args[0],)), True
    return spec, False


def _default_text(value: Any, spec: TypeSpec) -> Optional[str]:
    """The DEFAULT expression as SQL text (the server strips quotes of string literals)."""
    if value is None or value == "":
        return None
    text = str(value)
    if spec.unwrap().name in ("string", "fixed_string") and not _looks_like_sql(text):
        from timeplus_dbapi.literals import quote_string

        return quote_string(text)
    return text


def _looks_like_sql(text: str) -> bool:
    stripped = text.strip()
    return stripped.startswith("'") or (stripped.endswith(")") and "(" in stripped)


def column_info(column: Mapping[str, Any]) -> dict[str, Any]:
    """One column of a REST stream object as a SQLAlchemy ``ReflectedColumn`` dict."""
    name = str(column.get("name"))
    type_text = str(column.get("type") or "")
    try:
        spec = parse_type(type_text)
    except TypeParseError as error:
        util.warn(f"Cannot parse type {type_text!r} of column {name!r}: {error}")
        return _column(name, sqltypes.NullType(), bool(column.get("nullable")), None)
    value_spec, wrapped = split_nullable(spec)
    nullable = wrapped or bool(column.get("nullable"))
    default = _default_text(column.get("default"), value_spec)
    return _column(name, type_from_spec(value_spec), nullable, default, column.get("comment"))


def _column(
    name: str, type_: TypeEngine[Any], nullable: bool, default: Optional[str], comment: Any = None
) -> dict[str, Any]:
    """A ``ReflectedColumn``; the server's empty comment is no comment."""
    return {
        "name": name,
        "type": type_,
        "nullable": nullable,
        "default": default,
        "autoincrement": False,
        "comment": str(comment) if comment else None,
    }


def primary_key_names(stream: Mapping[str, Any]) -> list[str]:
    """The key columns of a REST stream object (``"primary_key": "k, j"``, a list, or empty).

    Only ``versioned_kv``/``changelog_kv`` keys identify a row; an append stream's PRIMARY KEY
    is its sort order, reflected as no key. Names may be backquoted or parenthesized.
    """
    if stream.get("mode") not in _KEYED_MODES and not is_mutable_stream(stream):
        return []
    keys = stream.get("primary_key") or []
    items = keys if isinstance(keys, list) else str(keys).strip("() ").split(",")
    return [str(k).strip().strip("`") for k in items if str(k).strip()]


def is_mutable_stream(stream: Mapping[str, Any]) -> bool:
    """A Timeplus Enterprise mutable stream: ``mode`` says so, or its ``create_query``."""
    return stream.get("mode") == "mutable" or bool(
        _MUTABLE_CREATE.match(str(stream.get("create_query") or ""))
    )


def _names(text: str) -> list[str]:
    return [_unquote(name) for name in re.findall(_NAME, text)]


def _unquote(name: str) -> str:
    if len(name) > 1 and name[0] == name[-1] == "`":
        return re.sub(r"\\(.)", r"\1", name[1:-1])
    return name


def index_infos(stream: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Reflected secondary indexes of a mutable stream: the stream object's
    ``secondary_indexes`` (Enterprise OpenAPI ``SecondaryIndex``: name, columns, unique,
    storing) where the server sends them, else read from its ``create_query``
    (``INDEX name (cols) [UNIQUE] [STORING (cols)]``); none for other streams."""
    if not is_mutable_stream(stream):
        return []
    listed = stream.get("secondary_indexes")
    if isinstance(listed, list) and all(_is_index_object(i) for i in listed):
        return [_index_info(i["name"], list(i["columns"]), bool(i.get("unique")),
                            list(i.get("storing") or [])) for i in listed]
    found = []
    for match in _INDEX_CLAUSE.finditer(str(stream.get("create_query") or "")):
        if match.group(1) is None:
            continue  # a quoted name or a string
        storing = _names(match.group(4)) if match.group(4) else []
        found.append(_index_info(_unquote(match.group(1)), _names(match.group(2)),
                                 bool(match.group(3)), storing))
    return found


def _is_index_object(item: Any) -> bool:
    return isinstance(item, Mapping) and isinstance(item.get("name"), str) and isinstance(
        item.get("columns"), list) and all(isinstance(c, str) for c in item["columns"])


def _index_info(name: str, columns: list[str], unique: bool, storing: list[str]) -> dict[str, Any]:
    options = {"timeplus_storing": [str(c) for c in storing]} if storing else {}
    return {"name": name, "column_names": columns, "unique": unique, "dialect_options": options}


def table_options(stream: Mapping[str, Any]) -> dict[str, Any]:
    """``Table`` keyword arguments that re-create what a stream object says: ``timeplus_mode``
    (a mutable stream, or a mode other than ``append``) and ``timeplus_ttl_expression``.
    Views and append streams without a TTL have none."""
    options: dict[str, Any] = {}
    mode = "mutable" if is_mutable_stream(stream) else stream.get("mode")
    if isinstance(mode, str) and mode and mode != "append":
        options["timeplus_mode"] = mode
    ttl = stream.get("ttl_expression")
    if isinstance(ttl, str) and ttl.strip():
        options["timeplus_ttl_expression"] = ttl.strip()
    return options
