"""Fault injection for client reliability tests. Everything is off by default.

Fault injection exists only on an emulator started with ``--enable-faults``
(``run_emulator(enable_faults=True)``, ``EmulatorServer(enable_faults=True)``; the pytest
fixtures turn it on). Otherwise ``/_emulator/faults`` answers 404 and the Python setters
below raise :class:`RuntimeError` (``reset()`` and ``snapshot()`` always work).

Python API (``server.faults`` is a :class:`Faults`)::

    server.faults.fail_next(2, status=503)      # next 2 API requests → 503 ErrorResponse
    server.faults.fail_next(1, status=429, retry_after=1, path_contains="/queries")
    server.faults.drop_after_events(3)          # next query: socket closed after 3 events
    server.faults.drop_after_events(3, reset=True)  # ... with a TCP reset instead of a FIN
    server.faults.delay_events(0.5)             # every SSE event waits 0.5 s first
    server.faults.malformed_event_after(2)      # next query: event 3 is not valid JSON
    server.faults.drop_after_ingest(1)          # next ingest: stored, then the connection
                                                # closes without an answer
    server.faults.reset()

``drop_after_events`` and ``malformed_event_after`` apply to the next ``queries`` SSE
responses (default 1); ``delay_events`` applies at once, to running streams too, until
reset. "Events" count every SSE event,
the first ``query`` event included. A drop closes the socket at a chunk boundary (the client
sees EOF inside the chunked body: "response ended prematurely"); with ``reset=True`` it
sends a TCP reset, and the client may then lose events it had not read yet.

HTTP API (for out-of-process use; behind the same origin check and credentials as the
REST API, never subject to the faults themselves):

* ``GET /_emulator/faults`` → the current settings as JSON.
* ``POST /_emulator/faults`` with any of ``{"fail_count", "fail_status", "retry_after",
  "path_contains", "drop_after_events", "drop_reset", "delay_events_s",
  "malformed_after_events", "queries", "drop_after_ingest"}`` → 204, settings replaced by the
  given ones (missing = off).
* ``DELETE /_emulator/faults`` → 204, everything off.

Values are checked (HTTP: 400; Python: :class:`ValueError`): unknown keys, wrong types
(``true`` is not a count) and values outside these ranges are refused: ``fail_count`` and
``drop_after_ingest`` 0-10000, ``fail_status`` 400-599, ``retry_after`` 0-3600,
``path_contains`` up to 1000 characters, event counts 0-1000000, ``queries`` 1-10000,
``delay_events_s`` 0-60.
"""

from __future__ import annotations

import math
import threading
from dataclasses import asdict, dataclass
from typing import Any, Callable, Optional

