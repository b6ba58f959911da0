"""Timeplus Enterprise's data mutations: DELETE, TRUNCATE STREAM, mutable stream indexes.

Owns: running :class:`~timeplus_emulator.sql.model.DeleteStatement` and
:class:`~timeplus_emulator.sql.model.TruncateStatement`, the secondary-index commands of
``ALTER STREAM`` on a mutable stream, and the profile check (the cloud profile, like
Proton, has none of them: code 48 naming the feature).

* ``DELETE`` on a mutable stream (chDB ``EmbeddedRocksDB``) is synchronous, as Timeplus
  documents; the rows matched are counted first and reported.
* ``DELETE`` on a normal stream returns at once and is applied by a background thread, as
  Timeplus documents ("asynchronous"): the stream's table is rebuilt without the matching
  rows (``Log`` has no mutations) while its ingest lock is held, keeping ``_tp_sn``. Only
  rows ingested before the DELETE returned are candidates; subqueries in the condition
  (``table()`` reads, filled in by :meth:`Engine.historical_sql`) are evaluated then;
  ``system.tables|columns|databases`` there are this instance's, as in a SELECT.
* ``TRUNCATE STREAM`` empties the table; the sequence numbers go on from where they were.
* Index commands change metadata only (the emulator scans; it has no index to build).
"""

from __future__ import annotations

import logging
import threading
import uuid

from timeplus_emulator.backend import EngineError
from timeplus_emulator.catalog import StreamInfo, now_text
from timeplus_emulator.engine import NOT_IMPLEMENTED, Engine
from timeplus_emulator.sql import AlterStreamStatement, TranslationError
from timeplus_emulator.sql.alter import check_mutable_alter
from timeplus_emulator.sql.model import (
    DeleteStatement,
    IndexDef,
    OptimizeStatement,
    TruncateStatement,
)
from timeplus_emulator.sql.tokens import quote_name, quote_string
from timeplus_emulator.systables import rewrite_system_tables

logger = logging.getLogger(__name__)


def require_enterprise(engine: Engine, feature: str) -> None:
    """Refuse ``feature`` outside the enterprise profile (code 48)."""
    if not engine.enterprise:
        raise EngineError(NOT_IMPLEMENTED, f"{feature} is only available in Timeplus "
                          "Enterprise (this emulator runs the cloud profile)")


def delete_rows(engine: Engine, stmt: DeleteStatement) -> int:
    """DELETE FROM: the rows deleted (mutable stream), or 0 (normal stream: deleted in the
    background, count unknown when the statement returns)."""
    require_enterprise(engine, "DELETE")
    info = engine.stream(stmt.database, stmt.name)
    if info.view_target_of is not None:
        raise EngineError(NOT_IMPLEMENTED, f"Cannot delete from materialized view {info.name}")
    table = engine.ch_table(info.database, info.name)
    where = stmt.where_ch
    if "system" in where.lower():  # this instance's catalog, as a SELECT reads it
        where = rewrite_system_tables(engine, where)
    where = engine.historical_sql(where, stmt.sources)
    # a correlated subquery fails (47) as in Proton: chDB's are off (backend.PINNED_SETTINGS)
    check = f"SELECT count() FROM {table} WHERE {where}"
    if info.mode != "mutable":
        engine.run_ddl(check)  # a bad condition is refused now, not in the background
        upto = engine.clock(info).last  # rows ingested later are not deleted
        worker = threading.Thread(target=_delete_in_background,
                                  args=(engine, info, f"_tp_sn <= {upto} AND ({where})"),
                                  name=f"delete-{info.name}", daemon=True)
        worker.start()
        return 0
    with engine.lock, engine.clock(info).lock:
        try:
            count = int(engine.backend.query(check, "CSV").strip() or 0)
        except EngineError as exc:
            raise engine.public_error(exc) from None
        engine.run_ddl(f"DELETE FROM {table} WHERE {where}")
    return count


def _delete_in_background(engine: Engine, info: StreamInfo, where_ch: str) -> None:
    try:
        _rebuild_without(engine, info, where_ch)
    except EngineError:
        logger.warning("background DELETE on %s.%s failed", info.database, info.name,
                       exc_info=True)


