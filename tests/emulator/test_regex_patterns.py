"""A regular expression written with a NUL byte is refused (``sql/protoncalls.py``).

Proton's pattern analysis (OptimizedRegularExpression.cpp) stops at a NUL byte, so
``match('', '\\0')`` is true there (00760_url_functions_overflow); chDB reads the whole pattern
and answers false. Such patterns are refused (48); others answer as before.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("sql", [
    "SELECT match('', '\\0')",
    "SELECT extract_all('a\\0b', 'a\\0')",
    "SELECT 'x' LIKE '%\\0'",
    "SELECT 'x' NOT ILIKE 'x\\0y'",
    "SELECT split_by_regexp('\\0', 'abc')",
])
def test_patterns_with_a_nul_byte_are_refused(api: Any, sql: str) -> None:
    body = api.query_error(sql)
    assert body["code"] == 48 and "NUL" in body["message"], body


def test_other_patterns_and_nul_bytes_elsewhere_answer(api: Any) -> None:
    rows = api.table("SELECT match('abc', 'b.'), 'ab' LIKE 'a%', extract('k=7', '\\\\d'), "
                     "cut_url_parameter('C,Ai?X', '\\0'), length('\\0')")
    assert rows == [[True, True, "7", "C,Ai?X", "1"]]  # length is a uint64, quoted
