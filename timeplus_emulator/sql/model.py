"""Statements produced by :func:`timeplus_emulator.sql.translate`.

Owns: the frozen dataclasses the engine consumes. Nothing here talks to chDB.

Conventions shared by every statement:

* ``database`` is the Timeplus database the user wrote, or ``None`` for "the current
  database". The translator never invents chDB database names; the engine maps
  Timeplus names to its private chDB databases when it substitutes placeholders.
* SQL text meant for chDB ends in ``_ch`` (or is called ``ch_sql``/``body_ch``).
  It never names a user stream directly: every stream/view reference in FROM/JOIN
  is the placeholder ``__TP_SOURCE_<i>__`` (``i`` indexes ``sources``).
* **The placeholder stands for the whole FROM item, alias included.** The engine
  replaces it with e.g. ``db.t AS `alias``` or ``(SELECT ... ) AS `alias```, where
  ``alias`` is :attr:`Source.alias` (the user's alias, else the stream name), so
  qualified column references like ``s.col`` keep working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional, Union

from timeplus_emulator.sql.storage_def import StorageDefinition
from timeplus_emulator.sql.tokens import quote_name

WindowKind = Literal["tumble", "hop", "session"]


PLACEHOLDER_PREFIX = "__TP_SOURCE_"


# follows every ``*`` that stands for columns; the engine replaces it with ``EXCEPT (...)``
# naming the sources' ALIAS/MATERIALIZED columns (which ``*`` leaves out, as in ClickHouse,
# though the emulator's source subqueries select them), or with nothing
STAR_MARKER = f"{PLACEHOLDER_PREFIX}STAR__"


def placeholder(index: int) -> str:
    """The text standing for ``sources[index]`` in translated SQL.

    User text can never produce it: the translator re-spells any occurrence of
    ``__TP_SOURCE_`` in literals, names and comments, so a plain ``str.replace``
    of placeholders is safe.
    """
    return f"{PLACEHOLDER_PREFIX}{index}__"


@dataclass(frozen=True)
class Window:
    """A ``tumble``/``hop``/``session`` window table function over a source.

    ``start_ch`` and ``end_ch`` are ClickHouse expressions over the source's columns
    that compute ``window_start``/``window_end`` for a row; ``end_ch`` may refer to
    ``window_start`` (the engine selects ``*, <start_ch> AS window_start,
    <end_ch> AS window_end``). For ``hop`` the start expression contains
    ``arrayJoin`` (a row belongs to several windows). ``session`` windows are
    rejected by the translator (code 48), so ``kind`` is ``tumble`` or ``hop`` today.
    """

    kind: WindowKind
    time_column: str  # ClickHouse expression text, usually a backquoted column
    size_sql: str  # ClickHouse interval expression
    size_seconds: float
    step_sql: Optional[str] = None  # hop interval (hop only)
    step_seconds: Optional[float] = None
    timezone: Optional[str] = None
    start_ch: Optional[str] = None
    end_ch: Optional[str] = None


@dataclass(frozen=True)
class Source:
    """A stream (or materialized view) read in FROM/JOIN, replaced by a placeholder."""

    database: Optional[str]
    name: str
    alias: Optional[str]  # user alias, else the stream name; never None in practice
    historical: bool  # written as table(x)
    window: Optional[Window] = None


@dataclass(frozen=True)
class SelectStatement:
    """A SELECT (or WITH ... SELECT) query.

    ``aggregating`` describes the outermost query: aggregate functions or GROUP BY.
    ``output_names`` gives, per top-level select item, the Timeplus column name when
    it is known from the text (an alias or a bare column); ``None`` entries mean "use
    :func:`to_timeplus_column_name` on chDB's name"; the whole tuple is ``None``
    when the select list contains ``*`` (positions do not line up then).
    ``unsupported_streaming_reason`` is set when the query cannot run in streaming
    mode; the engine must refuse it with code 48 unless the query is bounded
    (``query_mode_table`` or every source historical).
    """

    ch_sql: str
    sources: tuple[Source, ...]
    query_mode_table: bool = False
    seek_to: Optional[str] = None
    limit: Optional[int] = None
    offset: Optional[int] = None
    aggregating: bool = False
    emit: Optional[str] = None  # 'periodic', 'after_window_close', 'on_update', ...
    emit_periodic_seconds: Optional[float] = None
    settings: dict[str, str] = field(default_factory=dict)  # Timeplus-only, stripped
    output_names: Optional[tuple[Optional[str], ...]] = None
    system_tables: tuple[str, ...] = ()  # e.g. ('tables', 'columns') for system.*
    unsupported_streaming_reason: Optional[str] = None

    @property
    def streaming(self) -> bool:
        """True if the query is unbounded (some source read without table())."""
        if self.query_mode_table:
            return False
        return any(not s.historical for s in self.sources)


@dataclass(frozen=True)
class ColumnDef:
    """A column of CREATE STREAM.

    ``type`` is the normalized Timeplus type including any ``nullable(...)`` wrapper, or
    ``""`` (and ``ch_type`` too) for ``name DEFAULT|ALIAS|MATERIALIZED expr`` without a type,
    which the engine reads back from the created table;
    ``nullable`` says whether that outer wrapper is present. ``default`` is the
    Timeplus expression text as written, ``default_ch`` its translation.
    """

    name: str
    type: str
    ch_type: str
    default: Optional[str] = None
    default_ch: Optional[str] = None
    nullable: bool = False
    codec: Optional[str] = None  # ClickHouse CODEC(...) argument text
    comment: Optional[str] = None
    default_kind: str = "DEFAULT"  # or MATERIALIZED / ALIAS


@dataclass(frozen=True)
class CreateStreamStatement:
    """CREATE STREAM. ``columns`` excludes ``_tp_time``.

    Every stream gets ``_tp_time DateTime64(3, 'UTC') DEFAULT <tp_time_default_ch>``
    as its last column: the default is ``now64(3, 'UTC')``, the user's own
    ``_tp_time datetime64(...) DEFAULT e`` declaration, or the translated
    ``event_time_column`` setting (which stays in ``settings``). ``mode`` has been
    taken out of ``settings``.

    ``table_engine`` is ``Memory`` or ``MergeTree`` for ``ENGINE = ...``: a non-streaming,
    table-like store with no reserved columns (no ``_tp_time``), read as a table even
    without ``table()``; ``None`` for an ordinary stream.
    """

    database: Optional[str]
    name: str
    columns: tuple[ColumnDef, ...]
    if_not_exists: bool = False
    mode: str = "append"
    primary_key: tuple[str, ...] = ()
    ttl_expression: Optional[str] = None
    ttl_expression_ch: Optional[str] = None
    settings: dict[str, str] = field(default_factory=dict)  # values unquoted
    comment: Optional[str] = None
    tp_time_default_ch: str = "now64(3, 'UTC')"
    table_engine: Optional[str] = None
    indexes: tuple[IndexDef, ...] = ()  # secondary indexes of a mutable stream
    order_by_ch: Optional[str] = None  # ENGINE = MergeTree: the sorting key, its read order
    storage: Optional[StorageDefinition] = None  # keys, TTL, indexes... to validate, or None


@dataclass(frozen=True)
class IndexDef:
    """``INDEX name (columns) [UNIQUE] [STORING (columns)]`` of a mutable stream."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    storing: tuple[str, ...] = ()

    def sql(self) -> str:
        """The definition as Timeplus text."""
        text = f"INDEX {quote_name(self.name)} ({', '.join(map(quote_name, self.columns))})"
        if self.unique:
            text += " UNIQUE"
        if self.storing:
            text += f" STORING ({', '.join(map(quote_name, self.storing))})"
        return text


