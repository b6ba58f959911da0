"""``AND``/``OR`` over a comparison with a tuple written with a ``NULL`` element: refused (48).

Owns: that refusal, made on the tokens. Such a comparison is NULL in both (Proton types it
``nullable(nothing)``, FunctionsComparison.h; ``(1, NULL) = (2, 1)`` is NULL in
00250_tuple_comparison), but Proton's ``OR`` of them answers ``false``:
``(NULL, NULL) = (8, 0) OR (NULL, NULL) = (3, 2)`` (01774_tuple_null_in), although its
``NULL OR 0`` is NULL (01376_null_logical). Its short-circuit ``and``/``or``
(FunctionsLogical.cpp, ``executeShortCircuit``) reads the lazily computed constant NULL as
false; chDB answers NULL. The emulator refuses ``AND``/``OR`` beside such a comparison rather
than answer NULL. ``IN`` and a lone comparison are not affected.
"""

from __future__ import annotations

from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, TranslationError
from timeplus_emulator.sql.modulo import KEYWORDS
from timeplus_emulator.sql.tokens import Kind, Token

_COMPARISONS = ("=", "==", "!=", "<>", "<", ">", "<=", ">=")
_CLAUSES = ("SELECT", "WHERE", "PREWHERE", "HAVING", "FROM", "ON", "WHEN", "THEN", "ELSE",
            "AS", "BY", "LIMIT", "SETTINGS")


def refuse_null_tuple_comparisons(tokens: list[Token]) -> None:
    """Raise 48 for a comparison operator beside a tuple literal with a NULL element."""
    for i, tok in enumerate(tokens):
        if not tok.is_op("(") or (i > 0 and tokens[i - 1].kind in (Kind.IDENT, Kind.QUOTED_IDENT)
                                   and not tokens[i - 1].is_word(*KEYWORDS)):  # a call
            continue
        close = _close(tokens, i)
        if close is None or not _null_tuple(tokens[i + 1:close]):
            continue
        before = tokens[i - 1] if i > 0 else None
        after = tokens[close + 1] if close + 1 < len(tokens) else None
        if any(t is not None and t.is_op(*_COMPARISONS) for t in (before, after)) and \
                _beside_logic(tokens, i):
            raise TranslationError(
                NOT_IMPLEMENTED, "AND/OR over a comparison with a tuple that has a NULL element "
                "is not supported by the emulator (Proton answers false where chDB answers "
                "NULL)")


def _beside_logic(tokens: list[Token], at: int) -> bool:
    """True if the expression around the bracket at ``at`` (through grouping brackets, to a
    call's bracket, a comma or a clause word) has an ``AND``/``OR`` at its own depth."""
    for step, opening, closing in ((-1, ")", "("), (1, "(", ")")):
        depth, j = 0, at - 1 if step < 0 else at
        while 0 <= j < len(tokens):
            tok = tokens[j]
            depth += 1 if tok.is_op(opening, "]" if step < 0 else "[") else \
                -1 if tok.is_op(closing, "[" if step < 0 else "]") else 0
            if depth < 0:
                if not _grouping(tokens, j if step < 0 else _open_of(tokens, j)):
                    break
                depth = 0
            elif depth == 0 and (tok.is_op(",") or tok.is_word(*_CLAUSES)):
                break
            elif depth == 0 and tok.is_word("AND", "OR"):
                return True
            j += step
    return False


def _grouping(tokens: list[Token], open_at: int | None) -> bool:
    """True for a ``(`` that only groups: no call's name before it."""
    if open_at is None or not tokens[open_at].is_op("("):
        return False
    before = tokens[open_at - 1] if open_at > 0 else None
    return before is None or not (before.kind in (Kind.IDENT, Kind.QUOTED_IDENT)
                                  and not before.is_word(*KEYWORDS))


def _open_of(tokens: list[Token], close_at: int) -> int | None:
    depth = 0
    for j in range(close_at, -1, -1):
        depth += 1 if tokens[j].is_op(")", "]") else -1 if tokens[j].is_op("(", "[") else 0
        if depth == 0:
            return j
    return None


def _close(tokens: list[Token], i: int) -> int | None:
    depth = 0
    for j in range(i, len(tokens)):
        depth += 1 if tokens[j].is_op("(", "[") else -1 if tokens[j].is_op(")", "]") else 0
        if depth == 0:
            return j
    return None


def _null_tuple(inner: list[Token]) -> bool:
    """True for the inside of ``(a, NULL, ...)``: a top-level comma and a bare NULL element."""
    depth, comma, nulls = 0, False, False
    element: list[Token] = []
    for tok in [*inner, None]:
        if tok is None or (depth == 0 and tok.is_op(",")):
            nulls = nulls or (len(element) == 1 and element[0].is_word("NULL"))
            comma = comma or tok is not None
            element = []
            continue
        depth += 1 if tok.is_op("(", "[") else -1 if tok.is_op(")", "]") else 0
        element.append(tok)
    return comma and nulls
