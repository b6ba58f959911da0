"""``if`` with a constant condition, folded as Proton folds it before typing.

Owns: recognising the conditions Proton's ``OptimizeIfWithConstantConditionVisitor``
(run by its TreeRewriter on every query) replaces ``if(c, a, b)`` and ``c ? a : b`` for:
an integer literal (``0``, ``1``, ``-1``, ``0x10``), or such a literal inside
``to_uint8(...)``, ``to_int8(...)``, ``identity(...)`` or a cast to ``uint8`` /
``nullable(uint8)``. The call is replaced by the chosen branch with the call's alias, so
its type is the branch's own: ``0 ? datetime_value : date_value`` is the ``date``, where
chDB types the ``if`` with the common type of both branches (``datetime64(0)``), and the
other branch is never typed (``if(1, 'a', 2)`` is ``'a'``, where chDB finds no common type).
The result column is named after the branch, as in Proton.

Not folded: ``true``/``false`` (bool literals), floats, ``NULL``, ``multi_if``/``CASE``,
and a name standing for a literal (``0 AS c ... if(c, a, b)``, which Proton folds after
putting the literal in for the alias): such a condition keeps chDB's common type.
"""

from __future__ import annotations

import re
from typing import Optional

from timeplus_emulator.sql.tokens import Kind, Token, name_of, unquote

_INTEGER = re.compile(r"(0x[0-9a-f]+|0b[01]+|[0-9][0-9_]*)", re.IGNORECASE)
_PASSING = frozenset({"to_uint8", "to_int8", "identity"})
_UINT8 = frozenset({"uint8", "nullable(uint8)"})
#: what may stand right before a ternary whose condition is only a literal (or a call)
_BEFORE_OPS = ("(", ",", "[", "?", ":", "->")
_BEFORE_WORDS = ("SELECT", "DISTINCT", "ALL", "WHERE", "PREWHERE", "HAVING", "QUALIFY", "BY",
                 "WHEN", "THEN", "ELSE", "ON", "USING")


def condition_value(tokens: list[Token], start: int, end: int) -> Optional[bool]:
    """The value of the condition ``[start, end)`` if Proton folds an ``if`` on it."""
    part = tokens[start:end]
    if not part:
        return None
    negated = part[0].is_op("-")
    literal = part[1:] if negated else part
    if len(literal) == 1 and literal[0].kind is Kind.NUMBER:
        text = literal[0].text
        if _INTEGER.fullmatch(text) is None:
            return None
        return any(ch not in "0_xXbB" for ch in text)
    if negated or len(part) < 4 or not part[1].is_op("(") or not part[-1].is_op(")"):
        return None
    name = name_of(part[0]).lower()
    if name in _PASSING:
        return condition_value(tokens, start + 2, end - 1)
    if name != "cast":
        return None
    return _cast_value(tokens, start + 2, end - 1)


def _cast_value(tokens: list[Token], start: int, end: int) -> Optional[bool]:
    """``CAST(x AS uint8)`` / ``CAST(x, 'uint8')`` of a foldable literal ``x``."""
    for i in range(start + 1, end):
        tok = tokens[i]
        if tok.is_word("AS") or tok.is_op(","):
            if tok.is_op(","):
                if i + 2 != end or tokens[i + 1].kind is not Kind.STRING:
                    return None
                type_text = unquote(tokens[i + 1].text)
            else:
                type_text = "".join(t.pre + t.text for t in tokens[i + 1:end])
            if "".join(type_text.split()).lower() not in _UINT8:
                return None
            return condition_value(tokens, start, i)
    return None


def ternary_condition(tokens: list[Token], question: int, lower: int) -> Optional[int]:
    """Start of the condition of the ternary at ``question`` if it is foldable (a literal or
    a call standing alone, not the end of a longer operand), else None; ``lower`` is the
    first index the condition may start at."""
    i = question - 1
    if i < lower:
        return None
    if tokens[i].is_op(")"):
        depth = 0
        while i >= lower:
            depth += tokens[i].is_op(")") - tokens[i].is_op("(")
            if depth == 0:
                break
            i -= 1
        i -= 1  # the function's name
        if i < lower or tokens[i].kind not in (Kind.IDENT, Kind.QUOTED_IDENT):
            return None
    elif i - 1 >= lower and tokens[i - 1].is_op("-") and tokens[i].kind is Kind.NUMBER:
        i -= 1
    if condition_value(tokens, i, question) is None:
        return None
    if i == 0:
        return i
    before = tokens[i - 1]
    return i if before.is_op(*_BEFORE_OPS) or before.is_word(*_BEFORE_WORDS) else None
