"""Server-Sent Events framing: a sans-I/O decoder fed byte chunks, read by a sync and an async
wrapper.

A small bytes-level parser (LF, CRLF and CR line endings; multi-line ``data:`` joined with LF;
comments and ``id``/``retry`` fields ignored). Data stays ``bytes`` so the JSON decoder reads it
without an intermediate ``str``; memory holds at most one event plus one network chunk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import NamedTuple

__all__ = ["KEEPALIVE", "SSEDecoder", "SSEEvent", "aiter_sse_events", "iter_sse_events"]


class SSEEvent(NamedTuple):
    """One dispatched event; ``event`` is ``"message"`` when the server sent no ``event:`` line."""

    event: str
    data: bytes


# Yielded for a comment line when asked to: it carries no event, but shows the stream is alive
# (readers that bound the wait for rows get a chance to look at the clock).
KEEPALIVE = SSEEvent(":", b"")


class SSEDecoder:
    """The sans-I/O core: ``feed(chunk)`` returns the events completed by that chunk, ``end()``
    those still pending when the input ends. Both the sync and the async readers use it.

    With ``keepalives``, each comment line also gives :data:`KEEPALIVE` (it does not end or
    alter the pending event). An event still incomplete when the input ends is dispatched
    anyway (lenient: servers have been seen to close right after the last ``data:`` line); a
    truncated payload then fails to decode.
    """

    def __init__(self, keepalives: bool = False) -> None:
        self.keepalives = keepalives
        self._pending: list[bytes] = []  # the start of a line split across chunks
        self._carry_cr = False
        self._event_name = ""
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """The events completed by ``chunk`` (arbitrarily split input)."""
        if not chunk:
            return []
        if self._carry_cr:
            chunk = b"\r" + chunk
            self._carry_cr = False
        if chunk.endswith(b"\r"):
            chunk = chunk[:-1]
            self._carry_cr = True
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        end = chunk.find(b"\n")
        if end < 0:
            self._pending.append(chunk)
            return []
        if self._pending:  # the first line began in an earlier chunk
            end += sum(map(len, self._pending))
            self._pending.append(chunk)
            chunk, self._pending = b"".join(self._pending), []
        out: list[SSEEvent] = []
        start = 0
        while end >= 0:
            if chunk.startswith(b"data:", start):  # most lines: one copy of the value
                skip = 6 if chunk.startswith(b" ", start + 5) else 5
                self._data.append(chunk[start + skip : end])
            else:
                self._line(chunk[start:end], out)
            start = end + 1
            end = chunk.find(b"\n", start)
        if start < len(chunk):
            self._pending.append(chunk[start:])
        return out

    def end(self) -> list[SSEEvent]:
        """The events still pending when the input ends."""
        out: list[SSEEvent] = []
        if self._carry_cr or self._pending:
            self._carry_cr = False
            line, self._pending = b"".join(self._pending), []
            self._line(line, out)
        if self._data:
            out.append(SSEEvent(self._event_name or "message", b"\n".join(self._data)))
            self._data = []
        return out

    def _line(self, line: bytes, out: list[SSEEvent]) -> None:
        if not line:
            if self._data:
                out.append(SSEEvent(self._event_name or "message", b"\n".join(self._data)))
            self._event_name = ""
            self._data = []
            return
        field, sep, value = line.partition(b":")
        if sep and value.startswith(b" "):
            value = value[1:]
        if field == b"data":
            self._data.append(value)
        elif field == b"event":
            self._event_name = value.decode("utf-8", "replace")
        elif not field and self.keepalives:
            out.append(KEEPALIVE)
        # Empty field names are comments; id/retry are not used by this protocol.


def iter_sse_events(chunks: Iterable[bytes], keepalives: bool = False) -> Iterator[SSEEvent]:
    """Parse SSE events from byte chunks as they arrive (see :class:`SSEDecoder`)."""
    decoder = SSEDecoder(keepalives)
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.end()


async def aiter_sse_events(
    chunks: AsyncIterator[bytes], keepalives: bool = False
) -> AsyncIterator[SSEEvent]:
    """:func:`iter_sse_events` for an asynchronous chunk source."""
    decoder = SSEDecoder(keepalives)
    async for chunk in chunks:
        for event in decoder.feed(chunk):
            yield event
    for event in decoder.end():
        yield event
