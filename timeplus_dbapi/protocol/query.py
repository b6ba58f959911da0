"""The event stream of ``POST /v1beta2/queries``: header first, then row batches, then an
optional final status. Parsed at the edge into small frozen dataclasses."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Optional

from .errors import ServerError, StreamError
from .jsoncodec import (
    Loads,
    collector_paused,
    holds_int_zero,
    holds_int_zero_is_cheap,
    loads_fast,
    loads_signed_zero,
)
from .sse import KEEPALIVE, SSEEvent, iter_sse_events

__all__ = ["Column", "QueryEventStream", "QueryEvents", "QueryHeader", "QueryStatus"]

logger = logging.getLogger(__name__)

_PAUSE_GC_BYTES = 64 * 1024
_CODE_IN_MESSAGE = re.compile(r"\s*Code:\s*(\d+)\.")
_QUERY_WAS_CANCELLED = 394
FINAL_STATUSES = ("finished", "canceled", "cancelled", "failed")


@dataclass(frozen=True)
class Column:
    """One result column as the server names and types it."""

    name: str
    type: str


@dataclass(frozen=True)
class QueryHeader:
    """The first ``query`` event: the query id and the result columns.

    ``is_streaming`` is the server's own ``analysis.is_streaming`` (False: a historical query,
    which always ends with a final status), or None when the server did not say.
    """

    id: str
    sql: str
    status: str
    columns: tuple[Column, ...]
    is_streaming: Optional[bool] = None


@dataclass(frozen=True)
class QueryStatus:
    """A later ``query`` event carrying the query's (final) status."""

    id: str
    status: str
    message: str
    code: Optional[int]


def _error_in(obj: Any) -> Optional[ServerError]:
    """An error object is one with ``code`` and ``message`` but no ``id``."""
    if isinstance(obj, dict) and "id" not in obj and "code" in obj and "message" in obj:
        code = obj.get("code")
        return ServerError(
            f"query failed: {obj.get('message')}",
            code=code if isinstance(code, int) else None,
            system=obj.get("system") if isinstance(obj.get("system"), str) else None,
        )
    return None


def parse_header(obj: Any) -> QueryHeader:
    """Build the header from the first ``query`` event's JSON."""
    error = _error_in(obj)
    if error is not None:
        raise error
    if not isinstance(obj, dict) or not obj.get("id"):
        raise StreamError("the first query event has no query id")
    result = obj.get("result") or {}
    raw_columns = result.get("header") if isinstance(result, dict) else None
    columns = tuple(
        Column(str(item.get("name", "")), str(item.get("type", "string")))
        for item in (raw_columns or [])
        if isinstance(item, dict)
    )
    analysis = obj.get("analysis")
    streaming = analysis.get("is_streaming") if isinstance(analysis, dict) else None
    return QueryHeader(
        str(obj["id"]),
        str(obj.get("sql", "")),
        str(obj.get("status", "")),
        columns,
        streaming if isinstance(streaming, bool) else None,
    )


def parse_status(obj: Any) -> QueryStatus:
    code = obj.get("code")
    message = str(obj.get("message") or "")
    if not isinstance(code, int) or isinstance(code, bool):
        found = _CODE_IN_MESSAGE.match(message)  # "Code: 395. boom", as engines phrase it
        code = int(found.group(1)) if found else None
    return QueryStatus(str(obj.get("id", "")), str(obj.get("status", "")).lower(), message, code)


