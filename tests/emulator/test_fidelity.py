"""Answers that must match Proton's, over HTTP: result types, names and values.

Expected values come from Proton's own stateless test references (tests/queries_ported) and
its function sources (which functions return ``bool``), written out by hand here.
"""

from __future__ import annotations

from typing import Any

import pytest


def header_and_rows(api: Any, sql: str) -> tuple[list[dict[str, str]], list[Any]]:
    stream = api.query(sql)
    try:
        rows = stream.rows()
        assert stream.final is not None and stream.final["status"] == "finished", stream.final
        return stream.header, rows
    finally:
        stream.close()


@pytest.mark.parametrize(
    ("sql", "name", "value"),
    [
        ("SELECT to_uint64(1) IN (SELECT 1)", "in(to_uint64(1), _subquery_1)", True),
        # Proton parses lambda parameters as tuple_cast (ExpressionElementParsers.cpp)
        ("SELECT array_exists(x -> x > 1, [1, 2])", "array_exists(lambda(tuple_cast(x), "
         "greater(x, 1)), [1, 2])", True),
        ("SELECT multi_match_any('abc', ['b'])", "multi_match_any('abc', ['b'])", True),
        ("SELECT has([1, 2], 3)", "has([1, 2], 3)", False),
        ("SELECT 'a' LIKE 'b'", "like('a', 'b')", False),
        ("SELECT NULL IS NULL", "isNull(NULL)", True),
        ("SELECT 1 AND 2", "and(1, 2)", True),
    ],
)
def test_functions_that_return_bool_in_proton_return_bool(api: Any, sql: str, name: str,
                                                          value: bool) -> None:
    header, rows = header_and_rows(api, sql)
    assert header[0]["type"] == "bool"
    assert rows == [[value]]
    if "IS NULL" not in sql and "_subquery" not in name:
        assert header[0]["name"] == name


def test_nested_bool_results(api: Any) -> None:
    header, rows = header_and_rows(
        api, "SELECT tuple_cast(1 = 1, has([1], 2)) AS t, array_map(x -> x > 1, [1, 2]) AS a, "
             "to_type_name(empty('')) AS n")
    assert [c["type"] for c in header] == ["tuple(bool, bool)", "array(bool)", "string"]
    assert rows == [[[True, False], [False, True], "bool"]]


def test_bool_next_to_numbers_keeps_numbers(api: Any) -> None:
    # Proton's common type of bool and uint8 is uint8; chDB's would turn 5 into true
    header, rows = header_and_rows(api, "SELECT [1 = 1, 5] AS a, if(1 = 0, has([1], 1), 5) AS b")
    assert rows == [[[1, 5], 5]]
    assert [c["type"] for c in header] == ["array(uint8)", "uint8"]


@pytest.mark.parametrize(
    ("sql", "types", "row"),
    [
        # Proton's if/multi_if/coalesce/if_null return the least supertype of their branches:
        # bool when every branch is bool (if.cpp, multiIf.cpp, getLeastSupertype)
        ("SELECT if(1 = 1, 2 > 3, has([1], 1)) AS a, if(0, true, 'a' LIKE 'a') AS b",
         ["bool", "bool"], [False, True]),
        ("SELECT multi_if(1 = 0, 1 = 1, 2 = 2, 1 > 2, empty('')) AS m",
         ["bool"], [False]),
        ("SELECT coalesce(NULL, 1 = 1) AS c, if_null(NULL, 2 < 1) AS n",
         ["bool", "bool"], [True, False]),
        ("SELECT if(1 = 1, if(0, 1 = 1, 2 = 2), 3 = 4) AS nested", ["bool"], [True]),
        ("SELECT [if(1 = 1, 2 = 2, 3 = 3), 1 = 0] AS arr", ["array(bool)"], [[True, False]]),
        ("SELECT CASE WHEN 1 = 0 THEN 1 = 1 WHEN 2 > 1 THEN has([1], 2) ELSE true END AS c, "
         "CASE 2 WHEN 2 THEN (3 < 4) ELSE 'a' LIKE 'b' END AS w",
         ["bool", "bool"], [False, True]),
        ("SELECT CASE WHEN 1 = 1 THEN CASE WHEN 0 THEN 1 = 1 ELSE 2 = 3 END "
         "ELSE empty('') END AS n",
         ["bool"], [False]),
        ("SELECT CASE WHEN 1 = 0 THEN 1 = 1 END AS maybe", ["nullable(bool)"], [None]),
    ],
)
def test_branches_that_are_all_bool_give_bool(api: Any, sql: str, types: list[str],
                                              row: list[Any]) -> None:
    header, rows = header_and_rows(api, sql)
    assert [c["type"] for c in header] == types
    assert rows == [row]