@dataclass(frozen=True)
class DeleteStatement:
    """``DELETE FROM [db.]s WHERE cond`` (Timeplus Enterprise 2.7+); ``where_ch`` translated."""

    database: Optional[str]
    name: str
    where_ch: str
    sources: tuple[Source, ...] = ()  # streams its subqueries read (placeholders in where_ch)


@dataclass(frozen=True)
class TruncateStatement:
    """``TRUNCATE STREAM [db.]s`` (Timeplus Enterprise 2.6+)."""

    database: Optional[str]
    name: str


@dataclass(frozen=True)
class OptimizeStatement:
    """``OPTIMIZE TABLE [db.]s [PARTITION p] [FINAL]``: merge a stream's stored parts."""

    database: Optional[str]
    name: str


@dataclass(frozen=True)
class CreateViewStatement:
    """CREATE [MATERIALIZED] VIEW [IF NOT EXISTS] v [INTO target] AS SELECT ...

    ``select_sql`` is the Timeplus text of the query; ``select`` is its translation
    (views are translated again at use time, with current view definitions).
    """

    database: Optional[str]
    name: str
    select_sql: str
    materialized: bool
    target: Optional[str]
    target_database: Optional[str]
    if_not_exists: bool
    select: SelectStatement


@dataclass(frozen=True)
class CreateDatabaseStatement:
    """CREATE DATABASE [IF NOT EXISTS] name."""

    name: str
    if_not_exists: bool = False


