"""Function names: Timeplus (snake_case) ⇄ ClickHouse (camelCase).

Owns: resolving a Timeplus function name to the ClickHouse function to call
(including aggregate combinator suffixes such as ``_if``/``_distinct``), rejecting
names Timeplus does not have (code 46) or the emulator cannot run (code 48), and the
reverse mapping used for result column names and error messages.

The bulk table lives in the generated ``function_table.py``; the hand-written rules
here are the exceptions to the mechanical camelCase ↔ snake_case rule.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Optional

from timeplus_emulator.sql.allowlist import is_refused_function
from timeplus_emulator.sql.calls import CALL_HELPERS
from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, UNKNOWN_FUNCTION, TranslationError
from timeplus_emulator.sql.legacy import SUBSTRING_UTF8

# Timeplus name → ClickHouse name where the mechanical rule does not apply.
EXCEPTIONS: dict[str, str] = {
    "to_int": "toInt32",
    "to_float": "toFloat32",
    # Proton's to_decimal converts to Decimal32: decimal(9, scale) (FunctionsConversion.h)
    "to_decimal": "toDecimal32",
    # Proton's locate is an alias of position(haystack, needle); chDB's takes MySQL's order
    "locate": "position",
    # Proton renamed array/tuple/map to array_cast/tuple_cast/map_cast ([1, 2] parses as
    # array_cast); map_cast of two arrays is map_from_arrays (see calls.py)
    "array_cast": "array",
    "tuple_cast": "tuple",
    "map_cast": "map",
    "scalar_product": "dotProduct",
    "vector_difference": "tupleMinus",
    "vector_sum": "tuplePlus",
    "url_path_hierarchy": "URLPathHierarchy",
    "is_nan": "isNaN",
    "replace_regex": "replaceRegexpAll",
    "replace_regexp": "replaceRegexpAll",
    "md5": "MD5",
    "sha256": "SHA256",
    "sha1": "SHA1",
    "sha224": "SHA224",
    "sha384": "SHA384",
    "sha512": "SHA512",
    "json_value": "JSON_VALUE",
    "json_query": "JSON_QUERY",
    "json_exists": "JSON_EXISTS",
    "unique": "uniq",
    "unique_exact": "uniqExact",
    "unique_combined": "uniqCombined",
    "unique_combined64": "uniqCombined64",
    "unique_hll12": "uniqHLL12",
    "unique_theta": "uniqTheta",
    "unique_up_to": "uniqUpTo",
    "earliest": "any",
    "latest": "anyLast",
    "day": "toDayOfMonth",
    "day_of_month": "toDayOfMonth",
    "day_of_week": "toDayOfWeek",
    "day_of_year": "toDayOfYear",
    "hour": "toHour",
    "minute": "toMinute",
    "second": "toSecond",
    "month": "toMonth",
    "quarter": "toQuarter",
    "year": "toYear",
    "char_length": "lengthUTF8",
    "character_length": "lengthUTF8",
    "from_unixtime": "FROM_UNIXTIME",
    "to_base64": "base64Encode",
    "from_base64": "base64Decode",
    "last_day": "toLastDayOfMonth",
    "uuid": "generateUUIDv4",
    "regexp_matches": "match",
    "not_ilike": "notILike",
    "moving_sum": "groupArrayMovingSum",
    "moving_avg": "groupArrayMovingAvg",
    "norm_l1": "L1Norm",
    "norm_l2": "L2Norm",
    "norm_l2_squared": "L2SquaredNorm",
    "norm_linf": "LinfNorm",
    "norm_lp": "LpNorm",
    "distance_l1": "L1Distance",
    "distance_l2": "L2Distance",
    "distance_l2_squared": "L2SquaredDistance",
    "distance_linf": "LinfDistance",
    "distance_lp": "LpDistance",
    "normalize_l1": "L1Normalize",
    "normalize_l2": "L2Normalize",
    "normalize_linf": "LinfNormalize",
    "normalize_lp": "LpNormalize",
    "bit_and": "bitAnd",
    "bit_or": "bitOr",
    "bit_xor": "bitXor",
    "bit_not": "bitNot",
    "count_distinct": "uniqExact",
    "json_extract_array": "JSONExtractArrayRaw",
    "date_diff": "dateDiff",
    "lag_in_frame": "lagInFrame",
    "lead_in_frame": "leadInFrame",
    # Proton renamed these (FunctionsConversion.h): to_date and date() return date32, the
    # 16-bit date is to_date16; to_time is best-effort US parsing to datetime64, or zero.
    "to_date": "toDate32",
    "date": "toDate32",
    "to_date16": "toDate",
    "to_time": "parseDateTime64BestEffortUSOrZero",
    **{f"empty_array_{name.lower()}": f"emptyArray{name}" for name in (
        "UInt8", "UInt16", "UInt32", "UInt64", "Int8", "Int16", "Int32", "Int64", "Float32",
        "Float64", "Date", "DateTime", "String")},
}

# Timeplus functions whose chDB namesake answers differently and has no setting to pin: the
# generator lists them as UNSUPPORTED (48). ClickHouse reworked these statistics after Proton
# forked (02158_contingency: Proton's theils_u(a, b) is -1 where chDB's is 1).
DIFFERENT_ANSWERS = frozenset({"cramers_v", "cramers_v_bias_corrected", "theils_u", "contingency"})

# Spellings with special argument syntax that ClickHouse's parser rewrites itself
# (trim(BOTH x FROM y), date_add(DAY, 1, d), substring(s FROM 2), ...): passed as written.
# untuple(t) is no registered function either: Proton's analyzer expands it into the
# tuple's elements (TreeRewriter.cpp), as chDB's does.
PARSER_FUNCTIONS = frozenset(
    {"trim", "substring", "position", "extract", "date_add", "date_sub", "timestamp_add",
     "timestamp_sub", "untuple"}
)

# Timeplus functions the rewriter handles itself (never looked up in the table).
PERCENTILES: dict[str, str] = {"p90": "0.9", "p95": "0.95", "p99": "0.99"}
WINDOW_TABLE_FUNCTIONS = frozenset({"tumble", "hop", "session"})
STREAMING_ONLY = frozenset(
    {"lag", "lags", "lag_behind", "emit_version", "date_diff_within", "neighbor",
     "earliest_timestamp", "earliest_ts", "latest_timestamp", "latest_ts"}
)
SPECIAL_FUNCTIONS = frozenset(
    {*PERCENTILES, *WINDOW_TABLE_FUNCTIONS, *STREAMING_ONLY, *PARSER_FUNCTIONS, "table", "top_k",
     "top_k_weighted"}
)

# Functions whose result is ``bool`` in Proton (their return type is Proton's ``bool``,
# read from its function sources) where chDB's counterpart returns UInt8. Calls are
# wrapped in BOOL_WRAPPER by the rewriter (see ``rewriter.Rewriter.function_call``).
_IN_FUNCTIONS = tuple(
    f"{scope}{neg}{null}in{ignore}" for scope in ("", "global_") for neg in ("", "not_")
    for null in ("", "null_") for ignore in ("", "_ignore_set")
)
BOOL_FUNCTIONS = frozenset({
    "equals", "not_equals", "less", "greater", "less_or_equals", "greater_or_equals",
    "and", "or", "xor", "not", *_IN_FUNCTIONS,
    "like", "not_like", "ilike", "not_ilike", "match", "regexp_matches",
    "has_token", "has_token_case_insensitive", "multi_search_any",
    "multi_search_any_case_insensitive", "multi_search_any_utf8",
    "multi_search_any_case_insensitive_utf8", "multi_match_any", "multi_fuzzy_match_any",
    "simple_json_has", "visit_param_has", "simple_json_extract_bool",
    "visit_param_extract_bool", "json_has", "is_valid_json", "json_extract_bool",
    "json_exists", "is_finite", "is_infinite", "is_nan", "starts_with", "ends_with",
    "empty", "not_empty", "has", "array_all", "array_exists", "map_contains",
    "map_contains_key_like", "is_constant", "is_decimal_overflow", "is_ip_address_in_range",
    "is_null", "is_not_null", "is_zero_or_null", "point_in_polygon",
    "polygons_equals_cartesian", "polygons_within_cartesian", "polygons_within_spherical",
    "s2_cap_contains", "s2_cells_intersect",
})
# Helper functions the engine defines in chDB (``CREATE FUNCTION``, see the backend) and
# the translator emits; users cannot call them (they are not Timeplus names). Result
# column names show the Timeplus call instead: the wrapper dropped (None) or renamed.
BOOL_WRAPPER = "__tp_bool"
TYPE_NAME_FUNCTION = "__tp_type_name"
INTERNAL_FUNCTIONS: dict[str, Optional[str]] = {
    BOOL_WRAPPER: None, TYPE_NAME_FUNCTION: "to_type_name",
    SUBSTRING_UTF8: "substring_utf8",
    **{helper: shown for helper, (shown, _, _) in CALL_HELPERS.items()},
}
# Functions whose result type is the common supertype of (some of) their arguments: a
# ``bool`` argument there must stay UInt8, since chDB's supertype of Bool and UInt8 is Bool
# (``[true, 5]`` would read ``[true, true]``) where Proton's is uint8.
UNIFYING_FUNCTIONS = frozenset({
    "if", "multi_if", "coalesce", "if_null", "greatest", "least", "array", "array_cast",
    "array_concat", "map", "map_cast", "transform", "array_push_back", "array_push_front",
    "array_resize", "array_fill", "tuple_element", "array_with_constant", "if_not_finite",
    "null_if",
})

_STOCHASTIC_STATES = frozenset(
    {"stochastic_linear_regression_state", "stochastic_logistic_regression_state"})
_STOCHASTIC_PARAMS = 4  # learning rate, l2 coefficient, mini-batch size, method

_COMBINATORS: tuple[tuple[str, str], ...] = (
    ("_simple_state", "SimpleState"),
    ("_or_default", "OrDefault"),
    ("_or_null", "OrNull"),
    ("_for_each", "ForEach"),
    ("_resample", "Resample"),
    ("_distinct", "Distinct"),
    ("_state", "State"),
    ("_merge", "Merge"),
    ("_array", "Array"),
    ("_if", "If"),
    ("_map", "Map"),
)

_CAMEL = re.compile(r"[a-z0-9][A-Z]|^[A-Z]")


@dataclass(frozen=True)
class ResolvedFunction:
    """A Timeplus function resolved to ClickHouse."""

    ch_name: str
    aggregate: bool


def _tables() -> tuple[dict[str, str], frozenset[str], frozenset[str]]:
    from timeplus_emulator.sql import function_table

    return function_table.FUNCTIONS, function_table.UNSUPPORTED, function_table.CH_AGGREGATES


@functools.lru_cache(maxsize=4096)
def resolve_function(name: str) -> ResolvedFunction:
    """ClickHouse function for Timeplus function ``name`` (case-insensitive fallback).

    Raises TranslationError 46 for names Timeplus does not have (including
    ClickHouse-only camelCase names) and 48 for Timeplus functions without a chDB
    equivalent or kept out by :data:`~timeplus_emulator.sql.allowlist.REFUSED_FUNCTIONS`.
    """
    functions, unsupported, aggregates = _tables()
    if name.lower() in PARSER_FUNCTIONS:
        return ResolvedFunction(name, False)
    for candidate in (name, name.lower()):
        if candidate in functions:
            ch_name = functions[candidate]
            if is_refused_function(ch_name):
                raise TranslationError(
                    NOT_IMPLEMENTED, f"Function {candidate} is not supported by the emulator: "
                    "it reads files, dictionaries, other tables or the server process")
            return ResolvedFunction(ch_name, ch_name in aggregates)
        if candidate in unsupported or candidate in STREAMING_ONLY:
            raise TranslationError(
                NOT_IMPLEMENTED, f"Function {candidate} is not supported by the emulator"
            )
    combined = _resolve_combinator(name.lower(), functions, aggregates)
    if combined is not None:
        return combined
    raise TranslationError(UNKNOWN_FUNCTION, f"Unknown function {name}")


def _resolve_combinator(
    name: str, functions: dict[str, str], aggregates: frozenset[str]
) -> Optional[ResolvedFunction]:
    for suffix, ch_suffix in _COMBINATORS:
        if not name.endswith(suffix) or len(name) == len(suffix):
            continue
        base = name[: -len(suffix)]
        inner: Optional[ResolvedFunction]
        if base in functions and functions[base] in aggregates:
            inner = ResolvedFunction(functions[base], True)
        else:
            inner = _resolve_combinator(base, functions, aggregates)
        if inner is not None:
            return ResolvedFunction(inner.ch_name + ch_suffix, True)
    return None


def parametric_split(name: str, count: int) -> Optional[tuple[slice, slice]]:
    """Proton's argument form of parametric aggregates (ExpressionAnalyzer.cpp,
    tryTranslateToParametricAggregateFunction): ``quantile(x, 0.9)`` is ``quantile(0.9)(x)``,
    ``quantiles(x, 0.5, 0.9)``, ``quantile_deterministic(x, d, 0.9)`` and the ``_weighted``
    forms keep two value arguments, ``stochastic_*_state(0.1, 0.1, 100, 'sgd', f...)`` takes
    its first four as parameters. Returns (value arguments, parameters) as slices of the
    ``count`` arguments, or None; names with a combinator suffix are left alone, as there."""
    if any(name.endswith(suffix) for suffix, _ in _COMBINATORS):
        return None
    if name.startswith(("quantile", "median")):
        base = 2 if name.endswith(("deterministic", "weighted")) else 1
        return (slice(0, base), slice(base, None)) if count > base else None
    if name in _STOCHASTIC_STATES and count > _STOCHASTIC_PARAMS:
        return slice(_STOCHASTIC_PARAMS, None), slice(0, _STOCHASTIC_PARAMS)
    return None


def is_camel_case(name: str) -> bool:
    """True for names that look like ClickHouse camelCase (``toDateTime``, ``String``)."""
    return bool(_CAMEL.search(name))


@functools.lru_cache(maxsize=1)
def _reverse_table() -> dict[str, str]:
    """ClickHouse name → the Timeplus spelling to report.

    Several Timeplus names can map to one ClickHouse function (``latest`` and
    ``any_last``); the mechanical snake_case spelling wins, then the shortest name,
    then the explicit preferences below.
    """
    functions, _, _ = _tables()
    reverse: dict[str, str] = {}
    for tp, ch in sorted(functions.items(), key=lambda kv: (len(kv[0]), kv[0])):
        reverse.setdefault(ch, tp)
    for tp, ch in functions.items():
        if _mechanical_snake(ch) == tp:
            reverse[ch] = tp
    for tp in ("unique", "unique_exact", "is_nan", "replace_regex", "md5", "sha256",
               "json_value", "to_date", "to_time"):
        if tp in functions:
            reverse[functions[tp]] = tp
    return reverse


@functools.lru_cache(maxsize=4096)
def to_timeplus_function_name(ch_name: str) -> str:
    """Timeplus spelling of a ClickHouse function name (combinators included)."""
    internal = INTERNAL_FUNCTIONS.get(ch_name)
    if internal is not None:
        return internal
    reverse = _reverse_table()
    if ch_name in reverse:
        return reverse[ch_name]
    _, _, aggregates = _tables()
    for suffix, ch_suffix in _COMBINATORS:
        base = ch_name[: -len(ch_suffix)]
        if ch_name.endswith(ch_suffix) and base and (base in aggregates or _is_combined(base)):
            return to_timeplus_function_name(base) + suffix
    if is_camel_case(ch_name):
        return _mechanical_snake(ch_name)
    return ch_name


def is_clickhouse_function(ch_name: str) -> bool:
    """True if ``ch_name`` is a ClickHouse function some Timeplus function maps to
    (an aggregate with combinators included); False for other words such as ``chDB``."""
    return ch_name in _reverse_table() or _is_combined(ch_name)


def _is_combined(ch_name: str) -> bool:
    _, _, aggregates = _tables()
    for _, ch_suffix in _COMBINATORS:
        base = ch_name[: -len(ch_suffix)]
        if ch_name.endswith(ch_suffix) and base and (base in aggregates or _is_combined(base)):
            return True
    return False


def _mechanical_snake(ch_name: str) -> str:
    text = ch_name.replace("DateTime", "Datetime").replace("UInt", "Uint")
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    text = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", "_", text)
    return text.lower()


def timeplus_functions() -> list[tuple[str, bool]]:
    """Every Timeplus function the emulator accepts: ``(name, is_aggregate)``, sorted.

    For the engine's stand-in of ``system.functions`` (chDB's lists ClickHouse names).
    Aggregate combinator spellings (``count_if``...) are accepted but not listed.
    """
    functions, _, aggregates = _tables()
    rows = {tp: ch in aggregates for tp, ch in functions.items() if not is_refused_function(ch)}
    rows.update({name: True for name in (*PERCENTILES, "top_k", "top_k_weighted")})
    rows.update({name: False for name in PARSER_FUNCTIONS})
    return sorted(rows.items())
