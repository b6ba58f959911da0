"""The emulator's storage engine: Timeplus streams and views on top of chDB tables.

Owns: the mapping of Timeplus databases to this instance's private chDB databases (and
back, in messages), stream/view DDL, ingest (body bytes go straight into
``INSERT ... FORMAT``), INSERT statements, the hidden ingest sequence column, and the SQL
that stands in for each source of a translated SELECT.

Storage layout: a stream ``db.s`` is the chDB table ``<prefix>db.s`` (``Log`` engine, which
keeps rows in insertion order) with the user's columns, ``_tp_time`` and the hidden
``_tp_sn Int64 MATERIALIZED`` column. Every insert passes its first sequence number in the
``log_comment`` setting; the column adds ``rowNumberInAllBlocks()``, so each row gets a
unique, increasing ``_tp_sn`` without per-row Python work. ``SELECT *`` does not show it.

``INSERT INTO s VALUES ...`` / ``INSERT INTO s SELECT ...`` without a column list writes the
user's columns in order; ``_tp_time`` (and ``_tp_delta``) take their defaults, as in Proton
(its ``00338_replicate_array_of_strings.sql`` inserts so). ``INSERT ... FORMAT`` is unchanged.

Changelog streams (``mode='changelog'`` or ``'changelog_kv'``) also store ``_tp_delta Int8
DEFAULT 1`` right after ``_tp_time``: 1 adds a row, -1 deletes it. As in Proton
(``DDLHelper.cpp`` adds the column for these two modes only; the ``*`` expansion of
``ChangelogQueryVisitor.cpp``/``TranslateQualifiedNamesVisitor.cpp``), it is an ordinary
column there, so ``SELECT *`` on one such stream includes it (PROTOCOL.md's "virtual, by
name only" holds for ``versioned_kv``, where the emulator has no ``_tp_delta``), ingest and
``INSERT (..., _tp_delta)`` write it, and an append stream refuses it (code 16, no such
column). Emulator choices: a CHECK constraint refuses values other than 1/-1 at insert with
code 117 (Proton checks nothing at insert; the message borrows the words of the sign check
in its ``CollapsingSortedAlgorithm.cpp``); known gap: JSON values outside int8 wrap in
chDB's parser before the check (255 is stored as -1, 257 as 1). Historical reads of
``changelog_kv`` show the latest row of each key by ``_tp_sn`` unless that row is a delete
(the compacted state the docs describe, ``docs/changelog-stream.md``; a real server's
``table()`` may still show uncompacted rows until its merge runs); ``changelog`` streams
keep every row. Streaming reads emit the rows as ingested, deltas included (Proton
``tests/stream/test_stream_smoke/0013_changelog_stream.json``). A streaming read of a kv
stream without ``seek_to`` first replays its current state (the latest row of each key,
deleted keys left out), as Proton does (docs ``versioned-stream.md``); streaming aggregations
over a kv stream then see the latest row of each key, deletes dropped, as Proton's retracting
aggregates do (windowed aggregations and materialized views start at the latest row).
Streaming aggregations over a ``changelog`` stream are refused (code 48): without a key the
emulator cannot retract a delete row from an aggregate.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path
from typing import Callable, Optional

from timeplus_emulator.backend import (
    Backend,
    Connection,
    EngineError,
    query_with_stats_on,
)
from timeplus_emulator.catalog import (
    CATALOG_FILE,
    CHANGELOG_MODES,
    ColumnInfo,
    SequenceClock,
    StreamInfo,
    ViewInfo,
    load_catalog,
    now_text,
    save_catalog,
)
from timeplus_emulator.format_defaults import check_omitted_defaults
from timeplus_emulator.sql import (
    DELTA_CHECK,
    STAR_MARKER,
    CreateStreamStatement,
    InsertStatement,
    SelectStatement,
    Source,
    TranslationError,
    helper_function_ddl,
    placeholder,
    to_timeplus_error,
    to_timeplus_type,
)
from timeplus_emulator.sql.legacy import range_constraints
from timeplus_emulator.sql.tokens import quote_name, quote_string
from timeplus_emulator.storage_check import check_storage_definition
from timeplus_emulator.viewcontrol import ViewControl

logger = logging.getLogger(__name__)

UNKNOWN_STREAM = 60
UNKNOWN_DATABASE = 81
STREAM_EXISTS = 57
DATABASE_EXISTS = 82
BAD_ARGUMENTS = 36
NOT_IMPLEMENTED = 48
# Databases every Timeplus server has (Proton creates them at start): they cannot be made or dropped
BUILTIN_DATABASES = frozenset({"system", "information_schema", "INFORMATION_SCHEMA"})

SN_COLUMN = (
    "`_tp_sn` Int64 MATERIALIZED toInt64OrZero(getSetting('log_comment')) + rowNumberInAllBlocks()"
)
# changelog modes: ``_tp_delta`` is a stored column; the constraint refuses values other
# than 1/-1 at insert (see ``DELTA_CHECK`` in :mod:`timeplus_emulator.sql.reverse`)
DELTA_COLUMN = (
    "`_tp_delta` Int8 DEFAULT 1",
    f"CONSTRAINT `{DELTA_CHECK}` CHECK `_tp_delta` IN (1, -1)",
)
_KV_MODES = frozenset({"versioned_kv", "changelog_kv"})
_DYNAMIC_TYPES = re.compile(r"\b(JSON|Object|Dynamic|Variant)\b")
_USER_NAME = re.compile(r"(?=[0-9]*[A-Za-z_])[A-Za-z0-9_]+\Z")  # 99006_v too, not 123

Key = tuple[str, str]
WindowRange = tuple[Optional[str], Optional[str]]


class Engine:
    """One emulator instance's streams and views, in chDB databases named ``<prefix><db>``."""

    def __init__(self, backend: Backend, prefix: str, data_dir: Optional[Path]) -> None:
        self.backend = backend
        self.prefix = prefix
        self.data_dir = data_dir
        self.lock = threading.RLock()
        self.databases: set[str] = set()
        self.streams: dict[Key, StreamInfo] = {}
        self.clocks: dict[Key, SequenceClock] = {}
        self.views: dict[Key, ViewInfo] = {}
        self.view_controls: dict[Key, ViewControl] = {}
        self.on_view_created: Optional[Callable[[ViewInfo], None]] = None
        self.on_view_dropped: Optional[Callable[[ViewInfo], None]] = None
        #: Timeplus Enterprise features (mutable streams, DELETE, TRUNCATE) are on
        self.enterprise = False

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Create the default database, or reload the catalog from ``data_dir``."""
        streams: list[StreamInfo] = []
        views: list[ViewInfo] = []
        databases: list[str] = []
        if self.data_dir is not None:
            streams, views, databases = load_catalog(self.data_dir / CATALOG_FILE)
        for ddl in helper_function_ddl():
            self.backend.query(ddl, "CSV")
        for name in {"default", *databases}:
            self.backend.query(f"CREATE DATABASE IF NOT EXISTS {self.ch_db(name)}", "CSV")
            self.databases.add(name)
        for info in streams:
            key = (info.database, info.name)
            try:
                last = self._max_sn(info.database, info.name)
            except EngineError as exc:
                logger.warning("stream %s.%s in the catalog has no table (%s); skipped",
                               info.database, info.name, exc.message)
                continue
            self.streams[key] = info
            self.clocks[key] = SequenceClock(last)
        for view in views:
            self.views[(view.database, view.name)] = view

    def stop(self, drop: bool) -> None:
        """Wake every waiting reader; with ``drop`` remove this instance's chDB databases."""
        with self.lock:
            for clock in self.clocks.values():
                clock.close()
            if drop:
                for name in list(self.databases):
                    try:
                        self.backend.query(f"DROP DATABASE IF EXISTS {self.ch_db(name)}", "CSV")
                    except EngineError:
                        logger.debug("dropping database %s failed", name, exc_info=True)

    def _max_sn(self, database: str, name: str) -> int:
        out = self.backend.query(f"SELECT max(_tp_sn) FROM {self.ch_table(database, name)}", "CSV")
        return int(out.strip() or b"0")

    def persist(self) -> None:
        """Write the catalog file when running with a data directory."""
        if self.data_dir is None:
            return
        with self.lock:
            save_catalog(self.data_dir / CATALOG_FILE, list(self.streams.values()),
                         list(self.views.values()), sorted(self.databases))

    # ----------------------------------------------------------------- names
    def ch_db(self, database: str) -> str:
        return quote_name(self.prefix + database)

    def ch_table(self, database: str, name: str) -> str:
        return f"{self.ch_db(database)}.{quote_name(name)}"

    def public_error(self, exc: EngineError) -> EngineError:
        """Map a chDB error to the Proton code/message a Timeplus client would see."""
        if not exc.from_chdb:
            return exc
        names = {f"{self.prefix}{db}": db for db in self.databases}
        code, message = to_timeplus_error(exc.message, exc.code, names)
        if self.data_dir is None:  # a random prefix, cut wherever it is; "tp_" is in other words
            message = message.replace(self.prefix, "")
        return EngineError(code, message)

    def resolve_db(self, database: Optional[str]) -> str:
        """A database that holds streams and views; the built-in ones exist (CREATE DATABASE
        says so, ``USE`` takes them) but hold none the emulator can show or make (48)."""
        name = database or "default"
        if name in BUILTIN_DATABASES:
            raise EngineError(NOT_IMPLEMENTED, f"Streams and views in the {name} database are "
                              "not supported by the emulator (only SELECT from its tables)")
        if name not in self.databases:
            raise EngineError(UNKNOWN_DATABASE, f"Database {name} doesn't exist")
        return name

    def database_rows(self) -> list[tuple[str, str]]:
        """``(name, engine)`` of every database, the built-in ones too, sorted by name, as
        Proton's ``system.databases`` lists them (``loadMetadataSystem``)."""
        builtin = [(name, "Atomic" if name == "system" else "Memory")
                   for name in BUILTIN_DATABASES]
        return sorted([*builtin, *((name, "Atomic") for name in self.databases)])

    def stream(self, database: Optional[str], name: str) -> StreamInfo:
        db = self.resolve_db(database)
        info = self.streams.get((db, name))
        if info is None:
            raise EngineError(UNKNOWN_STREAM, f"Stream {db}.{name} doesn't exist")
        return info

    def clock(self, info: StreamInfo) -> SequenceClock:
        return self.clocks[(info.database, info.name)]

    def streams_in(self, database: str) -> list[StreamInfo]:
        """A consistent snapshot of one database's streams, sorted by name."""
        with self.lock:
            return [s for (d, _), s in sorted(self.streams.items()) if d == database]

    def views_in(self, database: str) -> list[ViewInfo]:
        """A consistent snapshot of one database's views, sorted by name."""
        with self.lock:
            return [v for (d, _), v in sorted(self.views.items()) if d == database]

    def view_control(self, view: ViewInfo) -> ViewControl:
        """The pause gate and run state of a materialized view (made on first use)."""
        key = (view.database, view.name)
        with self.lock:
            if self.views.get(key) is not view:  # dropped meanwhile: keep nothing for it
                return ViewControl()
            return self.view_controls.setdefault(key, ViewControl())

    def view_query(self, database: Optional[str], name: str) -> Optional[str]:
        """The Timeplus SELECT of a non-materialized view (the translator's resolver)."""
        view = self.views.get((database or "default", name))
        if view is None or view.materialized:
            return None
        return view.query

    def star_columns(self, database: Optional[str], name: str) -> Optional[list[str]]:
        """The columns ``*`` shows of a stream, in order (the translator's lookup for
        ``SELECT *`` over ``JOIN ... USING``); None for views and unknown names."""
        info = self.streams.get((database or "default", name))
        if info is None:
            return None
        shown = [c.name for c in info.columns if c.default_kind not in ("ALIAS", "MATERIALIZED")]
        return shown if info.is_table else [*shown, "_tp_time"]

    def column_types(self, database: Optional[str], name: str) -> Optional[dict[str, str]]:
        """A stream's ``{column: Timeplus type}`` (the translator's lookup for bool
        columns); None for views and unknown names."""
        info = self.streams.get((database or "default", name))
        return None if info is None else {c.name: c.type for c in info.columns}

    # ----------------------------------------------------------------- DDL
    def create_database(self, name: str, if_not_exists: bool) -> None:
        with self.lock:
            if name in self.databases or name in BUILTIN_DATABASES:
                if if_not_exists:
                    return
                raise EngineError(DATABASE_EXISTS, f"Database {name} already exists")
            self.backend.query(f"CREATE DATABASE IF NOT EXISTS {self.ch_db(name)}", "CSV")
            self.databases.add(name)
        self.persist()

    def drop_database(self, name: str, if_exists: bool) -> None:
        with self.lock:
            if name in BUILTIN_DATABASES:
                raise EngineError(BAD_ARGUMENTS, f"Cannot drop the {name} database")
            if name not in self.databases:
                if if_exists:
                    return
                raise EngineError(UNKNOWN_DATABASE, f"Database {name} doesn't exist")
            if name == "default":
                raise EngineError(BAD_ARGUMENTS, "Cannot drop the default database")
            for key in [k for k in self.views if k[0] == name]:
                self.drop_view(name, key[1], True)
            for key in [k for k in self.streams if k[0] == name]:
                self.drop_stream(name, key[1], True)
            self.backend.query(f"DROP DATABASE IF EXISTS {self.ch_db(name)}", "CSV")
            self.databases.discard(name)
        self.persist()

    def create_stream(self, stmt: CreateStreamStatement, create_query: str = "",
                      view_target_of: Optional[str] = None) -> Optional[StreamInfo]:
        """Create a stream; ``None`` if it existed and IF NOT EXISTS was given."""
        db = self.resolve_db(stmt.database)
        _check_stream_definition(stmt)
        with self.lock:
            if (db, stmt.name) in self.streams or (db, stmt.name) in self.views:
                if stmt.if_not_exists:
                    return None
                raise EngineError(STREAM_EXISTS, f"Stream {db}.{stmt.name} already exists")
            columns = [_column_sql(c.name, c.ch_type, c.default_kind, c.default_ch, c.comment)
                       for c in stmt.columns]
            if stmt.table_engine is None:
                columns.append(
                    f"`_tp_time` DateTime64(3, 'UTC') DEFAULT {stmt.tp_time_default_ch}")
            if stmt.mode in CHANGELOG_MODES:
                columns.extend(DELTA_COLUMN)
            columns.append(SN_COLUMN)
            columns.extend(range_constraints([(c.name, c.ch_type) for c in stmt.columns]))
            try:
                check_storage_definition(self.backend, stmt, columns)
            except EngineError as exc:
                raise self.public_error(exc) from None
            ddl = (f"CREATE TABLE {self.ch_table(db, stmt.name)} ({', '.join(columns)}) "
                   f"ENGINE = {_storage_engine(stmt)}")
            self._run_ddl(ddl)
            info = _stream_info(db, stmt, create_query, view_target_of)
            if any(not c.ch_type for c in info.columns):
                self._infer_types(info)
            self.streams[(db, stmt.name)] = info
            self.clocks[(db, stmt.name)] = SequenceClock()
        self.persist()
        return info

    def _infer_types(self, info: StreamInfo) -> None:
        """Types of columns declared as ``name DEFAULT expr`` alone, as chDB inferred them."""
        out = self.backend.query(f"DESCRIBE TABLE {self.ch_table(info.database, info.name)}",
                                 "JSONCompactEachRow")
        types = {row[0]: row[1] for row in map(json.loads, out.splitlines()) if row}
        for column in info.columns:
            if not column.ch_type:
                column.ch_type = types[column.name]
                column.type = to_timeplus_type(column.ch_type)
                column.nullable = column.type.startswith("nullable(")

    def drop_stream(self, database: Optional[str], name: str, if_exists: bool) -> bool:
        """Drop a stream; False if absent and ``if_exists``."""
        with self.lock:
            db = database or "default"
            if (db, name) not in self.streams:
                if if_exists and db in self.databases:
                    return False
                self.stream(database, name)  # raises the right error
            users = [v.name for v in self.views.values()
                     if v.materialized and (v.target_database, v.target_stream) == (db, name)
                     and v.name != name]
            if users:
                raise EngineError(630, f"Cannot drop stream {db}.{name}: "
                                  f"materialized view {users[0]} writes to it")
            self._run_ddl(f"DROP TABLE IF EXISTS {self.ch_table(db, name)}")
            del self.streams[(db, name)]
            self.clocks.pop((db, name)).close()
        self.persist()
        return True

    def update_stream(self, database: Optional[str], name: str, changes: dict[str, object]) -> None:
        """PATCH /streams/{name}: description, retention and TTL (metadata only)."""
        with self.lock:
            info = self.stream(database, name)
            for key, value in changes.items():
                if key == "description" and isinstance(value, str):
                    info.description = value
                elif key in ("logstore_retention_bytes", "logstore_retention_ms") and \
                        isinstance(value, int):
                    setattr(info, key, value)
                elif key == "ttl_expression" and isinstance(value, str):
                    info.ttl_expression = value
            info.last_updated_at = now_text()
        self.persist()

    def add_view(self, view: ViewInfo) -> None:
        with self.lock:
            self.views[(view.database, view.name)] = view
        self.persist()
        if self.on_view_created is not None:
            self.on_view_created(view)

    def drop_view(self, database: Optional[str], name: str, if_exists: bool) -> bool:
        with self.lock:
            db = self.resolve_db(database)
            view = self.views.get((db, name))
            if view is None:
                if if_exists:
                    return False
                raise EngineError(UNKNOWN_STREAM, f"View {db}.{name} doesn't exist")
            del self.views[(db, name)]
            self.view_controls.pop((db, name), None)
            if self.on_view_dropped is not None:
                self.on_view_dropped(view)
            target = self.streams.get((db, name))
            if view.materialized and target is not None and target.view_target_of == name:
                self._run_ddl(f"DROP TABLE IF EXISTS {self.ch_table(db, name)}")
                del self.streams[(db, name)]
                self.clocks.pop((db, name)).close()
        self.persist()
        return True

    def run_ddl(self, sql: str) -> None:
        """Run one statement built by the emulator; chDB errors in Timeplus terms."""
        self._run_ddl(sql)

    def _run_ddl(self, sql: str) -> None:
        try:
            self.backend.query(sql, "CSV")
        except EngineError as exc:
            raise self.public_error(exc) from None

    # ----------------------------------------------------------------- inserts
    def insert_numbered(self, info: StreamInfo, head: str, tail: str,
                        settings: str = "") -> int:
        """Run ``head SETTINGS log_comment = <first sn>settings tail`` on a pooled
        connection; the rows are numbered from the stream's clock (``_tp_sn``)."""
        with self.backend.connection() as conn:
            return self.insert_numbered_on(conn, info, head, tail, settings)

    def insert_numbered_on(self, conn: Connection, info: StreamInfo, head: str, tail: str,
                           settings: str = "") -> int:
        """:meth:`insert_numbered` on a borrowed connection (one holding a staging table)."""
        clock = self.clock(info)
        with clock.lock:
            first = clock.last + 1
            sql = f"{head} SETTINGS log_comment = '{first}'{settings} {tail}"
            try:
                _, rows = query_with_stats_on(conn, sql, "CSV")
            except EngineError as exc:
                self._resync(info, clock)
                raise self.public_error(exc) from None
            clock.advance(rows)
        return rows

    def _resync(self, info: StreamInfo, clock: SequenceClock) -> None:
        """After a failed insert, count any rows it did write (large bodies insert by block)."""
        try:
            last = self._max_sn(info.database, info.name)
        except EngineError:
            return
        if last > clock.last:
            clock.advance(last - clock.last)

    def insert(self, stmt: InsertStatement) -> int:
        """Run INSERT INTO ... VALUES/SELECT/FORMAT (sources read historically)."""
        info = self.stream(stmt.database, stmt.name)
        if info.view_target_of is not None:
            raise EngineError(NOT_IMPLEMENTED, f"Cannot insert into materialized view {info.name}")
        body = self.historical_sql(stmt.body_ch, stmt.sources)
        check_omitted_defaults(info.columns, stmt.columns, body)
        columns = stmt.columns
        if columns is None and (stmt.select is not None or _is_values(body)):
            columns = self._implicit_columns(info, body if stmt.select is not None else None)
        column_list = ""
        if columns is not None:
            column_list = " (" + ", ".join(quote_name(c) for c in columns) + ")"
        extra = "".join(f", {k} = {v}" for k, v in stmt.settings.items())  # allow-listed
        head = f"INSERT INTO {self.ch_table(info.database, info.name)}{column_list}"
        return self.insert_numbered(info, head, body, extra)

    def _implicit_columns(self, info: StreamInfo,
                          select_sql: Optional[str]) -> Optional[tuple[str, ...]]:
        """The columns of an INSERT without a column list: the user's writable columns, so
        ``_tp_time`` (and ``_tp_delta``) take their defaults, as Proton fills them. A SELECT
        with one more column (``SELECT *`` of another stream) writes ``_tp_time`` too."""
        user = tuple(c.name for c in info.columns if c.default_kind == "DEFAULT")
        if select_sql is None:
            return user
        try:
            described = self.backend.query(f"DESCRIBE ({select_sql})", "JSONCompactEachRow")
        except EngineError:
            return None  # the INSERT itself reports what is wrong with the SELECT
        width = sum(1 for line in described.splitlines() if line.strip())
        return user if width == len(user) else None

    # ----------------------------------------------------------------- sources
    def historical_sql(self, text: str, sources: tuple[Source, ...]) -> str:
        """``text`` with its source placeholders (and ``*`` markers) filled in, every source
        read whole (INSERT ... SELECT, DELETE's subqueries)."""
        text = text.replace(STAR_MARKER, self.star_except(sources))
        for index, source in enumerate(sources):
            text = text.replace(placeholder(index), self.source_sql(source, None, None))
        return text

    def source_sql(self, source: Source, after_sn: Optional[int], upto_sn: Optional[int],
                   window_range: Optional[WindowRange] = None, compact: bool = False) -> str:
        """The FROM item (alias included) standing in for ``source``.

        ``after_sn``/``upto_sn`` restrict to rows with ``after < _tp_sn <= upto``;
        ``window_range`` (exclusive low, inclusive high ``window_end`` as SQL) restricts
        windowed sources to windows closing in that range. Historical reads of a kv stream
        see its latest row per key; with ``compact`` a streaming range does too (within
        the range: what a streaming aggregation over a kv stream counts).
        """
        info = self.source_stream(source)
        table = self.ch_table(info.database, info.name)
        where = []
        if after_sn is not None:
            where.append(f"_tp_sn > {after_sn}")
        if upto_sn is not None:
            where.append(f"_tp_sn <= {upto_sn}")
        if source.historical or after_sn is None:
            where.extend(self._kv_filter(info, table))
        elif compact:
            where.extend(self._kv_filter(info, table, f" WHERE {' AND '.join(where)}"))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        computed = "".join(f", {quote_name(c.name)}" for c in info.columns
                           if c.default_kind != "DEFAULT")  # not in chDB's *
        order = f"{info.order_by}, _tp_sn" if info.order_by else "_tp_sn"
        inner = f"SELECT *{computed} FROM {table}{clause} ORDER BY {order}"
        window = source.window
        if window is not None and window.start_ch is not None and window.end_ch is not None:
            inner = (f"SELECT *, {window.start_ch} AS window_start, {window.end_ch} AS window_end "
                     f"FROM ({inner})")
            if window_range is not None:
                bounds = [f"window_end > {window_range[0]}" if window_range[0] else "",
                          f"window_end <= {window_range[1]}" if window_range[1] else ""]
                cond = " AND ".join(b for b in bounds if b)
                if cond:
                    inner = f"SELECT * FROM ({inner}) WHERE {cond}"
        alias = quote_name(source.alias or source.name)
        return f"({inner}) AS {alias}"

    def star_except(self, sources: tuple[Source, ...]) -> str:
        """What follows each ``*`` of a query over ``sources`` (see ``STAR_MARKER``): their
        ALIAS/MATERIALIZED columns are selected by the source subqueries but, as in
        ClickHouse, not part of ``*``."""
        computed: set[str] = set()
        stored: set[str] = set()
        for source in sources:
            try:
                columns = self.source_stream(source).columns
            except EngineError:
                continue  # source_sql reports it
            for column in columns:
                (stored if column.default_kind == "DEFAULT" else computed).add(column.name)
        clash = sorted(computed & stored)
        if clash:
            raise EngineError(NOT_IMPLEMENTED, "* over streams where one's ALIAS/MATERIALIZED "
                              f"column is named like another's column ({clash[0]}) is not "
                              "supported by the emulator")
        return f"EXCEPT ({', '.join(quote_name(n) for n in sorted(computed))})" if computed else ""

    def _kv_filter(self, info: StreamInfo, table: str, within: str = "") -> list[str]:
        if info.mode not in _KV_MODES or not info.primary_key:
            return []
        keys = ", ".join(quote_name(k) for k in info.primary_key)
        latest = [f"_tp_sn IN (SELECT max(_tp_sn) FROM {table}{within} GROUP BY {keys})"]
        if info.mode == "changelog_kv":  # a key whose latest row is a delete is gone
            latest.append("_tp_delta = 1")
        return latest

    def live_sources(self, stmt: SelectStatement) -> list[int]:
        """Indexes of the sources ``stmt`` streams: not in ``table()``, and not an
        ``ENGINE = Memory|MergeTree`` store (read as a table with or without ``table()``)."""
        if not stmt.streaming:
            return []
        return [i for i, source in enumerate(stmt.sources)
                if not source.historical and not self._is_table_source(source)]

    def _is_table_source(self, source: Source) -> bool:
        try:
            return self.source_stream(source).is_table
        except EngineError:
            return False

    def source_stream(self, source: Source) -> StreamInfo:
        """The stream whose rows a source reads (a materialized view reads its target)."""
        db = self.resolve_db(source.database)
        view = self.views.get((db, source.name))
        if view is not None and view.materialized and view.target_stream:
            return self.stream(view.target_database or db, view.target_stream)
        return self.stream(db, source.name)


