"""Apache Superset engine spec for Timeplus (entry point group ``superset.db_engine_specs``).

Superset finds this class by the SQLAlchemy backend name ``timeplus`` (driver ``rest``). It owns
what Superset needs to know about Timeplus that the SQLAlchemy dialect does not say:

* time grains written with Timeplus functions (``to_start_of_minute``, ``to_start_of_interval``...);
* datetime literals for filters (``convert_dttm``) and epoch conversions;
* Timeplus type strings -> Superset's generic types, via the one type parser
  (:func:`timeplus_dbapi.typesystem.parse_type`);
* function names for SQL Lab autocomplete;
* **historical mode by default**: every engine Superset creates gets ``query_mode=table`` in its URL
  unless the connection already chose a mode, so test connection, SQL Lab, charts and column
  discovery finish instead of waiting for new events. A database opts into streaming with
  ``?query_mode=streaming`` in its SQLAlchemy URI (or ``"connect_args": {"query_mode":
  "streaming"}`` in the database's *Extra* ``engine_params``);
* cancelling a running query from SQL Lab (``POST /queries/{id}/cancel``);
* SQL Lab parsing with the Timeplus sqlglot dialect (:mod:`sqlalchemy_timeplus.sqlglot_dialect`),
  registered in Superset's engine -> dialect table when this module is imported.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import types
from sqlalchemy.engine.url import URL
from superset.constants import TimeGrain
from superset.db_engine_specs.base import BaseEngineSpec
from superset.utils.core import GenericDataType

from timeplus_dbapi.literals import quote_string
from timeplus_dbapi.typesystem import TypeParseError, TypeSpec, parse_type

if TYPE_CHECKING:
    from sqlalchemy.types import TypeEngine
    from superset.models.core import Database
    from superset.models.sql_lab import Query

__all__ = ["HISTORICAL_QUERY_MODE", "TIMEPLUS_FUNCTION_NAMES", "TimeplusEngineSpec"]

logger = logging.getLogger(__name__)

HISTORICAL_QUERY_MODE = "table"
_QUERY_MODE = "query_mode"

# Superset generic types by canonical Timeplus type name (after nullable/low_cardinality).
_NUMERIC = GenericDataType.NUMERIC
_STRING = GenericDataType.STRING
_TEMPORAL = GenericDataType.TEMPORAL
_WIDE_OR_DECIMAL = "int128 int256 uint128 uint256 decimal decimal32 decimal64 decimal128 decimal256"
_COLUMN_TYPES: dict[str, tuple[type[TypeEngine[Any]], GenericDataType]] = {
    **{name: (types.Integer, _NUMERIC) for name in ("int8", "int16", "int32", "uint8", "uint16")},
    **{name: (types.BigInteger, _NUMERIC) for name in ("int64", "uint32", "uint64")},
    **{name: (types.Numeric, _NUMERIC) for name in _WIDE_OR_DECIMAL.split()},
    **{name: (types.Float, _NUMERIC) for name in ("float32", "float64", "bfloat16")},
    "bool": (types.Boolean, GenericDataType.BOOLEAN),
    "date": (types.Date, _TEMPORAL),
    "date32": (types.Date, _TEMPORAL),
    "datetime": (types.DateTime, _TEMPORAL),
    "datetime32": (types.DateTime, _TEMPORAL),
    "datetime64": (types.DateTime, _TEMPORAL),
}
# Everything else that parses (string, fixed_string, uuid, ipv4/6, enums, json, array, map,
# tuple, ...) is shown as text.
_DEFAULT_COLUMN_TYPE: tuple[type[TypeEngine[Any]], GenericDataType] = (types.String, _STRING)

_TO_DATETIME = "to_datetime({col})"

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


def _bucket(function: str) -> str:
    return f"{function}({_TO_DATETIME})"


def _parse_native_type(native_type: Optional[str]) -> Optional[TypeSpec]:
    """The value type of a Timeplus (or ClickHouse-spelled) type string, or None if unparsable."""
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


class TimeplusEngineSpec(BaseEngineSpec):  # type: ignore[misc,unused-ignore]
    """Superset engine spec for Timeplus over its REST API (``timeplus://`` URLs)."""

    engine = "timeplus"
    engine_name = "Timeplus"
    engine_aliases = {"timeplus+rest"}  # noqa: RUF012 (Superset's class-level settings)
    drivers = {"rest": "Timeplus REST API v1beta2 (sqlalchemy-timeplus)"}  # noqa: RUF012
    default_driver = "rest"
    sqlalchemy_uri_placeholder = (
        "timeplus://user:password@host:8000/default  or  "
        "timeplus://:API_KEY@region.timeplus.cloud:443/workspace_id"
    )

    time_groupby_inline = True
    supports_file_upload = False
    has_query_id_before_execute = False  # the server assigns the query id on execute

    _time_grain_expressions = {  # noqa: RUF012
        None: "{col}",
        TimeGrain.SECOND: "to_start_of_second(to_datetime64({col}, 3))",
        TimeGrain.MINUTE: _bucket("to_start_of_minute"),
        TimeGrain.FIVE_MINUTES: f"to_start_of_interval({_TO_DATETIME}, interval 5 minute)",
        TimeGrain.TEN_MINUTES: f"to_start_of_interval({_TO_DATETIME}, interval 10 minute)",
        TimeGrain.FIFTEEN_MINUTES: f"to_start_of_interval({_TO_DATETIME}, interval 15 minute)",
        TimeGrain.THIRTY_MINUTES: f"to_start_of_interval({_TO_DATETIME}, interval 30 minute)",
        TimeGrain.HOUR: _bucket("to_start_of_hour"),
        TimeGrain.DAY: _bucket("to_start_of_day"),
        TimeGrain.WEEK: f"to_start_of_week({_TO_DATETIME}, 1)",
        TimeGrain.WEEK_STARTING_MONDAY: f"to_start_of_week({_TO_DATETIME}, 1)",
        TimeGrain.WEEK_STARTING_SUNDAY: f"to_start_of_week({_TO_DATETIME}, 0)",
        TimeGrain.MONTH: _bucket("to_start_of_month"),
        TimeGrain.QUARTER: _bucket("to_start_of_quarter"),
        TimeGrain.YEAR: _bucket("to_start_of_year"),
    }

    @classmethod
    def epoch_to_dttm(cls) -> str:
        return _TO_DATETIME

    @classmethod
    def epoch_ms_to_dttm(cls) -> str:
        return "from_unix_timestamp64_milli(to_int64({col}))"

    @classmethod
    def convert_dttm(
        cls, target_type: str, dttm: datetime, db_extra: Optional[dict[str, Any]] = None
    ) -> Optional[str]:
        """A Timeplus literal of ``dttm`` typed like the filtered column; None for other types."""
        spec = _parse_native_type(target_type)
        if spec is None:
            return None
        if spec.name in ("date", "date32"):
            return f"to_{spec.name}({quote_string(dttm.date().isoformat())})"
        if spec.name in ("datetime", "datetime32"):
            return f"to_datetime({quote_string(_datetime_text(dttm, 0))}{_zone_argument(spec)})"
        if spec.name == "datetime64":
            precision = next((arg for arg in spec.args if isinstance(arg, int)), 3)
            text = quote_string(_datetime_text(dttm, precision))
            return f"to_datetime64({text}, {precision}{_zone_argument(spec)})"
        return None

    @classmethod
    def get_column_types(
        cls, column_type: Optional[str]
    ) -> Optional[tuple[TypeEngine[Any], GenericDataType]]:
        spec = _parse_native_type(column_type)
        if spec is None or spec.name == "nothing":
            return None
        sqla_type, generic_type = _COLUMN_TYPES.get(spec.name, _DEFAULT_COLUMN_TYPE)
        return sqla_type(), generic_type

    @classmethod
    def get_datatype(cls, type_code: Any) -> Optional[str]:
        """Keep Timeplus type names as the server spells them (the base class upper-cases)."""
        if isinstance(type_code, str) and type_code:
            return type_code
        name = getattr(type_code, "name", None)
        return str(type_code) if isinstance(name, str) else None

    @classmethod
    def get_function_names(cls, database: Database) -> list[str]:
        """Names for SQL Lab autocomplete: ``system.functions`` if readable, else a static list."""
        try:
            frame = database.get_df("SELECT name FROM system.functions ORDER BY name")
        except Exception as exc:  # autocomplete must never break SQL Lab
            logger.debug("system.functions not readable (%s); using the static list", exc)
            return list(TIMEPLUS_FUNCTION_NAMES)
        names = [str(name) for name in frame["name"].tolist()] if "name" in frame else []
        return names or list(TIMEPLUS_FUNCTION_NAMES)

    @classmethod
    def adjust_engine_params(
        cls,
        uri: URL,
        connect_args: dict[str, Any],
        catalog: Optional[str] = None,
        schema: Optional[str] = None,
    ) -> tuple[URL, dict[str, Any]]:
        """Run in historical mode unless the URI or connect_args already chose a query mode."""
        if _QUERY_MODE in uri.query or _QUERY_MODE in connect_args:
            return uri, connect_args
        return uri.update_query_dict({_QUERY_MODE: HISTORICAL_QUERY_MODE}), connect_args

    @classmethod
    def get_cancel_query_id(cls, cursor: Any, query: Query) -> Optional[str]:
        query_id = getattr(cursor, "query_id", None)
        return str(query_id) if query_id else None

    @classmethod
    def cancel_query(cls, cursor: Any, query: Query, cancel_query_id: str) -> bool:
        """Cancel the server query through the REST client of the cursor's connection."""
        try:
            cursor.connection.client.cancel_query(cancel_query_id)
        except Exception as exc:  # Superset expects a bool, not an exception
            logger.debug("cancelling query %s failed: %s", cancel_query_id, exc)
            return False
        return True


def _register_sqlglot_dialect() -> None:
    """Map Superset's engine name ``timeplus`` to the Timeplus sqlglot dialect (SQL Lab parsing)."""
    try:
        from superset.sql.parse import SQLGLOT_DIALECTS

        from .sqlglot_dialect import Timeplus
    except ImportError:  # Superset before 5.0 has no such table; sqlglot missing
        logger.debug("Superset/sqlglot without an engine -> dialect table; not registering")
        return
    SQLGLOT_DIALECTS.setdefault(TimeplusEngineSpec.engine, Timeplus)


_register_sqlglot_dialect()
