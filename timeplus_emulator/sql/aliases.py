"""Select-list names as Proton's analyzer gives them, where chDB's differ.

Owns: refusing a select list that holds a qualified column ``t.c`` (without an alias) beside
another item aliased ``c``. Proton names the qualified column by its short name ``c``, so the
result has two columns ``c``: of different types that is its error 352 ("Block structure
mismatch", 00818_alias_bug_4110: ``select s.a, a, a + 1 as a from (select 10 as a) as s``),
of one type two columns named ``c``. chDB keeps the qualified name (``s.a``) to tell them
apart and answers. The emulator refuses such a list (48).
"""

from __future__ import annotations

from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, TranslationError
from timeplus_emulator.sql.select import select_items
from timeplus_emulator.sql.tokens import Kind, Token, name_of

_NAMES = (Kind.IDENT, Kind.QUOTED_IDENT)


def refuse_qualified_beside_alias(tokens: list[Token], start: int, end: int) -> None:
    """Refuse (48) the select list of the query ``[start, end)`` if a bare ``t.c`` item shares
    its short name with another item's ``AS`` alias."""
    items = select_items(tokens, start, end)
    if items is None:
        return
    qualified: dict[str, set[str]] = {}  # short name -> the qualified columns of that name
    aliases: dict[str, set[str]] = {}  # alias -> what it names (a qualified column's text)
    for a, b in items:
        item = tokens[a:b]
        if _is_qualified(item):
            qualified.setdefault(name_of(item[2]).lower(), set()).add(_text(item))
        elif len(item) >= 3 and item[-2].is_word("AS") and item[-1].kind in _NAMES:
            named = _text(item[:-2]) if _is_qualified(item[:-2]) else ""
            aliases.setdefault(name_of(item[-1]).lower(), set()).add(named)
    # the same column again under its own name (t.c, t.c AS c) has one type: no 352 in Proton
    clash = {name for name in qualified.keys() & aliases.keys()
             if aliases[name] != qualified[name] or len(qualified[name]) > 1}
    if clash:
        name = sorted(clash)[0]
        raise TranslationError(
            NOT_IMPLEMENTED, f"A qualified column beside the alias {name} of another select "
            f"item is not supported by the emulator (Proton names both {name}: its error 352 "
            "when their types differ); give the column an alias")


def _is_qualified(item: list[Token]) -> bool:
    return len(item) == 3 and item[1].is_op(".") and all(t.kind in _NAMES for t in item[::2])


def _text(item: list[Token]) -> str:
    return ".".join(name_of(t).lower() for t in item[::2])
