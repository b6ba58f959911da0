"""Executing translated statements other than plain SELECT streaming.

Owns: dispatch of each :mod:`timeplus_emulator.sql` statement to the engine, the static
results of SHOW/DESCRIBE (as rows rendered like chDB renders them), REST JSON stream and
view definitions (turned into Timeplus DDL text and translated, so SQL and REST share one
path), and materialized views (a background streaming query inserting into the target).

A materialized view without ``INTO`` gets a target stream made from its query's columns;
when those include ``_tp_delta`` (a query over a changelog stream), the target is a
``mode='changelog'`` stream, so the rows keep their deltas (our choice: how Timeplus
types such an implicit target is not documented).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import replace
from typing import Any, Callable, Optional, Union

from timeplus_emulator.backend import EngineError
from timeplus_emulator.catalog import StreamInfo, ViewInfo
from timeplus_emulator.engine import (
    BAD_ARGUMENTS,
    BUILTIN_DATABASES,
    NOT_IMPLEMENTED,
    UNKNOWN_DATABASE,
    Engine,
)
from timeplus_emulator.estimate import ESTIMATE_HEADER, estimate_rows
from timeplus_emulator.ingest_store import store_rows
from timeplus_emulator.mutations import (
    delete_rows,
    mutable_ddl,
    optimize,
    require_enterprise,
    truncate,
)
from timeplus_emulator.queries import QueryRecord
from timeplus_emulator.schema_change import alter_stream
from timeplus_emulator.sql import (
    AlterStreamStatement,
    CreateDatabaseStatement,
    CreateStreamStatement,
    CreateViewStatement,
    DescribeStatement,
    DropStatement,
    InsertStatement,
    SelectStatement,
    ShowStatement,
    Statement,
    TranslationError,
    UseStatement,
    translate,
)
from timeplus_emulator.sql.errors import INCORRECT_QUERY
from timeplus_emulator.sql.model import (
    DeleteStatement,
    ExplainEstimateStatement,
    OptimizeStatement,
    TruncateStatement,
)
from timeplus_emulator.sql.tokens import quote_name, quote_string
from timeplus_emulator.sql.types import parse_timeplus_type
from timeplus_emulator.streaming import QueryStopped, RowSink, SelectRunner
from timeplus_emulator.systables import rewrite_system_tables

logger = logging.getLogger(__name__)


class StaticRunner:
    """A result computed up front (SHOW, DESCRIBE, DDL over SSE)."""

    def __init__(self, header: list[dict[str, str]], rows: list[list[Any]]) -> None:
        self.header = header
        self.streaming = False
        self._rows = [json.dumps(r, ensure_ascii=False).encode("utf-8") for r in rows]

    def prepare(self) -> None:
        """Nothing to validate: the rows exist already."""

    def run(self, sink: RowSink) -> None:
        if self._rows:
            sink.emit(self._rows)

    def close(self) -> None:
        """Nothing is held."""


Runner = Union[SelectRunner, StaticRunner]


def translate_sql(engine: Engine, sql: str, database: Optional[str] = None) -> Statement:
    """Translate with this engine's view definitions, unqualified names resolving in
    ``database`` (``None``: default; an unknown one is 81); errors become :class:`EngineError`."""
    if database is not None:
        engine.resolve_db(database)
    try:
        return translate(sql, resolve_view=engine.view_query, stream_columns=engine.star_columns,
                         database=database, column_types=engine.column_types)
    except TranslationError as exc:
        raise EngineError(exc.code, exc.message) from None


class Executor:
    """Runs statements for one emulator instance (owns the materialized view threads)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._mv_stops: dict[tuple[str, str], threading.Event] = {}
        self._mv_threads: list[threading.Thread] = []
        engine.on_view_dropped = self._stop_view

    def execute(self, stmt: Statement, sql: str, record: QueryRecord) -> Optional[Runner]:
        """Run ``stmt``: a runner for row-returning statements, ``None`` for DDL/INSERT."""
        if isinstance(stmt, SelectStatement):
            return SelectRunner(self.engine, stmt, record)
        if isinstance(stmt, ExplainEstimateStatement):
            return StaticRunner(ESTIMATE_HEADER, estimate_rows(self.engine, stmt))
        if isinstance(stmt, ShowStatement):
            return self.show(stmt)
        if isinstance(stmt, DescribeStatement):
            return self.describe(stmt)
        if isinstance(stmt, CreateStreamStatement):
            if stmt.mode == "mutable":
                require_enterprise(self.engine, "CREATE MUTABLE STREAM")
            self.engine.create_stream(stmt, sql)
        elif isinstance(stmt, CreateViewStatement):
            self.create_view(stmt)
        elif isinstance(stmt, AlterStreamStatement):
            alter_stream(self.engine, stmt)
        elif isinstance(stmt, CreateDatabaseStatement):
            self.engine.create_database(stmt.name, stmt.if_not_exists)
        elif isinstance(stmt, DropStatement):
            self.drop(stmt)
        elif isinstance(stmt, InsertStatement):
            record.rows = self.engine.insert(_own_system_tables(self.engine, stmt))
        elif isinstance(stmt, UseStatement):
            if stmt.database not in BUILTIN_DATABASES:
                self.engine.resolve_db(stmt.database)
        elif isinstance(stmt, DeleteStatement):
            record.rows = delete_rows(self.engine, stmt)
        elif isinstance(stmt, TruncateStatement):
            truncate(self.engine, stmt)
        elif isinstance(stmt, OptimizeStatement):
            optimize(self.engine, stmt)
        return None

    def drop(self, stmt: DropStatement) -> None:
        if stmt.kind == "database":
            self.engine.drop_database(stmt.name, stmt.if_exists)
        elif stmt.kind == "view":
            key = (self.engine.resolve_db(stmt.database), stmt.name)
            if key in self.engine.streams and key not in self.engine.views:
                # Proton's check, with IF EXISTS too
                raise EngineError(INCORRECT_QUERY, f"It {key[0]}.{key[1]} is not a View")
            self.engine.drop_view(stmt.database, stmt.name, stmt.if_exists)
        elif (self.engine.resolve_db(stmt.database), stmt.name) in self.engine.views:
            # Proton's DROP STREAM drops a view too (its docs drop a materialized view so)
            self.engine.drop_view(stmt.database, stmt.name, stmt.if_exists)
        else:
            self.engine.drop_stream(stmt.database, stmt.name, stmt.if_exists)

    # ------------------------------------------------------------- SHOW / DESCRIBE
    def show(self, stmt: ShowStatement) -> StaticRunner:
        engine = self.engine
        name_col = [{"name": "name", "type": "string"}]
        if stmt.what == "databases":
            names = [name for name, _ in engine.database_rows()]
        elif stmt.what == "create":
            return StaticRunner([{"name": "statement", "type": "string"}],
                                [[self._create_text(stmt.database, stmt.name or "")]])
        elif stmt.what == "create_database":
            return StaticRunner([{"name": "statement", "type": "string"}],
                                [[self._create_database_text(stmt.name or "")]])
        elif stmt.what == "views":
            db = engine.resolve_db(stmt.database)
            names = [v.name for v in engine.views_in(db)]
        elif stmt.what == "streams":
            db = engine.resolve_db(stmt.database)
            names = sorted({s.name for s in engine.streams_in(db)}
                           | {v.name for v in engine.views_in(db)})
        else:
            raise EngineError(NOT_IMPLEMENTED, f"SHOW {stmt.what.upper()} is not supported")
        if stmt.like is not None:
            like = like_matcher(stmt.like, stmt.ilike)
            names = [n for n in names if bool(like(n)) != stmt.not_like]
        return StaticRunner(name_col, [[n] for n in names])

    def _create_database_text(self, name: str) -> str:
        """Proton's text: ``CREATE DATABASE name`` and its engine on the next line (Atomic
        for databases made by ``CREATE DATABASE`` and for ``system``, as ``system.databases``
        lists them)."""
        kind = dict(self.engine.database_rows()).get(name)
        if kind is None:
            raise EngineError(UNKNOWN_DATABASE, f"Database {name} doesn't exist")
        return f"CREATE DATABASE {name}\nENGINE = {kind}"

    def _create_text(self, database: Optional[str], name: str) -> str:
        db = self.engine.resolve_db(database)
        view = self.engine.views.get((db, name))
        if view is not None:
            return str(view.to_json()["create_query"])
        info = self.engine.stream(db, name)
        return info.create_query or _stream_ddl(info)

    def describe(self, stmt: DescribeStatement) -> StaticRunner:
        db = self.engine.resolve_db(stmt.database)
        view = self.engine.views.get((db, stmt.name))
        if view is not None and not view.materialized:
            header = [{"name": "name", "type": "string"}, {"name": "type", "type": "string"}]
            return StaticRunner(header, [[c["name"], c["type"]] for c in view.columns])
        info = self.engine.source_stream(_source_like(db, stmt.name))
        header = [{"name": n, "type": "string"} for n in
                  ("name", "type", "default_type", "default_expression", "comment",
                   "codec_expression", "ttl_expression")]
        rows = [[c.name, c.type, c.default_kind if c.default else "", c.default or "",
                 c.comment or "", c.codec or "", ""] for c in info.columns]
        rows.extend([name, type_text, "DEFAULT", default, "", "", ""]
                    for name, type_text, default in info.reserved_columns())
        return StaticRunner(header, rows)

    # ------------------------------------------------------------- views
    def create_view(self, stmt: CreateViewStatement, description: str = "") -> ViewInfo:
        engine = self.engine
        db = engine.resolve_db(stmt.database)
        with engine.lock:
            if (db, stmt.name) in engine.views or (db, stmt.name) in engine.streams:
                if stmt.if_not_exists:
                    return engine.views.get((db, stmt.name)) or ViewInfo(db, stmt.name, "", False)
                raise EngineError(57, f"View {db}.{stmt.name} already exists")
            header = self._view_header(stmt.select, stmt.materialized)
            view = ViewInfo(db, stmt.name, stmt.select_sql, stmt.materialized,
                            description=description, columns=header)
            if stmt.materialized:
                self._prepare_target(view, stmt, header)
            engine.add_view(view)
        if view.materialized:
            self.start_view(view)
        return view

    def _view_header(self, select: SelectStatement, materialized: bool) -> list[dict[str, Any]]:
        """The view's columns. A materialized view runs streaming, so its query must be one
        the emulator can stream; a plain view is checked as a table read (a view over a join
        or union of two streams is created, and refused only when read streaming)."""
        if not materialized:
            select = replace(select, query_mode_table=True)
        runner = SelectRunner(self.engine, select, QueryRecord(sql=""))
        runner.prepare()
        runner.close()
        return [dict(c) for c in runner.header]

    def _prepare_target(self, view: ViewInfo, stmt: CreateViewStatement,
                        header: list[dict[str, Any]]) -> None:
        engine = self.engine
        if stmt.target:
            target = engine.stream(stmt.target_database or view.database, stmt.target)
            view.target_stream, view.target_database = target.name, target.database
            return
        names = {c["name"] for c in header}
        columns = ", ".join(f"{quote_name(c['name'])} {c['type']}" for c in header
                            if c["name"] not in ("_tp_time", "_tp_delta"))
        ddl = f"CREATE STREAM {quote_name(view.database)}.{quote_name(view.name)} ({columns})"
        if "_tp_delta" in names:  # changelog rows: the target keeps their deltas
            ddl += " SETTINGS mode='changelog'"
        created = translate_sql(engine, ddl)
        assert isinstance(created, CreateStreamStatement)
        engine.create_stream(created, ddl, view_target_of=view.name)
        view.target_stream, view.target_database = view.name, view.database

    def start_view(self, view: ViewInfo) -> None:
        """Start the background query that feeds a materialized view's target stream."""
        stop = threading.Event()
        self._mv_stops[(view.database, view.name)] = stop
        thread = threading.Thread(target=self._run_view, args=(view, stop), daemon=True,
                                  name=f"tp-mv-{view.name}")
        self._mv_threads = [t for t in self._mv_threads if t.is_alive()] + [thread]
        thread.start()

    def _stop_view(self, view: ViewInfo) -> None:
        stop = self._mv_stops.pop((view.database, view.name), None)
        if stop is not None:
            stop.set()

    def _run_view(self, view: ViewInfo, stop: threading.Event) -> None:
        engine = self.engine
        try:
            stmt = translate_sql(engine, view.query, view.database)
            assert isinstance(stmt, SelectStatement)
            runner = SelectRunner(engine, stmt, QueryRecord(sql=view.query),
                                  control=engine.view_control(view))
            runner.prepare()
            target = engine.stream(view.target_database, view.target_stream or view.name)
            runner.run(_ViewSink(engine, target, [c["name"] for c in runner.header], stop))
        except QueryStopped:
            return
        except EngineError as exc:
            logger.warning("materialized view %s stopped: %s", view.name, exc.message)

    def stop(self) -> None:
        for stop in list(self._mv_stops.values()):
            stop.set()
        for thread in self._mv_threads:
            thread.join(timeout=2.0)


