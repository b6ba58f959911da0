"""Validating a CREATE STREAM's storage definition before the stream is created.

Owns: creating the definition that :mod:`timeplus_emulator.sql.storage_def` collected (keys,
TTL, skip indexes, projections, engine settings) as a temporary chDB table on one
connection, and dropping it. chDB runs ClickHouse's checks, which Proton shares, so a
definition Proton refuses gets Proton's code (36 for a zero-sized bloom filter, 450 for a
TTL ``GROUP BY`` that is no key prefix, 549 for a key of an uncomparable type, 583 for an
aggregate projection with ``ORDER BY``...). The stream itself is stored as before; none of
this is built. Engine settings the emulator would not apply are then refused (48).
``ALTER STREAM ... MODIFY TTL`` is checked the same way over the stream's columns.
"""

from __future__ import annotations

import re

from timeplus_emulator.backend import Backend, EngineError, run_on
from timeplus_emulator.catalog import CHANGELOG_MODES, StreamInfo
from timeplus_emulator.sql import CreateStreamStatement
from timeplus_emulator.sql.storage_def import StorageDefinition
from timeplus_emulator.sql.tokens import quote_name

NOT_IMPLEMENTED = 48
BAD_ARGUMENTS = 36
# chDB names of the functions a TTL most often misuses that give another value each call
_NON_DETERMINISTIC = re.compile(
    r"\b(now|now64|nowInBlock|today|yesterday|rand|rand32|rand64|randConstant|"
    r"generateUUIDv4|generateUUIDv7|randomString)\s*\(")
SCRATCH_TABLE = "_tp_storage_check"


def check_storage_definition(backend: Backend, stmt: CreateStreamStatement,
                             columns: list[str]) -> None:
    """Raise chDB's error for a definition it refuses, or 48 for an unapplied setting.

    ``columns`` are the chDB column definitions the stream's table gets."""
    storage = stmt.storage
    if storage is None:
        return
    _create_and_drop(backend, storage, columns)
    names = storage.unapplied_settings()
    if names:
        raise EngineError(NOT_IMPLEMENTED, f"SETTINGS {', '.join(names)} on CREATE STREAM is "
                          "not supported by the emulator (it would not apply it)")


def check_ttl_change(backend: Backend, info: StreamInfo, ttl_ch: str) -> None:
    """``MODIFY TTL``: chDB's error for a TTL Proton refuses on this stream. A roll-up
    (``GROUP BY``) must follow the stream's key, which the emulator may not know after an
    ALTER: such a TTL is not checked."""
    if re.search(r"\bgroup\s+by\b", ttl_ch, re.I):
        return
    columns = [f"{quote_name(c.name)} {c.ch_type}" for c in info.columns]
    if not info.is_table:
        columns.append("`_tp_time` DateTime64(3, 'UTC')")
    if info.mode in CHANGELOG_MODES:
        columns.append("`_tp_delta` Int8")
    _create_and_drop(backend, StorageDefinition(clauses={"TTL": f"TTL {ttl_ch}"}), columns)


def _create_and_drop(backend: Backend, storage: StorageDefinition, columns: list[str]) -> None:
    create = storage.create_sql(SCRATCH_TABLE, columns)
    drop = f"DROP TEMPORARY TABLE {quote_name(SCRATCH_TABLE)}"
    with backend.connection() as conn:
        run_on(conn, create, "CSV")
        run_on(conn, drop, "CSV")
    if "TTL" in storage.clauses:
        _check_ttl_functions(backend, create, drop, storage.clauses["TTL"])


def _check_ttl_functions(backend: Backend, create: str, drop: str, ttl: str) -> None:
    """Proton refuses a TTL with a non-deterministic function (``now()``, ``rand()``: 36) but
    takes one that reads no column (01070); chDB's ``allow_suspicious_ttl_expressions``,
    pinned on to allow the latter, allows both. So the definition is tried once more with it
    off, and only the non-deterministic refusal counts. (A failed query's connection is
    closed, not pooled, so the setting does not leak.)"""
    try:
        with backend.connection() as conn:
            run_on(conn, "SET allow_suspicious_ttl_expressions = 0", "CSV")
            run_on(conn, create, "CSV")
            run_on(conn, drop, "CSV")
            run_on(conn, "SET allow_suspicious_ttl_expressions = 1", "CSV")
    except EngineError as exc:
        if "non-deterministic" in exc.message:
            raise
        # chDB stops at "does not depend on any of the columns" before looking at functions
        clock = _NON_DETERMINISTIC.search(ttl)
        if clock is not None:
            raise EngineError(BAD_ARGUMENTS, "TTL expression cannot contain non-deterministic "
                              f"functions, but contains function {clock.group(1)}") from None
