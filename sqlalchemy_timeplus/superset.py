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
* file upload (CSV, Excel, columnar) into a stream of the default database, written by
  :func:`sqlalchemy_timeplus.pandas.write_frame` (the REST ingest, columns converted vectorised)
  instead of ``DataFrame.to_sql``'s row-by-row path;
* SQL Lab parsing with the Timeplus sqlglot dialect (:mod:`sqlalchemy_timeplus.sqlglot_dialect`),
  registered in Superset's engine -> dialect table when this module is imported.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional, Union

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import types
from sqlalchemy.engine.url import URL
from superset.db_engine_specs.base import BaseEngineSpec
from superset.errors import SupersetErrorType
from superset.exceptions import SupersetException
from superset.utils.core import GenericDataType

from .base import TimeplusBaseDialect
from .pandas import write_frame
from .superset_sql import (
    EPOCH_MS_TO_DATETIME,
    EPOCH_S_TO_DATETIME,
    TIME_GRAIN_EXPRESSIONS,
    TIMEPLUS_FUNCTION_NAMES,
    datetime_literal,
    value_type,
    with_default_query_mode,
)

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.types import TypeEngine
    from superset.models.core import Database
    from superset.models.sql_lab import Query
    from superset.sql.parse import Table

__all__ = [
    "TimeplusEngineSpec",
    "UploadOptions",
    "frame_to_upload",
    "refuse_sub_microsecond_times",
    "upload_options",
]

logger = logging.getLogger(__name__)

# Superset generic types by canonical Timeplus type name (after nullable/low_cardinality).
_NUMERIC = GenericDataType.NUMERIC
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
_DEFAULT_COLUMN_TYPE: tuple[type[TypeEngine[Any]], GenericDataType] = (
    types.String,
    GenericDataType.STRING,
)


# Timeplus server messages (as the driver passes them on) -> Superset error types, so SQL Lab and
# the database form show a specific message instead of a generic engine error.
_CUSTOM_ERRORS: dict[re.Pattern[str], tuple[str, SupersetErrorType, dict[str, Any]]] = {
    re.compile(r"Stream (?P<stream>\S+) doesn't exist"): (
        'The stream "%(stream)s" does not exist.',
        SupersetErrorType.TABLE_DOES_NOT_EXIST_ERROR,
        {},
    ),
    re.compile(r"Missing columns: '(?P<column>[^']+)'"): (
        'The column "%(column)s" does not exist.',
        SupersetErrorType.COLUMN_DOES_NOT_EXIST_ERROR,
        {},
    ),
    re.compile(r"Syntax error: (?P<detail>[^\[]*[^\[\s])"): (
        "Timeplus could not parse the query: %(detail)s",
        SupersetErrorType.SYNTAX_ERROR,
        {},
    ),
    re.compile(r"Authentication failed|code 516\]"): (
        "Timeplus rejected the credentials (user and password, or API key).",
        SupersetErrorType.CONNECTION_ACCESS_DENIED_ERROR,
        {"invalid": ["username", "password"]},
    ),
    re.compile(r"connection failed on .*\[host (?P<host>[^\],]+)"): (
        'Timeplus at "%(host)s" cannot be reached.',
        SupersetErrorType.CONNECTION_HOST_DOWN_ERROR,
        {"invalid": ["host", "port"]},
    ),
}


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
    has_query_id_before_execute = False  # the server assigns the query id on execute

    _time_grain_expressions = TIME_GRAIN_EXPRESSIONS
    custom_errors = _CUSTOM_ERRORS

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

    @classmethod
    def get_column_types(
        cls, column_type: Optional[str]
    ) -> Optional[tuple[TypeEngine[Any], GenericDataType]]:
        spec = value_type(column_type)
        if spec is None or spec.name == "nothing":
            return None
        sqla_type, generic_type = _COLUMN_TYPES.get(spec.name, _DEFAULT_COLUMN_TYPE)
        return sqla_type(), generic_type

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
        """Run in historical mode unless the URI or connect_args already chose a query mode."""
        return with_default_query_mode(uri, connect_args), connect_args

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