class _ViewSink:
    """Inserts a materialized view's output rows into its target stream."""

    def __init__(self, engine: Engine, target: StreamInfo, names: list[str],
                 stop: threading.Event) -> None:
        self.engine = engine
        self.target = target
        known = {c.name for c in target.columns} | {n for n, _, _ in target.reserved_columns()}
        self.keep = [i for i, n in enumerate(names) if n in known]
        self.names = [names[i] for i in self.keep]
        self.all_kept = len(self.keep) == len(names)
        self.stop = stop

    def start(self, header: list[dict[str, str]]) -> None:
        """The target's columns were fixed at creation."""

    def emit(self, rows: list[bytes]) -> None:
        self.poll()
        if not rows:
            return
        if self.all_kept:
            body = b"\n".join(rows).decode("utf-8")
        else:
            parsed = [json.loads(r) for r in rows]
            body = "\n".join(json.dumps([row[i] for i in self.keep]) for row in parsed)
        store_rows(self.engine, self.target.database, self.target.name, self.names,
                   "JSONCompactEachRow", [body])

    def poll(self) -> float:
        if self.stop.is_set():
            raise QueryStopped("materialized view dropped")
        return 0.1


def _own_system_tables(engine: Engine, stmt: InsertStatement) -> InsertStatement:
    """INSERT ... SELECT/VALUES reading ``system.tables|columns|databases`` read this
    instance's catalog, as queries do (chDB's own tables list every instance)."""
    body = stmt.body_ch
    if body[:6].upper() == "FORMAT" or "system" not in body:
        return stmt
    return replace(stmt, body_ch=rewrite_system_tables(engine, body))


