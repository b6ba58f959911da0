"""top_k as Proton answers it: exact counts, ties in the order of Proton's SpaceSaving list.

Proton (SpaceSaving.h) moves a counter up only past strictly smaller counts, so values with
equal counts keep the order in which they reached that count: the order of their last
occurrences. Expected values are worked out from that rule by hand.
"""

from __future__ import annotations

from typing import Any


def values(api: Any, sql: str) -> list[Any]:
    rows = api.table(sql)
    assert len(rows) == 1, rows
    return list(rows[0])


def test_ties_come_in_the_order_of_their_last_occurrence(api: Any) -> None:
    # a: positions 1 and 4, b: 2 and 3, c: 5 -> b reached 2 first
    sql = ("SELECT top_k(v, 2), top_k(v, 2, false), top_k(v, 5) FROM "
           "(SELECT array_join(['a', 'b', 'b', 'a', 'c']) AS v)")
    assert values(api, sql) == [[["b", "2"], ["a", "2"]], ["b", "a"],
                                [["b", "2"], ["a", "2"], ["c", "1"]]]


def test_heavy_hitters_among_many_values_keep_protons_order(api: Any) -> None:
    # 0..4 each 1000 times, written 4, 3, 2, 1, 0 in every block of 50, among 45,000
    # values seen once; 4 is the first to reach 1000
    sql = ("SELECT top_k(v, 5) FROM (SELECT if(number % 50 < 5, 4 - to_int64(number % 50), "
           "to_int64(number)) AS v FROM numbers(50000))")
    assert values(api, sql) == [[[str(v), "1000"] for v in (4, 3, 2, 1, 0)]]


def test_nulls_are_not_counted_and_groups_count_apart(api: Any) -> None:
    sql = "SELECT top_k(x, 3) FROM (SELECT array_join([NULL, 7, 8, 8, NULL, 7]) AS x)"
    assert values(api, sql) == [[[8, "2"], [7, "2"]]]
    rows = api.table("SELECT g, top_k(v, 1, false) FROM (SELECT array_join([(1, 'x'), (2, 'y'), "
                     "(1, 'z'), (1, 'x'), (2, 'y')]) AS p, p.1 AS g, p.2 AS v) GROUP BY g "
                     "ORDER BY g")
    assert rows == [[1, ["x"]], [2, ["y"]]]
