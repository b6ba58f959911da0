"""Expanding nested values for SQL Lab (``sqlalchemy_timeplus.superset_results``), without
Superset. The integration test reads real values of each nested type from the emulator through
the driver and checks the expansion by hand-written expectations."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sqlalchemy_timeplus.superset_results import expand_rows
from tests.superset.conftest import StreamFactory


def _col(name: str, type_text: str) -> dict[str, Any]:
    return {"column_name": name, "name": name, "type": type_text, "is_dttm": False}


def _names(columns: list[dict[str, Any]]) -> list[str]:
    return [column["column_name"] for column in columns]


def test_flat_results_are_returned_as_they_are() -> None:
    columns = [_col("a", "int32"), _col("b", "nullable(string)")]
    data = [{"a": 1, "b": None}]
    assert expand_rows(columns, data) == (columns, data, [])


def test_array_becomes_rows_and_other_columns_are_blank_below() -> None:
    columns = [_col("id", "int64"), _col("tags", "array(string)")]
    data = [{"id": 1, "tags": json.dumps(["a", "b"])}, {"id": 2, "tags": "[]"}]
    all_columns, rows, added = expand_rows(columns, data)
    assert (_names(all_columns), added) == (["id", "tags"], [])
    assert rows == [
        {"id": 1, "tags": "a"},
        {"id": "", "tags": "b"},
        {"id": 2, "tags": []},
    ]


def test_two_arrays_share_the_added_rows() -> None:
    columns = [_col("x", "array(int32)"), _col("y", "array(string)")]
    _, rows, _ = expand_rows(columns, [{"x": [1, 2, 3], "y": ["p"]}])
    assert rows == [{"x": 1, "y": "p"}, {"x": 2, "y": ""}, {"x": 3, "y": ""}]


def test_named_and_unnamed_tuples_become_columns() -> None:
    columns = [_col("pt", "tuple(x float64, y float64)"), _col("u", "tuple(int32, string)")]
    data = [{"pt": {"x": 1.5, "y": -2.0}, "u": json.dumps([7, "z"])}]
    all_columns, rows, added = expand_rows(columns, data)
    assert _names(all_columns) == ["pt", "pt.x", "pt.y", "u", "u.1", "u.2"]
    assert _names(added) == ["pt.x", "pt.y", "u.1", "u.2"]
    assert [column["type"] for column in added] == ["float64", "float64", "int32", "string"]
    assert rows == [
        {"pt": {"x": 1.5, "y": -2.0}, "pt.x": 1.5, "pt.y": -2.0, "u": [7, "z"], "u.1": 7,
         "u.2": "z"},
    ]


def test_map_becomes_one_row_per_entry_with_key_and_value() -> None:
    columns = [_col("id", "int8"), _col("m", "map(string, int32)")]
    _, rows, added = expand_rows(columns, [{"id": 5, "m": json.dumps({"k1": 1, "k2": 2})}])
    assert _names(added) == ["m.key", "m.value"]
    assert rows == [
        {"id": 5, "m": {"k1": 1}, "m.key": "k1", "m.value": 1},
        {"id": "", "m": {"k2": 2}, "m.key": "k2", "m.value": 2},
    ]


def test_array_of_tuples_with_an_inner_array() -> None:
    columns = [_col("items", "array(tuple(sku string, qty array(int32)))")]
    value = [["a", [1, 2]], ["b", []]]
    all_columns, rows, _ = expand_rows(columns, [{"items": value}])
    assert _names(all_columns) == ["items", "items.sku", "items.qty"]
    assert rows == [
        {"items": ["a", [1, 2]], "items.sku": "a", "items.qty": 1},
        {"items": "", "items.sku": "", "items.qty": 2},
        {"items": ["b", []], "items.sku": "b", "items.qty": []},
    ]


def test_nulls_and_unparsable_types_stay_as_they_are() -> None:
    columns = [_col("t", "tuple(a int32)"), _col("odd", "not a type(")]
    _, rows, _ = expand_rows(columns, [{"t": None, "odd": "[1]"}])
    assert rows == [{"t": None, "t.a": "", "odd": "[1]"}]


@given(st.lists(st.lists(st.integers(), max_size=5), max_size=6))
def test_every_element_appears_once_in_order(arrays: list[list[int]]) -> None:
    columns = [_col("row", "int64"), _col("xs", "array(int64)")]
    data = [{"row": index, "xs": xs} for index, xs in enumerate(arrays)]
    _, rows, _ = expand_rows(columns, data)
    assert len(rows) == sum(max(len(xs), 1) for xs in arrays)
    elements = [row["xs"] for row in rows if row["xs"] != []]
    assert elements == [x for xs in arrays for x in xs]
    assert [row["row"] for row in rows if row["row"] != ""] == list(range(len(arrays)))


# ---------------------------------------------------------------- integration (emulator)


@pytest.fixture
def nested_stream(new_stream: StreamFactory) -> tuple[Any, str]:
    columns = [("id", "int32"), ("tags", "array(string)"), ("pt", "tuple(x float64, y float64)"),
               ("attrs", "map(string, int32)")]
    return new_stream("superset_nested", columns)


@pytest.mark.integration
def test_values_read_from_the_server_expand(nested_stream: tuple[Any, str]) -> None:
    conn, name = nested_stream
    cursor = conn.cursor()
    cursor.execute(
        f"INSERT INTO {name} (id, tags, pt, attrs) VALUES "
        "(1, ['a', 'b'], (1.5, 2.5), {'k': 7}), (2, [], (0, -1), {})"
    )
    cursor.execute(f"SELECT id, tags, pt, attrs FROM table({name}) ORDER BY id")
    columns = [_col(str(d[0]), str(d[1])) for d in cursor.description]
    data = [dict(zip(_names(columns), row)) for row in cursor.fetchall()]
    all_columns, rows, _ = expand_rows(columns, data)
    assert _names(all_columns) == [
        "id", "tags", "pt", "pt.x", "pt.y", "attrs", "attrs.key", "attrs.value",
    ]
    assert [(r["id"], r["tags"], r["pt.x"], r["attrs.key"], r["attrs.value"]) for r in rows] == [
        (1, "a", 1.5, "k", 7),
        ("", "b", "", "", ""),
        (2, [], 0.0, "", ""),
    ]
