"""Rebuilding a stream for the schema changes Timeplus cannot make in place (Alembic support).

Timeplus cannot drop a column or change a column's type, nullability or default
(``ALTER STREAM ... DROP/MODIFY COLUMN`` are refused). :func:`rebuild_stream` does it by copy:

1. create ``<name>__rebuild`` with the new columns and the stream's options (mode, primary key,
   TTL, retention, description), and copy every row with its ``_tp_time``
   (``INSERT ... SELECT ... FROM table(<name>)``), checking the row counts match;
2. drop ``<name>``, create it again with the new columns, copy the rows back the same way,
   check the counts, drop ``<name>__rebuild``.

Timeplus has no RENAME STREAM, hence the second copy: a rebuild reads and writes the rows twice.
A failure in step 1 leaves ``<name>`` and its rows untouched (the scratch stream is dropped when
possible); a failure in step 2 raises an error naming ``<name>__rebuild``, which then holds the
rows. What a rebuild cannot keep: streaming queries and materialized views reading the old
stream (Timeplus refuses to drop a stream a materialized view reads; drop the view first), the
stream's ingest history beyond the rows a historical read shows (for ``changelog_kv`` and
``versioned_kv`` streams, the latest row of each key), and the sequence numbers of the log.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

import sqlalchemy as sa
from alembic.util import CommandError

from .dialect import driver_client
from .reflection import primary_key_names, type_from_string

__all__ = ["RESERVED_PREFIX", "SCRATCH_SUFFIX", "rebuild_stream"]

logger = logging.getLogger(__name__)

SCRATCH_SUFFIX = "__rebuild"
RESERVED_PREFIX = "_tp_"
_OPTIONS = ("mode", "ttl_expression", "logstore_retention_bytes", "logstore_retention_ms")


def _column_defs(stream: dict[str, Any]) -> list[dict[str, Any]]:
    """The user's columns of a REST stream object as ``create_stream`` column definitions."""
    defs = []
    for column in stream.get("columns") or []:
        name = str(column["name"])
        if name.startswith(RESERVED_PREFIX):
            continue
        type_text = str(column["type"])
        if column.get("nullable") and not type_text.startswith(("nullable(", "low_cardinality(")):
            type_text = f"nullable({type_text})"
        entry = {"name": name, "type": type_text}
        if column.get("default") not in (None, ""):
            entry["default"] = str(column["default"])
        defs.append(entry)
    return defs


def _altered(impl: Any, entry: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A column definition with a new type, nullability and/or server default."""
    reflected = type_from_string(entry["type"])
    was_nullable = entry["type"].startswith("nullable(")
    inner = getattr(reflected, "type_", reflected) if was_nullable else reflected
    column: sa.Column[Any] = sa.Column(
        entry["name"],
        changes.get("type_") or inner,
        nullable=changes.get("nullable", was_nullable),
        server_default=changes["server_default"] if "server_default" in changes else None,
    )
    from .ddl import column_type_sql

    compiler = impl.dialect.ddl_compiler(impl.dialect, None)
    result = {"name": entry["name"], "type": column_type_sql(column, impl.dialect.type_compiler)}
    default = compiler.get_column_default_string(column)
    if "server_default" not in changes and "default" in entry:
        default = entry["default"]
    if default is not None:
        result["default"] = default
    return result


def _new_columns(
    impl: Any, name: str, defs: list[dict[str, Any]], drop: Optional[str],
    alter: Optional[tuple[str, dict[str, Any]]],
) -> list[dict[str, Any]]:
    known = [d["name"] for d in defs]
    target = drop if drop is not None else (alter[0] if alter else None)
    if target is not None and target not in known:
        raise CommandError(f"stream {name!r} has no column {target!r} (columns: {known})")
    if drop is not None:
        return [d for d in defs if d["name"] != drop]
    if alter is not None:
        return [_altered(impl, d, alter[1]) if d["name"] == alter[0] else d for d in defs]
    return defs


def _options(stream: dict[str, Any]) -> dict[str, Any]:
    options = {key: stream.get(key) or None for key in _OPTIONS}
    options["primary_key"] = primary_key_names(stream) or None
    event_time = stream.get("event_time_column")
    options["event_time_column"] = event_time if event_time not in (None, "", "_tp_time") else None
    options["description"] = stream.get("description") or None
    return options


def _copy(impl: Any, source: str, target: str, names: list[str]) -> None:
    """Copy every row of ``source`` into ``target`` with its ``_tp_time``; check the counts."""
    quote = impl.dialect.identifier_preparer.quote
    columns = ", ".join(quote(n) for n in [*names, "_tp_time"])
    impl.connection.exec_driver_sql(
        f"INSERT INTO {quote(target)} ({columns}) SELECT {columns} FROM table({quote(source)})"
    )
    counts = [
        impl.connection.exec_driver_sql(f"SELECT count() FROM table({quote(n)})").scalar()
        for n in (source, target)
    ]
    if counts[0] != counts[1]:
        raise CommandError(f"copied {counts[1]} of {counts[0]} rows from {source!r}")


def rebuild_stream(
    impl: Any, name: str, schema: Optional[str], *, drop: Optional[str] = None,
    alter: Optional[tuple[str, dict[str, Any]]] = None,
) -> None:
    """Recreate stream ``name`` without column ``drop`` or with ``alter`` applied, rows kept."""
    if impl.as_sql:
        raise CommandError(f"rebuilding stream {name!r} needs a database connection "
                           "(offline --sql mode cannot copy rows)")
    if schema not in (None, impl.dialect.default_schema_name):
        raise CommandError(f"rebuilding a stream in another database ({schema!r}) is not supported")
    client = driver_client(impl.connection)
    stream = client.get_stream(name)
    columns = _new_columns(impl, name, _column_defs(stream), drop, alter)
    options = _options(stream)
    if drop is not None and drop in (options["primary_key"] or []):
        raise CommandError(f"cannot drop {drop!r}: it is in the primary key of {name!r}")
    scratch = name + SCRATCH_SUFFIX
    if client.stream_exists(scratch):
        raise CommandError(f"stream {scratch!r} exists (left by an earlier failed rebuild of "
                           f"{name!r}?); drop it or copy its rows back first")
    kept = [c["name"] for c in columns]
    logger.debug("rebuilding stream %s through %s", name, scratch)
    client.create_stream(scratch, columns, **options)
    try:
        _copy(impl, name, scratch, kept)
    except Exception as error:
        _drop_quietly(client, scratch)
        raise CommandError(f"rebuild of stream {name!r} failed while copying its rows; {name!r} "
                           f"and its rows are unchanged: {error}") from error
    try:
        client.delete_stream(name)
        client.create_stream(name, columns, **options)
        _copy(impl, scratch, name, kept)
    except Exception as error:
        raise CommandError(f"rebuild of stream {name!r} failed after the original was dropped; "
                           f"its rows are in stream {scratch!r} (new schema): {error}") from error
    client.delete_stream(scratch)


def _drop_quietly(client: Any, name: str) -> None:
    try:
        client.delete_stream(name, if_exists=True)
    except Exception:
        logger.debug("could not drop scratch stream %s", name, exc_info=True)
