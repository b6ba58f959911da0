"""``TimeplusClient``: the REST API beyond PEP 249 — streams, views, ingest formats and the query
lifecycle, as the original Timeplus SDK offered them. Available as ``connection.client``.

Every method raises PEP 249 exceptions (``timeplus_dbapi.errors``). Stream and view creation use
``POST /streams``/``POST /views`` and fall back to DDL over ``POST /queries`` when the server has no
such route (Timeplus Enterprise).
"""

from __future__ import annotations

import functools
import logging
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Callable, Optional, Union

from . import ddl
from .errors import DataError, Error, NotSupportedError, ProgrammingError, translate
from .frames import frame_rows, stream_targets
from .ingestposts import send_bodies
from .jsonvalues import encode_native_rows, encode_rows
from .literals import require_utf8
from .protocol.deadline import Deadline
from .protocol.errors import ProtocolError, ServerError, StreamError, TransportTimeout
from .protocol.http import (
    HttpTransport,
    iter_response_chunks,
    path_segment,
    set_stream_read_timeout,
    stream_read_timeout,
)
from .protocol.ingest import (
    DEFAULT_MAX_BODY_BYTES,
    IDEMPOTENT_ID_HEADER,
    INGEST_CONTENT_TYPES,
    iter_compact_bodies_marked,
    normalize_format,
)
from .protocol.query import QueryEventStream, QueryHeader
from .valuechecks import ColumnRule, RowChecks, column_rules

__all__ = ["QueryHandle", "TimeplusClient"]

logger = logging.getLogger(__name__)

_NO_ROUTE = (404, 405, 501)
_SSE_HEADERS = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
ColumnDefs = Sequence[Union[Mapping[str, Any], Sequence[Any]]]


def _is_missing_route(error: ServerError) -> bool:
    """POST /streams or /views answered "no such route" (Timeplus Enterprise 2025)."""
    return error.http_status in _NO_ROUTE


def _route_missing(error: Error) -> bool:
    """The PEP 249 error of a "no such route" answer (404, 405 or 501)."""
    cause = error.__cause__
    return isinstance(cause, ServerError) and _is_missing_route(cause)


# Statements that may change a stream's columns: the cached column rules are forgotten.
_SCHEMA_CHANGE = re.compile(r"\s*(?:create|drop|alter|rename|truncate|exchange)\b", re.IGNORECASE)

# How long closing a finished query's stream waits for the end of its body (normally already
# received with the final status event); on time-out the connection is closed, not reused.
_END_WAIT = 1.0


def listing_params(*, expand: bool = False, db: Optional[str] = None) -> Optional[dict[str, str]]:
    """Query parameters of ``GET /streams`` and ``GET /views``: ``expand``, and ``db`` for a
    database other than the default one (Timeplus Enterprise 2.7+; Timeplus Cloud has none)."""
    params = {"expand": "true"} if expand else {}
    if db is not None:
        params["db"] = db
    return params or None


def ingest_path(stream: str, columns: Sequence[str]) -> str:
    """The ingest route of ``stream``, once the names are checked to be valid UTF-8."""
    for name in (stream, *columns):
        require_utf8(str(name), "a stream or column name")
    return f"v1beta2/streams/{path_segment(stream)}/ingest"


def compact_bodies(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    encoder: Callable[[Sequence[Any]], bytes],
    max_bytes: int,
    checks: Optional[RowChecks],
) -> Iterator[tuple[bytes, int, bool]]:
    """The compact ingest bodies of ``rows``; a list is checked whole now, other iterables
    block by block as they are read."""
    check_block = checks.prepare(rows) if checks is not None else None
    return iter_compact_bodies_marked(columns, rows, encoder, max_bytes, check_block)


