"""Calls whose arguments Proton checks, or reads, otherwise than chDB 26.9.

Owns: the checks made on a call's written arguments before anything is sent, the argument
and result wrappers that give Proton's answer (or Proton's error) from chDB, and the helper
functions (``CREATE FUNCTION``) behind them. Each with the reason, from Proton's sources:

* ``make_date``/``make_date32`` take exactly (year, month, day) (makeDate.cpp); chDB also
  takes (year, day_of_year), so ``make_date(1980, 1)`` was ``1980-01-01``. Other counts: 42.
* ``translate``/``translate_utf8(s, from, to)``: ``from`` and ``to`` must have the same length
  (bytes, code points; translate.cpp: 36); chDB deletes the characters ``to`` lacks. Both
  must be string literals here (Proton needs constants), so the lengths are checked in the
  text; another constant expression is refused (48).
* ``parse_datetime_in_joda_syntax*``: a run of exactly three ``Y``, ``y`` or ``x`` reads at
  most three digits in Proton (parseDateTime.cpp, ``readNumberWithVariableLength``), so
  ``'1999'`` gives year 199 and an error; chDB reads four. Such a format is refused (48), as
  is a format that is not a string literal.
* ``transform(x, from, to)`` (three arguments): Proton's result column must have ``x``'s
  own type (transform.cpp, ``executeNum``: 44 "Illegal column"), so
  ``transform(1, [1], [to_decimal32(1, 2)])`` is an error; chDB widens the result. The
  call goes through a helper that raises Proton's 44 when the result type is another.
* ``student_ttest``/``welch_ttest(sample, index)``: Proton reads the index as a ``uint8``
  (``getUInt`` cast to UInt8, AggregateFunctionTTest.h), so 256 means the first sample; and
  it raises 36 where the t statistic (or Welch's degrees of freedom) is NaN
  (AggregateFunctionStudentTTest.cpp, AggregateFunctionWelchTTest.cpp) where chDB answers
  ``(nan, 0)``. The index is cast to ``uint8`` and a result of that shape raises 36.
* ``age(unit, a, b)`` of ``datetime64`` with more than 6 digits: Proton compares the two
  times to the microsecond only (dateDiff.cpp, ``DateTimeComponentsWithFractionalPart``),
  so nanoseconds never move the result; chDB compares them. Such arguments are cut to
  microseconds (``datetime64(6)``) before the call.
* ``array_zip()`` without arguments: Proton needs at least one (42, arrayZip.cpp); chDB
  answers ``[]``.
* ``pow``/``power``, ``atan2``, ``hypot``, ``max2``, ``min2`` of a decimal (or of a 128/256-bit
  integer): Proton's ``FunctionMathBinaryFloat64`` takes native numbers only (integers up to
  64 bits, floats, bool: 43); chDB converts a decimal to a float and answers. Each argument
  goes through :data:`NATIVE_CHECK`, a cast to its own type whose type name becomes an
  unknown one, naming the function, for any other type.
* ``geohash_encode(lon, lat, precision)``: Proton needs a constant precision
  (``getArgumentsThatAreAlwaysConstant``: 44); chDB reads it row by row. The argument goes
  through a helper that puts it in ``toDecimal256``'s scale, which chDB requires constant.

* ``to_unix_timestamp`` of a ``date`` or ``date32``: Proton raises 44, "Illegal type"
  (FunctionsConversion.h, ``ConvertImpl::execute``, 01592_toUnixTimestamp_Date); chDB
  answers midnight's Unix time. The argument goes through :data:`NO_DATE_CHECK`, a cast to
  its own type whose type name becomes an unknown one for a date.

* A regular expression (``match``, ``like``/``ilike``/``LIKE``, ``extract*``,
  ``count_matches``, ``split_by_regexp``) given as a string literal with a NUL byte
  (``'\\0'``): Proton's ``OptimizedRegularExpression::analyze`` stops reading the pattern
  at the NUL, so ``match('', '\\0')`` is true there; chDB reads the whole pattern (false).
  Such a pattern is refused (48).

* ``has``/``index_of``/``count_equal`` of an array of ``low_cardinality`` numbers or dates:
  Proton compares the elements in their stored type (arrayIndex.h: ``has(a, -1)`` over
  ``[255]`` of ``low_cardinality(nullable(uint8))`` is true, 01414) or refuses the pair (44,
  02010); chDB converts both sides. The array goes through :data:`LC_ARRAY_CHECK`, which
  raises 48 for such a type when a row is read (an array literal is not checked).

* ``format_row``/``format_row_no_newline`` in a format that writes a header or a frame
  around its rows (``...WithNames``, ``...WithNamesAndTypes``, ``XML``, ``JSON``,
  ``JSONCompact``, ``Pretty...``, ``Markdown``, ``Vertical``): Proton writes the row alone
  (02113_format_row); chDB writes the names (the emulator's internal ones), types and frame
  with every row. Refused (48).

The type and constant checks fail while chDB analyses the query, so a query that reads no row
is refused too;
:func:`analysis_error` gives Proton's code and words for their errors.
"""

