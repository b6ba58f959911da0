"""The asyncio connection: one pooled aiohttp session (keep-alive) per connection.

As :class:`timeplus_dbapi.connection.Connection`: the same parameters, no transactions
(``commit()`` does nothing), and ``close()`` cancels the queries of open cursors on the server.
``client`` is the REST client with ``async`` methods
(:class:`timeplus_dbapi.aio.client.AsyncTimeplusClient`).
"""

from __future__ import annotations

from typing import Any

from ..connection import ConnectionBase, transport_config
from ..dsn import ConnectionParams
from .client import AsyncTimeplusClient
from .cursor import AsyncCursor
from .transport import AsyncHttpTransport

__all__ = ["AsyncConnection"]


class AsyncConnection(ConnectionBase):
    """An asyncio connection to one Timeplus workspace."""

    _label = "timeplus_dbapi.aio.AsyncConnection"

    def __init__(self, params: ConnectionParams) -> None:
        super().__init__(params)
        transport = AsyncHttpTransport(transport_config(params))
        self.client = AsyncTimeplusClient(transport, ingest_max_bytes=params.ingest_max_bytes)

    def cursor(self) -> AsyncCursor:
        cursor = AsyncCursor(self)
        self._track(cursor)
        return cursor

    async def commit(self) -> None:
        """No-op: Timeplus has no transactions."""
        self._check_open()

    async def rollback(self) -> None:
        """No-op: there is nothing to roll back. Never raises."""

    async def close(self) -> None:
        """Close every cursor (cancelling running queries on the server), then the session."""
        if self._closed:
            return
        try:
            for cursor in list(self._cursors):
                await cursor.close()
        finally:
            self._closed = True
            await self.client.close()

    async def __aenter__(self) -> AsyncConnection:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()