def test_bool_branches_next_to_numbers_keep_numbers(api: Any) -> None:
    # one uint8 branch (or a uint8 sibling of the if in an array) makes Proton's result uint8;
    # Proton's coalesce reads up to its first non-nullable argument (9 here)
    header, rows = header_and_rows(
        api, "SELECT if(1 = 1, 2 = 2, 5) AS a, [if(1 = 1, 2 = 2, 3 = 3), 5] AS b, "
             "multi_if(1 = 0, 1 = 1, 7) AS c, coalesce(NULL, 9, 1 = 1) AS d, "
             "CASE WHEN 1 = 0 THEN 1 = 1 ELSE 6 END AS e, "
             "[CASE WHEN 1 = 1 THEN has([1], 1) ELSE 1 = 0 END, 8] AS f, "
             "if(1 = 0, (has([1], 1)), 5) AS g, "
             "CASE WHEN 1 = 0 THEN (CASE WHEN 1 = 1 THEN 1 = 1 END) ELSE 4 END AS h, "
             "if(1 = 0, (1 = 1, 2), (3, 4)) AS i")
    assert [c["type"] for c in header] == [
        "uint8", "array(uint8)", "uint8", "uint8", "uint8", "array(uint8)", "uint8",
        "nullable(uint8)", "tuple(uint8, uint8)"]
    assert rows == [[1, [1, 5], 7, 9, 6, [1, 8], 5, 4, [3, 4]]]


def test_true_and_false_beside_numbers_are_numbers(api: Any) -> None:
    # Proton's common type of bool and uint8 is uint8; chDB's is Bool, where 5 reads true
    header, rows = header_and_rows(
        api, "SELECT if(1 = 0, true, 5) AS a, [true, 5] AS b, "
             "CASE WHEN 1 = 0 THEN true ELSE 3 END AS c, multi_if(1 = 0, false, 7) AS d, "
             "[true, false] AS e, if(1 = 0, true, false) AS f, true AS g")
    assert [c["type"] for c in header] == [
        "uint8", "array(uint8)", "uint8", "uint8", "array(bool)", "bool", "bool"]
    assert rows == [[5, [1, 5], 3, 7, [True, False], False, True]]
    _, rows = header_and_rows(api, "SELECT 1 AS one WHERE if(1 = 0, true, 5) = 5")
    assert rows == [[1]]


def test_set_operations_keep_bool_where_every_branch_is_bool(api: Any) -> None:
    # the common type of bool and bool is bool; of bool and uint8 it is uint8 (Proton)
    header, rows = header_and_rows(
        api, "SELECT 1 = 1 AS a, 2 AS b, has([1], 1) AS c, 1 > 2 AS d "
             "UNION ALL SELECT 2 < 1, 3, true, 7")
    assert [c["name"] for c in header] == ["a", "b", "c", "d"]
    assert [c["type"] for c in header] == ["bool", "uint8", "bool", "uint8"]
    assert sorted(rows, key=lambda row: row[1]) == [[True, 2, True, 0], [False, 3, True, 7]]
    header, rows = header_and_rows(
        api, "SELECT 1 = 1 AS x EXCEPT SELECT 1 = 0 INTERSECT SELECT 2 = 2")
    assert [c["type"] for c in header] == ["bool"]
    assert rows == [[True]]


@pytest.mark.parametrize(
    ("expression", "type_name"),
    [
        ("to_int64(-1)", "int64"),
        ("[to_decimal32(1, 4)]", "array(decimal(9, 4))"),
        ("to_nullable('x')", "nullable(string)"),
        ("to_fixed_string('ab', 2)", "fixed_string(2)"),
        ("make_datetime64(1991, 8, 24, 21, 4, 0, 1234, 7, 'CET')", "datetime64(7, 'CET')"),
        ("map_cast('a', 1)", "map(string, uint8)"),
        ("interval 2 second", "interval_second"),
    ],
)
def test_to_type_name_uses_timeplus_spelling(api: Any, expression: str, type_name: str) -> None:
    header, rows = header_and_rows(api, f"SELECT to_type_name({expression})")
    assert rows == [[type_name]]
    assert header[0]["name"].startswith("to_type_name(")


