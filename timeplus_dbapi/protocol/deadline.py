"""Deadlines for whole requests: ``timeout`` bounds an exchange, not each socket read.

A socket timeout only bounds the wait for the next byte, so a server that drips one byte every
half second keeps a request alive for ever. Here a :class:`Deadline` is armed before a request
is sent; the pooled connection the request takes is attached to it (the connection pools below
report which connection a thread takes and when it goes back). When the deadline passes while
the connection is still in use, one watchdog thread shuts the connection's socket down: the
blocked read returns at once and the request fails, and :attr:`Deadline.fired` tells the caller
that this failure is a time-out. A connection already back in its pool is never touched.

One daemon watchdog thread serves the whole process; it sleeps until the earliest deadline.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, Optional

from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["Deadline", "DeadlineAdapter"]

_STRIKE_AGAIN_S = 0.05
_current = threading.local()  # .deadline: the Deadline of the request this thread is sending


class Deadline:
    """One request's deadline. ``end()`` disarms it; ``fired`` says whether it struck first."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.fired = False
        self.ended = False
        self._lock = threading.Lock()
        self._connection: Any = None
        _WATCHDOG.add(self)

    @contextmanager
    def sending(self) -> Iterator[None]:
        """While the block sends the request, the connection it takes is attached here."""
        _current.deadline = self
        try:
            yield
        finally:
            _current.deadline = None

    def end(self) -> bool:
        """Disarm; True when the deadline had already struck (the request failed for it)."""
        with self._lock:
            self.ended = True
            self._connection = None
            return self.fired

    def _attach(self, connection: Any) -> None:
        with self._lock:
            if not self.ended:
                self._connection = connection

    def _detach(self, connection: Any) -> None:
        with self._lock:
            if self._connection is connection:
                self._connection = None

    def _strike(self) -> bool:
        """Called by the watchdog when due: break the connection still in use. True when
        there was none yet (a connection being opened): the watchdog strikes again soon."""
        with self._lock:
            if self.ended:
                return False
            self.fired = True
            sock = getattr(self._connection, "sock", None)
            if sock is None:
                return True
            with suppress(OSError):
                # the plain socket's shutdown, also under TLS: reads then see end-of-file
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            return False


class _Watchdog:
    """A heap of armed deadlines and the thread that strikes them when due."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: Optional[threading.Thread] = None
        self._compact_at = 1024

    def add(self, deadline: Deadline, at: Optional[float] = None) -> None:
        when = deadline.at if at is None else at
        with self._wake:
            earliest = self._heap[0][0] if self._heap else None
            heapq.heappush(self._heap, (when, next(self._order), deadline))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="timeplus-deadlines", daemon=True
                )
                self._thread.start()
            elif earliest is None or when < earliest:
                self._wake.notify()
            if len(self._heap) > self._compact_at:  # drop disarmed entries now and then
                self._heap = [item for item in self._heap if not item[2].ended]
                heapq.heapify(self._heap)
                self._compact_at = max(1024, 2 * len(self._heap))

    def _run(self) -> None:
        while True:
            with self._wake:
                due = self._next_due()
            if due._strike():
                self.add(due, time.monotonic() + _STRIKE_AGAIN_S)

    def _next_due(self) -> Deadline:
        """Wait (holding the condition) for the earliest armed deadline to fall due."""
        while True:
            while self._heap and self._heap[0][2].ended:
                heapq.heappop(self._heap)
            if not self._heap:
                self._wake.wait()
                continue
            wait = self._heap[0][0] - time.monotonic()
            if wait <= 0:
                return heapq.heappop(self._heap)[2]
            self._wake.wait(wait)


_WATCHDOG = _Watchdog()


class _TrackedPool:
    """Reports which connection the sending thread takes, and when it is put back."""

    def _get_conn(self, timeout: Optional[float] = None) -> Any:
        connection = super()._get_conn(timeout)  # type: ignore[misc]
        deadline = getattr(_current, "deadline", None)
        if deadline is not None:
            deadline._attach(connection)
            connection._timeplus_deadline = deadline
        return connection

    def _put_conn(self, conn: Any) -> None:
        deadline = getattr(conn, "_timeplus_deadline", None)
        if deadline is not None:
            conn._timeplus_deadline = None
            deadline._detach(conn)
        super()._put_conn(conn)  # type: ignore[misc]


class _HTTPPool(_TrackedPool, HTTPConnectionPool):
    pass


class _HTTPSPool(_TrackedPool, HTTPSConnectionPool):
    pass


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter with connection pools that report to :class:`Deadline` (also through
    an HTTP proxy; a SOCKS proxy's pools are left as they are, bounded per read only)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager
