"""Storing ingested rows: pieces of chDB input text into a stream, whole or not at all.

Owns: :func:`store_rows`, used by the ingest endpoint (pieces from
:mod:`timeplus_emulator.ingest`) and by materialized views (one piece per batch). One piece
is inserted directly. Several go one by one into a session-private staging table (a
``TEMPORARY`` table with the stream's structure and the ``Memory`` engine), then into the
stream with one ``INSERT ... SELECT`` on one thread, which keeps their order and numbers
them from the stream's clock. Memory stays near one piece plus the rows' columnar size, and
a failing piece, or an error raised while the pieces are made, leaves nothing stored.

JSON rows of streams with named tuples are retried with
``input_format_json_named_tuples_as_objects = 0``: tuples may come as objects or arrays.
"""

from __future__ import annotations

import itertools
import logging
import secrets
from collections.abc import Iterable
from typing import Callable, Optional

from timeplus_emulator.backend import Connection, EngineError, run_on
from timeplus_emulator.catalog import StreamInfo
from timeplus_emulator.engine import Engine
from timeplus_emulator.sql.tokens import quote_name

logger = logging.getLogger(__name__)

_Insert = Callable[[StreamInfo, str, str, str], int]
_TUPLES_AS_ARRAYS = ", input_format_json_named_tuples_as_objects = 0"


def store_rows(engine: Engine, database: Optional[str], name: str,
               columns: Optional[list[str]], fmt: str, pieces: Iterable[str]) -> int:
    """Insert rows given as pieces of chDB input text in ``fmt``; return the row count."""
    info = engine.stream(database, name)
    column_list = ""
    if columns is not None:
        column_list = " (" + ", ".join(quote_name(c) for c in columns) + ")"
    remaining = iter(pieces)
    first = next(remaining, None)
    if first is None:
        return 0
    second = next(remaining, None)
    if second is None:
        return _store_piece(info, engine.ch_table(info.database, info.name), column_list, fmt,
                            first, engine.insert_numbered)
    return _store_staged(engine, info, column_list, fmt,
                         itertools.chain((first, second), remaining))


def _store_piece(info: StreamInfo, table: str, column_list: str, fmt: str, piece: str,
                 insert: _Insert) -> int:
    head, tail = f"INSERT INTO {table}{column_list}", f"FORMAT {fmt}\n{piece}"
    try:
        return insert(info, head, tail, "")
    except EngineError as first_error:
        if first_error.code != 27 or not fmt.startswith("JSON") or \
                not any("Tuple(" in c.ch_type for c in info.columns):
            raise
        try:
            return insert(info, head, tail, _TUPLES_AS_ARRAYS)
        except EngineError as second_error:  # parsed as arrays, then refused: that error
            raise (first_error if second_error.code == 27 else second_error) from None


def _store_staged(engine: Engine, info: StreamInfo, column_list: str, fmt: str,
                  pieces: Iterable[str]) -> int:
    target = engine.ch_table(info.database, info.name)
    stage = f"tp_ingest_{secrets.token_hex(6)}"
    with engine.backend.connection() as conn:  # a temporary table lives in one session
        run_on(conn, f"CREATE TEMPORARY TABLE {stage} AS {target} ENGINE = Memory", "CSV")
        try:
            for piece in pieces:
                _store_piece(info, stage, column_list, fmt, piece, _stage_insert(conn))
            return engine.insert_numbered_on(conn, info, f"INSERT INTO {target}",
                                             f"SELECT * FROM {stage}", ", max_threads = 1")
        except EngineError as exc:
            raise engine.public_error(exc) from None
        finally:
            try:
                run_on(conn, f"DROP TEMPORARY TABLE IF EXISTS {stage}", "CSV")
            except EngineError:
                logger.debug("dropping staging table %s failed", stage, exc_info=True)


def _stage_insert(conn: Connection) -> _Insert:
    """An insert into the staging table (its rows are numbered by the final insert)."""

    def insert(_: StreamInfo, head: str, tail: str, settings: str) -> int:
        run_on(conn, f"{head} SETTINGS log_comment = '0'{settings} {tail}", "CSV")
        return 0

    return insert
