"""Development tool: regenerate ``function_table.py`` (not imported at run time).

Usage::

    python -m timeplus_emulator.sql.gen_function_table TIMEPLUS_NAMES_FILE

``TIMEPLUS_NAMES_FILE`` lists Timeplus (Proton) function names, one per line; it was
produced at development time by collecting the registered function names from a
Proton source checkout. ClickHouse names come from chDB's ``system.functions``.
Each Timeplus name is matched to a ClickHouse function by, in order: the explicit
exceptions in :mod:`timeplus_emulator.sql.functions`, the mechanical camelCase →
snake_case rule applied to every ClickHouse name, an exact lower-case ClickHouse
name, and a last case-insensitive comparison with underscores removed. Names left
over, and ``functions.DIFFERENT_ANSWERS``, are written as ``UNSUPPORTED`` (known to
Timeplus, no chDB function that answers the same).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from timeplus_emulator.sql.functions import DIFFERENT_ANSWERS, EXCEPTIONS, SPECIAL_FUNCTIONS

_WORD_FIXES = (
    ("DateTime", "Datetime"), ("IPv4", "Ipv4"), ("IPv6", "Ipv6"), ("UInt", "Uint"),
    ("JSON", "Json"), ("UUID", "Uuid"), ("URL", "Url"), ("UTC", "Utc"), ("MD5", "Md5"),
    ("SHA", "Sha"), ("NaN", "Nan"), ("BFloat", "Bfloat"), ("ULID", "Ulid"), ("CRC", "Crc"),
    ("TDigest", "Tdigest"), ("UTF8", "Utf8"), ("ISO", "Iso"), ("YYYYMM", "Yyyymm"),
    ("SipHash", "Siphash"),
)


# Timeplus functions whose registration the name collection does not catch (names
# computed in Proton's sources, such as ``is_right_pad ? "right_pad" : "left_pad"``).
EXTRA_NAMES = (
    "age", "left_pad", "left_pad_utf8", "right_pad", "right_pad_utf8",
    "map_add", "map_subtract", "ngrams", "tokens", "left", "right", "left_utf8", "right_utf8",
    "cramers_v", "cramers_v_bias_corrected", "theils_u", "contingency",
    *(f"ipv{v}_string_to_num{tail}" for v in (4, 6) for tail in ("", "_or_default", "_or_null")),
    "date_diff", "date_add", "date_sub",
    "timestamp_add", "timestamp_sub", "sleep", "sleep_each_row", "grouping",
    *(f"to_interval_{unit}" for unit in (
        "nanosecond", "microsecond", "millisecond", "second", "minute", "hour", "day",
        "week", "month", "quarter", "year")),
)
# Words the name collection caught that Proton registers as no function (the names of
# transforms, labels, settings and optimizer parameters in its sources, and misspellings):
# Proton answers 46 "unknown function" for them, so the emulator must too.
NOT_FUNCTIONS = frozenset({
    "array", "tuple", "map",  # Proton's are array_cast, tuple_cast, map_cast ([1] is array_cast)
    "Adam", "allow_reverse_dns_query_function", "cosine", "inf", "l1", "l2", "l2_squared",
    "linf", "lp", "p", "to_date32", "to_date_time_components", "to_relative_subsecond_num",
    "to_interval_", "urlp_ath_hierarchy", "group_uniq_array_retract",
})
# Proton names are snake_case; a few keep capitals (to_YYYYMM, INET_ATON) but none is
# camelCase (a lower-case letter followed by a capital).
_VALID_NAME = re.compile(r"(?!.*[a-z][A-Z])[A-Za-z_][A-Za-z0-9_]*\Z")


def snake_case(ch_name: str) -> str:
    """The mechanical Timeplus spelling of a ClickHouse camelCase name."""
    text = ch_name
    for old, new in _WORD_FIXES:
        text = text.replace(old, new)
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    text = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", "_", text)
    return text.lower()


def load_clickhouse_functions() -> dict[str, tuple[bool, bool, str]]:
    """name → (is_aggregate, case_insensitive, alias_to) from chDB."""
    import chdb

    sql = "SELECT name, is_aggregate, case_insensitive, alias_to FROM system.functions"
    out: dict[str, tuple[bool, bool, str]] = {}
    result = chdb.query(sql, "TSV")  # type: ignore[no-untyped-call]
    for line in str(result).splitlines():
        name, agg, insensitive, alias = line.split("\t")
        out[name] = (agg == "1", insensitive == "1", alias)
    return out


def build_table(
    tp_names: list[str], ch: dict[str, tuple[bool, bool, str]]
) -> tuple[dict[str, str], list[str]]:
    """Map Timeplus names to ClickHouse names; return the map and the unmapped names."""
    real = {c for c, (_, insensitive, alias) in ch.items() if not (insensitive and alias)}
    by_snake: dict[str, str] = {}
    for name in sorted(real):
        by_snake.setdefault(snake_case(name), name)
    squashed: dict[str, list[str]] = {}
    for name in real:
        squashed.setdefault(name.replace("_", "").lower(), []).append(name)
    insensitive = {c.lower(): (alias or c) for c, (_, ci, alias) in ch.items() if ci}
    mapping: dict[str, str] = {}
    missing: list[str] = []
    for tp in tp_names:
        key = tp.replace("_", "").lower()
        if tp in DIFFERENT_ANSWERS:
            missing.append(tp)
        elif tp in EXCEPTIONS and EXCEPTIONS[tp] in ch:
            mapping[tp] = EXCEPTIONS[tp]
        elif tp in EXCEPTIONS:
            missing.append(tp)
        elif tp in SPECIAL_FUNCTIONS or tp.startswith("_"):
            continue
        elif tp in by_snake:
            mapping[tp] = by_snake[tp]
        elif tp in ch and tp == tp.lower():
            mapping[tp] = ch[tp][2] or tp
        elif tp.lower() in insensitive:
            mapping[tp] = insensitive[tp.lower()]
        elif len(squashed.get(key, [])) == 1:
            mapping[tp] = squashed[key][0]
        else:
            missing.append(tp)
    return mapping, missing


def render_module(
    mapping: dict[str, str], missing: list[str], ch: dict[str, tuple[bool, bool, str]]
) -> str:
    """Python source of ``function_table.py``."""
    aggregates = sorted(c for c, (agg, _, _) in ch.items() if agg)
    lines = [
        "# ruff: noqa: E501",
        '"""Generated by gen_function_table.py — do not edit by hand.',
        "",
        "FUNCTIONS: Timeplus function name → ClickHouse name. UNSUPPORTED: Timeplus names",
        "with no chDB equivalent. CH_AGGREGATES: ClickHouse aggregate function names.",
        '"""',
        "",
        "FUNCTIONS: dict[str, str] = {",
        *(f"    {tp!r}: {c!r}," for tp, c in sorted(mapping.items())),
        "}",
        "",
        "UNSUPPORTED: frozenset[str] = frozenset({",
        *(f"    {tp!r}," for tp in sorted(missing)),
        "})",
        "",
        "CH_AGGREGATES: frozenset[str] = frozenset({",
        *(f"    {c!r}," for c in aggregates),
        "})",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Regenerate function_table.py next to this file."""
    listed = [n.strip() for n in Path(argv[1]).read_text().splitlines()]
    names = sorted({n for n in (*listed, *EXTRA_NAMES, *EXCEPTIONS)
                    if _VALID_NAME.match(n) and n not in NOT_FUNCTIONS})
    ch = load_clickhouse_functions()
    mapping, missing = build_table(names, ch)
    target = Path(__file__).with_name("function_table.py")
    target.write_text(render_module(mapping, missing, ch))
    print(f"{len(mapping)} mapped, {len(missing)} unsupported")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
