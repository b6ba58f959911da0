"""The asyncio cursor: :class:`timeplus_dbapi.cursor.Cursor` name for name, with ``await``.

Statement routing, query planning, parameter rendering and ingest rows come from
:mod:`timeplus_dbapi.statements`; the result's rules (final status, LIMIT ends, idle timeout,
conversion) are :class:`timeplus_dbapi.result.StreamingResult`'s, fed batch by batch by an
:class:`~timeplus_dbapi.aio.query.AsyncQueryHandle`.

Cancellation: ``close()``, ``cancel()``, a new ``execute()``, and any exception while awaiting
rows (``asyncio.CancelledError`` from a cancelled task, ``asyncio.timeout``, ``wait_for``)
cancel the running query on the server. No thread is started per query.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from operator import length_hint
from typing import TYPE_CHECKING, Any, Optional, cast

from .. import statements
from ..columnar import import_optional
from ..cursorbase import CursorBase
from ..dataframes import frame_from_arrow, numpy_from_arrow, polars_from_arrow
from ..errors import InterfaceError, ProgrammingError
from ..literals import render_literal
from ..result import StreamingResult, describe_columns
from ..sqltext import InsertTarget, substitute_params, values_placeholders
from ..typesystem import parse_result_type
from . import frames
from .query import AsyncQueryHandle

if TYPE_CHECKING:
    from ..client import QueryHandle
    from .connection import AsyncConnection

__all__ = ["AsyncCursor"]

Row = tuple[Any, ...]


class _AsyncRows:
    """A :class:`StreamingResult` whose next batch is awaited before it is taken."""

    def __init__(self, handle: AsyncQueryHandle, result: StreamingResult) -> None:
        self.handle = handle
        self.result = result

    def _buffered(self) -> int:
        return length_hint(self.result.unread)

    async def ready(self) -> int:
        """The rows available without waiting, after awaiting a batch if there were none;
        0 at the end. Any failure or cancellation while awaiting cancels the server query."""
        result = self.result
        if self._buffered() or result.done:
            return self._buffered()
        try:
            await self.handle.prefetch()
            result._fill()
        except BaseException:
            result.close()
            raise
        finally:
            if self.handle.close_asked:  # the end, a failure or a cancel: close it for good
                await asyncio.shield(self.handle.settle())
        return self._buffered()

    async def close(self, reason: Optional[str] = None) -> None:
        self.result.close(reason)
        await asyncio.shield(self.handle.settle())


class AsyncCursor(CursorBase):
    """A cursor over one asyncio connection; not safe to share between tasks."""

    _label = "timeplus_dbapi.aio.AsyncCursor"

    def __init__(self, connection: AsyncConnection) -> None:
        super().__init__(connection)
        self.connection: AsyncConnection = connection
        self._rows: Optional[_AsyncRows] = None

    async def execute(
        self, operation: str, parameters: Any = None, *, query_mode: Optional[str] = None,
        batching_policy: Optional[Mapping[str, int]] = None, idle_timeout: Optional[float] = None,
    ) -> AsyncCursor:
        """Run one statement; a query returns once its header is known."""
        await self._reset(operation)
        kind, target = statements.route_execute(operation, parameters)
        if target is not None:
            self.rowcount = await self._ingest(target, [parameters])
        else:
            if kind == "insert" and parameters is not None:
                await self._values_check(operation, [parameters])
            sql = substitute_params(operation, parameters, render_literal)
            await self._run(sql, kind, query_mode, batching_policy, idle_timeout)
        return self

    async def executemany(self, operation: str, seq_of_parameters: Iterable[Any]) -> AsyncCursor:
        """INSERT ... VALUES with placeholders: rows go to ingest in bulk (bodies posted while
        the next is encoded); other statements run once per parameter set."""
        await self._reset(operation)
        target, template = statements.route_many(operation)
        if target is not None:
            self.rowcount = await self._ingest(target, seq_of_parameters)
        elif template is not None:
            await self._values_in_batches(template, seq_of_parameters)
        else:
            for parameters in seq_of_parameters:
                await self.execute(operation, parameters)
                await self._close_rows()
            self.rowcount = -1
        return self

    async def _values_in_batches(
        self, template: tuple[str, str, str], seq_of_parameters: Iterable[Any]
    ) -> None:
        listed = seq_of_parameters if isinstance(seq_of_parameters, (list, tuple)) else None
        check = await self._values_check("".join(template), listed)
        limit = self.connection.params.ingest_max_bytes
        self.rowcount = 0
        batches = statements.values_statements(
            template, seq_of_parameters, limit, check, listed
        )
        for sql, count in batches:
            await self._run(sql, "insert", None, None, None)
            self.rowcount += count

    async def _values_check(
        self, operation: str, listed: Optional[Sequence[Any]]
    ) -> Optional[statements.CheckRows]:
        """The sync cursor's check of bare-placeholder values in an INSERT sent as SQL."""
        found = values_placeholders(operation)
        if found is None or not found.columns:
            return None
        checks = await self.connection.client._row_checks(found.stream, found.columns)
        return statements.values_check(checks, found.params, listed)

    async def _run(self, sql: str, kind: str, *options: Any) -> None:
        """Run ``sql`` with ``execute()``'s options (query_mode, batching_policy, idle_timeout)."""
        plan = statements.plan_query(self.connection.params, sql, kind, *options)
        client = self.connection.client
        handle = await client.start_query(plan.sql, **plan.request_options())
        if handle is not None:
            self.query_id = handle.query_id
            await self._take(handle, plan)

    async def _take(self, handle: AsyncQueryHandle, plan: statements.QueryPlan) -> None:
        """Keep the result of a query; wait for the end of a statement's."""
        rows = _AsyncRows(
            handle,
            # the async handle offers the sync QueryHandle's interface to the shared result
            StreamingResult(cast("QueryHandle", handle), limit_rows=plan.limit_rows,
                            idle_timeout=plan.idle_timeout),
        )
        if handle.header.columns or not plan.waits_for_the_end:
            self._rows = rows
            self.description = describe_columns(handle.header.columns)
            return
        while await rows.ready():  # DDL answered over SSE: wait for it to finish
            rows.result.fetchmany(rows._buffered())

    async def _ingest(self, target: InsertTarget, seq_of_parameters: Iterable[Any]) -> int:
        client = self.connection.client
        columns = list(target.columns) or statements.stream_columns(
            target, await client.get_stream(target.stream)
        )
        rows = statements.rows_from_parameters(target, seq_of_parameters)
        return await client.ingest(target.stream, columns, rows)

    # --- fetching ------------------------------------------------------------------------------

    def _active(self) -> _AsyncRows:
        if self._closed:
            raise InterfaceError("the cursor is closed")
        if self._rows is None:
            raise ProgrammingError("no result set: execute a query first")
        return self._rows

    async def fetchone(self) -> Optional[Row]:
        rows = self._active()
        return rows.result.fetchone() if await rows.ready() else None

    async def fetchmany(self, size: Optional[int] = None) -> list[Row]:
        rows = self._active()
        want = self._fetch_size(size)
        out: list[Row] = []
        while len(out) < want:
            available = await rows.ready()
            if not available:
                break
            out.extend(rows.result.fetchmany(min(available, want - len(out))))
        return out

    async def fetchall(self) -> list[Row]:
        rows = self._active()
        out: list[Row] = []
        while available := await rows.ready():
            out.extend(rows.result.fetchmany(available))
        return out

    def __aiter__(self) -> AsyncIterator[Row]:
        return self._iterate(self._active())

    async def _iterate(self, rows: _AsyncRows) -> AsyncIterator[Row]:
        """Rows until the end, a batch at a time; after ``close()`` raises InterfaceError.

        Leaving the loop early on a streaming query cancels it on the server, as
        :meth:`cancel` does (when the event loop finalizes this generator, right after the
        loop is left): a live query nobody reads would otherwise run until ``close()``. A
        historical query's remaining rows stay fetchable."""
        result = rows.result
        try:
            while await rows.ready():
                # the batch's own iterator, which fetch calls read too: a fetch after leaving
                # goes on from here, and a close while a row is out ends it
                for row in result.unread:
                    yield row
        except GeneratorExit:
            if rows.handle.header.is_streaming is not False and self._rows is rows:
                await self.cancel()
            raise
        if result.closed_reason is not None:
            raise InterfaceError(result.closed_reason)

    # --- columnar fetching (extensions, as the sync cursor's; see timeplus_dbapi.dataframes) ---

    async def arrow(self) -> Any:
        """The remaining rows as a ``pyarrow.Table`` (needs the ``arrow`` extra)."""
        return await frames.read_table(self._active(), "cursor.arrow()")

    async def df(self) -> Any:
        """The remaining rows as a pandas DataFrame (needs pandas and the ``arrow`` extra)."""
        rows = self._active()
        specs = [parse_result_type(column.type) for column in rows.result.columns]
        return frame_from_arrow(await frames.read_table(rows, "cursor.df()"), specs)

    async def pl(self) -> Any:
        """The remaining rows as a polars DataFrame (needs the ``polars`` extra)."""
        import_optional("polars", "cursor.pl()")
        return polars_from_arrow(await frames.read_table(self._active(), "cursor.pl()"))

    async def fetchnumpy(self) -> dict[str, Any]:
        """The remaining rows as ``{column: NumPy array}`` (needs the ``arrow`` extra)."""
        return numpy_from_arrow(await frames.read_table(self._active(), "cursor.fetchnumpy()"))

    def fetch_record_batch(self, rows_per_batch: int = 1_000_000) -> AsyncIterator[Any]:
        """``async for batch in cursor.fetch_record_batch(n)``: ``pyarrow.RecordBatch`` objects
        of at most ``n`` rows (an async iterator, where the sync cursor returns a reader)."""
        return frames.read_record_batches(self._active(), rows_per_batch)

    # --- lifecycle ------------------------------------------------------------------------------

    async def cancel(self) -> None:
        """Cancel the running query on the server and end its result: fetches then see the
        end of the rows, without an error (as the sync ``cancel()``). Again: does nothing."""
        if self._rows is not None:
            await self._rows.close()

    async def _close_rows(self, reason: Optional[str] = None) -> None:
        rows, self._rows = self._rows, None
        if rows is not None:
            await rows.close(reason)

    async def _reset(self, operation: object) -> None:
        self._check_statement(operation)
        await self._close_rows()
        self._forget_statement()

    async def close(self) -> None:
        """Close the cursor; a query still running is cancelled on the server."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._close_rows("the cursor is closed")
        finally:
            self.connection._forget(self)

    async def nextset(self) -> None:
        self._active()

    async def callproc(self, procname: str, parameters: Optional[Sequence[Any]] = None) -> Any:
        """As the sync ``callproc``: ``SELECT procname(params...)``; returns ``parameters``."""
        self._check_open()
        await self.execute(statements.callproc_sql(procname, parameters))
        return parameters

    async def __aenter__(self) -> AsyncCursor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
