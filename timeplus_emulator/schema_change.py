"""ALTER STREAM on the emulator's storage: columns, TTL and retention settings.

Owns: applying a parsed :class:`~timeplus_emulator.sql.AlterStreamStatement` to a stream's
chDB table and its catalog entry, so that REST ``GET /streams``, ``DESCRIBE``,
``system.columns`` and reflection show the change at once.

Column changes rebuild the table: chDB's ``Log`` engine (the emulator's stream storage) has no
ALTER, so a new table with the changed columns is filled from the old one (``_tp_sn`` and
``_tp_time`` copied, so streaming readers keep their place) and the two are exchanged, while
the stream's ingest lock is held. Existing rows get the new column's default, as Timeplus
documents. A new column goes after the last user column unless ``AFTER c``/``FIRST`` say
otherwise (our choice: the reserved columns stay last, as the emulator lists them).
``MODIFY TTL``/``REMOVE TTL`` and ``MODIFY SETTING logstore_*`` change metadata only (the
emulator keeps every row, as for ``PATCH /streams``); a new TTL is first checked as CREATE
checks one (:mod:`timeplus_emulator.storage_check`). Renaming a column of a stream that a
materialized view reads or writes is refused (code 48), as Proton refuses it. ``DROP COLUMN``
is done for ``ENGINE = Memory|MergeTree`` stores only (streams refuse it, as Proton does).
"""

from __future__ import annotations

import json
import re
from typing import Any

from timeplus_emulator.backend import EngineError
from timeplus_emulator.catalog import CHANGELOG_MODES, ColumnInfo, StreamInfo, now_text
from timeplus_emulator.engine import DELTA_COLUMN, NOT_IMPLEMENTED, Engine
from timeplus_emulator.mutations import alter_indexes
from timeplus_emulator.sql import AlterCommand, AlterStreamStatement, TranslationError
from timeplus_emulator.sql.alter import check_stream_alter, check_table_alter
from timeplus_emulator.sql.legacy import range_constraints
from timeplus_emulator.sql.tokens import quote_name, quote_string
from timeplus_emulator.storage_check import check_ttl_change

ILLEGAL_COLUMN = 44
NOT_FOUND_COLUMN = 10
_RETENTION = ("logstore_retention_bytes", "logstore_retention_ms")


def alter_stream(engine: Engine, stmt: AlterStreamStatement) -> None:
    """Check ``stmt`` against the stream's storage, then apply its commands in order."""
    with engine.lock:
        info = engine.stream(stmt.database, stmt.name)
        if info.mode == "mutable":
            alter_indexes(engine, info, stmt)
            engine.persist()
            return
        try:
            if info.is_table:
                check_table_alter(stmt.commands, info.engine)
            else:
                check_stream_alter(stmt.commands)
        except TranslationError as exc:
            raise EngineError(exc.code, exc.message) from None
        if all(c.kind == "ADD_COLUMN" for c in stmt.commands):  # one rebuild, all or nothing
            _add_columns(engine, info, stmt.commands)
        for command in stmt.commands:
            if command.kind == "ADD_COLUMN":
                if len({c.kind for c in stmt.commands}) > 1:
                    _add_columns(engine, info, (command,))
            elif command.kind == "RENAME_COLUMN":
                _rename_column(engine, info, command)
            elif command.kind == "DROP_COLUMN":
                _drop_column(engine, info, command)
            else:
                _change_metadata(engine, info, command)
        info.order_by = None  # the key may name a renamed or dropped column: ingest order
        info.last_updated_at = now_text()
        info.create_query = ""  # SHOW CREATE is rebuilt from the catalog from now on
    engine.persist()


def _change_metadata(engine: Engine, info: StreamInfo, command: AlterCommand) -> None:
    if command.kind == "MODIFY_TTL":
        try:
            check_ttl_change(engine.backend, info, command.ttl_ch or "")
        except EngineError as exc:
            raise engine.public_error(exc) from None
        info.ttl_expression = command.ttl
    elif command.kind == "REMOVE_TTL":
        info.ttl_expression = None
    for key, value in command.settings:
        if key in _RETENTION:
            try:
                setattr(info, key, int(value))
            except ValueError:
                raise EngineError(36, f"{key} must be an integer, not {value!r}") from None
        info.settings[key] = value


def _add_columns(engine: Engine, info: StreamInfo, commands: tuple[AlterCommand, ...]) -> None:
    columns = list(info.columns)
    added: dict[str, str] = {}
    added_types: list[tuple[str, str]] = []
    for command in commands:
        column = command.column
        assert column is not None
        if any(c.name == column.name for c in columns):
            if command.if_not_exists:
                continue
            raise EngineError(ILLEGAL_COLUMN, f"Cannot add column {column.name}: column with "
                              "this name already exists")
        columns.insert(_position(columns, command), ColumnInfo(
            column.name, column.type, column.ch_type, column.default, column.nullable,
            column.codec, column.comment, column.default_kind))
        text = f"{quote_name(column.name)} {column.ch_type}"
        if column.default_ch is not None:
            text += f" {column.default_kind} {column.default_ch}"
        if column.comment:
            text += f" COMMENT {quote_string(column.comment)}"
        added[column.name] = text
        added_types.append((column.name, column.ch_type))
    if not added:
        return
    stored = _stored_columns(engine, info)
    ddl = {row[0]: _column_ddl(row) for row in stored}
    user = {c.name for c in info.columns}
    layout = [ddl.get(c.name) or added[c.name] for c in columns]
    layout += [ddl[row[0]] for row in stored if row[0] not in user]
    names = [row[0] for row in stored]
    kept = [(row[0], row[1]) for row in stored if row[0] in user]
    _rebuild(engine, info, layout, names, names, kept + added_types)
    info.columns = columns


