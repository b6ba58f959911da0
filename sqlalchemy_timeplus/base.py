"""The driver-agnostic part of the Timeplus dialect: capabilities, compilers, type names.

Timeplus (a streaming SQL database, a ClickHouse fork) has no transactions, no UPDATE/DELETE,
no RETURNING, no sequences or autoincrement, no constraints and no secondary indexes. Streams
are append-only tables; every stream also has ``_tp_time datetime64(3, 'UTC')``.

The driver binding (REST client, DDL through the stream API, reflection) lives in
:mod:`sqlalchemy_timeplus.dialect`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import exc, schema
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import default

from . import types as tp
from .compiler import TimeplusCompiler, TimeplusIdentifierPreparer, TimeplusTypeCompiler
from .ddl import TimeplusDDLCompiler
from .execution import TimeplusExecutionContext

__all__ = ["ISCHEMA_NAMES", "TimeplusBaseDialect", "dialect_flag"]

# Lookup of Timeplus type names for ``dialect.ischema_names`` (reflection uses the full parser).
ISCHEMA_NAMES: dict[str, type[Any]] = {
    **tp.SIMPLE_TYPE_NAMES,
    "decimal": tp.Decimal,
    "fixed_string": tp.FixedString,
    "datetime": tp.DateTime,
    "datetime64": tp.DateTime64,
    "enum8": tp.Enum8,
    "enum16": tp.Enum16,
    "array": tp.Array,
    "map": tp.Map,
    "tuple": tp.Tuple,
    "nullable": tp.Nullable,
    "low_cardinality": tp.LowCardinality,
}

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import IsolationLevel

AUTOCOMMIT: IsolationLevel = "AUTOCOMMIT"
_TRUE_WORDS = ("1", "true", "yes", "on")
_FALSE_WORDS = ("0", "false", "no", "off")


def dialect_flag(name: str, value: Any) -> bool:
    """A boolean dialect option from a URL or keyword value; other words raise ArgumentError."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE_WORDS or word in _FALSE_WORDS:
        return word in _TRUE_WORDS
    raise exc.ArgumentError(f"{name} must be true or false, not {value!r}")


class TimeplusBaseDialect(default.DefaultDialect):
    """Timeplus SQL, independent of the driver."""

    name = "timeplus"
    default_paramstyle = "pyformat"
    supports_statement_cache = True

    statement_compiler = TimeplusCompiler
    execution_ctx_cls = TimeplusExecutionContext
    ddl_compiler = TimeplusDDLCompiler
    type_compiler = TimeplusTypeCompiler
    type_compiler_cls = TimeplusTypeCompiler
    preparer = TimeplusIdentifierPreparer  # type: ignore[assignment]
    ischema_names = ISCHEMA_NAMES

    max_identifier_length = 255
    requires_name_normalize = False
    supports_alter = False
    supports_comments = True  # column COMMENT and the stream's COMMENT, set at creation
    inline_comments = True
    supports_sequences = False
    sequences_optional = False
    supports_native_boolean = True
    supports_native_decimal = True
    supports_native_enum = True
    supports_native_uuid = True
    supports_simple_order_by_label = True
    supports_is_distinct_from = True  # compiled as null-safe equality
    div_is_floordiv = False
    supports_default_values = False
    supports_default_metavalue = False
    supports_empty_insert = False
    supports_multivalues_insert = True
    cte_follows_insert = True  # INSERT INTO s WITH cte AS (...) SELECT ...
    use_insertmanyvalues = False
    use_insertmanyvalues_wo_returning = False
    insert_returning = False
    update_returning = False
    delete_returning = False
    implicit_returning = False
    full_returning = False
    postfetch_lastrowid = False
    preexecute_autoincrement_sequences = False
    supports_sane_rowcount = False
    supports_sane_multi_rowcount = False
    supports_server_side_cursors = False
    returns_unicode_strings: Any = getattr(
        sqltypes.String, "RETURNS_UNICODE", True
    )  # 1.4: a symbol
    supports_unicode_statements = True  # SQLAlchemy 1.4: str values and SQL, never bytes
    supports_unicode_binds = True
    description_encoding = None
    default_schema_name = "default"

    construct_arguments = [  # noqa: RUF012
        (
            schema.Table,
            {
                "mode": None,
                "primary_key": None,
                "event_time_column": None,
                "ttl_expression": None,
                "logstore_retention_bytes": None,
                "logstore_retention_ms": None,
                "settings": None,
            },
        ),
        (schema.Index, {"storing": None}),  # STORING (...) of a mutable stream's index
    ]

    colspecs: dict[type[Any], type[Any]] = {  # noqa: RUF012
        sqltypes.JSON: tp.Json,
        sqltypes.LargeBinary: tp.Binary,
        sqltypes._Binary: tp.Binary,  # BINARY, VARBINARY, BLOB
    }

    def __init__(self, reflect_reserved_columns: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reflect_reserved_columns = dialect_flag(
            "reflect_reserved_columns", reflect_reserved_columns
        )

    # --- connections without transactions ------------------------------------------------

    def get_isolation_level_values(self, dbapi_connection: Any) -> Sequence[IsolationLevel]:
        return [AUTOCOMMIT]

    def get_isolation_level(self, dbapi_connection: Any) -> IsolationLevel:
        return AUTOCOMMIT

    def get_default_isolation_level(self, dbapi_connection: Any) -> IsolationLevel:
        return AUTOCOMMIT

    def set_isolation_level(self, dbapi_connection: Any, level: IsolationLevel) -> None:
        if level != AUTOCOMMIT:
            raise exc.ArgumentError(
                f"Timeplus has no transactions; the only isolation level is {AUTOCOMMIT}, "
                f"not {level!r}"
            )

    def reset_isolation_level(self, dbapi_connection: Any) -> None:
        """Nothing to reset: the only level is AUTOCOMMIT."""

    def _get_default_schema_name(self, connection: Any) -> str:
        """The connection's ``database`` (the URL's ``?database=``; ``default`` without it)."""
        pooled = connection.connection  # SQLAlchemy 1.4's first connect: the DB-API one itself
        params = getattr(getattr(pooled, "dbapi_connection", pooled), "params", None)
        return str(getattr(params, "database", "default"))

    def type_descriptor(self, typeobj: Any) -> Any:
        return sqltypes.adapt_type(typeobj, self.colspecs)
