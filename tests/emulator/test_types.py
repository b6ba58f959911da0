"""Every Timeplus type through CREATE STREAM → ingest → SELECT, header names and JSON values.

Expected values are written by hand from PROTOCOL.md's encoding table (64-bit and wider
integers and decimals as strings, "nan"/"inf", datetimes as ``YYYY-MM-DD hh:mm:ss[.f]``).
"""

from __future__ import annotations

from typing import Any

import pytest

# (declared type, header type, ingested JSON value, value read back)
CASES: list[tuple[str, str, Any, Any]] = [
    ("int8", "int8", -128, -128),
    ("int16", "int16", 32767, 32767),
    ("int32", "int32", -2147483648, -2147483648),
    ("int64", "int64", 9223372036854775807, "9223372036854775807"),
    ("int128", "int128", "-170141183460469231731687303715884105728",
     "-170141183460469231731687303715884105728"),
    ("int128", "int128", 170141183460469231731687303715884105727,  # a JSON number > 2**64
     "170141183460469231731687303715884105727"),
    ("int256", "int256", "12345678901234567890123456789012345678901234567890",
     "12345678901234567890123456789012345678901234567890"),
    ("uint8", "uint8", 255, 255),
    ("uint16", "uint16", 65535, 65535),
    ("uint32", "uint32", 4294967295, 4294967295),
    ("uint64", "uint64", 18446744073709551615, "18446744073709551615"),
    ("uint128", "uint128", "340282366920938463463374607431768211455",
     "340282366920938463463374607431768211455"),
    ("uint256", "uint256", "1", "1"),
    ("float32", "float32", 1.5, 1.5),
    ("float64", "float64", 0.1, 0.1),
    ("float64", "float64", "nan", "nan"),
    ("float64", "float64", "inf", "inf"),
    ("float64", "float64", "-inf", "-inf"),
    ("decimal(10, 2)", "decimal(10, 2)", "12345678.91", "12345678.91"),
    ("decimal(38, 10)", "decimal(38, 10)", "-1.0000000001", "-1.0000000001"),
    ("decimal64(3)", "decimal(18, 3)", "1.5", "1.5"),
    ("string", "string", "héllo\n\t'\"\\ ✓", "héllo\n\t'\"\\ ✓"),
    ("fixed_string(4)", "fixed_string(4)", "ab", "ab\u0000\u0000"),
    ("bool", "bool", True, True),
    ("date", "date", "2024-02-29", "2024-02-29"),
    ("date32", "date32", "1900-01-01", "1900-01-01"),
    ("datetime", "datetime", "2024-01-02 03:04:05", "2024-01-02 03:04:05"),
    ("datetime64(3)", "datetime64(3)", "2024-01-02T03:04:05.678Z", "2024-01-02 03:04:05.678"),
    ("datetime64(6, 'UTC')", "datetime64(6, 'UTC')", "2024-01-02 03:04:05.123456",
     "2024-01-02 03:04:05.123456"),
    ("uuid", "uuid", "61f0c404-5cb3-11e7-907b-a6006ad3dba0",
     "61f0c404-5cb3-11e7-907b-a6006ad3dba0"),
    ("ipv4", "ipv4", "192.168.0.1", "192.168.0.1"),
    ("ipv6", "ipv6", "2001:db8::1", "2001:db8::1"),
    ("enum8('a' = 1, 'b' = 2)", "enum8('a' = 1, 'b' = 2)", "b", "b"),
    ("enum16('x' = 1000)", "enum16('x' = 1000)", "x", "x"),
    ("array(int32)", "array(int32)", [1, 2, 3], [1, 2, 3]),
    ("array(nullable(string))", "array(nullable(string))", ["a", None], ["a", None]),
    ("map(string, int32)", "map(string, int32)", {"k": 1, "z": 2}, {"k": 1, "z": 2}),
    ("map(int32, string)", "map(int32, string)", {"1": "a"}, {"1": "a"}),
    ("tuple(int32, string)", "tuple(int32, string)", [1, "x"], [1, "x"]),
    ("nullable(int32)", "nullable(int32)", None, None),
    ("nullable(int32)", "nullable(int32)", 7, 7),
    ("low_cardinality(string)", "low_cardinality(string)", "lc", "lc"),
    ("low_cardinality(nullable(string))", "low_cardinality(nullable(string))", None, None),
    ("array(array(int64))", "array(array(int64))", [[1], [2, 3]], [["1"], ["2", "3"]]),
    ("decimal32(2)", "decimal(9, 2)", "1.25", "1.25"),
    ("decimal128(4)", "decimal(38, 4)", "-12.5", "-12.5"),
    ("decimal256(10)", "decimal(76, 10)", "3.0000000001", "3.0000000001"),
    ("datetime32", "datetime", "2024-01-01 00:00:00", "2024-01-01 00:00:00"),
    ("datetime64(9, 'Asia/Tokyo')", "datetime64(9, 'Asia/Tokyo')",
     "2024-01-01 00:00:00.123456789", "2024-01-01 00:00:00.123456789"),
    ("enum('a' = 1)", "enum8('a' = 1)", "a", "a"),
    ("tuple(a int32, b string)", "tuple(a int32, b string)", {"a": 1, "b": "x"},
     {"a": 1, "b": "x"}),
    ("tuple(a int32, b string)", "tuple(a int32, b string)", [2, "y"], {"a": 2, "b": "y"}),
    ("map(string, map(string, int8))", "map(string, map(string, int8))", {"a": {"b": 1}},
     {"a": {"b": 1}}),
    ("low_cardinality(fixed_string(2))", "low_cardinality(fixed_string(2))", "ab", "ab"),
    ("point", "point", [1.5, 2.5], [1.5, 2.5]),
    ("ring", "ring", [[0, 0], [1, 1]], [[0, 0], [1, 1]]),
    ("polygon", "polygon", [[[0, 0], [1, 1]]], [[[0, 0], [1, 1]]]),
    # integers inside json that need 64 bits are quoted like int64 columns (see below)
    ("json", "json", {"big": 5000000000, "s": "x"}, {"big": "5000000000", "s": "x"}),
]


