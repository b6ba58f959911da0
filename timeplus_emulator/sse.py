"""Server-sent events for query results (PROTOCOL.md §2).

Owns: SSE framing (single-line ``data:``), HTTP/1.1 chunked writing to the socket, and
:class:`SseSink`, which batches rows per ``batching_policy {count, time_ms}``, sends
``event: metrics`` every second, watches the cancel flag and applies stream faults.
A failed write means the client went away: :class:`ClientGone` stops the query.
"""

from __future__ import annotations

import json
import time
from typing import Any, Optional, Protocol

from timeplus_emulator.faults import StreamFaults
from timeplus_emulator.queries import QueryRecord
from timeplus_emulator.streaming import QueryStopped

METRICS_INTERVAL = 1.0
DEFAULT_COUNT = 100
DEFAULT_TIME_MS = 100


class ClientGone(QueryStopped):
    """Writing to the client failed (disconnect) or a fault dropped the connection."""


class DroppedByFault(ClientGone):
    """Fault injection cut the connection; ``reset`` asks for a TCP reset."""

    def __init__(self, message: str, reset: bool) -> None:
        super().__init__(message)
        self.reset = reset


class Canceled(QueryStopped):
    """The query was cancelled or deleted through the REST API."""


def format_event(data: bytes, event: Optional[str] = None) -> bytes:
    """One SSE event; ``data`` must not contain newlines."""
    head = b"event: " + event.encode() + b"\n" if event else b""
    return head + b"data: " + data + b"\n\n"


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Writable(Protocol):
    """What the writer needs of the socket file."""

    def write(self, data: bytes, /) -> Any: ...

    def flush(self) -> Any: ...


class ChunkedWriter:
    """Writes HTTP/1.1 chunks (raw bytes for HTTP/1.0); raises :class:`ClientGone` on failure."""

    def __init__(self, wfile: Writable, chunked: bool = True) -> None:
        self._wfile = wfile
        self.chunked = chunked
        self.broken = False

    def write(self, data: bytes) -> None:
        if self.broken:
            raise ClientGone("client connection is closed")
        try:
            self._wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if self.chunked else data)
            self._wfile.flush()
        except (OSError, ValueError) as exc:
            self.broken = True
            raise ClientGone(str(exc)) from None

    def end(self) -> None:
        if not self.broken and self.chunked:
            try:
                self._wfile.write(b"0\r\n\r\n")
                self._wfile.flush()
            except (OSError, ValueError):
                self.broken = True


class SseSink:
    """Batches rows into SSE data events and interleaves metrics; see module docstring."""

    def __init__(self, writer: ChunkedWriter, record: QueryRecord,
                 policy: Optional[dict[str, Any]], faults: StreamFaults) -> None:
        self.writer = writer
        self.record = record
        self.count, self.interval = _policy(policy)
        self.faults = faults
        self.events = 0
        self._pending: list[bytes] = []
        self._batch_started = 0.0
        self._next_metrics = time.monotonic() + METRICS_INTERVAL

    # -------------------------------------------------------------- events
    def _send(self, data: bytes, event: Optional[str] = None, *, delayable: bool = True) -> None:
        faults = self.faults
        delay = faults.delay_events_s
        if delay and delayable:
            self._sleep(delay)
        if faults.drop_after_events is not None and self.events >= faults.drop_after_events:
            self.writer.broken = True
            raise DroppedByFault("connection dropped by fault injection", faults.drop_reset)
        if faults.malformed_after_events is not None and \
                self.events == faults.malformed_after_events:
            data = b'{"malformed": [1, 2'
        self.writer.write(format_event(data, event))
        self.events += 1

    def _sleep(self, seconds: float) -> None:
        if self.record.cancel_event.wait(seconds):
            raise Canceled("query canceled")

    def start(self, header: list[dict[str, str]]) -> None:
        self.record.header = header
        self.record.first_response = time.time()
        self._send(json_bytes(self.record.to_json()), "query")

    def emit(self, rows: list[bytes]) -> None:
        if not self._pending:
            self._batch_started = time.monotonic()
        self._pending.extend(rows)
        pending, count = self._pending, self.count
        if len(pending) >= count:
            full = len(pending) - len(pending) % count
            for start in range(0, full, count):
                self._send_rows(pending[start : start + count])
            self._pending = pending[full:]
            self._batch_started = time.monotonic()
        self.poll()

    def _send_rows(self, rows: list[bytes]) -> None:
        self._send(b"[" + b",".join(rows) + b"]")

    def poll(self) -> float:
        if self.record.cancel_event.is_set():
            raise Canceled("query canceled")
        now = time.monotonic()
        if self._pending and now - self._batch_started >= self.interval:
            rows, self._pending = self._pending, []
            self._send_rows(rows)
        if now >= self._next_metrics:
            self._next_metrics = now + METRICS_INTERVAL
            self._send(json_bytes(self.record.metrics()), "metrics")
        waits = [self._next_metrics - now]
        if self._pending:
            waits.append(self._batch_started + self.interval - now)
        return max(0.0, min(waits))

    def finish(self) -> None:
        """Flush rows, then the final ``query`` event, then end the chunked body."""
        if self._pending:
            rows, self._pending = self._pending, []
            self._send_rows(rows)
        self._send(json_bytes(self.record.to_json()), "query")
        self.writer.end()

    def fail(self) -> None:
        """Final ``query`` event only (status already failed/canceled); drop pending rows.

        Not subject to the ``delay_events`` fault: a cancel interrupts the delay, and the
        final event that reports it must still go out at once.
        """
        self._pending = []
        self._send(json_bytes(self.record.to_json()), "query", delayable=False)
        self.writer.end()


def _policy(policy: Optional[dict[str, Any]]) -> tuple[int, float]:
    count, time_ms = DEFAULT_COUNT, DEFAULT_TIME_MS
    if isinstance(policy, dict):
        if isinstance(policy.get("count"), int) and policy["count"] > 0:
            count = policy["count"]
        if isinstance(policy.get("time_ms"), (int, float)) and policy["time_ms"] > 0:
            time_ms = policy["time_ms"]
    return count, time_ms / 1000.0
