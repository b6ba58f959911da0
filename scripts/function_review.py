"""Write docs/emulator-functions.md: every Timeplus function name the emulator knows, the chDB
function it runs, and the verdict of the one-by-one review (a development tool, not CI).

    python scripts/function_review.py            # rewrites docs/emulator-functions.md

The rows come from the emulator's own tables (``function_table.py``, ``functions.py``,
``calls.py``, ``legacy.py``, the generator's ``NOT_FUNCTIONS``); the verdicts and reasons for
every name that is not a mechanical rename are kept by hand in :data:`NOTES` below, written
from Proton's registrations (``factory.registerFunction``/``registerAlias`` in its
``src/Functions`` and ``src/AggregateFunctions``), Timeplus's docs and ClickHouse's settings
history (chDB's ``system.settings_changes``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from timeplus_emulator.sql import functions as fn
from timeplus_emulator.sql.allowlist import is_refused_function
from timeplus_emulator.sql.calls import CALL_HELPERS
from timeplus_emulator.sql.function_table import FUNCTIONS, UNSUPPORTED
from timeplus_emulator.sql.gen_function_table import NOT_FUNCTIONS, snake_case

OK, ALIAS, REWRITE, DIFFERS, REFUSED, UNKNOWN = (
    "ok", "ok (alias)", "rewritten", "differs", "refused 48", "unknown 46")

_P = "Proton registers it as an alias of"
#: name → (verdict, reason) for every name that is not a plain rename, and for the renames
#: whose chDB behaviour was found to differ from Proton's.
NOTES: dict[str, tuple[str, str]] = {
    "DATE_FORMAT": (ALIAS, f"{_P} format_datetime"),
    "INET6_ATON": (ALIAS, f"{_P} ipv6_string_to_num"),
    "INET6_NTOA": (ALIAS, f"{_P} ipv6_num_to_string"),
    "INET_ATON": (ALIAS, f"{_P} ipv4_string_to_num"),
    "INET_NTOA": (ALIAS, f"{_P} ipv4_num_to_string"),
    "TO_UNIXTIME": (ALIAS, f"{_P} parse_datetime (as ClickHouse does)"),
    "anova": (ALIAS, f"{_P} analysis_of_variance"),
    "ceiling": (ALIAS, f"{_P} ceil"), "ln": (ALIAS, f"{_P} log"),
    "power": (ALIAS, f"{_P} pow; a decimal argument is refused (43), as for pow"),
    "truncate": (ALIAS, f"{_P} trunc"),
    **{name: (REWRITE, "Proton's FunctionMathBinaryFloat64 takes native numbers only: a decimal "
              "or 128/256-bit integer argument is refused (43) before any row is read "
              "(protoncalls.py); chDB answered")
       for name in ("pow", "atan2", "hypot", "max2", "min2")},
    "array_zip": (REWRITE, "no argument: 42, as Proton (arrayZip.cpp); chDB answered []"),
    "geohash_encode": (REWRITE, "a precision that is not constant is refused (44), as Proton's "
                       "getArgumentsThatAreAlwaysConstant; chDB read it row by row"),
    "mod": (ALIAS, f"{_P} modulo"), "pmod": (ALIAS, f"{_P} positive_modulo"),
    "char_length": (ALIAS, f"{_P} length_utf8"),
    "character_length": (ALIAS, f"{_P} length_utf8"),
    "lcase": (ALIAS, f"{_P} lower"), "ucase": (ALIAS, f"{_P} upper"),
    "lpad": (ALIAS, f"{_P} left_pad"), "rpad": (ALIAS, f"{_P} right_pad"),
    "mid": (ALIAS, f"{_P} substring"), "substr": (ALIAS, f"{_P} substring"),
    "replace": (ALIAS, f"{_P} replace_all"),
    "replace_regex": (ALIAS, f"{_P} replace_regexp_all"),
    "replace_regexp": (ALIAS, f"{_P} replace_regexp_all"),
    "regexp_matches": (ALIAS, f"{_P} match (bool result)"),
    "database": (ALIAS, f"{_P} current_database"),
    "user": (ALIAS, f"{_P} current_user; the emulator's chDB user, not the API key's"),
    "day": (ALIAS, f"{_P} to_day_of_month"), "day_of_month": (ALIAS, f"{_P} to_day_of_month"),
    "day_of_week": (ALIAS, f"{_P} to_day_of_week"), "day_of_year": (ALIAS, f"{_P} to_day_of_year"),
    "hour": (ALIAS, f"{_P} to_hour"), "minute": (ALIAS, f"{_P} to_minute"),
    "second": (ALIAS, f"{_P} to_second"), "month": (ALIAS, f"{_P} to_month"),
    "quarter": (ALIAS, f"{_P} to_quarter"), "year": (ALIAS, f"{_P} to_year"),
    "week": (ALIAS, f"{_P} to_week"), "yearweek": (ALIAS, f"{_P} to_year_week"),
    "last_day": (ALIAS, f"{_P} to_last_day_of_month"),
    "to_base64": (ALIAS, f"{_P} base64_encode"), "from_base64": (ALIAS, f"{_P} base64_decode"),
    "flatten": (ALIAS, f"{_P} array_flatten"),
    "moving_sum": (ALIAS, f"{_P} group_array_moving_sum"),
    "moving_avg": (ALIAS, f"{_P} group_array_moving_avg"),
    "str_to_map": (ALIAS, f"{_P} extract_key_value_pairs"),
    "not_ilike": (OK, "ClickHouse's notILike (the mechanical rule splits ILike)"),
    **{f"distance_{k}": (ALIAS, f"{_P} the {k} distance") for k in (
        "l1", "l2", "l2_squared", "linf", "lp")},
    **{f"norm_{k}": (ALIAS, f"{_P} the {k} norm")
       for k in ("l1", "l2", "l2_squared", "linf", "lp")},
    **{f"normalize_{k}": (ALIAS, f"{_P} the {k} normalize") for k in ("l1", "l2", "linf", "lp")},
    "unique": (ALIAS, "Proton's name of uniq (the same HashSet data)"),
    "unique_exact": (ALIAS, "Proton's name of uniq_exact"),
    "unique_hll12": (ALIAS, "Proton's name of uniq_hll12"),
    "unique_combined": (ALIAS, "Proton's name of uniq_combined"),
    "unique_combined64": (ALIAS, "Proton's name of uniq_combined64"),
    "unique_up_to": (ALIAS, "Proton's name of uniq_up_to"),
    "count_distinct": (ALIAS, "Proton rewrites it to count_distinct_implementation = unique_exact"),
    "earliest": (ALIAS, "Proton registers it with any's implementation"),
    "latest": (ALIAS, "Proton registers it with any_last's implementation"),
    "first_value": (ALIAS, "Proton registers it with any's implementation"),
    "last_value": (ALIAS, "Proton registers it with any_last's implementation"),
    "uuid": (ALIAS, "Proton's name of generateUUIDv4"),
    "date": (ALIAS, "Proton registers to_date's function (date32) as date"),
    "to_date": (ALIAS, "Proton's to_date is ClickHouse's toDate32 (date32 result)"),
    "to_date16": (ALIAS, "Proton's name of ClickHouse's 16-bit toDate"),
    "to_int": (ALIAS, "Proton's FunctionToInt: int32"),
    "to_float": (ALIAS, "Proton's FunctionToFloat: float32"),
    "to_decimal": (ALIAS, "Proton's FunctionToDecimal is Decimal32-based: decimal(9, scale); "
                          "was decimal(18, s). Result columns read to_decimal32(...)"),
    "to_time": (REWRITE, "Proton's name of parseDateTime64BestEffortUSOrZero; a string second "
                         "argument is the zone (precision 3 put before it); year 2000 for a "
                         "text without a year (legacy.py)"),
    "locate": (ALIAS, f"{_P} position(haystack, needle); chDB's locate takes MySQL's order "
                      "(answered 0 for locate('abcabc', 'b'), Proton 2)"),
    "array_cast": (ALIAS, "Proton's name of array ([1, 2] parses as array_cast)"),
    "tuple_cast": (ALIAS, "Proton's name of tuple"),
    "map_cast": (REWRITE, "Proton's name of map; map_cast(a, b) builds the map from the two "
                          "arrays when both are arrays, refuses one array (43), else is one "
                          "entry a: b, chosen by the arguments' types"),
    "scalar_product": (ALIAS, f"{_P} dot_product"),
    "dot_product": (DIFFERS, "Proton takes tuples only; chDB also takes arrays"),
    "vector_sum": (ALIAS, f"{_P} tuple_plus"),
    "vector_difference": (ALIAS, f"{_P} tuple_minus"),
    "json_extract_array": (REWRITE, "Proton unquotes string elements (['abc']); chDB's "
                                    "JSONExtractArrayRaw keeps quotes; 1 or 2 keys, more: 48"),
    "json_value": (ALIAS, "SQL JSON_VALUE; objects and arrays give their JSON text as in "
                          "Proton (function_json_value_return_type_allow_complex pinned)"),
    "json_query": (ALIAS, "SQL JSON_QUERY"), "json_exists": (ALIAS, "SQL JSON_EXISTS"),
    "url_path_hierarchy": (ALIAS, "ClickHouse's URLPathHierarchy"),
    "urlp_ath_hierarchy": (UNKNOWN, "a misspelt name struct in Proton's URLHierarchy.cpp; the "
                                    "function registers as url_path_hierarchy"),
    "substring_utf8": (REWRITE, "a negative offset before the start starts at the first "
                                "character as in Proton (legacy.py)"),
    "geo_to_h3": (OK, "arguments (lon, lat): geotoh3_argument_order = 'lon_lat' pinned "
                      "(chDB 25.5 swapped them)"),
    "h3_to_geo": (OK, "answers tuple(longitude, latitude): h3togeo_lon_lat_result_order "
                      "pinned (chDB 25.1 swapped it)"),
    "to_datetime64": (DIFFERS, "a float before 1900 wraps in chDB, Proton gives 1900-01-01 "
                               "(01734_datetime64_from_float); a string of more than 10 digits "
                               "is refused (48, unixtime.py, 01821)"),
    "geo_distance": (DIFFERS, "float32 results print with more digits than Proton's "
                              "(01043_geo_distance)"),
    "tokens": (OK, "registered under a computed name (tokenExtractors.cpp); 02028_tokens passes"),
    "ngrams": (OK, "registered under a computed name (tokenExtractors.cpp); 02027_ngrams passes"),
    "left_pad": (OK, "registered under a computed name (padString.cpp); 01940_pad_string passes"),
    "right_pad": (OK, "registered under a computed name (padString.cpp)"),
    "left_pad_utf8": (OK, "registered under a computed name (padString.cpp)"),
    "right_pad_utf8": (OK, "registered under a computed name (padString.cpp)"),
    "map_add": (OK, "registered under a computed name (mapOp.cpp)"),
    "map_subtract": (OK, "registered under a computed name (mapOp.cpp)"),
    **{n: (REFUSED, "chDB's namesake answers differently: ClickHouse reworked it after Proton "
                    "forked (02158_contingency)") for n in fn.DIFFERENT_ANSWERS},
    "left": (OK, "registered under a computed name (LeftRight.h); 02159_left_right passes"),
    **{n: (OK, "registered under a computed name (LeftRight.h)")
       for n in ("right", "left_utf8", "right_utf8")},
    **{f"ipv{v}_string_to_num{tail}": (OK, "registered under a computed name "
                                            "(FunctionsCodingIP.cpp)")
       for v in (4, 6) for tail in ("", "_or_default", "_or_null")},
    **{f"bit_test_{kind}": (REWRITE, "a position past the type's width is ignored, as in "
                                      "Proton (01082; helper: chDB refused it, 12)")
       for kind in ("any", "all")},
    "array_auc": (REWRITE, "Proton's algorithm (stable sort, ties in written order) as a helper: "
                           "chDB's arrayAUC averages ties (array_auc([1, 1], [0, 1]) is 0 in "
                           "Proton, 0.5 in chDB; 01202)"),
    "age": (REWRITE, "datetime64 arguments with more than 6 digits are cut to microseconds, "
                     "as Proton compares them (protoncalls.py; 02814_age_datediff)"),
    **{n: (REWRITE, "exactly 3 arguments, else 42 as in Proton (chDB also takes year, day of "
                    "year)") for n in ("make_date", "make_date32")},
    **{n: (REWRITE, "over an array of low_cardinality numbers or dates refused (48): Proton "
                    "compares in the stored type (01414) or refuses (44, 02010)")
       for n in ("has", "index_of", "count_equal")},
    **{n: (REWRITE, "a format writing names, types or a frame (...WithNames, XML, JSON, Pretty...) "
                    "is refused (48): Proton writes the row alone, chDB the frame with each row")
       for n in ("format_row", "format_row_no_newline")},
    **{n: (REWRITE, "from and to must be string literals of the same length, else 36 as in "
                    "Proton (chDB drops what to lacks)") for n in ("translate", "translate_utf8")},
    **{n: (REWRITE, "a run of exactly 3 Y, y or x is refused (48): Proton reads 3 digits, chDB 4")
       for n in ("parse_datetime_in_joda_syntax", "parse_datetime_in_joda_syntax_or_null",
                 "parse_datetime_in_joda_syntax_or_zero")},
    "transform": (REWRITE, "with 3 arguments, a result type other than the first argument's "
                           "raises Proton's 44 (protoncalls.py; 02125)"),
    **{n: (REWRITE, "the index is read as a uint8 and a NaN t statistic raises 36, as in "
                    "Proton (chDB answered (nan, 0); 02461, 02293)")
       for n in ("student_ttest", "welch_ttest")},
    "timezone_offset": (REWRITE, "Proton's DateLUT value, the 1970 offset plus the change since "
                                 "within 12 h (helper): Pacific/Kiritimati is -36000 as in Proton, "
                                 "chDB gave 50400 (01252_weird_time_zone)"),
    "fuzz_bits": (REWRITE, "its value is sent through materialize (helper): chDB folded a "
                           "constant inside a subquery to the unchanged value (01284)"),
    "modulo": (REWRITE, "a signed value modulo uint32/uint64 is computed in the unsigned type, "
                        "as Proton's C++ does (97 for to_int32(-199) % to_uint32(200), chDB "
                        "-199; modulo.py, 01700)"),
    **{n: (REWRITE, "the type name in its string argument is sent in ClickHouse's spelling "
                    "(calls.py); the result column shows that spelling")
       for n in ("json_extract", "json_extract_keys_and_values", "accurate_cast_or_default",
                 "reinterpret", "default_value_of_type_name")},
    **{n: (REWRITE, "the aggregate named in its string argument ('sum_state', "
                    "'quantile(0.9)') is resolved to chDB's (calls.py)")
       for n in ("array_reduce", "array_reduce_in_ranges", "initialize_aggregation")},
    "date_name": (REWRITE, "Proton's part 'day_of_year' is chDB's 'dayofyear' (dateName.cpp)"),
    **{n: (REWRITE, "the first four arguments are its parameters, as Proton's "
                    "ExpressionAnalyzer takes them")
       for n in ("stochastic_linear_regression_state", "stochastic_logistic_regression_state")},
    **{f"to_relative_{u}_num": (REWRITE, "a time before 1970 is refused (48, wrapping.py): "
                                         "Proton wraps the negative number, chDB answers 0 "
                                         "(01768_extended_range)")
       for u in ("week", "day", "hour", "minute", "second")},
    **{n: (REWRITE, "a sample whose values are all the same raises 36, as in Proton "
                    "(samplechecks.py; 01802)") for n in ("rank_corr", "mann_whitney_utest")},
    **{f"{verb}_{unit}": (REWRITE, "a date or datetime shifted outside its type is refused (48), "
                                   "a count beyond 64 bits raises 407, as in Proton (wrapping.py; "
                                   "01662)")
       for verb in ("add", "subtract") for unit in ("days", "weeks", "months", "quarters",
                                                     "years")},
    "greatest": (REWRITE, "3 to 10 arguments, or 2 written as arrays, tuples or strings, go "
                          "through a helper that counts NaN and NULL as the greatest, as "
                          "Proton's generic comparison (greatest.py; 01246)"),
    "to_unix_timestamp": (REWRITE, "a date or date32 argument raises 44, as in Proton "
                                   "(protoncalls.py; 01592)"),
    "to_datetime": (REWRITE, "a string of 5 to 10 digits is a Unix time, as in Proton (chDB "
                             "refused 5 digits and read 8 as a date: 00142); 1 to 4 digits give "
                             "41, a negative Unix time string or more than 10 digits are refused "
                             "(48, unixtime.py: chDB read 19 as 2262-04-12, 01821); with a "
                             "scale it is a datetime64, refused outside 1900 .. 2299"),
    "to_ipv4_or_default": (REWRITE, "'' in a nullable string gives the default, not NULL, as in "
                                    "Proton (02303; helper)"),
    "to_ipv6_or_default": (REWRITE, "'' in a nullable string gives the default, not NULL, as in "
                                    "Proton (02303; helper)"),
    "tuple": (UNKNOWN, "Proton's function is tuple_cast ((1, 2) parses as it); the driver's "
                       "literals use tuple_cast(x) and map_cast(...)"),
    "array": (UNKNOWN, "Proton's function is array_cast ([1, 2] parses as it)"),
    "map": (UNKNOWN, "Proton's function is map_cast"),
}
for _name in ("parse_datetime_best_effort", "parse_datetime32_best_effort",
              "parse_datetime64_best_effort", "parse_datetime_best_effort_us",
              "parse_datetime64_best_effort_us"):
    for _tail in ("", "_or_null", "_or_zero"):
        NOTES.setdefault(_name + _tail, (REWRITE, "a text without a year: Proton fills 2000, "
                                                  "chDB this year; legacy.py rewrites or refuses"))


def rows() -> list[tuple[str, str, str, str]]:
    """(Timeplus name, chDB target, verdict, reason) for every name, sorted."""
    out: dict[str, tuple[str, str, str, str]] = {}
    for name, ch in FUNCTIONS.items():
        renamed = snake_case(ch) == name or name.replace("_", "").lower() == ch.lower()
        verdict, reason = NOTES.get(name, (OK, "") if renamed else (ALIAS, "NOT REVIEWED"))
        if is_refused_function(ch):
            verdict, reason = REFUSED, "reads files, dictionaries, other tables or the process"
        out[name] = (name, ch, verdict, reason or f"ClickHouse's {ch}, renamed")
    for name in UNSUPPORTED:
        out[name] = (name, "", REFUSED, NOTES.get(name, ("", "no chDB equivalent"))[1])
    for name in fn.STREAMING_ONLY:
        out[name] = (name, "", REFUSED, "a streaming function the emulator does not run")
    for name, row in out.items():
        if name.startswith(("quantile", "median")) and row[2] == OK:
            out[name] = (*row[:3], row[3] + "; trailing level arguments become its parameters "
                         "(quantile(x, 0.9)), as Proton's ExpressionAnalyzer does")
    for name in fn.PERCENTILES:
        out[name] = (name, f"quantile({fn.PERCENTILES[name]})", ALIAS, "Proton's p90/p95/p99")
    out["top_k"] = ("top_k", "groupArray, counted and sorted", REWRITE,
                    "exact counts, ties in Proton's order: by last occurrence (topk.py)")
    out["top_k_weighted"] = ("top_k_weighted", "topKWeighted", DIFFERS,
                             "Proton's counts form; ties may come in another order (topk.py)")
    for name in fn.PARSER_FUNCTIONS:
        out[name] = (name, name, OK, "special syntax passed to ClickHouse's parser")
    for name in NOT_FUNCTIONS:
        out[name] = (name, "", UNKNOWN, NOTES.get(name, ("", "a word in Proton's sources that "
                                                         "it registers as no function"))[1])
    shown = {tp for tp, _, _ in CALL_HELPERS.values()}
    for name in shown:
        tp, ch, verdict, reason = out[name]
        out[name] = (tp, ch + " (helper)", verdict, reason)
    return sorted(out.values(), key=lambda r: r[0].lower())


def render() -> str:
    """The Markdown page."""
    table = rows()
    counts: dict[str, int] = {}
    for _, _, verdict, _ in table:
        counts[verdict] = counts.get(verdict, 0) + 1
    summary = ", ".join(f"{verdict}: {n}" for verdict, n in sorted(counts.items()))
    lines = [
        "# Emulator functions: Timeplus name → chDB function, reviewed one by one",
        "",
        "Generated by `scripts/function_review.py` from the emulator's function tables; the",
        "verdicts are kept by hand in that script. Each name was checked against Proton's",
        "registration (`registerFunction`/`registerAlias` in its `src/Functions` and",
        "`src/AggregateFunctions`), Timeplus's function docs, and the settings chDB changed since",
        "Proton's ClickHouse base (`system.settings_changes`; the ones that change a function's",
        "answer are pinned in `timeplus_emulator/backend.py`). Verdicts:",
        "",
        "* **ok**: Proton's snake_case rename of the same ClickHouse function;",
        "* **ok (alias)**: another name for it in Proton, mapped to the same function in chDB;",
        "* **rewritten**: answered through a helper or changed arguments (`calls.py`,",
        "  `legacy.py`);",
        "* **differs**: a known difference from Proton, left as is (reason given);",
        "* **refused 48**: a Timeplus function the emulator does not run;",
        "* **unknown 46**: not a Timeplus function, although the word appears in Proton's sources.",
        "",
        "Aggregate combinators (`_if`, `_distinct`, `_state`...) apply to every aggregate; names",
        "not listed here are unknown (46). Names are also accepted in other letter cases (Timeplus",
        "registers its functions case-insensitively).",
        "",
        f"{len(table)} names: {summary}.",
        "",
        "| Timeplus | chDB | verdict | reason |",
        "| --- | --- | --- | --- |",
        *(f"| `{tp}` | {f'`{ch}`' if ch else ''} | {verdict} | {reason} |"
          for tp, ch, verdict, reason in table),
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    target = Path(__file__).resolve().parent.parent / "docs" / "emulator-functions.md"
    target.write_text(render())
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