def like_matcher(pattern: str, ilike: bool = False) -> Callable[[str], Optional[re.Match[str]]]:
    """SQL ``LIKE`` (``ILIKE``): ``%`` any text, ``_`` one character, ``\\`` escapes the
    next character; the whole name must match."""
    parts = []
    for match in re.finditer(r"\\(.)|%|_|[^%_\\]+|\\", pattern, re.DOTALL):
        piece = match.group(0)
        if match.group(1) is not None:
            parts.append(re.escape(match.group(1)))
        else:
            parts.append({"%": ".*", "_": "."}.get(piece) or re.escape(piece))
    flags = re.DOTALL | (re.IGNORECASE if ilike else 0)
    return re.compile("".join(parts), flags).fullmatch


def _source_like(db: str, name: str) -> Any:
    from timeplus_emulator.sql import Source

    return Source(db, name, name, True)


def _stream_ddl(info: StreamInfo) -> str:
    parts = [f"{quote_name(c.name)} {c.type}" for c in info.columns]
    if info.mode == "mutable":
        return mutable_ddl(info)
    return f"CREATE STREAM {info.database}.{quote_name(info.name)} ({', '.join(parts)})"


# ------------------------------------------------------------------ REST JSON → DDL
_COLUMN_KEYS = ("name", "type")


