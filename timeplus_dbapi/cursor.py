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
import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, Optional

from .dsn import parse_batching_policy, parse_seconds
from .errors import InterfaceError, ProgrammingError
from .literals import render_literal, require_utf8
from .result import StreamingResult, describe_columns
from .sqltext import (
    InsertTarget,
    analyze_insert,
    is_select,
    merge_settings,
    split_values_template,
    statement_kind,
    substitute_params,
    top_level_limit,
    values_placeholders,
)

if TYPE_CHECKING:
    from .connection import Connection

__all__ = ["Cursor"]

logger = logging.getLogger(__name__)

Row = tuple[Any, ...]
_RESERVED_PREFIX = "_tp_"
_FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLAIN_SEQUENCES = (tuple, list)


class Cursor:
    """A cursor over one connection; not safe to share between threads."""

    arraysize: int = 1
    lastrowid: None = None  # Timeplus has no row ids

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.description: Optional[list[tuple[Any, ...]]] = None
        self.rowcount = -1
        self.query_id: Optional[str] = None
        self._result: Optional[StreamingResult] = None
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"query {self.query_id}"
        return f"<timeplus_dbapi.Cursor {state}>"

    @property
    def closed(self) -> bool:
        return self._closed

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
        kind = statement_kind(operation)
        if kind == "insert" and parameters is not None:
            target = analyze_insert(operation)
            if target is not None:
                self.rowcount = self._ingest(target, [parameters])
                return self
            self._check_sql_values(operation, [parameters])
        sql = substitute_params(operation, parameters, render_literal)
        self._run(sql, kind, query_mode, batching_policy, idle_timeout)
        return self

    def executemany(self, operation: str, seq_of_parameters: Iterable[Any]) -> Cursor:
        """INSERT ... VALUES with placeholders: rows go to ingest in bulk; others run one by one."""
        self._reset(operation)
        if statement_kind(operation) == "insert":
            target = analyze_insert(operation)
            if target is not None:
                self.rowcount = self._ingest(target, seq_of_parameters)
                return self
            template = split_values_template(operation)
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
        limit = self.connection.params.ingest_max_bytes
        rows: list[str] = []
        size = total = 0
        listed = seq_of_parameters if isinstance(seq_of_parameters, (list, tuple)) else None
        check = self._check_sql_values(head + row + tail, listed)  # a list: all rows now
        for number, parameters in enumerate(seq_of_parameters):
            if check is not None and listed is None:
                check([parameters], number)
            rendered = substitute_params(row, parameters, render_literal)
            if rows and size + len(rendered) > limit:
                self._run(head + ", ".join(rows) + tail, "insert", None, None, None)
                total += len(rows)
                rows, size = [], 0
            rows.append(rendered)
            size += len(rendered) + 2
        if rows:
            self._run(head + ", ".join(rows) + tail, "insert", None, None, None)
            total += len(rows)
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
        if checks is None:
            return None
        keys = found.params

        def check(parameter_sets: Sequence[Any], first: int = 0) -> None:
            try:
                rows = [[parameters[key] for key in keys] for parameters in parameter_sets]
            except (LookupError, TypeError):
                return  # substitution names the problem
            checks.check(rows, first)

        if seq_of_parameters is not None:
            check(seq_of_parameters)
        return check

    def _run(
        self,
        sql: str,
        kind: str,
        query_mode: Optional[str],
        batching_policy: Optional[Mapping[str, int]],
        idle_timeout: Optional[float],
    ) -> None:
        settings = self.connection.params
        mode = (query_mode or settings.query_mode).lower()
        if mode not in ("streaming", "table"):
            raise ProgrammingError(f"query_mode must be 'streaming' or 'table', not {mode!r}")
        if mode == "table" and is_select(sql):
            sql = merge_settings(sql, "query_mode", "'table'")
        policy, idle = self._statement_options(batching_policy, idle_timeout)
        handle = self.connection.client.start_query(
            sql,
            batching_policy=policy,
            idle_timeout=idle,
            safe_to_retry=kind == "query",
        )
        if handle is None:
            return
        self.query_id = handle.query_id
        # Only a streaming query stopped by its LIMIT may end without ``finished``.
        limit = top_level_limit(sql) if kind == "query" and mode == "streaming" else None
        result = StreamingResult(handle, limit_rows=limit, idle_timeout=idle)
        if not handle.header.columns and kind != "query":
            result.fetchall()  # DDL answered over SSE: wait for it to finish
            return
        self._result = result
        self.description = describe_columns(handle.header.columns)

    def _statement_options(
        self, batching_policy: Optional[Mapping[str, int]], idle_timeout: Optional[float]
    ) -> tuple[Optional[dict[str, int]], Optional[float]]:
        """``execute()``'s batching_policy and idle_timeout, checked as the DSN's are."""
        settings = self.connection.params
        try:
            policy = parse_batching_policy(batching_policy) if batching_policy else None
            idle = parse_seconds("idle_timeout", idle_timeout) if idle_timeout is not None else None
        except InterfaceError as error:
            raise ProgrammingError(str(error)) from None
        return policy or settings.batching_policy, (
            idle if idle is not None else settings.idle_timeout
        )

    def _ingest(self, target: InsertTarget, seq_of_parameters: Iterable[Any]) -> int:
        columns = list(target.columns) or self._stream_columns(target)
        rows = _rows_from_parameters(target, seq_of_parameters)
        return self.connection.client.ingest(target.stream, columns, rows)

    def _stream_columns(self, target: InsertTarget) -> list[str]:
        """Column list of ``INSERT INTO s VALUES ...``: the stream's own columns."""
        stream = self.connection.client.get_stream(target.stream)
        names = [str(c.get("name")) for c in stream.get("columns") or []]
        width = len(target.placeholders[0])
        user_columns = [n for n in names if not n.startswith(_RESERVED_PREFIX)]
        for candidate in (user_columns, names):
            if len(candidate) == width:
                return candidate
        raise ProgrammingError(
            f"INSERT without a column list has {width} values per row but stream "
            f"{target.stream!r} has {len(user_columns)} columns ({', '.join(user_columns)})"
        )

    # --- fetching ------------------------------------------------------------------------------

    def _active_result(self) -> StreamingResult:
        if self._closed:
            raise InterfaceError("the cursor is closed")
        if self._result is None:
            raise ProgrammingError("no result set: execute a query first")
        return self._result

    def fetchone(self) -> Optional[Row]:
        return self._active_result().fetchone()

    def fetchmany(self, size: Optional[int] = None) -> list[Row]:
        return self._active_result().fetchmany(self.arraysize if size is None else size)

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
        if self._closed:
            raise InterfaceError("the cursor is closed")
        if self.connection.closed:
            raise InterfaceError("the connection is closed")
        if not isinstance(operation, str):
            raise ProgrammingError(f"the statement must be a str, not {type(operation).__name__}")
        require_utf8(operation, "the statement", ProgrammingError)
        self._close_result()
        self.description = None
        self.rowcount = -1
        self.query_id = None

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
        if self._closed:
            raise InterfaceError("the cursor is closed")
        if not isinstance(procname, str) or not _FUNCTION_NAME.fullmatch(procname):
            raise ProgrammingError(f"callproc needs a plain function name, not {procname!r}")
        if parameters is not None and (
            isinstance(parameters, (str, bytes)) or not isinstance(parameters, Sequence)
        ):
            raise ProgrammingError(
                f"callproc parameters must be a sequence, not {type(parameters).__name__}"
            )
        arguments = ", ".join(render_literal(value) for value in parameters or ())
        self.execute(f"SELECT {procname}({arguments})")
        return parameters

    def setinputsizes(self, sizes: Any) -> None:
        """Does nothing (PEP 249 allows it)."""

    def setoutputsize(self, size: Any, column: Optional[int] = None) -> None:
        """Does nothing (PEP 249 allows it)."""

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _rows_from_parameters(target: InsertTarget, seq_of_parameters: Iterable[Any]) -> Iterable[Any]:
    """Rows (value sequences in column order) from the parameters of each execution.

    A list (or tuple) of parameter sets is checked whole before any row is sent, so a bad row
    sends nothing; a list of tuples or lists of the right width (the usual case) is checked by
    C-level passes and used as it is. Other iterables are checked row by row as they are read.
    """
    groups = target.placeholders
    if groups[0][0] is not None:
        rows = _rows_from_mappings(groups, seq_of_parameters)
        return list(rows) if type(seq_of_parameters) in _PLAIN_SEQUENCES else rows
    expected = len(groups[0]) * len(groups)
    if type(seq_of_parameters) in _PLAIN_SEQUENCES:
        if (
            len(groups) == 1
            and all(map(_PLAIN_SEQUENCES.__contains__, map(type, seq_of_parameters)))
            and all(map(expected.__eq__, map(len, seq_of_parameters)))
        ):
            return seq_of_parameters
        return list(_checked_rows(groups, seq_of_parameters, expected))
    return _checked_rows(groups, seq_of_parameters, expected)


