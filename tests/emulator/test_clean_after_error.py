"""Each query starts clean, whatever the previous one did (issue 12 item 7, issue 14 item 5).

chDB keeps the output a failed query had already written in the connection's buffer and
returns it in front of the next result on that connection; after ``select throw_if(1)``,
``select 3`` came back with the header ``throw_if(1)`` and the rows ``'3'``, ``'UInt8'``,
``3``. Checked over HTTP, several times in a row (the pool hands the same connection back),
for errors raised at different stages of a query.
"""

from __future__ import annotations

from typing import Any

import pytest

FAILING = [
    pytest.param("SELECT throw_if(1)", 395, id="throw_if"),
    pytest.param("SELECT throw_if(number = 5000) FROM numbers(100000)", 395, id="mid-result"),
    pytest.param("SELECT to_uint8('x')", 6, id="cannot-parse"),
    pytest.param("SELECT no_such_column", 47, id="unknown-column"),
    pytest.param("SELECT 1 +", 62, id="syntax"),
    pytest.param("SELECT array_element([1], 'a')", 43, id="bad-argument-type"),
]


@pytest.mark.parametrize(("failing", "code"), FAILING)
def test_query_after_a_failed_one_is_clean(api: Any, failing: str, code: int) -> None:
    for round_ in range(4):
        error = api.error(api.post("/queries", json={"sql": failing}), 400)
        assert error["code"] == code, (round_, error)
        stream = api.query("SELECT 3")
        try:
            assert stream.header == [{"name": "3", "type": "uint8"}], (round_, stream.header)
            assert stream.rows() == [[3]], round_
        finally:
            stream.close()


def test_alternating_errors_and_results_on_one_connection(api: Any) -> None:
    """One keep-alive connection, errors of every kind interleaved with queries."""
    for round_ in range(3):
        for param in FAILING:
            failing, code = param.values
            assert api.error(api.post("/queries", json={"sql": failing}), 400)["code"] == code
            assert api.table(f"SELECT {round_} + 1 AS n, 'x' AS s") == [[round_ + 1, "x"]]
