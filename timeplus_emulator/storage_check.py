"""Validating a CREATE STREAM's storage definition before the stream is created.

Owns: creating the definition that :mod:`timeplus_emulator.sql.storage_def` collected (keys,
TTL, skip indexes, projections, engine settings) as a temporary chDB table on one
connection, and dropping it. chDB runs ClickHouse's checks, which Proton shares, so a
definition Proton refuses gets Proton's code (36 for a zero-sized bloom filter, 450 for a
TTL ``GROUP BY`` that is no key prefix, 549 for a key of an uncomparable type, 583 for an
aggregate projection with ``ORDER BY``...). The stream itself is stored as before; none of
this is built. Engine settings the emulator would not apply are then refused (48).
"""

from __future__ import annotations

from timeplus_emulator.backend import Backend, EngineError, run_on
from timeplus_emulator.sql import CreateStreamStatement
from timeplus_emulator.sql.tokens import quote_name

NOT_IMPLEMENTED = 48
SCRATCH_TABLE = "_tp_storage_check"


def check_storage_definition(backend: Backend, stmt: CreateStreamStatement,
                             columns: list[str]) -> None:
    """Raise chDB's error for a definition it refuses, or 48 for an unapplied setting.

    ``columns`` are the chDB column definitions the stream's table gets."""
    storage = stmt.storage
    if storage is None:
        return
    with backend.connection() as conn:
        run_on(conn, storage.create_sql(SCRATCH_TABLE, columns), "CSV")
        run_on(conn, f"DROP TEMPORARY TABLE {quote_name(SCRATCH_TABLE)}", "CSV")
    names = storage.unapplied_settings()
    if names:
        raise EngineError(NOT_IMPLEMENTED, f"SETTINGS {', '.join(names)} on CREATE STREAM is "
                          "not supported by the emulator (it would not apply it)")
