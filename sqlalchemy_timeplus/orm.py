"""ORM updates of rows in Timeplus Enterprise mutable streams.

Timeplus has no UPDATE statement. On a mutable stream an INSERT whose key exists replaces that
row (docs ``mutable-stream.md``: "Value with the same primary key(s) will be overwritten"), so
an ORM object changed in a session is written back as an INSERT of its whole row, built from
the identity map. A ``before_flush`` listener (registered on every ``Session`` when this
package is imported; it acts only on Timeplus binds and ``timeplus_mode="mutable"`` tables)
does it before the unit of work would emit its UPDATE, then marks the new values committed.

Refused with ``CompileError`` (never a half update): a changed primary key (that would be a
new row, not an update), and any column whose value is not loaded (expired or deferred), as
the INSERT would write its default instead. Objects on other streams reach the compiler's
UPDATE, which stays a ``CompileError``. ``session.add`` inserts and ``session.delete`` issues
``DELETE FROM ... WHERE <key>`` as usual.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, event, exc, insert
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, attributes

from .ddl import is_mutable

__all__ = ["upsert_changed_rows"]


def _row_of(state: Any, table: Any) -> dict[str, Any]:
    """The full row of ``state`` for ``table``; CompileError unless exact."""
    mapper = state.mapper
    row: dict[str, Any] = {}
    for column in table.columns:
        prop = mapper.get_property_by_column(column)
        if prop.key in state.unloaded:
            raise exc.CompileError(
                f"cannot update {table.name}: column {column.name!r} is not loaded (expired "
                "or deferred), and a mutable stream's update writes the whole row"
            )
        history = attributes.get_history(state.obj(), prop.key)
        if column.primary_key and history.deleted and history.deleted != [None]:
            raise exc.CompileError(
                f"cannot change the primary key {column.name!r} of a {table.name} row: on a "
                "mutable stream that is a new row (delete the old one and add a new one)"
            )
        row[column.key] = state.dict.get(prop.key)
    return row


def upsert_changed_rows(session: Session, flush_context: Any, instances: Any) -> None:
    """``before_flush``: write each changed object of a mutable stream as an INSERT."""
    for obj in list(session.dirty):
        state = sa_inspect(obj)
        table = getattr(state.mapper, "local_table", None)
        if not isinstance(table, Table) or not is_mutable(table) or not session.is_modified(obj):
            continue
        connection = session.connection(bind_arguments={"mapper": state.mapper})
        if connection.dialect.name != "timeplus":
            continue
        row = _row_of(state, table)
        connection.execute(insert(table).values(**row))
        for key in list(state.committed_state):
            attributes.set_committed_value(obj, key, state.dict.get(key))


event.listen(Session, "before_flush", upsert_changed_rows)
