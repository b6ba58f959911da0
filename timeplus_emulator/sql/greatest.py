"""``greatest`` over Proton's generic comparison, where NaN and NULL count as the greatest.

Owns: the choice of the helper a ``greatest`` call goes through, and the helpers' bodies.

Proton's ``greatest`` of two numbers is ``a > b ? a : b``; of three or more arguments, or of
two that are not numbers (arrays, tuples, strings...), it keeps the first argument that no
later one compares above, comparing with NaN and NULL as the greatest values
(LeastGreatestGeneric.h, ``compareAt(..., 1)``): ``greatest(1, inf, nan)`` is nan and
``greatest([NULL], [0])`` is ``[NULL]`` (01246_least_greatest_generic). chDB's generic
``greatest`` never picks them (inf and ``[0]``); its ``least`` agrees with Proton's.

The helper sorts the arguments by ``(value, -position)``: chDB's ``arraySort`` puts NaN and NULL
last, as Proton's comparison does, and the last element is then the first of the greatest
values. Three to :data:`MOST` arguments always go through it; two only when one of them is
written as an array, tuple or string (their types are then surely no numbers). Other two-
argument calls, and more than :data:`MOST` arguments, stay chDB's.
"""

from __future__ import annotations

from typing import Optional

from timeplus_emulator.sql.tokens import Kind, Token

MOST = 10  # arguments


def _helper_name(count: int) -> str:
    return f"__tp_greatest{count}"


def _body(count: int) -> tuple[str, str, str]:
    params = ", ".join(f"a{i}" for i in range(1, count + 1))
    return ("greatest", f"({params})",
            f"arrayElement(arraySort((__tp_x, __tp_i) -> (__tp_x, -__tp_i), [{params}], "
            f"range(1, {count + 1})), -1)")


#: helper name -> (Timeplus name shown for it, parameters, body), as calls.CALL_HELPERS
GREATEST_HELPERS = {_helper_name(n): _body(n) for n in range(2, MOST + 1)}


def greatest_helper(args: list[list[Token]]) -> Optional[str]:
    """The helper a ``greatest`` call with these argument tokens goes through, or None."""
    if 3 <= len(args) <= MOST or (len(args) == 2 and any(map(_not_a_number, args))):
        return _helper_name(len(args))
    return None


def _not_a_number(tokens: list[Token]) -> bool:
    """An argument written as an array, a tuple or a string."""
    if not tokens:
        return False
    first = tokens[0]
    if first.is_op("[") or (len(tokens) == 1 and first.kind is Kind.STRING):
        return True
    if first.is_word("ARRAY_CAST", "TUPLE_CAST", "MAP_CAST") and len(tokens) > 1:
        return True
    depth = 0
    for tok in tokens:  # (a, b): a comma at the first depth
        depth += 1 if tok.is_op("(", "[") else -1 if tok.is_op(")", "]") else 0
        if depth == 1 and tok.is_op(",") and first.is_op("("):
            return True
    return False
