"""Column references whose type the catalog fixes as ``bool``.

Owns: finding, in one statement's tokens, the names that refer to a ``bool`` (or
``nullable(bool)``) column of a stream read in the same query level's FROM/JOIN, and
marking those tokens (``Token.bool_column``), so that
:func:`~timeplus_emulator.sql.booleans.is_bool_value` counts them as bool: an ``if`` or
``[...]`` whose every operand is bool is bool in Proton (``if(c, true, boolcol)``).

Only what is certain is marked: a bare name that one stream of the level has and no
other source of it might have (a subquery, a view, a table function), or ``alias.name``;
a name that is also an alias (``AS name``) or a lambda parameter anywhere in the
statement is left alone. Unmarked references are still handled where they meet numbers:
chDB knows their type then (see :mod:`~timeplus_emulator.sql.unify`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Optional

from timeplus_emulator.sql.booleans import top_level_indices
from timeplus_emulator.sql.tokens import Kind, Token, name_of

# (database or None, stream name) → {column: Timeplus type}, or None if not a stream
ColumnTypes = Callable[[Optional[str], str], Optional[dict[str, str]]]

_NAMES = (Kind.IDENT, Kind.QUOTED_IDENT)
_BOOL_TYPES = ("bool", "nullable(bool)")
_FROM_ENDS = ("WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "SETTINGS", "EMIT", "UNION",
              "INTERSECT", "EXCEPT", "WINDOW", "QUALIFY", "PREWHERE", "FORMAT", "INTO",
              "ARRAY", "SAMPLE", "FINAL")
_SOURCE_FUNCTIONS = ("TABLE", "TUMBLE", "HOP")
_Source = tuple[str, Optional[dict[str, str]]]  # alias, column types (None: unknown)


def in_database(lookup: Optional[ColumnTypes], database: Optional[str]) -> Optional[ColumnTypes]:
    """``lookup`` with an unqualified stream name looked up in ``database``."""
    if lookup is None or database is None:
        return lookup
    return lambda db, name: lookup(db or database, name)


def mark_bool_columns(tokens: list[Token], column_types: Optional[ColumnTypes],
                      cte_names: set[str]) -> list[Token]:
    """``tokens`` with the references to bool columns marked (see the module doc)."""
    if column_types is None:
        return tokens
    shadowed = _shadowing_names(tokens)
    marked = list(tokens)
    for select in (i for i, tok in enumerate(tokens) if tok.is_word("SELECT")):
        end = _level_end(tokens, select)
        sources = _level_sources(tokens, select, end, column_types, cte_names)
        if not sources:
            continue
        for i in _level_names(tokens, select, end):
            if _is_bool_reference(tokens, i, sources, shadowed):
                marked[i] = marked[i]._replace(bool_column=True)
    return marked


def _shadowing_names(tokens: list[Token]) -> set[str]:
    """Aliases (``AS name``) and lambda parameters: a name among them may not be a column."""
    names = {name_of(tokens[i + 1]) for i in range(len(tokens) - 1)
             if tokens[i].is_word("AS") and tokens[i + 1].kind in _NAMES}
    for i, tok in enumerate(tokens):
        if tok.is_op("->"):
            j = i - 1
            while j >= 0 and (tokens[j].kind in _NAMES or tokens[j].is_op(",", "(", ")")):
                if tokens[j].kind in _NAMES:
                    names.add(name_of(tokens[j]))
                if tokens[j].is_op("("):
                    break
                j -= 1
    return names


def _level_end(tokens: list[Token], select: int) -> int:
    """End of the query level that the SELECT at ``select`` opens (its bracket or the end)."""
    depth = 0
    for i in range(select, len(tokens)):
        depth += tokens[i].is_op("(", "[") - tokens[i].is_op(")", "]")
        if depth < 0:
            return i
    return len(tokens)


def _level_sources(tokens: list[Token], select: int, end: int, column_types: ColumnTypes,
                   cte_names: set[str]) -> list[_Source]:
    """The FROM/JOIN items of one level; an item that is no stream has unknown columns."""
    top = list(top_level_indices(tokens, select + 1, end))
    if any(tokens[i].is_word("SELECT") for i in top):
        return []  # a UNION/INTERSECT/EXCEPT: its levels' sources are not told apart here
    starts = [i + 1 for i in top if tokens[i].is_word("FROM", "JOIN")
              or (tokens[i].is_op(",") and any(tokens[j].is_word("FROM") for j in top if j < i))]
    return [_source(tokens, at, column_types, cte_names) for at in starts]


def _source(tokens: list[Token], at: int, column_types: ColumnTypes,
            cte_names: set[str]) -> _Source:
    tok = tokens[at]
    if tok.is_word(*_SOURCE_FUNCTIONS) and tokens[at + 1].is_op("("):
        database, name, after = _qualified(tokens, at + 2)
        depth = 0
        for j in range(at + 1, len(tokens)):
            depth += tokens[j].is_op("(") - tokens[j].is_op(")")
            if depth == 0:
                after = j + 1
                break
    elif tok.kind in _NAMES and not tokens[at + 1].is_op("("):
        database, name, after = _qualified(tokens, at)
    else:
        return "", None
    alias = _alias(tokens, after) or name or ""
    if name is None or (database is None and name in cte_names):
        return alias, None
    return alias, column_types(database, name)


def _qualified(tokens: list[Token], at: int) -> tuple[Optional[str], Optional[str], int]:
    if tokens[at].kind not in _NAMES:
        return None, None, at
    if tokens[at + 1].is_op(".") and tokens[at + 2].kind in _NAMES:
        return name_of(tokens[at]), name_of(tokens[at + 2]), at + 3
    return None, name_of(tokens[at]), at + 1


def _alias(tokens: list[Token], at: int) -> Optional[str]:
    tok = tokens[at]
    if tok.is_word("AS") and tokens[at + 1].kind in _NAMES:
        return name_of(tokens[at + 1])
    if tok.kind is Kind.QUOTED_IDENT or (tok.kind is Kind.IDENT and tok.upper not in _FROM_ENDS
                                         and not tok.is_word("JOIN", "LEFT", "RIGHT", "INNER",
                                                             "FULL", "CROSS", "ON", "USING",
                                                             "ANY", "ALL", "ASOF", "SEMI",
                                                             "ANTI", "GLOBAL", "OUTER")):
        return name_of(tok)
    return None


def _level_names(tokens: list[Token], start: int, end: int) -> Iterator[int]:
    """Indices of the names in ``[start, end)`` outside nested query levels."""
    depth, nested = 0, []
    for i in range(start, end):
        tok = tokens[i]
        if tok.is_op("(", "["):
            depth += 1
            if tokens[i + 1].is_word("SELECT", "WITH"):
                nested.append(depth)
        elif tok.is_op(")", "]"):
            if nested and nested[-1] == depth:
                nested.pop()
            depth -= 1
        elif not nested and tok.kind in _NAMES:
            yield i


def _is_bool_reference(tokens: list[Token], i: int, sources: list[_Source],
                       shadowed: set[str]) -> bool:
    tok = tokens[i]
    if tokens[i + 1].is_op("(", ".") or (i and tokens[i - 1].is_word("AS")):
        return False
    column = name_of(tok)
    if i >= 2 and tokens[i - 1].is_op("."):
        if i >= 4 and tokens[i - 3].is_op("."):
            return False  # db.stream.column: not resolved here
        qualifier = name_of(tokens[i - 2])
        found = [types for alias, types in sources if alias == qualifier]
        return len(found) == 1 and found[0] is not None and found[0].get(column) in _BOOL_TYPES
    if column in shadowed or any(types is None for _, types in sources):
        return False
    having = [types[column] for _, types in sources if types is not None and column in types]
    return len(having) == 1 and having[0] in _BOOL_TYPES
