"""``INSERT ... VALUES`` expressions for ``datetime`` columns.

Owns: converting, in the rows of an ``INSERT INTO s (columns) VALUES`` with expressions, each
non-literal value for a ``datetime`` column to ``datetime`` first. Proton stores a
``datetime64`` value there (``to_time(...)`` gives one, 02991_datetime_timezone) as its instant
in seconds; chDB's VALUES reader refused it (53, "Type mismatch in IN or VALUES section").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Optional

from timeplus_emulator.sql.rewriter import match_paren, split_args
from timeplus_emulator.sql.tokens import Kind, Token

_DATETIME = re.compile(r"^(nullable\()?datetime(\(|\)?$)")
_LITERALS = (Kind.STRING, Kind.NUMBER)


def datetime_targets(columns: Optional[Sequence[str]],
                     types: Optional[dict[str, str]]) -> tuple[set[int], int]:
    """Indexes of the listed ``columns`` (None: the stream's own, without the reserved
    ``_tp_*``) whose type (``types``: the stream's) is ``datetime``, and the row width."""
    if columns is None:
        columns = [name for name in types or {} if not name.startswith("_tp_")]
    return ({i for i, name in enumerate(columns)
             if _DATETIME.match((types or {}).get(name, ""))}, len(columns))


def convert_datetime_values(tokens: list[Token], start: int, end: int, targets: set[int],
                            width: int) -> list[Token]:
    """``tokens`` with each non-literal value at a ``targets`` position of the rows in
    ``[start, end)`` of ``width`` values (others are left to fail) wrapped in
    ``to_datetime(...)``."""
    opens: dict[int, int] = {}  # token index → how many "to_datetime(" go before it
    closes: dict[int, int] = {}  # token index → how many ")" go before it
    i = start
    while i < end:
        if tokens[i].is_op("("):
            close = match_paren(tokens, i)
            values = split_args(tokens, i + 1, close)
            for k, (a, b) in enumerate(values if len(values) == width else ()):
                single = b - a == 1 and (tokens[a].kind in _LITERALS or tokens[a].is_word("NULL"))
                if k in targets and not single:
                    opens[a] = opens.get(a, 0) + 1
                    closes[b] = closes.get(b, 0) + 1
            i = close + 1
        else:
            i += 1
    out: list[Token] = []
    for i, tok in enumerate(tokens):
        out += [Token(Kind.OP, ")", tok.pos)] * closes.get(i, 0)
        for _ in range(opens.get(i, 0)):
            out += [Token(Kind.IDENT, "to_datetime", tok.pos, tok.pre),
                    Token(Kind.OP, "(", tok.pos)]
            tok = tok._replace(pre="")
        out.append(tok)
    return out
