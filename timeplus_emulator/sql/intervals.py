"""Interval expressions: Timeplus shorthand (``5s``) and ``INTERVAL n UNIT``.

Owns: turning interval tokens into ClickHouse interval expressions and measuring
their length in seconds (windows, ``EMIT PERIODIC``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from timeplus_emulator.sql.errors import BAD_ARGUMENTS, TranslationError
from timeplus_emulator.sql.tokens import INTERVAL_UNITS, Kind, Token

UNIT_SECONDS: dict[str, float] = {
    "Nanosecond": 1e-9,
    "Microsecond": 1e-6,
    "Millisecond": 1e-3,
    "Second": 1.0,
    "Minute": 60.0,
    "Hour": 3600.0,
    "Day": 86400.0,
    "Week": 7 * 86400.0,
    "Month": 30 * 86400.0,
    "Quarter": 91 * 86400.0,
    "Year": 365 * 86400.0,
}
CALENDAR_UNITS = frozenset({"Month", "Quarter", "Year"})

# Keyword spellings accepted after INTERVAL n (singular/plural, SQL-standard).
_KEYWORD_UNITS: dict[str, str] = {}
for _unit in UNIT_SECONDS:
    _KEYWORD_UNITS[_unit.upper()] = _unit
    _KEYWORD_UNITS[_unit.upper() + "S"] = _unit
_KEYWORD_UNITS.update({"NS": "Nanosecond", "US": "Microsecond", "MS": "Millisecond"})


@dataclass(frozen=True)
class Interval:
    """An interval of ``count`` units (``unit`` as in ``toInterval<Unit>``)."""

    count: int
    unit: str

    @property
    def ch_sql(self) -> str:
        """ClickHouse expression, e.g. ``toIntervalSecond(5)``."""
        return f"toInterval{self.unit}({self.count})"

    @property
    def seconds(self) -> float:
        """Approximate length in seconds (months count as 30 days)."""
        return self.count * UNIT_SECONDS[self.unit]

    @property
    def calendar(self) -> bool:
        """True for month/quarter/year intervals (variable length)."""
        return self.unit in CALENDAR_UNITS


def shorthand_interval(text: str) -> Interval:
    """Parse ``5s``/``10ms``/``1M`` (an ``INTERVAL`` token's text)."""
    digits = text.rstrip("".join(INTERVAL_UNITS))
    suffix = text[len(digits):]
    return Interval(int(digits), INTERVAL_UNITS[suffix])


def parse_interval(tokens: list[Token]) -> Optional[Interval]:
    """Interval written by ``tokens`` (one argument), or None if it is not a literal interval.

    Accepts ``5s``, ``INTERVAL 5 SECOND``, ``INTERVAL '5' SECOND`` and
    ``to_interval_second(5)``.
    """
    if len(tokens) == 1 and tokens[0].kind is Kind.INTERVAL:
        return shorthand_interval(tokens[0].text)
    if len(tokens) == 3 and tokens[0].is_word("INTERVAL"):
        count = _count(tokens[1])
        unit = _KEYWORD_UNITS.get(tokens[2].upper)
        if count is not None and unit:
            return Interval(count, unit)
    if len(tokens) == 4 and tokens[1].is_op("(") and tokens[3].is_op(")"):
        name = tokens[0].text.lower()
        count = _count(tokens[2])
        if name.startswith("to_interval_") and count is not None:
            unit = _KEYWORD_UNITS.get(name[len("to_interval_"):].upper())
            if unit:
                return Interval(count, unit)
    return None


def require_interval(tokens: list[Token], what: str) -> Interval:
    """Like :func:`parse_interval` but raising a BAD_ARGUMENTS error naming ``what``."""
    interval = parse_interval(tokens)
    if interval is None:
        text = "".join(t.pre + t.text for t in tokens).strip()
        raise TranslationError(
            BAD_ARGUMENTS,
            f"{what} must be an interval such as 5s or INTERVAL 5 SECOND, got '{text}'",
        )
    if interval.count <= 0:
        raise TranslationError(BAD_ARGUMENTS, f"{what} must be positive")
    return interval


def _count(token: Token) -> Optional[int]:
    text = token.text
    if token.kind is Kind.STRING:
        text = text[1:-1].strip()
    return int(text) if text.isdigit() else None
