"""Function answers that chDB gives otherwise than Proton, each fixed or refused.

Found by Proton's stateless cases that the emulator answered wrong. Expected values come
from Proton's sources (named per test) and its test references, written out by hand.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.test_proton_answers import refusal


def test_multi_if_of_fixed_strings_drops_trailing_zero_bytes(api: Any) -> None:
    # Proton's multi_if casts its fixed_string(2)/fixed_string(4) branches to string, and that
    # cast cuts trailing zero bytes (FunctionsConversion.h); its `if` keeps each branch's bytes
    # (01355_if_fixed_string)
    branches = "number = 1, to_fixed_string('a', 2), to_fixed_string('bc', 4)"
    rows = api.table(f"SELECT multi_if({branches}) AS x, to_type_name(x), "
                     f"to_uint8(length(if({branches}))) FROM numbers(2)")
    assert rows == [["bc", "string", 4], ["a", "string", 2]]


def test_fuzz_bits_of_a_constant_in_a_subquery_flips_bits(api: Any) -> None:
    # fuzzBits.cpp flips each bit with the given probability, a constant's too: 64 zero bytes
    # at 0.5 keep all zeros with probability 2**-512 (chDB folded the constant unchanged)
    rows = api.table("SELECT x != repeat('\\0', 64), length(x) = 64 FROM "
                     "(SELECT fuzz_bits(repeat('\\0', 64), 0.5) AS x)")
    assert rows == [[True, True]]
    # its bytes are random, so they can decode to fewer characters: count bytes in SQL
    assert api.table("SELECT length(x) = 3 FROM (SELECT fuzz_bits('abc', 0.25) AS x)") == [[True]]
    stream = api.query("SELECT fuzz_bits('abc', 0.25)")
    try:
        assert len(stream.rows()) == 1
        assert [c["name"] for c in stream.header] == ["fuzz_bits('abc', 0.25)"]
    finally:
        stream.close()


@pytest.mark.parametrize("expression", [
    # Proton reads the digits as a Unix time, overflows and clamps: 2299-12-31 23:48:05.4775806
    # (01821_to_date_time_ubsan); chDB read 2262-04-12
    "to_datetime('9223372036854775806', 7, 'Asia/Istanbul')",
    "to_datetime64(to_nullable('12345678901'), 3, 'UTC')",
])
def test_long_digit_strings_as_datetimes_are_refused(api: Any, expression: str) -> None:
    assert "more than 10 digits" in refusal(api, f"SELECT {expression}")


def test_scaled_to_datetime_outside_protons_range_is_refused(api: Any) -> None:
    # to_datetime(x, scale) is a datetime64 (chDB answered year 0; Proton clamps to 1900)
    assert "1900-01-01 .. 2299-12-31" in refusal(
        api, "SELECT to_datetime(-100000000000, 3, 'UTC')")


def test_unix_time_strings_and_scaled_datetimes_keep_their_answers(api: Any) -> None:
    stream = api.query("SELECT to_datetime64('1600000000', 3, 'UTC'), "
                       "to_datetime('2020-01-02 03:04:05', 2, 'UTC')")
    try:
        assert stream.rows() == [["2020-09-13 12:26:40.000", "2020-01-02 03:04:05.00"]]
        assert [c["name"] for c in stream.header] == [
            "to_datetime64('1600000000', 3, 'UTC')", "to_datetime('2020-01-02 03:04:05', 2, 'UTC')"]
    finally:
        stream.close()


@pytest.mark.parametrize("argument", ["today()", "to_date('2020-01-01')",
                                      "to_nullable(to_date16('2020-01-01'))"])
def test_to_unix_timestamp_of_a_date_is_protons_44(api: Any, argument: str) -> None:
    # FunctionsConversion.h: to_unix_timestamp raises 44 for a date or date32 argument
    # (01592_toUnixTimestamp_Date); chDB answered midnight's Unix time
    body = api.error(api.post("/queries", json={
        "sql": f"SELECT to_unix_timestamp({argument})"}), 400)
    assert body["code"] == 44, body
    assert "to_unix_timestamp" in body["message"]


def test_to_unix_timestamp_of_times_and_strings_answers(api: Any) -> None:
    stream = api.query("SELECT to_unix_timestamp(to_datetime('2020-01-01 00:00:00', 'UTC')), "
                       "to_unix_timestamp('2020-01-01 00:00:01', 'UTC')")
    try:
        assert stream.rows() == [[1577836800, 1577836801]]
        assert [c["name"] for c in stream.header] == [
            "to_unix_timestamp(to_datetime('2020-01-01 00:00:00', 'UTC'))",
            "to_unix_timestamp('2020-01-01 00:00:01', 'UTC')"]
    finally:
        stream.close()


@pytest.mark.parametrize("sql", [
    # StatCommon.h, computeRanksAndTieCorrection: a sample whose values are all the same
    # (one value included) raises 36; chDB answered 0.5, nan and (12.5, 1)
    "SELECT rank_corr(number, 1) FROM numbers(10)",
    "SELECT mann_whitney_utest(5, number % 2) FROM numbers(10)",
    # the last row's frame holds one row (01802_rank_corr_mann_whitney_over_window)
    "SELECT rank_corr(number, number * number) OVER (ORDER BY number ROWS BETWEEN CURRENT ROW "
    "AND UNBOUNDED FOLLOWING) FROM numbers(5)",
])
def test_rank_statistics_of_one_value_samples_are_protons_36(api: Any, sql: str) -> None:
    body = api.query_error(sql)
    assert body["code"] == 36, body
    assert "identical" in body["message"]


def test_rank_statistics_of_varied_samples_answer(api: Any) -> None:
    # y = x * x ranks as x does: Spearman's correlation is 1, in each group and frame
    assert api.table("SELECT rank_corr(number, number * number), rank_corr(number, -number) "
                     "FROM numbers(6)") == [[1.0, -1.0]]
    assert api.table("SELECT rank_corr(number, number * number) OVER w FROM numbers(3) WINDOW w "
                     "AS (ORDER BY number ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED "
                     "FOLLOWING)") == [[1.0], [1.0], [1.0]]
    # no rows: nothing is ranked, and 1 - 0 / 0 is nan (AggregateFunctionRankCorrelation.h)
    assert api.table("SELECT is_nan(rank_corr(number, 0.5)) FROM numbers(0)") == [[True]]


@pytest.mark.parametrize("expression", [
    # Proton: -473 (its uint32 wraps the negative week number, 01768_extended_range); chDB 0
    "to_int16(to_relative_week_num(to_datetime64('1960-11-30 18:00:11.999', 3, 'UTC')))",
    "to_relative_day_num(to_date('1969-12-31'))",
    # local 01:00 on 1970-01-01 in Tokyo is 16:00 UTC the day before
    "to_relative_second_num(to_datetime64('1970-01-01 01:00:00', 0, 'Asia/Tokyo'))",
])
def test_relative_numbers_before_1970_are_refused(api: Any, expression: str) -> None:
    assert "before 1970" in refusal(api, f"SELECT {expression}")


def test_relative_numbers_from_1970_answer(api: Any) -> None:
    # 2020-01-01 is day 18262 since 1970-01-01, hour 438288; week numbers count from the Monday
    # before (DateLUTImpl::toRelativeWeekNum: (day + 8 - day_of_week) / 7 = 2609)
    stream = api.query("SELECT to_relative_day_num(to_date('2020-01-01')), "
                       "to_relative_hour_num(to_datetime('2020-01-01 00:00:00', 'UTC')), "
                       "to_relative_week_num(to_datetime64('2020-01-01 00:00:00', 3, 'UTC')), "
                       "to_relative_day_num(to_date('1970-01-01'))")
    try:
        assert stream.rows() == [[18262, 438288, 2609, 0]]
        assert stream.header[0]["name"] == "to_relative_day_num(to_date('2020-01-01'))"
    finally:
        stream.close()


@pytest.mark.parametrize("expression", [
    # Proton wraps: 2019-12-25 00:00:00 (01662_date_ubsan); chDB: 2106-01-28 08:40:32
    "add_weeks(to_datetime('2020-01-01 00:00:00', 'GMT'), 9223372036854775807)",
    "add_years(to_datetime('2020-01-01 00:00:00', 'GMT'), 9223372036854775807)",
    "add_months(to_date16('2149-05-20'), 1)",  # chDB: 1970-01-14
    "subtract_days(to_date16('2020-01-01'), 30000)",  # before 1970: chDB 2117-04-18
])
def test_dates_shifted_outside_their_type_are_refused(api: Any, expression: str) -> None:
    assert "outside the range of its type" in refusal(api, f"SELECT {expression}")


@pytest.mark.parametrize("count", ["9223372036854775808", "inf"])
def test_day_shifts_beyond_64_bits_are_protons_407(api: Any, count: str) -> None:
    # Proton: DECIMAL_OVERFLOW for every unit (01662_date_ubsan); chDB answered 2041-07-13
    body = api.error(api.post("/queries", json={
        "sql": f"SELECT add_days(to_datetime('2021-01-01 00:00:00', 'GMT'), {count})"}), 400)
    assert body["code"] == 407, body


def test_dates_shifted_inside_their_type_answer(api: Any) -> None:
    assert api.table("SELECT add_months(to_date16('2149-04-20'), 1), "
                     "add_days(to_date16('2020-01-01'), 30), "
                     "subtract_years(to_datetime('2020-01-01 00:00:00', 'UTC'), 10), "
                     "add_weeks(to_date('2020-01-01'), 2)") == [
        ["2149-05-20", "2020-01-31", "2010-01-01 00:00:00", "2020-01-15"]]


@pytest.mark.parametrize(("expression", "value", "type_name"), [
    # ModuloImpl computes C++'s % of the two integers: int32 meets uint32 (and anything signed
    # meets uint64) in the unsigned type (01700_mod_negative_type_promotion); chDB gave -199
    ("to_int32(-199) % to_uint32(200)", "97", "int64"),  # (2**32 - 199) % 200
    ("to_int32(-199) % to_uint64(200)", "17", "int64"),  # (2**64 - 199) % 200
    ("modulo(to_int8(-1), to_uint64(10))", "5", "int64"),  # (2**64 - 1) % 10
    ("- to_int16(7) % to_uint32(10)", "9", "int64"),  # (2**32 - 7) % 10, unary minus first
    # int promotion keeps these signed, as in C++
    ("to_int32(-199) % to_uint16(200)", -199, "int32"),
    ("to_int64(-199) % to_uint32(200)", "-199", "int64"),
    ("199 % -10", 9, "uint8"),
    ("to_float64(-199) % 200", -199.0, "float64"),
])
def test_modulo_of_signed_and_unsigned_as_in_proton(api: Any, expression: str, value: Any,
                                                   type_name: str) -> None:
    # (64-bit integers come as JSON strings)
    rows = api.table(f"SELECT {expression} AS k, to_type_name(k)")
    assert rows == [[value, type_name]]


def test_modulo_keeps_precedence_and_names(api: Any) -> None:
    # 2 * number % 3 is (2 * number) % 3: left as chDB's modulo, as is the column name
    stream = api.query("SELECT number % 3, 2 * number % 3, (number + 1) % 4 FROM numbers(3)")
    try:
        assert stream.rows() == [[0, 0, 1], [1, 2, 2], [2, 1, 3]]
        assert [c["name"] for c in stream.header] == [
            "modulo(number, 3)", "modulo(multiply(2, number), 3)", "modulo(plus(number, 1), 4)"]
    finally:
        stream.close()


@pytest.mark.parametrize("condition", ["1 = foo.b", "1 = bar.b", "(foo.b < bar.b)"])
def test_join_on_without_a_key_is_protons_403(api: Any, condition: str) -> None:
    # TreeRewriter.cpp: no equality of two sides that read columns, and not a constant:
    # 403, Cannot get JOIN keys (01478_not_equi-join_on); chDB joined it as a filter
    body = api.error(api.post("/queries", json={
        "sql": "SELECT * FROM (SELECT 1 AS b) AS foo RIGHT JOIN (SELECT 1024 AS b) AS bar "
               f"ON {condition}"}), 400)
    assert body["code"] == 403, body
    assert "JOIN keys" in body["message"]


def test_join_on_with_a_key_or_a_constant_runs(api: Any) -> None:
    base = "SELECT foo.b, bar.b FROM (SELECT 1 AS b) AS foo JOIN (SELECT 1 AS b) AS bar ON "
    for condition in ["foo.b = bar.b AND 1 = foo.b", "(foo.b + 0 = bar.b)", "1 = 1",
                      "equals(foo.b, bar.b)"]:
        assert api.table(base + condition) == [[1, 1]], condition


@pytest.mark.parametrize(("expression", "value"), [
    # LeastGreatestGeneric.h compares with NaN and NULL as the greatest values
    # (01246_least_greatest_generic); chDB's greatest skipped them: inf, [0], 2
    ("to_string(greatest(1, inf, nan))", "nan"),
    ("to_string(greatest([NULL], [0]))", "[NULL]"),
    ("to_string(greatest(nan, 1, 2))", "nan"),
    ("to_string(greatest([1.5], [nan], [2.5]))", "[nan]"),
    ("greatest('hello', 'world', 'z')", "z"),
    ("to_string(greatest([], [NULL]))", "[NULL]"),
    # two numbers: a > b ? a : b, as chDB's
    ("to_string(greatest(nan, 1))", "1"),
    ("to_string(greatest(1, nan))", "nan"),
    # least already agrees: NaN and NULL are never the least
    ("to_string(least(1, inf, nan))", "1"),
    ("to_string(least([NULL], [0]))", "[0]"),
])
def test_greatest_counts_nan_and_null_as_greatest(api: Any, expression: str,
                                                 value: str) -> None:
    assert api.table(f"SELECT {expression}") == [[value]]


def test_greatest_keeps_its_type_and_name(api: Any) -> None:
    stream = api.query("SELECT greatest(1, 2.5, 3) AS g, to_type_name(g), greatest(1, NULL, 3)")
    try:
        assert stream.rows() == [[3.0, "float64", None]]
        assert [c["name"] for c in stream.header] == ["g", "to_type_name(g)",
                                                      "greatest(1, NULL, 3)"]
    finally:
        stream.close()


@pytest.mark.parametrize("sql", [
    # Proton: false (01774_tuple_null_in), though its NULL OR 0 is NULL (01376); chDB: NULL
    "SELECT (NULL, NULL) = (8, 0) OR (NULL, NULL) = (3, 2)",
    "SELECT 1 WHERE ((NULL, 1) != (2, 3)) OR 1",
])
def test_logic_over_tuple_comparisons_with_null_is_refused(api: Any, sql: str) -> None:
    assert "tuple that has a NULL element" in refusal(api, sql)


def test_tuple_comparisons_with_null_alone_are_null(api: Any) -> None:
    # as Proton's 00250_tuple_comparison: a comparison whose tuples hold NULL is NULL
    assert api.table("SELECT (1, NULL) = (2, 1), (1, NULL) < (2, 1), "
                     "(NULL, NULL) IN ((NULL, 0), (8, 0))") == [[None, None, False]]