def stream_ddl_from_json(body: dict[str, Any], database: Optional[str] = None) -> str:
    """Timeplus ``CREATE STREAM`` text for a REST StreamDef (nulls mean "unset").

    Names (``database`` from ``?db=``, stream, columns, key) are quoted and each column
    type must parse as one type; defaults, codecs and TTL are SQL and are translated
    (allow-listed) with the rest of the statement.
    """
    name = body.get("name")
    columns = body.get("columns")
    if not isinstance(name, str) or not name:
        raise EngineError(BAD_ARGUMENTS, "stream definition needs a non-empty 'name'")
    if not isinstance(columns, list) or not columns:
        raise EngineError(BAD_ARGUMENTS, "stream definition needs a non-empty 'columns' list")
    parts = [_column_ddl(c) for c in columns]
    qualified = quote_name(name) if not database else f"{quote_name(database)}.{quote_name(name)}"
    ddl = f"CREATE STREAM {qualified} ({', '.join(parts)})"
    key = body.get("primary_key")
    if key:
        raw = key if isinstance(key, list) else \
            [k.strip() for k in key.split(",")] if isinstance(key, str) else [None]
        keys = [k for k in raw if isinstance(k, str) and k]
        if len(keys) != len(raw):
            raise EngineError(BAD_ARGUMENTS, "'primary_key' must be column names (a list of "
                              "strings or one comma-separated string)")
        ddl += " PRIMARY KEY (" + ", ".join(quote_name(k) for k in keys) + ")"
    if body.get("ttl_expression"):
        ddl += f" TTL {body['ttl_expression']}"
    settings = _stream_settings(body)
    if settings:
        ddl += " SETTINGS " + ", ".join(f"{k} = {v}" for k, v in settings)
    return ddl


