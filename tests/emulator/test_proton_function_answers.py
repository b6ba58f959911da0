"""Function answers that chDB gives otherwise than Proton, each fixed or refused.

Found by Proton's stateless cases that the emulator answered wrong. Expected values come
from Proton's sources (named per test) and its test references, written out by hand.
"""

from __future__ import annotations

from typing import Any


def test_multi_if_of_fixed_strings_drops_trailing_zero_bytes(api: Any) -> None:
    # Proton's multi_if casts its fixed_string(2)/fixed_string(4) branches to string, and that
    # cast cuts trailing zero bytes (FunctionsConversion.h); its `if` keeps each branch's bytes
    # (01355_if_fixed_string)
    rows = api.table("SELECT multi_if(number = 1, to_fixed_string('a', 2), "
                     "to_fixed_string('bc', 4)) AS x, to_type_name(x), "
                     "to_uint8(length(if(number = 1, to_fixed_string('a', 2), to_fixed_string('bc', 4)))) "
                     "FROM numbers(2)")
    assert rows == [["bc", "string", 4], ["a", "string", 2]]


def test_fuzz_bits_of_a_constant_in_a_subquery_flips_bits(api: Any) -> None:
    # fuzzBits.cpp flips each bit with the given probability, a constant's too: 64 zero bytes
    # at 0.5 keep all zeros with probability 2**-512 (chDB folded the constant unchanged)
    rows = api.table("SELECT x != repeat('\\0', 64), length(x) = 64 FROM "
                     "(SELECT fuzz_bits(repeat('\\0', 64), 0.5) AS x)")
    assert rows == [[True, True]]
    stream = api.query("SELECT fuzz_bits('abc', 0.25)")
    try:
        assert len(stream.rows()[0][0]) == 3
        assert [c["name"] for c in stream.header] == ["fuzz_bits('abc', 0.25)"]
    finally:
        stream.close()
