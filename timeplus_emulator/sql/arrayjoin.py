"""``ARRAY JOIN`` of a whole nested column under an alias: refused where chDB answers otherwise.

Owns: the check below. In Proton, ``ARRAY JOIN struct AS class`` gives the joined elements as
``class.x`` while ``struct.x`` still reads the original arrays (00261); chDB's analyzer gives
the joined elements under both names. Such a query that also reads ``struct.x`` is refused
(48) rather than answered otherwise; ``class.x`` alone runs.
"""

from __future__ import annotations

from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, TranslationError
from timeplus_emulator.sql.tokens import Kind, Token

_ENDS = ("WHERE", "PREWHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "SETTINGS", "UNION",
         "EXCEPT", "INTERSECT", "WINDOW", "QUALIFY", "FORMAT", "JOIN", "LEFT", "INNER", "ARRAY",
         "EMIT")


def check_nested_alias_array_join(tokens: list[Token]) -> None:
    """Raise 48 for ``ARRAY JOIN n AS a`` where ``n.x`` is also read elsewhere."""
    for i in range(len(tokens) - 2):
        if tokens[i].is_word("ARRAY") and tokens[i + 1].is_word("JOIN"):
            for name, start, end in _aliased_items(tokens, i + 2):
                if any(_reads_part(tokens, j, name) for j in range(len(tokens) - 1)
                       if not start <= j < end):
                    raise TranslationError(
                        NOT_IMPLEMENTED, f"ARRAY JOIN {name} AS another name while {name}.* "
                        "is read too is not supported by the emulator")


def _aliased_items(tokens: list[Token], start: int) -> list[tuple[str, int, int]]:
    """``(name, start, end)`` of each ``name [AS] alias`` item of the ARRAY JOIN list."""
    items: list[tuple[str, int, int]] = []
    depth = 0
    item_start = start
    for i in range(start, len(tokens)):
        tok = tokens[i]
        at_end = tok.kind is Kind.EOF or (depth == 0 and (tok.is_word(*_ENDS) or tok.is_op(")")))
        if at_end or (depth == 0 and tok.is_op(",")):
            item = tokens[item_start:i]
            words = [t for t in item if not t.is_word("AS")]
            if (len(words) == 2 and all(t.kind is Kind.IDENT for t in words) and len(item) <= 3
                    and words[0].text != words[1].text):
                items.append((words[0].text, item_start, i))
            if at_end:
                break
            item_start = i + 1
        depth += 1 if tok.is_op("(", "[") else -1 if tok.is_op(")", "]") else 0
    return items


def _reads_part(tokens: list[Token], j: int, name: str) -> bool:
    return (tokens[j].kind is Kind.IDENT and tokens[j].text == name and tokens[j + 1].is_op(".")
            and (j == 0 or not tokens[j - 1].is_op(".")))
