"""Where a Timeplus expression returns ``bool`` and chDB's returns UInt8.

Owns the two token tests the rewriter uses to type results as Proton does:

* :func:`is_bool_expression` — a range whose outermost operator is a comparison, IN,
  LIKE, IS [NOT] NULL, BETWEEN, AND/OR/NOT (Proton's comparison and logical functions
  return ``bool``; functions are listed in ``functions.BOOL_FUNCTIONS``);
* :func:`in_unifying_position` — a token inside an argument whose type is unified with
  others (``if``/``multi_if`` branches, ``[...]`` elements, ``coalesce``, CASE branches,
  ``?:``). There a ``bool`` must stay UInt8: chDB's common type of Bool and UInt8 is Bool
  (``[true, 5]`` reads ``[true, true]``), Proton's is uint8. Exception: a call of
  ``if``/``multi_if``/``coalesce``/``if_null`` whose every result branch is bool
  (:func:`bool_branches`) is bool in Proton (the least supertype of equal types is that
  type), so its branches are typed bool unless the call itself sits in a unifying position.

Operands whose type only chDB knows (a stored bool column, ``to_bool(x)``, ``max(b)``) are
cast where needed by :mod:`timeplus_emulator.sql.unify`.
"""

from __future__ import annotations

from typing import Optional

from timeplus_emulator.sql import functions as fn
from timeplus_emulator.sql.tokens import Kind, Token

_COMPARISON_OPS = ("=", "==", "!=", "<>", "<", ">", "<=", ">=", "<=>")
BOOL_WORDS = ("BETWEEN", "IN", "LIKE", "ILIKE", "IS", "AND", "OR", "NOT", "EXISTS")
_BRANCH_WORDS = ("THEN", "ELSE")
_KEYWORDS_BEFORE_VALUES = ("SELECT", "DISTINCT", "WHERE", "PREWHERE", "HAVING", "WHEN", "THEN",
                           "ELSE", "AND", "OR", "NOT", "IN", "BY", "ON", "RETURN", "IS",
                           "WITH", "JOIN", *BOOL_WORDS)


def top_level_indices(tokens: list[Token], start: int, end: int) -> list[int]:
    """Indices in ``[start, end)`` of the tokens outside every bracket (brackets excluded)."""
    found, depth = [], 0
    for i in range(start, end):
        if tokens[i].is_op("(", "["):
            depth += 1
        elif tokens[i].is_op(")", "]"):
            depth -= 1
        elif depth == 0:
            found.append(i)
    return found


def is_bool_expression(tokens: list[Token], start: int, end: int) -> bool:
    """True if ``[start, end)`` is an operator expression that Proton types ``bool``.

    Ranges with CASE, ``?:`` or a lambda at their top level are not (their value is a
    branch, or a function); neither is a range with a top-level alias.
    """
    if tokens[start].is_word("SELECT", "WITH"):
        return False  # a scalar subquery: its own select list decides
    if _parenthesized(tokens, start, end):
        return is_bool_expression(tokens, start + 1, end - 1)
    bool_operator = False
    for i in top_level_indices(tokens, start, end):
        tok = tokens[i]
        if tok.is_op("?", "->") or tok.is_word("CASE", "AS"):
            return False
        bool_operator = bool_operator or tok.is_op(*_COMPARISON_OPS) or (
            tok.kind is Kind.IDENT and tok.is_word(*BOOL_WORDS)
            and not (tok.is_word("IN") and i == start))
    return bool_operator


def _parenthesized(tokens: list[Token], start: int, end: int) -> bool:
    """``( expr )`` as a whole: the first bracket closes at the end, no comma (a tuple)."""
    if end - start < 3 or not tokens[start].is_op("(") or not tokens[end - 1].is_op(")"):
        return False
    inner = top_level_indices(tokens, start + 1, end - 1)
    depth = 0
    for i in range(start, end - 1):
        depth += tokens[i].is_op("(", "[") - tokens[i].is_op(")", "]")
        if depth == 0:
            return False  # the first bracket closed before the end: ``(a) = (b)``
    return not any(tokens[i].is_op(",") for i in inner)


def is_array_literal(tokens: list[Token], open_index: int) -> bool:
    """``[`` opening an array literal (not ``arr[i]`` indexing)."""
    before = tokens[open_index - 1] if open_index > 0 else None
    if before is None or before.is_word(*_KEYWORDS_BEFORE_VALUES):
        return True
    return not (before.kind in (Kind.IDENT, Kind.QUOTED_IDENT) or before.is_op(")", "]"))