def view_request(
    name: str, query: str, materialized: bool, target_stream: Optional[str], if_not_exists: bool
) -> tuple[dict[str, Any], str]:
    """The ``POST /views`` body of a view, and the DDL that creates it where that route is
    missing."""
    require_utf8(query, "the view's query", ProgrammingError)
    body: dict[str, Any] = {"name": name, "query": query, "materialized": materialized}
    if target_stream:
        body["target_stream"] = target_stream
    return body, ddl.create_view_sql(name, query, materialized, target_stream, if_not_exists)


def payload_bytes(
    payload: Union[str, bytes, Mapping[str, Any]], format: str
) -> tuple[str, Optional[bytes]]:
    """``(format, body)`` of a ready-made ingest payload; body None for a mapping (compact
    ``{"columns": ..., "data": ...}``, sent as rows). Refuses text that is not UTF-8."""
    fmt = normalize_format(format)
    if isinstance(payload, Mapping):
        if fmt != "compact":
            raise ProgrammingError("a mapping payload is only valid in the compact format")
        return fmt, None
    if isinstance(payload, str):
        require_utf8(payload, "the payload")
    data = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"the payload is not valid UTF-8 (byte {exc.start})") from None
    return fmt, data


def payload_request(fmt: str) -> dict[str, dict[str, str]]:
    """The query parameters and headers of a ready-made payload's ingest request."""
    return {"params": {"format": fmt}, "headers": {"Content-Type": INGEST_CONTENT_TYPES[fmt]}}


_MATERIALIZED_VIEWS = "v1beta2/materialized_views"


def materialized_only(view: dict[str, Any], name: str) -> dict[str, Any]:
    """``view`` when it is materialized; a plain view is a ProgrammingError."""
    if not view.get("materialized"):
        raise ProgrammingError(f"{name!r} is a view, not a materialized view")
    return view


def mv_action(name: str, action: str, sync: bool) -> tuple[str, dict[str, str]]:
    """Path and query parameters of pausing or resuming a materialized view."""
    path = f"{_MATERIALIZED_VIEWS}/{path_segment(name)}/{action}"
    return path, {"sync": "true" if sync else "false"}


def mv_not_supported(error: Error, host: str) -> NotSupportedError:
    """The error for a server without ``/materialized_views`` (probed after ``error``)."""
    return NotSupportedError(
        "this server has no /materialized_views endpoints (Timeplus Enterprise 2025)",
        http_status=error.http_status,
        host=host,
    )


def check_frame(frame: Any) -> None:
    """``ingest_frame`` takes a pandas DataFrame (ProgrammingError otherwise)."""
    if not (hasattr(frame, "iloc") and hasattr(frame, "columns")):
        raise ProgrammingError(f"ingest_frame needs a pandas DataFrame, not {type(frame).__name__}")


def frame_ingest(
    stream: str, frame: Any, description: Mapping[str, Any], columns: Optional[Sequence[str]]
) -> tuple[Sequence[str], Iterable[Sequence[Any]], Callable[[Sequence[Any]], bytes]]:
    """``(columns, rows, encoder)`` of a DataFrame sent to a stream with ``description``."""
    prepared = frame_rows(frame, stream, stream_targets(description), columns)
    encoder = encode_native_rows if prepared.native else encode_rows
    return prepared.columns, prepared.rows, encoder


def query_body(
    sql: str, batching_policy: Optional[Mapping[str, int]], extra: Mapping[str, Any]
) -> dict[str, Any]:
    """The JSON body of ``POST /queries``."""
    require_utf8(sql, "the SQL text", ProgrammingError)
    body: dict[str, Any] = {"sql": sql, **extra}
    if batching_policy:
        body["batching_policy"] = dict(batching_policy)
    return body


def result_less_error(status: int, content_type: str, head: bytes) -> Optional[StreamError]:
    """A 2xx answer to a query that is not an event stream: fine when empty (DDL), else an
    error (a proxy's login page or a JSON body carries no rows in the protocol's form)."""
    if not head.strip():
        return None
    return StreamError(
        f"the server answered the query with HTTP {status} and "
        f"Content-Type {content_type or '(none)'!r}, not an event stream"
    )


