"""Proton's answers (or a clean refusal) where chDB, a newer ClickHouse, answers otherwise.

Found by running Proton's own stateless SQL cases (``scripts/proton_cases.py``). Expected
values follow Proton's sources and test references, written out by hand here.
"""

from __future__ import annotations

import time
from typing import Any

import pytest


def one_value(api: Any, sql: str) -> Any:
    rows = api.table(sql)
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    return rows[0][0]


def refusal(api: Any, sql: str) -> str:
    body = api.query_error(sql)
    assert body["code"] == 48, body
    return str(body["message"])


def test_group_by_with_totals_is_refused(api: Any) -> None:
    # the totals row has no place in a query result: it used to vanish silently
    message = refusal(api, "SELECT number % 2 AS k, count() FROM numbers(4) GROUP BY k "
                           "WITH TOTALS ORDER BY k")
    assert "WITH TOTALS" in message


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        # Proton fills a missing date with 2000-01-01 (chDB: January 1st of this year)
        ("parse_datetime_best_effort_or_null('01:01:01')", "2000-01-01 01:01:01"),
        ("parse_datetime_best_effort('23:59')", "2000-01-01 23:59:00"),
        ("parse_datetime_best_effort('11:01:01 pm')", "2000-01-01 23:01:01"),
        ("parse_datetime64_best_effort('01:01:01.5', 3)", "2000-01-01 01:01:01.500"),
        ("parse_datetime_best_effort_or_null('2010-01-01 01:01:01')", "2010-01-01 01:01:01"),
        ("parse_datetime_best_effort_or_null('x')", None),
    ],
)
def test_best_effort_time_without_date_is_in_2000(api: Any, expression: str,
                                                  value: Any) -> None:
    assert one_value(api, f"SELECT {expression}") == value


def test_best_effort_over_a_column(api: Any) -> None:
    rows = api.table("SELECT parse_datetime_best_effort(s) FROM (SELECT array_join("
                     "['01:02:03', '2021-05-06 07:08:09', '1000000000']) AS s)")
    assert rows == [["2000-01-01 01:02:03"], ["2021-05-06 07:08:09"], ["2001-09-09 01:46:40"]]


def test_best_effort_year_filled_in_is_refused(api: Any) -> None:
    # Proton: 2000-01-05; chDB fills the current year and cannot say it did
    message = refusal(api, "SELECT parse_datetime_best_effort('Jan 5 01:01:01')")
    assert "without a year" in message


def test_best_effort_year_filled_in_is_refused_row_by_row(api: Any) -> None:
    message = refusal(api, "SELECT parse_datetime_best_effort(s) FROM "
                           "(SELECT array_join(['01:01', 'Jan 5']) AS s)")
    assert "without a year" in message


def test_best_effort_column_name_is_the_call(api: Any) -> None:
    stream = api.query("SELECT parse_datetime_best_effort('01:01:01')")
    try:
        assert stream.rows() == [["2000-01-01 01:01:01"]]
        assert [c["name"] for c in stream.header] == ["parse_datetime_best_effort('01:01:01')"]
    finally:
        stream.close()


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        # Proton's UTF-8 slice stops at the first character, then takes `length` of them
        ("substring_utf8('hello', -7, 3)", "hel"),
        ("substring_utf8('hello, привет', -14, 5)", "hello"),
        ("substring_utf8('привет', -10, 2)", "пр"),
        ("substring_utf8('hello', -7, -1)", ""),  # -1 + 5 - 7 characters: none
        ("substring_utf8('hello', -2, 5)", "lo"),  # inside the string: as before
        ("substring_utf8('hello', -7)", "hello"),
        ("substring('hello', -7, 3)", "h"),  # bytes: Proton cuts the window too
    ],
)
def test_substring_utf8_before_the_start(api: Any, expression: str, value: str) -> None:
    assert one_value(api, f"SELECT {expression}") == value


def test_substring_utf8_over_a_column_keeps_its_name(api: Any) -> None:
    stream = api.query("SELECT substring_utf8(s, -1 - number, 5) FROM (SELECT 'hello' AS s, "
                       "number FROM numbers(7)) ORDER BY number")
    try:
        assert stream.rows() == [["o"], ["lo"], ["llo"], ["ello"], ["hello"], ["hello"],
                                 ["hello"]]
        assert stream.header[0]["name"] == "substring_utf8(s, minus(-1, number), 5)"
    finally:
        stream.close()


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        # Proton's json_value gives an object or array as its JSON text (chDB: '')
        ("json_value('{\"hello\":1}', '$')", '{"hello":1}'),
        ("json_value('{\"a\":[\"x\",\"y\"]}', '$.a')", '["x","y"]'),
        ("json_value('{\"a\":{\"b\":\"!\"}}', '$.a')", '{"b":"!"}'),
        ("json_value('{\"a\":\"x\"}', '$.a')", "x"),
    ],
)
def test_json_value_of_an_object_is_its_text(api: Any, expression: str, value: str) -> None:
    assert one_value(api, f"SELECT {expression}") == value


