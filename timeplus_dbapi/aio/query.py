"""One running query read with asyncio: the shared sans-I/O core
(:class:`timeplus_dbapi.protocol.query.QueryEvents`, fed by
:func:`timeplus_dbapi.protocol.sse.aiter_sse_events`) over an aiohttp response.

:class:`AsyncQueryHandle` offers the sync handle's interface to
:class:`timeplus_dbapi.result.StreamingResult` (``next_batch``, ``close``, ``set_read_timeout``),
so the result's rules (final status, LIMIT ends, idle timeout, conversion) are the sync driver's:
``prefetch()`` awaits the next batch with rows (or the end, or a failure) before each
``next_batch()``, and a close asked for by the result is carried out by ``settle()``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING, Any, Optional

import aiohttp

from ..errors import Error, InterfaceError, translate
from ..protocol.errors import ProtocolError, TransportError, TransportTimeout
from ..protocol.query import QueryEvents, QueryHeader
from ..protocol.sse import SSEEvent, aiter_sse_events

if TYPE_CHECKING:
    from .client import AsyncTimeplusClient

__all__ = ["AsyncQueryEventStream", "AsyncQueryHandle"]

logger = logging.getLogger(__name__)

_END_WAIT = 1.0  # as the sync handle: how long closing waits for the end of a finished body
Batch = Optional[list[list[Any]]]


async def _chunks(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.content.iter_any():
            yield chunk
    except (aiohttp.ClientError, OSError) as exc:
        raise TransportError(f"connection failed reading the response stream: {exc}") from exc


async def _within(seconds: Optional[float], step: Awaitable[Batch]) -> Batch:
    """``step`` within ``seconds`` (asyncio.TimeoutError after): ``asyncio.timeout`` where it
    exists (Python 3.11+; no task per call, which matters once per batch), else ``wait_for``."""
    timeout = getattr(asyncio, "timeout", None)
    if timeout is None:
        return await asyncio.wait_for(step, seconds)
    async with timeout(seconds):
        return await step


class AsyncQueryEventStream(QueryEvents):
    """Reads one query's SSE stream from an aiohttp response, event by event."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        super().__init__()
        self._events: AsyncIterator[SSEEvent] = aiter_sse_events(
            _chunks(response), keepalives=True
        )

    async def _next_event(self) -> Optional[SSEEvent]:
        try:
            return await self._events.__anext__()
        except StopAsyncIteration:
            return None

    async def read_header(self) -> QueryHeader:
        while (event := await self._next_event()) is not None:
            found = self.header_from(event)
            if found is not None:
                return found
        raise self.no_header()

    async def next_batch(self) -> Batch:
        event = None if self.finished else await self._next_event()
        if event is None:
            self.finished = True
            return None
        return self.batch_from(event)

    async def at_end_after_final_status(self) -> bool:
        return self.ended_finished() and await self._next_event() is None


class AsyncQueryHandle:
    """One running query's stream for :class:`~timeplus_dbapi.result.StreamingResult`."""

    def __init__(
        self,
        client: AsyncTimeplusClient,
        response: aiohttp.ClientResponse,
        events: AsyncQueryEventStream,
        header: QueryHeader,
    ) -> None:
        self.client = client
        self.response = response
        self.events = events
        self.header = header
        self.closed = False
        self._ahead: Optional[tuple[Batch, Optional[Error]]] = None
        self._close_asked: Optional[bool] = None
        self._idle_until: Optional[float] = None

    @property
    def query_id(self) -> str:
        return self.header.id

    def set_read_timeout(self, seconds: float) -> None:
        """The next reads wait at most ``seconds`` from now for rows (the idle timeout)."""
        self._idle_until = time.monotonic() + seconds

    def _wait(self) -> Optional[float]:
        limit = self.client.transport.config.timeout
        if self._idle_until is None:
            return limit
        left = max(self._idle_until - time.monotonic(), 0.001)
        return left if limit is None else min(left, limit)

    async def prefetch(self) -> None:
        """Read the next batch with rows, the end, or a failure, for ``next_batch()``."""
        if self._ahead is not None or self.closed:
            return
        try:
            self._ahead = (await self._rows(), None)
        except ProtocolError as failure:  # as client.translating() does, without its cost
            error = translate(failure, host=self.client.host, query_id=self.header.id)
            error.__cause__ = failure
            self._ahead = (None, error)

    async def _rows(self) -> Batch:
        while True:
            wait = self._wait()
            try:
                batch = await _within(wait, self.events.next_batch())
            except asyncio.TimeoutError:
                raise TransportTimeout(f"no rows within {wait:g} s") from None
            if batch is None or batch:
                return batch

    def next_batch(self) -> Batch:
        """The batch ``prefetch()`` read (its failure is raised here)."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            if self.closed:
                return None
            raise InterfaceError("no rows were read ahead (an async cursor is used from sync code)")
        batch, error = ahead
        if error is not None:
            raise error
        return batch

    def close(self, cancel: bool) -> None:
        """Ask for the close (the result calls this synchronously); ``settle()`` does it."""
        if not self.closed and self._close_asked is None:
            self._close_asked = cancel

    @property
    def close_asked(self) -> bool:
        return self._close_asked is not None and not self.closed

    async def settle(self) -> None:
        """Carry out a close asked for by ``close()``."""
        if self._close_asked is not None:
            await self.aclose(self._close_asked)

    async def aclose(self, cancel: bool) -> None:
        """Close the stream; cancel the server query first when asked to (errors logged).
        A stream that ended with ``finished`` keeps its connection when the body ends there."""
        if self.closed:
            return
        self.closed = True
        try:
            if cancel:
                await self.client.cancel_query_quietly(self.header.id)
            else:
                await self._read_to_the_end()
        finally:
            self.response.release()

    async def _read_to_the_end(self) -> None:
        if self.events.final_status is None:
            return
        try:
            if not await asyncio.wait_for(self.events.at_end_after_final_status(), _END_WAIT):
                logger.debug("query %s: data after its final status", self.header.id)
        except (ProtocolError, OSError, asyncio.TimeoutError) as error:
            logger.debug("query %s: reading the end of its stream: %r", self.header.id, error)
