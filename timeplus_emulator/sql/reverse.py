"""ClickHouse → Timeplus: result type names, column names and error messages.

Owns: everything that turns what chDB reports back into what a Timeplus server
would report.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Optional

from timeplus_emulator.sql import types as _types
from timeplus_emulator.sql.calls import CALL_HELPERS
from timeplus_emulator.sql.decimalin import DECIMAL_IN
from timeplus_emulator.sql.decimalin import helper_ddl as decimal_in_ddl
from timeplus_emulator.sql.errors import (
    NOT_IMPLEMENTED,
    RUNTIME_REFUSAL,
    TranslationError,
)
from timeplus_emulator.sql.functions import (
    BOOL_WRAPPER,
    TYPE_NAME_FUNCTION,
    is_clickhouse_function,
    to_timeplus_function_name,
)
from timeplus_emulator.sql.legacy import (
    CAST_GUARD,
    RANGE_CHECK_PREFIX,
    RANGE_GUARD,
    YEAR_2000,
    range_guard_ddl,
    substring_utf8_ddl,
    year_2000_ddl,
)
from timeplus_emulator.sql.protoncalls import WRAPPERS as _PROTON_WRAPPERS
from timeplus_emulator.sql.protoncalls import analysis_error
from timeplus_emulator.sql.protoncalls import helper_ddl as proton_helper_ddl
from timeplus_emulator.sql.samplechecks import SAMPLE_CHECK, sample_check_ddl
from timeplus_emulator.sql.tokens import Kind, quote_string, tokenize, unquote
from timeplus_emulator.sql.unify import HELPER_DDL, UINT8_CAST, UNIFY_CAST, WIDE_LITERAL
from timeplus_emulator.sql.unixtime import UNIX_DIGITS, unix_digits_ddl
from timeplus_emulator.sql.wrapping import WRAPPERS as _WRAPPING_WRAPPERS
from timeplus_emulator.sql.wrapping import helper_ddl as wrapping_helper_ddl

_CAST_NAMES = frozenset({"CAST", "_CAST", "accurateCast", "accurateCastOrNull", "toTypeName"})


def to_timeplus_type(ch_type: str) -> str:
    """Timeplus name of a ClickHouse type (``DateTime64(3, 'UTC')`` → ``datetime64(3, 'UTC')``).

    Never raises: a type string the parser does not understand gets the word-based
    rewrite of :func:`ch_type_to_timeplus_sql` instead.
    """
    try:
        return _types.to_timeplus_type(ch_type, to_timeplus_function_name)
    except TranslationError:
        text = ch_type
        for pattern, replacement in _SQL_TYPE_REWRITES:
            text = re.sub(pattern, replacement.replace("\\1", "\\g<1>"), text)
        return text


@functools.lru_cache(maxsize=4096)
def to_timeplus_column_name(ch_name: str) -> str:
    """Map function and type names inside a chDB auto-generated column name back.

    ``plus(1, 1)`` stays, ``toIntervalHour(1)`` → ``to_interval_hour(1)``,
    ``countIf(x)`` → ``count_if(x)``, ``CAST(x, 'Int32')`` → ``CAST(x, 'int32')``.
    Names that do not tokenize are returned unchanged.
    """
    if "(" not in ch_name:
        return ch_name
    try:
        tokens = tokenize(ch_name)
    except TranslationError:
        return ch_name
    out: list[str] = []
    cast_depth: Optional[int] = None
    depth = 0
    dropped: list[int] = []  # depths of the translator's wrappers being left out
    skipping = False  # inside a wrapper's arguments after its first one
    for i, tok in enumerate(tokens):
        text = tok.text
        if tok.text in _WRAPPERS and tokens[i + 1].is_op("("):
            dropped.append(depth)
            tokens[i + 2] = tokens[i + 2]._replace(pre=tok.pre + tokens[i + 2].pre)
            continue
        if tok.is_op("(") and tokens[i - 1].text in _WRAPPERS:
            depth += 1
            continue
        if tok.is_op(")") and dropped and dropped[-1] == depth - 1:
            depth -= 1
            dropped.pop()
            skipping = False
            continue
        if skipping or (tok.is_op(",") and dropped and dropped[-1] == depth - 1):
            skipping = True  # the wrapper's other arguments are not in Proton's name
            depth += 1 if tok.is_op("(", "[") else -1 if tok.is_op(")", "]") else 0
            continue
        if tok.kind is Kind.IDENT and tokens[i + 1].is_op("(") and not tokens[i - 1].is_op("."):
            if text in _CAST_NAMES and cast_depth is None:
                cast_depth = depth
            text = text if text in _CAST_NAMES else to_timeplus_function_name(text)
        elif tok.kind is Kind.STRING and cast_depth is not None and depth == cast_depth + 1:
            text = _type_string(text)
        if tok.is_op("(", "["):  # brackets count: a comma in [1, 2] is no argument's end
            depth += 1
        elif tok.is_op(")", "]"):
            depth -= 1
            if cast_depth is not None and depth == cast_depth:
                cast_depth = None
        out.append(tok.pre + text)
    return "".join(out)


def _type_string(literal: str) -> str:
    try:
        return quote_string(to_timeplus_type(unquote(literal)))
    except TranslationError:
        return literal


_PREFIX = re.compile(r"^Code:\s*\d+\.\s*(DB::Exception:\s*)?")
_SUFFIX = re.compile(
    r"[.\s]*\((?:[A-Z_]+)\)(?:\s*\(version [^)]*\))?[.\s]*$|[.\s]*\(version [^)]*\)[.\s]*$"
)
_TABLE_MISSING = re.compile(
    r"Table (\S+?)\.?\s*(?:does not exist|doesn't exist)|"
    r"Unknown table expression identifier '([^']+)'"
)
_NOISE = re.compile(
    r"(?:\s*Maybe you meant [^?]*\?)|(?:[:.]?\s*In scope .*$)|(?:[:.]?\s*while executing .*$)",
    re.DOTALL,
)
DELTA_CHECK = "_tp_delta_is_1_or_minus_1"  # the constraint on a changelog stream's _tp_delta
_DELTA_VIOLATED = re.compile(
    rf"Constraint `{DELTA_CHECK}` .*?violated at row (\d+).*?Column values: _tp_delta = (-?\d+)",
    re.DOTALL,
)
# names show their first argument only
_WRAPPERS = frozenset({BOOL_WRAPPER, YEAR_2000, RANGE_GUARD, CAST_GUARD, UNIX_DIGITS, UINT8_CAST,
                       UNIFY_CAST,
                       f"{UINT8_CAST}_as", f"{UNIFY_CAST}_as", WIDE_LITERAL,
                       f"{UINT8_CAST}_once",
                       f"{UNIFY_CAST}_once", SAMPLE_CHECK, *_PROTON_WRAPPERS,
                       *_WRAPPING_WRAPPERS, DECIMAL_IN})
_RANGE_VIOLATED = re.compile(
    rf"Constraint `{RANGE_CHECK_PREFIX}(.*?)` .*?violated", re.DOTALL)
# chDB's words for `SELECT 1 AS k ... JOIN ... USING k` (a constant join key from the
# projection); an ON condition names the tables as written, USING as __tableN
_CONSTANT_USING_KEY = re.compile(
    r"Cannot determine join keys in JOIN ON expression equals\(__table\d+\.(\w+), "
    r"__table\d+\.\1\)")
_RUNTIME_REFUSAL = re.compile(re.escape(RUNTIME_REFUSAL) + r"([^':]*)")
_RUNTIME_ERROR = re.compile(r"\[emulator:(\d+)\] ([^':]*)")  # errors.runtime_error
_UNKNOWN_FUNCTION = re.compile(r"Function with name `([^`]+)` does not exist")
_UNKNOWN_IDENTIFIER = re.compile(r"Unknown expression identifier `([^`]+)`|"
                                 r"Resolved identifier '([^']+)' in parent scope")
_NUMBER = r"(?:Nullable\()?(?:U?Int|Float)\d+\)?"
_DECIMAL = r"(?:Nullable\()?Decimal(?:\d+)?\([\d, ]+\)\)?"
_UNBOUNDED_POLYGON = re.compile(r"Polygon is not valid: bounding box is unbounded")
_MIXED_AVG_WEIGHTED = re.compile(
    rf"Types (?:{_NUMBER} and {_DECIMAL}|{_DECIMAL} and (?:{_NUMBER}|{_DECIMAL})) are "
    r"non-conforming as "
    r"arguments for aggregate function avgWeighted")
_VIRTUAL_COLUMN = re.compile(
    r"(?:Unknown expression (?:or function )?identifier|Missing columns:) [`']"
    r"(_part|_part_index|_part_uuid|_part_offset|_partition_id|_partition_value|"
    r"_sample_factor)[`']")
_TYPE_WORD = re.compile(
    r"\b(U?Int(?:8|16|32|64|128|256)|Float(?:32|64)|BFloat16|String|FixedString|DateTime64|"
    r"DateTime|Date32|Decimal(?:32|64|128|256)?|LowCardinality|Nullable|Enum8|Enum16|UUID|"
    r"IPv4|IPv6|Bool|(?:Array|Map|Tuple|Nothing|Nested)(?=\())\b"
)
_WORD = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")
_TABLE_WORD = re.compile(r"\b(T|t)able(s?)\b(?! function)")


def to_timeplus_error(
    ch_message: str, ch_code: int, database_names: Optional[Mapping[str, str]] = None
) -> tuple[int, str]:
    """Rewrite a chDB error into the Proton ``(code, message)`` a client would see.

    ``database_names`` maps the engine's private chDB database names to Timeplus
    names; they are replaced wherever they appear as whole names in the message.
    """
    delta = _DELTA_VIOLATED.search(ch_message)
    if delta is not None:  # the words of Proton's collapsing merge check, as code 117
        return 117, (f"Incorrect data: _tp_delta = {delta.group(2)} at row {delta.group(1)} "
                     "(must be 1 or -1)")
    out_of_range = _RANGE_VIOLATED.search(ch_message)
    if out_of_range is not None:  # legacy.range_constraints: Proton would clamp the value
        return NOT_IMPLEMENTED, (
            f"A value of column {out_of_range.group(1)} lies outside 1900-01-01 .. 2299-12-31, "
            "which Proton clamps it to; storing it is not supported by the emulator")
    constant_key = _CONSTANT_USING_KEY.search(ch_message)
    if constant_key is not None:  # USING k, k a constant alias: Proton joins on its value
        return NOT_IMPLEMENTED, (
            f"JOIN ... USING {constant_key.group(1)} where {constant_key.group(1)} is a constant "
            "of the SELECT list is not supported by the emulator")
    checked = analysis_error(ch_message)
    if checked is not None:  # a native or constant argument check of protoncalls.py
        return checked
    runtime = _RUNTIME_ERROR.search(ch_message)
    if runtime is not None:  # a throwIf the translator emitted to answer Proton's error
        return int(runtime.group(1)), runtime.group(2).strip()
    refusal = _RUNTIME_REFUSAL.search(ch_message)
    if refusal is not None:  # a throwIf the translator emitted to refuse a value (48)
        return NOT_IMPLEMENTED, refusal.group(1)
    message = ch_message.strip()
    previous = None
    while previous != message:
        previous = message
        message = _SUFFIX.sub("", _PREFIX.sub("", message)).strip()
    message = _NOISE.sub("", message).strip()
    message = message[:-1] if message.endswith(".") and not message.endswith("..") else message
    for private, public in (database_names or {}).items():
        # whole names only: the --data-dir names tp_<db> also occur inside other words
        message = re.sub(rf"(?<!\w){re.escape(private)}(?!\w)", public, message)
    missing = _TABLE_MISSING.search(message)
    if missing is not None:
        name = missing.group(1) or missing.group(2)
        if "." not in name:
            name = "default." + name
        return 60, f"Stream {name} doesn't exist"
    unknown_function = _UNKNOWN_FUNCTION.search(message)
    if unknown_function is not None:
        return 46, f"Unknown function {to_timeplus_function_name(unknown_function.group(1))}"
    if _UNBOUNDED_POLYGON.search(message):  # Proton answers some of these (01940: false)
        return NOT_IMPLEMENTED, ("point_in_polygon with an infinite coordinate is not "
                                 "supported by the emulator")
    mixed = _MIXED_AVG_WEIGHTED.search(message)
    if mixed is not None:  # Proton averages a decimal with a number (AvgWeighted.cpp)
        return NOT_IMPLEMENTED, ("avg_weighted of a decimal beside a number or another decimal "
                                 "type is not supported by the emulator")
    virtual = _VIRTUAL_COLUMN.search(message)
    if virtual is not None:  # a MergeTree part's virtual column: the emulator has no parts
        return NOT_IMPLEMENTED, (f"The virtual column {virtual.group(1)} is not supported "
                                 "by the emulator")
    unknown_column = _UNKNOWN_IDENTIFIER.search(message)
    if unknown_column is not None:
        # an outer column in a subquery (correlated, where chDB has them turned off): Proton
        # has no correlated subqueries, so the name is missing there too
        name = unknown_column.group(1) or unknown_column.group(2)
        return 47, f"Missing columns: '{name}' while processing query"
    message = _rename_types(message)
    message = _WORD.sub(_function_word, message)
    message = _TABLE_WORD.sub(lambda m: ("S" if m.group(1) == "T" else "s") + "tream" + m.group(2),
                              message)
    return ch_code, message


def _rename_types(message: str) -> str:
    """Each ClickHouse type in an error message, with its parameters, in Timeplus spelling.

    ``Decimal(38, 9)`` is one type (``decimal(38, 9)``), not the word ``Decimal`` (whose
    default would be ``decimal(10, 0)``) followed by ``(38, 9)``; a bare word keeps no
    parameters (``DateTime64`` → ``datetime64``).
    """
    out: list[str] = []
    pos = 0
    for match in _TYPE_WORD.finditer(message):
        if match.start() < pos:
            continue  # inside the parameters of a type already renamed
        end = _parameters_end(message, match.end())
        text = message[match.start():end]
        renamed = to_timeplus_type(text)
        if end == match.end():
            renamed = renamed.split("(", 1)[0]
        out.append(message[pos:match.start()] + renamed)
        pos = end
    return "".join(out) + message[pos:]


def _parameters_end(text: str, start: int) -> int:
    """The index after the balanced ``(...)`` at ``start`` (quotes respected), else ``start``."""
    if not text.startswith("(", start):
        return start
    depth = 0
    quote = ""
    for i in range(start, len(text)):
        char = text[i]
        if quote:
            quote = "" if char == quote and text[i - 1] != "\\" else quote
        elif char in "'`":
            quote = char
        elif char in "()":
            depth += 1 if char == "(" else -1
            if depth == 0:
                return i + 1
    return start


def _function_word(match: re.Match[str]) -> str:
    """Known ClickHouse function names only: other camelCase words (``chDB``, column
    names) stay as written."""
    word = match.group(0)
    if not re.search(r"[a-z][A-Z]", word) or not is_clickhouse_function(word):
        return word
    return to_timeplus_function_name(word)


# (regex, replacement) pairs applied in order by ch_type_to_timeplus_sql.
_SQL_TYPE_REWRITES: tuple[tuple[str, str], ...] = (
    (r"\bObject\('json'\)", "json"),
    (r"\bLowCardinality\(", "low_cardinality("),
    (r"\bNullable\(", "nullable("),
    (r"\bFixedString\(", "fixed_string("),
    (r"\bSimpleAggregateFunction\(", "simple_aggregate_function("),
    (r"\bAggregateFunction\(", "aggregate_function("),
    (r"\bDateTime64\b", "datetime64"),
    (r"\bDateTime\b", "datetime"),
    (r"\bDate32\b", "date32"),
    (r"\bDate\b", "date"),
    (r"\bUInt(\d+)\b", "uint\\1"),
    (r"\bInt(\d+)\b", "int\\1"),
    (r"\bFloat(\d+)\b", "float\\1"),
    (r"\bDecimal\(", "decimal("),
    (r"\bString\b", "string"),
    (r"\bUUID\b", "uuid"),
    (r"\bIPv4\b", "ipv4"),
    (r"\bIPv6\b", "ipv6"),
    (r"\bBool\b", "bool"),
    (r"\bJSON\b", "json"),
    (r"\bNothing\b", "nothing"),
    (r"\bArray\(", "array("),
    (r"\bMap\(", "map("),
    (r"\bTuple\(", "tuple("),
    (r"\bNested\(", "nested("),
    (r"\bEnum(8|16)\(", "enum\\1("),
    *((rf"\bInterval{unit.capitalize()}\b", f"interval_{unit}") for unit in (
        "nanosecond", "microsecond", "millisecond", "second", "minute", "hour", "day", "week",
        "month", "quarter", "year")),
)


def helper_function_ddl() -> tuple[str, ...]:
    """``CREATE FUNCTION`` statements for the helpers the translator emits
    (:data:`~timeplus_emulator.sql.functions.INTERNAL_FUNCTIONS`); the engine runs them once."""
    type_name = ch_type_to_timeplus_sql("toTypeName(x)")
    return (
        f"CREATE OR REPLACE FUNCTION {BOOL_WRAPPER} AS (x) -> toBool(x)",
        f"CREATE OR REPLACE FUNCTION {TYPE_NAME_FUNCTION} AS (x) -> {type_name}",
        year_2000_ddl(),
        substring_utf8_ddl(),
        *range_guard_ddl(),
        unix_digits_ddl(),
        *proton_helper_ddl(),
        sample_check_ddl(),
        *wrapping_helper_ddl(),
        *decimal_in_ddl(),
        *(f"CREATE OR REPLACE FUNCTION {name} AS {params} -> {body}"
          for name, (_, params, body) in CALL_HELPERS.items()),
        *HELPER_DDL,
    )


def ch_type_to_timeplus_sql(expression: str) -> str:
    """A ClickHouse SQL expression turning type names in ``expression`` into Timeplus names.

    For reflection queries over ``system.columns`` (the engine wraps the ``type``
    column). Word-based, so it matches :func:`to_timeplus_type` for the types
    streams can have; enum member names that look like type names would be
    rewritten too.
    """
    sql = expression
    for pattern, replacement in _SQL_TYPE_REWRITES:
        sql = f"replaceRegexpAll({sql}, {quote_string(pattern)}, {quote_string(replacement)})"
    return sql
