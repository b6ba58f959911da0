"""Calls whose arguments Proton checks, or reads, otherwise than chDB (sql/protoncalls.py).

Expected answers and error codes follow Proton's sources (makeDate.cpp, translate.cpp,
transform.cpp, parseDateTime.cpp, the t-test aggregates, dateDiff.cpp), written out by hand.
"""

from __future__ import annotations

from typing import Any

import pytest


def one_value(api: Any, sql: str) -> Any:
    rows = api.table(sql)
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    return rows[0][0]


def error(api: Any, sql: str, code: int) -> str:
    body = api.query_error(sql)
    assert body["code"] == code, body
    return str(body["message"])


@pytest.mark.parametrize("args", ["2001, 40", "2001", "2001, 2, 3, 4"])
def test_make_date_takes_exactly_year_month_day(api: Any, args: str) -> None:
    # chDB's two-argument form (year, day of year) is no Proton form: 42
    error(api, f"SELECT make_date({args})", 42)
    error(api, f"SELECT make_date32({args})", 42)
    assert one_value(api, "SELECT make_date(2001, 2, 9)") == "2001-02-09"


def test_translate_needs_equally_long_from_and_to(api: Any) -> None:
    # chDB drops the characters 'to' lacks; Proton refuses (36)
    assert "same length" in error(api, "SELECT translate_utf8('hello', 'lo', 'L')", 36)
    error(api, "SELECT translate('hello', 'lo', '')", 36)
    # code points, not bytes, for the UTF-8 form
    assert one_value(api, "SELECT translate_utf8('café', 'é', 'e')") == "cafe"
    assert one_value(api, "SELECT translate('hello', 'lo', 'LO')") == "heLLO"
    error(api, "SELECT translate('hello', concat('l', 'o'), 'LO')", 48)


def test_joda_three_letter_year_is_refused(api: Any) -> None:
    # Proton reads at most three digits for YYY (year 201, an error); chDB reads four
    for fmt in ("YYY", "yyy-MM", "xxx"):
        message = error(api, f"SELECT parse_datetime_in_joda_syntax('2017', '{fmt}', 'UTC')", 48)
        assert "pattern" in message
    value = one_value(api, "SELECT parse_datetime_in_joda_syntax('2017 YYY', 'yyyy ''YYY''', "
                           "'UTC')")
    assert value.startswith("2017-01-01 00:00:00")


def test_transform_without_default_keeps_the_first_arguments_type(api: Any) -> None:
    # Proton: the result column must have x's type (44); chDB widens it to decimal / int16
    error(api, "SELECT transform(2, [2], [to_decimal64(7, 1)])", 44)
    error(api, "SELECT transform(to_int8(number), [1], [9]) FROM numbers(3)", 44)
    rows = api.table("SELECT transform(number, [1, 2], [10, 20]) FROM numbers(4)")
    assert [int(row[0]) for row in rows] == [0, 10, 20, 3]
    rows = api.table("SELECT transform(number, [1], [to_decimal32(5, 1)], to_decimal32(0, 1)) "
                     "FROM numbers(2)")
    assert [float(row[0]) for row in rows] == [0.0, 5.0]


def test_ttest_index_is_read_as_uint8(api: Any) -> None:
    # index 512 is 0 as a uint8: every value is in the first sample, too few in the second
    value = one_value(api, "SELECT student_ttest(x, g).1 FROM (SELECT to_float64(number) AS x, "
                           "if(number < 4, 0, 512) AS g FROM numbers(8))")
    assert value is None or value != value or str(value).lower() == "nan"


@pytest.mark.parametrize("name", ["student_ttest", "welch_ttest"])
def test_ttest_with_a_nan_statistic_is_an_error(api: Any, name: str) -> None:
    # both samples constant zero: 0 / 0; Proton raises 36, chDB answered (nan, 0)
    error(api, f"SELECT {name}(x, g) FROM (SELECT to_float64(0) AS x, number % 2 AS g "
               "FROM numbers(6))", 36)
    value = one_value(api, f"SELECT {name}(x, g) FROM (SELECT to_float64(number % 5) AS x, "
                           "number % 2 AS g FROM numbers(10))")
    assert value == {"t_statistic": 0, "p_value": 1}


def test_age_ignores_nanoseconds(api: Any) -> None:
    # 2.000001999 s apart, but 2.000001 s to the microsecond: Proton says 2000001
    value = one_value(api, "SELECT age('microsecond', "
                           "to_datetime64('2020-01-01 00:00:00.000000999', 9, 'UTC'), "
                           "to_datetime64('2020-01-01 00:00:02.000001998', 9, 'UTC'))")
    assert int(value) == 2000001
    value = one_value(api, "SELECT age('second', "
                           "to_datetime64('2020-01-01 00:00:00.000001999', 9, 'UTC'), "
                           "to_datetime64('2020-01-01 00:00:05.000001000', 9, 'UTC'))")
    assert int(value) == 5
    days = one_value(api, "SELECT age('day', to_date('2020-01-01'), to_date('2020-01-04'))")
    assert int(days) == 3
