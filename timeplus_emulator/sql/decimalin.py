"""``x [NOT] IN (float literals)``: Proton's answer where ``x`` is a decimal.

Owns: the rewrite of an ``IN`` list of number literals holding a float literal, and its helper
functions (``CREATE FUNCTION``).

Proton builds the set by converting each literal to the left operand's type
(``convertFieldToType``); a float becomes a decimal of that scale by multiplying it by
``10^scale`` and cutting the fraction off (``convertToDecimalImpl``, ``static_cast``), so
``to_decimal32(1.555, 3) IN (1.5551)`` is ``true`` and a ``decimal(18, 0)`` 33 is
``IN (33.333)`` (02428_decimal_in_floating_point_literal). chDB keeps only literals that
convert exactly and answered ``false``. Only chDB knows the operand's type, so the rewrite
lets chDB choose: for a decimal operand both sides are compared as the decimal's raw integers
(``x * 10^scale``, and each literal's ``trunc(literal * 10^scale)`` in float64, as Proton
computes it); any other operand keeps chDB's ``IN``. A decimal operand of a list holding a
float literal (alone or inside an element) and anything but number literals is refused
row by row (48), and so is, at
once, a left operand the translator cannot delimit (``a + b IN (1.5)``).
"""

from __future__ import annotations

from typing import Optional

from timeplus_emulator.sql.errors import (
    NOT_IMPLEMENTED,
    RUNTIME_REFUSAL,
    TranslationError,
    check_copied,
)
from timeplus_emulator.sql.tokens import Kind, Token, quote_string

DECIMAL_IN = "__tp_decimal_in"  # (chDB's IN, operand is decimal, IN over raw integers)
_IS_DECIMAL = "__tp_is_decimal"
_SCALE = "__tp_decimal_scale"
_MULTIPLIER = "__tp_decimal_multiplier"
_RAW = "__tp_decimal_raw"
_LITERAL = "__tp_decimal_literal"
_MIXED = (RUNTIME_REFUSAL + "a decimal IN a list of a float literal and other than number "
          "literals is not supported by the emulator")
#: Tokens after which an operand (the left side of IN) starts.
_OPERAND_AFTER_WORDS = ("SELECT", "WHERE", "PREWHERE", "HAVING", "AND", "OR", "NOT", "WHEN",
                        "THEN", "ELSE", "ON", "DISTINCT", "BY", "CASE", "QUALIFY")
_OPERAND_AFTER_OPS = ("(", ",", "?", ":", "->", "[")


def helper_ddl() -> tuple[str, ...]:
    """``CREATE FUNCTION`` statements of the helpers :func:`decimal_in` emits."""
    scale = "toUInt8OrZero(extract(toTypeName(x), " + quote_string(r"(\d+)\)+$") + "))"
    decimal = quote_string(r"^(LowCardinality\()?(Nullable\()?Decimal")
    return (
        f"CREATE OR REPLACE FUNCTION {_IS_DECIMAL} AS (x) -> match(toTypeName(x), {decimal})",
        f"CREATE OR REPLACE FUNCTION {_SCALE} AS (x) -> {scale}",
        f"CREATE OR REPLACE FUNCTION {_MULTIPLIER} AS (x) -> "
        f"toDecimal256(concat('1', repeat('0', {_SCALE}(x))), 0)",
        f"CREATE OR REPLACE FUNCTION {_RAW} AS (x) -> "
        f"toInt256(toDecimal256(x, {_SCALE}(x)) * {_MULTIPLIER}(x))",
        f"CREATE OR REPLACE FUNCTION {_LITERAL} AS (v, x) -> "
        f"toInt256(trunc(v * toFloat64({_MULTIPLIER}(x))))",
        f"CREATE OR REPLACE FUNCTION {DECIMAL_IN} AS (plain, d, raw) -> if(d, raw, plain)",
    )


def _is_float(tok: Token) -> bool:
    text = tok.text.lower()
    return tok.kind is Kind.NUMBER and not text.startswith("0x") and ("." in text or "e" in text)


def float_list(tokens: list[Token], elements: list[tuple[int, int]]) -> Optional[bool]:
    """Whether the IN list ``elements`` holds a float literal, alone or inside an element
    (``0.1 + 0.2``, which Proton folds and cuts to the decimal's scale as well): None if
    not, True if all are number literals, False if some are not (a decimal operand is then
    refused, row by row)."""
    if not any(_is_float(tokens[k]) for a, b in elements for k in range(a, b)):
        return None
    return all(_number(tokens, a, b) is not None for a, b in elements)


def _number(tokens: list[Token], a: int, b: int) -> Optional[Token]:
    if b - a == 2 and tokens[a].is_op("-", "+"):
        a += 1
    return tokens[a] if b - a == 1 and tokens[a].kind is Kind.NUMBER else None


def _starts_operand(tokens: list[Token], first: int, start: int) -> bool:
    before = tokens[first - 1]
    return first == start or before.is_word(*_OPERAND_AFTER_WORDS) or before.is_op(
        *_OPERAND_AFTER_OPS)


def check_operand(tokens: list[Token], first: int, start: int) -> int:
    """The first token of IN's left operand starting at ``first`` (a unary sign in front
    included); refuses (48) one that may be only part of IN's operand."""
    if _starts_operand(tokens, first, start):
        return first
    if tokens[first - 1].is_op("-", "+") and first - 1 >= start \
            and _starts_operand(tokens, first - 1, start):  # a unary sign binds tighter
        return first - 1
    raise TranslationError(NOT_IMPLEMENTED, "IN with a float literal after this left operand is "
                           "not supported by the emulator; put the operand in parentheses")


def decimal_in(operand: str, negated: bool, plain: list[str], numbers: bool) -> str:
    """The text of ``operand [NOT] IN (plain)`` answering as Proton for a decimal operand
    (refused row by row where the list holds other than ``numbers``)."""
    lead = operand[: len(operand) - len(operand.lstrip())]
    x = check_copied(operand.strip(), "A decimal IN with a float literal")
    word = " NOT IN " if negated else " IN "
    raw = ", ".join(f"{_LITERAL}({text.strip()}, {x})" for text in plain)
    decimal = f"{_RAW}({x}){word}({raw})" if numbers else \
        f"throwIf({_IS_DECIMAL}({x}), {quote_string(_MIXED)})"
    return f"{lead}{DECIMAL_IN}({x}{word}({','.join(plain)}), {_IS_DECIMAL}({x}), {decimal})"
