"""The Superset engine spec for Timeplus (entry point group ``superset.db_engine_specs``).

Superset finds this class by the SQLAlchemy backend name ``timeplus`` (driver ``rest``). It owns
what Superset needs to know about Timeplus that the SQLAlchemy dialect does not say:

* all of Superset's time grains, written with Timeplus functions (``to_start_of_minute``,
  ``to_start_of_interval``...; :mod:`sqlalchemy_timeplus.superset_sql`);
* datetime literals for filters (``convert_dttm``) and epoch conversions;
* Timeplus types -> SQLAlchemy types and Superset's generic types (``column_type_mappings``,
  :mod:`.column_types`);
* driver exceptions -> Superset's, server error codes -> Superset error types with a message
  (:mod:`.errors`); a chart query that would stream forever is refused with its own message;
* SQL Lab's table preview: stream mode, keys, event time, TTL, retention, view SQL
  (:mod:`.table_metadata`); default metrics for new datasets;
* nested values (array, tuple, map) expanded in SQL Lab results
  (:mod:`sqlalchemy_timeplus.superset_results`);
* a Timeplus Cloud API key in *Secure extra* (``{"api_key": "..."}``): used to connect, masked in
  every API answer, kept when an edit sends the mask back;
* function names for SQL Lab autocomplete;
* **historical mode by default**: every engine Superset creates gets ``query_mode=table`` in its URL
  unless the connection already chose a mode, so test connection, SQL Lab, charts and column
  discovery finish instead of waiting for new events. A database opts into streaming with
  ``?query_mode=streaming`` in its SQLAlchemy URI (or ``"connect_args": {"query_mode":
  "streaming"}`` in the database's *Extra* ``engine_params``);
* cancelling a running query from SQL Lab (``POST /queries/{id}/cancel``);
* file upload into a stream of the default database (:mod:`.upload`);
* SQL Lab's cost estimate: ``EXPLAIN ESTIMATE`` (:mod:`.estimate`).

Not supported: user impersonation (the REST API runs every query as the connection's user or
API key and has no way to act for another user), catalogs, latest-partition filters, and a
per-query default database (see the README).
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import NoSuchTableError
from superset.constants import PASSWORD_MASK
from superset.db_engine_specs.base import BaseEngineSpec
from superset.exceptions import SupersetException

from ..pandas import write_frame
from ..superset_results import expand_rows
from ..superset_sql import (
    EPOCH_MS_TO_DATETIME,
    EPOCH_S_TO_DATETIME,
    TIME_GRAIN_EXPRESSIONS,
    TIMEPLUS_FUNCTION_NAMES,
    datetime_literal,
    with_default_query_mode,
)
from .column_types import COLUMN_TYPE_MAPPINGS
from .errors import (
    CUSTOM_ERRORS,
    DBAPI_EXCEPTIONS,
    STREAMING_CHART_MARK,
    StreamingChartQueryError,
    mapped_exception,
    server_code_errors,
)
from .estimate import format_estimate, statement_estimate
from .table_metadata import default_metrics, extra_table_metadata
from .upload import frame_to_upload, refuse_sub_microsecond_times, upload_options

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine.reflection import Inspector
    from sqlalchemy.types import TypeEngine
    from superset.errors import SupersetError
    from superset.models.core import Database
    from superset.models.sql_lab import Query
    from superset.sql.parse import Table

__all__ = ["TimeplusEngineSpec"]

logger = logging.getLogger(__name__)
DATABASE_PARAMETER = "database"  # the driver's connection parameter (timeplus_dbapi.dsn)

API_KEY = "api_key"


class TimeplusEngineSpec(BaseEngineSpec):  # type: ignore[misc,unused-ignore]
    """Superset engine spec for Timeplus over its REST API (``timeplus://`` URLs)."""

    engine = "timeplus"
    engine_name = "Timeplus"
    drivers = {"rest": "Timeplus REST API v1beta2 (sqlalchemy-timeplus)"}  # noqa: RUF012
    default_driver = "rest"
    sqlalchemy_uri_placeholder = "timeplus://user:password@host:8000/default"
    metadata = {  # noqa: RUF012 (shown in Superset's database documentation pages)
        "description": (
            "Timeplus is a streaming SQL database. Superset queries its historical store by "
            "default; add ?query_mode=streaming to the URI for live queries."
        ),
        "categories": ["Analytical Databases", "Time Series Databases"],
        "pypi_packages": ["sqlalchemy-timeplus[superset]"],
        "connection_string": "timeplus://{username}:{password}@{host}:{port}/{workspace}",
        "default_port": 8000,
        "connection_examples": [
            {
                "description": "Timeplus Enterprise (user and password)",
                "connection_string": "timeplus://admin:password@localhost:8000/default",
            },
            {
                "description": "Timeplus Cloud (API key as the password, empty user)",
                "connection_string": "timeplus://:API_KEY@us-west-2.timeplus.cloud:443/WORKSPACE",
            },
        ],
    }

    time_groupby_inline = True
    supports_file_upload = True
    # SQL Lab's schema picker chooses the Timeplus database unqualified names resolve in
    # (adjust_engine_params puts it in the URL's ?database=, which the driver sends as ?db=)
    supports_dynamic_schema = True
    has_query_id_before_execute = False  # the server assigns the query id on execute

    _time_grain_expressions = TIME_GRAIN_EXPRESSIONS
    custom_errors = CUSTOM_ERRORS
    column_type_mappings = COLUMN_TYPE_MAPPINGS
    # Superset's own regex table (``^string``, ``^timestamp``...) would take type names Timeplus
    # does not have; Timeplus types are read by the type parser only.
    _default_column_type_mappings = ()
    encrypted_extra_sensitive_fields = {f"$.{API_KEY}": "API key"}  # noqa: RUF012
    # Superset masks only the URI's password slot and keeps the query string as plain text
    disallow_uri_query_params = {  # noqa: RUF012
        driver: {API_KEY, "password"} for driver in ("rest", "async")
    }

    @classmethod
    def epoch_to_dttm(cls) -> str:
        return EPOCH_S_TO_DATETIME

    @classmethod
    def epoch_ms_to_dttm(cls) -> str:
        return EPOCH_MS_TO_DATETIME

    @classmethod
    def convert_dttm(
        cls, target_type: str, dttm: datetime, db_extra: Optional[dict[str, Any]] = None
    ) -> Optional[str]:
        """A Timeplus literal of ``dttm`` typed like the filtered column; None for other types."""
        return datetime_literal(target_type, dttm)

    @staticmethod
    def _mutate_label(label: str) -> str:
        """Suffix every chart-query alias with a short hash of the label.

        Timeplus resolves aliases before columns anywhere in a query (ClickHouse semantics): in
        ``SELECT to_start_of_hour(ts) AS ts ... GROUP BY to_start_of_hour(ts)`` the ``ts`` inside
        GROUP BY means the alias, so the query fails with "not under aggregate function", and a
        ``WHERE ts >= ...`` would filter on the bucket instead of the column. Aliases that never
        equal a column name avoid both; Superset maps the results back to the expected labels.
        """
        digest = hashlib.sha256(label.encode("utf-8")).hexdigest()[:8]
        return f"{label}__{digest}"

    @classmethod
    def get_datatype(cls, type_code: Any) -> Optional[str]:
        """Keep the Timeplus type name of ``cursor.description`` as is (the base upper-cases it)."""
        return type_code if isinstance(type_code, str) and type_code else None

    @classmethod
    def column_datatype_to_string(cls, sqla_column_type: TypeEngine[Any], dialect: Any) -> str:
        """The dialect's Timeplus type name as is: the base class upper-cases it, which would
        corrupt time zone names (``datetime64(3, 'Europe/Berlin')``) used by ``convert_dttm``."""
        return str(sqla_column_type.compile(dialect=dialect))

    @classmethod
    def get_function_names(cls, database: Database) -> list[str]:
        """Names for SQL Lab autocomplete: ``system.functions`` plus the common Timeplus names.

        Timeplus function names are lowercase; names with capitals (the ClickHouse spellings a
        compatible server may list) would not run, so they are left out.
        """
        try:
            frame = database.get_df("SELECT name FROM system.functions")
            listed = [str(name) for name in frame["name"].tolist()] if "name" in frame else []
        except Exception as exc:  # autocomplete must never break SQL Lab
            logger.debug("system.functions not readable (%s); using the static list", exc)
            listed = []
        lowercase = {name for name in listed if name == name.lower()}
        return sorted(lowercase.union(TIMEPLUS_FUNCTION_NAMES))

    @classmethod
    def adjust_engine_params(
        cls,
        uri: URL,
        connect_args: dict[str, Any],
        catalog: Optional[str] = None,
        schema: Optional[str] = None,
    ) -> tuple[URL, dict[str, Any]]:
        """Run in historical mode unless the URI or connect_args already chose a query mode;
        with ``schema`` (SQL Lab's picked database) unqualified names resolve in it."""
        uri = with_default_query_mode(uri, connect_args)
        if not schema:
            return uri, connect_args
        others = {k: v for k, v in connect_args.items() if k != DATABASE_PARAMETER}
        return uri.update_query_dict({DATABASE_PARAMETER: schema}), others

    @classmethod
    def get_schema_from_engine_params(
        cls, sqlalchemy_uri: URL, connect_args: dict[str, Any]
    ) -> Optional[str]:
        """The database set in connect_args or the URI's ``?database=`` (connect_args win, as
        in the driver); None when neither sets one."""
        found = connect_args.get(DATABASE_PARAMETER) or sqlalchemy_uri.query.get(
            DATABASE_PARAMETER)
        return str(found) if found else None

    @classmethod
    def df_to_sql(
        cls,
        database: Database,
        table: Table,
        df: pd.DataFrame,
        to_sql_kwargs: dict[str, Any],
    ) -> None:
        """Write an uploaded file's frame to the stream ``table.table`` with ``write_frame``.

        Honours ``if_exists`` (fail, replace, append), ``index`` and ``index_label`` as
        ``DataFrame.to_sql`` would; ``chunksize`` and ``method`` are ignored (the driver sizes its
        ingest requests itself). Refused with a message naming the problem: a ``schema`` other
        than the default database (the REST ingest cannot reach it), ``dtype`` overrides, column
        names Timeplus reserves (``_tp_*``), and times finer than a microsecond for a stream the
        upload creates (its datetime columns are ``datetime64(6)``, which would cut them). The
        stream gets Timeplus's own ``_tp_time`` column (ingest time) after the uploaded columns.
        """
        options = upload_options(table, to_sql_kwargs)
        frame = frame_to_upload(df, options)
        appends = options.if_exists == "append"
        if not appends:  # the upload creates the stream
            refuse_sub_microsecond_times(frame)
        with cls.get_engine(database, catalog=table.catalog, schema=table.schema) as engine:
            if appends and not sa_inspect(engine).has_table(table.table):
                refuse_sub_microsecond_times(frame)  # appending to a missing stream creates it
            write_frame(frame, table.table, engine, if_exists=options.if_exists, index=False)

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

    # --- errors --------------------------------------------------------------------------------

    @classmethod
    def get_dbapi_exception_mapping(cls) -> dict[type[Exception], type[Exception]]:
        return dict(DBAPI_EXCEPTIONS)

    @classmethod
    def get_dbapi_mapped_exception(cls, exception: Exception) -> Exception:
        """Superset's exception for a driver one; transport failures become connection errors."""
        return mapped_exception(exception)

    @classmethod
    def extract_errors(
        cls,
        ex: Any,
        context: Optional[dict[str, Any]] = None,
        database_name: Optional[str] = None,
    ) -> list[SupersetError]:
        """By server error code first (unless the deployment's CUSTOM_DATABASE_ERRORS match),
        then by message (:data:`.errors.CUSTOM_ERRORS`), else Superset's generic error.
        ``ex`` is an exception, or only its text (SQL Lab passes ``str(ex)``)."""
        raw = cls._extract_error_message(ex)
        configured = cls.get_database_custom_errors(database_name)
        if not any(pattern.search(raw) for pattern in configured):
            found = server_code_errors(ex, cls.engine_name)
            if found is not None:
                return found
        return list(super().extract_errors(ex, context, database_name))

    @classmethod
    def execute(cls, cursor: Any, query: str, database: Database, **kwargs: Any) -> None:
        """Refuse a chart query that would never end: a streaming connection without
        ``idle_timeout`` whose query reads a stream live (the server's ``/sqlanalyze`` says).
        SQL Lab (``async_``) keeps streaming: its LIMIT ends the query and it can be stopped."""
        params = getattr(cursor.connection, "params", None)
        if (
            not kwargs.get("async_")
            and getattr(params, "query_mode", None) == "streaming"
            and getattr(params, "idle_timeout", None) is None
            and cursor.connection.client.analyze_sql(query).get("is_streaming")
        ):
            raise StreamingChartQueryError(
                f"This chart's query {STREAMING_CHART_MARK} without end. Add "
                "idle_timeout=SECONDS to the database URI (the query then ends after that many "
                "quiet seconds), read stored data with table(stream), or use a "
                "database in historical mode (the default, query_mode=table)."
            )
        super().execute(cursor, query, database, **kwargs)

    # --- SQL Lab, datasets -----------------------------------------------------------------------

    @classmethod
    def get_extra_table_metadata(cls, database: Database, table: Table) -> dict[str, Any]:
        return extra_table_metadata(database, table)

    @classmethod
    def get_metrics(
        cls, database: Database, inspector: Inspector, table: Table
    ) -> list[dict[str, Any]]:
        """count(), and max(_tp_time) for streams. A virtual (SQL) dataset has no stream of
        its name: count() only."""
        try:
            columns = inspector.get_columns(table.table, table.schema)
        except NoSuchTableError:
            columns = []
        return default_metrics([str(column["name"]) for column in columns])

    @classmethod
    def expand_data(
        cls, columns: list[Any], data: list[dict[Any, Any]]
    ) -> tuple[list[Any], list[dict[Any, Any]], list[Any]]:
        return expand_rows(columns, data)

    # --- cost estimate -------------------------------------------------------------------------

    @classmethod
    def get_allow_cost_estimate(cls, extra: dict[str, Any]) -> bool:
        """Timeplus has ``EXPLAIN ESTIMATE`` (SQL Lab shows it when the database's *Extra* has
        ``"cost_estimate_enabled": true`` and the ESTIMATE_QUERY_COST feature flag is on)."""
        return True

    @classmethod
    def estimate_statement_cost(
        cls, database: Database, statement: str, cursor: Any
    ) -> dict[str, Any]:
        """``EXPLAIN ESTIMATE`` of the statement as the connection would run it (historical
        mode: with ``query_mode='table'``, as the driver adds it): the streams read and the
        parts, rows and marks of their historical store. A streaming read has no estimate
        (the server refuses it)."""
        return statement_estimate(cursor, statement)

    @classmethod
    def query_cost_formatter(cls, raw_cost: list[dict[str, Any]]) -> list[dict[str, str]]:
        return [format_estimate(cost) for cost in raw_cost]

    # --- API key in Secure extra ---------------------------------------------------------------

    @classmethod
    def mask_encrypted_extra(cls, encrypted_extra: Optional[str]) -> Optional[str]:
        """Secure extra as API answers show it: every value replaced by the mask (anything
        else than a JSON object, e.g. the key alone in quotes, by the mask as a whole)."""
        config = _secure_extra(encrypted_extra)
        if config is None:
            return json.dumps(PASSWORD_MASK) if encrypted_extra and encrypted_extra.strip() \
                else encrypted_extra
        return json.dumps({key: PASSWORD_MASK for key in config})

    @classmethod
    def unmask_encrypted_extra(cls, old: Optional[str], new: Optional[str]) -> Optional[str]:
        """An edit that sends the mask back keeps the stored value."""
        if old and new == cls.mask_encrypted_extra(old):
            return old
        old_config, new_config = _secure_extra(old), _secure_extra(new)
        if old_config is None or new_config is None:
            return new
        kept = {
            key: old_config[key] if value == PASSWORD_MASK and key in old_config else value
            for key, value in new_config.items()
        }
        return json.dumps(kept)

    @staticmethod
    def get_extra_params(database: Database, source: Any = None) -> dict[str, Any]:
        """Extra, refusing an API key or password in its ``connect_args``: Superset stores and
        shows Extra as plain text (Secure extra is the encrypted, masked place)."""
        extra: dict[str, Any] = BaseEngineSpec.get_extra_params(database, source)
        connect_args = extra.get("engine_params", {}).get("connect_args", {})
        secrets = sorted({API_KEY, "password"} & set(connect_args))
        if secrets:
            raise SupersetException(
                f"Timeplus: {' and '.join(secrets)} in Extra's connect_args would be stored and "
                f'shown as plain text; put the API key in Secure extra ({{"{API_KEY}": "..."}}) '
                "and a password in the URI"
            )
        return extra

    @classmethod
    def update_params_from_encrypted_extra(cls, database: Database, params: dict[str, Any]) -> None:
        """``{"api_key": "..."}`` goes to the driver's ``connect()`` (never into the URL)."""
        config = _secure_extra(database.encrypted_extra)
        if not config:
            if config is None and (database.encrypted_extra or "").strip():
                raise SupersetException(
                    f'Timeplus Secure extra is a JSON object: {{"{API_KEY}": "..."}}'
                )
            return
        unknown = sorted(set(config) - {API_KEY})
        if unknown:
            raise SupersetException(
                f"Timeplus Secure extra takes only {API_KEY!r}; remove {', '.join(unknown)}"
            )
        key = config[API_KEY]
        if not isinstance(key, str) or not key:
            raise SupersetException(f"Timeplus Secure extra: {API_KEY!r} must be a non-empty text")
        params.setdefault("connect_args", {})[API_KEY] = key


def _secure_extra(text: Optional[str]) -> Optional[dict[str, Any]]:
    """The JSON object in ``text`` (JSON ``null``: an empty one); None when there is none
    (empty, not JSON, not an object)."""
    if not text or not text.strip():
        return None
    try:
        config = json.loads(text)
    except (TypeError, ValueError):
        return None
    if config is None:
        return {}
    return config if isinstance(config, dict) else None
