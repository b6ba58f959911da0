"""Select-list names as Proton's analyzer gives them, where chDB's differ.

Owns: a select list that holds a qualified column ``t.c`` (without an alias) beside another
item aliased ``c``. Proton names the qualified column by its short name ``c`` there too, so
the result has two columns ``c``; chDB keeps the qualified name (``t.c``) to tell them apart.

* The other item is the same column (``t.c AS c``; SQLAlchemy writes
  ``SELECT t.data, t.data AS data``): both have one type, and Proton answers with two
  columns ``c``. The emulator names the first ``c`` too (:func:`short_names`).
* Any other expression (``SELECT s.a, a + 1 AS a FROM (...) AS s``, or another stream's
  ``u.a AS a``): of another type that is Proton's error 352, "Block structure mismatch"
  (00818_alias_bug_4110); the translator does not know the types, so the list is refused
  (48).
"""

from __future__ import annotations

from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, TranslationError
from timeplus_emulator.sql.tokens import Kind, Token, name_of

_NAMES = (Kind.IDENT, Kind.QUOTED_IDENT)
Range = tuple[int, int]


def _qualified(item: list[Token]) -> str | None:
    """``t.c`` (lower case) for an item that is only a qualified column, else None."""
    if len(item) == 3 and item[1].is_op(".") and all(t.kind in _NAMES for t in item[::2]):
        return ".".join(name_of(t).lower() for t in item[::2])
    return None


def short_names(tokens: list[Token], items: list[Range]) -> dict[int, str]:
    """Positions of the ``t.c`` items that Proton names ``c`` where chDB keeps ``t.c``: beside
    the same column aliased ``c``. Refuses (48) a ``t.c`` beside another expression (or a
    second ``u.c``) aliased ``c``."""
    aliases: dict[str, set[str]] = {}  # alias -> the qualified columns it names ('' for others)
    qualified: dict[str, set[str]] = {}  # short name -> the bare qualified items of that name
    for a, b in items:
        item = tokens[a:b]
        text = _qualified(item)
        if text is not None:
            qualified.setdefault(text.split(".")[1], set()).add(text)
        elif len(item) >= 3 and item[-2].is_word("AS") and item[-1].kind in _NAMES:
            aliases.setdefault(name_of(item[-1]).lower(), set()).add(_qualified(item[:-2]) or "")
    named = {}
    for position, (a, b) in enumerate(items):
        text = _qualified(tokens[a:b])
        short = text.split(".")[1] if text is not None else None
        if short is None or short not in aliases:
            continue
        if aliases[short] != qualified[short] or len(qualified[short]) > 1:
            raise TranslationError(
                NOT_IMPLEMENTED, f"A qualified column beside the alias {short} of another "
                f"select item is not supported by the emulator (Proton names both {short}: "
                "its error 352 when their types differ); give the column an alias")
        named[position] = name_of(tokens[b - 1])
    return named
