"""``SELECT *`` over ``JOIN ... USING``: the column order Proton shows, or a refusal.

Owns: the check that a ``*`` over a ``USING`` join would list its columns as Proton does.

Proton (ClickHouse ~22.8) lists the left side's columns in their own order, then the right
side's other columns. chDB 26.9's analyzer puts the ``USING`` columns first, and no setting
restores the old order. The two agree exactly when the ``USING`` columns are the left side's
first columns, in the same order (``numbers(1) AS a JOIN ... USING number``, a subquery
``(SELECT k, v ...) USING (k)``). The check reads the left side's columns from the query
text (a subquery's named items, ``numbers``/``zeros``) or from the catalog (a stream, through
``Context.stream_columns``; a CTE of that name is not the stream); where they differ from the
``USING`` list, or cannot be known, or several joins are chained, the query is refused (48)
rather than answered in another column order.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Optional

from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, TranslationError
from timeplus_emulator.sql.rewriter import StreamColumns, match_paren, top_level
from timeplus_emulator.sql.select import output_names
from timeplus_emulator.sql.tokens import Kind, Token, name_of

_NAMES = (Kind.IDENT, Kind.QUOTED_IDENT)
_JOIN_WORDS = ("LEFT", "RIGHT", "INNER", "FULL", "CROSS", "ANY", "ALL", "ASOF", "SEMI", "ANTI",
               "GLOBAL", "JOIN", "ARRAY", "PASTE", "OUTER")
_SET_OPERATIONS = ("UNION", "INTERSECT", "EXCEPT")
_ONE_COLUMN_FUNCTIONS = {"numbers": "number", "zeros": "zero", "generate_series": "generate_series"}
_MESSAGE = ("SELECT * over JOIN ... USING is not supported by the emulator here: chDB lists the "
            "USING columns first, Proton the left side's columns in their order; name the "
            "columns, or use t.*")


def check_star_using(tokens: list[Token], start: int, end: int,
                     stream_columns: Optional[StreamColumns],
                     cte_names: Collection[str] = ()) -> None:
    """Refuse (48) a query level in ``[start, end)`` whose ``*`` would list columns in
    another order than Proton's. A name in ``cte_names`` is a CTE, not the stream it hides."""
    if stream_columns is not None and cte_names:
        stream_columns = _not_ctes(stream_columns, cte_names)
    for a, b in _branches(tokens, start, end):
        _check_branch(tokens, a, b, stream_columns)


def _not_ctes(stream_columns: StreamColumns, cte_names: Collection[str]) -> StreamColumns:
    def lookup(database: Optional[str], name: str) -> Optional[list[str]]:
        return None if database is None and name in cte_names else stream_columns(database, name)

    return lookup


def _branches(tokens: list[Token], start: int, end: int) -> list[tuple[int, int]]:
    cuts = [i for i in list(top_level(tokens, start, end)) if tokens[i].is_word(*_SET_OPERATIONS)
            and not tokens[i - 1].is_op("*")]
    bounds = [start, *cuts, end]
    return [(bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1)]


def _check_branch(tokens: list[Token], start: int, end: int,
                  stream_columns: Optional[StreamColumns]) -> None:
    top = list(top_level(tokens, start, end))
    using = [i for i in top if tokens[i].is_word("USING")]
    select = next((i for i in top if tokens[i].is_word("SELECT")), None)
    source = next((i for i in top if tokens[i].is_word("FROM")), None)
    if not using or select is None or source is None or not _bare_star(tokens, top, select,
                                                                         source):
        return
    joins = [i for i in top if source < i and tokens[i].is_word("JOIN")]
    left_end = next((i for i in top if i > source and tokens[i].is_word(*_JOIN_WORDS)), None)
    if len(joins) != 1 or left_end is None:
        raise TranslationError(NOT_IMPLEMENTED, _MESSAGE)
    keys = _using_keys(tokens, using[0], end)
    left = _left_columns(tokens, source + 1, left_end, stream_columns)
    if left is None or keys is None or left[: len(keys)] != keys:
        raise TranslationError(NOT_IMPLEMENTED, _MESSAGE)


def _bare_star(tokens: list[Token], top: list[int], select: int, source: int) -> bool:
    """A ``*`` (not ``t.*``) among the select items."""
    return any(tokens[i].is_op("*") and (tokens[i - 1].is_op(",") or i - 1 == select or
                                         tokens[i - 1].is_word("DISTINCT", "ALL"))
               for i in top if select < i < source)


def _using_keys(tokens: list[Token], at: int, end: int) -> Optional[list[str]]:
    i = at + 1
    bracket = tokens[i].is_op("(")
    i += 1 if bracket else 0
    keys = []
    while i < end and tokens[i].kind in _NAMES:
        keys.append(name_of(tokens[i]))
        if not tokens[i + 1].is_op(",") or not bracket:
            break
        i += 2
    return keys or None


def _left_columns(tokens: list[Token], start: int, end: int,
                  stream_columns: Optional[StreamColumns]) -> Optional[list[str]]:
    """The columns ``*`` shows for the FROM item in ``[start, end)``, where known."""
    first = tokens[start]
    if first.is_op("(") and tokens[start + 1].is_word("SELECT"):
        close = match_paren(tokens, start)
        names = output_names(tokens, start + 1, close)
        return None if names is None or None in names else [n for n in names if n]
    if first.kind not in _NAMES:
        return None
    if tokens[start + 1].is_op("("):
        name = name_of(first).lower()
        if name == "table" and tokens[start + 2].kind in _NAMES:
            return _stream(tokens, start + 2, stream_columns)
        column = _ONE_COLUMN_FUNCTIONS.get(name)
        return None if column is None else [column]
    return _stream(tokens, start, stream_columns)


def _stream(tokens: list[Token], at: int, stream_columns: Optional[StreamColumns]
            ) -> Optional[list[str]]:
    if stream_columns is None:
        return None
    if tokens[at + 1].is_op(".") and tokens[at + 2].kind in _NAMES:
        return stream_columns(name_of(tokens[at]), name_of(tokens[at + 2]))
    return stream_columns(None, name_of(tokens[at]))
