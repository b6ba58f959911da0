"""HTTP plumbing for the emulator: requests, responses, body limits and auth checks.

Owns: :class:`Request` (path, query, headers, body with ``Content-Length`` or chunked
transfer and the size limit), JSON/ErrorResponse writing, :class:`HttpError`, and the
credential check (``X-Api-Key`` or HTTP Basic). Routing lives in :mod:`server`.

Framing is parsed strictly (:func:`body_framing`; chunk sizes are 1-15 hex digits, each
chunk ends with CRLF, at most 32 trailer lines): anything else is a 400 and the connection
closes. The body cap holds for both framings. A body is read only once the request is
``trusted`` (origin and credentials checked), and ``Expect: 100-continue`` is answered only
then, so a refused request never costs the server its body.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
import socket
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from io import BufferedIOBase
from typing import Any, Literal, Optional, Union
from urllib.parse import parse_qs, urlsplit

AUTHENTICATION_FAILED = 516
BODY_TOO_LARGE = 229
BAD_REQUEST_CODE = 36
UNSUPPORTED_MEDIA_CODE = 36
DRAIN_LIMIT = 64 * 1024 * 1024  # over-limit bodies up to this much more are read and dropped
SMALL_UNREAD_BODY = 64 * 1024  # an ignored body up to this size is read, not a reason to close
LINGER_BYTES = 1024 * 1024  # at most this much of an unread body is taken off the wire ...
LINGER_SECONDS = 1.0  # ... for at most this long, when a request is refused before its body
CHUNKED: Literal["chunked"] = "chunked"
_LENGTH_RE = re.compile(r"[0-9]{1,18}")  # 18 digits: any larger value is no real body
_CHUNK_SIZE_RE = re.compile(rb"([0-9A-Fa-f]{1,15})[ \t]*(?:;[^\r\n]*)?\r?\n")
_MAX_TRAILER_LINES = 32
_JSON_TYPES = frozenset({"application/json"})


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
    """One parsed request; ``body`` is read lazily, at most ``max_body`` bytes.

    ``trusted`` turns true once the origin and credentials checks passed: only then is a
    body read (or drained after an error); an untrusted request's body is left unread.
    """

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
        self.trusted = False
        self.extra_headers: dict[str, str] = {}

    def check_framing(self) -> None:
        """400 (and close) for malformed framing headers, before anything else happens."""
        try:
            body_framing(self.headers)
        except HttpError:
            self.handler.close_connection = True
            self._body = b""
            raise

    def finish_body(self) -> None:
        """After a handler that ignored the body: drop a small one (keeping the connection),
        close the connection instead of reading a larger one."""
        if self._body is not None or not self.has_body:
            return
        framing = body_framing(self.headers)
        if isinstance(framing, int) and framing <= SMALL_UNREAD_BODY:
            self._discard(framing)
            self._body = b""
        else:
            self.handler.close_connection = True

    @property
    def has_body(self) -> bool:
        """True if the request announces a body (chunked, or a non-zero Content-Length)."""
        if self.headers.get("Transfer-Encoding") is not None:
            return True
        return (self.headers.get("Content-Length") or "0").strip() not in ("0", "")

    @property
    def body(self) -> bytes:
        if self._body is None:
            if not self.trusted:
                raise HttpError(500, 1001, "request body read before authentication")
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
        framing = body_framing(self.headers)
        if framing is None:
            return b""
        _send_continue(self.handler)
        if framing == CHUNKED:
            return self._read_chunked()
        if framing > self._max_body:
            self.handler.close_connection = True
            if framing <= self._max_body + DRAIN_LIMIT:
                self._discard(framing)  # let the client finish sending, so it reads the 413
            raise _too_large(self._max_body)
        data = self.handler.rfile.read(framing)
        if len(data) != framing:
            self.handler.close_connection = True
            raise HttpError(400, BAD_REQUEST_CODE, "request body ended before Content-Length")
        return data

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
        try:
            while (size := _chunk_size(rfile)) > 0:
                if len(out) + size > self._max_body:
                    self.handler.close_connection = True
                    self._discard_chunks(size, len(out))
                    raise _too_large(self._max_body)
                data = rfile.read(size)
                if len(data) != size:
                    raise _bad_chunked("a chunk ended early")
                out += data
                _chunk_end(rfile)
            _skip_trailers(rfile)
        except HttpError:
            self.handler.close_connection = True
            raise
        return bytes(out)

    def _discard_chunks(self, size: int, seen: int) -> None:
        """Read and drop the rest of a chunked body (up to DRAIN_LIMIT past the cap)."""
        rfile = self.handler.rfile
        try:
            while size > 0 and seen + size <= self._max_body + DRAIN_LIMIT:
                self._discard(size)
                seen += size
                _chunk_end(rfile)
                size = _chunk_size(rfile)
            if size == 0:
                _skip_trailers(rfile)
        except HttpError:
            pass  # the 413 is the answer; the connection closes anyway

    def abandon_body(self) -> None:
        """After the response, close without reading the body (a 401/403/415 answer).

        The socket's sending side closes first; then at most :data:`LINGER_BYTES` that were
        already on their way are read for up to :data:`LINGER_SECONDS`, so the client gets
        the answer instead of a reset. The body itself is never read.
        """
        handler = self.handler
        handler.close_connection = True
        sock = handler.connection
        try:
            handler.wfile.flush()
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(LINGER_SECONDS)
            left = LINGER_BYTES
            while left > 0 and (data := sock.recv(min(left, 1 << 16))):
                left -= len(data)
        except OSError:
            pass

    def json_body(self) -> dict[str, Any]:
        """The body as a JSON object (400 ErrorResponse if it is not one).

        A body must come as ``application/json`` (415 otherwise, before it is read): a web
        page can send ``text/plain`` or form bodies without a CORS preflight.
        """
        if self.has_body:
            media = media_type(self.headers.get("Content-Type"))
            if media not in _JSON_TYPES:
                raise HttpError(415, UNSUPPORTED_MEDIA_CODE,
                                f"unsupported Content-Type {media or '(none)'!r}: "
                                "this endpoint takes application/json")
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
        for name, value in {**self.extra_headers, **(headers or {})}.items():
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
        for name, value in self.extra_headers.items():
            handler.send_header(name, value)
        if chunked:
            handler.send_header("Transfer-Encoding", "chunked")
        else:
            handler.close_connection = True
        handler.end_headers()
        handler.wfile.flush()
        self.responded = True
        return chunked


def media_type(content_type: Optional[str]) -> str:
    """The lower-cased media type of a Content-Type header, without parameters."""
    return (content_type or "").partition(";")[0].strip().lower()


def body_framing(headers: Any) -> Union[int, Literal["chunked"], None]:
    """How the body is framed: ``None`` (no body), its Content-Length, or :data:`CHUNKED`.

    Strict, as request smuggling defences are: both headers, several Content-Length
    headers, anything but digits (signs, spaces inside, hex), values over 18 digits, and
    transfer codings other than exactly ``chunked`` are each a 400.
    """
    codings = headers.get_all("Transfer-Encoding") or []
    lengths = headers.get_all("Content-Length") or []
    if codings:
        if lengths:
            raise _bad_request("both Content-Length and Transfer-Encoding are set")
        if len(codings) != 1 or codings[0].strip().lower() != CHUNKED:
            raise _bad_request("only Transfer-Encoding: chunked is supported")
        return CHUNKED
    if not lengths:
        return None
    if len(lengths) != 1 or not _LENGTH_RE.fullmatch(lengths[0].strip()):
        raise _bad_request("invalid Content-Length header")
    length = int(lengths[0])
    return length or None


def _chunk_size(rfile: BufferedIOBase) -> int:
    line = rfile.readline(1024)
    match = _CHUNK_SIZE_RE.fullmatch(line)
    if match is None:
        raise _bad_chunked("malformed chunk size line")
    return int(match.group(1), 16)


def _chunk_end(rfile: BufferedIOBase) -> None:
    if rfile.readline(3) not in (b"\r\n", b"\n"):
        raise _bad_chunked("chunk data is not followed by CRLF")


def _skip_trailers(rfile: BufferedIOBase) -> None:
    for _ in range(_MAX_TRAILER_LINES):
        line = rfile.readline(1024)
        if line in (b"\r\n", b"\n"):
            return
        if not line.endswith(b"\n"):
            break
    raise _bad_chunked("malformed or endless trailer section")


def _send_continue(handler: BaseHTTPRequestHandler) -> None:
    """Answer ``Expect: 100-continue`` now that the body is wanted (see server._Handler)."""
    if getattr(handler, "expects_continue", False):
        handler.expects_continue = False  # type: ignore[attr-defined]
        handler.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        handler.wfile.flush()


def _bad_request(message: str) -> HttpError:
    return HttpError(400, BAD_REQUEST_CODE, message)


def _bad_chunked(detail: str) -> HttpError:
    return HttpError(400, BAD_REQUEST_CODE, f"malformed chunked request body: {detail}")


def _too_large(limit: int) -> HttpError:
    return HttpError(413, BODY_TOO_LARGE, f"request body is larger than the limit of {limit} bytes")
