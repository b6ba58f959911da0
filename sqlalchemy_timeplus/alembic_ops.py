"""Alembic operations for what Timeplus has and Alembic does not name (imported with the impl).

* ``op.modify_stream_ttl(name, "to_datetime(_tp_time) + INTERVAL 7 DAY")`` is ``ALTER STREAM
  name MODIFY TTL ...``; ``ttl_expression=None`` is ``REMOVE TTL``.
* ``op.modify_stream_settings(name, logstore_retention_ms=3600000)`` is ``ALTER STREAM name
  MODIFY SETTING ...`` (Timeplus allows the ``logstore_*`` retention and flush settings).
* ``op.create_view(name, select)``, ``op.create_materialized_view(name, select, into=None)`` and
  ``op.drop_view(name, if_exists=False)`` run the dialect's view constructs (REST view API);
  ``select`` is a Core selectable or SQL text. A created view's reverse is its drop.

The TTL and settings operations take the old value (``existing_ttl_expression=``,
``existing={...}``) for their reverse, as autogenerate writes them
(:mod:`sqlalchemy_timeplus.alembic_compare`).
"""

from __future__ import annotations

from typing import Any, Optional, Union

import sqlalchemy as sa
from alembic.operations import MigrateOperation, Operations

from timeplus_dbapi.literals import render_literal

from .ddl import CreateMaterializedView, CreateView, DropView, checked_settings

__all__ = ["CreateViewOp", "DropViewOp", "ModifyStreamSettingsOp", "ModifyStreamTTLOp"]

Selectable = Union[str, Any]


def _stream(operations: Any, name: str, schema: Optional[str]) -> str:
    preparer = operations.impl.dialect.identifier_preparer
    prefix = f"{preparer.quote_schema(schema)}." if schema else ""
    return prefix + str(preparer.quote(name))


@Operations.register_operation("modify_stream_ttl")
class ModifyStreamTTLOp(MigrateOperation):
    """``ALTER STREAM ... MODIFY TTL <expression>`` (``REMOVE TTL`` for None)."""

    def __init__(self, table_name: str, ttl_expression: Optional[str],
                 schema: Optional[str] = None, existing_ttl_expression: Optional[str] = None
                 ) -> None:
        self.table_name, self.ttl_expression, self.schema = table_name, ttl_expression, schema
        self.existing_ttl_expression = existing_ttl_expression

    @classmethod
    def modify_stream_ttl(cls, operations: Operations, table_name: str,
                          ttl_expression: Optional[str], *, schema: Optional[str] = None,
                          existing_ttl_expression: Optional[str] = None) -> Any:
        return operations.invoke(cls(table_name, ttl_expression, schema, existing_ttl_expression))

    def reverse(self) -> ModifyStreamTTLOp:
        return ModifyStreamTTLOp(self.table_name, self.existing_ttl_expression, self.schema,
                                 self.ttl_expression)


@Operations.register_operation("modify_stream_settings")
class ModifyStreamSettingsOp(MigrateOperation):
    """``ALTER STREAM ... MODIFY SETTING name = value, ...``."""

    def __init__(self, table_name: str, settings: dict[str, Any],
                 schema: Optional[str] = None, existing: Optional[dict[str, Any]] = None) -> None:
        self.table_name, self.schema = table_name, schema
        self.settings = checked_settings(settings)
        self.existing = checked_settings(existing)

    @classmethod
    def modify_stream_settings(cls, operations: Operations, table_name: str, *,
                               schema: Optional[str] = None,
                               existing: Optional[dict[str, Any]] = None, **settings: Any) -> Any:
        return operations.invoke(cls(table_name, settings, schema, existing))

    def reverse(self) -> ModifyStreamSettingsOp:
        if set(self.existing) != set(self.settings):
            raise ValueError("the reverse of modify_stream_settings needs existing= values")
        return ModifyStreamSettingsOp(self.table_name, self.existing, self.schema, self.settings)


@Operations.register_operation("create_view")
class CreateViewOp(MigrateOperation):
    """A view or materialized view; its reverse drops it."""

    def __init__(self, name: str, select: Selectable, *, materialized: bool = False,
                 into: Optional[str] = None, if_not_exists: bool = False) -> None:
        self.name, self.select, self.materialized = name, select, materialized
        self.into, self.if_not_exists = into, if_not_exists

    @classmethod
    def create_view(cls, operations: Operations, name: str, select: Selectable, *,
                    if_not_exists: bool = False) -> Any:
        return operations.invoke(cls(name, select, if_not_exists=if_not_exists))

    @classmethod
    def create_materialized_view(cls, operations: Operations, name: str, select: Selectable, *,
                                 into: Optional[str] = None, if_not_exists: bool = False) -> Any:
        return operations.invoke(cls(name, select, materialized=True, into=into,
                                     if_not_exists=if_not_exists))

    def reverse(self) -> DropViewOp:
        return DropViewOp(self.name)


Operations.register_operation("create_materialized_view", "create_materialized_view")(
    CreateViewOp)


@Operations.register_operation("drop_view")
class DropViewOp(MigrateOperation):
    """``DROP VIEW [IF EXISTS]`` for a view or materialized view."""

    def __init__(self, name: str, *, if_exists: bool = False) -> None:
        self.name, self.if_exists = name, if_exists

    @classmethod
    def drop_view(cls, operations: Operations, name: str, *, if_exists: bool = False) -> Any:
        return operations.invoke(cls(name, if_exists=if_exists))


@Operations.implementation_for(ModifyStreamTTLOp)
def _modify_ttl(operations: Operations, operation: ModifyStreamTTLOp) -> None:
    stream = _stream(operations, operation.table_name, operation.schema)
    change = (f"MODIFY TTL {operation.ttl_expression}" if operation.ttl_expression
              else "REMOVE TTL")
    operations.execute(f"ALTER STREAM {stream} {change}")


@Operations.implementation_for(ModifyStreamSettingsOp)
def _modify_settings(operations: Operations, operation: ModifyStreamSettingsOp) -> None:
    if not operation.settings:
        raise sa.exc.ArgumentError("modify_stream_settings needs at least one setting")
    stream = _stream(operations, operation.table_name, operation.schema)
    pairs = ", ".join(f"{k} = {render_literal(v)}" for k, v in operation.settings.items())
    operations.execute(f"ALTER STREAM {stream} MODIFY SETTING {pairs}")


@Operations.implementation_for(CreateViewOp)
def _create_view(operations: Operations, operation: CreateViewOp) -> None:
    select = sa.text(operation.select) if isinstance(operation.select, str) else operation.select
    if operation.materialized:
        construct: Any = CreateMaterializedView(operation.name, select, into=operation.into,
                                                if_not_exists=operation.if_not_exists)
    else:
        construct = CreateView(operation.name, select, if_not_exists=operation.if_not_exists)
    operations.execute(construct)


@Operations.implementation_for(DropViewOp)
def _drop_view(operations: Operations, operation: DropViewOp) -> None:
    operations.execute(DropView(operation.name, if_exists=operation.if_exists))