@dataclass(frozen=True)
class UploadOptions:
    """What ``df_to_sql`` honours of Superset's ``to_sql_kwargs``."""

    if_exists: str
    index: bool
    index_label: Optional[Union[str, Sequence[str]]]


# to_sql keywords an upload may bring (chunksize and method are not needed by write_frame)
_UPLOAD_KWARGS = frozenset(
    {"name", "schema", "if_exists", "index", "index_label", "dtype", "chunksize", "method"}
)
_IF_EXISTS = ("fail", "replace", "append")
_RESERVED_PREFIX = "_tp_"


def upload_options(table: Table, to_sql_kwargs: dict[str, Any]) -> UploadOptions:
    """Check ``to_sql_kwargs`` and the target ``table`` for what a Timeplus upload can do."""
    unknown = sorted(set(to_sql_kwargs) - _UPLOAD_KWARGS)
    if unknown:
        raise SupersetException(f"Timeplus uploads do not support the options {unknown}")
    default = TimeplusBaseDialect.default_schema_name
    for schema in (table.schema, to_sql_kwargs.get("schema")):
        if schema not in (None, "", default):
            raise SupersetException(
                f"Timeplus uploads go to the {default!r} database only: the REST ingest "
                f"endpoint cannot write to streams of database {schema!r}"
            )
    if to_sql_kwargs.get("dtype"):
        raise SupersetException(
            "Timeplus uploads do not take column types (dtype): the stream's types are "
            "inferred from the file's data"
        )
    if_exists = str(to_sql_kwargs.get("if_exists", "fail"))
    if if_exists not in _IF_EXISTS:
        raise SupersetException(
            f"if_exists={if_exists!r} is not one of {', '.join(_IF_EXISTS)} for a Timeplus upload"
        )
    index = bool(to_sql_kwargs.get("index", False))
    return UploadOptions(if_exists, index, to_sql_kwargs.get("index_label") if index else None)


def frame_to_upload(df: pd.DataFrame, options: UploadOptions) -> pd.DataFrame:
    """``df`` with its index as leading columns when asked (named by ``index_label``, else as
    ``to_sql`` names them); refuses column names Timeplus reserves or repeats."""
    frame = df
    if options.index:
        label = options.index_label
        if label is not None:
            labels = [label] if isinstance(label, str) else list(label)
            if len(labels) != frame.index.nlevels:
                raise SupersetException(
                    f"index_label names {len(labels)} columns for an index of "
                    f"{frame.index.nlevels} levels"
                )
            frame = frame.rename_axis(labels)
        names = [str(name) for name in frame.columns]
        clash = sorted(set(names) & {str(name) for name in frame.index.names if name is not None})
        if clash:
            raise SupersetException(f"the index label {clash[0]!r} is also a column of the file")
        frame = frame.reset_index()
    names = [str(name) for name in frame.columns]
    reserved = [name for name in names if name.startswith(_RESERVED_PREFIX)]
    if reserved:
        raise SupersetException(
            f"column {reserved[0]!r}: Timeplus reserves column names starting with "
            f"{_RESERVED_PREFIX!r} (every stream has its own _tp_time); rename it"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise SupersetException(f"column {repeated[0]!r} appears more than once")
    return frame


def refuse_sub_microsecond_times(frame: pd.DataFrame) -> None:
    """Refuse datetime columns with times finer than the microsecond a new stream keeps."""
    import pandas as pd

    for label, series in frame.items():
        dtype = series.dtype
        if not (isinstance(dtype, pd.DatetimeTZDtype) or getattr(dtype, "kind", "") == "M"):
            continue
        times = series.dropna()
        finer = times.dt.nanosecond != 0
        if bool(finer.any()):
            raise SupersetException(
                f"column {str(label)!r} has times finer than a microsecond "
                f"({times[finer].iloc[0]}); a stream created by an upload stores datetime64(6): "
                "round them, or create the stream with datetime64(9) and append"
            )


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
