"""The values of ``JOIN ... USING`` key columns: Proton's, or a refusal.

Owns: the check that a query level reads a ``USING`` key only where chDB 26.9's analyzer
gives the value Proton (ClickHouse ~22.8, the old analyzer) gives.

* ``ANTI LEFT`` joins: the right side's qualified key reads the left side's key in Proton: in
  ``t1 ANTI LEFT JOIN t2 USING (x)``, ``t2.x`` (and the ``x`` of ``t2.*``) is ``t1``'s key
  (01031_semi_anti_join). chDB reads the right side's own column, its type's default. Such a
  reference is sent as the joined key ``x`` (through ``REPLACE`` for ``t2.*``), cast to the
  left stream's key type where the catalog knows it. (In ``ALL``/``ANY``/``ASOF LEFT`` joins
  both read the right side's own column: 00702, 00927.)
* ``RIGHT``/``FULL`` joins with ``join_use_nulls = 0`` (Proton's default; not with
  ``join_algorithm = 'full_sorting_merge'``, whose key has the common type, 02277): Proton's
  unqualified key keeps the left side's type, so a right row's ``NULL`` key reads as that type's
  default (``''`` for a ``low_cardinality(string)`` left key beside a ``nullable(string)``
  right one, 01142_join_lc_and_nullable_in_key); chDB gives the common supertype and
  ``NULL``. Where both sides are streams whose key columns have the same type, the two agree.
  Otherwise each unqualified key (and ``*``, through ``REPLACE``) is rewritten: where the
  left side is a stream, cast to its key's type (``NULL`` as that type's default), as Proton;
  else a row whose key is ``NULL`` is refused (48), since chDB's ``l.key`` names the joined
  key, of the common type, and the left side's own type is not known. A key in ``GROUP BY``
  there is refused (48) outright.
"""

from __future__ import annotations

from typing import Optional

from timeplus_emulator.sql.columns import ColumnTypes
from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, TranslationError
from timeplus_emulator.sql.joinorder import _using_keys
from timeplus_emulator.sql.protoncalls import USING_GUARD, USING_KEY_AS
from timeplus_emulator.sql.rewriter import match_paren, top_level
from timeplus_emulator.sql.tokens import Kind, Token, name_of, quote_name, quote_string
from timeplus_emulator.sql.types import parse_timeplus_type, render_clickhouse

_NAMES = (Kind.IDENT, Kind.QUOTED_IDENT)
#: a FROM/JOIN item: its stream (database, name), None if no stream, and its qualifier
Item = tuple[Optional[tuple[Optional[str], str]], str]
_KIND_WORDS = ("LEFT", "RIGHT", "FULL", "INNER", "OUTER", "ANY", "ALL", "SEMI", "ANTI", "ASOF",
               "GLOBAL", "CROSS", "PASTE", "ARRAY")
_CLAUSES = ("WHERE", "PREWHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "SETTINGS", "WINDOW",
            "QUALIFY", "UNION", "INTERSECT", "EXCEPT", "FORMAT", "JOIN", "EMIT")


def check_using_keys(tokens: list[Token], start: int, end: int,
                     column_types: Optional[ColumnTypes]) -> dict[int, str]:
    """Refuse (48) a query level in ``[start, end)`` that reads a ``USING`` key where chDB
    and Proton give another value (see the module docstring); returns the text that replaces
    each unqualified key (token index: guarded call) and follows each ``*`` (``REPLACE``)."""
    top = list(top_level(tokens, start, end))
    select = next((i for i in top if tokens[i].is_word("SELECT")), None)
    source = next((i for i in top if tokens[i].is_word("FROM") and (select or 0) < i), None)
    joins = [i for i in top if source is not None and i > source and tokens[i].is_word("JOIN")]
    guards: dict[int, str] = {}
    if select is None or source is None or not joins:
        return guards
    reads = _reading_ranges(tokens, top, select, source, end)
    for number, join in enumerate(joins):
        using = next((i for i in top if i > join and tokens[i].is_word("USING")), None)
        if using is None or any(join < j < using for j in joins):
            continue
        keys = _using_keys(tokens, using, end) or []
        kind = _kind(tokens, join)
        right = _item(tokens, join + 1)
        if "ANTI" in kind and "RIGHT" not in kind and right is not None:
            left = _item(tokens, source + 1) if number == 0 else None
            guards.update(_left_keys(tokens, reads, keys, left, right, column_types))
        if kind & {"RIGHT", "FULL"} and not _nulls_for_unjoined(tokens):
            left = _item(tokens, source + 1) if number == 0 else None
            guards.update(_guards(tokens, reads, keys, left, right, column_types))
    return guards


