"""The REST endpoints of Timeplus API v1beta2 (PROTOCOL.md §2-§6), one method each.

Owns: turning a :class:`~timeplus_emulator.httpio.Request` into engine/executor calls and
the JSON or SSE answer, per profile (``cloud``: ``POST /streams`` and ``/views`` exist;
``enterprise``: DDL on ``/queries`` answers 204, ``/exec`` exists). Routing, auth and
faults happen before these methods are called (:mod:`timeplus_emulator.server`). The
``/materialized_views`` endpoints live in :mod:`timeplus_emulator.matviews`.

``GET /streams?expand=true`` (E-SPEC) adds ``row_count``, ``streaming_data_bytes`` and
``historical_data_bytes``, computed as ``/streams/{name}/stats`` computes them
(:func:`stream_counts`). G-SPEC does not document ``expand``; both profiles honour it.
``GET /streams/{name}`` has no ``expand`` in either spec and ignores it; ``create_query``
(required by E-SPEC's Stream) is always present.

``?db=`` on ``/queries``, ``/exec`` and ``/sqlanalyze`` (enterprise profile) makes it the
current database: unqualified stream and view names resolve there, qualified ones as
written; an unknown database is 81. E-SPEC documents ``db`` only on the stream, view,
materialized view and ingest endpoints; the Enterprise 2.7/2.8 release notes say the REST
API supports non-default databases. The cloud profile refuses any ``db`` but ``default``
there (48): G-SPEC has no ``db`` parameter at all.

Ingest honours ``x-timeplus-idempotent-id`` (Timeplus Enterprise): a body whose id was stored
into the same stream in the last 10 minutes is not stored again, and gets the first answer
(:mod:`timeplus_emulator.idempotency`; at most 100,000 ids are remembered).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from typing import Any, Optional

from timeplus_emulator.backend import EngineError, PoolBusy
from timeplus_emulator.catalog import StreamInfo
from timeplus_emulator.engine import Engine
from timeplus_emulator.faults import Faults
from timeplus_emulator.httpio import HttpError, Request
from timeplus_emulator.idempotency import HEADER as IDEMPOTENT_ID_HEADER
from timeplus_emulator.idempotency import MAX_ID_LENGTH, IngestDedup
from timeplus_emulator.ingest import parse_ingest_body
from timeplus_emulator.ingest_store import store_rows
from timeplus_emulator.queries import CANCELED, FAILED, FINISHED, QueryRecord, QueryRegistry
from timeplus_emulator.sql import (
    CreateStreamStatement,
    CreateViewStatement,
    SelectStatement,
)
from timeplus_emulator.sse import Canceled, ChunkedWriter, ClientGone, DroppedByFault, SseSink
from timeplus_emulator.statements import (
    Executor,
    Runner,
    StaticRunner,
    stream_ddl_from_json,
    translate_sql,
    view_ddl_from_json,
)

logger = logging.getLogger(__name__)

VERSION = "0.1.0"
_NOT_FOUND_CODES = frozenset({60, 81})
_INGEST_FORMATS = {
    "compact": "compact", "compat": "compact", "streaming": "streaming", "stream": "streaming",
    "raw": "raw", "lines": "lines",
}
_CONTENT_TYPES = {
    "application/json": "compact", "application/vnd.timeplus+json": "compact",
    "application/x-ndjson": "streaming", "text/plain": "raw",
}
_EXPANDED_COUNTS = ("row_count", "streaming_data_bytes", "historical_data_bytes")
_BOOLEANS = {"1": True, "t": True, "true": True, "0": False, "f": False, "false": False}
_PATCHABLE = frozenset({"description", "logstore_retention_bytes", "logstore_retention_ms",
                        "ttl_expression"})


class Api:
    """Endpoint implementations for one emulator instance."""

    def __init__(self, engine: Engine, executor: Executor, registry: QueryRegistry,
                 faults: Faults, profile: str) -> None:
        self.engine = engine
        self.executor = executor
        self.registry = registry
        self.faults = faults
        self.profile = profile
        self.dedup = IngestDedup()

    @property
    def sql_system(self) -> str:
        return "proton" if self.profile == "cloud" else "timeplusd"

    def sql_error(self, exc: EngineError, *, resource: bool = False) -> HttpError:
        """400 for SQL errors; 404 for unknown streams/views on resource endpoints; 503 with
        ``Retry-After`` when the engine has no free connection."""
        if isinstance(exc, PoolBusy):
            return HttpError(503, exc.code, exc.message, system=self.sql_system,
                             headers={"Retry-After": "1"})
        exc = self.engine.public_error(exc)
        status = 404 if resource and exc.code in _NOT_FOUND_CODES else 400
        return HttpError(status, exc.code, exc.message, system=self.sql_system)

    # ------------------------------------------------------------------ queries
    def post_query(self, req: Request) -> None:
        body = req.json_body()
        sql = body.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            raise HttpError(400, 36, "'sql' is required and must be a non-empty string")
        tags = body.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise HttpError(400, 36, "'tags' must be a list of strings")
        record = QueryRecord(sql=sql, name=str(body.get("name") or ""),
                             description=str(body.get("description") or ""), tags=tags)
        try:
            stmt = translate_sql(self.engine, sql, self._query_db(req))
            if isinstance(stmt, SelectStatement) and body.get("type") == "historical":
                stmt = replace(stmt, query_mode_table=True)  # E-SPEC 2025 request field
            runner = self.executor.execute(stmt, sql, record)
            if runner is not None:
                runner.prepare()
        except EngineError as exc:
            raise self.sql_error(exc) from None
        self.registry.add(record)
        if runner is None:
            record.finish(FINISHED)
            if self.profile == "enterprise":
                req.send(204)
                return
            runner = StaticRunner([], [])
        self.stream_result(req, runner, record, body.get("batching_policy"))

    def stream_result(self, req: Request, runner: Runner, record: QueryRecord,
                      policy: Any) -> None:
        """Answer with SSE: first ``query`` event, rows, metrics, final ``query`` event."""
        chunked = req.start_stream()
        sink = SseSink(ChunkedWriter(req.handler.wfile, chunked), record, policy,
                       self.faults.claim_stream())
        try:
            sink.start(runner.header)
            runner.run(sink)
            record.finish(FINISHED)
            sink.finish()
        except Canceled:
            record.finish(CANCELED)
            _quietly(sink.fail)
        except ClientGone as gone:
            record.finish(CANCELED, "client disconnected")
            req.handler.close_connection = True
            if isinstance(gone, DroppedByFault) and gone.reset:
                _reset_on_close(req)
        except EngineError as exc:
            record.finish(FAILED, f"Code: {exc.code}. {exc.message}")
            _quietly(sink.fail)
        except Exception as exc:
            logger.exception("query %s failed", record.id)
            record.finish(FAILED, f"internal emulator error: {exc}")
            _quietly(sink.fail)
        finally:
            runner.close()
            if sink.writer.broken:
                req.handler.close_connection = True

    def list_queries(self, req: Request) -> None:
        tag = req.query.get("tag")
        req.send_json(200, [r.to_json() for r in self.registry.list(tag)])

    def get_query(self, req: Request, query_id: str) -> None:
        req.send_json(200, self._record(query_id).to_json())

    def delete_query(self, req: Request, query_id: str) -> None:
        if not self.registry.delete(query_id):
            raise _not_found("query", query_id)
        req.send(204)

    def cancel_query(self, req: Request, query_id: str) -> None:
        self._record(query_id).cancel()
        req.send(204)

    def _record(self, query_id: str) -> QueryRecord:
        record = self.registry.get(query_id)
        if record is None:
            raise _not_found("query", query_id)
        return record

    def sqlanalyze(self, req: Request) -> None:
        sql = req.json_body().get("sql")
        if not isinstance(sql, str):
            raise HttpError(400, 36, "'sql' is required")
        try:
            stmt = translate_sql(self.engine, sql, self._query_db(req))
        except EngineError as exc:
            raise self.sql_error(exc) from None
        select = stmt if isinstance(stmt, SelectStatement) else None
        req.send_json(200, {
            "original_query": sql,
            "rewritten_query": sql,
            "query_type": "select" if select else type(stmt).__name__.replace("Statement", "")
            .lower(),
            "is_streaming": bool(select and self.engine.live_sources(select)),
            "has_aggr": bool(select and select.aggregating),
            "has_window": bool(select and any(s.window for s in select.sources)),
            "has_table_function": bool(select and any(s.historical for s in select.sources)),
            "required_columns": [],
            "result_columns": [],
        })

    def format_sql(self, req: Request) -> None:
        sql = req.json_body().get("sql")
        if not isinstance(sql, str):
            raise HttpError(400, 36, "'sql' is required")
        req.send_json(200, {"sql": sql.strip()})

    def exec_sql(self, req: Request) -> None:
        """Enterprise ``POST /exec``: run to completion, answer ``{columns, data}`` or 204."""
        sql = req.json_body().get("sql")
        if not isinstance(sql, str) or not sql.strip():
            raise HttpError(400, 36, "'sql' is required and must be a non-empty string")
        record = QueryRecord(sql=sql)
        try:
            stmt = translate_sql(self.engine, sql, self._query_db(req))
            if isinstance(stmt, SelectStatement) and self.engine.live_sources(stmt):
                stmt = replace(stmt, query_mode_table=True)
            runner = self.executor.execute(stmt, sql, record)
            if runner is None:
                req.send(204)
                return
            runner.prepare()
            collector = _Collector()
            runner.run(collector)
        except EngineError as exc:
            raise self.sql_error(exc) from None
        req.send_json(200, {"columns": runner.header, "data": collector.rows})

    # ------------------------------------------------------------------ streams
    def _db(self, req: Request) -> Optional[str]:
        return req.query.get("db")

    def _query_db(self, req: Request) -> Optional[str]:
        """The current database of ``/queries``, ``/exec`` and ``/sqlanalyze`` (``?db=``,
        enterprise profile; our reading, see the module docstring). The cloud profile has one
        database per workspace: any other than ``default`` is refused (48)."""
        db = self._db(req)
        if db is not None and db != "default" and self.profile == "cloud":
            raise HttpError(400, 48, f"?db={db}: Timeplus Cloud has no database namespaces on "
                            "this endpoint (not supported); qualify names as db.name instead")
        return db

    def list_streams(self, req: Request) -> None:
        try:
            db = self.engine.resolve_db(self._db(req))
        except EngineError as exc:
            raise self.sql_error(exc, resource=True) from None
        streams = [s.to_json() for s in self.engine.streams_in(db)]
        if bool_param(req, "expand"):  # E-SPEC: adds the StreamStats counts
            for stream in streams:
                try:
                    counts = stream_counts(self.engine, self.engine.stream(db, stream["name"]))
                except EngineError:
                    continue  # dropped while listing
                stream.update({k: counts[k] for k in _EXPANDED_COUNTS})
        req.send_json(200, streams)

    def create_stream(self, req: Request) -> None:
        body = req.json_body()
        try:
            ddl = stream_ddl_from_json(body, self._db(req))
            stmt = translate_sql(self.engine, ddl)
            assert isinstance(stmt, CreateStreamStatement)
            if body.get("description"):
                stmt = replace(stmt, comment=str(body["description"]))
            info = self.engine.create_stream(stmt, ddl)
        except EngineError as exc:
            raise self.sql_error(exc) from None
        assert info is not None
        req.send_json(201, info.to_json())

    def get_stream(self, req: Request, name: str) -> None:
        try:
            info = self.engine.stream(self._db(req), name)
        except EngineError as exc:
            raise self.sql_error(exc, resource=True) from None
        req.send_json(200, info.to_json())

    def delete_stream(self, req: Request, name: str) -> None:
        try:
            self.engine.drop_stream(self._db(req), name, False)
        except EngineError as exc:
            raise self.sql_error(exc, resource=True) from None
        req.send(204)

    def patch_stream(self, req: Request, name: str) -> None:
        body = req.json_body()
        unsupported = sorted(k for k, v in body.items() if k not in _PATCHABLE and v is not None)
        if unsupported:
            raise HttpError(501, 48, f"changing {', '.join(unsupported)} is not supported")
        try:
            self.engine.update_stream(self._db(req), name, body)
            info = self.engine.stream(self._db(req), name)
        except EngineError as exc:
            raise self.sql_error(exc, resource=True) from None
        if self.profile == "enterprise":
            req.send_json(200, info.to_json())
        else:
            req.send(204)

    def stream_stats(self, req: Request, name: str) -> None:
        try:
            counts = stream_counts(self.engine, self.engine.stream(self._db(req), name))
        except EngineError as exc:
            raise self.sql_error(exc, resource=True) from None
        req.send_json(200, counts)

    def ingest(self, req: Request, name: str) -> None:
        """Store the body's rows; once per ``x-timeplus-idempotent-id`` (see ``idempotency``)."""
        fmt = ingest_format(req.headers.get("Content-Type"), req.query.get("format"))

        def store() -> int:
            body = parse_ingest_body(fmt, req.body)
            return store_rows(self.engine, self._db(req), name, body.columns,
                              body.chdb_format, body.pieces())

        idempotent_id = req.headers.get(IDEMPOTENT_ID_HEADER)
        try:
            if idempotent_id is None:
                rows = store()
            else:
                key = (self._db(req) or "default", name, _checked_id(idempotent_id))
                rows, _ = self.dedup.store_once(key, store)
        except EngineError as exc:
            raise self.sql_error(exc, resource=True) from None
        if self.faults.claim_ingest_drop():  # stored, but the answer never leaves
            req.handler.close_connection = True
            return
        req.send_json(200, {"count": rows})

    # ------------------------------------------------------------------ views
    def list_views(self, req: Request) -> None:
        try:
            db = self.engine.resolve_db(self._db(req))
        except EngineError as exc:
            raise self.sql_error(exc, resource=True) from None
        req.send_json(200, [v.to_json() for v in self.engine.views_in(db)])

    def create_view(self, req: Request) -> None:
        body = req.json_body()
        try:
            ddl = view_ddl_from_json(body)
            stmt = translate_sql(self.engine, ddl)
            assert isinstance(stmt, CreateViewStatement)
            view = self.executor.create_view(stmt, str(body.get("description") or ""))
        except EngineError as exc:
            raise self.sql_error(exc) from None
        req.send_json(201, view.to_json())

    def get_view(self, req: Request, name: str) -> None:
        view = self.engine.views.get((self._db(req) or "default", name))
        if view is None:
            raise _not_found("view", name)
        req.send_json(200, view.to_json())

    def delete_view(self, req: Request, name: str) -> None:
        try:
            self.engine.drop_view(self._db(req), name, False)
        except EngineError as exc:
            raise self.sql_error(exc, resource=True) from None
        req.send(204)

    def patch_view(self, req: Request, name: str) -> None:
        body = req.json_body()
        view = self.engine.views.get((self._db(req) or "default", name))
        if view is None:
            raise _not_found("view", name)
        if body.get("query") not in (None, view.query):
            raise HttpError(501, 48, "changing the query of a view is not supported")
        if isinstance(body.get("description"), str):
            view.description = body["description"]
            self.engine.persist()
        req.send(204)

    def info(self, req: Request) -> None:
        req.send_json(200, {
            "version": VERSION, "profile": self.profile, "emulator": True,
            "components": {"timeplusd": {"version": "emulator-" + VERSION, "status": "ok"},
                           "appserver": {"version": "emulator-" + VERSION, "status": "ok"}},
        })


