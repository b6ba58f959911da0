"""Every query runs under a memory and a time limit: chDB runs inside the emulator's
process, so a query that builds a huge result must fail (Proton's 241, Memory limit
exceeded) rather than take the machine, and one that would run for hours fails with 159
(timeout). A query may lower the limits, never lift or remove them."""

from __future__ import annotations

import time
from typing import Any

import pytest

#: The documented limits (docs/emulator-compatibility.md): 2 GiB and 600 s per query.
LIMIT = 2 * 1024 * 1024 * 1024
SECONDS = 600


def test_every_query_has_the_memory_limit(api: Any) -> None:
    [[value]] = api.table("SELECT get_setting('max_memory_usage')")
    assert int(value) == LIMIT


@pytest.mark.parametrize(("setting", "value"), [
    ("max_memory_usage", "0"), ("max_memory_usage", str(LIMIT + 1)),
    ("max_memory_usage", "100000000000"), ("max_execution_time", "0"),
    ("max_execution_time", str(SECONDS + 1)), ("max_execution_time", "1e9"),
    # chDB keeps whole microseconds: this was 0, no limit
    ("max_execution_time", "0.0000001")])
def test_a_query_cannot_lift_or_remove_a_limit(api: Any, setting: str, value: str) -> None:
    response = api.post("/queries", json={"sql": f"SELECT 1 SETTINGS {setting} = {value}"})
    body = api.error(response, 400)
    assert body["code"] == 48 and setting in body["message"], body


def test_a_query_may_lower_the_limit(api: Any) -> None:
    [[value]] = api.table("SELECT get_setting('max_memory_usage') "
                          "SETTINGS max_memory_usage = 100000000")
    assert int(value) == 100000000


def test_with_fill_over_a_huge_range_is_an_error_not_an_exhausted_machine(api: Any) -> None:
    # a lowered limit keeps this test light; the pinned one stops it the same way
    started = time.monotonic()
    response = api.post("/queries", json={
        "sql": "SELECT count() FROM (SELECT number FROM numbers(1) ORDER BY number "
               "WITH FILL FROM 0 TO 100000000000) SETTINGS max_memory_usage = 200000000"})
    assert api.error(response, 400)["code"] == 241
    assert time.monotonic() - started < 10
    assert api.table("SELECT 1") == [[1]]


@pytest.mark.slow
def test_with_fill_stops_at_the_pinned_limit(api: Any) -> None:
    started = time.monotonic()
    response = api.post("/queries", json={
        "sql": "SELECT count() FROM (SELECT number FROM numbers(1) ORDER BY number "
               "WITH FILL FROM 0 TO 100000000000)"})
    assert api.error(response, 400)["code"] == 241
    assert time.monotonic() - started < 30


def test_every_query_has_the_time_limit(api: Any) -> None:
    [[value]] = api.table("SELECT get_setting('max_execution_time')")
    assert float(value) == SECONDS


def test_a_query_may_lower_the_time_limit(api: Any) -> None:
    response = api.post("/queries", json={
        "sql": "SELECT count() FROM numbers(100000000000) SETTINGS max_execution_time = 1"})
    assert api.error(response, 400)["code"] == 159


@pytest.mark.parametrize(("template", "base"), [
    ("(({}) IN (1.5))", "to_decimal32(1, 1)"),  # the operand is written out 4 times
    ("cast({} AS nullable(datetime64(3)))", "'2020-01-01'"),  # range check: 3 times
    ("rank_corr({}, number) OVER ()", "number"),  # identical-sample check: 3 times
    # a text without a year: 5 times (eleven levels made 3 GB)
    ("parse_datetime_best_effort(to_string({}))", "'12:00:00'"),
])
def test_rewrites_that_copy_their_operand_refuse_deep_nesting(
        api: Any, template: str, base: str) -> None:
    # ten levels are about 300 characters of SQL; copied at each level they made tens of
    # megabytes (twelve decimal INs: 870 MB) before chDB saw anything: refused instead
    sql = base
    for _ in range(10):
        sql = template.format(sql)
    body = api.error(api.post("/queries", json={"sql": f"SELECT {sql} FROM numbers(2)"}), 400)
    assert body["code"] == 48 and "nested this deep" in body["message"], body