def test_star_over_join_using_in_another_order_is_refused(api: Any) -> None:
    # Proton lists a, b, c (the left side's order); chDB's analyzer listed b, a, c
    message = refusal(api, "SELECT * FROM (SELECT 1 AS a, 2 AS b) AS x JOIN "
                           "(SELECT 2 AS b, 3 AS c) AS y USING (b)")
    assert "USING" in message


def test_star_over_join_using_in_the_same_order_runs(api: Any) -> None:
    stream = api.query("SELECT * FROM (SELECT 2 AS b, 1 AS a) AS x JOIN "
                       "(SELECT 2 AS b, 3 AS c) AS y USING (b)")
    try:
        assert stream.rows() == [[2, 1, 3]]
        assert [c["name"] for c in stream.header] == ["b", "a", "c"]
    finally:
        stream.close()


def test_star_over_join_using_reads_stream_columns_from_the_catalog(api: Any) -> None:
    key_first = api.create_stream("k int, v string")
    key_second = api.create_stream("v string, k int")
    api.sql(f"INSERT INTO {key_first} (k, v) VALUES (1, 'a')")
    api.sql(f"INSERT INTO {key_second} (v, k) VALUES ('b', 1)")
    rows = api.table(f"SELECT * EXCEPT (_tp_time) FROM table({key_first}) AS l "
                     f"JOIN table({key_second}) AS r USING (k)")
    assert [row[:3] for row in rows] == [[1, "a", "b"]]
    refusal(api, f"SELECT * FROM table({key_second}) AS l JOIN table({key_first}) AS r "
                 "USING (k)")
    # qualified stars keep each side's order: not refused
    assert api.table(f"SELECT l.v, r.* EXCEPT (_tp_time) FROM table({key_second}) AS l "
                     f"JOIN table({key_first}) AS r USING (k)") == [["b", 1, "a"]]


def test_prewhere_filters_like_where(api: Any) -> None:
    # chDB refused PREWHERE over the subquery each stream is read through (182)
    name = api.create_stream("a int, s string")
    api.sql(f"INSERT INTO {name} (a, s) VALUES (1, 'x'), (2, 'y'), (3, 'z')")
    assert api.table(f"SELECT s FROM table({name}) PREWHERE a > 1 WHERE s != 'z' "
                     "ORDER BY s") == [["y"]]
    assert api.table(f"SELECT count() FROM {name} PREWHERE a >= 2 "
                     "SETTINGS query_mode = 'table'") == [["2"]]


def test_hop_windows_of_protons_smoke_case(api: Any) -> None:
    """Proton's stream smoke case "hopping window w/1st data not aligned with window start":
    hop(2 s, 5 s), four batches with rows out of order inside them and one late row; the
    windows close as the largest event time passes their end, 11 rows in all."""
    name = api.create_stream("id string, value float64, ts datetime64(3)")
    stream = api.query(f"SELECT id, max(value), window_start, window_end FROM "
                       f"hop({name}, ts, interval 2 second, interval 5 second) "
                       "GROUP BY id, window_start, window_end",
                       batching_policy={"count": 100, "time_ms": 20})
    batches = [[("dev1", 60, 1), ("dev2", 66, 3), ("dev2", 58.3, 2)],
               [("dev1", 59, 4), ("dev8", 67, 5), ("dev8", 77, 6)],
               [("dev3", 57.3, 9), ("dev3", 66, 8), ("dev4", 76, 7)],
               [("dev3", 80, 9), ("dev4", 67, 1), ("dev9", 77, 10)]]
    for batch in batches:
        api.ingest(name, ["id", "value", "ts"],
                   [[i, v, f"2021-11-02 20:00:{s:02d}"] for i, v, s in batch])
        time.sleep(0.3)
    rows = stream.rows(at_least=11)
    time.sleep(0.5)  # no 12th row: the window [06, 11) never closes (largest time 10)
    assert api.post(f"/queries/{stream.id}/cancel").status_code == 204
    rows += stream.rows()
    stream.close()
    got = sorted((r[0], float(r[1]), r[2][11:19], r[3][11:19]) for r in rows)
    assert got == sorted([
        ("dev1", 60, "19:59:58", "20:00:03"), ("dev2", 58.3, "19:59:58", "20:00:03"),
        ("dev2", 66, "20:00:00", "20:00:05"), ("dev1", 60, "20:00:00", "20:00:05"),
        ("dev1", 59, "20:00:02", "20:00:07"), ("dev2", 66, "20:00:02", "20:00:07"),
        ("dev8", 77, "20:00:02", "20:00:07"), ("dev1", 59, "20:00:04", "20:00:09"),
        ("dev8", 77, "20:00:04", "20:00:09"), ("dev3", 66, "20:00:04", "20:00:09"),
        ("dev4", 76, "20:00:04", "20:00:09")])


