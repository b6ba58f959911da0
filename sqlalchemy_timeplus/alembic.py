"""Alembic support: the ``timeplus`` migration impl, registered when Alembic is installed.

Alembic finds an impl by dialect name in a registry filled when an impl class is defined, so
this module must be imported before a migration runs. That happens without user setup: the
package declares an ``alembic.plugins`` entry point (Alembic loads those when it is imported),
and the dialect imports this module whenever Alembic is already imported (older Alembic, or a
package installed without its entry points).

What the impl does:

* The version table is a ``changelog_kv`` stream keyed by ``version_num``: Alembic's INSERT stays
  an INSERT; its ``DELETE ... WHERE version_num = 'x'`` (and the unconditional DELETE of
  ``stamp --purge``) compiles to ``INSERT ... SELECT version_num, -1 FROM table(...)``, a delete
  row for each matching live version; its UPDATE runs as that delete plus an insert. A
  historical read of the stream shows the live keys only, so Alembic's own SELECT reads the
  current heads unchanged. Only the version table's DELETE compiles; others stay refused.
* ``add_column`` is ``ALTER STREAM ... ADD COLUMN``; a rename is ``ALTER STREAM ... RENAME
  COLUMN``. Dropping a column and changing a type, nullability or default rebuild the stream
  (:mod:`sqlalchemy_timeplus.alembic_rebuild`).
* ``transactional_ddl`` is false: each statement is applied as it runs. A migration that fails
  partway leaves the statements before the failure applied, and the version table at the last
  migration that completed.
* ``op.modify_stream_ttl``, ``op.modify_stream_settings``, ``op.create_view``,
  ``op.create_materialized_view`` and ``op.drop_view``: :mod:`sqlalchemy_timeplus.alembic_ops`.
* Autogenerate skips the reserved ``_tp_*`` columns of reflected streams, compares types by the
  Timeplus type they create, does not report the nullability Timeplus imposes (array, map,
  tuple and json columns are never nullable, ``Nullable(T)`` always), and renders Timeplus types
  with ``from sqlalchemy_timeplus.types import ...`` in the migration file. Stream TTL and
  retention are compared too (:mod:`sqlalchemy_timeplus.alembic_compare`).
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from typing import Any, Optional

import sqlalchemy as sa
from alembic.ddl import base as alembic_base
from alembic.ddl.impl import DefaultImpl
from alembic.util import CommandError
from sqlalchemy.ext.compiler import compiles

from timeplus_dbapi.literals import render_literal
from timeplus_dbapi.typesystem import parse_type

from . import alembic_ops  # noqa: F401 - registers op.modify_stream_ttl, op.create_view, ...
from . import types as tp
from .alembic_rebuild import RESERVED_PREFIX, rebuild_stream
from .ddl import column_type_sql
from .reflection import split_nullable

__all__ = ["TimeplusImpl", "setup"]

_NO_RENAME = (
    "cannot recreate or rename stream {name!r}: Timeplus has no RENAME STREAM (op.rename_table "
    "or batch_alter_table(recreate='always'); with the default recreate='auto' each batch "
    "operation runs alone, rebuilding the stream where needed)"
)
_VERSION_TABLE_MARK = "timeplus_alembic_version"
_VERSION_CONDITION = re.compile(r"version_num = '([^']*)'\Z")
_CALLED_NAME = re.compile(r"\b([A-Z][A-Za-z0-9]*)\(")


def _skip_reserved(user_filter: Any) -> Any:
    """An ``include_name`` filter that drops ``_tp_*`` columns, then asks the user's filter."""

    def include_name(name: Optional[str], type_: str, parent_names: Any) -> bool:
        if type_ == "column" and name is not None and name.startswith(RESERVED_PREFIX):
            return False
        return True if user_filter is None else bool(user_filter(name, type_, parent_names))

    return include_name


def _quoted_version(clause: Any) -> Optional[str]:
    """The revision in Alembic's ``version_num = '<rev>'`` clause (None for no clause)."""
    if clause is None:
        return None
    found = _VERSION_CONDITION.search(str(clause))
    if found is None:
        raise sa.exc.CompileError(f"unexpected version table condition: {clause}")
    return found.group(1)


