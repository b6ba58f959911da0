"""``EXPLAIN ESTIMATE <select>``, the one EXPLAIN the emulator runs (Proton's columns:
database, table, parts, rows, marks; one row per stream read). Every other EXPLAIN stays
refused, wherever it stands."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Api

pytestmark = pytest.mark.integration

HEADER = [
    {"name": "database", "type": "string"},
    {"name": "table", "type": "string"},
    {"name": "parts", "type": "uint64"},
    {"name": "rows", "type": "uint64"},
    {"name": "marks", "type": "uint64"},
]


@pytest.fixture
def filled(api: Api) -> tuple[str, str]:
    """A stream of 10,000 rows (two marks of 8192) and an empty one."""
    name = api.create_stream("v int64")
    api.ingest(name, ["v"], [[i] for i in range(10_000)])
    return name, api.create_stream("v int64")


def _estimate(api: Api, sql: str) -> tuple[list[dict[str, str]], list[Any]]:
    stream = api.query(sql)
    try:
        return stream.header, stream.rows()
    finally:
        stream.close()


@pytest.mark.parametrize(
    "select",
    [
        "SELECT count() FROM table({s}) WHERE v > 10",
        "SELECT v FROM {s} SETTINGS query_mode='table'",
        "SELECT v FROM table({s}) AS a JOIN table({e}) AS b ON a.v = b.v",
    ],
)
def test_estimate_of_a_historical_read(api: Api, filled: tuple[str, str], select: str) -> None:
    name, empty = filled
    header, rows = _estimate(api, "EXPLAIN ESTIMATE " + select.format(s=name, e=empty))
    assert header == HEADER
    assert rows == [["default", name, "1", "10000", "2"]]  # no row for the empty stream


def test_a_stream_read_twice_counts_twice(api: Api, filled: tuple[str, str]) -> None:
    name, _ = filled
    sql = f"EXPLAIN ESTIMATE SELECT a.v FROM table({name}) AS a JOIN table({name}) AS b USING v"
    assert _estimate(api, sql)[1] == [["default", name, "2", "20000", "4"]]


def test_no_stream_no_row(api: Api) -> None:
    assert _estimate(api, "EXPLAIN ESTIMATE SELECT 1")[1] == []


@pytest.mark.parametrize(
    ("sql", "code", "says"),
    [
        ("EXPLAIN ESTIMATE SELECT v FROM {s}", 48, "streaming query"),
        ("EXPLAIN ESTIMATE INSERT INTO {s} (v) VALUES (1)", 80, "Only SELECT"),
        ("EXPLAIN SELECT 1", 48, "EXPLAIN is not supported"),
        ("EXPLAIN SYNTAX SELECT 1", 48, "EXPLAIN is not supported"),
        ("EXPLAIN ESTIMATE EXPLAIN ESTIMATE SELECT 1", 48, "EXPLAIN is not supported"),
        ("SELECT * FROM (EXPLAIN ESTIMATE SELECT 1)", 48, "EXPLAIN is not supported"),
        ("EXPLAIN ESTIMATE", 62, "Syntax error"),
    ],
)
def test_refused(api: Api, filled: tuple[str, str], sql: str, code: int, says: str) -> None:
    response = api.post("/queries", json={"sql": sql.format(s=filled[0])})
    body = api.error(response, 400)
    assert body["code"] == code and says in body["message"], body