def test_each_ingest_moves_the_window_watermark_on_its_own(api: Any) -> None:
    """Proton aggregates each ingested block, then moves the watermark to its largest event
    time and closes the windows it passed: a later block's row for a closed window is late
    and dropped, even when the query reads both blocks at once (its smoke case "hop
    w/transformed timestamp" sends its batches back to back)."""
    name = api.create_stream("id string, ts datetime64(3)")
    stream = api.query(f"SELECT count(), window_end FROM tumble({name}, ts, 5s) "
                       "GROUP BY window_end", batching_policy={"count": 100, "time_ms": 20})

    def send(*seconds: int) -> None:
        api.ingest(name, ["id", "ts"], [["a", f"2021-11-02 20:00:{s:02d}"] for s in seconds])

    send(1)
    api.server.faults.delay_events(0.6)  # the query stalls sending [00, 05): the next
    send(6)                              # three ingests wait for it together
    time.sleep(0.2)
    send(11)  # closes [05, 10) with the row at 06
    send(8)   # late for [05, 10): dropped
    send(16)  # closes [10, 15) with the row at 11
    api.server.faults.reset()
    rows = stream.rows(at_least=3)
    time.sleep(0.3)
    assert api.post(f"/queries/{stream.id}/cancel").status_code == 204
    rows += stream.rows()
    stream.close()
    assert sorted((r[1][11:19], int(r[0])) for r in rows) == [
        ("20:00:05", 1), ("20:00:10", 1), ("20:00:15", 1)]


def test_cross_join_lists_each_left_row_with_every_right_row(api: Any) -> None:
    # Proton's order (00202_cross_join); chDB swapped the smaller side to the left
    rows = api.table("SELECT x, y FROM (SELECT number AS x FROM numbers(2)) AS l "
                     "CROSS JOIN (SELECT number AS y FROM numbers(3)) AS r")
    assert rows == [["0", "0"], ["0", "1"], ["0", "2"], ["1", "0"], ["1", "1"], ["1", "2"]]


@pytest.mark.parametrize("column_type", ["date32", "nullable(date32)", "datetime64(3)"])
def test_dates_outside_protons_range_are_refused_not_stored(api: Any, column_type: str) -> None:
    # Proton clamps 1899-01-01 to 1900-01-01 and 2300-12-31 to 2299-12-31 (01921_datatype_date32);
    # chDB would store them as given
    name = api.create_stream(f"d {column_type}")
    api.sql(f"INSERT INTO {name} (d) VALUES ('1900-01-01'), ('2299-12-31')")
    for value in ("1899-01-01", "2300-12-31"):
        message = refusal(api, f"INSERT INTO {name} (d) VALUES ('{value}')")
        assert "1900-01-01 .. 2299-12-31" in message
    rows = api.table(f"SELECT d FROM table({name}) ORDER BY d")
    assert [str(r[0])[:10] for r in rows] == ["1900-01-01", "2299-12-31"]
    if column_type.startswith("nullable"):
        api.sql(f"INSERT INTO {name} (d) VALUES (NULL)")


@pytest.mark.parametrize(("column_type", "good", "bad"), [
    ("array(date32)", "['1900-01-01', '2299-12-31']", "['2000-01-01', '1899-12-31']"),
    ("array(nullable(datetime64(3)))", "[NULL, '2299-12-31 23:59:59']", "[NULL, '2300-01-01']"),
    ("array(array(date32))", "[[], ['1900-01-01']]", "[['2000-01-01'], ['1800-01-01']]"),
])
def test_dates_outside_protons_range_in_arrays_are_refused(api: Any, column_type: str,
                                                           good: str, bad: str) -> None:
    # Proton clamps the element as it clamps a column value; chDB stored ['1899-12-31']
    name = api.create_stream(f"d {column_type}")
    message = refusal(api, f"INSERT INTO {name} (d) VALUES ({bad})")
    assert "1900-01-01 .. 2299-12-31" in message
    api.sql(f"INSERT INTO {name} (d) VALUES ({good})")
    assert len(api.table(f"SELECT d FROM table({name})")) == 1