@pytest.mark.parametrize("sql", [
    "SELECT number FROM numbers(10) LIMIT 0 - 1",
    "SELECT number FROM numbers(10) LIMIT -2",
    "SELECT * FROM (SELECT number FROM numbers(10) LIMIT 1, (2 - 5))",
    "SELECT number FROM numbers(10) LIMIT 1 OFFSET 3 * -1",
])
def test_negative_limit_is_refused_as_in_proton(api: Any, sql: str) -> None:
    body = api.query_error(sql)
    assert body["code"] == 440
    assert "is not representable as uint64" in body["message"]


def test_limit_arithmetic_that_stays_positive_runs(api: Any) -> None:
    _, rows = header_and_rows(api, "SELECT number FROM numbers(10) LIMIT 2 - 1")
    assert rows == [["0"]]


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        # Proton's formatDateTime pads %e with a space (chDB 26.9 no longer does by default)
        ("FROM_UNIXTIME(1000000000, '%e')", " 9"),
        ("format_datetime(to_date('2024-01-05'), '%e')", " 5"),
        # %f of a value without a fractional part is a single 0 in Proton
        ("format_datetime(to_datetime('2024-01-05 01:02:03'), '%f')", "0"),
        # least/greatest with a NULL argument are NULL in Proton (22.x semantics)
        ("to_string(least(1, NULL))", None),
        ("to_type_name(tuple_cast(1, 'a'))", "tuple(uint8, string)"),
    ],
)
def test_functions_behave_as_in_protons_clickhouse_base(api: Any, expression: str,
                                                        value: Any) -> None:
    _, rows = header_and_rows(api, f"SELECT {expression}")
    assert rows == [[value]]


@pytest.mark.parametrize(
    ("expression", "row"),
    [
        # Proton's to_date and date() return date32 (1950 fits; a 16-bit date would clamp)
        ("to_date('1950-01-02'), to_type_name(to_date('1950-01-02'))", ["1950-01-02", "date32"]),
        ("to_type_name(date('2020-01-02')), to_type_name(to_date16('2020-01-02'))",
         ["date32", "date"]),
        # to_time is Proton's name for best-effort US parsing into datetime64
        ("to_time('01/02/2020 03:04:05')", ["2020-01-02 03:04:05.000"]),
        ("round(pi(), 5), round(e(), 5)", [3.14159, 2.71828]),
        ("to_decimal32(pi(), 8)", ["3.14159265"]),
        ("array_map(x -> x + 1, empty_array_uint8())", [[]]),
        ("to_type_name(empty_array_string())", ["array(string)"]),
    ],
)
def test_functions_mean_what_they_mean_in_proton(api: Any, expression: str, row: Any) -> None:
    _, rows = header_and_rows(api, f"SELECT {expression}")
    assert rows == [row]


def test_column_names_use_the_timeplus_function_name(api: Any) -> None:
    header, _ = header_and_rows(api, "SELECT to_date('2020-01-02'), to_time('2020-01-02')")
    assert [c["name"] for c in header] == ["to_date('2020-01-02')", "to_time('2020-01-02')"]


@pytest.mark.parametrize("seek", ["1", "12345", "2020", "soon"])
def test_seek_to_that_is_no_timestamp_is_refused(api: Any, seek: str) -> None:
    # best-effort parsing read '1' as a date and the query silently returned nothing
    name = api.create_stream("a int32")
    api.ingest(name, ["a"], [[1]])
    body = api.error(api.post("/queries", json={
        "sql": f"SELECT a FROM {name} SETTINGS seek_to='{seek}'"}), 400)
    assert body["code"] == 48
    assert f"seek_to='{seek}'" in body["message"]


