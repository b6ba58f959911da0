"""Constant ``IN (...)`` elements that Proton cannot convert to the left side's type.

Proton converts each element to ``x``'s type before comparing (convertFieldToType.cpp); a
``decimal256`` value converts to no other decimal type there (53, 00862_decimal_in), where
chDB compared the values. The emulator cannot see ``x``'s type, so it refuses (48).
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("sql", [
    "SELECT to_decimal128(128, 2) IN (to_decimal256(256, 1))",
    "SELECT d FROM (SELECT to_decimal64(64, 2) AS d) WHERE d NOT IN (1, to_decimal256(64, 3))",
    "SELECT to_decimal32(3, 1) IN (cast(3 AS decimal256(2)))",
])
def test_decimal256_elements_of_an_in_list_are_refused(api: Any, sql: str) -> None:
    body = api.query_error(sql)
    assert body["code"] == 48 and "decimal256" in body["message"], body


def test_other_decimal_elements_and_subqueries_still_answer(api: Any) -> None:
    # 00862: 128 stored as decimal(38, 2) is in (to_decimal128(128, 3)), and so on
    assert api.table("SELECT to_decimal128(128, 2) IN (to_decimal128(128, 3)), "
                     "to_decimal64(64, 2) IN (to_decimal32(64, 1))") == [[True, True]]
    assert api.table("SELECT 2 IN (SELECT to_decimal256(2, 0))") == [[True]]