@pytest.mark.parametrize(("column_type", "good", "bad"), [
    ("tuple(date32, int32)", "('2299-12-31', 1)", "('2300-01-01', 1)"),
    ("tuple(a string, b nullable(datetime64(3)))", "('x', NULL)", "('x', '1899-12-31 23:59:59')"),
    ("map(string, datetime64(3))", "{'a': '1900-01-01 00:00:00'}", "{'a': '2300-01-01 00:00:00'}"),
    ("map(date32, int8)", "{'2000-01-01': 1}", "{'1800-01-01': 1}"),
    ("array(tuple(x date32))", "[('1900-01-01')]", "[('2000-01-01'), ('1800-01-01')]"),
])
def test_dates_outside_protons_range_in_tuples_and_maps_are_refused(
        api: Any, column_type: str, good: str, bad: str) -> None:
    # Proton clamps an element of a tuple or map as it clamps a column value
    name = api.create_stream(f"d {column_type}")
    message = refusal(api, f"INSERT INTO {name} (d) VALUES ({bad})")
    assert "1900-01-01 .. 2299-12-31" in message
    api.sql(f"INSERT INTO {name} (d) VALUES ({good})")
    assert len(api.table(f"SELECT d FROM table({name})")) == 1


def test_dates_outside_protons_range_in_a_tuple_are_refused_at_ingest(api: Any) -> None:
    name = api.create_stream("t tuple(d date32, n int32)")
    response = api.post(f"/streams/{name}/ingest", json={"columns": ["t"],
                                                          "data": [[["2300-01-01", 1]]]})
    assert api.error(response, 400)["code"] == 48
    assert api.table(f"SELECT count() FROM table({name})") == [["0"]]


@pytest.mark.parametrize("expression", [
    "cast('2300-01-01' AS date32)",  # Proton's text parser clamps to 2299-12-31
    "'1899-12-31'::date32",
    "cast(('2300-01-01', 1) AS tuple(date32, int))",
    "cast(['2000-01-01', '1800-01-01'], 'array(datetime64(3))')",
    "cast(map_cast('k', '2300-01-01'), 'map(string, date32)')",
    "accurate_cast('1899-01-01', 'datetime64')",
    "array_map(x -> x::date32, ['2000-01-01', '2300-01-01'])",
])
def test_casts_to_dates_outside_protons_range_are_refused(api: Any, expression: str) -> None:
    message = refusal(api, f"SELECT {expression}")
    assert "1900-01-01 .. 2299-12-31" in message


def test_casts_to_dates_inside_the_range_keep_their_values_and_names(api: Any) -> None:
    stream = api.query("SELECT cast(('2299-12-31', 1) AS tuple(date32, int)), "
                       "'1900-01-01'::date32, cast(NULL AS nullable(date32))")
    try:
        assert stream.rows() == [[["2299-12-31", 1], "1900-01-01", None]]
        assert [c["type"] for c in stream.header] == [
            "tuple(date32, int32)", "date32", "nullable(date32)"]
    finally:
        stream.close()


def test_dates_outside_protons_range_are_refused_at_ingest(api: Any) -> None:
    name = api.create_stream("d date32")
    response = api.post(f"/streams/{name}/ingest", json={"columns": ["d"],
                                                          "data": [["1850-01-01"]]})
    assert api.error(response, 400)["code"] == 48


@pytest.mark.parametrize(
    "expression",
    ["to_datetime64(-1e20, 9, 'UTC')",  # chDB: 1677-09-21; Proton clamps to 1900-01-01
     "from_unix_timestamp64_nano(to_int64(-8000000000000000000), 'UTC')",
     "to_date('1850-01-01')",  # date32: Proton clamps to 1900-01-01
     "make_date32(2300, 1, 1)"],
)
def test_date_results_outside_protons_range_are_refused(api: Any, expression: str) -> None:
    message = refusal(api, f"SELECT {expression}")
    assert "1900-01-01 .. 2299-12-31" in message


