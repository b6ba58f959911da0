"""Strings of digits read as Unix times by ``to_datetime``/``to_datetime64``.

Owns: refusing (48) what Proton and chDB read differently there, and which ``to_datetime`` calls
give a datetime64 (and so get the range check of ``legacy.py``).

Proton reads a string of digits of any length as a Unix time (its ``readDateTimeTextImpl``), so
``to_datetime('9223372036854775806', 7, 'Asia/Istanbul')`` overflows into a value it clamps,
``2299-12-31 23:48:05.4775806`` (01821_to_date_time_ubsan). chDB reads 9 or 10 digits as a Unix
time, refuses 11, and read those 19 as 2262-04-12. A string of more than 10 digits is refused:
a literal while translating (so a constant stays a constant, as a WITH FILL step needs), any
other string value row by row through a helper the engine defines.
"""

from __future__ import annotations

import re

from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, RUNTIME_REFUSAL, TranslationError
from timeplus_emulator.sql.tokens import Kind, Token, quote_string, unquote

UNIX_DIGITS = "__tp_unix_digits"  # the helper: s, or refused when a long digit string
UNIX_TIME_PARSERS = frozenset({"toDateTime", "toDateTime64"})
_LONG_DIGITS = r"^\s*[0-9]{11,}(\.[0-9]*)?\s*$"
_STRING_TYPE = r"^(Nullable\(|LowCardinality\()*(Fixed)?String"
_MESSAGE = ("to_datetime/to_datetime64 of a string of more than 10 digits is not supported by "
            "the emulator (Proton reads it as a Unix time and wraps or clamps it, chDB reads it "
            "otherwise)")


def unix_digits_ddl() -> str:
    """``CREATE FUNCTION`` of the helper around a non-literal first argument."""
    long_digits = (f"match(toTypeName(s), {quote_string(_STRING_TYPE)}) AND "
                   f"ifNull(match(toString(s), {quote_string(_LONG_DIGITS)}), 0)")
    message = quote_string(RUNTIME_REFUSAL + _MESSAGE)
    return (f"CREATE OR REPLACE FUNCTION {UNIX_DIGITS} AS (s) -> "
            f"tupleElement((s, throwIf({long_digits}, {message})), 1)")


def unix_digits_argument(tokens: list[Token], text: str) -> str:
    """The first argument's text of a :data:`UNIX_TIME_PARSERS` call: a literal is checked
    here and kept, anything else goes through the helper; raises 48 for a string literal of
    more than 10 digits."""
    if len(tokens) == 2 and tokens[0].is_op("-"):
        tokens = tokens[1:]
    if len(tokens) == 1 and tokens[0].kind in (Kind.STRING, Kind.NUMBER):
        if tokens[0].kind is Kind.STRING and re.match(_LONG_DIGITS, unquote(tokens[0].text)):
            raise TranslationError(NOT_IMPLEMENTED, _MESSAGE)
        return text
    body = text.lstrip()
    return f"{text[: len(text) - len(body)]}{UNIX_DIGITS}({body})"


def is_scaled_datetime(text: str, args: list[list[Token]]) -> bool:
    """True for the rewritten text of ``to_datetime(x, scale[, zone])``: with a scale (not a
    zone) second, Proton's and chDB's to_datetime give a datetime64, whose result may lie
    outside Proton's range as the ``legacy.RANGED_RESULTS`` do (chDB answered year 0 for
    ``to_datetime(-1e11, 3)``)."""
    return text.startswith("toDateTime(") and len(args) >= 2 and not (
        len(args[1]) == 1 and args[1][0].kind is Kind.STRING)