from __future__ import annotations

import re
from typing import Optional

from timeplus_emulator.sql.errors import (
    BAD_ARGUMENTS,
    ILLEGAL_COLUMN,
    ILLEGAL_TYPE_OF_ARGUMENT,
    NOT_IMPLEMENTED,
    NUMBER_OF_ARGUMENTS_DOESNT_MATCH,
    RUNTIME_REFUSAL,
    TranslationError,
    runtime_error,
)
from timeplus_emulator.sql.tokens import Kind, Token, quote_string, unquote

TTEST_RESULT = "__tp_ttest_result"  # (result, message): result, or Proton's 36
TTEST_INDEX = "__tp_ttest_index"  # (index): the index as Proton reads it
MICROSECONDS = "__tp_microseconds"  # (t): a datetime64 cut to microseconds
#: (key): the unqualified key of a RIGHT/FULL JOIN ... USING, refused where it is NULL; and
#: (key, type): the key cast to the left side's type, NULL as its default (usingkeys.py)
USING_GUARD = "__tp_using_key"
USING_KEY_AS = "__tp_using_key_as"
#: Timeplus functions whose every argument must be a native number (FunctionMathBinaryFloat64).
NATIVE_ONLY = frozenset({"pow", "power", "atan2", "hypot", "max2", "min2"})
#: Timeplus functions (Proton's arrayIndex.h) whose array must not hold low_cardinality numbers.
ARRAY_INDEX = frozenset({"has", "index_of", "count_equal"})
LC_ARRAY_CHECK = "__tp_lc_array"  # (array): the array, or 48 for low_cardinality numbers
_LC_ARRAY_ERROR = (runtime_error(NOT_IMPLEMENTED) + "has, index_of or count_equal of an array "
                   "of low_cardinality numbers or dates is not supported by the emulator "
                   "(Proton compares such elements in their stored type)")
NATIVE_CHECK = "__tp_native"  # (x, function name): x, or an error naming the function
#: Timeplus function -> indexes of the arguments Proton requires to be constant.
CONSTANT_ONLY: dict[str, tuple[int, ...]] = {"geohash_encode": (2,)}
#: Timeplus functions whose first argument must not be a date or date32.
NO_DATE = frozenset({"to_unix_timestamp"})
NO_DATE_CHECK = "__tp_no_date"  # (x, function name): x, or an error naming the function
_DATE_ARGUMENT = "__tp_date_argument_of_"
_DATE_TYPE = r"^(Nullable\()?Date(32)?\)?$"
_ILLEGAL_TYPE = "__tp_illegal_argument_of_"
_NATIVE_TYPE = (r"^(LowCardinality\()?(Nullable\()?(U?Int(8|16|32|64)|Float(32|64)|Bool|Nothing)"
                r"\)?\)?$")
_ARGUMENT = "_argument_"  # in a constant check's parameter name: <function>_argument_<i>


def constant_check(name: str, index: int) -> str:
    """Name of the helper checking that argument ``index`` of ``name`` is constant."""
    return f"__tp_constant_{name}_{index}"


#: Wrappers whose column names show their first argument only (see reverse.py).
WRAPPERS = frozenset({TTEST_RESULT, TTEST_INDEX, MICROSECONDS, NATIVE_CHECK, NO_DATE_CHECK,
                      LC_ARRAY_CHECK,
                      USING_GUARD, USING_KEY_AS,
                      *(constant_check(name, index) for name, indexes in CONSTANT_ONLY.items()
                        for index in indexes)})