def test_date_results_inside_the_range_keep_their_names(api: Any) -> None:
    stream = api.query("SELECT to_datetime64('2021-01-02 03:04:05', 3, 'UTC'), "
                       "to_date('2299-12-31')")
    try:
        assert stream.rows() == [["2021-01-02 03:04:05.000", "2299-12-31"]]
        assert [c["name"] for c in stream.header] == [
            "to_datetime64('2021-01-02 03:04:05', 3, 'UTC')", "to_date('2299-12-31')"]
    finally:
        stream.close()


def test_insert_values_with_date_functions_fold_to_constants(api: Any) -> None:
    # chDB folds each VALUES expression to a constant: the row-by-row helpers stay out there
    name = api.create_stream("d date32, t datetime")
    api.sql(f"INSERT INTO {name} (d, t) VALUES (to_date('2024-01-01'), "
            "parse_datetime_best_effort('01:02:03'))")
    assert api.table(f"SELECT d, t FROM table({name})") == [["2024-01-01", "2000-01-01 01:02:03"]]
    assert refusal(api, f"INSERT INTO {name} (d, t) VALUES (to_date('1850-01-01'), "
                        "parse_datetime_best_effort('01:02:03'))")  # the column's constraint


def test_with_fill_step_of_a_datetime64_is_no_date(api: Any) -> None:
    # the STEP of WITH FILL is a length of time: the range helper stays out of it
    rows = api.table("SELECT n FROM (SELECT to_datetime64(number * 1000, 3, 'UTC') AS n "
                     "FROM numbers(3) WHERE number != 1) ORDER BY n WITH FILL "
                     "STEP to_datetime64(1000, 3)")
    assert [r[0][11:19] for r in rows] == ["00:00:00", "00:16:40", "00:33:20"]


@pytest.mark.parametrize("sql", ["subscribe to select 1",
                                 "SUBSCRIBE TO SELECT count() FROM numbers(3)",
                                 "unsubscribe to 'q1'", "recover from 'q1'"])
def test_query_checkpoint_statements_are_refused(api: Any, sql: str) -> None:
    # Proton's query checkpoints (SUBSCRIBE TO <select>, RECOVER FROM / UNSUBSCRIBE TO
    # '<query id>', its smoke suites 0018_query_state*) are Proton statements: a refusal
    # naming them, not a syntax error
    message = refusal(api, sql)
    assert sql.split()[0].upper() in message and "checkpoint" in message


def test_scalar_subqueries_have_protons_types(api: Any) -> None:
    # ExecuteScalarSubqueriesVisitor.cpp: one column is made nullable when it can be (a
    # subquery without rows gives NULL), an array cannot; several columns are one unnamed
    # tuple (chDB named its elements after the columns: {"1": 1, "2": "x"})
    stream = api.query("SELECT (SELECT 2 < 1) AS a, (SELECT 1) AS b, (SELECT [1]) AS c, "
                       "(SELECT 1, 'x') AS d, (SELECT 1 WHERE 0) AS e")
    try:
        assert stream.rows() == [[False, 1, [1], [1, "x"], None]]
        assert [c["type"] for c in stream.header] == [
            "nullable(bool)", "nullable(uint8)", "array(uint8)", "tuple(uint8, string)",
            "nullable(uint8)"]
    finally:
        stream.close()
    assert api.table("SELECT 1 WHERE (1, 'x') IN (SELECT 1, 'x')") == [[1]]
    # parenthesized members of a UNION are no scalar subqueries
    assert sorted(api.table("(SELECT 1, 2) UNION ALL (SELECT 3, 4)")) == [[1, 2], [3, 4]]
    assert sorted(api.table("SELECT x FROM ((SELECT 1 AS x, 2 AS y) UNION ALL "
                            "(SELECT 3, 4)) AS a")) == [[1], [3]]


def _live_rows(api: Any, sql: str, count: int) -> list[Any]:
    """The first ``count`` rows of a streaming query, then no more within 0.3 s."""
    stream = api.query(sql, batching_policy={"count": 100, "time_ms": 20})
    rows = stream.rows(at_least=count) if count else []
    time.sleep(0.3)
    assert api.post(f"/queries/{stream.id}/cancel").status_code == 204
    rows += stream.rows()
    stream.close()
    return rows


