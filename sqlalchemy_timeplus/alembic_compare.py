"""Autogenerate for stream options (imported with the Alembic impl; applies to ``timeplus`` only).

For each stream in both the model and the database, the REST stream object is compared with the
``Table``'s ``timeplus_*`` options:

* TTL (``timeplus_ttl_expression``; none declared means none wanted) becomes
  ``op.modify_stream_ttl(...)`` with the old expression for the downgrade. Expressions are compared
  with whitespace collapsed: a server that rewrites the expression shows a difference.
* ``timeplus_logstore_retention_bytes`` / ``_ms``, where declared, become
  ``op.modify_stream_settings(...)`` with the old values.
* Mode, primary key and event time column cannot change in place: a difference is a warning
  naming both values, and no operation (rebuild the stream by hand: a new stream and
  ``INSERT ... SELECT``).
"""

from __future__ import annotations

from typing import Any, Optional

from alembic import util as alembic_util
from alembic.autogenerate import renderers
from alembic.autogenerate.compare import comparators
from sqlalchemy import util

from .alembic_ops import ModifyStreamSettingsOp, ModifyStreamTTLOp
from .ddl import primary_key_columns, table_option
from .dialect import driver_client
from .reflection import primary_key_names

__all__ = ["compare_stream_options"]

_RETENTION = ("logstore_retention_bytes", "logstore_retention_ms")
# Alembic 1.16+ comparators return CONTINUE; older ones return nothing.
_CONTINUE: Any = getattr(getattr(alembic_util, "PriorityDispatchResult", None), "CONTINUE", None)


def _collapsed(text: Optional[str]) -> Optional[str]:
    return " ".join(text.split()) if text else None


@comparators.dispatch_for("table", qualifier="timeplus")
def compare_stream_options(autogen_context: Any, modify_table_ops: Any, schema: Optional[str],
                           tname: str, conn_table: Any, metadata_table: Any) -> Any:
    """Add TTL and retention operations for ``tname`` (see the module docstring)."""
    connection = autogen_context.connection
    if conn_table is None or metadata_table is None or connection is None:
        return _CONTINUE
    if schema not in (None, connection.dialect.default_schema_name):
        return _CONTINUE
    stream = driver_client(connection).get_stream(tname)
    declared_ttl = _collapsed(table_option(metadata_table, "ttl_expression"))
    found_ttl = _collapsed(stream.get("ttl_expression"))
    if declared_ttl != found_ttl:
        modify_table_ops.ops.append(ModifyStreamTTLOp(tname, declared_ttl, schema, found_ttl))
    wanted = {k: table_option(metadata_table, k) for k in _RETENTION}
    changed = {k: v for k, v in wanted.items() if v is not None and v != stream.get(k)}
    if changed:
        modify_table_ops.ops.append(ModifyStreamSettingsOp(
            tname, changed, schema, {k: stream.get(k) for k in changed}))
    _warn_fixed_options(tname, stream, metadata_table)
    return _CONTINUE


def _warn_fixed_options(tname: str, stream: dict[str, Any], metadata_table: Any) -> None:
    mode = table_option(metadata_table, "mode")
    declared = (mode or "append", primary_key_columns(metadata_table) if mode else [],
                table_option(metadata_table, "event_time_column") or "_tp_time")
    found = (stream.get("mode") or "append", primary_key_names(stream),
             str(stream.get("event_time_column") or "_tp_time").strip("`"))
    if declared != found:
        util.warn(f"stream {tname!r} has mode, primary key, event time column {found!r}, the "
                  f"model {declared!r}: Timeplus cannot change them in place; no operation "
                  "generated")


@renderers.dispatch_for(ModifyStreamTTLOp)
def _render_ttl(autogen_context: Any, op: ModifyStreamTTLOp) -> str:
    extra = f", schema={op.schema!r}" if op.schema else ""
    return (f"op.modify_stream_ttl({op.table_name!r}, {op.ttl_expression!r}, "
            f"existing_ttl_expression={op.existing_ttl_expression!r}{extra})")


@renderers.dispatch_for(ModifyStreamSettingsOp)
def _render_settings(autogen_context: Any, op: ModifyStreamSettingsOp) -> str:
    values = "".join(f", {k}={v!r}" for k, v in op.settings.items())
    extra = f", schema={op.schema!r}" if op.schema else ""
    return (f"op.modify_stream_settings({op.table_name!r}{values}, "
            f"existing={op.existing!r}{extra})")
