"""Alembic support: the ``timeplus`` migration impl, registered when Alembic is installed.

Alembic finds an impl by dialect name in a registry filled when an impl class is defined, so
this module must be imported before a migration runs. That happens without user setup: the
package declares an ``alembic.plugins`` entry point (Alembic loads those when it is imported),
and the dialect imports this module whenever Alembic is already imported (older Alembic, or a
package installed without its entry points).

What the impl does:

* The version table is a ``changelog_kv`` stream keyed by ``version_num``: Alembic's INSERT stays
  an INSERT, its ``DELETE ... WHERE version_num = x`` becomes an insert of ``x`` with
  ``_tp_delta = -1``, its UPDATE a delete plus an insert. A historical read of the stream shows
  the live keys only, so Alembic's own SELECT reads the current heads unchanged.
* ``add_column`` is ``ALTER STREAM ... ADD COLUMN``; a rename is ``ALTER STREAM ... RENAME
  COLUMN``. Dropping a column and changing a type, nullability or default rebuild the stream
  (:mod:`sqlalchemy_timeplus.alembic_rebuild`).
* ``transactional_ddl`` is false: each statement is applied as it runs. A migration that fails
  partway leaves the statements before the failure applied, and the version table at the last
  migration that completed.
* Autogenerate skips the reserved ``_tp_*`` columns of reflected streams.
"""

from __future__ import annotations

import re
from typing import Any, Optional

import sqlalchemy as sa
from alembic.ddl import base as alembic_base
from alembic.ddl.impl import DefaultImpl
from sqlalchemy.ext.compiler import compiles

from . import types as tp
from .alembic_rebuild import rebuild_stream
from .ddl import column_type_sql

__all__ = ["TimeplusImpl", "setup"]

_RESERVED_PREFIX = "_tp_"
_VERSION_CONDITION = re.compile(r"version_num = '([^']*)'\Z")
_CALLED_NAME = re.compile(r"\b([A-Z][A-Za-z0-9]*)\(")


def _squeezed(type_text: str) -> str:
    return re.sub(r"\s+", "", type_text).lower()


def _skip_reserved(user_filter: Any) -> Any:
    """An ``include_name`` filter that drops ``_tp_*`` columns, then asks the user's filter."""

    def include_name(name: Optional[str], type_: str, parent_names: Any) -> bool:
        if type_ == "column" and name is not None and name.startswith(_RESERVED_PREFIX):
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


class TimeplusImpl(DefaultImpl):
    """Alembic's impl for Timeplus streams (see the module docstring)."""

    __dialect__ = "timeplus"
    transactional_ddl = False

    def __init__(self, dialect: Any, connection: Any, as_sql: bool, *args: Any, **kw: Any):
        super().__init__(dialect, connection, as_sql, *args, **kw)
        self.context_opts["include_name"] = _skip_reserved(self.context_opts.get("include_name"))

    # --- the version table --------------------------------------------------------------------

    def version_table_impl(
        self,
        *,
        version_table: str,
        version_table_schema: Optional[str],
        version_table_pk: bool,
        **kw: Any,
    ) -> sa.Table:
        self._version_table = (version_table_schema, version_table)
        return sa.Table(
            version_table,
            sa.MetaData(),
            sa.Column("version_num", sa.String(32), primary_key=True, nullable=False),
            schema=version_table_schema,
            timeplus_mode="changelog_kv",
        )

    def _is_version_table(self, construct: Any) -> bool:
        table = getattr(construct, "table", None)
        found = (getattr(table, "schema", None), getattr(table, "name", None))
        return hasattr(self, "_version_table") and found == self._version_table

    def _exec(self, construct: Any, *args: Any, **kw: Any) -> Any:
        if isinstance(construct, (sa.sql.Update, sa.sql.Delete)) and self._is_version_table(
            construct
        ):
            self._change_versions(construct)
            return None
        return super()._exec(construct, *args, **kw)

    def _change_versions(self, construct: Any) -> None:
        """Alembic's UPDATE/DELETE of the version table as changelog rows."""
        table = construct.table
        removed = _quoted_version(construct.whereclause)
        if removed is None:  # a purge: every current head
            connection: Any = self.connection
            gone = [r[0] for r in connection.execute(sa.select(table.c.version_num))]
        else:
            gone = [removed]
        for version in gone:
            self._write_version(table, version, -1)
        if isinstance(construct, sa.sql.Update):
            values: Any = construct._values
            added = next(v for k, v in values.items()
                         if getattr(k, "key", k) == "version_num")
            self._write_version(table, str(added).strip("'"), 1)

    def _write_version(self, table: sa.Table, version: str, delta: int) -> None:
        name = self.dialect.identifier_preparer.format_table(table)
        statement = sa.text(
            f"INSERT INTO {name} (version_num, _tp_delta) VALUES (:version, {int(delta)})"
        ).bindparams(version=version)
        super()._exec(statement if not self.as_sql else statement.compile(
            dialect=self.dialect, compile_kwargs={"literal_binds": True}
        ).string)

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
        """True when the two columns' Timeplus type names differ (``String`` = ``tp.String``)."""
        render = self.dialect.type_compiler.process
        return bool(_squeezed(render(inspector_column.type))
                    != _squeezed(render(metadata_column.type)))

    # --- operations ---------------------------------------------------------------------------

    def drop_column(self, table_name: str, column: Any, *, schema: Optional[str] = None,
                    **kw: Any) -> None:
        rebuild_stream(self, table_name, schema, drop=column.name)

    def alter_column(self, table_name: str, column_name: str, *, schema: Optional[str] = None,
                     **kw: Any) -> None:
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
