"""Strings of digits read as Unix times by ``to_datetime``/``to_datetime64``.

Owns: sending such strings so that chDB reads them as Proton does, refusing (48) what it
cannot, and which ``to_datetime`` calls give a datetime64 (and so get the range check of
``legacy.py``).

Proton's ``readDateTimeTextImpl`` reads 5 or more digits as a Unix time (in a datetime64 any
number of digits, with a fraction: ``to_datetime64('12345.25', 2)``), refuses 1 to 4 digits
outside a datetime64 (41) and a sign after the decimal point (6), and skips fraction digits
past the scale. chDB reads only 9 or 10 digits as a Unix time (8 as a date: ``'20200101'`` was
2020-01-01, Proton's 1970-08-22 19:08:21), refuses more than 19 fraction digits and reads
``11:11:11.-1`` as a zone offset. Shorter digit strings are sent zero-padded to 10 digits,
fractions cut to 9 digits; negative Unix time strings are refused (48).

Proton reads a string of digits of any length as a Unix time (its ``readDateTimeTextImpl``), so
``to_datetime('9223372036854775806', 7, 'Asia/Istanbul')`` overflows into a value it clamps,
``2299-12-31 23:48:05.4775806`` (01821_to_date_time_ubsan). chDB reads 9 or 10 digits as a Unix
time, refuses 11, and read those 19 as 2262-04-12. A string of more than 10 digits is refused:
a literal while translating (so a constant stays a constant, as a WITH FILL step needs), any
other string value row by row through a helper the engine defines.
"""

from __future__ import annotations

import re

from timeplus_emulator.sql.errors import (
    CANNOT_PARSE_DATETIME,
    CANNOT_PARSE_TEXT,
    NOT_IMPLEMENTED,
    RUNTIME_REFUSAL,
    TranslationError,
    runtime_error,
)
from timeplus_emulator.sql.tokens import Kind, Token, quote_string, unquote

UNIX_DIGITS = "__tp_unix_digits"  # the helper: s as chDB reads it as Proton does, or refused
UNIX_TIME_PARSERS = frozenset({"toDateTime", "toDateTime64"})
_LONG_DIGITS = r"^\s*[0-9]{11,}(\.[0-9]*)?\s*$"
_NEGATIVE = r"^\s*-[0-9]+(\.[0-9]*)?\s*$"
_SHORT = r"^\s*[0-9]{1,4}\s*$"  # too short for a Unix time in to_datetime (Proton: 41)
_PADDED = {False: r"^\s*[0-9]{5,8}\s*$", True: r"^\s*[0-9]{1,8}(\.[0-9]*)?\s*$"}
_LONG_FRACTION = r"\.[0-9]{10,}\s*$"
_STRING_TYPE = r"^(Nullable\(|LowCardinality\()*(Fixed)?String"
_PLAIN_STRING = r"^(Nullable\(|LowCardinality\()*String"  # FixedString keeps its width
_MESSAGE = ("to_datetime/to_datetime64 of a string of more than 10 digits is not supported by "
            "the emulator (Proton reads it as a Unix time and wraps or clamps it, chDB reads it "
            "otherwise)")
_NEGATIVE_MESSAGE = ("to_datetime/to_datetime64 of a negative Unix time string is not supported "
                     "by the emulator")
_SHORT_MESSAGE = "Cannot parse datetime"
_SIGNED_FRACTION = r"[0-9]\.[-+]"  # '11:11:11.-1': chDB reads a zone offset, Proton refuses (6)
_SIGNED_FRACTION_MESSAGE = "Cannot parse datetime: a sign after the decimal point"


