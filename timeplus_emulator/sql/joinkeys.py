"""A ``JOIN ... ON`` condition without a join key: Proton's 403, not chDB's filtered join.

Owns: the check, made on the tokens, that an ``ON`` condition names at least one equality
between expressions that both read columns. Proton (TreeRewriter.cpp, CollectJoinOnKeys) takes
its join keys from such equalities; a condition with none is joined only when it is a constant,
else it raises 403, "Cannot get JOIN keys from JOIN ON section"
(``RIGHT JOIN ... ON 1 = foo.b``, 01478_not_equi-join_on). chDB joins such a condition as a
filter and answered a row.

Conservative: a condition is refused only when no part of it (split at top-level ``AND`` and
``OR``, brackets around it removed) can be a key: an equality (``=``, ``==``, ``equals(...)``)
whose two sides both hold a name, or anything this check does not read (a call, ``IN``...
is taken as a possible key only when it is ``equals``). ``ASOF`` joins are left to chDB.

An ``OR`` inside brackets that are one operand of the condition's ``AND``/``OR``
(``(a = b OR c = b) OR e = f``, ``(a = b OR c = b) AND (...)``) whose alternatives hold a
key is refused (48): Proton takes its keys from a top-level disjunction of conjunctions only
and raises 403 for such conditions (01661_join_complex); chDB joined them.
"""

from __future__ import annotations

from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, TranslationError
from timeplus_emulator.sql.tokens import Kind, Token, render

INVALID_JOIN_ON_EXPRESSION = 403
_ENDS = ("JOIN", "WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "SETTINGS", "WINDOW", "QUALIFY",
         "UNION", "EXCEPT", "INTERSECT", "EMIT", "FORMAT", "INTO", "PREWHERE", "ARRAY", "LEFT",
         "RIGHT", "INNER", "FULL", "CROSS", "OUTER", "ANY", "ALL", "SEMI", "ANTI", "GLOBAL")
_WORDS = ("AND", "OR", "NOT", "IS", "NULL", "IN", "LIKE", "BETWEEN", "CASE", "WHEN", "THEN",
          "ELSE", "END", "TRUE", "FALSE", "INTERVAL")
_NAMES = (Kind.IDENT, Kind.QUOTED_IDENT)


def refuse_keyless_join_on(tokens: list[Token]) -> None:
    """Raise 403 for a ``JOIN ... ON`` condition that Proton finds no join key in."""
    for i, tok in enumerate(tokens):
        if tok.is_word("ON") and _joined(tokens, i):
            condition = tokens[i + 1:_condition_end(tokens, i + 1)]
            if _has_name(condition) and not _may_have_key(condition):
                raise TranslationError(
                    INVALID_JOIN_ON_EXPRESSION, "Cannot get JOIN keys from JOIN ON section: "
                    + render(condition).strip())
            if _nested_keyed_or(condition):
                raise TranslationError(
                    NOT_IMPLEMENTED, "A JOIN ON condition with an OR of join keys inside "
                    "brackets under AND/OR is not supported by the emulator (Proton reads keys "
                    "from a top-level OR of ANDs only): " + render(condition).strip())


def _joined(tokens: list[Token], on: int) -> bool:
    """True if the ``ON`` at ``on`` follows a ``JOIN`` that is not an ``ASOF`` join."""
    depth = 0
    for j in range(on - 1, -1, -1):
        depth += 1 if tokens[j].is_op(")", "]") else -1 if tokens[j].is_op("(", "[") else 0
        if depth > 0:
            continue
        if depth < 0 or tokens[j].is_word("SELECT", "WHERE", "ON"):
            return False
        if tokens[j].is_word("JOIN"):
            return not any(t.is_word("ASOF") for t in tokens[max(0, j - 3):j])
    return False


def _condition_end(tokens: list[Token], start: int) -> int:
    depth = 0
    for j in range(start, len(tokens)):
        tok = tokens[j]
        if tok.kind is Kind.EOF or (depth == 0 and (tok.is_op(")", ",") or tok.is_word(*_ENDS))):
            return j
        depth += 1 if tok.is_op("(", "[") else -1 if tok.is_op(")", "]") else 0
    return len(tokens)


def _parts(tokens: list[Token], *words: str) -> list[list[Token]]:
    """``tokens`` split at top-level ``words`` (``BETWEEN a AND b`` kept whole)."""
    parts: list[list[Token]] = [[]]
    depth, between = 0, False
    for tok in tokens:
        depth += 1 if tok.is_op("(", "[") else -1 if tok.is_op(")", "]") else 0
        if depth == 0 and tok.is_word("BETWEEN"):
            between = True
        elif depth == 0 and tok.is_word(*words) and not (between and tok.is_word("AND")):
            parts.append([])
            continue
        elif depth == 0 and tok.is_word("AND"):
            between = False
        parts[-1].append(tok)
    return parts


def _unbracketed(tokens: list[Token]) -> list[Token]:
    while len(tokens) >= 2 and tokens[0].is_op("(") and tokens[-1].is_op(")") and \
            _closes_at_end(tokens):
        tokens = tokens[1:-1]
    return tokens


def _closes_at_end(tokens: list[Token]) -> bool:
    depth = 0
    for j, tok in enumerate(tokens):
        depth += 1 if tok.is_op("(", "[") else -1 if tok.is_op(")", "]") else 0
        if depth == 0:
            return j == len(tokens) - 1
    return False


def _may_have_key(condition: list[Token]) -> bool:
    condition = _unbracketed(condition)
    disjuncts = _parts(condition, "OR")
    if len(disjuncts) > 1:
        return any(_may_have_key(part) for part in disjuncts)
    conjuncts = _parts(condition, "AND")
    if len(conjuncts) > 1:
        return any(_may_have_key(part) for part in conjuncts)
    return _is_key(condition)


def _is_key(part: list[Token]) -> bool:
    if part and part[0].is_word("EQUALS"):
        return True
    depth = 0
    for j, tok in enumerate(part):
        depth += 1 if tok.is_op("(", "[") else -1 if tok.is_op(")", "]") else 0
        if depth == 0 and tok.is_op("=", "=="):
            return _has_name(part[:j]) and _has_name(part[j + 1:])
    if part and part[0].is_op("(") and _closes_at_end(part):
        return _may_have_key(part)
    return False


def _has_name(tokens: list[Token]) -> bool:
    """True if ``tokens`` read a column: a name that is no keyword and no called function."""
    return any(tok.kind in _NAMES and not tok.is_word(*_WORDS)
               and not (j + 1 < len(tokens) and tokens[j + 1].is_op("("))
               for j, tok in enumerate(tokens))


def _nested_keyed_or(condition: list[Token]) -> bool:
    """True if an operand of the condition's top-level OR/AND is a bracketed OR with a key."""
    for disjunct in _parts(_unbracketed(condition), "OR"):
        for part in _parts(disjunct, "AND"):
            inner = _unbracketed(part)
            if inner is not part and len(_parts(inner, "OR")) > 1 and _may_have_key(inner):
                return True
    return False
