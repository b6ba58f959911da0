"""The values of JOIN ... USING keys as Proton gives them, or a refusal (sql/usingkeys.py).

Expected values follow Proton's hash join (ClickHouse ~22.8): in RIGHT/FULL joins with
join_use_nulls = 0 the unqualified key has the left side's type, so a right row's NULL key
reads as that type's default; in ANTI LEFT joins the right side's key reads the left's.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest


def error(api: Any, sql: str, code: int) -> str:
    body = api.query_error(sql)
    assert body["code"] == code, body
    return str(body["message"])


@pytest.fixture()
def sides(api: Any) -> Iterator[None]:
    api.sql("CREATE STREAM uk_left (k low_cardinality(string), n uint32) ENGINE = Memory")
    api.sql("CREATE STREAM uk_right (k nullable(string), m uint32) ENGINE = Memory")
    api.sql("INSERT INTO uk_left (k, n) VALUES ('p', 1), ('q', 2)")
    api.sql("INSERT INTO uk_right (k, m) VALUES (NULL, 7), ('p', 8)")
    yield
    api.sql("DROP STREAM uk_left")
    api.sql("DROP STREAM uk_right")


def test_right_join_key_takes_the_left_sides_type(api: Any, sides: None) -> None:
    # the unmatched right row's NULL key reads '' (low_cardinality(string)'s default)
    rows = api.table("SELECT k, n, m FROM uk_left AS a RIGHT JOIN uk_right AS b USING (k) "
                     "ORDER BY m")
    assert rows == [["", 0, 7], ["p", 1, 8]]
    rows = api.table("SELECT k, m FROM uk_left AS a FULL JOIN uk_right AS b USING (k) "
                     "ORDER BY m SETTINGS join_use_nulls = 1")
    assert rows == [[None, 7], ["p", 8], ["q", None]]


def test_null_key_beside_a_subquery_is_refused(api: Any, sides: None) -> None:
    # the left side's own key type is not known here: a NULL key row is refused
    message = error(api, "SELECT k, m FROM (SELECT k FROM uk_left) AS a RIGHT JOIN uk_right AS b "
                         "USING (k) ORDER BY m", 48)
    assert "NULL key" in message


def test_anti_left_join_right_key_reads_the_left_key(api: Any, sides: None) -> None:
    # Proton reads the left key through b.k there; chDB read the right side's NULL
    rows = api.table("SELECT a.k, b.k FROM uk_left AS a ANTI LEFT JOIN uk_right AS b USING (k)")
    assert rows == [["q", "q"]]
    rows = api.table("SELECT b.* FROM uk_left AS a ANTI LEFT JOIN uk_right AS b USING (k)")
    assert rows == [["q", 0]]
