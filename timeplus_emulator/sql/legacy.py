"""Functions whose answer changed between Proton's ClickHouse base (~22.8) and chDB 26.9.

Owns: the helper functions (``CREATE FUNCTION``, run by the engine) and call rewrites that give
Proton's answer, each with the reason:

**Best-effort datetime parsing of a text without a year** (``parse_datetime*_best_effort*``,
and ``to_time``, which is one). Proton's parser (ClickHouse ~22.8) fills a missing year with
2000, a missing month and day with 1: ``parse_datetime_best_effort('01:01:01')`` is
``2000-01-01 01:01:01``. chDB 26.9 fills the current year instead (the year before, for a
month and day still ahead), and has no setting for the old behaviour. The rewrite:

* a text that is only a time of day (``hh:mm[:ss[.f]] [am|pm]``) is parsed with
  ``2000-01-01`` put in front, which is exactly what Proton computes;
* any other text whose result lies in the year before, this year or the next, and that does
  not spell that year out (``Jan 5 01:01:01``, ``01/05/26``), may have had its year filled
  in: chDB cannot tell, so the emulator refuses the row (code 48, through
  :data:`~timeplus_emulator.sql.errors.RUNTIME_REFUSAL`) rather than answer another year.
  Ten-digit numbers are Unix timestamps in both and pass.

**substring_utf8(s, offset, length) with a negative offset before the start.** Proton's
UTF-8 source stops at the first character and takes ``length`` characters from there:
``substring_utf8('hello', -7, 3)`` is ``hel`` (a negative length counts from the end as
usual: ``length + chars - offset`` characters, none if that is not positive). chDB cuts the
window ``[-7, -4)`` instead and answers ``h``. Byte ``substring`` and arrays cut the window in
both, and so do two-argument calls.

**date32 and datetime64 values outside 1900-01-01 .. 2299-12-31.** Proton clamps them into
that range when it stores them (``'1899-01-01'`` is stored as ``1900-01-01``); chDB 26.9 keeps
a wider range and stores them as given. A stream's ``date32``/``datetime64`` columns (also
nullable, and their elements in arrays, tuples and maps at any depth) carry a constraint, so
such a value is refused (48) instead of read back otherwise. Casts to a type holding them
(``cast(x AS date32)``, ``x::tuple(date32, int)``, ``try_cast``...) are checked the same way,
row by row.
The functions that make such values (``to_date``, ``to_datetime64``,
``from_unix_timestamp64_*``, ``make_date32``...) go through a helper that refuses a result
outside the range row by row: Proton clamps or wraps it (``to_datetime64(-1e20, 9)`` is
``1900-01-01 00:00:00``), chDB answered ``1677-09-21 00:12:43.145224192``.
"""

from __future__ import annotations

from typing import Optional

from timeplus_emulator.sql.errors import RUNTIME_REFUSAL, check_copied
from timeplus_emulator.sql.tokens import quote_name, quote_string
from timeplus_emulator.sql.types import NamedField, TypeNode, parse_clickhouse_type

#: chDB names of the functions that fill a missing year (``to_time`` maps to one of them).
YEAR_FILLING = frozenset(
    f"parseDateTime{width}BestEffort{us}{tail}"
    for width in ("", "32", "64") for us in ("", "US") for tail in ("", "OrNull", "OrZero")
)
_TIME_ONLY = r"^\s*\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([aApP][mM])?\s*$"
_UNIX_TIME = r"^\s*\d{10}(\.\d+)?\s*$"
#: The helper function: (plain result, result with 2000 put in front of a time, text) -> the
#: second, or refused; the plain result is only there to give the column Proton's name.
YEAR_2000 = "__tp_year_2000"
_MESSAGE = (RUNTIME_REFUSAL + "parse_datetime_best_effort of a text without a year is not "
            "supported by the emulator (Proton fills in the year 2000, chDB the current year)")


def year_2000_call(ch_name: str, arg_texts: list[str], constant: bool = False) -> str:
    """The ClickHouse text of ``ch_name(args)`` answering as Proton for texts without a year,
    without its closing parenthesis (the column name shows the plain call). ``constant``: in
    ``INSERT ... VALUES``, where chDB folds each value to a constant and the helper's
    ``throwIf`` cannot be folded, only the time-of-day form is rewritten (the call itself)."""
    text = check_copied(arg_texts[0].strip(), "parse_datetime_best_effort")
    rest = "".join("," + arg for arg in arg_texts[1:])
    dated = f"if(match({text}, {quote_string(_TIME_ONLY)}), concat('2000-01-01 ', {text}), {text})"
    if constant:
        return f"{ch_name}({dated}{rest}"
    return f"{YEAR_2000}({ch_name}({text}{rest}), {ch_name}({dated}{rest}), {text}"


def year_2000_ddl() -> str:
    """``CREATE FUNCTION`` of the helper that :func:`year_2000_call` calls."""
    filled = (f"ifNull(toYear(r) BETWEEN toYear(now()) - 1 AND toYear(now()) + 1 "
              f"AND position(x, toString(toYear(r))) = 0 "
              f"AND NOT match(x, {quote_string(_UNIX_TIME)}), 0)")
    return (f"CREATE OR REPLACE FUNCTION {YEAR_2000} AS (plain, r, x) -> "
            f"tupleElement((r, throwIf({filled}, {quote_string(_MESSAGE)})), 1)")