def _is_values(body: str) -> bool:
    return body[:6].upper() == "VALUES"


def _check_stream_definition(stmt: CreateStreamStatement) -> None:
    if not _USER_NAME.match(stmt.name) or len(stmt.name) > 255:
        raise EngineError(BAD_ARGUMENTS, f"Invalid stream name {stmt.name!r}: use letters, "
                          "digits and _ , not only digits")
    for column in stmt.columns:
        if column.name.startswith("_tp_"):
            raise EngineError(BAD_ARGUMENTS, f"Column name {column.name!r} is reserved: "
                              "names starting with _tp_ belong to Timeplus")
    names = [c.name for c in stmt.columns]
    for key in stmt.primary_key:
        if key not in names:
            raise EngineError(BAD_ARGUMENTS, f"Primary key column {key!r} is not a column")
    if stmt.mode in _KV_MODES and not stmt.primary_key:
        raise EngineError(BAD_ARGUMENTS, f"mode '{stmt.mode}' requires a PRIMARY KEY")


def _storage_engine(stmt: CreateStreamStatement) -> str:
    """``Log`` (no parts to merge); ``MergeTree`` when a column type needs it (JSON);
    ``EmbeddedRocksDB`` keyed on the primary key for a mutable stream (an insert replaces
    the row of its key, with a new ``_tp_sn``, so streaming readers see the change).

    Readers always order by ``_tp_sn``, so each keeps ingest order.
    """
    if stmt.mode == "mutable":
        return f"EmbeddedRocksDB PRIMARY KEY ({', '.join(map(quote_name, stmt.primary_key))})"
    if any(_DYNAMIC_TYPES.search(c.ch_type) for c in stmt.columns):
        return "MergeTree ORDER BY _tp_sn"
    return "Log"