def unix_digits_ddl() -> str:
    """``CREATE FUNCTION`` of the helper around a non-literal first argument ``s``; ``d`` is
    1 in a call that gives a datetime64.

    Proton reads 5 or more digits (any number in a datetime64, with a fraction) as a Unix
    time; chDB only 9 or 10, so shorter ones are sent zero-padded to 10 digits. Fraction
    digits past the ninth, which Proton skips and chDB refuses, are cut off.
    """
    text = "toString(s)"
    string = f"match(toTypeName(s), {quote_string(_STRING_TYPE)})"
    plain = f"match(toTypeName(s), {quote_string(_PLAIN_STRING)})"

    def matches(pattern: str) -> str:
        return f"ifNull(match({text}, {quote_string(pattern)}), 0)"

    digits = f"extract(trimBoth({text}), '^[0-9]*')"
    padded = f"concat(repeat('0', 10 - length({digits})), trimBoth({text}))"
    pad = f"if(d = 1, {matches(_PADDED[True])}, {matches(_PADDED[False])})"
    cut = f"replaceRegexpOne(trimBoth({text}), '(\\.[0-9]{{9}})[0-9]+$', '\\1')"
    value = (f"if({plain} AND {pad}, CAST({padded}, toTypeName(s)), "
             f"if({plain} AND d = 1 AND {matches(_LONG_FRACTION)}, CAST({cut}, toTypeName(s)), s))")
    checks = " + ".join(
        f"throwIf({string} AND {condition}, {quote_string(message)})" for condition, message in (
            (matches(_LONG_DIGITS), RUNTIME_REFUSAL + _MESSAGE),
            (matches(_NEGATIVE), RUNTIME_REFUSAL + _NEGATIVE_MESSAGE),
            (f"d = 0 AND {matches(_SHORT)}",
             runtime_error(CANNOT_PARSE_DATETIME) + _SHORT_MESSAGE),
            (matches(_SIGNED_FRACTION),
             runtime_error(CANNOT_PARSE_TEXT) + _SIGNED_FRACTION_MESSAGE),
        ))
    # the checks' sum (each throwIf is 0 or raises) picks between two equal branches: a tuple
    # of (value, checks) broke chDB's analyzer on a GROUP BY key also used in ORDER BY (10)
    return (f"CREATE OR REPLACE FUNCTION {UNIX_DIGITS} AS (s, d) -> "
            f"if({string}, if(({checks}) = 0, {value}, {value}), s)")


def reads_datetime64(ch_name: str, args: list[list[Token]]) -> bool:
    """Whether a :data:`UNIX_TIME_PARSERS` call gives a datetime64: ``to_datetime64``, or
    ``to_datetime`` with a scale (not a zone) second."""
    return ch_name == "toDateTime64" or (len(args) >= 2 and not (
        len(args[1]) == 1 and args[1][0].kind is Kind.STRING))


def unix_digits_argument(tokens: list[Token], text: str, dt64: bool = False) -> str:
    """The first argument's text of a :data:`UNIX_TIME_PARSERS` call: a number, or a string
    literal that both read alike, is kept (so a constant stays a constant); anything else goes
    through the helper. A string literal of more than 10 digits or a negative one is refused
    (48) here, as one too short for a Unix time is (41) outside a datetime64."""
    if len(tokens) == 2 and tokens[0].is_op("-"):
        tokens = tokens[1:]
    if len(tokens) == 1 and tokens[0].kind in (Kind.STRING, Kind.NUMBER):
        value = unquote(tokens[0].text) if tokens[0].kind is Kind.STRING else ""
        if re.match(_LONG_DIGITS, value):
            raise TranslationError(NOT_IMPLEMENTED, _MESSAGE)
        if re.match(_NEGATIVE, value):
            raise TranslationError(NOT_IMPLEMENTED, _NEGATIVE_MESSAGE)
        if not dt64 and re.match(_SHORT, value):
            raise TranslationError(CANNOT_PARSE_DATETIME, _SHORT_MESSAGE)
        if re.search(_SIGNED_FRACTION, value):
            raise TranslationError(CANNOT_PARSE_TEXT, _SIGNED_FRACTION_MESSAGE)
        if not (re.match(_PADDED[dt64], value) or (dt64 and re.search(_LONG_FRACTION, value))):
            return text
    body = text.lstrip()
    return f"{text[: len(text) - len(body)]}{UNIX_DIGITS}({body}, {int(dt64)})"


def is_scaled_datetime(text: str, args: list[list[Token]]) -> bool:
    """True for the rewritten text of ``to_datetime(x, scale[, zone])``: with a scale (not a
    zone) second, Proton's and chDB's to_datetime give a datetime64, whose result may lie
    outside Proton's range as the ``legacy.RANGED_RESULTS`` do (chDB answered year 0 for
    ``to_datetime(-1e11, 3)``)."""
    return text.startswith("toDateTime(") and reads_datetime64("toDateTime", args)
