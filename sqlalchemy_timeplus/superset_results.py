"""Expanding nested Timeplus values in SQL Lab results (the engine spec's ``expand_data``),
without Superset.

Columns are described as Superset describes result columns (dicts with ``column_name`` and the
Timeplus ``type`` string); rows are dicts by column name. Types are read with the one type
parser (:func:`timeplus_dbapi.typesystem.parse_type`):

* ``array(T)``: one row per element (the column shows the element); several arrays in a row
  share the added rows, as Presto's and Trino's specs do;
* ``tuple(...)``: one extra column per element, ``col.name`` for named tuples and ``col.1``,
  ``col.2``... (Timeplus's own element syntax) otherwise;
* ``map(K, V)``: one row per entry (the column shows that entry) with ``col.key`` and
  ``col.value`` columns.

Nesting combines these (``array(tuple(a int32, b array(string)))``). Superset sends nested values
as JSON text; they are decoded first. Rows added by an expansion show ``""`` in the columns they
do not expand, as Superset's grid expects.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Optional

from timeplus_dbapi.typesystem import TypeParseError, TypeSpec, parse_type

__all__ = ["expand_rows"]

Column = dict[str, Any]
Row = dict[str, Any]
_NESTED = ("array", "tuple", "map")


def _spec(type_text: Any) -> Optional[TypeSpec]:
    if not isinstance(type_text, str) or not type_text:
        return None
    try:
        return parse_type(type_text).unwrap()
    except TypeParseError:
        return None


def _children(name: str, spec: TypeSpec) -> list[tuple[str, TypeSpec]]:
    """The columns a value of ``spec`` adds (arrays add their element's)."""
    spec = spec.unwrap()
    if spec.name == "array":
        return _children(name, spec.type_args[0])
    if spec.name == "map":
        key, value = spec.type_args
        return [(f"{name}.key", key), (f"{name}.value", value)]
    if spec.name == "tuple":
        labels = spec.field_names or tuple(str(i) for i in range(1, len(spec.type_args) + 1))
        return [(f"{name}.{label}", arg) for label, arg in zip(labels, spec.type_args)]
    return []


def _columns_of(name: str, spec: TypeSpec) -> list[Column]:
    """Every added column under ``name``, depth first (a tuple's elements right after it)."""
    out: list[Column] = []
    for child, child_spec in _children(name, spec):
        out.append({"column_name": child, "name": child, "type": str(child_spec), "is_dttm": False})
        out.extend(_columns_of(child, child_spec))
    return out


def _zip(parts: Sequence[list[Row]]) -> list[Row]:
    """Row k merges the k-th fragment of every part (parts of different lengths share rows)."""
    rows: list[Row] = [{} for _ in range(max((len(part) for part in parts), default=1) or 1)]
    for part in parts:
        for index, fragment in enumerate(part):
            rows[index].update(fragment)
    return rows


def _tuple_items(spec: TypeSpec, value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [value.get(label) for label in spec.field_names]
    return list(value)


def _fragments(name: str, spec: TypeSpec, value: Any) -> list[Row]:
    """The rows (as column -> value fragments) one value of column ``name`` expands into."""
    spec = spec.unwrap()
    if spec.name == "array" and isinstance(value, list) and value:
        element = spec.type_args[0]
        return [row for item in value for row in _fragments(name, element, item)]
    if spec.name == "map" and isinstance(value, dict) and value:
        key_spec, value_spec = spec.type_args
        rows: list[Row] = []
        for key, item in value.items():
            entry = _zip([_fragments(f"{name}.key", key_spec, key),
                          _fragments(f"{name}.value", value_spec, item)])
            entry[0][name] = {key: item}
            rows.extend(entry)
        return rows
    if spec.name == "tuple" and isinstance(value, (list, tuple, dict)):
        items = _tuple_items(spec, value)
        rows = _zip([_fragments(child, child_spec, item)
                     for (child, child_spec), item in zip(_children(name, spec), items)])
        rows[0][name] = value
        return rows
    return [{name: value}]


def _decoded(value: Any) -> Any:
    """Superset hands nested values over as JSON text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def expand_rows(
    columns: Sequence[Column], data: Sequence[Row]
) -> tuple[list[Column], list[Row], list[Column]]:
    """(all columns, expanded rows, the added columns) for SQL Lab's grid."""
    specs = {column["column_name"]: _spec(column.get("type")) for column in columns}
    nested = {name: spec for name, spec in specs.items() if spec and spec.name in _NESTED}
    if not nested:
        return list(columns), list(data), []
    all_columns: list[Column] = []
    added: list[Column] = []
    for column in columns:
        all_columns.append(column)
        spec = nested.get(column["column_name"])
        children = _columns_of(column["column_name"], spec) if spec else []
        all_columns.extend(children)
        added.extend(children)
    rows: list[Row] = []
    for row in data:
        parts = [
            _fragments(name, nested[name], _decoded(row.get(name))) if name in nested
            else [{name: row.get(name)}]
            for name in specs
        ]
        rows.extend(_zip(parts))
    names = [column["column_name"] for column in all_columns]
    return all_columns, [{name: row.get(name, "") for name in names} for row in rows], added
