"""Nested lambdas that reuse a parameter name are refused (``sql/lambdas.py``).

Proton's analyzer reads the inner name otherwise than chDB: 00897_flatten's reference gives
``[0]`` for ``flatten(array_map(x -> array_map(x -> array_map(x -> range(x), range(x)),
range(x)), range(2)))``, where hiding the outer ``x`` (chDB) gives ``[]``.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("sql", [
    "SELECT array_flatten(array_map(x -> array_map(x -> range(x), range(x)), range(3)))",
    "SELECT array_map((a, x) -> array_filter(x -> x > a, [x, 1]), [1], [2])",
])
def test_inner_lambda_reusing_a_parameter_name_is_refused(api: Any, sql: str) -> None:
    body = api.query_error(sql)
    assert body["code"] == 48 and "lambda" in body["message"], body


def test_lambdas_with_their_own_names_answer(api: Any) -> None:
    # the same computation with distinct names: range(0) is [], range(1) [0], range(2) [0, 1]
    rows = api.table("SELECT array_flatten(array_map(x -> array_map(y -> range(y), range(x)), "
                     "range(3))), array_map(x -> x + 1, [1, 2]), array_map(x -> x, [5])")
    assert rows == [[[0], [2, 3], [5]]]