def stream_counts(engine: Engine, info: StreamInfo) -> dict[str, Any]:
    """The StreamStats of a stream from its stored rows (``/stats``, ``?expand=true``)."""
    table = engine.ch_table(info.database, info.name)
    times = ("''", "''") if info.is_table else ("toString(min(_tp_time))",
                                                "toString(max(_tp_time))")
    out = engine.backend.query(f"SELECT count(), {times[0]}, {times[1]} FROM {table}",
                               "JSONCompactEachRow")
    count, earliest, latest = json.loads(out)
    rows = int(count)
    return {
        "row_count": rows, "streaming_data_bytes": 0, "historical_data_bytes": 0,
        "earliest_event": earliest if rows else "", "latest_event": latest if rows else "",
    }


def bool_param(req: Request, name: str) -> bool:
    """A boolean query parameter as Go's ParseBool reads it (absent or empty: false)."""
    text = (req.query.get(name) or "").strip()
    if not text:
        return False
    value = _BOOLEANS.get(text.lower())
    if value is None:
        raise HttpError(400, 36, f"query parameter {name}={text!r} is not a boolean")
    return value


class _Collector:
    """A sink that keeps all rows decoded (for ``/exec``, whose answer is one JSON)."""

    def __init__(self) -> None:
        self.rows: list[Any] = []

    def start(self, header: list[dict[str, str]]) -> None:
        """Header is taken from the runner."""

    def emit(self, rows: list[bytes]) -> None:
        self.rows.extend(json.loads(r) for r in rows)

    def poll(self) -> float:
        return 0.1


