"""``StreamingResult``: rows of one query pulled lazily from its event stream.

Holds at most one converted batch. Ends when the server sends the final status ``finished``,
after ``idle_timeout`` seconds without rows (the query is then cancelled on the server), or when
closed. Never ends quietly with a partial result: ``failed``, a ``canceled`` this cursor did not
ask for, or a stream closing without a final status raise. The one exception is a streaming
query stopped by its top-level ``LIMIT n``: real servers may end it without a final status or
report it ``canceled``, so either is its normal end once exactly n rows have arrived, and an
error before that. A historical query (table mode, or the server's header saying
``is_streaming: false``) always needs its ``finished``. Any exception or KeyboardInterrupt while
reading cancels the server query before it propagates.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterator
from itertools import chain, islice
from operator import length_hint
from typing import Any, Optional

from .client import QueryHandle
from .converters import RowConverter, may_hold_floats, plain_float_columns
from .errors import Error, InterfaceError, OperationalError
from .protocol.errors import TransportTimeout
from .protocol.jsoncodec import loads_exact
from .protocol.query import Column
from .typesystem import DECIMAL_DIGITS, TypeSpec, parse_result_type

__all__ = ["StreamingResult", "describe_columns"]

logger = logging.getLogger(__name__)

Row = tuple[Any, ...]
_FLOAT_EXACT_DIGITS = 15
_QUERY_WAS_CANCELLED = 394


def describe_columns(columns: tuple[Column, ...]) -> list[tuple[Any, ...]]:
    """PEP 249 description 7-tuples; ``type_code`` is the Timeplus type name."""
    described = []
    for column in columns:
        spec = parse_result_type(column.type)
        base = spec.unwrap()
        precision, scale = base.precision_scale
        size = next((a for a in base.args if isinstance(a, int)), None)
        internal_size = size if base.name == "fixed_string" else None
        described.append(
            (column.name, column.type, None, internal_size, precision, scale, spec.is_nullable)
        )
    return described


def _needs_exact_numbers(spec: TypeSpec) -> bool:
    if spec.name == "decimal" or spec.name in DECIMAL_DIGITS:
        precision, _ = spec.precision_scale
        return precision is None or precision > _FLOAT_EXACT_DIGITS
    return any(_needs_exact_numbers(arg) for arg in spec.type_args)


class StreamingResult:
    """Lazy rows of one running query."""

    def __init__(
        self,
        handle: QueryHandle,
        *,
        limit_rows: Optional[int],
        idle_timeout: Optional[float],
    ) -> None:
        """``limit_rows``: the top-level LIMIT of a streaming query, whose end may come
        without ``finished`` once that many rows arrived; None when every end needs it."""
        self.handle = handle
        self.columns = handle.header.columns
        self.converter = RowConverter.from_header(self.columns)
        specs = [parse_result_type(c.type) for c in self.columns]
        if any(map(_needs_exact_numbers, specs)):
            handle.events.loads = loads_exact
        elif any(map(may_hold_floats, specs)):
            handle.events.read_signed_zeros(plain_float_columns(specs))  # -0 is -0.0 there
        historical = handle.header.is_streaming is False
        self.limit_rows = None if historical else limit_rows
        self.delivered = 0
        self.idle_timeout = idle_timeout
        self.rows: list[Row] = []
        self.raw_rows: list[list[Any]] = []  # the decoded form of ``rows``, for raw_batches
        # The one position in ``rows``: every fetch and iterator reads this list iterator
        self.unread: Iterator[Row] = iter(self.rows)
        self.done = False
        self.closed_reason: Optional[str] = None
        self.last_row_at = time.monotonic()

    @property
    def query_id(self) -> str:
        return self.handle.query_id

    @property
    def pos(self) -> int:
        """How many rows of ``rows`` were fetched."""
        return len(self.rows) - length_hint(self.unread)

    @pos.setter
    def pos(self, value: int) -> None:
        self.unread.__setstate__(value)  # type: ignore[attr-defined]

    def _hold(self, rows: list[Row], raw_rows: list[list[Any]]) -> None:
        """Make ``rows`` the current batch. The previous batch's iterator is ended first, so
        an ``iter_rows`` reading it stops there (after close) or moves on to this batch."""
        self.unread.__setstate__(len(self.rows))  # type: ignore[attr-defined]
        self.rows, self.raw_rows = rows, raw_rows
        self.unread = iter(rows)

    def _next_raw_batch(self) -> Optional[list[list[Any]]]:
        """The next non-empty batch as decoded (unconverted), or None at the end."""
        while True:
            try:
                batch = self.handle.next_batch()
            except Exception as error:
                if self.done:  # closed meanwhile (cancel or close from another thread)
                    logger.debug("query %s closed while reading: %r", self.query_id, error)
                    return None
                if self._ends_quietly(error):
                    return None
                raise
            if batch is None:
                if not self.done:
                    self._check_final_status()
                    self._finish(cancel=False)
                return None
            if batch:
                self.delivered += len(batch)
                self.last_row_at = time.monotonic()
                self._arm_idle_timer()
                return batch
            if self._idle_expired():
                self._finish(cancel=True)
                return None
            self._arm_idle_timer()

    def _ends_quietly(self, error: Exception) -> bool:
        """Whether a read error is the normal end of this result (then finished here)."""
        if not isinstance(error, OperationalError):
            return False
        if error.code == _QUERY_WAS_CANCELLED and self._stopped_by_limit():
            # servers may report a streaming query's LIMIT stop as canceled
            self._finish(cancel=False)
            return True
        if isinstance(error.__cause__, TransportTimeout) and self._idle_expired(slack=0.05):
            logger.debug("query %s idle for %ss; ending", self.query_id, self.idle_timeout)
            self._finish(cancel=True)
            return True
        return False

    def _arm_idle_timer(self) -> None:
        """Make the next socket read give up when the idle time would be reached."""
        if self.idle_timeout is not None:
            remaining = self.idle_timeout - (time.monotonic() - self.last_row_at)
            self.handle.set_read_timeout(remaining)

    def _idle_expired(self, slack: float = 0.0) -> bool:
        return (
            self.idle_timeout is not None
            and time.monotonic() - self.last_row_at >= self.idle_timeout - slack
        )

    def _stopped_by_limit(self) -> bool:
        return self.limit_rows is not None and self.delivered == self.limit_rows

    def _check_final_status(self) -> None:
        if self.handle.events.final_status is None and not self._stopped_by_limit():
            raise OperationalError(
                "the result stream ended before the server reported the query's final status "
                f"after {self.delivered} rows "
                f"[host {self.handle.client.host}, query {self.query_id}]",
                query_id=self.query_id,
                host=self.handle.client.host,
            )

    def _fill(self) -> bool:
        """Make ``rows[pos:]`` non-empty; False at the end. Cancels on any failure."""
        if self.done:
            return False
        try:
            batch = self._next_raw_batch()
            if batch is None or self.done:  # done: closed by another thread meanwhile
                return False
            self._hold(self.converter.convert_rows(batch), batch)
        except BaseException:
            self._finish(cancel=True)
            raise
        return True

    def raw_batches(self) -> Generator[list[list[Any]], None, None]:
        """The rest of the result as decoded, unconverted batches (for columnar readers),
        with the same end and error rules as the rows; rows already converted but not yet
        fetched come first. Cancels the query on any failure."""
        if length_hint(self.unread):
            rest = self.raw_rows[self.pos :]
            self._hold([], [])
            yield rest
        while not self.done:
            try:
                batch = self._next_raw_batch()
            except BaseException:
                self._finish(cancel=True)
                raise
            if batch is None:
                break
            yield batch
        if self.closed_reason is not None:
            raise InterfaceError(self.closed_reason)

    def _finish(self, cancel: bool) -> None:
        self.done = True
        self._hold([], [])
        self.handle.close(cancel=cancel)

    def fetchone(self) -> Optional[Row]:
        row = next(self.unread, None)  # rows are tuples, never None
        if row is None and self._fill():
            row = next(self.unread, None)  # None only if closed from another thread meanwhile
        return row

    def fetchmany(self, size: int) -> list[Row]:
        out = list(islice(self.unread, size))
        while len(out) < size and self._fill():
            out.extend(islice(self.unread, size - len(out)))
        return out

    def fetchall(self) -> list[Row]:
        out = list(self.unread)
        while self._fill():
            out.extend(self.unread)
        return out

    def iter_rows(self) -> Iterator[Row]:
        """Rows until the end; after ``close(reason)`` raises InterfaceError(reason).

        The rows of a batch are handed out by C code (a chain over the batch's own list
        iterator, which the fetch methods read too), with no Python call per row."""
        return chain.from_iterable(self._unread_batches())

    def _unread_batches(self) -> Iterator[Iterator[Row]]:
        while length_hint(self.unread) or self._fill():
            yield self.unread
        if self.closed_reason is not None:
            raise InterfaceError(self.closed_reason)

    def close(self, reason: Optional[str] = None) -> None:
        """Close the stream, cancelling the query on the server if it may still be running.

        With a ``reason``, iterators of this result raise InterfaceError(reason) from then on
        (a closed cursor); without one they just end (cancel, or the cursor ran a new query).
        """
        self.closed_reason = reason
        if not self.done:
            self.done = True
            self._hold([], [])
            try:
                self.handle.close(cancel=True)
            except Error as error:
                logger.debug("closing query %s: %s", self.query_id, error)
