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