@pytest.mark.parametrize(
    ("column_type", "window", "window_type"),
    [
        ("datetime64(3)", "tumble({s}, ts, 5s)", "datetime64(3)"),
        ("datetime64(3)", "hop({s}, ts, 2s, 5s)", "datetime64(3)"),
        ("datetime", "tumble({s}, ts, 5s)", "datetime"),
        ("datetime64(3, 'UTC')", "tumble({s}, ts, 5s)", "datetime64(3, 'UTC')"),
        ("datetime64(3)", "tumble({s}, ts, 5s, 'Asia/Shanghai')", "datetime64(3, 'Asia/Shanghai')"),
    ],
)
def test_window_bounds_have_the_time_columns_type(api: Any, column_type: str, window: str,
                                                  window_type: str) -> None:
    name = api.create_stream(f"a int32, ts {column_type}")
    api.ingest(name, ["a", "ts"], [[1, "2021-11-02 20:00:01"]])
    header, rows = header_and_rows(
        api, f"SELECT window_start, window_end, count() FROM {window.format(s=name)} "
             "GROUP BY window_start, window_end ORDER BY window_start LIMIT 1 "
             "SETTINGS query_mode='table'")
    assert [c["type"] for c in header[:2]] == [window_type, window_type]
    if "Asia" not in window:
        start = "2021-11-02 19:59:58" if "hop" in window else "2021-11-02 20:00:00"
        assert rows[0][0].startswith(start)


def test_top_k_counts_use_protons_default_load_factor(api: Any) -> None:
    # Proton's top_k defaults to load_factor 1000 (AggregateFunctionTopK.cpp); with chDB's 3
    # the approximate counts of this input read 1001 for two of the values
    _, rows = header_and_rows(
        api, "SELECT top_k(n, 10) FROM (SELECT if(number % 100 < 10, number % 10, number) AS n "
             "FROM numbers(100000))")
    assert sorted(map(tuple, rows[0][0])) == [(str(i), "1000") for i in range(10)]


def test_arrays_of_bools_are_bool_arrays(api: Any) -> None:
    header, rows = header_and_rows(
        api, "SELECT [1 = 1, has([1], 2), true] AS a, [1 = 1, 5] AS b, "
             "array_map(x -> x, [1 > 0]) AS c")
    assert [c["type"] for c in header] == ["array(bool)", "array(uint8)", "array(bool)"]
    assert rows == [[[True, False, True], [1, 5], [True]]]


@pytest.fixture
def bool_stream(api: Any) -> str:
    name = api.create_stream("b bool, nb nullable(bool), ab array(bool), n uint8")
    api.ingest(name, ["b", "nb", "ab", "n"], [[True, None, [True, False], 7]])
    return name


@pytest.mark.parametrize(
    ("expression", "type_name", "value"),
    [
        # Proton's least supertype of bool and uint8 is uint8 (getLeastSupertype.cpp counts
        # bool as a one-bit unsigned number): 5 stays 5 and true reads 1
        ("if(n = 0, b, 5)", "uint8", 5),
        ("if(n = 7, b, 5)", "uint8", 1),
        ("[b, 5]", "array(uint8)", [1, 5]),
        ("[NULL, b, 5]", "array(nullable(uint8))", [None, 1, 5]),
        ("multi_if(n = 0, b, 6)", "uint8", 6),
        ("CASE WHEN n = 0 THEN b ELSE 4 END", "uint8", 4),
        ("[to_bool(0), 5]", "array(uint8)", [0, 5]),
        ("[ab, [5]]", "array(array(uint8))", [[1, 0], [5]]),
        ("array_concat(ab, [5])", "array(uint8)", [1, 0, 5]),
        # coalesce's type comes from its arguments up to the first non-nullable one
        # (coalesce.cpp): nullable(bool) beside uint8 is uint8, a non-nullable bool alone bool
        ("coalesce(nb, 5)", "uint8", 5),
        ("coalesce(b, 5)", "bool", True),
        # every operand bool: bool
        ("if(n = 0, b, b)", "bool", True),
        ("if(n = 0, b, 1 = 1)", "bool", True),
        ("[b, nb]", "array(nullable(bool))", [True, None]),
        ("if(n = 0, NULL, b)", "nullable(bool)", True),
        # a bool written first beside a stored bool column: still every operand bool
        ("if(n = 0, true, b)", "bool", True),
        ("if(n = 7, 1 = 0, b)", "bool", False),
        ("[true, b, 2 > 1]", "array(bool)", [True, True, True]),
        ("CASE WHEN n = 0 THEN false ELSE b END", "bool", True),
        ("[false, b, 5]", "array(uint8)", [0, 1, 5]),
        ("n = 0 ? b : 5", "uint8", 5),
        ("n = 7 ? (b) : 5", "uint8", 1),
        ("if(n = 7, if(n = 2, b, true), 5)", "uint8", 1),
        # greatest/least compare numbers: bool counts as 0/1
        ("greatest(b, 5)", "uint8", 5),
        ("least(b, 5)", "uint8", 1),
        # an array's elements unified with a value
        ("array_push_back(ab, 5)", "array(uint8)", [1, 0, 5]),
        ("array_push_front(ab, b)", "array(bool)", [True, True, False]),
        ("array_resize(ab, 3, 5)", "array(uint8)", [1, 0, 5]),
        ("transform(n, [1], [true], 5)", "uint8", 5),
        ("transform(n, [7], [false], b)", "bool", False),
        # map unifies its keys and its values apart (Proton's map.cpp)
        ("map_cast(1, b, 2, 5)", "map(uint8, uint8)", {"1": 1, "2": 5}),
        ("map_cast(1, true, 2, n = 7)", "map(uint8, bool)", {"1": True, "2": True}),
        ("map_cast(1, b, 2, false)", "map(uint8, bool)", {"1": True, "2": False}),
    ],
)
def test_bool_columns_next_to_numbers_unify_as_in_proton(api: Any, bool_stream: str,
                                                         expression: str, type_name: str,
                                                         value: Any) -> None:
    header, rows = header_and_rows(api, f"SELECT {expression} AS v FROM table({bool_stream})")
    assert (header[0]["type"], rows) == (type_name, [[value]])


