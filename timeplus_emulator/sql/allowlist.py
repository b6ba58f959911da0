"""What user SQL may make chDB do: the emulator's allow-lists, one per kind of name.

Owns: the query settings passed to chDB (name → the kind of literal its value must be),
the Timeplus-only settings the emulator reads itself, the input formats of
``INSERT ... FORMAT``, the literal-only check of ``FORMAT Values`` data, the ``system``
tables a query may read, and the Timeplus functions kept out of the function
allow-list because they read files, the network or other databases.

The translator builds every statement it sends from parsed pieces; each function name
(bare or quoted), table function, setting, format and ``system`` table it meets is
checked here or in :func:`timeplus_emulator.sql.functions.resolve_function` (functions),
wherever it stands (select list, FROM/JOIN, subquery, CTE, IN, view bodies, INSERT).
Anything else is refused: 48 (not supported), 46 (unknown function), 81 (unknown
database, for ``system`` tables not listed here), 62 (syntax).

Setting values are re-rendered from one parsed literal token (a number, a string, or
``true``/``false``); nothing written after ``=`` reaches chDB as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

from timeplus_emulator.sql.errors import (
    NOT_IMPLEMENTED,
    SYNTAX_ERROR,
    UNKNOWN_DATABASE,
    TranslationError,
)
from timeplus_emulator.sql.tokens import Kind, Token, name_of, quote_string, tokenize, unquote


@dataclass(frozen=True)
class SettingValue:
    """One parsed ``name = literal`` pair: ``value`` decoded, ``sql`` re-rendered."""

    name: str
    value: str
    sql: str
    kind: str  # "number", "string" or "bool"


_UINT = re.compile(r"\d+\Z")
_NUMBER = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?\Z")


def _uint(setting: SettingValue) -> bool:
    return setting.kind == "number" and bool(_UINT.match(setting.value))


def _number(setting: SettingValue) -> bool:
    return setting.kind == "number" and bool(_NUMBER.match(setting.value))


def _bool(setting: SettingValue) -> bool:
    return setting.kind == "bool" or (setting.kind == "number" and setting.value in ("0", "1"))


Check = Callable[[SettingValue], bool]
_KIND_TEXT: dict[Check, str] = {_uint: "an unsigned integer", _number: "a number",
                                 _bool: "0, 1, true or false"}


def _one_of(*values: str, case: bool = False) -> Check:
    """A string setting whose value is one of ``values`` (Proton's SettingsEnums.cpp)."""
    def check(setting: SettingValue) -> bool:
        value = setting.value if case else setting.value.lower()
        return setting.kind == "string" and value in values
    _KIND_TEXT[check] = "one of " + ", ".join(repr(v) for v in values)
    return check


def _false(setting: SettingValue) -> bool:
    return _bool(setting) and setting.value in ("0", "false")


_KIND_TEXT[_false] = "0 or false (1 adds rows that a REST result has no place for)"

#: Memory one query may use, pinned on every chDB connection (backend.py): chDB runs inside
#: the emulator's process, so a query that builds a huge result (ORDER BY ... WITH FILL TO
#: 1e11 filled 8 GB in 40 s and went on after the client left) fails with 241 (Memory limit
#: exceeded) instead of taking the machine. A query may lower it, never lift it (0 is no
#: limit in chDB).
QUERY_MEMORY_LIMIT = 2 * 1024**3


def _memory_limit(setting: SettingValue) -> bool:
    return _uint(setting) and 0 < int(setting.value) <= QUERY_MEMORY_LIMIT


_KIND_TEXT[_memory_limit] = f"an unsigned integer from 1 to {QUERY_MEMORY_LIMIT} (bytes)"

#: Seconds one chDB query may run, pinned like the memory limit: the emulator cannot stop a
#: chDB query that produces no output (SELECT count() FROM numbers(1e11) kept a core busy
#: after its client left), so such a query fails with 159 (timeout) instead of running
#: for hours. A query may lower it, never lift it (0 is no limit in chDB).
QUERY_TIME_LIMIT = 600


def _time_limit(setting: SettingValue) -> bool:
    # from 1 ms: chDB keeps whole microseconds, so 0.0000001 became 0, no limit (measured)
    return _number(setting) and 0.001 <= float(setting.value) <= QUERY_TIME_LIMIT


_KIND_TEXT[_time_limit] = f"a number of seconds from 0.001 to {QUERY_TIME_LIMIT}"
_OVERFLOW = _one_of("throw", "break")

#: chDB settings a query (SELECT, INSERT ... SELECT, subqueries) may set: limits and
#: result-shaping flags only. Nothing that names a path, a host, a format, spills to disk,
#: or changes how values render.
QUERY_SETTINGS: dict[str, Check] = {
    "max_threads": _uint,
    "max_block_size": _uint,
    "max_execution_time": _time_limit,
    "max_result_rows": _uint,
    "max_rows_to_read": _uint,
    "max_memory_usage": _memory_limit,
    "join_use_nulls": _bool,
    "aggregate_functions_null_for_empty": _bool,
    "cast_keep_nullable": _bool,
    # The same meaning in Proton's Settings.h and in chDB: what a query means ...
    "joined_subquery_requires_alias": _bool,
    "join_default_strictness": _one_of("", "ALL", "ANY", case=True),
    "union_default_mode": _one_of("", "ALL", "DISTINCT", case=True),
    "transform_null_in": _bool,
    "enable_positional_arguments": _bool,
    "enable_global_with_statement": _bool,
    "enable_unaligned_array_join": _bool,
    "validate_polygons": _bool,
    "date_time_input_format": _one_of("basic", "best_effort", "best_effort_us"),
    "formatdatetime_parsedatetime_m_is_month_name": _bool,
    "extremes": _false,
    # ... and the limits that make it fail instead of using more (or, with the overflow
    # mode 'break', stop early, as the user asked and as Proton does).
    "max_rows_to_group_by": _uint,
    "max_rows_to_sort": _uint,
    # (not max_columns_to_read: the emulator reads every column of a stream through its
    # source subquery, so the limit failed (161) where Proton, reading only the columns a
    # query needs, answers: 00593)
    "max_rows_in_set": _uint,
    "max_temporary_non_const_columns": _uint,
    "read_overflow_mode": _OVERFLOW,
    "result_overflow_mode": _OVERFLOW,
    "max_joined_block_size_rows": _uint,
    "preferred_block_size_bytes": _uint,
    "group_by_two_level_threshold": _uint,
}
#: Settings accepted and checked but not passed on: they change how Proton plans, optimises
#: or prints a result in its own text formats (the REST API sends JSON the server encodes),
#: never which rows or values a query answers. chDB answers the same with its own defaults.
NEUTRAL_SETTINGS: dict[str, Check] = {
    **{name: _bool for name in (
        "optimize_read_in_order", "optimize_aggregation_in_order", "optimize_move_to_prewhere",
        "enable_optimize_predicate_expression", "optimize_group_by_function_keys",
        "optimize_arithmetic_operations_in_aggregate_functions", "optimize_on_insert",
        "optimize_duplicate_order_by_and_distinct", "optimize_aggregators_of_group_by_keys",
        "optimize_move_functions_out_of_any", "optimize_monotonous_functions_in_order_by",
        "optimize_redundant_functions_in_order_by", "optimize_if_transform_strings_to_enum",
        "optimize_if_chain_to_multiif", "convert_query_to_cnf", "compile_expressions",
        "allow_experimental_projection_optimization", "output_format_write_statistics",
        "output_format_parallel_formatting", "output_format_csv_crlf_end_of_line",
        "check_query_single_value_result", "system_events_show_zero_values")},
    # not 'partial_merge', 'direct' or 'full_sorting_merge': Proton refuses some joins with
    # them (ANY RIGHT/FULL under partial_merge: 48, 01147), which the emulator would answer
    "join_algorithm": _one_of("default", "auto", "hash", "prefer_partial_merge", "parallel_hash"),
    # 2 forces the rewrite and fails where a comma join has no equality (Proton 02364)
    "cross_to_inner_join_rewrite": _bool,
    "optimize_min_equality_disjunction_chain_length": _uint,
    "output_format_pretty_max_column_pad_width": _uint,
    "query_profiler_cpu_time_period_ns": _uint,
    "min_insert_block_size_bytes": _uint,
    "max_insert_threads": _uint,
}
#: chDB settings an INSERT may also set (how its data is read).
INSERT_SETTINGS: dict[str, Check] = {
    **QUERY_SETTINGS,
    "input_format_skip_unknown_fields": _bool,
    "input_format_null_as_default": _bool,
    "input_format_defaults_for_omitted_fields": _bool,
    "input_format_allow_errors_num": _uint,
}
#: Settings only Timeplus understands: read by the emulator, never passed to chDB.
TIMEPLUS_SETTINGS = frozenset(
    {"query_mode", "seek_to", "enable_backfill_from_historical_store", "emit_during_backfill",
     "replay_speed", "replay_time_column", "force_backfill_in_order", "enforce_append_only",
     "keep_windows", "default_hash_table", "default_hash_join", "join_max_buffered_bytes",
     "asterisk_include_reserved_columns", "asterisk_include_tp_sn_column", "javascript_vms",
     "recovery_policy", "checkpoint_interval", "enable_dependency_check", "query_resource_group"}
)

#: Table functions allowed in FROM besides ``table``/``tumble``/``hop`` (which become
#: sources): the chDB text, ``{args}`` standing for the arguments. ``zeros()`` is built on
#: ``numbers()`` so every SELECT can run with chDB's ``readonly = 1``, which refuses zeros().
TABLE_FUNCTIONS: dict[str, str] = {"numbers": "numbers({args})",
                                   "numbers_mt": "numbers_mt({args})",
                                   "zeros": "(SELECT toUInt8(0) AS zero FROM numbers({args}))"}
#: ``zeros_mt`` gives the same rows as ``zeros``, read by several threads in Proton.
TABLE_FUNCTIONS["zeros_mt"] = TABLE_FUNCTIONS["zeros"]

#: Input formats of ``INSERT ... FORMAT <name>`` (Timeplus spelling → chDB spelling).
INSERT_FORMATS: dict[str, str] = {
    name.lower(): name for name in (
        "Values", "JSONEachRow", "JSONCompactEachRow", "JSONLines", "NDJSON", "CSV",
        "CSVWithNames", "TSV", "TabSeparated", "TSVWithNames", "TabSeparatedWithNames")
}

#: ``system`` tables read as another query with the same rows: ``numbers_mt`` and
#: ``zeros_mt`` are Proton's multi-threaded ``numbers`` and ``zeros`` (endless: a query
#: ends them with LIMIT). ``functions`` leaves out the emulator's own helper functions
#: (``__tp_*``, created with CREATE FUNCTION: their ``create_query`` is the emulator's
#: internals, not the server's functions).
SYSTEM_STAND_INS: dict[str, str] = {
    "functions": "(SELECT * FROM system.functions WHERE origin = 'System')",
    "numbers_mt": "system.numbers",
    "zeros": "(SELECT toUInt8(0) AS zero FROM system.numbers)",
    "zeros_mt": "(SELECT toUInt8(0) AS zero FROM system.numbers)",
}
#: ``system`` tables a query may read. ``tables``/``columns``/``databases`` are replaced by
#: this instance's own catalog (:mod:`timeplus_emulator.systables`); the others hold no
#: instance data (``time_zones``: the zone names of chDB's time zone database).
SYSTEM_TABLES = frozenset({"tables", "columns", "databases", "one", "numbers", "functions",
                           "time_zones", *SYSTEM_STAND_INS})

#: Timeplus functions kept out of the function allow-list: they read local files, reach
#: dictionaries/Join tables/other databases by name, inspect the server process, or take a
#: table operand (the ``in`` family; the IN operator is checked instead).
REFUSED_FUNCTIONS = frozenset(
    {"file", "filesystemAvailable", "filesystemCapacity", "filesystemUnreserved",
     "joinGet", "joinGetOrNull", "hasColumnInTable", "addressToLine",
     "addressToLineWithInlines", "addressToSymbol", "demangle", "logTrace", "evalMLMethod",
     "getMacro", "getServerPort", "globalVariable", "hasThreadFuzzer", "in", "notIn", "nullIn",
     "notNullIn",
     "globalIn", "globalNotIn", "globalNullIn", "globalNotNullIn", "inIgnoreSet",
     "notInIgnoreSet", "nullInIgnoreSet", "notNullInIgnoreSet", "globalInIgnoreSet",
     "globalNotInIgnoreSet", "globalNullInIgnoreSet", "globalNotNullInIgnoreSet"}
)


#: chDB functions that take a function as their first argument, given by name as well as
#: by lambda (``arrayMap(file, paths)`` calls ``file``): that name passes the function
#: allow-list too. Measured on chDB 4.4 by calling every chDB function with ``(negate, ...)``.
HIGHER_ORDER_FUNCTIONS = frozenset(
    {"arrayAll", "arrayAvg", "arrayBottomK", "arrayCompact", "arrayCount", "arrayCumSum",
     "arrayCumSumNonNegative", "arrayDifference", "arrayExists", "arrayFill", "arrayFilter",
     "arrayFirst", "arrayFirstIndex", "arrayFirstOrNull", "arrayFold", "arrayLast",
     "arrayLastIndex", "arrayLastOrNull", "arrayMap", "arrayMax", "arrayMin",
     "arrayPartialReverseSort", "arrayPartialSort", "arrayProduct", "arrayReverseFill",
     "arrayReverseSort", "arrayReverseSplit", "arraySort", "arraySplit", "arraySum",
     "arrayTopK", "mapAll", "mapApply", "mapExists", "mapFilter", "mapPartialReverseSort",
     "mapPartialSort", "mapReverseSort", "mapSort"}
)


def is_refused_function(ch_name: str) -> bool:
    """True for ClickHouse functions user SQL may not call (dictionaries included)."""
    return ch_name in REFUSED_FUNCTIONS or ch_name.startswith("dict")


#: Bare words refused anywhere in a statement: the clauses that read or write local files
#: (``INTO OUTFILE``, ``FROM INFILE``, with their ``COMPRESSION``) and ``EXPLAIN``, which
#: ClickHouse also accepts as a subquery.
REFUSED_WORDS = {
    "OUTFILE": "INTO OUTFILE is not supported by the emulator: it never writes local files",
    "INFILE": "FROM INFILE is not supported by the emulator: it never reads local files",
    "EXPLAIN": "EXPLAIN is not supported by the emulator",
}


def refuse_words(tokens: list[Token]) -> None:
    """Raise 48 if a word of :data:`REFUSED_WORDS` appears bare anywhere in ``tokens``."""
    for tok in tokens:
        if tok.kind is Kind.IDENT and tok.upper in REFUSED_WORDS:
            raise TranslationError(NOT_IMPLEMENTED, REFUSED_WORDS[tok.upper])


def setting_value(name: str, value_toks: list[Token]) -> SettingValue:
    """Parse the value of ``name = ...``: exactly one literal token (a leading ``-`` allowed)."""
    toks = value_toks
    sign = ""
    if len(toks) == 2 and toks[0].is_op("-") and toks[1].kind is Kind.NUMBER:
        sign, toks = "-", toks[1:]
    if len(toks) == 1:
        tok = toks[0]
        if tok.kind is Kind.NUMBER:
            return SettingValue(name, sign + tok.text, sign + tok.text, "number")
        if tok.kind is Kind.STRING:
            value = unquote(tok.text)
            return SettingValue(name, value, quote_string(value), "string")
        if tok.is_word("TRUE", "FALSE"):
            return SettingValue(name, tok.upper.lower(), tok.upper.lower(), "bool")
    raise TranslationError(SYNTAX_ERROR, f"Syntax error: the value of setting {name} must be "
                                         "one literal (a number, a string, true or false)")


def setting_values(tokens: list[Token], start: int, end: int) -> list[SettingValue]:
    """``name = literal, ...`` in ``[start, end)``, each value one literal token."""
    out: list[SettingValue] = []
    part = start
    for i in range(start, end + 1):
        if i < end and not tokens[i].is_op(","):
            continue
        pair = tokens[part:i]
        if len(pair) < 3 or not pair[1].is_op("=") or \
                pair[0].kind not in (Kind.IDENT, Kind.QUOTED_IDENT):
            raise TranslationError(SYNTAX_ERROR, "Syntax error: expected name = value in SETTINGS")
        out.append(setting_value(name_of(pair[0]), pair[2:]))
        part = i + 1
    return out


def parse_settings(tokens: list[Token], start: int, end: int) -> list[tuple[str, str, str]]:
    """``name = literal, ...`` → [(name, decoded value, value re-rendered as SQL)]."""
    return [(s.name, s.value, s.sql) for s in setting_values(tokens, start, end)]


def check_setting(setting: SettingValue, allowed: dict[str, Check]) -> Optional[SettingValue]:
    """Return ``setting`` if its name is in ``allowed`` and its value of the right kind, or
    None for a checked setting of :data:`NEUTRAL_SETTINGS` (nothing to pass to chDB)."""
    check = allowed.get(setting.name) or NEUTRAL_SETTINGS.get(setting.name)
    if check is None:
        raise TranslationError(
            NOT_IMPLEMENTED, f"Setting {setting.name} is not supported by the emulator "
            "(docs/emulator-compatibility.md lists the settings it accepts)")
    if not check(setting):
        raise TranslationError(
            NOT_IMPLEMENTED, f"Setting {setting.name} must be {_KIND_TEXT[check]} in the "
            f"emulator, not {setting.sql}")
    return None if setting.name in NEUTRAL_SETTINGS else setting


def passed_setting(setting: SettingValue, allowed: dict[str, Check]) -> list[str]:
    """``["name = value"]`` to pass to chDB, ``[]`` for a neutral one; 48 if not allowed."""
    checked = check_setting(setting, allowed)
    return [] if checked is None else [f"{checked.name} = {checked.sql}"]


def insert_format(name: str) -> str:
    """chDB spelling of an INSERT input format, or 48."""
    fmt = INSERT_FORMATS.get(name.lower())
    if fmt is None:
        raise TranslationError(
            NOT_IMPLEMENTED, f"FORMAT {name} is not supported by the emulator for INSERT "
            f"(it accepts {', '.join(sorted(INSERT_FORMATS.values()))})")
    return fmt


_VALUES_WORDS = frozenset({"NULL", "TRUE", "FALSE", "NAN", "INF"})


def is_literal_tokens(tokens: list[Token]) -> bool:
    """True if ``tokens`` are only literals and brackets/commas (no name, call or subquery)."""
    for tok in tokens:
        if tok.kind in (Kind.STRING, Kind.NUMBER, Kind.EOF):
            continue
        if tok.kind is Kind.IDENT and tok.upper in _VALUES_WORDS:
            continue
        if tok.kind is Kind.OP and tok.text in ("(", ")", "[", "]", "{", "}", ",", ":", "-", "+"):
            continue
        return False
    return True


def check_values_data(data: str) -> None:
    """``INSERT ... FORMAT Values`` data must be literal rows only (48 otherwise)."""
    if not is_literal_tokens(tokenize(data)):
        raise TranslationError(
            NOT_IMPLEMENTED, "FORMAT Values data must be literal values in the emulator "
            "(no names, functions or subqueries); use INSERT ... VALUES or SELECT for expressions")


#: Proton's other ``system`` tables (``attachSystemTables``, and its system logs): they
#: describe the server (settings, parts, processes, metrics, access control...), which the
#: emulator does not have or would answer with chDB's values instead of Proton's.
PROTON_SYSTEM_TABLES = frozenset(
    {"events", "settings", "stream_settings", "build_options", "formats", "table_functions",
     "aggregate_function_combinators", "data_type_families", "collations", "table_engines",
     "contributors", "users", "roles", "grants", "role_grants", "current_roles",
     "enabled_roles", "settings_profiles", "settings_profile_elements", "row_policies",
     "quotas", "quota_limits", "quota_usage", "quotas_usage", "user_directories",
     "privileges", "errors", "warnings", "data_skipping_indices", "licenses",
     "schema_inference_cache", "stack_trace", "rocksdb", "merge_tree_metadata_cache",
     "parts", "projection_parts", "detached_parts", "parts_columns",
     "projection_parts_columns", "disks", "storage_policies", "processes", "metrics",
     "merges", "mutations", "distribution_queue", "dictionaries", "models",
     "graphite_retentions", "macros", "asynchronous_inserts", "filesystem_cache",
     "remote_data_paths", "asynchronous_metrics", "query_log", "query_thread_log",
     "query_views_log", "part_log", "trace_log", "text_log", "metric_log",
     "asynchronous_metric_log", "opentelemetry_span_log", "session_log", "crash_log",
     "processors_profile_log", "filesystem_cache_log"}
)


def check_system_table(database: str, name: str) -> None:
    """48 for Proton's ``system`` tables that are not emulated (:data:`PROTON_SYSTEM_TABLES`),
    81 for ``information_schema`` and other ``system`` names not in :data:`SYSTEM_TABLES`."""
    if database == "system" and name in SYSTEM_TABLES:
        return
    if database == "system" and name in PROTON_SYSTEM_TABLES:
        raise TranslationError(
            NOT_IMPLEMENTED, f"system.{name} is not supported by the emulator (its system "
            f"tables are {', '.join('system.' + t for t in sorted(SYSTEM_TABLES))})")
    raise TranslationError(
        UNKNOWN_DATABASE, f"{database}.{name} is not available in the emulator "
        f"(its system tables are {', '.join('system.' + t for t in sorted(SYSTEM_TABLES))})")