def _is_version_table(table: Any) -> bool:
    return bool(getattr(table, "info", {}).get(_VERSION_TABLE_MARK))


@compiles(sa.sql.Delete, "timeplus")
def _delete(element: Any, compiler: Any, **kw: Any) -> str:
    """A DELETE of Alembic's version table as delete rows; any other DELETE as the dialect has it.

    ``DELETE ... WHERE version_num = 'x'`` inserts ``('x', -1)`` when ``x`` is there; a DELETE
    without a condition (``stamp --purge``) inserts a delete row for every current version.
    """
    if not _is_version_table(element.table):
        return str(compiler.visit_delete(element, **kw))
    name = compiler.preparer.format_table(element.table)
    version = _quoted_version(element.whereclause)
    where = "" if version is None else f" WHERE version_num = {render_literal(version)}"
    return (f"INSERT INTO {name} (version_num, _tp_delta) "
            f"SELECT version_num, -1 FROM table({name}){where}")


def _created_type(impl: DefaultImpl, column: Any) -> tuple[str, bool]:
    """The value type ``CREATE STREAM`` gives ``column`` and whether it is made nullable."""
    created = column_type_sql(column, impl.dialect.type_compiler)
    value, nullable = split_nullable(parse_type(created))
    return str(value), nullable


class TimeplusImpl(DefaultImpl):
    """Alembic's impl for Timeplus streams (see the module docstring)."""

    __dialect__ = "timeplus"
    transactional_ddl = False

    def __init__(self, dialect: Any, connection: Any, as_sql: bool, *args: Any, **kw: Any):
        super().__init__(dialect, connection, as_sql, *args, **kw)
        # Imported here: Alembic loads this module while alembic.autogenerate is half-imported.
        from . import alembic_compare  # noqa: F401 - registers the stream option comparator

        self.context_opts["include_name"] = _skip_reserved(self.context_opts.get("include_name"))
        self.context_opts["include_object"] = self._skip_same_streams(
            self.context_opts.get("include_object"))

    def _skip_same_streams(self, user_filter: Any) -> Any:
        """An ``include_object`` filter that skips columns whose stream column is as declared.

        A column of a type Timeplus cannot wrap (array, map, tuple, json) is created not
        nullable, and a ``Nullable(T)`` column nullable, whatever ``nullable=`` says: such a
        column is left out of the comparison when its type matches and the nullability is the
        one it was created with.
        """

        def include_object(obj: Any, name: Any, type_: str, reflected: bool, other: Any) -> bool:
            if user_filter is not None and not user_filter(obj, name, type_, reflected, other):
                return False
            if type_ != "column" or reflected or other is None or obj.nullable == other.nullable:
                return True
            return self.compare_type(other, obj) or _created_type(self, obj)[1] != other.nullable

        return include_object

    # --- the version table --------------------------------------------------------------------

    def version_table_impl(
        self,
        *,
        version_table: str,
        version_table_schema: Optional[str],
        version_table_pk: bool,
        **kw: Any,
    ) -> sa.Table:
        return sa.Table(
            version_table,
            sa.MetaData(),
            sa.Column("version_num", sa.String(32), primary_key=True, nullable=False),
            schema=version_table_schema,
            timeplus_mode="changelog_kv",
            info={_VERSION_TABLE_MARK: True},
        )

    def _exec(self, construct: Any, *args: Any, **kw: Any) -> Any:
        if isinstance(construct, sa.sql.Update) and _is_version_table(construct.table):
            return self._move_version(construct)
        return super()._exec(construct, *args, **kw)

    def _move_version(self, update: Any) -> None:
        """Alembic's ``UPDATE ... SET version_num = y WHERE version_num = x``: x out, y in."""
        table = update.table
        values: Any = update._values
        added = next(v for k, v in values.items() if getattr(k, "key", k) == "version_num")
        super()._exec(table.delete().where(update.whereclause))
        super()._exec(table.insert().values(version_num=added))

    # --- autogenerate ------------------------------------------------------------------------

    def render_type(self, type_: Any, autogen_context: Any) -> Any:
        """Timeplus types by class name, imported from ``sqlalchemy_timeplus.types``."""
        if not type(type_).__module__.startswith("sqlalchemy_timeplus"):
            return False
        text = repr(type_)
        names = sorted(set(_CALLED_NAME.findall(text)) & set(dir(tp)))
        if autogen_context.imports is not None and names:
            autogen_context.imports.add(f"from sqlalchemy_timeplus.types import {', '.join(names)}")
        return text

    def compare_type(self, inspector_column: Any, metadata_column: Any) -> bool:
        """True when the columns' Timeplus value types differ (nullability aside, compared
        by its own comparator; ``sa.String`` equals ``tp.String``)."""
        return _created_type(self, inspector_column)[0] != _created_type(self, metadata_column)[0]

    # --- operations ---------------------------------------------------------------------------

    def rename_table(self, old_table_name: str, new_table_name: Any,
                     schema: Optional[str] = None) -> None:
        raise CommandError(_NO_RENAME.format(name=old_table_name))

    def prep_table_for_batch(self, batch_impl: Any, table: Any) -> None:
        """Refuse Alembic's own recreate (it drops the stream, then cannot rename the copy)."""
        raise CommandError(_NO_RENAME.format(name=table.name))

    def drop_column(self, table_name: str, column: Any, *, schema: Optional[str] = None,
                    **kw: Any) -> None:
        rebuild_stream(self, table_name, schema, drop=column.name)

    def alter_column(self, table_name: str, column_name: str, *, schema: Optional[str] = None,
                     **kw: Any) -> None:
        """A rename is RENAME COLUMN; type, nullability and default changes rebuild the stream."""
        if kw.get("comment", False) is not False:
            raise CommandError(f"cannot set a comment on {table_name}.{column_name}: "
                               "Timeplus sets column comments only when a stream "
                               "is created")
        changes: dict[str, Any] = {}
        if kw.get("type_") is not None:
            changes["type_"] = kw["type_"]
        if kw.get("nullable") is not None:
            changes["nullable"] = kw["nullable"]
        if kw.get("server_default", False) is not False:
            changes["server_default"] = kw["server_default"]
        if changes:
            rebuild_stream(self, table_name, schema, alter=(column_name, changes))
        new_name = kw.get("name")
        if new_name is not None and new_name != column_name:
            self._exec(alembic_base.ColumnName(table_name, column_name, new_name, schema=schema))