class QueryHandle:
    """One running query's event stream; PEP 249 errors, lazy reads."""

    def __init__(self, client: TimeplusClient, response: Any, events: QueryEventStream) -> None:
        self.client = client
        self.response = response
        self.events = events
        self.header: QueryHeader = self._read_header()
        self.closed = False

    @property
    def query_id(self) -> str:
        return self.header.id

    def _read_header(self) -> QueryHeader:
        try:
            with self.client.translating():
                return self.events.read_header()
        except BaseException:
            self.response.close()
            raise

    def next_batch(self) -> Optional[list[list[Any]]]:
        try:  # what ``client.translating`` does, without a context manager per batch
            return self.events.next_batch()
        except ProtocolError as failure:
            raise translate(failure, host=self.client.host, query_id=self.header.id) from failure

    def set_read_timeout(self, seconds: float) -> None:
        """Let the next read wait at most ``seconds`` (and never past ``timeout``) for bytes."""
        limit = self.client.transport.config.timeout
        wait = seconds if limit is None else min(seconds, limit)
        set_stream_read_timeout(self.response, max(wait, 0.001))

    def close(self, cancel: bool) -> None:
        """Close the stream; cancel the server query first when asked to (errors are logged).

        A stream that ended with its ``finished`` status keeps its HTTP connection for the next
        request when the body ends right there; any other stream closes the connection.
        """
        if self.closed:
            return
        self.closed = True
        try:
            if cancel:
                self.client.cancel_query_quietly(self.header.id)
            else:
                self._read_to_the_end()
        finally:
            self.response.close()

    def _read_to_the_end(self) -> None:
        """Read the body's end after the final status (at most ``_END_WAIT`` seconds)."""
        if self.events.final_status is None:
            return
        try:
            limit = self.client.transport.config.timeout
            wait = _END_WAIT if limit is None else min(_END_WAIT, limit)
            with stream_read_timeout(self.response, wait):
                if not self.events.at_end_after_final_status():
                    logger.debug("query %s: data after its final status", self.header.id)
        except (ProtocolError, OSError) as error:  # the connection is closed anyway
            logger.debug("query %s: reading the end of its stream: %s", self.header.id, error)


