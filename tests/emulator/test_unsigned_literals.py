"""A ``uint64`` literal beside signed values has no common type, as in Proton.

Proton types an integer literal from 2^32 up as ``uint64`` and finds no common type of
``uint64`` and a signed integer, or a float (386, getLeastSupertype.cpp: no signed type holds
every uint64 value; 01065_if_not_finite's reference). chDB let such a literal join them as
``int64`` (``sql/unify.py``). Expected codes and values written out by hand.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("sql", [
    "SELECT if_not_finite(1234567890123456789, -1234567890123456789)",
    "SELECT [5000000000, -1]",
    "SELECT if(number = 0, 5000000000, -1) FROM numbers(2)",
    "SELECT number > 0 ? 0x100000000 : to_int32(3) FROM numbers(2)",
    "SELECT multi_if(number = 0, 5000000000, 2.5) FROM numbers(2)",
    "SELECT CASE WHEN number = 0 THEN -7 ELSE 5000000000 END FROM numbers(2)",
])
def test_uint64_literal_beside_signed_or_float_has_no_common_type(api: Any, sql: str) -> None:
    body = api.query_error(sql)
    assert body["code"] == 386, body


def test_uint64_literal_beside_unsigned_or_negated_keeps_its_value_and_name(api: Any) -> None:
    stream = api.query("SELECT [5000000000, 1] AS u, if_not_finite(5000000000, 2), "
                       "[-5000000000, 1] AS s, [4294967295, -1] AS w")
    assert [(c["name"], c["type"]) for c in stream.header] == [
        ("u", "array(uint64)"), ("if_not_finite(5000000000, 2)", "uint64"),
        ("s", "array(int64)"), ("w", "array(int64)")]
    assert stream.rows() == [[["5000000000", "1"], "5000000000", ["-5000000000", "1"],
                              ["4294967295", "-1"]]]
