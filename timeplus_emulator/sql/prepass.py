"""Token passes over a whole statement before it is translated.

Owns: Proton spellings that are rewritten, or refused, from the tokens alone:
``position(needle IN haystack)``, a literal ``SELECT`` alias that a ``JOIN ... USING`` names
(sent through ``materialize``), and ``SAMPLE`` in a query.
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
