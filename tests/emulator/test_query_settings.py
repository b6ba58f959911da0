"""Query settings: Proton's defaults where chDB's differ, and the settings a query may set.

Expected answers follow Proton's ``src/Core/Settings.h`` (defaults) and
``SettingsEnums.cpp`` (allowed values), written out by hand.
"""

from __future__ import annotations

from typing import Any

import pytest


def code_of(api: Any, sql: str) -> int:
    body = api.query_error(sql)
    return int(body["code"])


def test_a_bare_union_is_union_all(api: Any) -> None:
    # Proton: union_default_mode = ALL (chDB refuses a bare UNION)
    assert api.table("SELECT 1 AS x UNION SELECT 1") == [[1], [1]]
    assert api.table("SELECT 1 AS x UNION SELECT 1 SETTINGS union_default_mode = 'DISTINCT'") \
        == [[1]]


def test_order_by_and_group_by_a_number_mean_the_constant(api: Any) -> None:
    # Proton: enable_positional_arguments = false, so ORDER BY 1 sorts by the constant 1
    sql = "SELECT to_int32(number) AS n FROM numbers(5) ORDER BY 1 DESC, n"
    assert api.table(sql) == [[0], [1], [2], [3], [4]]
    assert api.table(sql + " SETTINGS enable_positional_arguments = 1") \
        == [[4], [3], [2], [1], [0]]
    # GROUP BY 1 groups by the constant: a plain column is then not under an aggregate
    assert code_of(api, "SELECT number % 2 AS a, count() FROM numbers(4) GROUP BY 1") == 215
    assert api.table("SELECT count() FROM numbers(4) GROUP BY 1") == [["4"]]  # uint64 quoted


def test_json_input_with_an_unknown_field_is_an_error(api: Any) -> None:
    # Proton: input_format_skip_unknown_fields = false
    name = api.create_stream("a int32")
    response = api.post("/queries", json={
        "sql": f'INSERT INTO {name} (a) FORMAT JSONEachRow {{"a": 1, "zz": 2}}'})
    assert api.error(response, 400)["code"] == 117
    api.sql(f'INSERT INTO {name} (a) SETTINGS input_format_skip_unknown_fields = 1 '
            f'FORMAT JSONEachRow {{"a": 2, "zz": 2}}')
    assert api.table(f"SELECT a FROM table({name})") == [[2]]


def test_csv_input_reads_single_quoted_fields(api: Any) -> None:
    # Proton: format_csv_allow_single_quotes = true
    name = api.create_stream("s string, n int32")
    api.sql(f"INSERT INTO {name} (s, n) FORMAT CSV 'a,b',7")
    assert api.table(f"SELECT s, n FROM table({name})") == [["a,b", 7]]


@pytest.mark.parametrize("settings", [
    "optimize_read_in_order = 0, optimize_aggregation_in_order = 1",
    "join_algorithm = 'prefer_partial_merge'",
    "compile_expressions = 1, enable_optimize_predicate_expression = 0",
    "output_format_write_statistics = 0, cross_to_inner_join_rewrite = 1",
    "max_rows_to_sort = 100, max_rows_to_group_by = 100, read_overflow_mode = 'throw'",
])
def test_settings_that_change_no_answer_are_accepted(api: Any, settings: str) -> None:
    sql = ("SELECT to_int32(a.number) AS k, to_int32(count()) AS c FROM numbers(4) AS a "
           "INNER JOIN numbers(3) AS b ON a.number = b.number GROUP BY k ORDER BY k")
    assert api.table(f"{sql} SETTINGS {settings}") == [[0, 1], [1, 1], [2, 1]]


def test_limits_passed_on_still_limit(api: Any) -> None:
    # max_rows_to_group_by with the default overflow mode 'throw': 158 TOO_MANY_ROWS
    assert code_of(api, "SELECT number FROM numbers(10) GROUP BY number "
                        "SETTINGS max_rows_to_group_by = 3") == 158


@pytest.mark.parametrize("settings", [
    "extremes = 1",                        # its extra rows have no place in a result
    "join_algorithm = 'nested_loops'",     # not one of Proton's values
    "join_algorithm = 'partial_merge'",    # Proton refuses some joins with it (01147)
    "union_default_mode = 'SOME'",
    "force_primary_key = 1",               # the emulator's streams have no primary index
    "max_bytes_before_external_sort = 1",  # would spill to local disk
    "max_parser_depth = 0",                # unlimited: a deep query could overflow the stack
    # 2 makes a comma join without an equality Proton's error INCORRECT_QUERY (02364)
    "cross_to_inner_join_rewrite = 2",
    # Proton counts the columns a query needs; the emulator's stream reads take all (00593)
    "max_columns_to_read = 1",
])
def test_other_settings_and_values_are_refused(api: Any, settings: str) -> None:
    assert code_of(api, f"SELECT 1 SETTINGS {settings}") == 48


def test_a_neutral_setting_in_a_subquery_leaves_no_empty_clause(api: Any) -> None:
    assert api.table("SELECT x FROM (SELECT 1 AS x SETTINGS optimize_read_in_order = 0)") \
        == [[1]]
