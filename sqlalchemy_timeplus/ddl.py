"""DDL: streams from ``Table`` objects, view constructs, and the DDL compiler.

How ``Table.create()`` reaches the server: the DDL compiler renders ``CREATE STREAM ...`` (what
``str(CreateTable(t))`` and echo show), and the dialect's ``do_execute`` hands ``CreateTable``,
``DropTable`` and the view constructs to the driver's REST stream/view API instead
(``TimeplusClient.create_stream(...)`` / ``delete_stream`` / ``create_view`` / ``delete_view``),
with the arguments built here by :func:`stream_arguments` from the same ``Table``. Schema-qualified
tables (another database) are created with the compiled SQL, as the REST API addresses the
workspace's default database only.

Table options (``Table(..., timeplus_mode="versioned_kv", ...)``): ``timeplus_mode``,
``timeplus_primary_key`` (column name or list; defaults to the table's primary key columns for
the ``*_kv``/``changelog*`` modes), ``timeplus_event_time_column``, ``timeplus_ttl_expression``,
``timeplus_logstore_retention_bytes``, ``timeplus_logstore_retention_ms``, ``timeplus_settings``
(a dict of extra stream settings). ``Table.comment`` becomes the stream description.

``timeplus_mode="mutable"`` creates a Timeplus Enterprise mutable stream (``CREATE MUTABLE
STREAM``): its PRIMARY KEY is the table's primary key, and each ``Index(...)`` of the table
(``unique=True`` included, ``timeplus_storing=[...]`` for ``STORING``) becomes an ``INDEX``
clause of the CREATE. A ``CREATE INDEX`` of an index added later runs as ``ALTER STREAM ...
ADD INDEX``; ``DROP INDEX`` as ``ALTER STREAM ... DROP INDEX``. Other streams have no secondary
indexes: there ``CREATE INDEX``/``DROP INDEX`` are skipped when executed. CHECK/UNIQUE/FOREIGN
KEY constraints are left out of ``CREATE STREAM``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional, Union, cast

from sqlalchemy import exc, schema
from sqlalchemy import schema as schema_module
from sqlalchemy import types as sqltypes
from sqlalchemy.sql import compiler
from sqlalchemy.sql import ddl as sa_ddl
from sqlalchemy.sql.elements import ClauseElement

from timeplus_dbapi.ddl import MUTABLE, column_clauses, index_sql
from timeplus_dbapi.literals import render_literal

from . import types as tp

__all__ = [
    "CreateMaterializedView",
    "CreateView",
    "DropView",
    "TimeplusDDLCompiler",
    "Truncate",
    "stream_arguments",
]

_Executable: Any = getattr(sa_ddl, "ExecutableDDLElement", None) or sa_ddl.DDLElement

# Types that Timeplus cannot wrap in nullable(...).
_NEVER_NULLABLE = (tp.Array, sqltypes.ARRAY, tp.Map, tp.Tuple, tp.Nullable, sqltypes.JSON)
_KEYED_MODES = ("versioned_kv", "changelog_kv", "changelog", MUTABLE)
_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def table_option(table: schema.Table, name: str) -> Any:
    """A ``timeplus_<name>`` dialect option of ``table`` (None when unset)."""
    return table.dialect_options["timeplus"][name]


def column_type_sql(column: schema.Column[Any], type_compiler: Any) -> str:
    """The Timeplus type of ``column``, wrapped in ``nullable(...)`` when the column is nullable."""
    type_ = column.type
    nullable = column.nullable and not column.primary_key
    if isinstance(type_, tp.LowCardinality):
        inner = type_compiler.process(type_.type_)
        if nullable and not isinstance(type_.type_, tp.Nullable):
            inner = f"nullable({inner})"
        return f"low_cardinality({inner})"
    rendered: str = type_compiler.process(type_)
    if nullable and not isinstance(type_, _NEVER_NULLABLE):
        rendered = f"nullable({rendered})"
    return rendered


def primary_key_columns(table: schema.Table) -> list[str]:
    """The stream's PRIMARY KEY: the explicit option, else the table's key for keyed modes."""
    explicit = table_option(table, "primary_key")
    if explicit:
        return [explicit] if isinstance(explicit, str) else [str(k) for k in explicit]
    if table_option(table, "mode") in _KEYED_MODES:
        return [c.name for c in table.primary_key.columns]
    return []


def is_mutable(table: Optional[schema.Table]) -> bool:
    """``Table(..., timeplus_mode="mutable")``: a Timeplus Enterprise mutable stream."""
    return table is not None and table_option(table, "mode") == MUTABLE


def index_arguments(index: schema.Index) -> dict[str, Any]:
    """``{"name", "columns", "unique", "storing"}`` of a mutable stream's ``Index``."""
    if index.name is None or len(index.columns) != len(index.expressions):
        raise exc.CompileError("a mutable stream index needs a name and plain columns "
                               f"(not expressions): {index!r}")
    storing = index.dialect_options["timeplus"]["storing"] or []
    return {"name": str(index.name), "columns": [c.name for c in index.columns],
            "unique": bool(index.unique), "storing": [str(c) for c in storing]}