@pytest.mark.parametrize(("predicate", "expected"), [
    # Proton's smoke case "seek_to / event time predicate" (0020_seek_to, test 4)
    ("_tp_time = '2022-12-01 00:00:01.111'", ["s1"]),
    ("_tp_time >= '2022-12-01 00:00:04.112'", []),
    ("_tp_time < '2022-12-01 00:00:03.111'", ["s1", "s2"]),
    ("_tp_time <= '2022-12-01 00:00:03.111'", ["s1", "s2", "s3"]),
    ("_tp_time > '2022-12-01 00:00:03.111'", ["s4"]),
    ("'2022-12-01 00:00:03.111' <= a._tp_time", ["s3", "s4"]),
    ("_tp_time != '2022-12-01 00:00:03.111' AND i > 0", ["s1", "s2", "s4"]),
])
def test_event_time_predicate_reads_a_stream_from_the_past(api: Any, predicate: str,
                                                           expected: list[str]) -> None:
    """A streaming query comparing ``_tp_time`` in WHERE starts in the past (Proton seeks to
    the time, or to the earliest row), not only at new rows; Timeplus documents it as time
    travel (``WHERE _tp_time > '2023-01-15'``)."""
    name = api.create_stream("i int, s string, t datetime64(3, 'UTC')",
                             extra=" SETTINGS event_time_column='t'")
    for i in range(1, 5):
        api.sql(f"INSERT INTO {name} (i, s, t) VALUES ({i}, 's{i}', '2022-12-01 00:00:0{i}.111')")
    rows = _live_rows(api, f"SELECT s FROM {name} AS a WHERE {predicate}", len(expected))
    assert sorted(r[0] for r in rows) == expected


def test_without_event_time_predicate_a_stream_read_starts_now(api: Any) -> None:
    # no predicate on _tp_time, or one on a table() side: only rows ingested later
    name = api.create_stream("i int")
    other = api.create_stream("i int")
    api.sql(f"INSERT INTO {name} (i) VALUES (1)")
    api.sql(f"INSERT INTO {other} (i) VALUES (1)")
    assert _live_rows(api, f"SELECT i FROM {name} WHERE i > 0", 0) == []
    sql = (f"SELECT a.i FROM {name} AS a JOIN table({other}) AS b ON a.i = b.i "
           "WHERE b._tp_time > '2000-01-01'")
    assert _live_rows(api, sql, 0) == []


@pytest.mark.parametrize("interval", ["1w", "1M", "1q", "1y", "interval 2 week"])
def test_emit_periodic_longer_than_a_day_is_refused_as_in_proton(api: Any, interval: str) -> None:
    # Proton's checkIntervalAST: "Invalid EMIT PERIODIC interval: the max interval kind
    # supported is DAY." (43; smoke case 0099_fixed_issues #2105); the emulator ran the query
    name = api.create_stream("v int")
    body = api.error(api.post("/queries", json={
        "sql": f"SELECT count() FROM {name} EMIT PERIODIC {interval}"}), 400)
    assert body["code"] == 43 and "DAY" in body["message"], body
    stream = api.query(f"SELECT count() FROM {name} EMIT PERIODIC 1d")  # a day is allowed
    stream.close()


@pytest.mark.parametrize("sql", [
    "SELECT id, count() FROM {s} PARTITION BY id GROUP BY id",
    "SELECT id, count() FROM tumble({s}, 5s) PARTITION BY id GROUP BY id, window_end",
    "SELECT * FROM (SELECT id FROM {s} PARTITION BY id)",
])
def test_substreams_are_refused_not_a_syntax_error(api: Any, sql: str) -> None:
    # Proton's substreams (``FROM s PARTITION BY k``, its smoke suites 0016_substream_case and
    # 0025_window_interval) are refused by name; they were a syntax error (62)
    name = api.create_stream("id int, v int")
    assert "PARTITION BY" in refusal(api, sql.format(s=name))


def test_window_partition_by_still_runs(api: Any) -> None:
    name = api.create_stream("id int, v int")
    api.sql(f"INSERT INTO {name} (id, v) VALUES (1, 2), (1, 3)")
    rows = api.table(f"SELECT v, sum(v) OVER (PARTITION BY id) FROM table({name})")
    assert sorted(tuple(int(x) for x in r) for r in rows) == [(2, 5), (3, 5)]
    rows = api.table(f"SELECT v, row_number() OVER w FROM table({name}) "
                     "WINDOW w AS (PARTITION BY id ORDER BY v)")
    assert sorted(tuple(int(x) for x in r) for r in rows) == [(2, 1), (3, 2)]


@pytest.mark.parametrize("setting", ["replay_speed = 1", "replay_speed = 0.5",
                                     "asterisk_include_tp_sn_column = true",
                                     "emit_during_backfill = true",
                                     "force_backfill_in_order = true"])
