"""Date and time results that Proton wraps and chDB clamps (or wraps otherwise): refused.

Owns: the argument checks that refuse (48), row by row, the values where the two disagree,
and the helper functions (``CREATE FUNCTION``) behind them. Each with the reason:

* ``to_relative_{week,day,hour,minute,second}_num`` of a time before 1970 (a ``date32`` or a
  ``datetime64``): Proton's date table counts back from the epoch and casts the negative number
  to its unsigned result type (DateTimeTransforms.h), so ``to_relative_week_num`` of
  1960-11-30 reads -473 through ``to_int16`` (01768_extended_range); chDB answers 0. A value
  whose local date or Unix time lies before 1970-01-01 is refused.
* ``add_{days,weeks,months,quarters,years}`` and ``subtract_*`` of a ``date`` or ``datetime``
  whose result lies outside the type (``date``: 1970-01-01 .. 2149-06-06, ``datetime``: 1970 ..
  2106-02-07): Proton's date table wraps the day or month number its own way
  (``add_weeks(to_datetime('2020-01-01', 'GMT'), 9223372036854775807)`` is 2019-12-25,
  01662_date_ubsan), chDB wraps otherwise (2106-01-28 08:40:32; ``add_months`` of 2149-05-20
  gave 1970-01-14). Refused row by row; a month shift is refused from the type's last month
  on. A count beyond the 64-bit integers (or inf, NaN) raises Proton's 407, Numeric overflow,
  for days and weeks too (chDB raised it for the other units, and answered 2041-07-13 for
  ``add_days(..., 9223372036854775808)``).
"""

from __future__ import annotations

from timeplus_emulator.sql.errors import DECIMAL_OVERFLOW, RUNTIME_REFUSAL, runtime_error
from timeplus_emulator.sql.tokens import quote_string

SINCE_EPOCH = "__tp_since_epoch"  # (t): t, or refused when before 1970
#: chDB functions whose first argument goes through SINCE_EPOCH
RELATIVE_NUMS = frozenset(f"toRelative{unit}Num" for unit in (
    "Week", "Day", "Hour", "Minute", "Second"))
_EPOCH_MESSAGE = (RUNTIME_REFUSAL + "to_relative_*_num of a time before 1970 is not supported by "
                  "the emulator (Proton wraps the negative number, chDB answers 0)")
DAY_SHIFT = "__tp_day_shift"  # (t, n, days per n): t, or refused when t + n lies outside
MONTH_SHIFT = "__tp_month_shift"  # (t, n, months per n): the same for months
#: chDB function -> (helper, units per count, in days or months; negative: subtracting)
SHIFTS: dict[str, tuple[str, int]] = {
    **{f"{verb}{unit}": (helper, sign * size) for verb, sign in (("add", 1), ("subtract", -1))
       for unit, helper, size in (("Days", DAY_SHIFT, 1), ("Weeks", DAY_SHIFT, 7),
                                  ("Months", MONTH_SHIFT, 1), ("Quarters", MONTH_SHIFT, 3),
                                  ("Years", MONTH_SHIFT, 12))},
}
_SHIFT_MESSAGE = (RUNTIME_REFUSAL + "a date/datetime shifted outside the range of its type is "
                  "not supported by the emulator (Proton and chDB wrap it differently)")
_OVERFLOW_MESSAGE = runtime_error(DECIMAL_OVERFLOW) + "Numeric overflow"
_DATE = quote_string(r"^(Nullable\()?Date\)?$")
_DATETIME = quote_string(r"^(Nullable\()?DateTime(\('[^']*'\))?\)?$")
# months since year 0 of 1970-01, of the last whole month of a date (2149-05) and of a
# datetime (2106-01)
_FIRST_MONTH, _LAST_DATE_MONTH, _LAST_DATETIME_MONTH = 1970 * 12, 2149 * 12 + 4, 2106 * 12
#: Wrappers whose column names show their first argument only (see reverse.py).
WRAPPERS = frozenset({SINCE_EPOCH, DAY_SHIFT, MONTH_SHIFT})


def helper_ddl() -> tuple[str, ...]:
    """``CREATE FUNCTION`` statements of the checks."""
    before = "toFloat64(t) < 0 OR toDate32(t) < toDate32('1970-01-01')"
    days = "toFloat64(n) * k"
    day_outside = (f"multiIf(match(toTypeName(t), {_DATE}), "
                   f"NOT (toFloat64(toDate32(t)) + {days} BETWEEN 0 AND 65535), "
                   f"match(toTypeName(t), {_DATETIME}), "
                   f"NOT (toFloat64(toDateTime64(t, 0)) + {days} * 86400 "
                   "BETWEEN 0 AND 4294967295), "
                   "0)")
    month = f"toYear(toDate32(t)) * 12 + toMonth(toDate32(t)) - 1 + {days}"
    month_outside = (f"n != 0 AND multiIf(match(toTypeName(t), {_DATE}), "
                     f"NOT ({month} BETWEEN {_FIRST_MONTH} AND {_LAST_DATE_MONTH}), "
                     f"match(toTypeName(t), {_DATETIME}), "
                     f"NOT ({month} BETWEEN {_FIRST_MONTH} AND {_LAST_DATETIME_MONTH}), 0)")
    overflow = ("NOT (isFinite(toFloat64(n)) AND n <= 9223372036854775807 AND "
                "n >= -9223372036854775808)")
    shift = quote_string(_SHIFT_MESSAGE)
    checks = f"throwIf(ifNull({overflow}, 0), {quote_string(_OVERFLOW_MESSAGE)})"
    return (f"CREATE OR REPLACE FUNCTION {SINCE_EPOCH} AS (t) -> "
            f"tupleElement((t, throwIf(ifNull({before}, 0), {quote_string(_EPOCH_MESSAGE)})), 1)",
            f"CREATE OR REPLACE FUNCTION {DAY_SHIFT} AS (t, n, k) -> tupleElement((t, {checks}, "
            f"throwIf(ifNull({day_outside}, 0), {shift})), 1)",
            f"CREATE OR REPLACE FUNCTION {MONTH_SHIFT} AS (t, n, k) -> tupleElement((t, {checks}, "
            f"throwIf(ifNull({month_outside}, 0), {shift})), 1)")


def checked_arguments(ch_name: str, texts: list[str]) -> list[str]:
    """The argument texts of a call of chDB function ``ch_name``, checked where needed."""
    if ch_name in RELATIVE_NUMS and texts:
        return [_wrap(SINCE_EPOCH, texts[0]), *texts[1:]]
    shift = SHIFTS.get(ch_name)
    if shift is not None and len(texts) == 2:
        helper, size = shift
        return [_wrap(helper, texts[0], f", {texts[1].strip()}, {size}"), texts[1]]
    return texts


def _wrap(helper: str, text: str, extra: str = "") -> str:
    lead = text[: len(text) - len(text.lstrip())]
    return f"{lead}{helper}({text[len(lead):]}{extra})"