def _reading_ranges(tokens: list[Token], top: list[int], select: int, source: int,
                    end: int) -> list[tuple[int, int]]:
    """The select list, and the clauses after the FROM items (WHERE ... ORDER BY)."""
    after = next((i for i in top if i > source and tokens[i].is_word(*_CLAUSES)
                  and not tokens[i].is_word("JOIN")), end)
    return [(select + 1, source), (after, end)]


def _kind(tokens: list[Token], join: int) -> set[str]:
    words: set[str] = set()
    i = join - 1
    while i > 0 and tokens[i].is_word(*_KIND_WORDS):
        words.add(tokens[i].upper)
        i -= 1
    return words


def _item(tokens: list[Token], at: int) -> Optional[Item]:
    """The FROM/JOIN item at ``at``: its stream ``(database, name)`` (None for a subquery or
    a function) and the name that qualifies its columns."""
    stream: Optional[tuple[Optional[str], str]] = None
    if tokens[at].is_op("("):
        i = match_paren(tokens, at) + 1
        qualifier = None
    elif tokens[at].kind in _NAMES:
        name, i = name_of(tokens[at]), at + 1
        if tokens[i].is_op(".") and tokens[i + 1].kind in _NAMES:
            stream, i = (name, name_of(tokens[i + 1])), i + 2
        elif tokens[i].is_op("("):
            close = match_paren(tokens, i)
            inner = tokens[i + 1]
            if name.lower() == "table" and inner.kind in _NAMES and close == i + 2:
                stream = (None, name_of(inner))
            i = close + 1
        else:
            stream = (None, name)
        qualifier = stream[1] if stream is not None else None
    else:
        return None
    if tokens[i].is_word("AS"):
        i += 1
    if tokens[i].kind in _NAMES and not tokens[i].is_word(*_CLAUSES, *_KIND_WORDS, "ON",
                                                             "USING", "FINAL"):
        qualifier = name_of(tokens[i])
    return (stream, qualifier) if qualifier is not None else None


def _references(tokens: list[Token], reads: list[tuple[int, int]]) -> list[int]:
    """Indices of the tokens in ``reads``, outside nested subqueries."""
    found: list[int] = []
    for start, end in reads:
        i = start
        while i < end:
            if tokens[i].is_op("(") and tokens[i + 1].is_word("SELECT", "WITH"):
                i = match_paren(tokens, i) + 1
                continue
            found.append(i)
            i += 1
    return found


def _left_keys(tokens: list[Token], reads: list[tuple[int, int]], keys: list[str],
               left: Optional[Item], right: Item,
               column_types: Optional[ColumnTypes]) -> dict[int, str]:
    """``b.k`` (and the ``k`` of ``b.*``) of the right side ``b`` of an ANTI LEFT join read
    as the joined key, which is the left side's (of its type where the catalog knows it)."""
    names = {right[1], *([right[0][1]] if right[0] is not None else [])}
    texts: dict[int, str] = {}
    for i in _references(tokens, reads):
        if tokens[i].kind not in _NAMES or name_of(tokens[i]) not in names \
                or not tokens[i + 1].is_op("."):
            continue
        after = tokens[i + 2]
        if after.is_op("*"):
            texts[i + 2] = " REPLACE (" + ", ".join(
                f"{_left_key(key, left, column_types)} AS {quote_name(key)}" for key in keys) + ")"
        elif after.kind in _NAMES and name_of(after) in keys:
            texts.update({i: _left_key(name_of(after), left, column_types), i + 1: "",
                          i + 2: ""})
    return texts