def test_settings_that_change_the_rows_are_refused_unless_default(api: Any,
                                                                  setting: str) -> None:
    # replay_speed replays stored rows at their original pace, so a global aggregation
    # emits once per pause (Proton's smoke case 0028_replay_stream: 11 rows); the emulator
    # ignored it and gave 3. The others add _tp_sn to * or change the backfill's emits.
    name = api.create_stream("id int")
    assert setting.split()[0] in refusal(
        api, f"SELECT count() FROM {name} WHERE _tp_time > earliest_ts() SETTINGS {setting}")
    default = setting.split("=")[0] + ("= 0" if "replay" in setting else "= false")
    stream = api.query(f"SELECT count() FROM {name} SETTINGS {default}")
    stream.close()


@pytest.mark.parametrize("query", [
    "WITH {c} AS (SELECT i + 1 AS j FROM table({s})) SELECT * FROM table({c})",
    "WITH {c} AS (SELECT i, _tp_time AS t FROM table({s})) "
    "SELECT count() FROM tumble({c}, t, 5s) GROUP BY window_end",
])
def test_table_or_window_over_a_cte_is_refused_not_the_hidden_stream(api: Any,
                                                                       query: str) -> None:
    # Proton reads the CTE (smoke case 0010_cte_case "cte-table": rows 2, 3, 4); the emulator
    # read the stream of the same name instead (its rows), or answered 60 without one
    source = api.create_stream("i int")
    hidden = api.create_stream("i int")
    api.sql(f"INSERT INTO {source} (i) VALUES (1), (2), (3)")
    api.sql(f"INSERT INTO {hidden} (i) VALUES (7)")
    assert "CTE" in refusal(api, query.format(c=hidden, s=source))
    assert api.table(f"WITH {hidden} AS (SELECT i + 1 AS j FROM table({source})) "
                     f"SELECT j FROM {hidden} ORDER BY j") == [["2"], ["3"], ["4"]]


def test_aggregate_filter_clause_runs(api: Any) -> None:
    # Proton's smoke case 0099_fixed_issues #rename: max(x) FILTER (WHERE c) aggregates the
    # rows where c holds; the emulator took FILTER for an unknown function (46)
    name = api.create_stream("subject string, score int")
    api.sql(f"INSERT INTO {name} (subject, score) VALUES ('Math', 80), ('Science', 60), "
            "('Math', 40), ('Science', 100)")
    rows = api.table(f"SELECT max(score) FILTER (WHERE subject = 'Math') AS m, "
                     f"avg(score) filter(where subject = 'Science') AS a, "
                     f"count(*) FILTER (WHERE subject = 'Math') AS c FROM table({name})")
    assert rows == [[80, 80.0, "2"]]


def test_group_by_without_order_by_lists_groups_in_hash_order(api: Any) -> None:
    # Proton lists int keys 1, 2, 3 of a small stream as 3, 2, 1 (its hash table's order,
    # 02815); separate inserts make separate parts, which two threads used to merge otherwise
    name = api.create_stream("k int32, v int32")
    for k, v in ((2, 5), (1, 1), (3, 8), (1, 9), (2, 5), (3, 3)):
        api.sql(f"INSERT INTO {name} (k, v) VALUES ({k}, {v})")
    rows = api.table(f"SELECT k, sum_distinct(v), avg(v) FROM table({name}) GROUP BY k")
    assert [row[0] for row in rows] == [3, 2, 1]
    assert [int(row[1]) for row in rows] == [11, 5, 10]


@pytest.mark.parametrize("column", ["_tp_sn", "_tp_shard", "_tp_append_time"])
def test_protons_virtual_columns_are_refused_by_name(api: Any, column: str) -> None:
    # Proton's streams have these virtual columns (smoke cases 0020_seek_to, 0099_fixed_issues:
    # _tp_sn from 0 per shard); the emulator has none of them and answered 47 (unknown column)
    name = api.create_stream("i int")
    assert column in refusal(api, f"SELECT i, {column} FROM {name}")
    assert column in refusal(api, f"SELECT i FROM table({name}) WHERE {column} >= 0")
    assert api.table(f"SELECT 1 AS {column}") == [[1]]  # a name of one's own is fine


