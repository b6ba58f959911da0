"""What the driver takes from the environment: proxies (read once, at connect), never ~/.netrc."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import timeplus_dbapi as db

pytestmark = pytest.mark.integration


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def header_server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A server answering every GET with ``[]`` and recording the request headers."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            seen.append({k.lower(): v for k, v in self.headers.items()})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"[]")

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"timeplus://127.0.0.1:{httpd.server_address[1]}/default", seen
    httpd.shutdown()
    httpd.server_close()


def test_proxy_from_the_environment_is_used(monkeypatch, timeplus_dsn):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with db.connect(timeplus_dsn, timeout=5) as conn:
        with pytest.raises(db.OperationalError):
            conn.client.list_streams()


def test_no_proxy_and_read_once_at_connect(monkeypatch, timeplus_dsn):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with db.connect(timeplus_dsn, timeout=5) as conn:
        assert isinstance(conn.client.list_streams(), list)
    monkeypatch.delenv("HTTP_PROXY")
    monkeypatch.delenv("NO_PROXY")
    with db.connect(timeplus_dsn, timeout=5) as conn:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_closed_port()}")
        assert isinstance(conn.client.list_streams(), list)  # the connection kept no proxy


def test_netrc_credentials_are_never_sent(monkeypatch, tmp_path, header_server):
    dsn, seen = header_server
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password from-netrc\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    with db.connect(dsn, timeout=5) as conn:
        assert conn.client.list_streams() == []
    assert seen and all("authorization" not in headers for headers in seen)
    with db.connect(dsn.replace("//", "//admin:secret@"), timeout=5) as conn:
        conn.client.list_streams()
    assert seen[-1]["authorization"].startswith("Basic ")