def _left_key(key: str, left: Optional[Item], column_types: Optional[ColumnTypes]) -> str:
    """The joined key, cast to the left stream's key type where the catalog knows it."""
    text = _guarded(key, left, column_types)
    return quote_name(key) if text.startswith(USING_GUARD + "(") else text


def _guards(tokens: list[Token], reads: list[tuple[int, int]], keys: list[str],
            left: Optional[Item], right: Optional[Item],
            column_types: Optional[ColumnTypes]) -> dict[int, str]:
    guards: dict[int, str] = {}
    grouping = next((i for i in range(reads[1][0], reads[1][1]) if tokens[i].is_word("GROUP")),
                    None)
    for i in _references(tokens, reads):
        tok = tokens[i]
        star = tok.is_op("*") and (tokens[i - 1].is_op(",") or tokens[i - 1].is_word(
            "SELECT", "DISTINCT"))
        named = tok.kind in _NAMES and name_of(tok) in keys and not tokens[i - 1].is_op(".") \
            and not tokens[i + 1].is_op(".", "(")
        wanted = keys if star else [name_of(tok)] if named else []
        wanted = [key for key in wanted if not _same_type(key, left, right, column_types)]
        if not wanted:
            continue
        if grouping is not None and i > grouping:
            raise TranslationError(
                NOT_IMPLEMENTED, f"The key {wanted[0]} of a RIGHT or FULL JOIN ... USING "
                "here is not supported by the emulator (join_use_nulls = 0: Proton keeps the "
                "left side's key type); name the left side, or set join_use_nulls = 1")
        calls = [_guarded(key, left, column_types) for key in wanted]
        guards[i] = calls[0] if named else " REPLACE (" + ", ".join(
            f"{call} AS {quote_name(key)}" for call, key in zip(calls, wanted)) + ")"
    return guards


def _same_type(key: str, left: Optional[Item], right: Optional[Item],
               column_types: Optional[ColumnTypes]) -> bool:
    if column_types is None or left is None or right is None or None in (left[0], right[0]):
        return False
    assert left[0] is not None and right[0] is not None
    left_types, right_types = column_types(*left[0]), column_types(*right[0])
    if left_types is None or right_types is None:
        return False
    found = left_types.get(key)
    return found is not None and found == right_types.get(key)


def _guarded(key: str, left: Optional[Item], column_types: Optional[ColumnTypes]) -> str:
    """The key as Proton reads it where the left side is a stream of the catalog (its type,
    ``NULL`` as its default), else the key refused where it is ``NULL``: chDB's ``l.key``
    names the joined key, of the common type, so the left type must come from the catalog."""
    types = column_types(*left[0]) if column_types is not None and left is not None \
        and left[0] is not None else None
    found = (types or {}).get(key)
    if found is None:
        return f"{USING_GUARD}({quote_name(key)})"
    ch_type = quote_string(render_clickhouse(parse_timeplus_type(found)))
    return f"{USING_KEY_AS}({quote_name(key)}, {ch_type})"


def _nulls_for_unjoined(tokens: list[Token]) -> bool:
    """``join_use_nulls = 1``, or ``join_algorithm = 'full_sorting_merge'`` (whose key is of
    the common type in Proton too, 02277), among the settings of the statement."""
    for i in range(len(tokens) - 2):
        if tokens[i].kind not in _NAMES or not tokens[i + 1].is_op("="):
            continue
        setting, value = name_of(tokens[i]).lower(), tokens[i + 2].text.lower()
        if (setting == "join_use_nulls" and value in ("1", "true")) or (
                setting == "join_algorithm" and "full_sorting_merge" in value):
            return True
    return False