TRANSFORM = "__tp_transform_same_type"

_PLAIN_TYPE = ("replaceRegexpOne(toTypeName(assumeNotNull({v})), "
               + quote_string(r"^LowCardinality\((.*)\)$") + ", " + quote_string(r"\1") + ")")
_TRANSFORM_ERROR = (runtime_error(ILLEGAL_COLUMN) + "Illegal column of elements of array of "
                    "third argument of function transform, must be of the type of the first "
                    "argument (or give transform a default)")
_TRANSFORM_BODY = (
    "tupleElement((transform(x, f, t), throwIf("
    + _PLAIN_TYPE.format(v="transform(x, f, t)") + " != " + _PLAIN_TYPE.format(v="x") + ", "
    + quote_string(_TRANSFORM_ERROR) + ")), 1)")
#: helper name -> (Timeplus name shown for it, parameters, body), as calls.CALL_HELPERS
HELPERS: dict[str, tuple[str, str, str]] = {
    TRANSFORM: ("transform", "(x, f, t)", _TRANSFORM_BODY),
}
_TTEST_MESSAGES = {
    "studentTTest": "Resulted t-statistics is NaN",
    "welchTTest": "Cannot calculate p_value, because the t-distribution has inappropriate "
                  "value of degrees of freedom",
}
_USING_MESSAGE = (RUNTIME_REFUSAL + "a NULL key of a RIGHT or FULL JOIN USING whose left side "
                  "is no stream is not supported by the emulator (join_use_nulls = 0, Proton "
                  "reads it as a value of the left side key type)")
_JODA = ("parse_datetime_in_joda_syntax", "parse_datetime_in_joda_syntax_or_null",
         "parse_datetime_in_joda_syntax_or_zero")


def helper_ddl() -> tuple[str, ...]:
    """``CREATE FUNCTION`` statements of the wrappers (HELPERS go with calls.CALL_HELPERS)."""
    cut = ("CAST(t, replaceRegexpOne(toTypeName(t), " + quote_string(r"DateTime64\([789]")
           + ", 'DateTime64(6'))")
    nan_t = "isNaN(tupleElement(r, 1)) AND NOT isNaN(tupleElement(r, 2))"
    native = (f"CAST(x, if(match(toTypeName(x), {quote_string(_NATIVE_TYPE)}), toTypeName(x), "
              f"concat({quote_string(_ILLEGAL_TYPE)}, f)))")
    no_date = (f"CAST(x, if(match(toTypeName(x), {quote_string(_DATE_TYPE)}), "
               f"concat({quote_string(_DATE_ARGUMENT)}, f), toTypeName(x)))")
    lc_array = ("tupleElement((x, throwIf(match(toTypeName(x), "
                + quote_string(r"^Array[(]LowCardinality[(]") + ") AND NOT match(toTypeName(x), "
                + quote_string(r"^Array[(]LowCardinality[(](Nullable[(])?(Fixed)?String")
                + "), " + quote_string(_LC_ARRAY_ERROR) + ")), 1)")
    constants = [
        f"CREATE OR REPLACE FUNCTION {constant_check(name, index)} AS ({x}) -> "
        f"if(isNull(toDecimal256(0, toUInt8(least(greatest({x}, 0), 76)))), {x}, {x})"
        for name, indexes in CONSTANT_ONLY.items() for index in indexes
        for x in [f"{name}{_ARGUMENT}{index}"]]
    return (
        *constants,
        f"CREATE OR REPLACE FUNCTION {NATIVE_CHECK} AS (x, f) -> {native}",
        f"CREATE OR REPLACE FUNCTION {NO_DATE_CHECK} AS (x, f) -> {no_date}",
        f"CREATE OR REPLACE FUNCTION {LC_ARRAY_CHECK} AS (x) -> {lc_array}",
        f"CREATE OR REPLACE FUNCTION {TTEST_INDEX} AS (g) -> toUInt8(g)",
        f"CREATE OR REPLACE FUNCTION {MICROSECONDS} AS (t) -> {cut}",
        f"CREATE OR REPLACE FUNCTION {TTEST_RESULT} AS (r, m) -> "
        f"tupleElement((r, throwIf({nan_t}, m)), 1)",
        f"CREATE OR REPLACE FUNCTION {USING_GUARD} AS (k) -> "
        f"tupleElement((k, throwIf(isNull(k), {quote_string(_USING_MESSAGE)})), 1)",
        f"CREATE OR REPLACE FUNCTION {USING_KEY_AS} AS (k, t) -> "
        "CAST(ifNull(k, defaultValueOfTypeName(t)), t)",
    )


