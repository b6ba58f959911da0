"""The ``values('structure', rows...)`` and ``numbers_mt(n)`` table functions.

Expected answers follow ClickHouse's documented table functions, which Proton keeps
(``values``: a structure of ``name type`` pairs in Timeplus type names, then the rows)."""

from __future__ import annotations

from typing import Any

import pytest


def code_of(api: Any, sql: str) -> int:
    return int(api.query_error(sql)["code"])


def test_values_reads_rows_with_timeplus_types(api: Any) -> None:
    rows = api.table("SELECT x, s, d FROM values('x uint8, s string, d nullable(date)', "
                     "(1, 'a', '2020-01-02'), (2, 'b', NULL)) ORDER BY x")
    assert rows == [[1, "a", "2020-01-02"], [2, "b", None]]


def test_values_with_one_column_takes_bare_values(api: Any) -> None:
    rows = api.table("SELECT to_uint8_or_null(x) AS n FROM values('x nullable(string)', "
                     "'42', NULL, '256')")
    assert rows == [[42], [None], [None]]


def test_values_header_uses_timeplus_type_names(api: Any) -> None:
    stream = api.query("SELECT * FROM values('a decimal(10, 2), b array(int32)', (1.5, [1]))")
    try:
        assert [(c["name"], c["type"]) for c in stream.header] \
            == [("a", "decimal(10, 2)"), ("b", "array(int32)")]
        # quoted and without trailing zeros (Proton: output_format_decimal_trailing_zeros = false)
        assert stream.rows() == [["1.5", [1]]]
    finally:
        stream.close()


def test_values_rows_go_through_the_function_allow_list(api: Any) -> None:
    assert code_of(api, "SELECT * FROM values('x string', (file('/etc/passwd')))") == 48


@pytest.mark.parametrize(("sql", "code"), [
    ("SELECT * FROM values(1, 2)", 48),  # no structure: the emulator does not infer one
    ("SELECT * FROM values('x int32')", 42),  # no rows
    ("SELECT * FROM values('x int32, y ALIAS x + 1', 1)", 48),
    ("SELECT * FROM values('x no_such_type', 1)", 50),
])
def test_values_refusals(api: Any, sql: str, code: int) -> None:
    assert code_of(api, sql) == code


def test_numbers_mt_gives_the_same_numbers(api: Any) -> None:
    assert api.table("SELECT to_int32(count()), to_int32(sum(number)) FROM numbers_mt(1000)") \
        == [[1000, 499500]]
