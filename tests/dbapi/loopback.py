"""A scripted loopback HTTP/1.1 server for transport tests (redirects, dripping answers).

Every request is recorded (``Received``: method, path, headers, body) and answered by the
script: a function of the request giving a list of ``(delay_s, bytes)`` pieces, written in
order after their delays, on a keep-alive connection. A server left idle for longer than
``idle_close`` seconds closes its side. Stop it with ``close()``; the ``loopbacks`` fixture
(import it into a test module) makes servers and closes them after the test.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Callable, Optional

import pytest

Pieces = list[tuple[float, bytes]]


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def response(status: int, body: bytes = b"", headers: Optional[dict[str, str]] = None) -> bytes:
    """A complete HTTP/1.1 response with Content-Length."""
    lines = [f"HTTP/1.1 {status} X"]
    all_headers = {"Content-Length": str(len(body)), **(headers or {})}
    lines += [f"{name}: {value}" for name, value in all_headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Loopback:
    def __init__(self, script: Callable[[Received], Pieces], idle_close: float = 10.0) -> None:
        self.script = script
        self.idle_close = idle_close
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def dsn(self, workspace: str = "default") -> str:
        return f"timeplus://127.0.0.1:{self.port}/{workspace}"

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(self.idle_close)
        with client, client.makefile("rb") as incoming:
            try:
                while not self.closed.is_set():
                    request = _read_request(incoming)
                    if request is None:
                        return
                    with self.lock:
                        self.received.append(request)
                    for delay, piece in self.script(request):
                        if self.closed.wait(delay):
                            return
                        client.sendall(piece)
            except OSError:
                return

    def close(self) -> None:
        self.closed.set()
        self.listener.close()


def _read_request(incoming: object) -> Optional[Received]:
    readline = incoming.readline  # type: ignore[attr-defined]
    first = readline()
    if not first.strip():
        return None
    method, path, _ = first.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        line = readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length") or 0)
    body = incoming.read(length) if length else b""  # type: ignore[attr-defined]
    return Received(method, path, headers, body)


def drip(data: bytes, every: float) -> Pieces:
    """``data`` one byte at a time, ``every`` seconds apart."""
    return [(every, data[i : i + 1]) for i in range(len(data))]


def elapsed(action: Callable[[], object]) -> tuple[float, Optional[BaseException]]:
    """How long ``action`` ran, and what it raised (None if nothing)."""
    started = time.monotonic()
    try:
        action()
    except Exception as exc:
        return time.monotonic() - started, exc
    return time.monotonic() - started, None


@pytest.fixture(name="loopbacks")
def loopbacks_fixture() -> Iterator[Callable[[Callable[[Received], Pieces]], Loopback]]:
    """``loopbacks(script) -> Loopback``; every server made is closed after the test."""
    made: list[Loopback] = []

    def make(script: Callable[[Received], Pieces]) -> Loopback:
        made.append(Loopback(script))
        return made[-1]

    yield make
    for server in made:
        server.close()