def _checked_rows(
    groups: tuple[tuple[Optional[str], ...], ...], seq_of_parameters: Iterable[Any], expected: int
) -> Iterator[Sequence[Any]]:
    for parameters in seq_of_parameters:
        # exact-type test first: abc isinstance checks cost more than the encoding of a row
        if type(parameters) not in _PLAIN_SEQUENCES and (
            isinstance(parameters, (str, bytes)) or not isinstance(parameters, Sequence)
        ):
            raise ProgrammingError(
                f"parameters must be a sequence per row, not {type(parameters).__name__}"
            )
        if len(parameters) != expected:
            raise ProgrammingError(
                f"{len(parameters)} parameters given, the statement uses {expected}"
            )
        if len(groups) == 1:
            yield parameters
        else:
            width = len(groups[0])
            for start in range(0, expected, width):
                yield parameters[start : start + width]


def _rows_from_mappings(
    groups: tuple[tuple[Optional[str], ...], ...], seq_of_parameters: Iterable[Any]
) -> Iterator[Sequence[Any]]:
    """Rows from one mapping per execution; a single VALUES group is read by ``itemgetter``
    (one C call per row), several groups a group at a time."""
    try:
        if len(groups) == 1:
            names = groups[0]
            if len(names) == 1:
                name = names[0]
                yield from ((parameters[name],) for parameters in seq_of_parameters)
            else:
                yield from map(operator.itemgetter(*names), seq_of_parameters)
            return
        for parameters in seq_of_parameters:
            for group in groups:
                yield [parameters[name] for name in group]
    except KeyError as exc:
        raise ProgrammingError(f"no value for parameter {exc.args[0]!r}") from None
    except TypeError as exc:
        raise ProgrammingError(
            f"named placeholders need a mapping of parameters per row ({exc})"
        ) from None