DropKind = Literal["stream", "view", "database"]


@dataclass(frozen=True)
class DropStatement:
    """DROP STREAM|VIEW|DATABASE [IF EXISTS] name."""

    kind: DropKind
    database: Optional[str]
    name: str
    if_exists: bool = False


@dataclass(frozen=True)
class InsertStatement:
    """INSERT INTO [db.]s [(cols)] VALUES ... | SELECT ... | FORMAT ...

    ``body_ch`` is the ClickHouse text after the column list (``VALUES (...)``,
    ``SELECT ...`` with source placeholders, or ``FORMAT X <data>``).
    """

    database: Optional[str]
    name: str
    columns: Optional[tuple[str, ...]]
    body_ch: str
    sources: tuple[Source, ...] = ()
    select: Optional[SelectStatement] = None  # set for INSERT ... SELECT
    settings: dict[str, str] = field(default_factory=dict)  # name → allow-listed SQL literal


ShowWhat = Literal["streams", "databases", "views", "create", "create_database", "functions",
                   "settings"]


@dataclass(frozen=True)
class ShowStatement:
    """SHOW STREAMS [FROM db] [[NOT] LIKE|ILIKE 'p'] | SHOW DATABASES | SHOW VIEWS |
    SHOW CREATE x | SHOW CREATE DATABASE x."""

    what: ShowWhat
    database: Optional[str] = None
    name: Optional[str] = None
    like: Optional[str] = None  # LIKE pattern, SQL LIKE syntax
    not_like: bool = False  # NOT LIKE / NOT ILIKE
    ilike: bool = False  # case-insensitive


@dataclass(frozen=True)
class DescribeStatement:
    """DESCRIBE [STREAM] [db.]name."""

    database: Optional[str]
    name: str


@dataclass(frozen=True)
class ExplainEstimateStatement:
    """``EXPLAIN ESTIMATE <select>``: the parts, rows and marks the query's historical reads
    would touch, per stream. The only EXPLAIN the emulator runs."""

    select: SelectStatement


@dataclass(frozen=True)
class UseStatement:
    """USE db."""

    database: str


@dataclass(frozen=True)
class AlterCommand:
    """One command of ALTER STREAM; ``kind`` is Proton's type name (``ADD_COLUMN``...)."""

    kind: str
    column: Optional[ColumnDef] = None  # ADD_COLUMN
    if_not_exists: bool = False
    after: Optional[str] = None  # ADD_COLUMN ... AFTER name
    first: bool = False  # ADD_COLUMN ... FIRST
    name: Optional[str] = None  # RENAME_COLUMN old name
    new_name: Optional[str] = None
    if_exists: bool = False
    ttl: Optional[str] = None  # MODIFY_TTL, as written
    ttl_ch: Optional[str] = None
    settings: tuple[tuple[str, str], ...] = ()  # MODIFY_SETTING, values unquoted
    index: Optional[IndexDef] = None  # ADD_INDEX of a mutable stream


@dataclass(frozen=True)
class AlterStreamStatement:
    """ALTER STREAM [db.]name command[, command...] (all commands of one kind)."""

    database: Optional[str]
    name: str
    commands: tuple[AlterCommand, ...]


Statement = Union[
    SelectStatement,
    ExplainEstimateStatement,
    CreateStreamStatement,
    CreateViewStatement,
    CreateDatabaseStatement,
    DropStatement,
    InsertStatement,
    ShowStatement,
    DescribeStatement,
    UseStatement,
    AlterStreamStatement,
    DeleteStatement,
    TruncateStatement,
    OptimizeStatement,
]