def ingest_format(content_type: Optional[str], query_format: Optional[str]) -> str:
    """compact|streaming|raw|lines from ``?format=`` or the Content-Type (PROTOCOL.md §6)."""
    if query_format:
        fmt = _INGEST_FORMATS.get(query_format.strip().lower())
        if fmt is None:
            raise HttpError(400, 36, f"unknown ingest format {query_format!r}; use compact, "
                            "streaming, raw or lines")
        return fmt
    media, _, params = (content_type or "application/json").partition(";")
    media = media.strip().lower()
    match = re.search(r"format\s*=\s*\"?([A-Za-z]+)", params)
    if match:
        return ingest_format(None, match.group(1))
    if media not in _CONTENT_TYPES:
        raise HttpError(415, 36, f"unsupported Content-Type {media!r} for ingest")
    return _CONTENT_TYPES[media]


def _checked_id(value: str) -> str:
    if not value.strip() or len(value) > MAX_ID_LENGTH:
        raise HttpError(400, 36, f"{IDEMPOTENT_ID_HEADER} must be 1 to {MAX_ID_LENGTH} "
                        "characters long")
    return value


def _not_found(kind: str, name: str) -> HttpError:
    return HttpError(404, 60 if kind != "query" else 404, f"{kind} {name} not found",
                     system="neutron")


def _reset_on_close(req: Request) -> None:
    """Make closing the socket send a TCP reset, as a network failure would."""
    req.handler.reset_on_close = True  # type: ignore[attr-defined]  # see server._Handler


def _quietly(action: Any) -> None:
    try:
        action()
    except ClientGone:
        pass
