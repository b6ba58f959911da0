"""Fault injection for client reliability tests. Everything is off by default.

Python API (``server.faults`` is a :class:`Faults`)::

    server.faults.fail_next(2, status=503)      # next 2 API requests → 503 ErrorResponse
    server.faults.fail_next(1, status=429, retry_after=1, path_contains="/queries")
    server.faults.drop_after_events(3)          # next query: socket closed after 3 events
    server.faults.drop_after_events(3, reset=True)  # ... with a TCP reset instead of a FIN
    server.faults.delay_events(0.5)             # every SSE event waits 0.5 s first
    server.faults.malformed_event_after(2)      # next query: event 3 is not valid JSON
    server.faults.reset()

``drop_after_events`` and ``malformed_event_after`` apply to the next ``queries`` SSE
responses (default 1); ``delay_events`` applies at once, to running streams too, until
reset. "Events" count every SSE event,
the first ``query`` event included. A drop closes the socket at a chunk boundary (the client
sees EOF inside the chunked body: "response ended prematurely"); with ``reset=True`` it
sends a TCP reset, and the client may then lose events it had not read yet.

HTTP API (for out-of-process use; never subject to auth or to the faults themselves):

* ``GET /_emulator/faults`` → the current settings as JSON.
* ``POST /_emulator/faults`` with any of ``{"fail_count", "fail_status", "retry_after",
  "path_contains", "drop_after_events", "drop_reset", "delay_events_s",
  "malformed_after_events", "queries"}`` → 204, settings replaced by the given ones (missing = off).
* ``DELETE /_emulator/faults`` → 204, everything off.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any, Optional


@dataclass
class FaultSettings:
    """A snapshot of what is injected."""

    fail_count: int = 0
    fail_status: int = 503
    retry_after: Optional[int] = None
    path_contains: Optional[str] = None
    drop_after_events: Optional[int] = None
    drop_queries: int = 0
    drop_reset: bool = False
    delay_events_s: float = 0.0
    malformed_after_events: Optional[int] = None
    malformed_queries: int = 0


@dataclass(frozen=True)
class StreamFaults:
    """What one SSE response must suffer: one-shot faults claimed when it starts, and the
    live ``delay`` setting (read before every event)."""

    drop_after_events: Optional[int] = None
    malformed_after_events: Optional[int] = None
    drop_reset: bool = False
    faults: Optional[Faults] = None

    @property
    def delay_events_s(self) -> float:
        return self.faults.current_delay() if self.faults is not None else 0.0


class Faults:
    """Thread-safe fault switches shared by every request handler of one emulator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._s = FaultSettings()

    def reset(self) -> None:
        with self._lock:
            self._s = FaultSettings()

    def fail_next(self, count: int, status: int = 503, retry_after: Optional[int] = None,
                  path_contains: Optional[str] = None) -> None:
        """Answer the next ``count`` API requests with ``status`` and an ErrorResponse."""
        if not 400 <= status <= 599:
            raise ValueError(f"fault status must be 4xx or 5xx, got {status}")
        with self._lock:
            self._s.fail_count = count
            self._s.fail_status = status
            self._s.retry_after = retry_after
            self._s.path_contains = path_contains

    def drop_after_events(self, events: int, queries: int = 1, reset: bool = False) -> None:
        """Close the socket mid-stream after ``events`` SSE events (``reset``: TCP RST)."""
        with self._lock:
            self._s.drop_after_events = events
            self._s.drop_queries = queries
            self._s.drop_reset = reset

    def delay_events(self, seconds: float) -> None:
        """Sleep ``seconds`` before writing each SSE event (0 turns it off)."""
        with self._lock:
            self._s.delay_events_s = seconds

    def malformed_event_after(self, events: int, queries: int = 1) -> None:
        """Replace the event after ``events`` good ones with invalid JSON."""
        with self._lock:
            self._s.malformed_after_events = events
            self._s.malformed_queries = queries

    def current_delay(self) -> float:
        with self._lock:
            return self._s.delay_events_s

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return asdict(self._s)

    def configure(self, body: dict[str, Any]) -> None:
        """Replace all settings from the JSON body of ``POST /_emulator/faults``."""
        fresh = Faults()
        if body.get("fail_count"):
            fresh.fail_next(int(body["fail_count"]), int(body.get("fail_status", 503)),
                            _opt_int(body.get("retry_after")), body.get("path_contains"))
        queries = int(body.get("queries", 1))
        if body.get("drop_after_events") is not None:
            fresh.drop_after_events(int(body["drop_after_events"]), queries,
                                    bool(body.get("drop_reset", False)))
        if body.get("delay_events_s"):
            fresh.delay_events(float(body["delay_events_s"]))
        if body.get("malformed_after_events") is not None:
            fresh.malformed_event_after(int(body["malformed_after_events"]), queries)
        with self._lock:
            self._s = fresh._s

    def claim_failure(self, path: str) -> Optional[tuple[int, Optional[int]]]:
        """If a failure is pending for ``path``, consume it: (status, retry_after)."""
        with self._lock:
            s = self._s
            if s.fail_count <= 0 or (s.path_contains and s.path_contains not in path):
                return None
            s.fail_count -= 1
            return s.fail_status, s.retry_after

    def claim_stream(self) -> StreamFaults:
        """The faults for an SSE response that starts now (consumes one-shot ones)."""
        with self._lock:
            s = self._s
            drop = malformed = None
            reset = s.drop_reset
            if s.drop_after_events is not None and s.drop_queries > 0:
                drop = s.drop_after_events
                s.drop_queries -= 1
                if s.drop_queries == 0:
                    s.drop_after_events = None
            if s.malformed_after_events is not None and s.malformed_queries > 0:
                malformed = s.malformed_after_events
                s.malformed_queries -= 1
                if s.malformed_queries == 0:
                    s.malformed_after_events = None
            return StreamFaults(drop, malformed, reset and drop is not None, self)


def _opt_int(value: Any) -> Optional[int]:
    return None if value is None else int(value)
