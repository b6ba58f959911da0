"""Calls whose arguments Proton rejects while chDB answers them (``sql/protoncalls.py``).

Expected codes and values come from Proton's function sources (arrayZip.cpp,
FunctionMathBinaryFloat64.h, geohashEncode.cpp) and its stateless references
(01045_array_zip, 00700_decimal_math, 00932_geohash_support), written out by hand.
"""

from __future__ import annotations

from typing import Any

import pytest


def error_code(api: Any, sql: str) -> int:
    body = api.query_error(sql)
    return int(body["code"])


def test_array_zip_without_arguments_is_refused_as_in_proton(api: Any) -> None:
    # Proton: "needs at least one argument" (42); chDB answered []
    assert error_code(api, "SELECT array_zip()") == 42
    assert api.table("SELECT array_zip(['x', 'y'], [3, 4])") == [[[["x", 3], ["y", 4]]]]


@pytest.mark.parametrize("sql", [
    "SELECT pow(to_decimal32('2.5', 1), 2)",
    "SELECT power(3, to_decimal64('0.5', 2))",
    "SELECT atan2(to_decimal128('1', 3), 1)",
    "SELECT hypot(to_decimal32('3', 0), 4)",
    "SELECT max2(1, to_decimal32('7', 2))",
    "SELECT min2(to_int128(1), 2)",
    # no row at all: Proton rejects the types before reading
    "SELECT pow(d, 2) FROM (SELECT to_decimal32('2', 1) AS d FROM numbers(3)) WHERE d > 5",
])
def test_binary_float_math_of_a_decimal_is_refused(api: Any, sql: str) -> None:
    assert error_code(api, sql) == 43


def test_binary_float_math_of_native_numbers_answers(api: Any) -> None:
    rows = api.table("SELECT pow(2, 10), power(9, 0.5), hypot(6, 8), max2(3, -7), "
                     "min2(to_float32(1.5), 2), pow(NULL, 2)")
    assert rows == [[1024, 3, 10, 3, 1.5, None]]
    header = api.query("SELECT pow(n, 2) FROM (SELECT 3 AS n)").header
    assert header[0]["name"] == "pow(n, 2)"


def test_geohash_encode_precision_must_be_constant(api: Any) -> None:
    # 00932: 'ezs42d000000' for precision 0 (= 12) given as a constant
    assert api.table("SELECT geohash_encode(-5.60302734375, 42.593994140625, 0)") == [
        ["ezs42d000000"]]
    assert api.table("SELECT 5 AS p, geohash_encode(-5.60302734375, 42.593994140625, p)") == [
        [5, "ezs42"]]
    assert error_code(api, "SELECT geohash_encode(-5.60302734375, 42.593994140625, "
                           "materialize(5))") == 44
    assert error_code(api, "SELECT geohash_encode(1.5, 2.5, number) FROM numbers(0)") == 44


def test_binary_float_math_of_low_cardinality_numbers_answers(api: Any) -> None:
    # Proton strips low_cardinality before its native-number check
    assert api.table("SELECT pow(to_low_cardinality(to_float64(2)), 3), "
                     "hypot(to_low_cardinality(to_uint8(3)), 4)") == [[8, 5]]


@pytest.mark.parametrize("fmt", ["TSVWithNamesAndTypes", "CSVWithNames", "XML", "JSON",
                                 "JSONCompactEachRowWithNamesAndTypes", "PrettyCompact"])
def test_format_row_in_a_framed_format_is_refused(api: Any, fmt: str) -> None:
    # Proton writes the row alone in every format (02113_format_row); chDB added the
    # names, types and frame to each row
    assert error_code(api, f"SELECT format_row('{fmt}', number) FROM numbers(2)") == 48


def test_format_row_in_a_plain_row_format_answers(api: Any) -> None:
    assert api.table("SELECT format_row('CSV', 7, 'x'), format_row_no_newline('TSV', 7, 'x')") \
        == [['7,"x"\n', "7\tx"]]


def test_array_index_functions_over_low_cardinality_numbers_are_refused(api: Any) -> None:
    # Proton's has/index_of/count_equal compare a low_cardinality(nullable(uint8)) element
    # in its stored type (has(a, -1) over [255] is true, 01414) and refuse a datetime
    # against a datetime64 (44, 02010); chDB converted both sides
    name = api.create_stream("a array(low_cardinality(nullable(uint8))), "
                             "s array(low_cardinality(nullable(string)))")
    api.sql(f"INSERT INTO {name} (a, s) VALUES ([255, NULL], ['x'])")
    for call in ("has(a, -1)", "index_of(a, 255)", "count_equal(a, NULL)"):
        assert error_code(api, f"SELECT {call} FROM table({name})") == 48
    assert api.table(f"SELECT has(s, 'x'), index_of(s, 'y') FROM table({name})") == [[True, "0"]]


def test_array_index_calls_keep_their_names(api: Any) -> None:
    stream = api.query("SELECT count_equal(materialize([1, 2, 1]), 1), has([3], 3)")
    try:
        assert stream.rows() == [["2", True]]
        assert [c["name"] for c in stream.header] == [
            "count_equal(materialize([1, 2, 1]), 1)", "has([3], 3)"]
    finally:
        stream.close()