MAX_FAIL_COUNT = 10_000
MAX_RETRY_AFTER_S = 3600
MAX_EVENTS = 1_000_000
MAX_QUERIES = 10_000
MAX_DELAY_S = 60.0
MAX_PATH_LEN = 1000


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
    drop_after_ingest: int = 0


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

    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()
        self._s = FaultSettings()

    def _check_enabled(self) -> None:
        if not self.enabled:
            raise RuntimeError("fault injection is off: start the emulator with "
                               "enable_faults=True (CLI: --enable-faults)")

    def reset(self) -> None:
        with self._lock:
            self._s = FaultSettings()

    def fail_next(self, count: int, status: int = 503, retry_after: Optional[int] = None,
                  path_contains: Optional[str] = None) -> None:
        """Answer the next ``count`` API requests with ``status`` and an ErrorResponse."""
        self._check_enabled()
        _int_in("fail_count", count, 0, MAX_FAIL_COUNT)
        if not (isinstance(status, int) and 400 <= status <= 599):
            raise ValueError(f"fault status must be 4xx or 5xx, got {status}")
        if retry_after is not None:
            _int_in("retry_after", retry_after, 0, MAX_RETRY_AFTER_S)
        if path_contains is not None and not (isinstance(path_contains, str)
                                              and len(path_contains) <= MAX_PATH_LEN):
            raise ValueError(f"path_contains must be a string of at most {MAX_PATH_LEN} "
                             "characters")
        with self._lock:
            self._s.fail_count = count
            self._s.fail_status = status
            self._s.retry_after = retry_after
            self._s.path_contains = path_contains

    def drop_after_events(self, events: int, queries: int = 1, reset: bool = False) -> None:
        """Close the socket mid-stream after ``events`` SSE events (``reset``: TCP RST)."""
        self._check_enabled()
        _int_in("drop_after_events", events, 0, MAX_EVENTS)
        _int_in("queries", queries, 1, MAX_QUERIES)
        _bool("drop_reset", reset)
        with self._lock:
            self._s.drop_after_events = events
            self._s.drop_queries = queries
            self._s.drop_reset = reset

    def delay_events(self, seconds: float) -> None:
        """Sleep ``seconds`` before writing each SSE event (0 turns it off)."""
        self._check_enabled()
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or \
                not (math.isfinite(seconds) and 0 <= seconds <= MAX_DELAY_S):
            raise ValueError(f"delay_events_s must be a number from 0 to {MAX_DELAY_S:g}")
        with self._lock:
            self._s.delay_events_s = seconds

    def malformed_event_after(self, events: int, queries: int = 1) -> None:
        """Replace the event after ``events`` good ones with invalid JSON."""
        self._check_enabled()
        _int_in("malformed_after_events", events, 0, MAX_EVENTS)
        _int_in("queries", queries, 1, MAX_QUERIES)
        with self._lock:
            self._s.malformed_after_events = events
            self._s.malformed_queries = queries

    def drop_after_ingest(self, requests: int = 1) -> None:
        """The next ``requests`` ingest requests store their rows, and then the connection
        is closed without an answer (the client cannot know the rows were stored)."""
        self._check_enabled()
        _int_in("drop_after_ingest", requests, 0, MAX_FAIL_COUNT)
        with self._lock:
            self._s.drop_after_ingest = requests

    def claim_ingest_drop(self) -> bool:
        """True (and one fewer pending) when this stored ingest must lose its answer."""
        with self._lock:
            if self._s.drop_after_ingest <= 0:
                return False
            self._s.drop_after_ingest -= 1
            return True

    def current_delay(self) -> float:
        with self._lock:
            return self._s.delay_events_s

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return asdict(self._s)

    def configure(self, body: dict[str, Any]) -> None:
        """Replace all settings from the JSON body of ``POST /_emulator/faults``.

        Raises :class:`ValueError` (nothing changes) for unknown keys or bad values.
        """
        self._check_enabled()
        unknown = sorted(set(body) - _HTTP_KEYS)
        if unknown:
            raise ValueError(f"unknown keys {', '.join(unknown)}; use "
                             f"{', '.join(sorted(_HTTP_KEYS))}")
        fresh = Faults(enabled=True)
        queries = body.get("queries", 1)
        if body.get("fail_count"):
            fresh.fail_next(body["fail_count"], body.get("fail_status", 503),
                            body.get("retry_after"), body.get("path_contains"))
        if body.get("drop_after_events") is not None:
            fresh.drop_after_events(body["drop_after_events"], queries,
                                    body.get("drop_reset", False))
        if body.get("delay_events_s"):
            fresh.delay_events(body["delay_events_s"])
        if body.get("malformed_after_events") is not None:
            fresh.malformed_event_after(body["malformed_after_events"], queries)
        if body.get("drop_after_ingest"):
            fresh.drop_after_ingest(body["drop_after_ingest"])
        for key, check in _UNUSED_CHECKS.items():  # given but not used above: still checked
            if key in body and body[key] is not None:
                check(body[key])
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


def _int_in(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, not {value!r}")


def _bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, not {value!r}")


_HTTP_KEYS = frozenset({"fail_count", "fail_status", "retry_after", "path_contains",
                        "drop_after_events", "drop_reset", "delay_events_s",
                        "malformed_after_events", "queries", "drop_after_ingest"})
_UNUSED_CHECKS: dict[str, Callable[[Any], None]] = {
    "fail_count": lambda v: _int_in("fail_count", v, 0, MAX_FAIL_COUNT),
    "fail_status": lambda v: _int_in("fail_status", v, 400, 599),
    "retry_after": lambda v: _int_in("retry_after", v, 0, MAX_RETRY_AFTER_S),
    "queries": lambda v: _int_in("queries", v, 1, MAX_QUERIES),
    "drop_reset": lambda v: _bool("drop_reset", v),
    "delay_events_s": lambda v: Faults(enabled=True).delay_events(v),
    "path_contains": lambda v: Faults(enabled=True).fail_next(0, path_contains=v),
}
