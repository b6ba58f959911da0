"""Timeplus SQL → ClickHouse (chDB) SQL translation for the emulator.

Public API (what the engine uses):

* :func:`translate` — one Timeplus statement → a frozen statement from :mod:`model`.
* :class:`TranslationError` — rejected SQL, with a Proton error code (``.code``).
* :func:`to_clickhouse_type` / :func:`to_timeplus_type` — type names both ways.
* :func:`to_timeplus_column_name` — chDB's auto-generated column names → Timeplus.
* :func:`to_timeplus_error` — chDB error (message, code) → Proton (code, message).
* :func:`ch_type_to_timeplus_sql` — SQL expression mapping type names (reflection).
* :func:`timeplus_functions` — the Timeplus function names accepted (``system.functions``).

Rejected at translation time (``TranslationError``):

* 62 — syntax errors, unbalanced brackets, several statements, DROP TABLE.
* 50 — type names Timeplus does not have (``String``, ``timestamp``, ``LowCardinality``...).
* 46 — function names Timeplus does not have, including ClickHouse camelCase names.
* 48 — Timeplus functions without a chDB equivalent (list in ``function_table``),
  streaming-only functions (``lag``, ``lags``, ``lag_behind``, ``emit_version``,
  ``date_diff_within``, ``neighbor``), session windows, windows over views, ``hop`` with
  month/quarter/year intervals, table functions other than ``table``/``tumble``/``hop``/
  ``numbers``/``zeros``, ``FORMAT``/``INTO OUTFILE`` in SELECT, ``WITH TOTALS``,
  ``DESCRIBE (query)``, ``EPHEMERAL`` columns, ``CREATE EXTERNAL|RANDOM STREAM``,
  ``ENGINE =`` other than ``Stream``/``Memory``/``MergeTree``, ``CREATE TABLE`` and
  statements other than SELECT/CREATE/ALTER STREAM/DROP/INSERT/SHOW/DESCRIBE/USE/
  DELETE/TRUNCATE (a DELETE subquery reading a stream without ``table()``, TRUNCATE
  TABLE);
  ALTER STREAM commands other than ADD COLUMN, RENAME COLUMN, MODIFY/REMOVE TTL and
  MODIFY SETTING logstore_* (with Proton's messages, see :mod:`alter`).
* 48 — an expression over an aggregate of a stream's bool column where Proton would unify
  it with other types (``[if(c, max(b), any(b)), 5]``: chDB types it too late to cast it,
  see :mod:`unify`).
* 48/46/81/62 — whatever :mod:`~timeplus_emulator.sql.allowlist` does not list: functions
  reading files, dictionaries or other tables (quoted names included), table functions,
  settings and their values, ``INSERT ... FORMAT`` names and non-literal ``FORMAT Values``
  data, ``system`` tables (81), ``INTO OUTFILE``/``FROM INFILE``, ``IN db.t``.
* 44 — user columns named ``_tp_*`` (except a ``datetime64`` ``_tp_time``),
  ``window_start`` or ``window_end``; 36 — bad stream modes, kv modes without a
  primary key, malformed window arguments.

Flagged for streaming only (``SelectStatement.unsupported_streaming_reason``): two or
more streams in one query, EMIT other than PERIODIC / AFTER WINDOW CLOSE, window
functions (OVER), aggregation in a subquery over a stream, a stream inside IN (...) or a
scalar subquery, UNION/INTERSECT/EXCEPT with a stream, SELECT DISTINCT without
aggregation, LIMIT ... OFFSET.
"""

from __future__ import annotations

from timeplus_emulator.sql.errors import TranslationError
from timeplus_emulator.sql.functions import timeplus_functions
from timeplus_emulator.sql.model import (
    STAR_MARKER,
    AlterCommand,
    AlterStreamStatement,
    ColumnDef,
    CreateDatabaseStatement,
    CreateStreamStatement,
    CreateViewStatement,
    DescribeStatement,
    DropStatement,
    InsertStatement,
    SelectStatement,
    ShowStatement,
    Source,
    Statement,
    UseStatement,
    Window,
    placeholder,
)
from timeplus_emulator.sql.reverse import (
    DELTA_CHECK,
    ch_type_to_timeplus_sql,
    helper_function_ddl,
    to_timeplus_column_name,
    to_timeplus_error,
    to_timeplus_type,
)
from timeplus_emulator.sql.translate import translate
from timeplus_emulator.sql.types import normalize_timeplus_type, to_clickhouse_type

__all__ = [
    "DELTA_CHECK",
    "STAR_MARKER",
    "AlterCommand",
    "AlterStreamStatement",
    "ColumnDef",
    "CreateDatabaseStatement",
    "CreateStreamStatement",
    "CreateViewStatement",
    "DescribeStatement",
    "DropStatement",
    "InsertStatement",
    "SelectStatement",
    "ShowStatement",
    "Source",
    "Statement",
    "TranslationError",
    "UseStatement",
    "Window",
    "ch_type_to_timeplus_sql",
    "helper_function_ddl",
    "normalize_timeplus_type",
    "placeholder",
    "timeplus_functions",
    "to_clickhouse_type",
    "to_timeplus_column_name",
    "to_timeplus_error",
    "to_timeplus_type",
    "translate",
]
