"""Timeplus SQL → ClickHouse (chDB) SQL translation for the emulator.

Public API (what the engine uses):

* :func:`translate` — one Timeplus statement → a frozen statement from :mod:`model`.
* :class:`TranslationError` — rejected SQL, with a Proton error code (``.code``).
* :func:`to_clickhouse_type` / :func:`to_timeplus_type` — type names both ways.
* :func:`to_timeplus_column_name` — chDB's auto-generated column names → Timeplus.
* :func:`to_timeplus_error` — chDB error (message, code) → Proton (code, message).
"""

from __future__ import annotations

from timeplus_emulator.sql.errors import TranslationError
from timeplus_emulator.sql.functions import timeplus_functions
from timeplus_emulator.sql.model import (
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
    ch_type_to_timeplus_sql,
    to_timeplus_column_name,
    to_timeplus_error,
    to_timeplus_type,
)
from timeplus_emulator.sql.translate import translate
from timeplus_emulator.sql.types import normalize_timeplus_type, to_clickhouse_type

__all__ = [
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
    "normalize_timeplus_type",
    "placeholder",
    "timeplus_functions",
    "to_clickhouse_type",
    "to_timeplus_column_name",
    "to_timeplus_error",
    "to_timeplus_type",
    "translate",
]
