"""Local HTTP servers the benchmarks run against, each in its own child process.

- ``emulator``: the project's emulator (``timeplus_emulator.run_emulator``) — the end-to-end
  figures.
- ``replay``: answers every ``POST .../v1beta2/queries`` with a pre-rendered SSE body captured once
  from the emulator, written with ``sendall`` and nothing else, so a client's parse cost is measured
  without chDB. It also answers the original SDK's ``/sqlanalyze`` call and cancel/delete with
  canned replies.
- ``sink``: an ingest endpoint that reads and discards request bodies — the client side of ingest.

Run ``python -m benchmarks.servers KIND [--body FILE] [--repeat N]``: the child prints one JSON line
(``{"url": ..., "base_url": ..., "dsn": ...}``) and serves until its standard input closes. Each
``stats`` line it reads on its standard input is answered with one line ``STATS {json}``: the TCP
connections the server accepted so far (``connections_accepted``) and its requests per endpoint
(``requests``), so the parent can see whether a client keeps its connections alive.
``ServerProcess`` is the parent's side of that. Standard library only (plus the emulator for that
kind).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Optional

from benchmarks.dataset import COLUMNS

REPO_ROOT = Path(__file__).resolve().parent.parent
WORKSPACE = "default"
_DISCARD_BLOCK = 1 << 20
STATS_MARKER = "STATS "


def split_events(body: bytes) -> list[bytes]:
    """Split a de-chunked SSE body into events, each keeping its blank-line terminator."""
    normalized = body.replace(b"\r\n", b"\n")
    return [part + b"\n\n" for part in normalized.split(b"\n\n") if part.strip()]


def single_row_body(body: bytes, max_rows: int) -> bytes:
    """The same SSE body re-cut into one data event per row (at most ``max_rows`` rows), as a
    server sends it under a 1-row batching policy; metrics events are dropped."""
    events = split_events(body)
    head, tail = events[0], events[-1] if _is_query_event(events[-1]) else b""
    out = [head]
    for event in events[1:]:
        if event.startswith(b"data:") and len(out) <= max_rows:
            rows = json.loads(event[5:])
            out.extend(b"data: " + json.dumps([row], separators=(",", ":")).encode() + b"\n\n"
                       for row in rows[: max_rows + 1 - len(out)])
    out.append(tail)
    return b"".join(out)


def _is_query_event(event: bytes) -> bool:
    return event.startswith(b"event: query") or event.startswith(b"event:query")


def _http_chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


class ReplayBody:
    """A captured SSE body pre-rendered as HTTP chunks: header event, data section, final event."""

    def __init__(self, body: bytes, repeat: int = 1) -> None:
        events = split_events(body)
        if len(events) < 2 or not _is_query_event(events[0]):
            raise ValueError("captured body does not start with an 'event: query' header event")
        tail_events = [events[-1]] if _is_query_event(events[-1]) else []
        middle = events[1 : len(events) - len(tail_events)]
        self.head = _http_chunk(events[0])
        self.data = b"".join(_http_chunk(event) for event in middle)
        self.tail = b"".join(_http_chunk(event) for event in tail_events) + b"0\r\n\r\n"
        self.repeat = repeat


class BenchServer(ThreadingHTTPServer):
    """The replay and sink server: state shared by its handler threads."""

    daemon_threads = True

    def __init__(self, replay: Optional[ReplayBody]) -> None:
        super().__init__(("127.0.0.1", 0), BenchHandler)
        self.replay = replay
        self.lock = threading.Lock()
        self.ingested_bytes = 0
        self.ingest_requests = 0
        self.connections_accepted = 0
        self.requests: dict[str, int] = {}

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.lock:
            self.connections_accepted += 1
        super().process_request(request, client_address)

    def count_request(self, endpoint: str) -> None:
        with self.lock:
            self.requests[endpoint] = self.requests.get(endpoint, 0) + 1

    def count_ingest(self, size: int) -> None:
        with self.lock:
            self.ingested_bytes += size
            self.ingest_requests += 1

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"connections_accepted": self.connections_accepted,
                    "requests": dict(self.requests)}


def _stream_json(name: str) -> dict[str, Any]:
    columns = [{"name": n, "type": t, "nullable": False, "default": ""} for n, t in COLUMNS]
    columns.append({"name": "_tp_time", "type": "datetime64(3, 'UTC')", "nullable": False,
                    "default": "now64(3, 'UTC')"})
    return {"name": name, "engine": "Stream", "mode": "append", "columns": columns,
            "description": "", "primary_key": None}


class BenchHandler(BaseHTTPRequestHandler):
    """Routes: queries (replay), sqlanalyze, cancel/delete, ingest (discard), streams, stats."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: BenchServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request access log."""

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.endswith("/ingest"):
            self.server.count_request("ingest")
            self.server.count_ingest(self._discard_body())
            self._send_json(200, {})
            return
        body = self._read_body()
        self.server.count_request(path.rsplit("/", 1)[-1])
        if path.endswith("/sqlanalyze"):
            sql = json.loads(body or b"{}").get("sql", "")
            self._send_json(200, {"is_streaming": False, "query_type": "SELECT", "has_aggr": False,
                                  "has_subquery": False, "has_table_join": False,
                                  "has_union": False, "original_query": sql,
                                  "rewritten_query": sql, "required_columns": []})
        elif path.endswith("/cancel"):
            self._send_empty(204)
        elif path.endswith("/v1beta2/queries") and self.server.replay is not None:
            self._send_replay(self.server.replay)
        else:
            self._send_json(404, {"code": 0, "message": f"no route {path}", "system": "bench"})

    def do_DELETE(self) -> None:
        self._read_body()
        self._send_empty(204)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        parts = [part for part in path.split("/") if part]
        if path.endswith("/_bench/stats"):
            self._send_json(200, {"ingested_bytes": self.server.ingested_bytes,
                                  "ingest_requests": self.server.ingest_requests})
        elif parts[-1:] == ["streams"]:
            self._send_json(200, [])
        elif len(parts) >= 2 and parts[-2] == "streams":
            self._send_json(200, _stream_json(parts[-1]))
        else:
            self._send_json(404, {"code": 0, "message": f"no route {path}", "system": "bench"})

    def _send_replay(self, replay: ReplayBody) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(replay.head)
        for _ in range(replay.repeat):
            self.wfile.write(replay.data)
        self.wfile.write(replay.tail)
        self.wfile.flush()

    def _send_json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_empty(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _discard_body(self) -> int:
        """Read the request body (sized or chunked) into a reused buffer; return its length."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._discard_chunked()
        return self._discard_exact(int(self.headers.get("Content-Length") or 0))

    def _discard_exact(self, remaining: int) -> int:
        total = remaining
        buffer = memoryview(bytearray(_DISCARD_BLOCK))
        while remaining > 0:
            got = self.rfile.readinto(buffer[: min(remaining, _DISCARD_BLOCK)])
            if not got:
                raise ConnectionError("client closed the connection mid-body")
            remaining -= got
        return total

    def _discard_chunked(self) -> int:
        total = 0
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return total
            total += self._discard_exact(size)
            self.rfile.readline()


def _serve_bench(replay: Optional[ReplayBody]) -> None:
    server = BenchServer(replay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    url = f"http://{host!s}:{port}"
    _announce(url, f"timeplus://{host!s}:{port}/{WORKSPACE}")
    _answer_stats_until_eof(server.stats)
    server.shutdown()


def _serve_emulator() -> None:
    from timeplus_emulator import run_emulator

    with run_emulator(host="127.0.0.1", port=0, workspace=WORKSPACE) as server:
        _announce(server.url, server.dsn)
        _answer_stats_until_eof(lambda: {"connections_accepted": server.connections_accepted,
                                         "requests": server.request_counts})


def _answer_stats_until_eof(stats: Callable[[], dict[str, Any]]) -> None:
    """Answer every ``stats`` line of standard input; return when it closes."""
    for line in sys.stdin:
        if line.strip() == "stats":
            sys.stdout.write(STATS_MARKER + json.dumps(stats()) + "\n")
            sys.stdout.flush()


def _announce(url: str, dsn: str) -> None:
    info = {"url": url, "base_url": f"{url}/{WORKSPACE}/api", "dsn": dsn}
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()


class ServerProcess:
    """Parent side: start ``python -m benchmarks.servers ...`` and stop it by closing its stdin."""

    def __init__(self, kind: str, args: Sequence[str] = (), python: str = sys.executable) -> None:
        self.command = [python, "-m", "benchmarks.servers", kind, *args]
        self.info: dict[str, str] = {}
        self._process: Optional[subprocess.Popen[str]] = None

    def __enter__(self) -> dict[str, str]:
        self._process = subprocess.Popen(self.command, cwd=REPO_ROOT, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self._stop()
            raise RuntimeError(f"server process {self.command[3]!r} exited before announcing")
        self.info = json.loads(line)
        return self.info

    def stats(self) -> dict[str, Any]:
        """The server's ``connections_accepted`` and ``requests`` (per endpoint) so far."""
        process = self._process
        if process is None or process.stdin is None or process.stdout is None:
            raise RuntimeError("server process is not running")
        process.stdin.write("stats\n")
        process.stdin.flush()
        for line in process.stdout:  # skip anything else the server printed
            if line.startswith(STATS_MARKER):
                stats: dict[str, Any] = json.loads(line[len(STATS_MARKER):])
                return stats
        raise RuntimeError(f"server process {self.command[3]!r} exited without answering")

    def __exit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self._stop()

    def _stop(self) -> None:
        process = self._process
        if process is None:
            return
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.servers")
    parser.add_argument("kind", choices=["emulator", "replay", "sink"])
    parser.add_argument("--body", type=Path, help="captured SSE body (replay)")
    parser.add_argument("--repeat", type=int, default=1, help="send the data events N times")
    options = parser.parse_args(argv)
    if options.kind == "emulator":
        _serve_emulator()
    elif options.kind == "replay":
        if options.body is None:
            parser.error("replay needs --body")
        _serve_bench(ReplayBody(options.body.read_bytes(), options.repeat))
    else:
        _serve_bench(None)


if __name__ == "__main__":
    main()
