"""A qualified column beside another item's alias of its short name (``sql/aliases.py``).

Proton names ``s.a`` in a select list ``a``: beside ``a + 1 AS a`` that is two columns ``a``
of different types, its error 352 (00818_alias_bug_4110); chDB answered, naming the first
``s.a``. The emulator refuses such a list (48); the usual forms keep answering.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("sql", [
    "SELECT s.a, a + 1 AS a FROM (SELECT 10 AS a) AS s",
    "SELECT count() FROM (SELECT s.a, s.a * 2 AS a FROM (SELECT 3 AS a) AS s)",
])
def test_qualified_column_beside_an_alias_of_its_name_is_refused(api: Any, sql: str) -> None:
    body = api.query_error(sql)
    assert body["code"] == 48 and "alias a" in body["message"], body


def test_qualified_columns_with_other_names_answer(api: Any) -> None:
    # 00818's first forms: 10 11 and 11 10
    stream = api.query("SELECT s.a AS a, s.a + 1 AS b FROM (SELECT 10 AS a) AS s")
    assert [c["name"] for c in stream.header] == ["a", "b"] and stream.rows() == [[10, 11]]
    assert api.table("SELECT s.a + 1 AS a, s.a AS b FROM (SELECT 10 AS a) AS s") == [[11, 10]]
    assert api.table("SELECT s.a, s.a + 2 AS b FROM (SELECT 10 AS a) AS s") == [[10, 12]]


def test_a_column_beside_itself_under_its_own_name_answers(api: Any) -> None:
    # one column twice has one type: Proton answers (two columns named a); SQLAlchemy's
    # dialect suite selects t.c, t.c AS c (RowFetchTest.test_row_with_dupe_names)
    assert api.table("SELECT s.a, s.a AS a FROM (SELECT 10 AS a) AS s") == [[10, 10]]
    body = api.error(api.post("/queries", json={
        "sql": "SELECT s.a, t.a AS a FROM (SELECT 1 AS a) AS s, (SELECT 'x' AS a) AS t"}), 400)
    assert body["code"] == 48, body


def test_qualified_column_beside_itself_aliased_is_named_by_its_short_name(api: Any) -> None:
    # one type, so Proton answers: two columns named a (SQLAlchemy writes t.c, t.c AS c)
    stream = api.query("SELECT s.a, s.a AS a FROM (SELECT 10 AS a) AS s")
    assert [(c["name"], c["type"]) for c in stream.header] == [("a", "uint8"), ("a", "uint8")]
    assert stream.rows() == [[10, 10]]