class QueryEvents:
    """The sans-I/O core of one query's event stream: fed one SSE event at a time, by the
    sync reader (:class:`QueryEventStream`) and the async one (``timeplus_dbapi.aio``) alike.

    ``header_from(event)`` gives the header or None (not yet); ``batch_from(event)`` a list of
    rows (each a list in header order), an empty list for a non-data event or an SSE comment
    (so callers can check idle time), or ``None`` at the end of results. A final status
    ``failed`` or ``canceled`` raises ServerError: either way the result is incomplete.
    ``final_status`` is None when the stream ended without a final ``query`` event.
    """

    def __init__(self) -> None:
        self.header: Optional[QueryHeader] = None
        self.final_status: Optional[QueryStatus] = None
        self.finished = False
        self.loads: Loads = loads_fast
        self._float_columns: tuple[int, ...] = ()  # see read_signed_zeros

    def read_signed_zeros(self, float_columns: Optional[tuple[int, ...]]) -> None:
        """Read a float ``-0`` as ``-0.0``, not as the int 0 (results with float columns).

        Each event is scanned for a bare ``-0`` before it is decoded; when the only values that
        may be floats are the ``float_columns`` of each row and the C accelerator is built,
        batches are decoded without the scan instead, and a batch is decoded again (exactly)
        when one of those columns holds an int 0. From the first such batch on, the scan is
        used: a result full of zeros would otherwise be decoded twice.
        """
        if float_columns and holds_int_zero_is_cheap():
            self._float_columns = float_columns
        else:
            self.loads = loads_signed_zero

    def header_from(self, event: SSEEvent) -> Optional[QueryHeader]:
        if event is KEEPALIVE:
            return None
        obj = self._decode(event.data)
        if event.event != "query":
            error = _error_in(obj)
            if error is not None:
                raise error
            if event.event == "message":
                raise StreamError("row data arrived before the query header event")
            return None
        self.header = parse_header(obj)
        return self.header

    def no_header(self) -> StreamError:
        """The error for input that ended before the header event."""
        self.finished = True
        return StreamError("the query stream ended before its header event")

    def batch_from(self, event: SSEEvent) -> Optional[list[list[Any]]]:
        if event is KEEPALIVE:
            return []  # an SSE comment: no rows, but the caller may check idle time
        obj = self._decode(event.data)
        if event.event == "message":
            if isinstance(obj, list):
                if self._float_columns and holds_int_zero(obj, self._float_columns):
                    self._float_columns, self.loads = (), loads_signed_zero
                    return self.batch_from(event)
                return obj
            self._raise_if_error(obj)
            return []
        if event.event == "query":
            return None if self._handle_status(obj) else []
        self._raise_if_error(obj)
        return []

    def ended_finished(self) -> bool:
        """Whether a ``finished`` status arrived: the body should end right after it, and
        reading that end (the chunked terminator) lets the HTTP connection be reused."""
        return self.final_status is not None and self.final_status.status == "finished"


    def _handle_status(self, obj: Any) -> bool:
        """Record a status event; True when it ends the result."""
        self._raise_if_error(obj)
        if not isinstance(obj, dict):
            raise StreamError("malformed query status event")
        status = parse_status(obj)
        if status.status not in FINAL_STATUSES:
            return False
        self.final_status = status
        self.finished = True
        if status.status == "failed":
            raise ServerError(
                f"query failed: {status.message or 'no message'}",
                code=status.code,
                query_id=status.id,
            )
        if status.status in ("canceled", "cancelled"):
            # This reader never asks for a cancel and then keeps reading: a cancel seen here
            # came from elsewhere (another client, an admin, a server shutdown), and the rows
            # read so far are not the whole result.
            raise ServerError(
                "the query was canceled on the server before its results ended",
                code=_QUERY_WAS_CANCELLED,
                query_id=status.id,
            )
        return True

    def _raise_if_error(self, obj: Any) -> None:
        error = _error_in(obj)
        if error is not None:
            self.finished = True
            raise error

    def _decode(self, data: bytes) -> Any:
        try:
            if len(data) < _PAUSE_GC_BYTES:
                return self.loads(data)
            with collector_paused():
                return self.loads(data)
        except ValueError as exc:
            self.finished = True
            raise StreamError(f"malformed event data ({len(data)} bytes): {exc}") from exc


class QueryEventStream(QueryEvents):
    """Reads one query's SSE stream lazily from byte chunks (blocking reads)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._events: Iterator[SSEEvent] = iter_sse_events(chunks, keepalives=True)

    def read_header(self) -> QueryHeader:
        for event in self._events:
            header = self.header_from(event)
            if header is not None:
                return header
        raise self.no_header()

    def next_batch(self) -> Optional[list[list[Any]]]:
        if self.finished:
            return None
        for event in self._events:
            return self.batch_from(event)
        self.finished = True
        return None

    def at_end_after_final_status(self) -> bool:
        """After a ``finished`` status: True when the body ends there (nothing else follows)."""
        return self.ended_finished() and next(self._events, None) is None