def _elements(tokens: list[Token], open_index: int) -> list[tuple[int, int]]:
    depth, start, found = 0, open_index + 1, []
    for i in range(open_index, len(tokens)):
        depth += tokens[i].is_op("(", "[") - tokens[i].is_op(")", "]")
        if depth == 1 and tokens[i].is_op(","):
            found.append((start, i))
            start = i + 1
        if depth == 0:
            found.append((start, i))
            break
    return [(a, b) for a, b in found if b > a]


def _is_bool_call(tokens: list[Token], start: int, end: int) -> bool:
    if end - start < 3 or not tokens[start + 1].is_op("(") or not tokens[end - 1].is_op(")"):
        return False
    if tokens[start].kind is not Kind.IDENT or tokens[start].text.lower() not in fn.BOOL_FUNCTIONS:
        return False
    depth = 0
    for i in range(start + 1, end - 1):
        depth += tokens[i].is_op("(", "[") - tokens[i].is_op(")", "]")
        if depth == 0:
            return False
    return True


# Functions whose result is the least supertype of their branches (Proton's if.cpp,
# multiIf.cpp, coalesce.cpp, if_null): bool when every branch is bool.
_BRANCHING_FUNCTIONS = ("if", "multi_if", "coalesce", "if_null")


def _branches(tokens: list[Token], name: str, args: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The argument ranges a branching call returns from (empty if the arity is wrong)."""
    if name == "if":
        return args[1:] if len(args) == 3 else []
    if name == "multi_if":
        return args[1::2] + args[-1:] if len(args) >= 3 and len(args) % 2 else []
    # coalesce/if_null skip an argument that is only NULL (Proton's coalesce.cpp, ifNull.cpp)
    return [(a, b) for a, b in args if not (b - a == 1 and tokens[a].is_word("NULL"))]


def is_bool_value(tokens: list[Token], start: int, end: int) -> bool:
    """A range that Proton types bool: an operator expression, a bool function call, TRUE or
    FALSE, or a branching call of bool branches only."""
    if _parenthesized(tokens, start, end):
        return is_bool_value(tokens, start + 1, end - 1)
    return (is_bool_column(tokens, start, end) or is_bool_expression(tokens, start, end)
            or _is_bool_call(tokens, start, end)
            or (end - start == 1 and tokens[start].is_word("TRUE", "FALSE"))
            or (_is_call(tokens, start, end) and bool_branches(tokens, start + 1))
            or (tokens[start].is_word("CASE") and bool_case(tokens, start)
                and case_end(tokens, start) == end - 1))


def is_bool_column(tokens: list[Token], start: int, end: int) -> bool:
    """``[start, end)`` is a reference to a column the catalog types bool (``b``, ``s.b``)."""
    return (end - start == 1 or (end - start == 3 and tokens[start + 1].is_op("."))) \
        and tokens[end - 1].bool_column


def case_end(tokens: list[Token], case_index: int) -> int:
    """Index of the END closing the CASE at ``case_index`` (``len(tokens)`` if none)."""
    return _case_parts(tokens, case_index)[1]


def case_branches(tokens: list[Token], case_index: int) -> list[tuple[int, int]]:
    """Ranges of the THEN and ELSE values of the CASE at ``case_index``."""
    return _case_parts(tokens, case_index)[0]


def _case_parts(tokens: list[Token], case_index: int) -> tuple[list[tuple[int, int]], int]:
    branches: list[tuple[int, int]] = []
    depth, nested, value_start = 0, 0, None
    for i in range(case_index + 1, len(tokens)):
        tok = tokens[i]
        depth += tok.is_op("(", "[") - tok.is_op(")", "]")
        if depth < 0:
            break
        if depth or tok.kind is not Kind.IDENT:
            continue
        if tok.is_word("CASE"):
            nested += 1
        elif tok.is_word("END") and nested:
            nested -= 1
        elif not nested and tok.is_word("WHEN", "ELSE", "END", "THEN"):
            if value_start is not None:
                branches.append((value_start, i))
            value_start = i + 1 if tok.is_word("THEN", "ELSE") else None
            if tok.is_word("END"):
                return [(a, b) for a, b in branches if b > a], i
    return [], len(tokens)


def bool_case(tokens: list[Token], case_index: int) -> bool:
    """True if every THEN/ELSE value of the CASE at ``case_index`` is bool (then Proton's
    result, the least supertype of its branches, is bool)."""
    branches = case_branches(tokens, case_index)
    return bool(branches) and all(is_bool_value(tokens, a, b) for a, b in branches)


def _enclosing_case(tokens: list[Token], branch_word: int) -> Optional[int]:
    """The CASE owning the THEN/ELSE at ``branch_word`` (same bracket level), or None."""
    depth, nested = 0, 0
    for j in range(branch_word - 1, -1, -1):
        tok = tokens[j]
        depth += tok.is_op(")", "]") - tok.is_op("(", "[")
        if depth < 0:
            return None
        if depth or tok.kind is not Kind.IDENT:
            continue
        if tok.is_word("END"):
            nested += 1
        elif tok.is_word("CASE"):
            if not nested:
                return j
            nested -= 1
    return None


def _is_call(tokens: list[Token], start: int, end: int) -> bool:
    """``name( ... )`` spanning exactly ``[start, end)``."""
    if end - start < 3 or tokens[start].kind is not Kind.IDENT or not tokens[start + 1].is_op("("):
        return False
    depth = 0
    for i in range(start + 1, end):
        depth += tokens[i].is_op("(", "[") - tokens[i].is_op(")", "]")
        if depth == 0:
            return i == end - 1
    return False


def bool_branches(tokens: list[Token], open_index: int) -> bool:
    """True if the ``(`` at ``open_index`` opens a call of ``if``/``multi_if``/``coalesce``/
    ``if_null`` whose every result branch is bool (then Proton's result is bool)."""
    if open_index == 0 or tokens[open_index - 1].kind is not Kind.IDENT:
        return False
    name = tokens[open_index - 1].text.lower()
    if name not in _BRANCHING_FUNCTIONS:
        return False
    elements = _elements(tokens, open_index)
    branches = _branches(tokens, name, elements)
    return bool(branches) and all(is_bool_value(tokens, a, b) for a, b in branches)


def all_bool_elements(tokens: list[Token], open_index: int) -> bool:
    """True if every element of the ``[...]`` literal at ``open_index`` is ``bool`` in Proton
    (then the array is ``array(bool)`` there too)."""
    elements = _elements(tokens, open_index)
    return bool(elements) and all(is_bool_value(tokens, a, b) for a, b in elements)


def _grouping(tokens: list[Token], open_index: int) -> bool:
    """``(`` that is not a call's: grouping brackets, a tuple, a subquery."""
    before = tokens[open_index - 1] if open_index else None
    return tokens[open_index].is_op("(") and (
        before is None or before.kind not in (Kind.IDENT, Kind.QUOTED_IDENT)
        or before.is_word(*_KEYWORDS_BEFORE_VALUES, "CASE"))


def map_bool_arguments(tokens: list[Token], args: list[tuple[int, int]]) -> set[int]:
    """Positions of the ``map(k1, v1, k2, v2...)`` arguments whose group (the keys, or the
    values, each unified apart in Proton's map) is bool throughout."""
    found: set[int] = set()
    for parity in (0, 1):
        group = range(parity, len(args), 2)
        if group and all(is_bool_value(tokens, *args[k]) for k in group):
            found.update(group)
    return found


def in_unifying_position(tokens: list[Token], index: int) -> bool:
    """True if the expression at ``index`` is unified with sibling values (see module doc)."""
    depth = 0
    own_argument = True  # still inside the argument that holds ``index``
    for j in range(index - 1, -1, -1):
        tok = tokens[j]
        if tok.is_op(")", "]"):
            depth += 1
        elif tok.is_op("(", "["):
            if depth:
                depth -= 1
                continue
            if _grouping(tokens, j):
                own_argument = True  # ``(expr)`` or a tuple: the brackets' context decides
                continue
            if tok.is_op("["):
                return is_array_literal(tokens, j) and not all_bool_elements(tokens, j)
            before = tokens[j - 1] if j else None
            if before is None or before.kind is not Kind.IDENT \
                    or before.text.lower() not in fn.UNIFYING_FUNCTIONS:
                return False
            if bool_branches(tokens, j):  # a bool result: unified only where the call is
                return in_unifying_position(tokens, j - 1)
            if before.text.lower() in ("map", "map_cast"):
                elements = _elements(tokens, j)
                at = next(k for k, (a, b) in enumerate(elements) if a <= index < b)
                return at not in map_bool_arguments(tokens, elements)
            return True
        elif depth == 0 and tok.is_op(","):
            own_argument = False
        elif depth == 0 and own_argument and tok.is_word(*_BRANCH_WORDS):
            case = _enclosing_case(tokens, j)
            if case is not None and case_end(tokens, case) > index and bool_case(tokens, case):
                return in_unifying_position(tokens, case)  # a bool CASE: unified only there
            return True
        elif depth == 0 and own_argument and tok.is_op("?", ":"):
            return True
    return False
