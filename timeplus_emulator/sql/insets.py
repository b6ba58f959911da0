"""The constant elements of ``x IN (...)``, as Proton converts them.

Owns: refusing an ``IN`` list element whose conversion Proton refuses while chDB compares it.
Proton turns each constant element into a value of ``x``'s type first
(``convertFieldToType``); it has no conversion from a ``decimal256`` value to another decimal
type (convertFieldToType.cpp, ``convertDecimalType``: 53, "Type mismatch in IN or VALUES
section"), so ``decimal_column IN (to_decimal256(256, 1))`` fails there unless the column
has exactly that type (00862_decimal_in). chDB compares the values. The translator does not
know ``x``'s type, so such an element is refused (48). A subquery (``IN (SELECT ...)``) is
converted as a column, not element by element, and is not affected.
"""

from __future__ import annotations

from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, TranslationError
from timeplus_emulator.sql.tokens import Kind, Token

_WIDE_DECIMAL = ("to_decimal256", "decimal256")


def check_in_element(tokens: list[Token]) -> None:
    """Refuse (48) an ``IN (...)`` element (its tokens) that holds a ``decimal256`` value."""
    if not tokens or tokens[0].is_word("SELECT", "WITH") or (
            tokens[0].is_op("(") and len(tokens) > 1 and tokens[1].is_word("SELECT", "WITH")):
        return
    for tok in tokens:
        if tok.kind is Kind.IDENT and tok.text.lower().startswith(_WIDE_DECIMAL):
            raise TranslationError(
                NOT_IMPLEMENTED, "x IN (...) with a decimal256 element is not supported by the "
                "emulator (Proton refuses it, 53, unless x has exactly its type)")
