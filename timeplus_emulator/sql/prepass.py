"""Token passes over a whole statement before it is translated.

Owns: Proton spellings that are rewritten, or refused, from the tokens alone:
``position(needle IN haystack)``, a literal ``SELECT`` alias that a ``JOIN ... USING`` names
(sent through ``materialize``), ``SAMPLE`` in a query, and several subqueries without an
alias joined under ``joined_subquery_requires_alias = 0``.
"""

from __future__ import annotations

from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, TranslationError
from timeplus_emulator.sql.rewriter import match_paren
from timeplus_emulator.sql.tokens import Kind, Token, name_of


def materialized_using_constants(tokens: list[Token]) -> list[Token]:
    """``SELECT 1 AS k ... JOIN ... USING k``: the literal sent as ``materialize(1)``. Proton
    joins on the alias's value; chDB cannot take a constant as a join key (403)."""
    names = {name_of(tokens[i + 1]) for i, tok in enumerate(tokens[:-1])
             if tok.is_word("USING") and tokens[i + 1].kind in (Kind.IDENT, Kind.QUOTED_IDENT)}
    names |= {name_of(tokens[j]) for i, tok in enumerate(tokens[:-1])
              if tok.is_word("USING") and tokens[i + 1].is_op("(")
              for j in range(i + 2, match_paren(tokens, i + 1))
              if tokens[j].kind in (Kind.IDENT, Kind.QUOTED_IDENT)}
    if not names:
        return tokens
    out: list[Token] = []
    for i, tok in enumerate(tokens):
        item = (tok.kind in (Kind.NUMBER, Kind.STRING) and 0 < i < len(tokens) - 2
                and (tokens[i - 1].is_word("SELECT") or tokens[i - 1].is_op(",")))
        if item and tokens[i + 1].is_word("AS") and name_of(tokens[i + 2]) in names:
            out += [Token(Kind.IDENT, "materialize", tok.pos, tok.pre),
                    Token(Kind.OP, "(", tok.pos), tok._replace(pre=""),
                    Token(Kind.OP, ")", tok.pos)]
            continue
        out.append(tok)
    return out


def position_in_calls(tokens: list[Token]) -> list[Token]:
    """``position(needle IN haystack)`` (SQL's form) → ``position(haystack, needle)``; the
    IN would otherwise be read as a membership test."""
    for i in range(len(tokens) - 2):
        if not (tokens[i].is_word("POSITION") and tokens[i + 1].is_op("(")):
            continue
        close = match_paren(tokens, i + 1)
        depth = 0
        for j in range(i + 2, close):
            depth += 1 if tokens[j].is_op("(", "[") else -1 if tokens[j].is_op(")", "]") else 0
            if depth == 0 and tokens[j].is_word("IN"):
                comma = Token(Kind.OP, ",", tokens[j].pos)
                needle, haystack = tokens[i + 2:j], tokens[j + 1:close]
                return position_in_calls(
                    [*tokens[:i + 2], *haystack, comma, *needle, *tokens[close:]])
    return tokens


def refuse_sample(tokens: list[Token]) -> None:
    """``FROM s SAMPLE 1/2 [OFFSET ...]``: the emulator reads each stream through a subquery,
    which has no sampling key (``SAMPLE BY`` in a CREATE is kept, and means nothing)."""
    for i, tok in enumerate(tokens[:-1]):
        if (tok.is_word("SAMPLE") and tokens[i + 1].kind is Kind.NUMBER
                and not tokens[i - 1].is_op(".", ",", "(")):
            raise TranslationError(NOT_IMPLEMENTED, "SAMPLE in a query is not supported by the "
                                   "emulator")


_FROM_ENDS = ("WHERE", "PREWHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "SETTINGS", "WINDOW",
              "UNION", "EXCEPT", "INTERSECT", "EMIT", "FORMAT", "QUALIFY", "ON", "USING")


def refuse_unaliased_joined_subqueries(tokens: list[Token]) -> None:
    """Two or more subqueries without an alias among three or more joined FROM items (allowed
    by SETTINGS joined_subquery_requires_alias = 0): Proton's rewrite of a multiple join into
    nested ones cannot tell their same-named columns apart (352 for ``(SELECT 1), (SELECT 1),
    (SELECT 1)``, 01890); chDB answered. Two joined items keep working, as in Proton."""
    if not any(t.is_word("JOINED_SUBQUERY_REQUIRES_ALIAS") for t in tokens):
        return
    for i, tok in enumerate(tokens):
        unaliased, items = _unaliased_subqueries(tokens, i + 1) if tok.is_word("FROM") else (0, 0)
        if unaliased > 1 and items > 2:
            raise TranslationError(NOT_IMPLEMENTED, "Joining several subqueries without an "
                                   "alias (joined_subquery_requires_alias = 0) is not "
                                   "supported by the emulator")


def _unaliased_subqueries(tokens: list[Token], i: int) -> tuple[int, int]:
    """How many FROM items from ``i`` (up to the clause's end) are subqueries without alias,
    and how many items there are."""
    count, items, item_start = 0, 1, True
    while i < len(tokens) and tokens[i].kind is not Kind.EOF:
        tok = tokens[i]
        if tok.is_op(")") or tok.is_word(*_FROM_ENDS):
            break
        if tok.is_op("("):
            close = match_paren(tokens, i)
            after = tokens[close + 1] if close + 1 < len(tokens) else None
            named = after is not None and (after.is_word("AS") or (
                after.kind in (Kind.IDENT, Kind.QUOTED_IDENT) and not after.is_word(
                    *_FROM_ENDS, "JOIN", "LEFT", "RIGHT", "INNER", "FULL", "CROSS", "ANY",
                    "ALL", "SEMI", "ANTI", "ASOF", "GLOBAL", "ARRAY", "OUTER", "FINAL")))
            count += item_start and tokens[i + 1].is_word("SELECT", "WITH") and not named
            i = close
        item_start = tok.is_op(",") or tok.is_word("JOIN")
        items += item_start
        i += 1
    return count, items
