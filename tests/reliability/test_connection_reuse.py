"""Keep-alive: a query whose stream ended with its final status hands its HTTP connection to
the next request; any other ending closes the connection, and closing never waits long."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, Callable

import pytest

import timeplus_dbapi
from timeplus_emulator.server import EmulatorServer

Connect = Callable[..., timeplus_dbapi.Connection]

HEADER = (b'event: query\ndata: {"id":"q-reuse","sql":"s","status":"running",'
          b'"result":{"header":[{"name":"a","type":"int32"}]}}\n\n')
ROWS = b"data: [[1],[2]]\n\n"
FINISHED = b'event: query\ndata: {"id":"q-reuse","status":"finished"}\n\n'


class ChunkedSse:
    """A loopback HTTP/1.1 server answering every request with one chunked SSE body.

    ``terminate=False`` leaves out the body's last (zero) chunk and holds the connection open
    for ``hold`` seconds instead. ``accepted`` counts TCP connections, ``answered`` requests.
    """

    def __init__(self, body: bytes, terminate: bool = True, hold: float = 0.0) -> None:
        self.body, self.terminate, self.hold = body, terminate, hold
        self.accepted = self.answered = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def dsn(self) -> str:
        return f"timeplus://127.0.0.1:{self.listener.getsockname()[1]}/default"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.accepted += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client, client.makefile("rb") as requests_in:
            while self._read_request(requests_in):
                head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                        b"Transfer-Encoding: chunked\r\n\r\n")
                chunk = b"%x\r\n%s\r\n" % (len(self.body), self.body)
                # Counted before the answer leaves: once sendall() returns, the client may have
                # read the whole body and checked ``answered`` before this thread runs again.
                with self.lock:
                    self.answered += 1
                client.sendall(head + chunk + (b"0\r\n\r\n" if self.terminate else b""))
                if not self.terminate:
                    time.sleep(self.hold)
                    return

    @staticmethod
    def _read_request(stream: Any) -> bool:
        length = 0
        while True:
            line = stream.readline()
            if not line:
                return False
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        stream.read(length)
        return True

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def chunked_sse() -> Iterator[Callable[..., ChunkedSse]]:
    made: list[ChunkedSse] = []

    def make(body: bytes, **options: Any) -> ChunkedSse:
        made.append(ChunkedSse(body, **options))
        return made[-1]

    yield make
    for server in made:
        server.close()


def test_finished_queries_reuse_one_connection(
    server: Any, faulty: EmulatorServer, conn_factory: Connect
) -> None:
    name = server.create_stream("a int64")
    connection = conn_factory(timeout=5)
    cursor = connection.cursor()
    cursor.execute(f"INSERT INTO {name} (a) VALUES (1), (2)")
    before = faulty.connections_accepted
    for _ in range(10):
        cursor.execute(f"SELECT a FROM table({name}) ORDER BY a")
        assert cursor.fetchall() == [(1,), (2,)]
        cursor.execute("SELECT number FROM system.numbers LIMIT 500")
        assert len(list(cursor)) == 500
        connection.client.execute_command(f"DROP STREAM IF EXISTS {name}_missing")
    assert faulty.connections_accepted - before == 0  # all on the INSERT's connection


def test_a_stream_closed_early_closes_its_connection_and_the_next_query_is_right(
    faulty: EmulatorServer, conn_factory: Connect
) -> None:
    connection = conn_factory(timeout=5)
    cursor = connection.cursor()
    cursor.execute("SELECT 1")
    cursor.fetchall()
    before = faulty.connections_accepted
    cursor.execute("SELECT number FROM system.numbers LIMIT 100000")
    assert cursor.fetchone() == (0,)
    cursor.execute("SELECT 7 AS x")  # the unread rest of the first stream must not leak in
    assert cursor.fetchall() == [(7,)]
    # the cancel request and the next query: the abandoned stream's connection was closed
    assert faulty.connections_accepted - before >= 1


def test_a_body_that_does_not_end_after_the_final_status_is_closed_within_a_second(
    chunked_sse: Callable[..., ChunkedSse], conn_factory: Connect
) -> None:
    scripted = chunked_sse(HEADER + ROWS + FINISHED, terminate=False, hold=20)
    connection = conn_factory(scripted.dsn, timeout=10)
    cursor = connection.cursor()
    started = time.monotonic()
    cursor.execute("SELECT a FROM table(s)")
    assert cursor.fetchall() == [(1,), (2,)]
    assert time.monotonic() - started < 5  # the end is awaited 1 s, not the 10 s timeout
    cursor.execute("SELECT a FROM table(s)")  # a new connection: the held one was closed
    assert cursor.fetchall() == [(1,), (2,)]
    assert scripted.accepted == 2


def test_data_after_the_final_status_closes_the_connection_instead_of_reusing_it(
    chunked_sse: Callable[..., ChunkedSse], conn_factory: Connect
) -> None:
    scripted = chunked_sse(HEADER + ROWS + FINISHED + b'data: [[3]]\n\n')
    connection = conn_factory(scripted.dsn, timeout=5)
    cursor = connection.cursor()
    for _ in range(3):
        cursor.execute("SELECT a FROM table(s)")
        assert cursor.fetchall() == [(1,), (2,)]
    assert (scripted.answered, scripted.accepted) == (3, 3)


def test_a_cleanly_ended_body_is_reused_by_a_server_other_than_the_emulator(
    chunked_sse: Callable[..., ChunkedSse], conn_factory: Connect
) -> None:
    scripted = chunked_sse(HEADER + ROWS + FINISHED)
    connection = conn_factory(scripted.dsn, timeout=5)
    cursor = connection.cursor()
    for _ in range(5):
        cursor.execute("SELECT a FROM table(s)")
        assert cursor.fetchall() == [(1,), (2,)]
    assert (scripted.answered, scripted.accepted) == (5, 1)