def _column_ddl(column: Any) -> str:
    if not isinstance(column, dict) or not all(isinstance(column.get(k), str)
                                               for k in _COLUMN_KEYS):
        raise EngineError(BAD_ARGUMENTS, f"column definition {column!r} needs 'name' and 'type'")
    col_type = column["type"]
    try:
        parse_timeplus_type(col_type)
    except TranslationError as exc:
        raise EngineError(exc.code, f"column {column['name']!r}: {exc.message}") from None
    if column.get("nullable") and not col_type.lower().startswith("nullable("):
        col_type = f"nullable({col_type})"
    text = f"{quote_name(column['name'])} {col_type}"
    if column.get("default") not in (None, ""):
        text += f" DEFAULT {column['default']}"
    if column.get("comment"):
        text += f" COMMENT {quote_string(str(column['comment']))}"
    if column.get("codec"):
        text += f" CODEC({column['codec']})"
    return text


def _stream_settings(body: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    mode = body.get("mode")
    if mode and mode != "append":
        out.append(("mode", quote_string(str(mode))))
    if body.get("event_time_column"):
        out.append(("event_time_column", quote_string(str(body["event_time_column"]))))
    for key in ("logstore_retention_bytes", "logstore_retention_ms"):
        value = body.get(key)
        if value is None:
            continue
        text = str(value)
        if isinstance(value, bool) or not isinstance(value, (int, str)) or \
                not re.fullmatch(r"-?[0-9]{1,19}", text):
            raise EngineError(BAD_ARGUMENTS, f"{key} must be an integer, not {value!r}")
        out.append((key, text))
    return out


def view_ddl_from_json(body: dict[str, Any]) -> str:
    """Timeplus ``CREATE [MATERIALIZED] VIEW`` text for a REST view definition."""
    name, query = body.get("name"), body.get("query")
    if not isinstance(name, str) or not name or not isinstance(query, str) or not query:
        raise EngineError(BAD_ARGUMENTS, "view definition needs 'name' and 'query'")
    materialized = bool(body.get("materialized"))
    target = body.get("target_stream")
    into = f" INTO {quote_name(target)}" if materialized and target else ""
    keyword = "MATERIALIZED VIEW" if materialized else "VIEW"
    return f"CREATE {keyword} {quote_name(name)}{into} AS {query}"
