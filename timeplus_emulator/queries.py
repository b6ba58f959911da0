"""The query registry: every query POSTed to ``/queries`` while the emulator runs.

Owns: :class:`QueryRecord` (status, header, timings, metrics, the cancel flag) and its
Query JSON (PROTOCOL.md §2/§3), and :class:`QueryRegistry` (list/get/delete/cancel).
Finished queries stay listed until deleted; the oldest finished ones are evicted past
:data:`MAX_FINISHED` so a long-running emulator does not grow without bound.

``timeColumns`` (PROTOCOL.md leaves its meaning open [?]; both upstream OpenAPI documents type
``eventTime``, ``windowStart`` and ``windowEnd`` as required integers, and the original SDK's
generated client refuses anything else): each is the 0-based index in ``result.header`` of the
column ``_tp_time``, ``window_start`` or ``window_end``, or ``-1`` when the result has no such
column (DDL, ``SELECT 1``, a select list without it). Our reading: Timeplus's console uses the
object to find the time axis of a result. Sent in the SSE ``query`` events and by
``GET /queries[/{id}]``; before the header is known every value is -1.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Optional

from timeplus_emulator.catalog import now_text

MAX_FINISHED = 1000
_TIME_COLUMNS = (("eventTime", "_tp_time"), ("windowStart", "window_start"),
                 ("windowEnd", "window_end"))
RUNNING, FINISHED, CANCELED, FAILED = "running", "finished", "canceled", "failed"


@dataclass
class QueryRecord:
    """One query's state, shared by the thread running it and the REST handlers."""

    sql: str
    name: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = RUNNING
    message: str = ""
    header: list[dict[str, str]] = field(default_factory=list)
    created_at: str = field(default_factory=now_text)
    start_time: float = field(default_factory=time.time)
    end_time: Optional[float] = None
    first_response: Optional[float] = None
    rows: int = 0
    scanned_rows: int = 0
    scanned_bytes: int = 0
    last_event_time: int = 0
    is_streaming: bool = False
    cancel_event: threading.Event = field(default_factory=threading.Event, repr=False)

    def finish(self, status: str, message: str = "") -> None:
        """Record the final status once; later calls (e.g. cancel after finish) are ignored."""
        if self.status != RUNNING:
            return
        self.status = status
        self.message = message
        self.end_time = time.time()

    def cancel(self) -> None:
        """Ask the running query to stop; a no-op for queries that ended."""
        if self.status == RUNNING:
            self.cancel_event.set()

    @property
    def duration_ms(self) -> int:
        end = self.end_time if self.end_time is not None else time.time()
        return int((end - self.start_time) * 1000)

    def metrics(self) -> dict[str, Any]:
        """The ``event: metrics`` payload."""
        elapsed = max(time.time() - self.start_time, 1e-6)
        response = self.first_response - self.start_time if self.first_response else 0.0
        return {
            "count": self.rows,
            "eps": int(self.rows / elapsed),
            "processing_time": int(elapsed * 1000),
            "last_event_time": self.last_event_time,
            "response_time": int(response * 1000),
            "scanned_rows": self.scanned_rows,
            "scanned_bytes": self.scanned_bytes,
        }

    def time_columns(self) -> dict[str, int]:
        """``timeColumns``: the header index of ``_tp_time``, ``window_start`` and
        ``window_end``, -1 for a column the result does not have (see the module docstring)."""
        names = [c.get("name") for c in self.header]
        return {key: names.index(name) if name in names else -1
                for key, name in _TIME_COLUMNS}

    def to_json(self) -> dict[str, Any]:
        """The Query object (same shape in the SSE ``query`` events and ``GET /queries``)."""
        return {
            "id": self.id,
            "sql": self.sql,
            "name": self.name,
            "description": self.description,
            "tags": self.tags,
            "status": self.status,
            "message": self.message,
            "analysis": {"is_streaming": self.is_streaming},
            "result": {"header": self.header},
            "created_at": self.created_at,
            "created_by": {"name": "emulator", "id": "emulator"},
            "start_time": int(self.start_time),
            "end_time": int(self.end_time) if self.end_time is not None else 0,
            "duration": self.duration_ms,
            "response_time": self.metrics()["response_time"],
            "timeColumns": self.time_columns(),
            "stat": self.metrics(),
        }


class QueryRegistry:
    """Thread-safe map of query id → :class:`QueryRecord`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, QueryRecord] = {}

    def add(self, record: QueryRecord) -> None:
        with self._lock:
            self._records[record.id] = record
            finished = [r for r in self._records.values() if r.status != RUNNING]
            for old in finished[: max(0, len(finished) - MAX_FINISHED)]:
                del self._records[old.id]

    def get(self, query_id: str) -> Optional[QueryRecord]:
        with self._lock:
            return self._records.get(query_id)

    def list(self, tag: Optional[str] = None) -> list[QueryRecord]:
        with self._lock:
            records = list(self._records.values())
        return [r for r in records if tag is None or tag in r.tags]

    def delete(self, query_id: str) -> bool:
        """Remove a query (cancelling it if still running); False if unknown."""
        with self._lock:
            record = self._records.pop(query_id, None)
        if record is None:
            return False
        record.cancel()
        return True

    def cancel_all(self) -> None:
        with self._lock:
            records = list(self._records.values())
        for record in records:
            record.cancel()

    def running(self) -> int:
        with self._lock:
            return sum(1 for r in self._records.values() if r.status == RUNNING)
