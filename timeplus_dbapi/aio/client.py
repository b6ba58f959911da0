"""``AsyncTimeplusClient``: the REST client of :mod:`timeplus_dbapi.client` with ``async``
methods, available as ``conn.client`` on an asyncio connection.

Paths, request bodies, DDL fallbacks, ingest bodies, value checks and error translation are the
sync client's (module functions of :mod:`timeplus_dbapi.client`, :mod:`timeplus_dbapi.ddl`,
:mod:`timeplus_dbapi.valuechecks`); only the awaiting differs. Covered: streams (list, get,
exists, stats, create, delete), views (list, get, create, delete), materialized views (list,
get, pause, resume, stats), ingest (rows and ready-made payloads), queries (start, list, get,
cancel, delete), ``ingest_frame``, ``execute_command`` and ``server_info``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Awaitable, Callable, Optional, Union

import aiohttp

from .. import ddl
from ..client import (
    _MATERIALIZED_VIEWS,
    _SCHEMA_CHANGE,
    ClientBase,
    ColumnDefs,
    check_frame,
    compact_bodies,
    frame_ingest,
    ingest_path,
    listing_params,
    materialized_only,
    mv_action,
    mv_not_supported,
    payload_bytes,
    payload_request,
    query_body,
    result_less_error,
    view_request,
)
from ..errors import Error
from ..ingestposts import note_rows_accepted
from ..jsonvalues import encode_rows
from ..protocol.errors import ServerError, TransportTimeout
from ..protocol.http import path_segment
from ..protocol.ingest import IDEMPOTENT_ID_HEADER
from ..valuechecks import RowChecks, column_rules
from .query import AsyncQueryEventStream, AsyncQueryHandle
from .transport import AsyncHttpTransport

__all__ = ["AsyncTimeplusClient"]

logger = logging.getLogger(__name__)

_SSE_HEADERS = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
_NO_ROUTE = (404, 405, 501)
PostBody = Callable[[bytes], Awaitable[None]]


def _route_missing(error: Error) -> bool:
    cause = error.__cause__
    return isinstance(cause, ServerError) and cause.http_status in _NO_ROUTE


class AsyncTimeplusClient(ClientBase):
    """REST client for one workspace, with ``async`` methods."""

    def __init__(self, transport: AsyncHttpTransport, *, ingest_max_bytes: int) -> None:
        super().__init__(transport, ingest_max_bytes=ingest_max_bytes)
        self.transport: AsyncHttpTransport = transport

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        if method != "GET":
            self._column_rules.clear()
        with self.translating():
            return await self.transport.request_json(method, path, **kwargs)

    async def _send(self, method: str, path: str, query_id: Optional[str] = None) -> None:
        with self.translating(query_id):
            (await self.transport.request(method, path)).release()

    # --- streams and views ---------------------------------------------------------------------

    async def list_streams(
        self, *, expand: bool = False, db: Optional[str] = None
    ) -> list[dict[str, Any]]:
        params = listing_params(expand=expand, db=db)
        return list(await self._json("GET", "v1beta2/streams", params=params) or [])

    async def get_stream(self, name: str) -> dict[str, Any]:
        return dict(await self._json("GET", f"v1beta2/streams/{path_segment(name)}") or {})

    async def stream_stats(self, name: str) -> dict[str, Any]:
        return dict(await self._json("GET", f"v1beta2/streams/{path_segment(name)}/stats") or {})

    async def analyze_sql(self, sql: str) -> dict[str, Any]:
        body = {"sql": sql}
        return dict(await self._json("POST", "v1beta2/sqlanalyze", json_body=body) or {})

    async def stream_exists(self, name: str) -> bool:
        return any(item.get("name") == name for item in await self.list_streams())

    async def create_stream(
        self, name: str, columns: ColumnDefs, *, if_not_exists: bool = False, **options: Any
    ) -> dict[str, Any]:
        """As the sync ``create_stream`` (same options)."""
        definition = ddl.StreamDefinition.build(name, columns, **options)
        sql = definition.to_sql(if_not_exists=if_not_exists)
        if definition.settings:  # arbitrary settings exist only in the SQL form
            await self.execute_command(sql)
            return {"name": name}
        body = definition.to_json()
        return await self._create("streams", body, sql, self.get_stream, if_not_exists)

    async def delete_stream(self, name: str, *, if_exists: bool = False) -> None:
        await self._delete("streams", "STREAM", name, if_exists)

    async def list_views(self, *, db: Optional[str] = None) -> list[dict[str, Any]]:
        return list(await self._json("GET", "v1beta2/views", params=listing_params(db=db)) or [])

    async def get_view(self, name: str) -> dict[str, Any]:
        return dict(await self._json("GET", f"v1beta2/views/{path_segment(name)}") or {})

    async def create_view(
        self, name: str, query: str, *, materialized: bool = False,
        target_stream: Optional[str] = None, if_not_exists: bool = False,
    ) -> dict[str, Any]:
        body, sql = view_request(name, query, materialized, target_stream, if_not_exists)
        return await self._create("views", body, sql, self.get_view, if_not_exists)

    async def delete_view(self, name: str, *, if_exists: bool = False) -> None:
        await self._delete("views", "VIEW", name, if_exists)

    async def _create(
        self,
        collection: str,
        body: dict[str, Any],
        sql: str,
        getter: Callable[[str], Awaitable[dict[str, Any]]],
        if_not_exists: bool,
    ) -> dict[str, Any]:
        """POST /{collection}; where the server has no such route, ``sql`` instead."""
        try:
            return dict(await self._json("POST", f"v1beta2/{collection}", json_body=body) or body)
        except Error as error:
            if if_not_exists and error.code == 57:
                return await getter(str(body["name"]))
            if not _route_missing(error):
                raise
        await self.execute_command(sql)
        return body

    async def _delete(self, collection: str, kind: str, name: str, if_exists: bool) -> None:
        """DELETE /{collection}/{name}, or ``DROP kind`` where the route does not exist."""
        try:
            await self._send("DELETE", f"v1beta2/{collection}/{path_segment(name)}")
        except Error as error:
            cause = error.__cause__
            if isinstance(cause, ServerError) and cause.http_status in (405, 501):
                await self.execute_command(ddl.drop_sql(kind, name, if_exists))
            elif not (if_exists and (error.http_status == 404 or error.code == 60)):
                raise

    # --- materialized views (Timeplus Enterprise 2025) ---------------------------------------

    async def _route_or(self, first: Awaitable[Any], instead: Callable[[], Awaitable[Any]]) -> Any:
        """``first``'s answer, or ``instead()``'s where the server has no such route."""
        try:
            return await first
        except Error as error:
            if not _route_missing(error):
                raise
        return await instead()

    async def list_materialized_views(self, *, expand: bool = False) -> list[dict[str, Any]]:
        """As the sync method: ``/materialized_views``, else the materialized views."""
        async def views() -> list[dict[str, Any]]:
            return [view for view in await self.list_views() if view.get("materialized")]

        params = {"expand": "true"} if expand else None
        found = self._json("GET", _MATERIALIZED_VIEWS, params=params)
        return list(await self._route_or(found, views) or [])

    async def get_materialized_view(self, name: str) -> dict[str, Any]:
        async def view() -> dict[str, Any]:
            return materialized_only(await self.get_view(name), name)

        found = self._json("GET", f"{_MATERIALIZED_VIEWS}/{path_segment(name)}")
        return dict(await self._route_or(found, view) or {})

    async def pause_materialized_view(self, name: str, *, sync: bool = True) -> None:
        await self._mv(self._mv_action(*mv_action(name, "pause", sync)))

    async def resume_materialized_view(self, name: str, *, sync: bool = True) -> None:
        await self._mv(self._mv_action(*mv_action(name, "resume", sync)))

    async def materialized_view_stats(self, name: str) -> dict[str, Any]:
        path = f"{_MATERIALIZED_VIEWS}/{path_segment(name)}/stats"
        return dict(await self._mv(self._json("GET", path)) or {})

    async def _mv_action(self, path: str, params: dict[str, str]) -> None:
        with self.translating():  # a repeated pause or resume does nothing: safe to re-send
            response = await self.transport.request(
                "POST", path, params=params, safe_to_retry=True
            )
            response.release()

    async def _mv(self, request: Awaitable[Any]) -> Any:
        """``request``'s answer; NotSupportedError where ``/materialized_views`` is missing."""
        try:
            return await request
        except Error as error:
            if not _route_missing(error):
                raise
            try:
                await self._send("GET", _MATERIALIZED_VIEWS)
            except Error as probe:
                if _route_missing(probe):
                    raise mv_not_supported(error, self.host) from error.__cause__
            raise

    # --- ingest --------------------------------------------------------------------------------

    async def ingest(
        self, stream: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        """Send rows in compact format (the sync encoder and value checks); each request is
        posted while the next body is encoded. Returns the rows accepted; a failure's
        ``rows_accepted`` says how many earlier requests stored."""
        return await self._ingest_rows(stream, columns, rows, encode_rows)

    async def ingest_frame(
        self, stream: str, frame: Any, columns: Optional[Sequence[str]] = None
    ) -> int:
        """As the sync ``ingest_frame``: a pandas DataFrame's rows, converted a chunk at a
        time while earlier requests are in flight; returns the count."""
        check_frame(frame)
        description = await self.get_stream(stream)
        self._column_rules[stream] = column_rules(description)
        return await self._ingest_rows(stream, *frame_ingest(stream, frame, description, columns))

    async def _ingest_rows(
        self, stream: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
        encoder: Callable[[Sequence[Any]], bytes],
    ) -> int:
        path = ingest_path(stream, columns)
        checks = await self._row_checks(stream, columns)
        bodies = compact_bodies(columns, rows, encoder, self.ingest_max_bytes, checks)
        try:
            return await _send_bodies(lambda body: self._post_ingest(path, body), bodies)
        except Error:
            self._column_rules.pop(stream, None)
            raise

    async def _row_checks(self, stream: str, columns: Sequence[str]) -> Optional[RowChecks]:
        if stream not in self._column_rules:
            try:
                self._column_rules[stream] = column_rules(await self.get_stream(stream))
            except Error as error:
                logger.debug("no value checks for stream %r: %s", stream, error)
                return None
        checks = RowChecks(stream, columns, self._column_rules[stream])
        return checks if checks.active else None

    async def _post_ingest(
        self, path: str, body: bytes, *, params: Optional[dict[str, str]] = None,
        headers: Optional[dict[str, str]] = None,
    ) -> None:
        """POST one ingest body under a fresh idempotency id (re-sent with the same id)."""
        sent = {**(headers or {}), IDEMPOTENT_ID_HEADER: uuid.uuid4().hex}
        with self.translating():
            response = await self.transport.request(
                "POST", path, data=body, params=params, headers=sent, idempotent=True
            )
            response.release()

    async def ingest_payload(
        self, stream: str, payload: Union[str, bytes, Mapping[str, Any]], format: str = "compact"
    ) -> None:
        """A ready-made payload in the format compact, streaming, raw or lines."""
        fmt, data = payload_bytes(payload, format)
        if data is None:
            assert isinstance(payload, Mapping)
            await self.ingest(stream, list(payload.get("columns") or []), payload.get("data") or [])
        else:
            await self._post_ingest(ingest_path(stream, ()), data, **payload_request(fmt))

    # --- queries -------------------------------------------------------------------------------

    async def start_query(
        self, sql: str, *, batching_policy: Optional[Mapping[str, int]] = None,
        idle_timeout: Optional[float] = None, safe_to_retry: bool = False, **extra: Any,
    ) -> Optional[AsyncQueryHandle]:
        """POST /queries; a handle once the header arrived (within ``timeout``), or None for
        a result-less answer. As the sync ``start_query``."""
        body = query_body(sql, batching_policy, extra)
        if _SCHEMA_CHANGE.match(sql):
            self._column_rules.clear()
        timeout = self.transport.config.timeout
        try:
            handle = await asyncio.wait_for(self._open(body, safe_to_retry), timeout)
        except asyncio.TimeoutError:
            with self.translating():
                raise TransportTimeout(f"timed out: no query header within {timeout:g} s") from None
        if handle is not None and idle_timeout is not None:
            handle.set_read_timeout(idle_timeout)
        return handle

    async def _open(self, body: dict[str, Any], safe_to_retry: bool) -> Optional[AsyncQueryHandle]:
        with self.translating():
            response = await self.transport.request(
                "POST", "v1beta2/queries", json_body=body, headers=_SSE_HEADERS,
                stream=True, safe_to_retry=safe_to_retry,
            )
        try:
            content_type = response.headers.get("Content-Type", "")
            if response.status == 204 or "event-stream" not in content_type:
                error = result_less_error(response.status, content_type, await _head(response))
                if error is not None:
                    with self.translating():
                        raise error
                response.release()
                return None
            events = AsyncQueryEventStream(response)
            with self.translating():
                header = await events.read_header()
        except BaseException:
            response.release()
            raise
        return AsyncQueryHandle(self, response, events, header)

    async def execute_command(self, sql: str) -> None:
        """Run DDL (or any statement) and wait for it to finish, discarding any rows."""
        handle = await self.start_query(sql)
        if handle is None:
            return
        try:
            with self.translating(handle.query_id):
                while await handle.events.next_batch() is not None:
                    pass
        finally:
            await handle.aclose(cancel=False)

    async def list_queries(self) -> list[dict[str, Any]]:
        return list(await self._json("GET", "v1beta2/queries") or [])

    async def get_query(self, query_id: str) -> dict[str, Any]:
        return dict(await self._json("GET", f"v1beta2/queries/{path_segment(query_id)}") or {})

    async def cancel_query(self, query_id: str) -> None:
        await self._send("POST", f"v1beta2/queries/{path_segment(query_id)}/cancel", query_id)

    async def cancel_query_quietly(self, query_id: str) -> None:
        """Best-effort cancel used while closing; failures are logged at debug level."""
        try:
            await self.cancel_query(query_id)
        except Error as error:
            logger.debug("cancelling query %s failed: %s", query_id, error)

    async def delete_query(self, query_id: str) -> None:
        await self._send("DELETE", f"v1beta2/queries/{path_segment(query_id)}", query_id)

    async def server_info(self) -> dict[str, Any]:
        return dict(await self._json("GET", "info") or {})

    async def close(self) -> None:
        await self.transport.close()


async def _head(response: aiohttp.ClientResponse) -> bytes:
    try:
        return await response.content.read(256)
    except (aiohttp.ClientError, OSError):
        return b""


async def _send_bodies(post: PostBody, bodies: Iterable[tuple[bytes, int, bool]]) -> int:
    """Post bodies in order, each while the next is encoded; the rows accepted. A failure
    (of a post, or of encoding) carries ``rows_accepted``; nothing is sent after it."""
    accepted = 0
    in_flight: Optional[tuple[asyncio.Task[None], int]] = None
    try:
        for body, count, _ in bodies:
            if in_flight is not None:
                await in_flight[0]
                accepted += in_flight[1]
            in_flight = (asyncio.ensure_future(post(body)), count)
            await asyncio.sleep(0)  # let the post start writing before the next is encoded
        if in_flight is not None:
            await in_flight[0]
            accepted += in_flight[1]
    except Error as error:
        if in_flight is not None and not in_flight[0].done():
            await asyncio.wait([in_flight[0]])
            if in_flight[0].exception() is None:
                accepted += in_flight[1]
        note_rows_accepted(error, accepted)
        raise
    except BaseException:
        if in_flight is not None:
            in_flight[0].cancel()
        raise
    return accepted