@pytest.mark.parametrize("query", [
    "SELECT id, max(v) FROM tumble({s}, ts, 5s) GROUP BY id",
    "SELECT count(*) FROM hop({s}, ts, 1s, 5s) GROUP BY id",
    "SELECT id, v FROM tumble({s}, ts, 5s)",
    "SELECT id, max(v) FROM tumble(table({s}), ts, 5s) GROUP BY id",
])
def test_window_without_window_columns_is_protons_2002(api: Any, query: str) -> None:
    # Proton: "Neither window_start nor window_end is referenced in the query, but streaming
    # window function is used" (WINDOW_COLUMN_NOT_REFERENCED, smoke case 0000_smoke_case 3);
    # the emulator emitted the rows of each window
    name = api.create_stream("id string, v int, ts datetime64(3)")
    body = api.error(api.post("/queries", json={"sql": query.format(s=name)}), 400)
    assert body["code"] == 2002 and "window_start" in body["message"], body


def test_window_columns_named_anywhere_or_by_star_run(api: Any) -> None:
    name = api.create_stream("id string, v int, ts datetime64(3)")
    api.sql(f"INSERT INTO {name} (id, v, ts) VALUES ('a', 1, '2020-01-01 00:00:01')")
    for query in (f"SELECT * FROM tumble(table({name}), ts, 5s)",
                  f"SELECT count(*) FROM tumble(table({name}), ts, 5s) "
                  "WHERE window_start >= '2020-01-01' GROUP BY id"):
        assert len(api.table(query)) == 1


def test_emit_stream_is_protons_default_emit(api: Any) -> None:
    # Proton's ParserEmitQuery: EMIT [STREAM|CHANGELOG] ...; STREAM is the default mode, and
    # AFTER WATERMARK is what Timeplus calls AFTER WINDOW CLOSE (smoke case 0000_smoke_case 0:
    # each window once it closes). They were refused (48).
    name = api.create_stream("id string, v int, ts datetime64(3)")
    for emit in ("EMIT STREAM", "EMIT STREAM AFTER WATERMARK", "EMIT AFTER WATERMARK"):
        stream = api.query(f"SELECT id, max(v), window_end FROM tumble({name}, ts, 5s) "
                           f"GROUP BY id, window_end {emit}",
                           batching_policy={"count": 100, "time_ms": 20})
        api.ingest(name, ["id", "v", "ts"], [["a", 1, "2020-01-01 00:00:01"],
                                             ["a", 3, "2020-01-01 00:00:02"],
                                             ["b", 5, "2020-01-01 00:00:06"]])
        rows = stream.rows(at_least=1)
        assert api.post(f"/queries/{stream.id}/cancel").status_code == 204
        rows += stream.rows()
        stream.close()
        assert [(r[0], int(r[1]), r[2][11:19]) for r in rows] == [("a", 3, "00:00:05")], emit
    assert "with_delay" in refusal(api, f"SELECT count(), window_end FROM tumble({name}, ts, "
                                        "5s) GROUP BY window_end EMIT STREAM AFTER WATERMARK "
                                        "WITH DELAY 2s")


def test_emit_periodic_on_a_window_aggregation_is_refused(api: Any) -> None:
    # Proton emits the open windows at each period (EmitMode::PeriodicWatermark); the emulator
    # emitted each window once, when it closed
    name = api.create_stream("id string, v int, ts datetime64(3)")
    for emit in ("EMIT PERIODIC 1s", "EMIT STREAM PERIODIC 1s"):
        assert "EMIT PERIODIC" in refusal(
            api, f"SELECT count(), window_end FROM tumble({name}, ts, 5s) "
                 f"GROUP BY window_end {emit}")
    stream = api.query(f"SELECT count() FROM {name} EMIT STREAM PERIODIC 1s")  # global: runs
    stream.close()


@pytest.mark.parametrize("intervals", ["interval 5 second, interval 3 second", "2m, 1m"])
def test_hop_slide_longer_than_its_window_is_refused_as_in_proton(api: Any,
                                                                   intervals: str) -> None:
    # Proton: "Slide size shall be less than or equal to window size in hop function" (36,
    # smoke case 0000_smoke_case 13); the emulator emitted windows with gaps between them
    name = api.create_stream("v int, ts datetime64(3)")
    body = api.error(api.post("/queries", json={
        "sql": f"SELECT max(v), window_end FROM hop({name}, ts, {intervals}) "
               "GROUP BY window_end"}), 400)
    assert body["code"] == 36 and "Slide size" in body["message"], body
    assert api.table(f"SELECT count(), window_end FROM hop(table({name}), ts, 60s, 2m) "
                     "GROUP BY window_end") == []  # a slide given in other units is fine
