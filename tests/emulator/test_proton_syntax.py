"""Valid Timeplus SQL that the emulator's parser once answered with a syntax error (62),
"Unknown function" (46) or "not available" (81): it now gives Proton's answer or refuses
it with code 48, naming the feature.

Found by Proton's own stateless SQL cases (``scripts/proton_cases.py``). Expected values
follow Proton's parser, sources and documented semantics, worked out by hand here.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import unique


def refusal(api: Any, sql: str) -> str:
    body = api.query_error(sql)
    assert body["code"] == 48, body
    return str(body["message"])


@pytest.fixture
def sales(api: Any) -> str:
    name = api.create_stream("k string, v int32, n int32")
    api.sql(f"INSERT INTO {name} (k, v, n) VALUES ('x', 1, 3), ('x', 2, 4), ('y', 1, 5)")
    return name


def test_group_by_rollup_adds_subtotals_with_default_keys(api: Any, sales: str) -> None:
    # ROLLUP(k, v) groups by (k, v), (k) and (); a key left out reads its type's default
    rows = api.table(f"SELECT k, v, sum(n) FROM table({sales}) GROUP BY ROLLUP(k, v) "
                     "ORDER BY k, v")
    assert rows == [["", 0, "12"], ["x", 0, "7"], ["x", 1, "3"], ["x", 2, "4"],
                    ["y", 0, "5"], ["y", 1, "5"]]


def test_group_by_cube_groups_by_every_subset(api: Any, sales: str) -> None:
    rows = api.table(f"SELECT k, v, sum(n) FROM table({sales}) GROUP BY cube(k, v) "
                     "ORDER BY k, v")
    assert rows == [["", 0, "12"], ["", 1, "8"], ["", 2, "4"], ["x", 0, "7"], ["x", 1, "3"],
                    ["x", 2, "4"], ["y", 0, "5"], ["y", 1, "5"]]


def test_group_by_grouping_sets(api: Any, sales: str) -> None:
    rows = api.table(f"SELECT k, v, count() FROM table({sales}) "
                     "GROUP BY GROUPING SETS ((k), (v), ()) ORDER BY k, v, count()")
    assert rows == [["", 0, "3"], ["", 1, "2"], ["", 2, "1"], ["x", 0, "2"], ["y", 0, "1"]]


def test_rollup_over_an_enum_without_zero_reads_its_first_value(api: Any) -> None:
    # Proton's default of enum('p' = 1, 'q' = 2) is its first value (02313's reference)
    name = api.create_stream("e enum('p' = 1, 'q' = 2)")
    api.sql(f"INSERT INTO {name} (e) VALUES ('q'), ('q'), ('p')")
    rows = api.table(f"SELECT count() AS c, e FROM table({name}) GROUP BY ROLLUP(e) "
                     "ORDER BY c, e")
    assert rows == [["1", "p"], ["2", "q"], ["3", "p"]]


def test_a_stream_called_rollup_is_still_a_stream(api: Any) -> None:
    name = api.create_stream("a int32", name=unique("rollup"))
    api.sql(f"INSERT INTO {name} (a) VALUES (1)")
    assert api.table(f"SELECT a FROM table({name}) GROUP BY a WITH ROLLUP ORDER BY a") == \
        [[0], [1]]


def test_order_by_with_fill_from_to_step(api: Any) -> None:
    # Proton's FillingTransform steps the filled rows on their own grid from FROM (2, 4,
    # 6), below TO, around the rows the query has (5)
    rows = api.table("SELECT n FROM (SELECT 5 AS n) ORDER BY n WITH FILL FROM 2 TO 8 STEP 2")
    assert rows == [[2], [4], [5], [6]]


def test_with_fill_inside_a_subquery_before_from(api: Any) -> None:
    rows = api.table("SELECT s FROM (SELECT 3 AS x, 'a' AS s ORDER BY x WITH FILL FROM 1 TO 5) "
                     "ORDER BY s")
    assert rows == [[""], [""], [""], ["a"]]


def test_with_fill_over_no_rows_fills_the_whole_range(api: Any) -> None:
    rows = api.table("SELECT y, count() FROM (SELECT 1 AS y WHERE 0) GROUP BY y "
                     "ORDER BY y WITH FILL FROM 10 TO 13")
    assert rows == [[10, "0"], [11, "0"], [12, "0"]]


def test_with_fill_bounds_pass_the_function_allow_list(api: Any) -> None:
    body = api.error(api.post("/queries", json={
        "sql": "SELECT 1 AS n ORDER BY n WITH FILL FROM file('x') TO 3"}), 400)
    assert body["code"] == 48 and "file" in body["message"], body


def test_numbers_mt_and_zeros_are_numbers_and_zeros(api: Any) -> None:
    assert api.table("SELECT number FROM system.numbers_mt WHERE number = 12345 LIMIT 1") == \
        [["12345"]]
    assert api.table("SELECT count(), sum(number) FROM numbers_mt(5)") == [["5", "10"]]
    assert api.table("SELECT zero FROM system.zeros LIMIT 2") == [[0], [0]]
    assert api.table("SELECT count(), sum(zero) FROM (SELECT * FROM system.zeros_mt LIMIT 7)") \
        == [["7", "0"]]
    assert api.table("SELECT z.zero, count() FROM zeros_mt(3) AS z GROUP BY z.zero") == \
        [[0, "3"]]


def test_time_zones_lists_zone_names(api: Any) -> None:
    rows = api.table("SELECT time_zone FROM system.time_zones WHERE time_zone IN "
                     "('UTC', 'Europe/Berlin', 'Asia/Shanghai') ORDER BY time_zone")
    assert rows == [["Asia/Shanghai"], ["Europe/Berlin"], ["UTC"]]


@pytest.mark.parametrize("table", ["settings", "parts", "metrics", "processes", "licenses",
                                   "query_log", "users"])
def test_protons_other_system_tables_are_refused_by_name(api: Any, table: str) -> None:
    assert f"system.{table} is not supported" in refusal(api, f"SELECT * FROM system.{table}")


@pytest.mark.parametrize(("sql", "value"), [
    ("SELECT\ufeff7", 7),  # a byte order mark is a space to Proton's lexer
    ("SELECT\u3000\u180e3\u200b+\u200c\u200d4\u2060", 7),
    ("SELECT /* a /* nested */ comment */ 7", 7),
    ("SELECT $x y$7$x y$", "7"),  # a heredoc's tag is anything up to the next $
    ("SELECT $\u0442\u0435\u0433$v$\u0442\u0435\u0433$", "v"),
    ("SELECT $doc$$do$ $ doc$$doc$", "$do$ $ doc$"),  # the first $doc$ after the tag
])
def test_protons_lexer_spaces_comments_and_heredocs(api: Any, sql: str, value: Any) -> None:
    assert api.table(sql) == [[value]]


def test_a_name_starting_with_a_dollar(api: Any) -> None:
    rows = api.query("SELECT 5 AS $a$b$")
    try:
        assert [column["name"] for column in rows.header] == ["$a$b$"]
    finally:
        rows.close()


def test_digits_end_before_a_dollar(api: Any) -> None:
    # Proton's lexer ends a number's word at `$`: 1$a$ is 1 named by the word $a$, and in
    # 1$a$ x $a$ the $a$ after the 1 opens a heredoc (1 ' x ': a syntax error). The
    # emulator read 1$a$ as one name and sent it on as written
    rows = api.query("SELECT 1$a$")
    try:
        assert [column["name"] for column in rows.header] == ["$a$"]
        assert rows.rows() == [[1]]
    finally:
        rows.close()
    body = api.error(api.post("/queries", json={"sql": "SELECT 1$a$ x $a$"}), 400)
    assert body["code"] == 62, body


@pytest.mark.parametrize(("tail", "named"), [
    ("GROUP BY ROLLUP(k)", "ROLLUP"), ("GROUP BY k WITH CUBE", "WITH CUBE"),
    ("GROUP BY GROUPING SETS ((k), ())", "GROUPING SETS"),
])
def test_grouping_modifiers_in_a_streaming_query_are_refused(
        api: Any, sales: str, tail: str, named: str) -> None:
    body = api.error(api.post("/queries", json={"sql": f"SELECT k, count() FROM {sales} {tail}"}),
                     400)
    assert body["code"] == 48 and named in body["message"], body


def test_distinct_on_a_column_list_before_a_select_list(api: Any) -> None:
    # DISTINCT ON (a, b) keeps one row per (a, b); the comma after its bracket separates
    # select items (it was once taken for a comma join after an ON condition: code 60)
    rows = api.table("SELECT DISTINCT ON (a, b) a, b FROM (SELECT number % 2 AS a, "
                     "number % 3 AS b FROM numbers(12)) ORDER BY a, b")
    assert rows == [[a, b] for a in range(2) for b in range(3)]


def test_a_cast_array_literal_right_after_with_is_a_value(api: Any) -> None:
    # WITH [...]::array(datetime64(1)) AS d: the bracket after WITH opens an array literal
    # (its range-checked cast once took WITH for a name being indexed: syntax error 62)
    rows = api.table("WITH ['2020-01-02 03:04:05.5', '2020-01-02 03:04:04']::"
                     "array(datetime64(1)) AS d SELECT to_string(array_max(d)), length(d)")
    assert rows == [["2020-01-02 03:04:05.5", "2"]]  # uint64 travels as text