def _position(columns: list[ColumnInfo], command: AlterCommand) -> int:
    if command.first:
        return 0
    if command.after is None:
        return len(columns)
    names = [c.name for c in columns]
    if command.after not in names:
        raise EngineError(NOT_FOUND_COLUMN, f"Wrong column name. Cannot find column "
                          f"{command.after} to insert after")
    return names.index(command.after) + 1


def _rename_column(engine: Engine, info: StreamInfo, command: AlterCommand) -> None:
    old, new = command.name or "", command.new_name or ""
    names = [c.name for c in info.columns]
    if old not in names:
        if command.if_exists:
            return
        raise EngineError(NOT_FOUND_COLUMN, f"Wrong column name. Cannot find column {old} "
                          "to rename")
    if new in names or new.startswith("_tp_"):
        raise EngineError(ILLEGAL_COLUMN, f"Cannot rename to {new}: column with this name "
                          "already exists")
    for view in engine.views.values():
        if view.materialized and _mentions(view.query, info.name):
            raise EngineError(NOT_IMPLEMENTED, f"Cannot rename a column of {info.name}: "
                              f"materialized view {view.name} depends on it")
    stored = _stored_columns(engine, info)
    layout = [_column_ddl(row, new if row[0] == old else row[0]) for row in stored]
    sources = [row[0] for row in stored]
    user = [(new if row[0] == old else row[0], row[1]) for row in stored if row[0] in names]
    _rebuild(engine, info, layout, [new if n == old else n for n in sources], sources, user)
    info.columns[names.index(old)].name = new
    info.primary_key = [new if k == old else k for k in info.primary_key]


def _drop_column(engine: Engine, info: StreamInfo, command: AlterCommand) -> None:
    """DROP COLUMN of a Memory/MergeTree store (streams refuse it, as Proton does)."""
    names = [c.name for c in info.columns]
    if command.name not in names:
        if command.if_exists:
            return
        raise EngineError(NOT_FOUND_COLUMN, f"Wrong column name. Cannot find column "
                          f"{command.name} to drop")
    if len(names) == 1:
        raise EngineError(36, "Cannot DROP or CLEAR all columns")
    stored = [row for row in _stored_columns(engine, info) if row[0] != command.name]
    kept = [row[0] for row in stored]
    user = [(row[0], row[1]) for row in stored if row[0] in names]
    _rebuild(engine, info, [_column_ddl(row) for row in stored], kept, kept, user)
    info.columns = [c for c in info.columns if c.name != command.name]


def _mentions(query: str, name: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", query) is not None


def _stored_columns(engine: Engine, info: StreamInfo) -> list[list[Any]]:
    """chDB's DESCRIBE rows of the stream's table (user, reserved and hidden columns)."""
    out = engine.backend.query(f"DESCRIBE TABLE {engine.ch_table(info.database, info.name)}",
                               "JSONCompactEachRow")
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _column_ddl(row: list[Any], name: str = "") -> str:
    col_name, ch_type, default_kind, default, comment, codec, ttl = row[:7]
    text = f"{quote_name(name or col_name)} {ch_type}"
    if default_kind:
        text += f" {default_kind} {default}"
    if comment:
        text += f" COMMENT {quote_string(comment)}"
    if codec:
        text += f" CODEC({codec})"
    if ttl:
        text += f" TTL {ttl}"
    return text


def _rebuild(engine: Engine, info: StreamInfo, layout: list[str], targets: list[str],
             sources: list[str], user: list[tuple[str, str]]) -> None:
    """Replace the stream's table by one with ``layout``, copying ``sources`` to ``targets``;
    ``user`` are the new table's user columns (name, chDB type), which get CREATE's range
    checks (:func:`~timeplus_emulator.sql.legacy.range_constraints`)."""
    table = engine.ch_table(info.database, info.name)
    scratch = engine.ch_table(info.database, f"{info.name}__tp_alter")
    if info.mode in CHANGELOG_MODES:
        layout = [*layout, DELTA_COLUMN[1]]
    layout = [*layout, *range_constraints(user)]
    found = engine.backend.query(
        f"SELECT engine_full FROM system.tables WHERE database = "
        f"{quote_string(engine.prefix + info.database)} AND name = {quote_string(info.name)}",
        "JSONCompactEachRow")
    storage = json.loads(found)[0]
    into = ", ".join(quote_name(n) for n in targets)
    select = ", ".join(quote_name(n) for n in sources)
    with engine.clock(info).lock:  # no ingest in between
        try:
            engine.backend.query(f"DROP TABLE IF EXISTS {scratch}", "CSV")
            engine.backend.query(f"CREATE TABLE {scratch} ({', '.join(layout)}) "
                                 f"ENGINE = {storage}", "CSV")
            engine.backend.query(f"INSERT INTO {scratch} ({into}) SELECT {select} FROM {table} "
                                 "SETTINGS insert_allow_materialized_columns = 1", "CSV")
            engine.backend.query(f"EXCHANGE TABLES {table} AND {scratch}", "CSV")
        except EngineError as exc:
            raise engine.public_error(exc) from None
        finally:
            engine.backend.query(f"DROP TABLE IF EXISTS {scratch}", "CSV")
