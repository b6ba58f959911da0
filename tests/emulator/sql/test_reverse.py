"""Reverse mapping: chDB column names and error messages back to Timeplus."""

from __future__ import annotations

import pytest

from timeplus_emulator.sql import to_timeplus_column_name, to_timeplus_error


@pytest.mark.parametrize(
    ("ch_name", "timeplus"),
    [
        ("a", "a"),
        ("count()", "count()"),
        ("plus(1, 1)", "plus(1, 1)"),
        ("toIntervalHour(1)", "to_interval_hour(1)"),
        ("countIf(greater(a, 0))", "count_if(greater(a, 0))"),
        ("uniqExact(b)", "unique_exact(b)"),
        ("toDateTime64(now(), 3)", "to_datetime64(now(), 3)"),
        ("CAST(a, 'Int64')", "CAST(a, 'int64')"),
        ("CAST(a, 'LowCardinality(Nullable(String))')",
         "CAST(a, 'low_cardinality(nullable(string))')"),
        ("quantile(0.9)(a)", "quantile(0.9)(a)"),
        ("sumDistinctIf(x, y)", "sum_distinct_if(x, y)"),
        ("arrayMap(x -> plus(x, 1), [1])", "array_map(x -> plus(x, 1), [1])"),
        ("toIPv4('1.2.3.4')", "to_ipv4('1.2.3.4')"),
        ("isNaN(x)", "is_nan(x)"),
        ("anyLast(x)", "any_last(x)"),
        ("uniq(x)", "unique(x)"),
        ("replaceRegexpAll(s, 'a', 'b')", "replace_regex(s, 'a', 'b')"),
        ("not a (valid", "not a (valid"),
    ],
)
def test_column_names(ch_name: str, timeplus: str) -> None:
    assert to_timeplus_column_name(ch_name) == timeplus


def test_unknown_table_becomes_unknown_stream() -> None:
    code, message = to_timeplus_error(
        "Code: 60. DB::Exception: Unknown table expression identifier 'tp_1_default.nope'. "
        "Maybe you meant system.one? In scope SELECT * FROM tp_1_default.nope. (UNKNOWN_TABLE)",
        60,
        {"tp_1_default": "default"},
    )
    assert (code, message) == (60, "Stream default.nope doesn't exist")


def test_table_does_not_exist_wording() -> None:
    code, message = to_timeplus_error("Table x1.s does not exist. (UNKNOWN_TABLE)", 60)
    assert (code, message) == (60, "Stream x1.s doesn't exist")


def test_already_exists() -> None:
    code, message = to_timeplus_error(
        "Code: 57. DB::Exception: Table tp_1_default.s already exists. (TABLE_ALREADY_EXISTS)",
        57,
        {"tp_1_default": "default"},
    )
    assert (code, message) == (57, "Stream default.s already exists")


def test_function_and_type_names_in_messages() -> None:
    code, message = to_timeplus_error(
        "Code: 6. DB::Exception: Cannot parse string 'a' as Int32: syntax error at begin of "
        "string. Note: there are toInt32OrZero and toInt32OrNull functions, which returns "
        "zero/NULL instead of throwing exception: while executing 'FUNCTION toInt32(...)'. "
        "(CANNOT_PARSE_TEXT)",
        6,
    )
    assert code == 6
    assert message == (
        "Cannot parse string 'a' as int32: syntax error at begin of string. Note: there are "
        "to_int32_or_zero and to_int32_or_null functions, which returns zero/NULL instead of "
        "throwing exception"
    )


def test_wrong_argument_count_names_the_timeplus_function() -> None:
    _, message = to_timeplus_error(
        "An incorrect number of arguments was specified for function 'toDateTime'. Expected 1 "
        "mandatory argument and 1 optional argument, got 4 arguments: In scope SELECT 1.",
        42,
    )
    assert message == (
        "An incorrect number of arguments was specified for function 'to_datetime'. Expected 1 "
        "mandatory argument and 1 optional argument, got 4 arguments"
    )


@pytest.mark.parametrize(
    ("ch_message", "ch_code", "expected"),
    [
        ("Code: 47. DB::Exception: Unknown expression identifier `nope`. In scope SELECT nope "
         "FROM x1.s. (UNKNOWN_IDENTIFIER)", 47,
         (47, "Missing columns: 'nope' while processing query")),
        ("Code: 43. DB::Exception: Illegal types String and UInt8 of arguments of function plus: "
         "In scope SELECT 1. (ILLEGAL_TYPE_OF_ARGUMENT)", 43,
         (43, "Illegal types string and uint8 of arguments of function plus")),
        ("Code: 115. DB::Exception: Code: 115. DB::Exception: Unknown setting 'nope'. "
         "(UNKNOWN_SETTING) (version 26.9.2.1). (UNKNOWN_SETTING)", 115,
         (115, "Unknown setting 'nope'")),
        ("Code: 81. DB::Exception: Database tp_9_sales does not exist. (UNKNOWN_DATABASE)", 81,
         (81, "Database sales does not exist")),
        ("Code: 46. DB::Exception: Function with name `arrayJoinX` does not exist. In scope x.",
         46, (46, "Unknown function array_join_x")),
        ("Code: 1001. DB::Exception: chDB could not run toDateTime or countIf over myColumn",
         1001, (1001, "chDB could not run to_datetime or count_if over myColumn")),
    ],
)
def test_error_rewrites(ch_message: str, ch_code: int, expected: tuple[int, str]) -> None:
    assert to_timeplus_error(ch_message, ch_code, {"tp_9_sales": "sales"}) == expected
