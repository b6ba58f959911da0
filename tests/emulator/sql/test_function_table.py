"""The generated function table against the chDB actually installed."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from timeplus_emulator.sql import (
    SelectStatement,
    TranslationError,
    helper_function_ddl,
    timeplus_functions,
    translate,
)
from timeplus_emulator.sql.function_table import CH_AGGREGATES, FUNCTIONS, UNSUPPORTED
from timeplus_emulator.sql.functions import EXCEPTIONS, resolve_function

chdb = pytest.importorskip("chdb")


@pytest.fixture(scope="module")
def conn() -> Iterator[Any]:
    connection = chdb.connect(":memory:")
    connection.query("SET session_timezone = 'UTC'")
    for ddl in helper_function_ddl():
        connection.query(ddl)
    try:
        yield connection
    finally:
        connection.close()


def test_every_mapped_function_exists_in_chdb(conn: Any) -> None:
    raw = conn.query("SELECT name FROM system.functions", "JSONCompactEachRow").bytes()
    names = {json.loads(line)[0] for line in raw.decode().splitlines()}
    missing = sorted({ch for ch in FUNCTIONS.values() if ch not in names})
    assert missing == []


def test_table_size_and_exceptions_are_in_the_table() -> None:
    assert len(FUNCTIONS) > 1000
    for tp, ch in EXCEPTIONS.items():
        if tp in FUNCTIONS:
            assert FUNCTIONS[tp] == ch, tp
    assert "count" in CH_AGGREGATES and "toDateTime" not in CH_AGGREGATES
    assert not set(FUNCTIONS) & UNSUPPORTED


@pytest.mark.parametrize(
    ("name", "ch_name", "aggregate"),
    [
        ("count_if", "countIf", True),
        ("sum_distinct", "sumDistinct", True),
        ("unique_exact_if", "uniqExactIf", True),
        ("group_array_state", "groupArrayState", True),
        ("avg_or_null_if", "avgOrNullIf", True),
        ("arg_max", "argMax", True),
        ("COUNT", "count", True),
        ("to_date", "toDate32", False),
        ("to_datetime64", "toDateTime64", False),
    ],
)
def test_resolve_function(name: str, ch_name: str, aggregate: bool) -> None:
    resolved = resolve_function(name)
    assert (resolved.ch_name, resolved.aggregate) == (ch_name, aggregate)


@pytest.mark.parametrize("name", ["count_iff", "to_date_if", "String", "JSONExtract"])
def test_non_timeplus_names(name: str) -> None:
    with pytest.raises(TranslationError) as info:
        resolve_function(name)
    assert info.value.code == 46


EXPRESSIONS = {
    "to_start_of_minute(to_datetime('2024-01-01 10:11:12'))": "2024-01-01 10:11:00",
    "date_diff('second', to_datetime('2024-01-01 00:00:00'), to_datetime('2024-01-01 00:01:00'))":
        60,
    "format_datetime(to_datetime('2024-01-02 03:04:05'), '%Y/%m/%d')": "2024/01/02",
    "to_unix_timestamp(to_datetime('1970-01-02 00:00:00'))": 86400,
    "parse_datetime_best_effort('2024-01-02T03:04:05Z')": "2024-01-02 03:04:05",
    "to_string(to_date('2024-03-04'))": "2024-03-04",
    "array_map(x -> x * 2, [1, 2])": [2, 4],
    "array_join([7])": 7,
    "map_keys(map_cast('a', 1))": ["a"],
    "json_extract_int('{\"a\": 5}', 'a')": 5,
    "json_extract_string('{\"a\": \"x\"}', 'a')": "x",
    "json_value('{\"a\": 3}', '$.a')": "3",
    "replace_regex('a1b22', '[0-9]+', '#')": "a#b#",
    "multi_if(1 > 2, 'a', 2 > 1, 'b', 'c')": "b",
    "if_null(NULL, 4)": 4,
    "coalesce(NULL, 'z')": "z",
    "lower('AbC')": "abc",
    "is_nan(0 / 0)": True,
    "to_int('42')": 42,
    "to_float('1.5')": 1.5,
    "md5('') = unhex('d41d8cd98f00b204e9800998ecf8427e')": True,
    "length(sha256('x'))": 32,
    "to_ipv4('1.2.3.4')": "1.2.3.4",
    "extract('abc123', '[0-9]+')": "123",
    "position('hello', 'l')": 3,
    "substring('hello', 2, 3)": "ell",
    "trim(BOTH ' ' FROM '  x  ')": "x",
    "day(to_date('2024-03-04'))": 4,
    "year(to_date('2024-03-04'))": 2024,
    "to_YYYYMM(to_date('2024-03-04'))": 202403,
    "bit_and(6, 3)": 2,
    "to_base64('a')": "YQ==",
    "to_type_name(cast(1 AS low_cardinality(string)))": "low_cardinality(string)",
    "date_add(DAY, 1, to_date('2024-01-31'))": "2024-02-01",
}


def test_timeplus_functions_run_on_chdb(conn: Any) -> None:
    failures: dict[str, str] = {}
    table = "fn_probe_" + uuid.uuid4().hex[:6]
    for expression, expected in EXPRESSIONS.items():
        statement = translate(f"SELECT {expression} FROM table({table})")
        assert isinstance(statement, SelectStatement)
        ch_sql = statement.ch_sql.replace("__TP_SOURCE_0__", "system.one")
        try:
            raw = conn.query(ch_sql, "JSONCompactEachRow").bytes()
            value = json.loads(raw)[0]
        except Exception as exc:  # chDB error class
            failures[expression] = str(exc)[:200]
            continue
        if value != expected:
            failures[expression] = f"got {value!r}, expected {expected!r}"
    assert failures == {}


def test_timeplus_functions_listing() -> None:
    rows = dict(timeplus_functions())
    assert rows["count"] is True and rows["p90"] is True and rows["to_datetime"] is False
    assert "toDateTime" not in rows and "countIf" not in rows
    camel = [name for name in rows if re.search(r"[a-z][A-Z]", name)]
    assert camel == []
