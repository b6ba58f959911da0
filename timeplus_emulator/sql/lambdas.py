"""Lambdas (``x -> body``, ``(x, y) -> body``) as Proton's analyzer reads them.

Owns: refusing a lambda nested in another lambda's body that takes a parameter of the same
name and reads it (``array_map(x -> array_map(x -> range(x), range(x)), a)``). chDB's
analyzer lets the inner parameter hide the outer one; Proton's (ClickHouse ~22.8) answers otherwise:
00897_flatten's ``flatten(array_map(x -> array_map(x -> array_map(x -> range(x), range(x)),
range(x)), range(number)))`` is ``[0]`` for ``number = 2`` there, ``[]`` in chDB. The
emulator refuses such a query (48) rather than answer chDB's way.
"""

from __future__ import annotations

from typing import Optional

from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, TranslationError
from timeplus_emulator.sql.tokens import Kind, Token, name_of

_NAMES = (Kind.IDENT, Kind.QUOTED_IDENT)


def _parameters(tokens: list[Token], arrow: int) -> Optional[frozenset[str]]:
    """The parameter names of the lambda whose ``->`` is at ``arrow`` (None if none)."""
    before = arrow - 1
    if before >= 0 and tokens[before].kind in _NAMES:
        return frozenset({name_of(tokens[before]).lower()})
    if before < 0 or not tokens[before].is_op(")"):
        return None
    names, i = set(), before - 1
    while i >= 0 and not tokens[i].is_op("("):
        if tokens[i].kind in _NAMES:
            names.add(name_of(tokens[i]).lower())
        elif not tokens[i].is_op(","):
            return None
        i -= 1
    return frozenset(names) or None


def _body_end(tokens: list[Token], arrow: int) -> int:
    """Index after the body of the lambda at ``arrow``: the end of its argument."""
    depth = 0
    for i in range(arrow + 1, len(tokens)):
        tok = tokens[i]
        if tok.is_op("(", "["):
            depth += 1
        elif tok.is_op(")", "]"):
            depth -= 1
            if depth < 0:
                return i
        elif depth == 0 and tok.is_op(","):
            return i
    return len(tokens)


def _names_used(tokens: list[Token], start: int, end: int) -> frozenset[str]:
    """The bare names read in ``[start, end)`` (not called, not after a dot)."""
    return frozenset(
        name_of(tokens[i]).lower() for i in range(start, end)
        if tokens[i].kind in _NAMES and not tokens[i + 1].is_op("(")
        and not (i > 0 and tokens[i - 1].is_op(".")))


def refuse_shadowed_parameters(tokens: list[Token]) -> None:
    """Refuse (48) a lambda inside another lambda's body that reuses a parameter name."""
    arrows = [i for i, tok in enumerate(tokens) if tok.is_op("->")]
    for outer in arrows:
        names = _parameters(tokens, outer)
        if names is None:
            continue
        end = _body_end(tokens, outer)
        for inner in arrows:
            shared = names & (_parameters(tokens, inner) or frozenset()) \
                if outer < inner < end else frozenset()
            if shared & _names_used(tokens, inner + 1, _body_end(tokens, inner)):
                raise TranslationError(
                    NOT_IMPLEMENTED, f"A lambda inside another lambda that reuses its parameter "
                    f"name {sorted(shared)[0]} is not supported by the emulator (Proton's "
                    "analyzer reads the inner name otherwise); rename one of them")