class ClientBase:
    """What the sync and the asyncio REST clients share: the transport, the host named in
    errors, the cached column rules and the translation of protocol failures."""

    def __init__(self, transport: Any, *, ingest_max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.transport = transport
        self.ingest_max_bytes = ingest_max_bytes
        self.host = transport.config.base_url.split("://", 1)[-1].split("/", 1)[0]
        # Column rules of streams ingested into (one GET /streams/{name} each), forgotten on
        # any change made through this client and on any failed ingest into the stream.
        self._column_rules: dict[str, dict[str, ColumnRule]] = {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.transport.config.base_url}>"

    @contextmanager
    def translating(self, query_id: Optional[str] = None) -> Iterator[None]:
        """Turn protocol failures raised inside the block into PEP 249 exceptions."""
        try:
            yield
        except ProtocolError as failure:
            raise translate(failure, host=self.host, query_id=query_id) from failure


class TimeplusClient(ClientBase):
    """REST client for one workspace. Use ``connection.client`` or build it from a transport."""

    def __init__(
        self, transport: HttpTransport, *, ingest_max_bytes: int = DEFAULT_MAX_BODY_BYTES
    ) -> None:
        super().__init__(transport, ingest_max_bytes=ingest_max_bytes)
        self.transport: HttpTransport = transport

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        if method != "GET":
            self._column_rules.clear()
        with self.translating():
            return self.transport.request_json(method, path, **kwargs)

    # --- streams -------------------------------------------------------------------------------

    def list_streams(
        self, *, expand: bool = False, db: Optional[str] = None
    ) -> list[dict[str, Any]]:
        """``expand=True`` asks for ``row_count`` and the byte counts (Timeplus Enterprise);
        ``db`` lists another database's streams (``?db=``, Timeplus Enterprise)."""
        params = listing_params(expand=expand, db=db)
        return list(self._json("GET", "v1beta2/streams", params=params) or [])

    def get_stream(self, name: str) -> dict[str, Any]:
        return dict(self._json("GET", f"v1beta2/streams/{path_segment(name)}") or {})

    def stream_exists(self, name: str) -> bool:
        """Checked by listing, as the original SDK did (GET by name was unreliable)."""
        return any(item.get("name") == name for item in self.list_streams())

    def stream_stats(self, name: str) -> dict[str, Any]:
        return dict(self._json("GET", f"v1beta2/streams/{path_segment(name)}/stats") or {})

    def analyze_sql(self, sql: str) -> dict[str, Any]:
        """``POST /sqlanalyze``: how the server reads ``sql`` without running it
        (``is_streaming``, ``query_type``, ``has_aggr``...)."""
        return dict(self._json("POST", "v1beta2/sqlanalyze", json_body={"sql": sql}) or {})

    def create_stream(
        self,
        name: str,
        columns: ColumnDefs,
        *,
        mode: Optional[str] = None,
        primary_key: Union[str, Sequence[str], None] = None,
        event_time_column: Optional[str] = None,
        ttl_expression: Optional[str] = None,
        logstore_retention_bytes: Optional[int] = None,
        logstore_retention_ms: Optional[int] = None,
        description: Optional[str] = None,
        settings: Optional[Mapping[str, Any]] = None,
        if_not_exists: bool = False,
        indexes: Optional[Sequence[Mapping[str, Any]]] = None,
    ) -> dict[str, Any]:
        """Create a stream (``mode="mutable"``: a mutable stream, with ``indexes`` as
        ``{"name", "columns", "unique", "storing"}``); returns the server's stream object."""
        definition = ddl.StreamDefinition.build(
            name,
            columns,
            mode=mode,
            primary_key=primary_key,
            event_time_column=event_time_column,
            ttl_expression=ttl_expression,
            logstore_retention_bytes=logstore_retention_bytes,
            logstore_retention_ms=logstore_retention_ms,
            description=description,
            settings=settings,
            indexes=indexes,
        )
        sql = definition.to_sql(if_not_exists=if_not_exists)
        if definition.settings or definition.mutable:  # only in the SQL form
            self.execute_command(sql)
            return self._fetch_or(self.get_stream, name, {"name": name})
        return self._create_object(
            "streams", definition.to_json(), sql, self.get_stream, if_not_exists
        )

    def delete_stream(self, name: str, *, if_exists: bool = False) -> None:
        self._delete_object("streams", "STREAM", name, if_exists)

    def _create_object(
        self,
        collection: str,
        body: dict[str, Any],
        sql: str,
        getter: Callable[[str], dict[str, Any]],
        if_not_exists: bool,
    ) -> dict[str, Any]:
        """POST /{collection}; on a server without that route, run ``sql`` instead."""
        name = str(body["name"])
        try:
            return dict(self._json("POST", f"v1beta2/{collection}", json_body=body) or body)
        except Error as error:
            if if_not_exists and error.code == 57:
                return getter(name)
            if not _route_missing(error):
                raise
        logger.debug("POST /%s is not available; creating %s with SQL", collection, name)
        self.execute_command(sql)
        return self._fetch_or(getter, name, body)

    @staticmethod
    def _fetch_or(
        getter: Callable[[str], dict[str, Any]], name: str, fallback: dict[str, Any]
    ) -> dict[str, Any]:
        try:
            return getter(name)
        except Error:
            return fallback

    def _delete_object(self, collection: str, kind: str, name: str, if_exists: bool) -> None:
        """DELETE /{collection}/{name}, or ``DROP kind`` where the route does not exist."""
        try:
            with self.translating():
                path = f"v1beta2/{collection}/{path_segment(name)}"
                self.transport.request("DELETE", path).close()
        except Error as error:
            cause = error.__cause__
            if isinstance(cause, ServerError) and cause.http_status in (405, 501):
                self.execute_command(ddl.drop_sql(kind, name, if_exists))
                return
            if if_exists and (error.http_status == 404 or error.code == 60):
                return
            raise

    # --- views ---------------------------------------------------------------------------------

    def list_views(self, *, db: Optional[str] = None) -> list[dict[str, Any]]:
        """``db`` lists another database's views (``?db=``, Timeplus Enterprise)."""
        params = listing_params(db=db)
        return list(self._json("GET", "v1beta2/views", params=params) or [])

    def get_view(self, name: str) -> dict[str, Any]:
        return dict(self._json("GET", f"v1beta2/views/{path_segment(name)}") or {})

    def create_view(
        self,
        name: str,
        query: str,
        *,
        materialized: bool = False,
        target_stream: Optional[str] = None,
        if_not_exists: bool = False,
    ) -> dict[str, Any]:
        body, sql = view_request(name, query, materialized, target_stream, if_not_exists)
        return self._create_object("views", body, sql, self.get_view, if_not_exists)

    def delete_view(self, name: str, *, if_exists: bool = False) -> None:
        self._delete_object("views", "VIEW", name, if_exists)

    # --- materialized views (Timeplus Enterprise 2025) ---------------------------------------

    def list_materialized_views(self, *, expand: bool = False) -> list[dict[str, Any]]:
        """``GET /materialized_views`` (``expand=True`` adds status and lagging); on a server
        without that route, the materialized entries of ``list_views()``."""
        params = {"expand": "true"} if expand else None
        try:
            return list(self._json("GET", "v1beta2/materialized_views", params=params) or [])
        except Error as error:
            if not _route_missing(error):
                raise
        return [view for view in self.list_views() if view.get("materialized")]

    def get_materialized_view(self, name: str) -> dict[str, Any]:
        """``GET /materialized_views/{name}``, or the view from ``get_view()`` where that
        route does not exist; a plain (non-materialized) view is a ``ProgrammingError``."""
        try:
            return dict(self._json("GET", f"v1beta2/materialized_views/{path_segment(name)}") or {})
        except Error as error:
            if not _route_missing(error):
                raise
        return materialized_only(self.get_view(name), name)

    def pause_materialized_view(self, name: str, *, sync: bool = True) -> None:
        """Stop the view writing to its target; ``sync`` waits until it has stopped.
        Unlike the server's default, ``sync`` is on unless turned off."""
        self._materialized_view_action(name, "pause", sync)

    def resume_materialized_view(self, name: str, *, sync: bool = True) -> None:
        """Let a paused view go on (it reads what was ingested meanwhile); ``sync`` waits."""
        self._materialized_view_action(name, "resume", sync)

    def materialized_view_stats(self, name: str) -> dict[str, Any]:
        path = f"v1beta2/materialized_views/{path_segment(name)}/stats"
        try:
            return dict(self._json("GET", path) or {})
        except Error as error:
            raise self._mv_route_error(error) from error.__cause__

    def _materialized_view_action(self, name: str, action: str, sync: bool) -> None:
        path, params = mv_action(name, action, sync)
        try:
            with self.translating():
                # pausing a paused view (or resuming a running one) does nothing: safe to re-send
                self.transport.request("POST", path, params=params, safe_to_retry=True).close()
        except Error as error:
            raise self._mv_route_error(error) from error.__cause__

    def _mv_route_error(self, error: Error) -> Error:
        """``error`` itself, or ``NotSupportedError`` when the server has no
        ``/materialized_views`` at all (a 404 alone may just mean an unknown name)."""
        if not _route_missing(error):
            return error
        try:
            with self.translating():
                self.transport.request("GET", "v1beta2/materialized_views").close()
        except Error as probe:
            if _route_missing(probe):
                return mv_not_supported(error, self.host)
        return error

    # --- ingest --------------------------------------------------------------------------------

    def ingest(self, stream: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Send rows in compact format, in as few size-capped requests as possible.

        Returns the number of rows accepted. On failure the exception's ``rows_accepted`` says how
        many rows earlier requests had already delivered.
        """
        return self._ingest_rows(stream, columns, rows, encode_rows)

    def ingest_frame(
        self, stream: str, frame: Any, columns: Optional[Sequence[str]] = None
    ) -> int:
        """Send a pandas DataFrame's rows (not its index) in compact format; returns the count.

        Columns are converted a chunk at a time with vectorised pandas/numpy operations while
        earlier requests are in flight (see :mod:`timeplus_dbapi.frames` for each dtype's wire
        form and the handling of missing values). ``columns`` names the stream columns the
        frame's columns go to, in order (default: the frame's column labels). The stream's
        columns are read once (``GET /streams/{name}``) to check nullability.
        """
        check_frame(frame)
        description = self.get_stream(stream)
        self._column_rules[stream] = column_rules(description)
        return self._ingest_rows(stream, *frame_ingest(stream, frame, description, columns))

    def _ingest_rows(
        self,
        stream: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        encoder: Callable[[Sequence[Any]], bytes],
    ) -> int:
        path = ingest_path(stream, columns)
        checks = self._row_checks(stream, columns)
        bodies = compact_bodies(columns, rows, encoder, self.ingest_max_bytes, checks)
        try:
            return send_bodies(functools.partial(self._post_ingest, path), bodies)
        except Error:
            self._column_rules.pop(stream, None)  # read again next time: it may have changed
            raise

    def _row_checks(self, stream: str, columns: Sequence[str]) -> Optional[RowChecks]:
        """The value checks for rows of ``columns`` (see :mod:`timeplus_dbapi.valuechecks`);
        None when no column needs one, or when the stream cannot be read (the ingest itself
        then reports the problem)."""
        rules = self._column_rules.get(stream)
        if rules is None:
            try:
                rules = column_rules(self.get_stream(stream))
            except Error as error:
                logger.debug("no value checks for stream %r: %s", stream, error)
                return None
            self._column_rules[stream] = rules
        checks = RowChecks(stream, columns, rules)
        return checks if checks.active else None

    def _post_ingest(
        self, path: str, body: bytes, *, params: Optional[dict[str, str]] = None,
        headers: Optional[dict[str, str]] = None,
    ) -> None:
        """POST one ingest body under a fresh idempotency id: the server stores a body it has
        seen with that id only once, so the body is re-sent (same id) after a lost
        connection, 5xx or 429 (see ``protocol.retry``)."""
        with self.translating():
            self.transport.request(
                "POST",
                path,
                data=body,
                params=params,
                headers={**(headers or {}), IDEMPOTENT_ID_HEADER: uuid.uuid4().hex},
                idempotent=True,
            ).close()

    def ingest_payload(
        self, stream: str, payload: Union[str, bytes, Mapping[str, Any]], format: str = "compact"
    ) -> None:
        """Send a ready-made payload in one of the formats compact, streaming, raw or lines."""
        fmt, data = payload_bytes(payload, format)
        if data is None:
            assert isinstance(payload, Mapping)
            self.ingest(stream, list(payload.get("columns") or []), payload.get("data") or [])
            return
        self._post_ingest(ingest_path(stream, ()), data, **payload_request(fmt))

    # --- queries -------------------------------------------------------------------------------

    def start_query(
        self,
        sql: str,
        *,
        batching_policy: Optional[Mapping[str, int]] = None,
        idle_timeout: Optional[float] = None,
        safe_to_retry: bool = False,
        **extra: Any,
    ) -> Optional[QueryHandle]:
        """POST /queries; a handle once the header arrived, or None for a result-less answer.

        The header must arrive within ``timeout`` seconds of sending, whatever else comes
        before it. After the header, reads of the stream time out after ``timeout`` seconds
        without bytes (servers send metrics every second), or sooner with ``idle_timeout``.
        ``safe_to_retry`` (SELECTs) allows re-sending the request after 502/503/504, before
        any result byte arrived.
        """
        body = query_body(sql, batching_policy, extra)
        if _SCHEMA_CHANGE.match(sql):
            self._column_rules.clear()
        timeout = self.transport.config.timeout
        first_wait = timeout if idle_timeout is None else max(idle_timeout, timeout or 0)
        deadline = Deadline(timeout) if timeout is not None else None
        try:
            with self.translating():
                response = self.transport.request(
                    "POST",
                    "v1beta2/queries",
                    json_body=body,
                    headers=_SSE_HEADERS,
                    stream=True,
                    read_timeout=first_wait,
                    use_read_timeout=True,
                    safe_to_retry=safe_to_retry,
                    deadline=deadline,
                )
            handle = self._open_stream(response, deadline)
        finally:
            if deadline is not None:
                deadline.end()
        if handle is not None and idle_timeout is not None:
            handle.set_read_timeout(idle_timeout)
        return handle

    def _open_stream(self, response: Any, deadline: Optional[Deadline]) -> Optional[QueryHandle]:
        """The handle of an event stream whose header arrived, None for a result-less answer.

        The header must arrive before ``deadline`` (``timeout``): events without it (SSE
        comments, metrics) do not extend the wait.
        """
        if response.status_code == 204:
            response.close()
            return None
        content_type = response.headers.get("Content-Type", "")
        if "event-stream" not in content_type:
            self._check_result_less(response, content_type)
            return None
        events = QueryEventStream(iter_response_chunks(response))
        try:
            return QueryHandle(self, response, events)
        except Error as error:
            if deadline is None or not deadline.end():
                raise
            timeout = self.transport.config.timeout
            with self.translating():
                raise TransportTimeout(
                    f"timed out: no query header within {timeout:g} s"
                ) from error.__cause__

    def _check_result_less(self, response: Any, content_type: str) -> None:
        """A 2xx answer that is not an event stream: fine when empty (DDL), else an error.

        A login page from a proxy or a JSON body carries no rows in the protocol's form;
        treating it as "no result set" would silently lose the query's result.
        """
        try:
            head = next(response.iter_content(256), b"")
        finally:
            response.close()
        error = result_less_error(response.status_code, content_type, head)
        if error is not None:
            with self.translating():
                raise error

    def execute_command(self, sql: str) -> None:
        """Run DDL (or any statement) and wait for it to finish, discarding any rows."""
        handle = self.start_query(sql)
        if handle is None:
            return
        try:
            while handle.next_batch() is not None:
                pass
        finally:
            handle.close(cancel=False)

    def list_queries(self) -> list[dict[str, Any]]:
        return list(self._json("GET", "v1beta2/queries") or [])

    def get_query(self, query_id: str) -> dict[str, Any]:
        return dict(self._json("GET", f"v1beta2/queries/{path_segment(query_id)}") or {})

    def cancel_query(self, query_id: str) -> None:
        with self.translating(query_id):
            path = f"v1beta2/queries/{path_segment(query_id)}/cancel"
            self.transport.request("POST", path).close()

    def cancel_query_quietly(self, query_id: str) -> None:
        """Best-effort cancel used while closing; failures are logged at debug level."""
        try:
            self.cancel_query(query_id)
        except Error as error:
            logger.debug("cancelling query %s failed: %s", query_id, error)

    def delete_query(self, query_id: str) -> None:
        with self.translating(query_id):
            self.transport.request("DELETE", f"v1beta2/queries/{path_segment(query_id)}").close()

    def server_info(self) -> dict[str, Any]:
        return dict(self._json("GET", "info") or {})

    def close(self) -> None:
        self.transport.close()
