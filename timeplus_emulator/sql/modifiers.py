"""Words of GROUP BY and ORDER BY modifiers that look like something else.

Owns: recognising ``GROUP BY ROLLUP(...)``, ``CUBE(...)`` and ``GROUPING SETS (...)``
(Proton's ``ParserSelectQuery`` reads all three; they are no function calls), and the
``FROM``/``TO`` of ``ORDER BY x WITH FILL [FROM a] [TO b] [STEP c]`` (Proton's
``ParserOrderByElement``), which are no FROM clause. The rewriter passes these words to chDB
as written; their operands are rewritten like any expression, so every name in them passes
the allow-lists.
"""

from __future__ import annotations

from typing import Optional

from timeplus_emulator.sql.tokens import Kind, Token


def _after_group_by(toks: list[Token], i: int) -> bool:
    return i >= 2 and toks[i - 1].is_word("BY") and toks[i - 2].is_word("GROUP")


def is_group_by_modifier(toks: list[Token], i: int) -> bool:
    """True for the word at ``i`` in ``GROUP BY ROLLUP(``, ``GROUP BY CUBE(``,
    ``GROUP BY GROUPING SETS (`` (both words)."""
    tok = toks[i]
    if tok.is_word("ROLLUP", "CUBE"):
        return toks[i + 1].is_op("(") and _after_group_by(toks, i)
    if tok.is_word("GROUPING"):
        return toks[i + 1].is_word("SETS") and toks[i + 2].is_op("(") and _after_group_by(toks, i)
    if tok.is_word("SETS"):
        return i >= 1 and toks[i + 1].is_op("(") and is_group_by_modifier(toks, i - 1)
    return False


def is_fill_bound(toks: list[Token], i: int) -> bool:
    """True for a ``FROM`` or ``TO`` at ``i`` that bounds a ``WITH FILL`` of ORDER BY.

    It follows ``WITH FILL`` directly, or (``TO``) the ``FROM`` expression of one: the
    nearest earlier ``FILL`` at the same bracket depth, with only an expression between.
    """
    if not toks[i].is_word("FROM", "TO"):
        return False
    depth = 0
    for k in range(i - 1, 0, -1):
        tok = toks[k]
        if tok.is_op(")", "]"):
            depth += 1
        elif tok.is_op("(", "["):
            if depth == 0:
                return False
            depth -= 1
        elif depth == 0 and tok.kind is Kind.IDENT:
            if tok.is_word("FILL"):
                return toks[k - 1].is_word("WITH")
            if tok.is_word("FROM") and toks[i].is_word("TO"):
                return is_fill_bound(toks, k)
            if tok.is_word("SELECT", "WHERE", "BY", "STEP", "ORDER", "GROUP", "HAVING",
                           "LIMIT", "UNION", "TO", "SETTINGS", "ON", "JOIN", "AS"):
                return False
        elif depth == 0 and tok.is_op(","):
            return False
    return False


def grouping_or_fill_modifier(toks: list[Token]) -> Optional[str]:
    """The first GROUP BY or ORDER BY modifier of the statement (``ROLLUP``, ``CUBE``,
    ``GROUPING SETS``, ``WITH ROLLUP``, ``WITH CUBE``, ``WITH FILL``), or None. A streaming
    query with one is refused: the emulator does not emulate how Proton emits them."""
    for i, tok in enumerate(toks[:-1]):
        if tok.is_word("WITH") and toks[i + 1].is_word("ROLLUP", "CUBE", "FILL"):
            return f"WITH {toks[i + 1].upper}"
        if is_group_by_modifier(toks, i):
            return "GROUPING SETS" if tok.is_word("GROUPING") else tok.upper
    return None
