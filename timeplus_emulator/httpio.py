"""HTTP plumbing for the emulator: requests, responses, body limits and auth checks.

Owns: :class:`Request` (path, query, headers, body with ``Content-Length`` or chunked
transfer and the size limit), JSON/ErrorResponse writing, :class:`HttpError`, and the
credential check (``X-Api-Key`` or HTTP Basic). Routing lives in :mod:`server`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

AUTHENTICATION_FAILED = 516
BODY_TOO_LARGE = 229
BAD_REQUEST_CODE = 36
DRAIN_LIMIT = 64 * 1024 * 1024  # over-limit bodies up to this much more are read and dropped


class HttpError(Exception):
    """An error answered as ``status`` with an ErrorResponse ``{code, message, system}``."""

    def __init__(self, status: int, code: int, message: str, *, system: str = "",
                 headers: Optional[dict[str, str]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.system = system
        self.headers = headers or {}


@dataclass(frozen=True)
class Credentials:
    """What the emulator accepts; all ``None`` means no authentication."""

    api_key: Optional[str] = None
    user: Optional[str] = None
    password: Optional[str] = None

    @property
    def required(self) -> bool:
        return self.api_key is not None or self.user is not None or self.password is not None

    def accepts(self, headers: Any) -> bool:
        """True if the request carries a valid API key or Basic user/password."""
        if not self.required:
            return True
        key = headers.get("X-Api-Key")  # http.server headers match names case-insensitively
        if key is not None and self.api_key is not None:
            return hmac.compare_digest(key.encode(), self.api_key.encode())
        basic = _basic_credentials(headers.get("Authorization"))
        if basic is None:
            return False
        user, password = basic
        if self.user is not None or self.password is not None:
            return (hmac.compare_digest(user.encode(), (self.user or "").encode())
                    and hmac.compare_digest(password.encode(), (self.password or "").encode()))
        return self.api_key is not None and hmac.compare_digest(password.encode(),
                                                                self.api_key.encode())


def _basic_credentials(header: Optional[str]) -> Optional[tuple[str, str]]:
    if not header or not header[:6].lower() == "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


class Request:
    """One parsed request; ``body`` is read lazily, at most ``max_body`` bytes."""

    def __init__(self, handler: BaseHTTPRequestHandler, max_body: int) -> None:
        self.handler = handler
        self.method = handler.command
        parts = urlsplit(handler.path)
        self.path = parts.path
        self.query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.headers = handler.headers
        self._max_body = max_body
        self._body: Optional[bytes] = None
        self.responded = False

    @property
    def body(self) -> bytes:
        if self._body is None:
            try:
                self._body = self._read_body()
            except HttpError:
                self._body = b""  # consumed (or abandoned with Connection: close)
                raise
        return self._body

    def drain(self) -> None:
        """Read a body the handler did not use (the SDK sends ``null`` with a cancel POST),
        so its bytes are not taken for the next request on a kept-alive connection."""
        if self._body is not None or self.handler.close_connection:
            return
        try:
            self.body  # noqa: B018 - read and keep
        except HttpError:
            self.handler.close_connection = True

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.handler.close_connection = True
            raise HttpError(400, BAD_REQUEST_CODE, "invalid Content-Length header")
        if length > self._max_body:
            self.handler.close_connection = True
            if length <= self._max_body + DRAIN_LIMIT:
                self._discard(length)  # let the client finish sending, so it reads the 413
            raise _too_large(self._max_body)
        return self.handler.rfile.read(length) if length else b""

    def _discard(self, length: int) -> None:
        rfile = self.handler.rfile
        while length > 0:
            chunk = rfile.read(min(length, 1 << 16))
            if not chunk:
                return
            length -= len(chunk)

    def _read_chunked(self) -> bytes:
        out = bytearray()
        rfile = self.handler.rfile
        while True:
            size_line = rfile.readline(1024)
            try:
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
            except ValueError:
                raise HttpError(400, BAD_REQUEST_CODE, "malformed chunked request body") from None
            if size == 0:
                while rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(out)
            if len(out) + size > self._max_body:
                self.handler.close_connection = True
                if len(out) + size <= self._max_body + DRAIN_LIMIT:
                    self._discard_chunks(size)
                raise _too_large(self._max_body)
            out += rfile.read(size)
            rfile.readline(1024)

    def _discard_chunks(self, size: int) -> None:
        """Read and drop the rest of a chunked body (bounded by DRAIN_LIMIT)."""
        rfile = self.handler.rfile
        dropped = 0
        while size > 0 and dropped <= DRAIN_LIMIT:
            self._discard(size)
            dropped += size
            rfile.readline(1024)
            try:
                size = int(rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
            except ValueError:
                return
        if size == 0:
            rfile.readline(1024)

    def json_body(self) -> dict[str, Any]:
        """The body as a JSON object (400 ErrorResponse if it is not one)."""
        try:
            value = json.loads(self.body or b"{}")
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise HttpError(400, BAD_REQUEST_CODE, f"request body is not valid JSON: {exc}") \
                from None
        if not isinstance(value, dict):
            raise HttpError(400, BAD_REQUEST_CODE, "request body must be a JSON object")
        return value

    def send(self, status: int, body: Optional[bytes] = None,
             content_type: str = "application/json",
             headers: Optional[dict[str, str]] = None) -> None:
        """Write a complete (non-streaming) response."""
        handler = self.handler
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        if handler.close_connection:
            handler.send_header("Connection", "close")
        if body is None:
            handler.send_header("Content-Length", "0")
        else:
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if body is not None and self.method != "HEAD":
            handler.wfile.write(body)
        handler.wfile.flush()
        self.responded = True

    def send_json(self, status: int, value: Any) -> None:
        self.send(status, json.dumps(value, ensure_ascii=False).encode("utf-8"))

    def send_error_response(self, error: HttpError, system: str) -> None:
        body = {"code": error.code, "message": error.message, "system": error.system or system}
        self.send(error.status, json.dumps(body, ensure_ascii=False).encode("utf-8"),
                  headers=error.headers)

    def start_stream(self) -> bool:
        """Send the headers of a ``text/event-stream`` response; True if it is chunked.

        HTTP/1.0 clients cannot take chunks: they get the raw stream, ended by closing.
        """
        handler = self.handler
        chunked = handler.request_version != "HTTP/1.0"
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-cache")
        if chunked:
            handler.send_header("Transfer-Encoding", "chunked")
        else:
            handler.close_connection = True
        handler.end_headers()
        handler.wfile.flush()
        self.responded = True
        return chunked


def _too_large(limit: int) -> HttpError:
    return HttpError(413, BODY_TOO_LARGE, f"request body is larger than the limit of {limit} bytes")
