"""HTTP session for the Timeplus REST API: authentication headers, JSON requests, streaming
POSTs, and ErrorResponse decoding. One ``requests.Session`` (keep-alive, pooled) per transport.

Failures surface as :class:`ServerError` (the server answered with an error) or
:class:`TransportError` (no usable answer). Credentials live only in the session headers and are
never part of a message, a log record or ``repr``.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Optional, Union

import requests
import urllib3.exceptions

from .errors import ServerError, TransportError, TransportTimeout

__all__ = ["HttpConfig", "HttpTransport", "iter_response_chunks", "set_stream_read_timeout"]

logger = logging.getLogger(__name__)

_TRANSPORT_FAILURES = (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError)


@dataclass(frozen=True)
class HttpConfig:
    """Everything needed to reach one workspace's API."""

    base_url: str  # e.g. "https://host:443/default/api"
    api_key: Optional[str] = field(default=None, repr=False)
    user: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)
    verify: Union[bool, str] = True
    timeout: Optional[float] = 30.0


def _auth_headers(config: HttpConfig) -> dict[str, str]:
    if config.user or config.password:
        token = f"{config.user or ''}:{config.password or ''}".encode()
        return {"Authorization": "Basic " + base64.b64encode(token).decode("ascii")}
    if config.api_key:
        return {"X-Api-Key": config.api_key}
    return {}


def decode_error_body(body: bytes, http_status: Optional[int]) -> ServerError:
    """Turn an ErrorResponse (or any error body) into a ServerError."""
    code: Optional[int] = None
    system: Optional[str] = None
    message = ""
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        raw_code = parsed.get("code")
        code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
        message = str(parsed.get("message") or parsed.get("error_msg") or parsed.get("error") or "")
        system = parsed.get("system") if isinstance(parsed.get("system"), str) else None
    if not message:
        message = body[:500].decode("utf-8", "replace").strip() or "no error message"
    status_text = f"HTTP {http_status}" if http_status else "error"
    return ServerError(
        f"server error ({status_text}): {message}",
        code=code,
        http_status=http_status,
        system=system,
    )


def iter_response_chunks(response: requests.Response) -> Iterator[bytes]:
    """Yield body bytes as they arrive (never waits for a full buffer on a live stream)."""
    raw = response.raw
    try:
        if getattr(raw, "chunked", False):
            yield from raw.stream(None, decode_content=True)
            return
        # urllib3 2 has read1(); with urllib3 1.x use the underlying http.client response's.
        read1 = getattr(raw, "read1", None) or getattr(getattr(raw, "_fp", None), "read1", None)
        while True:
            chunk = read1(65536) if read1 is not None else raw.read(1)
            if not chunk:
                return
            yield chunk
    except _TRANSPORT_FAILURES as exc:
        raise _transport_error("reading the response stream", exc) from exc


def set_stream_read_timeout(response: requests.Response, seconds: Optional[float]) -> None:
    """Per-read socket timeout for the rest of a streaming response (best effort: servers
    sending periodic events keep it alive; callers also track idle time themselves)."""
    raw = getattr(response, "raw", None)
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(seconds)


def _transport_error(action: str, exc: BaseException) -> TransportError:
    if isinstance(exc, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError)):
        return TransportTimeout(f"timed out {action}")
    if isinstance(exc, requests.exceptions.ConnectionError) and isinstance(
        exc.args[0] if exc.args else None, urllib3.exceptions.ReadTimeoutError
    ):
        return TransportTimeout(f"timed out {action}")
    detail = type(exc).__name__
    reason = str(exc).split("(", 1)[0].strip()
    return TransportError(f"connection failed {action}: {detail}{': ' + reason if reason else ''}")


def _error_from(response: requests.Response) -> ServerError:
    """Read (and close) an error response."""
    try:
        body = response.content
    except _TRANSPORT_FAILURES:
        body = b""
    finally:
        response.close()
    return decode_error_body(body, response.status_code)


class HttpTransport:
    """A pooled HTTP session bound to one workspace API base URL."""

    def __init__(self, config: HttpConfig) -> None:
        self.config = config
        self.session = requests.Session()
        self.session.headers.update(_auth_headers(config))
        self.session.headers["User-Agent"] = "timeplus-dbapi"
        self.session.verify = config.verify

    def __repr__(self) -> str:
        return f"<HttpTransport {self.config.base_url}>"

    def url(self, path: str) -> str:
        return f"{self.config.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: Optional[bytes] = None,
        params: Optional[dict[str, str]] = None,
        headers: Optional[dict[str, str]] = None,
        stream: bool = False,
        read_timeout: Optional[float] = None,
        use_read_timeout: bool = False,
    ) -> requests.Response:
        """Send a request; return the response when its status is 2xx, else raise ServerError."""
        timeout = self.config.timeout
        request_timeout: Any = (timeout, read_timeout) if use_read_timeout else timeout
        send_headers = {"Content-Type": "application/json"}
        send_headers.update(headers or {})
        logger.debug("%s %s", method, path)
        try:
            response = self.session.request(
                method,
                self.url(path),
                json=json_body,
                data=data,
                params=params,
                headers=send_headers,
                stream=stream,
                timeout=request_timeout,
            )
        except _TRANSPORT_FAILURES as exc:
            raise _transport_error(f"on {method} {path}", exc) from exc
        if response.status_code >= 300:
            raise _error_from(response)
        return response

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request and decode its JSON body (None for an empty body or 204)."""
        response = self.request(method, path, **kwargs)
        try:
            body = response.content
        except _TRANSPORT_FAILURES as exc:
            raise _transport_error(f"reading {method} {path}", exc) from exc
        if response.status_code == 204 or not body.strip():
            return None
        try:
            return json.loads(body)
        except ValueError as exc:
            raise TransportError(f"invalid JSON in the response to {method} {path}") from exc

    def close(self) -> None:
        self.session.close()
