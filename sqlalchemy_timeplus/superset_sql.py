"""Timeplus SQL that BI tools need (time buckets, datetime literals, query mode), without Superset.

:mod:`sqlalchemy_timeplus.superset` plugs these into Superset's engine spec; they live here so they
can be used and tested where Superset is not installed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Optional

from sqlalchemy.engine.url import URL

from timeplus_dbapi.literals import quote_string
from timeplus_dbapi.typesystem import TypeParseError, TypeSpec, parse_type

__all__ = [
    "EPOCH_MS_TO_DATETIME",
    "EPOCH_S_TO_DATETIME",
    "HISTORICAL_QUERY_MODE",
    "QUERY_MODE_PARAMETER",
    "TIMEPLUS_FUNCTION_NAMES",
    "TIME_GRAIN_EXPRESSIONS",
    "datetime_literal",
    "value_type",
    "with_default_query_mode",
]

logger = logging.getLogger(__name__)

QUERY_MODE_PARAMETER = "query_mode"
HISTORICAL_QUERY_MODE = "table"

_TO_DATETIME = "to_datetime({col})"


def _interval_bucket(count: int, unit: str) -> str:
    """Buckets of ``count`` units. Hours are wall-clock hours counted from local midnight (a
    6-hour bucket on a DST day can last 5 or 7 hours); seconds and minutes divide the day."""
    return f"to_start_of_interval({_TO_DATETIME}, interval {count} {unit})"


def _truncate(function: str, *extra_args: str) -> str:
    return f"{function}({', '.join((_TO_DATETIME, *extra_args))})"


def _week_ending(week_start_mode: str) -> str:
    """The last day of the week that contains the value (a date): its first day plus 6 days."""
    return f"date_add(day, 6, {_truncate('to_start_of_week', week_start_mode)})"


# Superset/ISO-8601 time grain -> expression template ("{col}" is the column). Every bucket goes
# through to_datetime() first so date, datetime and datetime64 columns all work; buckets follow
# the column's time zone (a day starts at local midnight, also on DST days). All 21 grains of
# Superset 6.1's TimeGrain.
TIME_GRAIN_EXPRESSIONS: dict[Optional[str], str] = {
    None: "{col}",
    "PT1S": "to_start_of_second(to_datetime64({col}, 3))",
    "PT5S": _interval_bucket(5, "second"),
    "PT30S": _interval_bucket(30, "second"),
    "PT1M": _truncate("to_start_of_minute"),
    "PT5M": _interval_bucket(5, "minute"),
    "PT10M": _interval_bucket(10, "minute"),
    "PT15M": _interval_bucket(15, "minute"),
    "PT30M": _interval_bucket(30, "minute"),
    "PT0.5H": _interval_bucket(30, "minute"),
    "PT1H": _truncate("to_start_of_hour"),
    "PT6H": _interval_bucket(6, "hour"),
    "P1D": _truncate("to_start_of_day"),
    "P1W": _truncate("to_start_of_week", "1"),  # ISO week, starting Monday
    "1969-12-29T00:00:00Z/P1W": _truncate("to_start_of_week", "1"),  # week starting Monday
    "1969-12-28T00:00:00Z/P1W": _truncate("to_start_of_week", "0"),  # week starting Sunday
    "P1W/1970-01-03T00:00:00Z": _week_ending("0"),  # Sunday..Saturday, labelled Saturday
    "P1W/1970-01-04T00:00:00Z": _week_ending("1"),  # Monday..Sunday, labelled Sunday
    "P1M": _truncate("to_start_of_month"),
    "P3M": _truncate("to_start_of_quarter"),
    "P0.25Y": _truncate("to_start_of_quarter"),
    "P1Y": _truncate("to_start_of_year"),
}

EPOCH_S_TO_DATETIME = _TO_DATETIME
EPOCH_MS_TO_DATETIME = "from_unix_timestamp64_milli(to_int64({col}))"

# Autocomplete fallback when system.functions cannot be read: common Timeplus functions.
TIMEPLUS_FUNCTION_NAMES: tuple[str, ...] = tuple(
    """
    abs any arg_max arg_min array_filter array_join array_map array_sum avg cast ceil coalesce
    concat count count_distinct count_if date_add date_diff date_sub date_trunc earliest
    ends_with exp floor format_datetime from_unix_timestamp from_unix_timestamp64_milli
    group_array group_uniq_array has hop if index_of is_not_null is_null json_extract_int
    json_extract_string json_has json_value lag latest length log lower max max_k median min
    min_k multi_if now now64 p90 p95 p99 pow quantile rand replace_regex round session sqrt
    starts_with stddev_pop stddev_samp substring sum table to_bool to_date to_datetime
    to_datetime64 to_day_of_month to_day_of_week to_decimal to_float to_hour to_int to_minute
    to_month to_second to_start_of_day to_start_of_hour to_start_of_interval to_start_of_minute
    to_start_of_month to_start_of_quarter to_start_of_second to_start_of_week to_start_of_year
    to_string to_timezone to_unix_timestamp to_year today top_k trim tumble unique unique_exact
    upper uuid var_pop var_samp
    """.split()
)


def value_type(native_type: Optional[str]) -> Optional[TypeSpec]:
    """The value type (under nullable/low_cardinality) of a type string; None if unparsable.

    Accepts Timeplus spellings and the upper-cased or ClickHouse-style ones BI tools pass around.
    """
    if not native_type:
        return None
    try:
        return parse_type(native_type).unwrap()
    except TypeParseError:
        logger.debug("not a Timeplus type string: %r", native_type)
        return None


def _datetime_text(dttm: datetime, precision: int) -> str:
    """``YYYY-MM-DD HH:MM:SS[.fff...]`` with exactly ``precision`` fraction digits (0..9)."""
    text = dttm.strftime("%Y-%m-%d %H:%M:%S")
    if precision <= 0:
        return text
    fraction = f"{dttm.microsecond:06d}".ljust(precision, "0")[:precision]
    return f"{text}.{fraction}"


def _zone_argument(spec: TypeSpec) -> str:
    """``, 'Zone'`` when the column type carries a time zone, else empty."""
    zones = [arg for arg in spec.args if isinstance(arg, str)]
    return f", {quote_string(zones[0])}" if zones else ""


def datetime_literal(target_type: str, dttm: datetime) -> Optional[str]:
    """A Timeplus expression for ``dttm`` typed like a column of ``target_type``.

    The wall-clock value of ``dttm`` is used as is (Superset passes naive datetimes); a time zone
    in the column type is passed along so the value is read in the column's zone. Returns None for
    types that are not date/datetime types.
    """
    spec = value_type(target_type)
    if spec is None:
        return None
    if spec.name in ("date", "date32"):  # Timeplus's to_date returns date32; no to_date32
        return f"to_date({quote_string(dttm.date().isoformat())})"
    if spec.name in ("datetime", "datetime32"):
        return f"to_datetime({quote_string(_datetime_text(dttm, 0))}{_zone_argument(spec)})"
    if spec.name == "datetime64":
        precision = next((arg for arg in spec.args if isinstance(arg, int)), 3)
        text = quote_string(_datetime_text(dttm, precision))
        return f"to_datetime64({text}, {precision}{_zone_argument(spec)})"
    return None


def with_default_query_mode(url: URL, connect_args: dict[str, Any]) -> URL:
    """``url`` with ``query_mode=table`` added unless the URL or connect_args chose a mode."""
    if QUERY_MODE_PARAMETER in url.query or QUERY_MODE_PARAMETER in connect_args:
        return url
    return url.update_query_dict({QUERY_MODE_PARAMETER: HISTORICAL_QUERY_MODE})