def checked_settings(settings: Any) -> dict[str, Any]:
    if settings is None:
        return {}
    if not isinstance(settings, Mapping):
        raise exc.ArgumentError("timeplus_settings must be a mapping of setting name to value")
    bad = [k for k in settings if not isinstance(k, str) or not _SETTING_NAME.match(k)]
    if bad:
        raise exc.ArgumentError(f"invalid stream setting names: {bad!r}")
    return dict(settings)


def _resolve_foreign_key_types(table: schema.Table) -> None:
    """Give typeless ``Column(ForeignKey(...))`` columns their target's type.

    SQLAlchemy copies the type when a foreign key is resolved, which normally happens while
    rendering constraints; streams have no constraints, so resolve them here.
    """
    for foreign_key in table.foreign_keys:
        try:
            foreign_key.column  # noqa: B018 - resolving sets the parent column's type
        except exc.SQLAlchemyError:
            continue


def stream_arguments(ddl_compiler: TimeplusDDLCompiler, table: schema.Table) -> dict[str, Any]:
    """Keyword arguments of ``TimeplusClient.create_stream`` describing ``table``."""
    _resolve_foreign_key_types(table)
    columns = []
    for column in table.columns:
        entry: dict[str, Any] = {
            "name": column.name,
            "type": column_type_sql(column, ddl_compiler.type_compiler),
        }
        default = ddl_compiler.get_column_default_string(column)
        if default is not None:
            entry["default"] = default
        if column.comment:
            entry["comment"] = column.comment
        columns.append(entry)
    keys = primary_key_columns(table)
    return {
        "name": table.name,
        "columns": columns,
        "mode": table_option(table, "mode"),
        "primary_key": keys or None,
        "event_time_column": table_option(table, "event_time_column"),
        "ttl_expression": table_option(table, "ttl_expression"),
        "logstore_retention_bytes": table_option(table, "logstore_retention_bytes"),
        "logstore_retention_ms": table_option(table, "logstore_retention_ms"),
        "description": table.comment,
        "settings": checked_settings(table_option(table, "settings")) or None,
        "indexes": [index_arguments(i) for i in sorted(table.indexes, key=lambda i: str(i.name))]
        if is_mutable(table) else None,
    }


# --- view constructs ---------------------------------------------------------------------------


def _view_name(name: Union[str, schema.Table]) -> str:
    return name.name if isinstance(name, schema.Table) else str(name)


class CreateView(_Executable):  # type: ignore[misc]
    """``CREATE VIEW [IF NOT EXISTS] name AS <select>``: executed through the REST view API."""

    __visit_name__ = "timeplus_create_view"
    materialized = False

    def __init__(
        self,
        name: Union[str, schema.Table],
        selectable: ClauseElement,
        *,
        if_not_exists: bool = False,
        schema: Optional[str] = None,
    ) -> None:
        self.name = _view_name(name)
        self.selectable = selectable
        self.if_not_exists = if_not_exists
        self.schema = schema
        self.target: Optional[str] = None


class CreateMaterializedView(CreateView):
    """``CREATE MATERIALIZED VIEW [IF NOT EXISTS] name [INTO target] AS <select>``."""

    materialized = True

    def __init__(
        self,
        name: Union[str, schema.Table],
        selectable: ClauseElement,
        *,
        into: Union[str, schema.Table, None] = None,
        if_not_exists: bool = False,
        schema: Optional[str] = None,
    ) -> None:
        super().__init__(name, selectable, if_not_exists=if_not_exists, schema=schema)
        self.target = _view_name(into) if into is not None else None


class DropView(_Executable):  # type: ignore[misc]
    """``DROP VIEW [IF EXISTS] name`` (views and materialized views alike)."""

    __visit_name__ = "timeplus_drop_view"

    def __init__(
        self,
        name: Union[str, schema.Table],
        *,
        if_exists: bool = False,
        schema: Optional[str] = None,
    ) -> None:
        self.name = _view_name(name)
        self.if_exists = if_exists
        self.schema = schema


class Truncate(_Executable):  # type: ignore[misc]
    """``TRUNCATE STREAM name`` (Timeplus Enterprise 2.6+): removes every row, keeps the stream."""

    __visit_name__ = "timeplus_truncate"

    def __init__(self, table: Union[str, schema.Table], *, schema: Optional[str] = None) -> None:
        self.name = _view_name(table)
        self.schema = table.schema if isinstance(table, schema_module.Table) else schema


# --- the DDL compiler ------------------------------------------------------------------------


