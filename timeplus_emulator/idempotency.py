"""Ingest idempotency: the ``x-timeplus-idempotent-id`` header, as Timeplus Enterprise honours it.

A client that re-sends an ingest body after a lost answer sends it with the same id; the body is
stored once. Here an id is remembered per stream (``(database, stream, id)``) for
:data:`REMEMBER_S` seconds (10 minutes) after its body was stored, and at most
:data:`MAX_IDS` ids are kept (the oldest is forgotten first): memory stays bounded whatever
the clients send. A body whose id is remembered is not stored again; the answer is the one of
the first time (``{"count": rows}``). A body with the same id arriving while the first is still
being stored waits for it. A failed ingest is not remembered, so its retry is stored. Without
the header every body is stored.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable, Optional

__all__ = ["HEADER", "MAX_IDS", "REMEMBER_S", "IngestDedup"]

HEADER = "x-timeplus-idempotent-id"
REMEMBER_S = 600.0
MAX_IDS = 100_000
MAX_ID_LENGTH = 256

Key = tuple[str, str, str]


class _Gate:
    """Serialises the requests carrying one id; dropped when nobody uses it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0


class IngestDedup:
    """The ids of recently stored ingest bodies, and the row count each one stored."""

    def __init__(self, remember_s: float = REMEMBER_S, max_ids: int = MAX_IDS) -> None:
        self.remember_s = remember_s
        self.max_ids = max_ids
        self._lock = threading.Lock()
        self._stored: OrderedDict[Key, tuple[float, int]] = OrderedDict()  # key: (until, rows)
        self._running: dict[Key, _Gate] = {}  # ids being stored, and who waits for them

    def __len__(self) -> int:
        with self._lock:
            return len(self._stored)

    def store_once(self, key: Key, store: Callable[[], int]) -> tuple[int, bool]:
        """Run ``store`` unless ``key`` was stored recently: (rows, True if stored now)."""
        with self._lock:
            gate = self._running.setdefault(key, _Gate())
            gate.users += 1
        try:
            with gate.lock:
                seen = self._remembered(key)
                if seen is not None:
                    return seen, False
                rows = store()
                with self._lock:
                    self._stored[key] = (time.monotonic() + self.remember_s, rows)
                    self._forget_old()
                return rows, True
        finally:
            with self._lock:
                gate.users -= 1
                if gate.users == 0:
                    del self._running[key]

    def _remembered(self, key: Key) -> Optional[int]:
        with self._lock:
            self._forget_old()
            found = self._stored.get(key)
            return None if found is None else found[1]

    def _forget_old(self) -> None:
        """Drop expired ids, and the oldest ones beyond ``max_ids`` (holding ``_lock``)."""
        now = time.monotonic()
        while self._stored:
            key, (until, _) = next(iter(self._stored.items()))
            if until > now and len(self._stored) <= self.max_ids:
                return
            del self._stored[key]