def _column_sql(name: str, ch_type: str, kind: str, default_ch: Optional[str],
                comment: Optional[str]) -> str:
    text = f"{quote_name(name)} {ch_type}"
    if default_ch is not None:
        text += f" {kind} {default_ch}"
    if comment:
        text += f" COMMENT {quote_string(comment)}"
    return text


def _stream_info(db: str, stmt: CreateStreamStatement, create_query: str,
                 view_target_of: Optional[str]) -> StreamInfo:
    settings = dict(stmt.settings)
    info = StreamInfo(
        database=db,
        name=stmt.name,
        columns=[ColumnInfo(c.name, c.type, c.ch_type, c.default, c.nullable, c.codec, c.comment,
                            c.default_kind)
                 for c in stmt.columns],
        mode=stmt.mode,
        primary_key=list(stmt.primary_key),
        ttl_expression=stmt.ttl_expression,
        settings=settings,
        description=stmt.comment or "",
        create_query=create_query,
        view_target_of=view_target_of,
        engine=stmt.table_engine or "Stream",
        order_by=stmt.order_by_ch,
        indexes=[{"name": i.name, "columns": list(i.columns), "unique": i.unique,
                  "storing": list(i.storing)} for i in stmt.indexes],
    )
    for key in ("logstore_retention_bytes", "logstore_retention_ms"):
        if key in settings:
            try:
                setattr(info, key, int(settings[key]))
            except ValueError:
                raise EngineError(BAD_ARGUMENTS, f"{key} must be an integer") from None
    return info


__all__ = ["Engine", "EngineError", "TranslationError"]
