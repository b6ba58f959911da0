"""PEP 249 cursor.

Deviations and extensions (documented here, as PEP 249 leaves them open):

- ``execute()`` returns as soon as the query header is known; rows are read lazily. A streaming
  query never ends by itself: ``fetchall()`` blocks until ``LIMIT``, idle timeout or cancel.
- ``rowcount`` is -1 for queries (never computed by draining), the number of rows sent for
  ingest-path INSERTs, and -1 for other statements.
- ``execute(..., query_mode='table'|'streaming', batching_policy={...}, idle_timeout=s)``.
- ``query_id`` is the server id of the current query; ``cancel()`` cancels it and ends its
  result cleanly, also for a reader in another thread. ``close()`` twice does nothing.
- ``callproc(name, params)`` runs ``SELECT name(params...)`` (Timeplus has functions, no
  procedures) and returns ``params``.
- ``arrow()``, ``df()``, ``pl()``, ``fetchnumpy()`` and ``fetch_record_batch()`` (names as in
  duckdb) read the remaining rows column-wise into Arrow, pandas, polars or NumPy
  (:mod:`timeplus_dbapi.dataframes`; the ``arrow`` / ``polars`` extras).
- ``INSERT INTO s [(cols)] VALUES (%s, ...)`` with parameters is sent to the ingest endpoint as
  JSON rows; ``executemany`` sends all rows in size-capped requests, each posted while the next
  is encoded. A list of parameter sets is checked whole first (a bad row sends nothing); rows of
  a generator are checked as they are read. Ingest is not transactional: after a failed request,
  the exception's ``rows_accepted`` says how many rows earlier requests stored.
- An ``INSERT ... VALUES`` whose items mix placeholders and expressions runs as SQL; the values
  of items that are a placeholder alone are checked against their columns as ingest checks
  them (:mod:`timeplus_dbapi.valuechecks`), a list of parameter sets before the first statement.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, Optional

from .cursorbase import CursorBase
from .errors import ProgrammingError
from .literals import render_literal
from .result import StreamingResult, describe_columns
from .sqltext import InsertTarget, substitute_params, values_placeholders
from .statements import (
    callproc_sql,
    plan_query,
    route_execute,
    route_many,
    rows_from_parameters,
    stream_columns,
    values_check,
    values_statements,
)

if TYPE_CHECKING:
    from .connection import Connection

__all__ = ["Cursor"]

logger = logging.getLogger(__name__)

Row = tuple[Any, ...]


class Cursor(CursorBase):
    """A cursor over one connection; not safe to share between threads."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self.connection: Connection = connection
        self._result: Optional[StreamingResult] = None

    # --- executing -------------------------------------------------------------------------------

    def execute(
        self,
        operation: str,
        parameters: Any = None,
        *,
        query_mode: Optional[str] = None,
        batching_policy: Optional[Mapping[str, int]] = None,
        idle_timeout: Optional[float] = None,
    ) -> Cursor:
        """Run one statement. Queries return once their header is known."""
        self._reset(operation)
        kind, target = route_execute(operation, parameters)
        if target is not None:
            self.rowcount = self._ingest(target, [parameters])
            return self
        if kind == "insert" and parameters is not None:
            self._check_sql_values(operation, [parameters])
        sql = substitute_params(operation, parameters, render_literal)
        self._run(sql, kind, query_mode, batching_policy, idle_timeout)
        return self

    def executemany(self, operation: str, seq_of_parameters: Iterable[Any]) -> Cursor:
        """INSERT ... VALUES with placeholders: rows go to ingest in bulk; others run one by one."""
        self._reset(operation)
        target, template = route_many(operation)
        if target is not None:
            self.rowcount = self._ingest(target, seq_of_parameters)
            return self
        if template is not None:
            self.rowcount = self._insert_values_in_batches(template, seq_of_parameters)
            return self
        for parameters in seq_of_parameters:
            self.execute(operation, parameters)
            self._close_result()
        self.rowcount = -1
        return self

    def _insert_values_in_batches(
        self, template: tuple[str, str, str], seq_of_parameters: Iterable[Any]
    ) -> int:
        """Render each parameter set into the VALUES row; send multi-row INSERTs, size-capped."""
        head, row, tail = template
        listed = seq_of_parameters if isinstance(seq_of_parameters, (list, tuple)) else None
        check = self._check_sql_values(head + row + tail, listed)  # a list: all rows now
        limit = self.connection.params.ingest_max_bytes
        total = 0
        for sql, count in values_statements(template, seq_of_parameters, limit, check, listed):
            self._run(sql, "insert", None, None, None)
            total += count
        return total

    def _check_sql_values(
        self, operation: str, seq_of_parameters: Optional[Sequence[Any]]
    ) -> Optional[Callable[[Sequence[Any], int], None]]:
        """Check the values of an ``INSERT ... VALUES`` sent as SQL whose items are bare
        placeholders, against their columns' types (as ingest does); ``seq_of_parameters``
        now, and the returned check for parameter sets read later. None: nothing to check."""
        found = values_placeholders(operation)
        if found is None or not found.columns:
            return None
        checks = self.connection.client._row_checks(found.stream, found.columns)
        return values_check(checks, found.params, seq_of_parameters)

    def _run(self, sql: str, kind: str, *options: Any) -> None:
        """Run ``sql`` with ``execute()``'s options (query_mode, batching_policy, idle_timeout)."""
        plan = plan_query(self.connection.params, sql, kind, *options)
        handle = self.connection.client.start_query(plan.sql, **plan.request_options())
        if handle is None:
            return
        self.query_id = handle.query_id
        result = StreamingResult(handle, limit_rows=plan.limit_rows, idle_timeout=plan.idle_timeout)
        if not handle.header.columns and plan.waits_for_the_end:
            result.fetchall()  # DDL answered over SSE: wait for it to finish
            return
        self._result = result
        self.description = describe_columns(handle.header.columns)

    def _ingest(self, target: InsertTarget, seq_of_parameters: Iterable[Any]) -> int:
        columns = list(target.columns) or self._stream_columns(target)
        rows = rows_from_parameters(target, seq_of_parameters)
        return self.connection.client.ingest(target.stream, columns, rows)

    def _stream_columns(self, target: InsertTarget) -> list[str]:
        """Column list of ``INSERT INTO s VALUES ...``: the stream's own columns."""
        return stream_columns(target, self.connection.client.get_stream(target.stream))

    # --- fetching ------------------------------------------------------------------------------

    def _active_result(self) -> StreamingResult:
        self._check_open()
        if self._result is None:
            raise ProgrammingError("no result set: execute a query first")
        return self._result

    def fetchone(self) -> Optional[Row]:
        return self._active_result().fetchone()

    def fetchmany(self, size: Optional[int] = None) -> list[Row]:
        return self._active_result().fetchmany(self._fetch_size(size))

    def fetchall(self) -> list[Row]:
        return self._active_result().fetchall()

    def __iter__(self) -> Iterator[Row]:
        return self._active_result().iter_rows()

    def __next__(self) -> Row:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    # --- columnar fetching (extensions; see timeplus_dbapi.dataframes) ---------------------------

    def arrow(self) -> Any:
        """The remaining rows as a ``pyarrow.Table`` (needs the ``arrow`` extra)."""
        from .dataframes import fetch_arrow

        return fetch_arrow(self._active_result())

    def fetch_record_batch(self, rows_per_batch: int = 1_000_000) -> Any:
        """A ``pyarrow.RecordBatchReader`` streaming the remaining rows, in batches of at most
        ``rows_per_batch`` (a streaming query's batches are yielded as they arrive)."""
        from .dataframes import fetch_record_batch

        return fetch_record_batch(self._active_result(), rows_per_batch)

    def df(self) -> Any:
        """The remaining rows as a pandas DataFrame (needs pandas and the ``arrow`` extra)."""
        from .dataframes import fetch_df

        return fetch_df(self._active_result())

    def pl(self) -> Any:
        """The remaining rows as a polars DataFrame (needs the ``polars`` extra)."""
        from .dataframes import fetch_polars

        return fetch_polars(self._active_result())

    def fetchnumpy(self) -> dict[str, Any]:
        """The remaining rows as ``{column: NumPy array}`` (needs the ``arrow`` extra)."""
        from .dataframes import fetch_numpy

        return fetch_numpy(self._active_result())

    # --- lifecycle ------------------------------------------------------------------------------

    def cancel(self) -> None:
        """Cancel the running query on the server and end its result (extension).

        The way to stop a live query from another thread: a reader iterating or fetching in
        its own thread sees the end of the rows (iteration stops, ``fetchone()`` returns None,
        ``fetchmany``/``fetchall`` what they had), without an error. ``close()`` from another
        thread also cancels the query, but the reader's next fetch raises InterfaceError, as
        on any closed cursor. Calling ``cancel()`` again, or with no query, does nothing.
        """
        result = self._result
        if result is not None:
            result.close()

    def _close_result(self, reason: Optional[str] = None) -> None:
        result, self._result = self._result, None
        if result is not None:
            result.close(reason)

    def _reset(self, operation: object) -> None:
        self._check_statement(operation)
        self._close_result()
        self._forget_statement()

    def close(self) -> None:
        """Close the cursor; a query still running is cancelled on the server.

        Closing a closed cursor does nothing (PEP 249 leaves it open; every other method of
        a closed cursor raises InterfaceError).
        """
        if self._closed:
            return
        self._closed = True
        self._close_result("the cursor is closed")
        self.connection._forget(self)

    def nextset(self) -> None:
        """Always None: a statement has at most one result set."""
        self._active_result()

    def callproc(self, procname: str, parameters: Optional[Sequence[Any]] = None) -> Any:
        """Run ``SELECT procname(p1, p2, ...)``; its result becomes the result set.

        Timeplus has functions but no stored procedures, the case PEP 249 allows this for.
        ``procname`` must be a plain function name (letters, digits, ``_``); the parameters
        are rendered as literals as ``execute()`` renders them. Returns ``parameters``
        unchanged (there are no output parameters).
        """
        self._check_open()
        self.execute(callproc_sql(procname, parameters))
        return parameters

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