def _nested_ifs(levels: int, last: str, inner_first: bool) -> str:
    """``if(n = k, <nested>, b)`` (``inner_first``) or ``if(n = k, b, <nested>)``, ``levels``
    deep, around ``last``."""
    expression = last
    for k in range(levels):
        expression = (f"if(n = {k}, {expression}, b)" if inner_first
                      else f"if(n = {k}, b, {expression})")
    return expression


@pytest.mark.parametrize("inner_first", [True, False])
def test_thirty_nested_ifs_over_bool_columns(api: Any, bool_stream: str,
                                             inner_first: bool) -> None:
    # n is 7: every if takes b (true) except the one testing n = 7, which takes its nested
    # branch (or b); all branches bool: bool (Proton's supertype of equal types). A 5 at the
    # bottom makes every level uint8 (bool beside uint8), so b reads 1. These used to fail
    # with "Query tree is too big" (about 14 levels) or the long-expression refusal (48).
    for last, type_name, value in (("n > 1", "bool", True), ("5", "uint8", 1)):
        sql = f"SELECT {_nested_ifs(30, last, inner_first)} AS v FROM table({bool_stream})"
        header, rows = header_and_rows(api, sql)
        assert (header[0]["type"], rows) == (type_name, [[value]])


def test_bool_from_subqueries_and_aggregates_next_to_numbers(api: Any, bool_stream: str) -> None:
    header, rows = header_and_rows(
        api, f"SELECT if(x = 0, y, 5) AS a, y, [y, 2] AS c FROM "
             f"(SELECT n AS x, b AS y FROM table({bool_stream}))")
    assert [c["type"] for c in header] == ["uint8", "bool", "array(uint8)"]
    assert rows == [[5, True, [1, 2]]]
    header, rows = header_and_rows(
        api, f"SELECT if(count() = 0, max(b), 5), if(count() = 1, any(b), any(b)) "
             f"FROM table({bool_stream})")
    assert [c["type"] for c in header] == ["uint8", "bool"]
    # column names as Proton prints them (functional form, see the first test): no helpers
    assert [c["name"] for c in header] == ["if(equals(count(), 0), max(b), 5)",
                                           "if(equals(count(), 1), any(b), any(b))"]
    assert rows == [[5, True]]
    header, rows = header_and_rows(
        api, f"SELECT array_join(ab) AS j, if(n = 0, array_join(ab), 5) AS a, "
             f"[array_join(ab), b] AS c, max(b) OVER () AS w, [w, 3] AS d "
             f"FROM table({bool_stream})")
    # one array_join(ab) however often it is written: two rows
    assert [c["type"] for c in header] == ["bool", "uint8", "array(bool)", "bool",
                                           "array(uint8)"]
    assert rows == [[True, 5, [True, True], True, [1, 3]], [False, 5, [False, True], True, [1, 3]]]