@pytest.mark.parametrize(("declared", "header", "value", "expected"), CASES,
                         ids=[f"{c[0]}={c[2]!r}" for c in CASES])
def test_type_round_trip(api: Any, declared: str, header: str, value: Any,
                         expected: Any) -> None:
    name = api.create_stream(f"v {declared}")
    api.ingest(name, ["v"], [[value]])
    stream = api.query(f"SELECT v FROM table({name})")
    rows = stream.rows()
    stream.close()
    assert stream.header == [{"name": "v", "type": header}]
    assert rows == [[expected]]


def test_small_integers_inside_json_values_are_numbers(api: Any) -> None:
    """Proton infers the smallest integer type per json path and quotes only 64-bit ones."""
    name = api.create_stream("v json")
    api.ingest(name, ["v"], [[{"a": 1, "n": {"b": -2}}]])
    assert api.table(f"SELECT v FROM table({name})") == [[{"a": 1, "n": {"b": -2}}]]


def test_json_integers_are_quoted_exactly_when_they_need_64_bits(api: Any) -> None:
    name = api.create_stream("k int32, v json, w nullable(json), i int64, a array(uint64), "
                             "t tuple(x int128, y json)")
    value = {"lo": -(2**31), "hi": 2**32 - 1, "below": -(2**31) - 1, "above": 2**32,
             "f": 1.5, "s": "7", "l": [1, 2**40], "z": -0.0}
    api.ingest(name, ["k", "v", "w", "i", "a", "t"],
               [[1, value, {"q": 3}, 2**40, [1, 2**64 - 1], [5, {"m": 6}]]])
    (row,) = api.table(f"SELECT v, w, i, a, t FROM table({name})")
    assert row[0] == {"lo": -(2**31), "hi": 2**32 - 1, "below": str(-(2**31) - 1),
                      "above": str(2**32), "f": 1.5, "s": "7", "l": [1, str(2**40)], "z": -0.0}
    assert row[1:] == [{"q": 3}, str(2**40), ["1", str(2**64 - 1)], {"x": "5", "y": {"m": 6}}]


def test_json_integers_in_a_streaming_query_are_numbers_too(api: Any) -> None:
    name = api.create_stream("v json, i int64")
    stream = api.query(f"SELECT v, i FROM {name} LIMIT 1")
    api.ingest(name, ["v", "i"], [[{"a": 1, "b": 2**40}, 3]])
    rows = stream.rows(at_least=1)
    stream.close()
    assert rows == [[{"a": 1, "b": str(2**40)}, "3"]]


def test_empty_objects_inside_json_values_leave_no_path(api: Any) -> None:
    """Proton's json parser (``JSONDataParser::traverseObject``) makes a path only for a value:
    an empty object adds none, so ``{"a": {}, "b": 1}`` is stored as ``{"b": 1}``."""
    name = api.create_stream("v json")
    api.ingest(name, ["v"], [[{"a": {}, "b": 1, "n": {"c": {}, "d": "x"}}]])
    api.sql(f"INSERT INTO {name} (v) VALUES ('{{\"e\": {{}}, \"f\": [2]}}')")
    rows = api.table(f"SELECT v FROM table({name})")
    assert sorted(map(str, rows)) == sorted(map(str, [[{"b": 1, "n": {"d": "x"}}], [{"f": [2]}]]))


def test_stream_metadata_keeps_declared_types(api: Any) -> None:
    name = api.create_stream("a decimal(10, 2), b map(string, array(int8)), "
                             "c nullable(datetime64(3, 'UTC'))")
    columns = {c["name"]: c for c in api.get(f"/streams/{name}").json()["columns"]}
    assert columns["a"]["type"] == "decimal(10, 2)"
    assert columns["b"]["type"] == "map(string, array(int8))"
    assert (columns["c"]["type"], columns["c"]["nullable"]) == ("datetime64(3, 'UTC')", True)


def test_expression_types_in_header(api: Any) -> None:
    stream = api.query("SELECT 1 AS a, to_int64(2) AS b, 1.5 AS c, now64(3, 'UTC') AS d, "
                       "CAST(1.25 AS decimal(9, 2)) AS e, [1, 2] AS f")
    stream.rows()
    stream.close()
    assert [c["type"] for c in stream.header] == [
        "uint8", "int64", "float64", "datetime64(3, 'UTC')", "decimal(9, 2)", "array(uint8)"]


def test_invalid_utf8_in_strings_comes_out_valid_json(api: Any) -> None:
    name = api.create_stream("s string")
    api.sql(f"INSERT INTO {name} (s) VALUES ('ok\\xff')")
    rows = api.table(f"SELECT s FROM table({name})")
    assert rows[0][0].startswith("ok")