def _rebuild_without(engine: Engine, info: StreamInfo, where_ch: str) -> None:
    """Copy the rows not matching ``where_ch`` to a new table and exchange the two."""
    table = engine.ch_table(info.database, info.name)
    scratch = f"{engine.ch_db(info.database)}.{quote_name('_tp_delete_' + uuid.uuid4().hex)}"
    with engine.lock, engine.clock(info).lock:
        if engine.streams.get((info.database, info.name)) is not info:
            return  # dropped meanwhile
        engine.run_ddl(f"CREATE TABLE {scratch} AS {table}")
        try:
            engine.run_ddl(f"INSERT INTO {scratch} SELECT * FROM {table} "
                           f"WHERE NOT ifNull(({where_ch}), false)")
            engine.run_ddl(f"EXCHANGE TABLES {table} AND {scratch}")
        finally:
            engine.run_ddl(f"DROP TABLE IF EXISTS {scratch}")


def truncate(engine: Engine, stmt: TruncateStatement) -> None:
    """TRUNCATE STREAM: remove every row, keep the stream."""
    require_enterprise(engine, "TRUNCATE STREAM")
    info = engine.stream(stmt.database, stmt.name)
    with engine.lock, engine.clock(info).lock:
        engine.run_ddl(f"TRUNCATE TABLE {engine.ch_table(info.database, info.name)}")


def optimize(engine: Engine, stmt: OptimizeStatement) -> None:
    """OPTIMIZE TABLE: nothing to do, as a merge changes no answer (see
    :func:`timeplus_emulator.sql.mutations.parse_optimize`). What Proton refuses is refused:
    a view, and a Memory store (ClickHouse's IStorage::optimize, 48)."""
    db = engine.resolve_db(stmt.database)
    view = engine.views.get((db, stmt.name))
    if view is not None:
        if view.materialized:
            return  # merges its target stream's parts
        raise EngineError(NOT_IMPLEMENTED, "Method optimize is not supported by storage View")
    info = engine.stream(db, stmt.name)
    if info.engine == "Memory":
        raise EngineError(NOT_IMPLEMENTED, "Method optimize is not supported by storage Memory")


def alter_indexes(engine: Engine, info: StreamInfo, stmt: AlterStreamStatement) -> None:
    """ADD / DROP / MATERIALIZE INDEX on a mutable stream (metadata; caller holds the lock)."""
    require_enterprise(engine, "ALTER STREAM ... INDEX")
    names = {str(i["name"]) for i in info.indexes}
    try:
        check_mutable_alter(stmt.commands, {c.name for c in info.columns}, names)
    except TranslationError as exc:
        raise EngineError(exc.code, exc.message) from None
    for command in stmt.commands:
        if command.kind == "ADD_INDEX" and command.index is not None:
            if command.name in names:
                continue  # IF NOT EXISTS
            index = command.index
            info.indexes.append({"name": index.name, "columns": list(index.columns),
                                 "unique": index.unique, "storing": list(index.storing)})
            names.add(index.name)
        elif command.kind == "DROP_INDEX":
            info.indexes = [i for i in info.indexes if i["name"] != command.name]
            names.discard(str(command.name))
    info.last_updated_at = now_text()
    info.create_query = mutable_ddl(info)


def mutable_ddl(info: StreamInfo) -> str:
    """``CREATE MUTABLE STREAM`` text of ``info`` as the catalog has it (after ALTER)."""
    parts = [f"{quote_name(c.name)} {c.type}"
             + (f" {c.default_kind} {c.default}" if c.default else "")
             + (f" COMMENT {quote_string(c.comment)}" if c.comment else "")
             for c in info.columns]
    parts.extend(IndexDef(str(i["name"]), tuple(i["columns"]), bool(i["unique"]),
                          tuple(i["storing"])).sql() for i in info.indexes)
    keys = ", ".join(map(quote_name, info.primary_key))
    return (f"CREATE MUTABLE STREAM {info.database}.{quote_name(info.name)} "
            f"({', '.join(parts)}) PRIMARY KEY ({keys})")