def check_call(name: str, args: list[list[Token]]) -> None:
    """Raise Proton's error (or 48) for a call of ``name`` (lower case) that Proton refuses
    or answers otherwise than chDB, judged from the written argument tokens."""
    if name in ("make_date", "make_date32") and len(args) != 3:
        raise TranslationError(
            NUMBER_OF_ARGUMENTS_DOESNT_MATCH, f"Number of arguments for function {name} "
            f"doesn't match: passed {len(args)}, should be 3")
    if name == "array_zip" and not args:
        raise TranslationError(NUMBER_OF_ARGUMENTS_DOESNT_MATCH,
                               "Function array_zip needs at least one argument; passed 0")
    if name in ("translate", "translate_utf8") and len(args) == 3:
        _check_translate(name, args[1], args[2])
    if name in _JODA and len(args) >= 2:
        _check_joda(name, args[1])
    if name in _PATTERN_ARGUMENT and len(args) > _PATTERN_ARGUMENT[name]:
        check_pattern(name, args[_PATTERN_ARGUMENT[name]])
    if name in ("format_row", "format_row_no_newline") and args:
        fmt = _literal(args[0])
        if fmt is not None and _FRAMED_FORMAT.search(fmt):
            raise TranslationError(
                NOT_IMPLEMENTED, f"{name} in the format {fmt} is not supported by the "
                "emulator (Proton writes the row alone, without names, types or frame)")


#: Output formats that write names, types or a frame around their rows.
_FRAMED_FORMAT = re.compile(r"(?i)withnames|^(xml|json(compact)?(strings)?|markdown|vertical)$"
                            r"|^pretty")


#: Timeplus functions taking a regular expression (OptimizedRegularExpression): its index.
_PATTERN_ARGUMENT = {
    **dict.fromkeys(("match", "regexp_matches", "like", "not_like", "ilike", "not_ilike",
                     "extract", "extract_all", "extract_all_groups_horizontal",
                     "extract_all_groups_vertical", "extract_groups", "count_matches",
                     "count_matches_case_insensitive"), 1),
    "split_by_regexp": 0,
}


def check_pattern(name: str, pattern: list[Token]) -> None:
    """Refuse (48) a regular expression (the tokens of the pattern argument of ``name``, or
    after a LIKE operator) written as a string literal with a NUL byte."""
    text = _literal(pattern)
    if text is not None and "\x00" in text:
        raise TranslationError(
            NOT_IMPLEMENTED, f"A {name} pattern with a NUL byte is not supported by the emulator "
            "(Proton reads the pattern only up to it)")


def _literal(tokens: list[Token]) -> str | None:
    return unquote(tokens[0].text) if len(tokens) == 1 and tokens[0].kind is Kind.STRING \
        else None


def _check_translate(name: str, source: list[Token], target: list[Token]) -> None:
    from_text, to_text = _literal(source), _literal(target)
    if from_text is None or to_text is None:
        raise TranslationError(NOT_IMPLEMENTED, f"{name} with a second or third argument that "
                               "is not a string literal is not supported by the emulator")
    if name == "translate":
        lengths = [len(text.encode("utf-8", "surrogateescape")) for text in (from_text, to_text)]
    else:
        lengths = [len(from_text), len(to_text)]
    if lengths[0] != lengths[1]:
        raise TranslationError(BAD_ARGUMENTS, "Second and third arguments must be the same "
                                              "length")


def _check_joda(name: str, fmt: list[Token]) -> None:
    text = _literal(fmt)
    if text is None:
        raise TranslationError(NOT_IMPLEMENTED, f"{name} with a format that is not a string "
                               "literal is not supported by the emulator")
    for run in _pattern_runs(text):
        if run in ("YYY", "yyy", "xxx"):
            raise TranslationError(
                NOT_IMPLEMENTED, f"{name} with the pattern {run} is not supported by the "
                "emulator (Proton reads at most three digits there, chDB four)")


