"""Run state of one materialized view: the pause gate, its status and its progress.

Owns: :class:`ViewControl`, shared by the view's background query (which reports its
status and position and parks here while paused) and the ``/materialized_views`` REST
endpoints (which pause, resume and read it). Kept in memory only: as in Timeplus without
``PERMANENT``, a paused view runs again after an emulator restart.

Pausing is faithful to "the leader checkpoints and stops the pipeline": the query stops
at its next wait for new source rows (anything already read is written first) and keeps
its position and state, so on resume it reads every row ingested meanwhile.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Optional

from timeplus_emulator.catalog import SequenceClock

# Status names of the E-SPEC MaterializedView schema (the subset the emulator can be in).
INITIALIZED = "Initialized"
EXECUTING = "ExecutingPipeline"
ERROR = "Error"
PAUSED = "Paused"
UNPAUSING = "Unpausing"
PARK_SLICE = 0.1


def _now_ms() -> int:
    return int(time.time() * 1000)


class ViewControl:
    """Pause/resume gate and observable state of one materialized view's query."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pause_requested = False
        self._parked = False
        self.status = INITIALIZED
        self.status_ts = _now_ms()
        self.last_error_message = ""
        self.last_error_ts = 0
        self._source: Optional[SequenceClock] = None
        self._processed_sn = 0

    # ------------------------------------------------------------- the query's side
    def _set(self, status: str) -> None:
        self.status = status
        self.status_ts = _now_ms()
        self._cond.notify_all()

    def running(self) -> None:
        """The query is prepared and executing."""
        with self._cond:
            if self.status in (INITIALIZED, ERROR):
                self._set(EXECUTING)

    def failed(self, message: str) -> None:
        """The query stopped with an error."""
        with self._cond:
            self.last_error_message = message
            self.last_error_ts = _now_ms()
            self._set(ERROR)

    def progress(self, source: SequenceClock, processed_sn: int) -> None:
        """Rows of ``source`` up to ``processed_sn`` have been read (for ``lagging``)."""
        self._source = source
        self._processed_sn = processed_sn

    def park(self, poll: Callable[[], float]) -> None:
        """Block while a pause is requested; ``poll`` is called every slice (it raises to stop)."""
        with self._cond:
            if not self._pause_requested:
                return
            self._parked = True
            self._set(PAUSED)
        try:
            while True:
                with self._cond:
                    if not self._pause_requested:
                        break
                    self._cond.wait(PARK_SLICE)
                poll()
        finally:
            with self._cond:
                self._parked = False
                self._set(EXECUTING if self.status in (PAUSED, UNPAUSING) else self.status)

    # ------------------------------------------------------------- the API's side
    def pause(self, timeout: float) -> bool:
        """Ask the query to stop; with ``timeout`` > 0 wait until it has. True when paused."""
        with self._cond:
            self._pause_requested = True
            if timeout <= 0:
                return self._parked
            return self._cond.wait_for(lambda: self._parked or self.status == ERROR, timeout)

    def resume(self, timeout: float) -> bool:
        """Let a paused query go on; with ``timeout`` > 0 wait until it has. True when running."""
        with self._cond:
            self._pause_requested = False
            if self._parked:
                self._set(UNPAUSING)
            self._cond.notify_all()
            if timeout <= 0:
                return not self._parked
            return self._cond.wait_for(lambda: not self._parked, timeout)

    @property
    def pause_requested(self) -> bool:
        return self._pause_requested

    @property
    def lagging(self) -> Optional[int]:
        """Source rows not yet read by the query; None before it first read its source."""
        source = self._source
        if source is None:
            return None
        return max(0, source.last - self._processed_sn)
