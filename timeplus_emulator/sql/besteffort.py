"""Best-effort datetime parsing of a text without a year, as Proton answers it.

Owns: the rewrite of ``parse_datetime*_best_effort*`` calls (and ``to_time``, which is one).

Proton's parser (ClickHouse ~22.8) fills a missing year with 2000, a missing month and day
with 1: ``parse_datetime_best_effort('01:01:01')`` is ``2000-01-01 01:01:01``. chDB 26.9
fills the current year instead (the year before, for a month and day still ahead), and
has no setting for the old behaviour. The rewrite:

* a text that is only a time of day (``hh:mm[:ss[.f]] [am|pm]``) is parsed with
  ``2000-01-01`` put in front, which is exactly what Proton computes;
* any other text whose result lies in the year before, this year or the next, and that does
  not spell that year out (``Jan 5 01:01:01``, ``01/05/26``), may have had its year filled
  in: chDB cannot tell, so the emulator refuses the row (code 48, through
  :data:`~timeplus_emulator.sql.errors.RUNTIME_REFUSAL`) rather than answer another year.
  Ten-digit numbers are Unix timestamps in both and pass.
"""

from __future__ import annotations

from timeplus_emulator.sql.errors import RUNTIME_REFUSAL
from timeplus_emulator.sql.tokens import quote_string

#: chDB names of the functions that fill a missing year (``to_time`` maps to one of them).
YEAR_FILLING = frozenset(
    f"parseDateTime{width}BestEffort{us}{tail}"
    for width in ("", "32", "64") for us in ("", "US") for tail in ("", "OrNull", "OrZero")
)
_TIME_ONLY = r"^\s*\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([aApP][mM])?\s*$"
_UNIX_TIME = r"^\s*\d{10}(\.\d+)?\s*$"
_MESSAGE = (RUNTIME_REFUSAL + "parse_datetime_best_effort of a text without a year is not "
            "supported by the emulator (Proton fills in the year 2000, chDB the current year)")


def year_2000_call(ch_name: str, arg_texts: list[str]) -> str:
    """The ClickHouse text of ``ch_name(args)`` answering as Proton for texts without a year."""
    text = arg_texts[0].strip()
    rest = "".join("," + arg for arg in arg_texts[1:])
    call = f"{ch_name}({text}{rest})"
    at_2000 = f"{ch_name}(concat('2000-01-01 ', {text}){rest})"
    time_only = f"match({text}, {quote_string(_TIME_ONLY)})"
    year = f"toYear({call})"
    filled = (f"ifNull({year} BETWEEN toYear(now()) - 1 AND toYear(now()) + 1 "
              f"AND position({text}, toString({year})) = 0 "
              f"AND NOT match({text}, {quote_string(_UNIX_TIME)}) AND NOT {time_only}, 0)")
    refuse = f"throwIf({filled}, {quote_string(_MESSAGE)})"
    return f"if(ifNull({time_only}, 0), {at_2000}, tupleElement(({call}, {refuse}), 1))"
