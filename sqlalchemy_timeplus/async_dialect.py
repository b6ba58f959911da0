"""``timeplus+async://``: the Timeplus dialect on the asyncio driver (:mod:`timeplus_dbapi.aio`),
for ``create_async_engine`` (SQLAlchemy 2.x, with greenlet: the ``async`` extra).

Everything but the driver is :class:`~sqlalchemy_timeplus.dialect.TimeplusDialect`: the URL
grammar, historical mode by default, DDL through the REST API, reflection, bulk inserts. The
driver is adapted as SQLAlchemy adapts its own asyncio drivers
(:mod:`sqlalchemy.connectors.asyncio`): cursors and the connection are wrapped and each call is
awaited from SQLAlchemy's greenlet. ``conn.client`` (used for DDL and reflection) is the async
REST client with its methods awaited the same way.

``await conn.execute(...)`` reads a query's rows before it returns (run live queries with
``stream``); ``await conn.stream(text(...))`` uses a lazy cursor whose rows arrive as the
server sends them, so a streaming query (``timeplus_query_mode="streaming"``) yields each row
as it arrives. Closing that result (leaving ``async with``) cancels the query on the server.
"""

from __future__ import annotations

import collections
from typing import Any

from sqlalchemy import pool
from sqlalchemy.connectors.asyncio import (
    AsyncAdapt_dbapi_connection,
    AsyncAdapt_dbapi_cursor,
    AsyncAdapt_dbapi_ss_cursor,
)
from sqlalchemy.util import concurrency

from .dialect import TimeplusDialect
from .execution import TimeplusExecutionContext

# SQLAlchemy 2.1 names it await_, 2.0 await_only
await_: Any = getattr(concurrency, "await_", None) or concurrency.await_only

__all__ = ["TimeplusAsyncDialect", "dialect"]


class _AwaitedClient:
    """The async REST client with each method awaited in SQLAlchemy's greenlet."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return await_(method(*args, **kwargs))

        return call


class _CursorOptions:
    """``execute(..., query_mode=...)`` as the dialect calls it, and ``cursor.connection``."""

    _cursor: Any
    _adapt_connection: Any
    server_side: bool

    @property
    def connection(self) -> Any:
        return self._adapt_connection

    def execute(self, operation: Any, parameters: Any = None, **options: Any) -> Any:
        try:
            return await_(self._execute_with(operation, parameters, options))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _execute_with(
        self, operation: Any, parameters: Any, options: dict[str, Any]
    ) -> Any:
        async with self._adapt_connection._execute_mutex:
            result = await self._cursor.execute(operation, parameters, **options)
            if self._cursor.description and not self.server_side:
                self._rows = collections.deque(await self._cursor.fetchall())
            return result


class AsyncAdaptTimeplusCursor(_CursorOptions, AsyncAdapt_dbapi_cursor):
    """Reads all rows in ``execute()`` (``conn.execute``)."""

    __slots__ = ()


class AsyncAdaptTimeplusSSCursor(_CursorOptions, AsyncAdapt_dbapi_ss_cursor):
    """Reads rows as they are fetched (``conn.stream``, ``stream_results``)."""

    __slots__ = ()


class AsyncAdaptTimeplusConnection(AsyncAdapt_dbapi_connection):
    _cursor_cls = AsyncAdaptTimeplusCursor
    _ss_cursor_cls = AsyncAdaptTimeplusSSCursor

    @property
    def client(self) -> _AwaitedClient:
        return _AwaitedClient(self._connection.client)

    @property
    def params(self) -> Any:
        """The driver connection's parameters (its ``database`` is the default schema)."""
        return self._connection.params


class AsyncAdaptTimeplusDBAPI:
    """The driver as a DB-API module for SQLAlchemy: the sync driver's attributes (exceptions,
    type objects, paramstyle) and an awaited ``connect``."""

    def __init__(self) -> None:
        import timeplus_dbapi
        from timeplus_dbapi import aio

        self.aio = aio
        for name in timeplus_dbapi.__all__:
            if name not in ("connect", "Connection", "Cursor"):
                setattr(self, name, getattr(timeplus_dbapi, name))

    def connect(self, *args: Any, **kwargs: Any) -> AsyncAdaptTimeplusConnection:
        connection: Any = await_(self.aio.connect(*args, **kwargs))
        return AsyncAdaptTimeplusConnection(self, connection)


class TimeplusAsyncExecutionContext(TimeplusExecutionContext):
    def create_server_side_cursor(self) -> Any:
        return self._dbapi_connection.cursor(server_side=True)


class TimeplusAsyncDialect(TimeplusDialect):
    """Timeplus over its REST API through :mod:`timeplus_dbapi.aio`."""

    driver = "async"
    is_async = True
    supports_statement_cache = True
    supports_server_side_cursors = True
    execution_ctx_cls = TimeplusAsyncExecutionContext

    @classmethod
    def import_dbapi(cls) -> Any:
        return AsyncAdaptTimeplusDBAPI()

    @classmethod
    def get_pool_class(cls, url: Any) -> type[pool.Pool]:
        return pool.AsyncAdaptedQueuePool

    def get_driver_connection(self, connection: Any) -> Any:
        return connection._connection


dialect = TimeplusAsyncDialect