def _stream(compiler: Any, name: str, schema: Optional[str]) -> str:
    return str(alembic_base.format_table_name(compiler, name, schema))


@compiles(alembic_base.AddColumn, "timeplus")
def _add_column(element: Any, compiler: Any, **kw: Any) -> str:
    column = element.column
    text = (f"ALTER STREAM {_stream(compiler, element.table_name, element.schema)} ADD COLUMN "
            f"{compiler.preparer.quote(column.name)} "
            f"{column_type_sql(column, compiler.dialect.type_compiler)}")
    default = compiler.get_column_default_string(column)
    return text + (f" DEFAULT {default}" if default is not None else "")


@compiles(alembic_base.ColumnName, "timeplus")
def _rename_column(element: Any, compiler: Any, **kw: Any) -> str:
    return (f"ALTER STREAM {_stream(compiler, element.table_name, element.schema)} RENAME COLUMN "
            f"{compiler.preparer.quote(element.column_name)} TO "
            f"{compiler.preparer.quote(element.newname)}")


def setup(plugin: Any) -> None:
    """The ``alembic.plugins`` entry point: importing this module registered the impl."""


class _PluginModule(types.ModuleType):
    """This module, iterable as the one module it is.

    Alembic 1.20+ takes the module an ``alembic.plugins`` entry point loads; Alembic before 1.20
    (the newest that runs on SQLAlchemy 1.4, e.g. under Superset 6.1) iterates over it instead,
    and a plain module made ``import alembic`` itself fail with "'module' object is not
    iterable". Both now call :func:`setup` once.
    """

    def __iter__(self) -> Iterator[types.ModuleType]:
        return iter((self,))


sys.modules[__name__].__class__ = _PluginModule