class TimeplusDDLCompiler(compiler.DDLCompiler):
    """Renders ``CREATE STREAM``/``DROP STREAM`` and the view statements."""

    def _qualified(self, name: str, schema_name: Optional[str]) -> str:
        prefix = f"{self.preparer.quote_schema(schema_name)}." if schema_name else ""
        return prefix + str(self.preparer.quote(name))

    def visit_create_table(self, create: Any, **kw: Any) -> str:
        table = create.element
        arguments = stream_arguments(self, table)
        columns = []
        for column in arguments["columns"]:
            clauses = column_clauses(column.get("default"), column.get("comment"))
            columns.append(f"{self.preparer.quote(column['name'])} {column['type']}{clauses}")
        columns.extend(index_sql(i) for i in arguments["indexes"] or ())
        exists = "IF NOT EXISTS " if getattr(create, "if_not_exists", False) else ""
        kind = "MUTABLE STREAM" if is_mutable(table) else "STREAM"
        text = f"\nCREATE {kind} {exists}{self.preparer.format_table(table)} ("
        text += "\n\t" + ",\n\t".join(columns) + "\n)"
        return text + self._stream_clauses(arguments)

    def _stream_clauses(self, arguments: Mapping[str, Any]) -> str:
        text = ""
        if arguments["primary_key"]:
            keys = ", ".join(self.preparer.quote(k) for k in arguments["primary_key"])
            text += f"\nPRIMARY KEY ({keys})"
        if arguments["ttl_expression"]:
            text += f"\nTTL {arguments['ttl_expression']}"
        settings = {
            key: arguments[key]
            for key in (
                "mode",
                "event_time_column",
                "logstore_retention_bytes",
                "logstore_retention_ms",
            )
            if arguments[key] is not None and (key, arguments[key]) != ("mode", MUTABLE)
        }
        settings.update(arguments["settings"] or {})
        if settings:
            text += "\nSETTINGS " + ", ".join(
                f"{key}={render_literal(value)}" for key, value in settings.items()
            )
        if arguments["description"]:
            text += f"\nCOMMENT {render_literal(arguments['description'])}"
        return text

    def visit_drop_table(self, drop: Any, **kw: Any) -> str:
        exists = "IF EXISTS " if getattr(drop, "if_exists", False) else ""
        return f"\nDROP STREAM {exists}{self.preparer.format_table(drop.element)}"

    def visit_create_index(
        self,
        create: Any,
        include_schema: bool = False,
        include_table_schema: bool = True,
        **kw: Any,
    ) -> str:
        """``ALTER STREAM ... ADD INDEX`` on a mutable stream; elsewhere a comment (the dialect
        skips it: other streams have no secondary indexes)."""
        index = create.element
        if is_mutable(index.table):
            table = self.preparer.format_table(index.table)
            return f"ALTER STREAM {table} ADD {index_sql(index_arguments(index))}"
        return f"-- CREATE INDEX {index.name} skipped: Timeplus has no secondary indexes"

    def visit_drop_index(self, drop: Any, **kw: Any) -> str:
        index = drop.element
        if is_mutable(index.table):
            table = self.preparer.format_table(index.table)
            return f"ALTER STREAM {table} DROP INDEX {self.preparer.quote(index.name)}"
        return f"-- DROP INDEX {index.name} skipped: Timeplus has no secondary indexes"

    def visit_timeplus_create_view(self, create: CreateView, **kw: Any) -> str:
        kind = "MATERIALIZED VIEW" if create.materialized else "VIEW"
        exists = "IF NOT EXISTS " if create.if_not_exists else ""
        into = f" INTO {self.preparer.quote(create.target)}" if create.target else ""
        name = self._qualified(create.name, create.schema)
        return f"CREATE {kind} {exists}{name}{into} AS {self.view_query(create)}"

    def view_query(self, create: CreateView) -> str:
        """The view's SELECT with every value inlined (the view API takes plain SQL)."""
        # Compiled for a 'named' paramstyle so that '%' is not doubled: this text is sent as
        # is, without parameter substitution.
        text_dialect = cast(Any, type(self.dialect))(paramstyle="named")
        compiled = text_dialect.statement_compiler(
            text_dialect, create.selectable, compile_kwargs={"literal_binds": True}
        )
        return str(compiled)

    def visit_timeplus_truncate(self, truncate: Truncate, **kw: Any) -> str:
        return f"TRUNCATE STREAM {self._qualified(truncate.name, truncate.schema)}"

    def visit_timeplus_drop_view(self, drop: DropView, **kw: Any) -> str:
        exists = "IF EXISTS " if drop.if_exists else ""
        return f"DROP VIEW {exists}{self._qualified(drop.name, drop.schema)}"

    def visit_set_table_comment(self, create: Any, **kw: Any) -> str:
        raise exc.CompileError("Timeplus cannot change a stream's comment after creation")

    def visit_set_column_comment(self, create: Any, **kw: Any) -> str:
        raise exc.CompileError("Timeplus sets a column's comment only when the stream is created")


def view_arguments(ddl_compiler: TimeplusDDLCompiler, create: CreateView) -> dict[str, Any]:
    """Keyword arguments of ``TimeplusClient.create_view`` for a view construct."""
    return {
        "name": create.name,
        "query": ddl_compiler.view_query(create),
        "materialized": create.materialized,
        "target_stream": create.target,
        "if_not_exists": create.if_not_exists,
    }
