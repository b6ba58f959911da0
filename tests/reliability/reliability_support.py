"""Helpers shared by the reliability tests (imported as ``reliability_support``; the
conftest puts this folder on ``sys.path``). Server-side facts are read with plain
``requests``, never through the driver under test."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from typing import Any, Callable, Optional

import requests

import timeplus_dbapi
from timeplus_emulator.server import EmulatorServer

HTTP_TIMEOUT = (5, 30)


class HangError(Exception):
    """Raised into a test that ran past its watchdog limit (a hang)."""


def unique(prefix: str = "r") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


class Server:
    """Plain-HTTP view of an emulator, independent of the driver under test."""

    def __init__(self, server: EmulatorServer) -> None:
        self.emulator = server
        self.api = server.base_url + "/v1beta2"

    def create_stream(self, columns: str, name: Optional[str] = None) -> str:
        name = name or unique("s")
        response = requests.post(self.api + "/queries", json={"sql": f"CREATE STREAM {name} "
                                                                    f"({columns})"},
                                 timeout=HTTP_TIMEOUT)
        assert response.status_code in (200, 204), response.text
        response.close()
        return name

    def ingest(self, stream: str, columns: list[str], rows: list[list[Any]]) -> None:
        response = requests.post(f"{self.api}/streams/{stream}/ingest",
                                 json={"columns": columns, "data": rows}, timeout=HTTP_TIMEOUT)
        assert response.status_code == 200, response.text

    def table_rows(self, sql: str) -> list[Any]:
        """Rows of a bounded query, read with a minimal SSE parser."""
        response = requests.post(self.api + "/queries", json={"sql": sql}, stream=True,
                                 timeout=HTTP_TIMEOUT)
        assert response.status_code == 200, response.text
        rows: list[Any] = []
        event: Optional[str] = None
        for line in response.iter_lines():
            text = line.decode("utf-8")
            if text.startswith("event:"):
                event = text[6:].strip()
            elif text.startswith("data:") and event is None:
                rows.extend(json.loads(text[5:]))
            elif text == "":
                event = None
        response.close()
        return rows

    def count(self, stream: str) -> int:
        rows = self.table_rows(f"SELECT count() FROM table({stream})")
        return int(rows[0][0])

    def all_queries(self) -> list[dict[str, Any]]:
        response = requests.get(self.api + "/queries", timeout=HTTP_TIMEOUT)
        assert response.status_code == 200, response.text
        return list(response.json())

    def running_queries(self) -> list[dict[str, Any]]:
        return [q for q in self.all_queries() if q.get("status") == "running"]

    def wait_no_running(self, seconds: float = 5.0) -> list[dict[str, Any]]:
        """Running queries left after waiting up to ``seconds`` for them to end."""
        deadline = time.monotonic() + seconds
        running = self.running_queries()
        while running and time.monotonic() < deadline:
            time.sleep(0.1)
            running = self.running_queries()
        return running


def free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def open_sockets() -> int:
    """Open sockets of this process (chDB also keeps per-thread /proc files open, so
    counting every descriptor would blame the driver for the in-process emulator's threads)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            pass  # closed meanwhile
    return count


def assert_usable(connection: timeplus_dbapi.Connection) -> None:
    """The connection still runs a query after an error."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1 AS answer", query_mode="table")
        assert cursor.fetchall() == [(42,)]


class ScriptedHttp:
    """A loopback HTTP server answering every request with one fixed response.

    Used for wire situations the emulator never produces on purpose (a stream that ends
    cleanly before its final status, an HTML error page from a proxy, a request held while the
    client is interrupted). ``before_answer(n)``, when given, runs for the n-th POST (from 1)
    once its body is read and before the response is written: it may wait, set events or
    signal. ``requests`` counts requests read, ``posts`` the POSTs among them, ``answered``
    responses sent. (Other requests, such as the GET of a stream's columns before an ingest,
    are answered at once.)
    """

    def __init__(
        self,
        status: int,
        body: bytes,
        content_type: str,
        before_answer: Optional[Callable[[int], None]] = None,
    ) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        scripted = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with lock:
                    scripted.requests += 1
                    is_post = self.command == "POST"
                    scripted.posts += is_post
                    number = scripted.posts
                if before_answer is not None and is_post:
                    before_answer(number)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with lock:  # counted before the body goes out: no client sees it uncounted
                    scripted.answered += 1
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = _answer

        self.requests = 0
        self.posts = 0
        self.answered = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def dsn(self) -> str:
        return f"timeplus://127.0.0.1:{self.httpd.server_address[1]}/default"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def make_self_signed_cert(directory: str) -> tuple[str, str]:
    """A self-signed certificate (its own CA) for 127.0.0.1 and its key: (cert path, key path)."""
    import subprocess

    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", key, "-out", cert],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


class TlsProxy:
    """TLS on a loopback port, forwarding plain bytes to ``target_port`` (an emulator)."""

    def __init__(self, cert: str, key: str, target_port: int) -> None:
        import ssl

        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.closing = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        import ssl

        try:
            tls = self.context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            client.close()  # the client refused our certificate
            return
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        threading.Thread(target=_pipe, args=(upstream, tls), daemon=True).start()
        _pipe(tls, upstream)

    def close(self) -> None:
        self.closing = True
        self.listener.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            try:
                sock.close()
            except OSError:
                pass


def error_text(error: BaseException) -> str:
    """Everything an error could show a user or a log: messages, reprs, causes, traceback."""
    import traceback

    parts = ["".join(traceback.format_exception(error))]
    seen: set[int] = set()
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current), repr(vars(current))]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)