def _pattern_runs(fmt: str) -> list[str]:
    """The runs of one repeated pattern letter in a Joda format, outside quoted text."""
    runs: list[str] = []
    quoted = False
    for ch in fmt:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch.isalpha() and runs and runs[-1][-1] == ch:
            runs[-1] += ch
            continue
        runs.append(ch if not quoted and ch.isalpha() else " ")
    return [run for run in runs if run.strip()]


def adjusted_arguments(name: str, texts: list[str]) -> list[str]:
    """The argument texts to send for a call of ``name`` (lower case), wrapped where Proton
    reads an argument otherwise than chDB."""
    if name in ("student_ttest", "welch_ttest") and len(texts) >= 2:
        return [texts[0], _wrap(TTEST_INDEX, texts[1]), *texts[2:]]
    if name == "age" and len(texts) in (3, 4):
        return [texts[0], _wrap(MICROSECONDS, texts[1]), _wrap(MICROSECONDS, texts[2]),
                *texts[3:]]
    if name in NO_DATE and texts:
        return [_wrap(NO_DATE_CHECK, texts[0], f", {quote_string(name)}"), *texts[1:]]
    if name in ARRAY_INDEX and texts and not _plain_array_literal(texts[0]):
        return [_wrap(LC_ARRAY_CHECK, texts[0]), *texts[1:]]
    if name in NATIVE_ONLY:
        return [_wrap(NATIVE_CHECK, text, f", {quote_string(name)}") for text in texts]
    for index in CONSTANT_ONLY.get(name, ()):
        if index < len(texts):
            texts = [*texts[:index], _wrap(constant_check(name, index), texts[index]),
                     *texts[index + 1:]]
    return texts


def _plain_array_literal(text: str) -> bool:
    """``[1, 2]``: an array literal, whose elements are no low_cardinality values."""
    return text.lstrip().startswith("[") and "low_cardinality" not in text.lower()


def _wrap(helper: str, text: str, extra: str = "") -> str:
    lead = text[: len(text) - len(text.lstrip())]
    return f"{lead}{helper}({text[len(lead):]}{extra})"


_NATIVE_FAILED = re.compile(r"Unknown data type family: " + _ILLEGAL_TYPE + r"(\w+)")
_DATE_FAILED = re.compile(r"Unknown data type family: " + _DATE_ARGUMENT + r"(\w+)")
_CONSTANT_FAILED = re.compile(r"In scope (\w+)" + _ARGUMENT + r"(\d+) -> if\(isNull\(toDecimal256")


def analysis_error(ch_message: str) -> Optional[tuple[int, str]]:
    """Proton's ``(code, message)`` for a chDB error of the native or constant checks."""
    native = _NATIVE_FAILED.search(ch_message)
    if native is not None:
        return ILLEGAL_TYPE_OF_ARGUMENT, (
            f"Illegal type of argument of function {native.group(1)}: it takes integers up to "
            "64 bits and floats, not decimals")
    date = _DATE_FAILED.search(ch_message)
    if date is not None:
        return ILLEGAL_COLUMN, (f"Illegal type date of first argument of function "
                                f"{date.group(1)}")
    constant = _CONSTANT_FAILED.search(ch_message)
    if constant is not None:
        return ILLEGAL_COLUMN, (f"Argument at index {constant.group(2)} for function "
                                f"{constant.group(1)} must be constant")
    return None


def wrapped_result(ch_text: str) -> str:
    """``ch_text`` (a whole call) wrapped where Proton raises an error chDB does not."""
    for ch_name, message in _TTEST_MESSAGES.items():
        if ch_text.startswith(ch_name + "("):
            error = quote_string(runtime_error(BAD_ARGUMENTS) + message)
            return f"{TTEST_RESULT}({ch_text}, {error})"
    return ch_text


def transform_helper(name: str, args: list[list[Token]]) -> str | None:
    """The helper a three-argument ``transform`` goes through (see the module docstring)."""
    return TRANSFORM if name == "transform" and len(args) == 3 else None
