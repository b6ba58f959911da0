"""``if`` with a constant condition is folded to its branch, as Proton does before typing.

Proton's TreeRewriter replaces ``if(<integer literal>, a, b)`` and ``<integer literal> ? a : b``
by the chosen branch (OptimizeIfWithConstantConditionVisitor.cpp), so the result has that
branch's type and name. Expected values follow that source and 00835_if_generic_case's
reference, written out by hand.
"""

from __future__ import annotations

from typing import Any

import pytest

ZONED = "to_datetime('2001-02-03 04:05:06', 'Asia/Istanbul')"
DAY = "to_date('2001-02-04')"


def header_and_rows(api: Any, sql: str) -> tuple[list[tuple[str, str]], list[Any]]:
    stream = api.query(sql)
    header = [(c["name"], c["type"]) for c in stream.header]
    return header, stream.rows()


@pytest.mark.parametrize(("sql", "column", "value"), [
    (f"SELECT 0 ? {ZONED} : {DAY} AS z", ("z", "date32"), "2001-02-04"),
    (f"SELECT if(1, {ZONED}, {DAY}) AS z", ("z", "datetime('Asia/Istanbul')"),
     "2001-02-03 04:05:06"),
    # the other branch is never typed: no common type of string and number is needed
    ("SELECT if(1, 'a', 2)", ("'a'", "string"), "a"),
    ("SELECT if(0, 'a', 2) AS k", ("k", "uint8"), 2),
    ("SELECT -1 ? 5 : 'x'", ("5", "uint8"), 5),
    ("SELECT 0x0 ? 'a' : 7 AS h", ("h", "uint8"), 7),
    ("SELECT if(to_uint8(0), [1], [2, 3]) AS t", ("t", "array(uint8)"), [2, 3]),
    ("SELECT if(cast(1 AS uint8), 'y', 3) AS c", ("c", "string"), "y"),
    ("SELECT if(identity(0), 3, 'n') AS i", ("i", "string"), "n"),
])
def test_constant_condition_gives_the_branch_itself(api: Any, sql: str,
                                                   column: tuple[str, str], value: Any) -> None:
    header, rows = header_and_rows(api, sql)
    assert header == [column]
    assert rows == [[value]]


def test_folded_branch_keeps_its_own_name_and_bool_type(api: Any) -> None:
    header, rows = header_and_rows(api, "SELECT if(1, number * 2, 'x') FROM numbers(2)")
    assert header == [("multiply(number, 2)", "uint64")]
    assert rows == [["0"], ["2"]]  # 64-bit integers come quoted
    header, rows = header_and_rows(api, "SELECT if(0, 5, 'a' LIKE 'a') AS b")
    assert header == [("b", "bool")] and rows == [[True]]


@pytest.mark.parametrize("sql", [
    # a condition that is no integer literal keeps the common type of both branches
    f"SELECT (number = 0) ? {ZONED} : {DAY} FROM numbers(1)",
    f"SELECT if(true, {ZONED}, {DAY})",
    f"SELECT 1 + 0 > 0 ? {ZONED} : {DAY}",
])
def test_other_conditions_keep_the_common_type(api: Any, sql: str) -> None:
    header, _ = header_and_rows(api, sql)
    assert header[0][1] == "datetime64(0)"


def test_constant_condition_with_incompatible_branches_only_folds_literals(api: Any) -> None:
    body = api.error(api.post("/queries", json={"sql": "SELECT if(true, 'a', 2)"}), 400)
    assert body["code"] == 386


def test_folded_bool_literal_is_bool_unless_beside_numbers(api: Any) -> None:
    # the branch alone: true is bool; inside [..., 7] Proton's common type is uint8
    header, rows = header_and_rows(api, "SELECT 1 ? true : 5 AS a, [if(1, true, 5), 7] AS e")
    assert header == [("a", "bool"), ("e", "array(uint8)")]
    assert rows == [[True, [1, 7]]]