SUBSTRING_UTF8 = "__tp_substring_utf8"  # (s, offset, length) as Proton's substring_utf8


def substring_utf8_ddl() -> str:
    """``CREATE FUNCTION`` of the three-argument ``substring_utf8`` with Proton's answer."""
    before = "off < 0 AND -off > lengthUTF8(s)"
    length = f"if({before}, if(len < 0, greatest(len + lengthUTF8(s) + off, 0), len), len)"
    return (f"CREATE OR REPLACE FUNCTION {SUBSTRING_UTF8} AS (s, off, len) -> "
            f"substringUTF8(s, if({before}, 1, off), {length})")


RANGE_CHECK_PREFIX = "_tp_range_"  # constraint names: the prefix, then the column name
_RANGED = frozenset({"Date32", "DateTime64"})


def range_check(node: TypeNode, value: str, depth: int = 0) -> Optional[str]:
    """A chDB condition that every date32/datetime64 in ``value`` (of type ``node``) lies in
    Proton's range, looking inside nullable, low_cardinality, arrays, tuples and maps; None
    when the type holds no such value. Lambda variables are ``_tp_v<depth>``."""
    name = node.ch_name
    if name in _RANGED:
        return f"toYear({value}) BETWEEN 1900 AND 2299"
    inner = [arg.type if isinstance(arg, NamedField) else arg for arg in node.args]
    types = [arg for arg in inner if isinstance(arg, TypeNode)]
    if name in ("Nullable", "LowCardinality") and types:
        check = range_check(types[0], value, depth)
        return None if check is None else f"isNull({value}) OR {check}"
    if name == "Array" and types:
        check = range_check(types[0], f"_tp_v{depth}", depth + 1)
        return None if check is None else f"arrayAll(_tp_v{depth} -> {check}, {value})"
    parts: list[Optional[str]] = []
    if name == "Tuple":
        parts = [range_check(t, f"tupleElement({value}, {k})", depth)
                 for k, t in enumerate(types, start=1)]
    elif name == "Map" and len(types) == 2:
        parts = [range_check(TypeNode("array", "Array", (t,), True), f"{part}({value})", depth)
                 for t, part in zip(types, ("mapKeys", "mapValues"))]
    found = [f"({part})" for part in parts if part is not None]
    return " AND ".join(found) if found else None


def range_constraints(columns: list[tuple[str, str]]) -> list[str]:
    """``CONSTRAINT`` clauses for the ``(name, chDB type)`` columns that Proton clamps (also
    their elements in arrays, tuples and maps, at any depth)."""
    clauses = []
    for name, ch_type in columns:
        if not ch_type or ch_type.startswith(("JSON", "Object")):
            continue  # no type: a DEFAULT/ALIAS column typed by chDB
        check = range_check(parse_clickhouse_type(ch_type), quote_name(name))
        if check is not None:
            clauses.append(f"CONSTRAINT {quote_name(RANGE_CHECK_PREFIX + name)} CHECK {check}")
    return clauses


RANGE_GUARD = "__tp_in_range"  # the helper: x, or refused when outside Proton's range
#: chDB functions whose date32/datetime64 result may lie outside Proton's range
RANGED_RESULTS = frozenset({
    "toDate32", "toDate32OrZero", "toDate32OrNull", "toDate32OrDefault", "toDateTime64",
    "toDateTime64OrZero", "toDateTime64OrNull", "toDateTime64OrDefault",
    "fromUnixTimestamp64Second", "fromUnixTimestamp64Milli", "fromUnixTimestamp64Micro",
    "fromUnixTimestamp64Nano", "makeDate32", "makeDateTime64",
})
_RANGE_MESSAGE = (RUNTIME_REFUSAL + "a date32/datetime64 result outside 1900-01-01 .. "
                  "2299-12-31 is not supported by the emulator (Proton clamps or wraps it)")


def range_guard_ddl() -> tuple[str, str]:
    """``CREATE FUNCTION`` of the helpers wrapped around :data:`RANGED_RESULTS` calls and
    around casts (:func:`checked_cast`)."""
    outside = "ifNull(toYear(x) NOT BETWEEN 1900 AND 2299, 0)"
    message = quote_string(_RANGE_MESSAGE)
    return (f"CREATE OR REPLACE FUNCTION {RANGE_GUARD} AS (x) -> "
            f"tupleElement((x, throwIf({outside}, {message})), 1)",
            f"CREATE OR REPLACE FUNCTION {CAST_GUARD} AS (x, ok) -> "
            f"tupleElement((x, throwIf(NOT ifNull(ok, 1), {message})), 1)")


CAST_GUARD = "__tp_cast_in_range"  # the helper: (x, condition on x) -> x, or refused


def checked_cast(cast_text: str, node: TypeNode) -> str:
    """``cast_text`` (a cast to ``node``) refused row by row where a date32/datetime64 inside
    its result lies outside Proton's range. The cast is written twice; chDB computes the
    same expression once."""
    check = range_check(node, cast_text)
    if check is None:
        return cast_text
    return f"{CAST_GUARD}({check_copied(cast_text, 'A cast to date32/datetime64')}, {check})"