def test_a_bool_first_beside_a_subquerys_column_follows_its_type(api: Any,
                                                                  bool_stream: str) -> None:
    # y is bool, z uint8: bool beside bool is bool, bool beside uint8 uint8 (least supertype)
    header, rows = header_and_rows(
        api, f"SELECT if(x = 0, 1 = 1, y) AS a, [true, y] AS c, if(x = 7, 1 = 0, z) AS d, "
             f"[has([1], 1), z] AS e "
             f"FROM (SELECT n AS x, b AS y, n AS z FROM table({bool_stream}))")
    assert [c["type"] for c in header] == ["bool", "array(bool)", "uint8", "array(uint8)"]
    assert rows == [[True, [True, True], 0, [1, 7]]]


def test_bool_items_of_subqueries_ctes_and_views_stay_bool(api: Any, bool_stream: str) -> None:
    # a comparison is bool wherever it is selected (Proton types the function, not the place);
    # beside a number outside it unifies as uint8 again
    header, rows = header_and_rows(
        api, "SELECT x, if(x, x, 5) AS a, [x, 5] AS b FROM (SELECT 1 = 1 AS x)")
    assert [c["type"] for c in header] == ["bool", "uint8", "array(uint8)"]
    assert rows == [[True, 1, [1, 5]]]
    header, rows = header_and_rows(
        api, f"WITH t AS (SELECT n > 1 AS big FROM table({bool_stream})) "
             f"SELECT big FROM t")
    assert [c["type"] for c in header] == ["bool"]
    assert rows == [[True]]
    view = f"v_{bool_stream}"
    api.sql(f"CREATE VIEW {view} AS SELECT n > 1 AS big, b FROM table({bool_stream})")
    header, rows = header_and_rows(
        api, f"SELECT big, b, [big, 5] AS c, if(big, b, 7) AS d FROM {view}")
    assert [c["type"] for c in header] == ["bool", "bool", "array(uint8)", "uint8"]
    assert rows == [[True, True, [1, 5], 1]]


@pytest.mark.parametrize("expression", ["[if(count() = 1, max(b), any(b)), 5]",
                                        "max(b) AS m, [m, 5]"])
def test_aggregate_expressions_of_bool_columns_beside_numbers_are_refused(
        api: Any, bool_stream: str, expression: str) -> None:
    # chDB types such an expression only after aggregating, too late to cast it to Proton's
    # uint8: refused rather than read as [true, true]
    body = api.error(api.post("/queries", json={
        "sql": f"SELECT {expression} FROM table({bool_stream})"}), 400)
    assert body["code"] == 48
    assert "aggregate of a bool column" in body["message"]


def test_correlated_subqueries_are_missing_columns_as_in_proton(api: Any) -> None:
    """Proton has no correlated subqueries: a subquery naming a column of the outer query
    answers 47, Missing columns (Proton's 01095_tpch_like_smoke, queries 2, 15, 17 and 20);
    chDB would run them. Uncorrelated subqueries still run."""
    outer = api.create_stream("k int32, v int32")
    inner = api.create_stream("k int32, w int32")
    api.sql(f"INSERT INTO {outer} (k, v) VALUES (1, 10), (2, 20)")
    api.sql(f"INSERT INTO {inner} (k, w) VALUES (1, 5), (2, 50)")
    correlated = (
        f"SELECT k, (SELECT max(w) FROM table({inner}) AS o WHERE o.k = {outer}.k) "
        f"FROM table({outer})",
        f"SELECT k FROM table({outer}) WHERE v < (SELECT max(o.w) FROM table({inner}) AS o "
        f"WHERE o.k = {outer}.k)",
        f"SELECT k FROM table({outer}) AS t WHERE EXISTS (SELECT 1 FROM table({inner}) AS o "
        "WHERE o.k = t.k AND o.w > 10)",
    )
    for sql in correlated:
        body = api.query_error(sql)
        assert body["code"] == 47 and "Missing columns" in body["message"], (sql, body)
    assert api.table(f"SELECT k FROM table({outer}) WHERE k IN (SELECT k FROM table({inner}) "
                     "WHERE w > 10)") == [[2]]
    assert api.table(f"SELECT k, (SELECT max(w) FROM table({inner})) FROM table({outer}) "
                     "ORDER BY k") == [[1, 50], [2, 50]]
