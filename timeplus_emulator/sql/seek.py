"""Event time predicates: ``WHERE _tp_time > '2022-12-01'`` makes a streaming read start in
the past.

Proton (``EventPredicateVisitor``) turns a comparison of ``_tp_time`` with a constant in a
``WHERE`` clause into the streaming read's ``seek_to``: ``_tp_time >= t`` (``>``, ``=``, or
``t <= _tp_time``) seeks to ``t``, any other comparison (``<``, ``<=``, ``!=``) to the earliest
row; Timeplus documents it as time travel ("use ``WHERE _tp_time > '2023-01-15'`` to travel to a
specific timestamp in the past"). Without it a streaming query only sees new rows, so such a
query used to answer nothing for the stored rows.

The emulator starts such a read at the earliest row. That gives the same rows as seeking to
``t``: a seek to ``t`` starts at the first row whose ``_tp_time`` is at least ``t``, and the
predicate itself drops the earlier rows. This module only finds the predicates; which sources
they name is decided by the caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Optional

from timeplus_emulator.sql.tokens import Kind, Token, name_of

EVENT_TIME_COLUMN = "_tp_time"
_COMPARISONS = ("=", "==", "!=", "<>", "<", "<=", ">", ">=")
_CLAUSE_ENDS = ("GROUP", "ORDER", "LIMIT", "HAVING", "SETTINGS", "EMIT", "UNION", "WINDOW",
                "QUALIFY", "PARTITION", "INTERSECT", "EXCEPT", "FORMAT", "WHERE")


def event_time_comparisons(tokens: list[Token]) -> list[Optional[str]]:
    """The qualifier (``a`` of ``a._tp_time``, else None) of each ``_tp_time`` compared with
    something inside a ``WHERE``/``PREWHERE`` clause, at any depth."""
    found = []
    for start, end in _where_ranges(tokens):
        for i in range(start, end):
            tok = tokens[i]
            if tok.kind not in (Kind.IDENT, Kind.QUOTED_IDENT) or \
                    name_of(tok).lower() != EVENT_TIME_COLUMN:
                continue
            qualified = i >= 2 and tokens[i - 1].is_op(".")
            first = i - 2 if qualified else i
            before, after = tokens[first - 1] if first > 0 else None, tokens[i + 1]
            if after.is_op(*_COMPARISONS) or after.is_word("BETWEEN") or \
                    (before is not None and before.is_op(*_COMPARISONS)):
                found.append(name_of(tokens[i - 2]) if qualified else None)
    return found


def _where_ranges(tokens: list[Token]) -> Iterator[tuple[int, int]]:
    """``[start, end)`` of each WHERE/PREWHERE clause body, nested queries included."""
    depth = 0
    depths = []
    for tok in tokens:
        if tok.is_op(")"):
            depth -= 1
        depths.append(depth)
        if tok.is_op("("):
            depth += 1
    for i, tok in enumerate(tokens):
        if not tok.is_word("WHERE", "PREWHERE"):
            continue
        end = i + 1
        while end < len(tokens) and tokens[end].kind is not Kind.EOF and \
                depths[end] >= depths[i] and not (
                    depths[end] == depths[i] and tokens[end].is_word(*_CLAUSE_ENDS)):
            end += 1
        yield i + 1, end
