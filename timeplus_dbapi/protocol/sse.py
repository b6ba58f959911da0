"""Server-Sent Events framing over a byte-chunk iterator.

A small bytes-level parser (LF, CRLF and CR line endings; multi-line ``data:`` joined with LF;
comments and ``id``/``retry`` fields ignored). Data stays ``bytes`` so the JSON decoder reads it
without an intermediate ``str``; memory holds at most one event plus one network chunk.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

__all__ = ["KEEPALIVE", "SSEEvent", "iter_sse_events"]


class SSEEvent(NamedTuple):
    """One dispatched event; ``event`` is ``"message"`` when the server sent no ``event:`` line."""

    event: str
    data: bytes


# Yielded for a comment line when asked to: it carries no event, but shows the stream is alive
# (readers that bound the wait for rows get a chance to look at the clock).
KEEPALIVE = SSEEvent(":", b"")


def _split_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Yield complete lines (without terminators) from arbitrarily split chunks."""
    pending: list[bytes] = []
    carry_cr = False
    for chunk in chunks:
        if not chunk:
            continue
        if carry_cr:
            chunk = b"\r" + chunk
            carry_cr = False
        if chunk.endswith(b"\r"):
            chunk = chunk[:-1]
            carry_cr = True
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if b"\n" not in chunk:
            pending.append(chunk)
            continue
        lines = chunk.split(b"\n")
        if pending:
            pending.append(lines[0])
            lines[0] = b"".join(pending)
            pending = []
        tail = lines.pop()
        yield from lines
        if tail:
            pending.append(tail)
    if carry_cr:
        yield b"".join(pending)
        pending = []
    if pending:
        yield b"".join(pending)


def iter_sse_events(chunks: Iterable[bytes], keepalives: bool = False) -> Iterator[SSEEvent]:
    """Parse SSE events from byte chunks as they arrive; with ``keepalives``, each comment
    line also yields :data:`KEEPALIVE` (it does not end or alter the pending event).

    An event still incomplete when the input ends is dispatched anyway (lenient: servers have been
    seen to close right after the last ``data:`` line); a truncated payload then fails to decode.
    """
    event_name = ""
    data_lines: list[bytes] = []
    for line in _split_lines(chunks):
        if not line:
            if data_lines:
                yield SSEEvent(event_name or "message", b"\n".join(data_lines))
            event_name = ""
            data_lines = []
            continue
        field, sep, value = line.partition(b":")
        if sep and value.startswith(b" "):
            value = value[1:]
        if field == b"data":
            data_lines.append(value)
        elif field == b"event":
            event_name = value.decode("utf-8", "replace")
        elif not field and keepalives:
            yield KEEPALIVE
        # Empty field names are comments; id/retry are not used by this protocol.
    if data_lines:
        yield SSEEvent(event_name or "message", b"\n".join(data_lines))
