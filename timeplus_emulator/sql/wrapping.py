"""Date and time results that Proton wraps and chDB clamps (or wraps otherwise): refused.

Owns: the argument checks that refuse (48), row by row, the values where the two disagree,
and the helper functions (``CREATE FUNCTION``) behind them. Each with the reason:

* ``to_relative_{week,day,hour,minute,second}_num`` of a time before 1970 (a ``date32`` or a
  ``datetime64``): Proton's date table counts back from the epoch and casts the negative number
  to its unsigned result type (DateTimeTransforms.h), so ``to_relative_week_num`` of
  1960-11-30 reads -473 through ``to_int16`` (01768_extended_range); chDB answers 0. A value
  whose local date or Unix time lies before 1970-01-01 is refused.
"""

from __future__ import annotations

from timeplus_emulator.sql.errors import RUNTIME_REFUSAL
from timeplus_emulator.sql.tokens import quote_string

SINCE_EPOCH = "__tp_since_epoch"  # (t): t, or refused when before 1970
#: chDB functions whose first argument goes through SINCE_EPOCH
RELATIVE_NUMS = frozenset(f"toRelative{unit}Num" for unit in (
    "Week", "Day", "Hour", "Minute", "Second"))
_EPOCH_MESSAGE = (RUNTIME_REFUSAL + "to_relative_*_num of a time before 1970 is not supported by "
                  "the emulator (Proton wraps the negative number, chDB answers 0)")
#: Wrappers whose column names show their first argument only (see reverse.py).
WRAPPERS = frozenset({SINCE_EPOCH})


def helper_ddl() -> tuple[str, ...]:
    """``CREATE FUNCTION`` statements of the checks."""
    before = "toFloat64(t) < 0 OR toDate32(t) < toDate32('1970-01-01')"
    return (f"CREATE OR REPLACE FUNCTION {SINCE_EPOCH} AS (t) -> "
            f"tupleElement((t, throwIf(ifNull({before}, 0), {quote_string(_EPOCH_MESSAGE)})), 1)",)


def checked_arguments(ch_name: str, texts: list[str]) -> list[str]:
    """The argument texts of a call of chDB function ``ch_name``, checked where needed."""
    if ch_name in RELATIVE_NUMS and texts:
        return [_wrap(SINCE_EPOCH, texts[0]), *texts[1:]]
    return texts


def _wrap(helper: str, text: str) -> str:
    lead = text[: len(text) - len(text.lstrip())]
    return f"{lead}{helper}({text[len(lead):]})"
