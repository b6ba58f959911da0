"""HTTP session for the Timeplus REST API: authentication headers, JSON requests, streaming
POSTs, and ErrorResponse decoding. One ``requests.Session`` (keep-alive, pooled) per transport.

Failures surface as :class:`ServerError` (the server answered with an error) or
:class:`TransportError` (no usable answer). Credentials live only in the session headers and are
never part of a message, a log record or ``repr``. Proxies come from the environment
(``HTTP_PROXY``, ``HTTPS_PROXY``, ``NO_PROXY``), read when the transport is created;
``~/.netrc`` is never used.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, Optional, Union

import requests
import urllib3.exceptions

from .errors import ServerError, TransportError, TransportTimeout
from .retry import RetryPolicy

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
    sock = _socket_of(response)
    if sock is not None:
        sock.settimeout(seconds)


@contextmanager
def stream_read_timeout(response: requests.Response, seconds: float) -> Iterator[None]:
    """``set_stream_read_timeout`` for the block only: the socket's timeout is put back after
    it, even when the block returned the connection to the pool (urllib3 1.x sends the next
    request on a reused socket with whatever timeout the socket has)."""
    sock = _socket_of(response)
    if sock is None:
        yield
        return
    before = sock.gettimeout()
    sock.settimeout(seconds)
    try:
        yield
    finally:
        with suppress(OSError):
            sock.settimeout(before)


def _socket_of(response: requests.Response) -> Any:
    raw = getattr(response, "raw", None)
    return getattr(getattr(raw, "connection", None), "sock", None)


_WRAPPERS = (requests.exceptions.RequestException, urllib3.exceptions.MaxRetryError)


def _unwrap(exc: BaseException) -> BaseException:
    """The exception that says what happened, under requests/urllib3 wrappers."""
    current = exc
    for _ in range(10):
        if not isinstance(current, _WRAPPERS):
            break
        reason = getattr(current, "reason", None)
        inner = reason if isinstance(reason, BaseException) else None
        inner = inner or next((a for a in current.args if isinstance(a, BaseException)), None)
        if inner is None:
            break
        current = inner
    return current


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, what it wraps, and what caused that (bounded)."""
    found = [exc, _unwrap(exc)]
    while len(found) < 12:
        nxt = found[-1].__cause__ or found[-1].__context__
        if nxt is None or nxt in found:
            break
        found.append(nxt)
    return found


def _cause_text(exc: BaseException) -> str:
    """A short cause without URLs: "NewConnectionError: ... Connection refused", SSL errors."""
    cause = _unwrap(exc)
    text = str(cause).split(" (Caused by", 1)[0]
    if "): " in text:  # "HTTPConnection(host=..., port=...): Failed to establish ..."
        text = text.split("): ", 1)[1]
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


def _is_timeout(exc: BaseException) -> bool:
    if any(isinstance(e, ConnectionError) for e in _chain(exc)):
        return False  # refused/reset (urllib3 files NewConnectionError under timeouts)
    timeouts = (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)
    return isinstance(exc, timeouts) or isinstance(_unwrap(exc), timeouts)


def _transport_error(action: str, exc: BaseException) -> TransportError:
    if _is_timeout(exc):
        return TransportTimeout(f"timed out {action}")
    return TransportError(f"connection failed {action}: {_cause_text(exc)}")


def _refused(exc: BaseException) -> bool:
    return any(isinstance(e, ConnectionRefusedError) for e in _chain(exc))


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
        # The environment is read once, here: proxies (HTTP(S)_PROXY, NO_PROXY) for this base URL.
        # requests would re-read it on every request (about 0.1 ms of CPU), and would also send
        # credentials from ~/.netrc when none are configured; the connection's own credentials
        # and TLS settings are the only ones used.
        self.session.proxies.update(requests.utils.get_environ_proxies(config.base_url))
        self.session.trust_env = False
        self.retry = RetryPolicy()

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
        safe_to_retry: Optional[bool] = None,
    ) -> requests.Response:
        """Send a request; return the response when its status is 2xx, else raise ServerError.

        ``safe_to_retry`` (default: GET only) allows re-sending after 502/503/504 or a refused
        connection; 429 is retried for every request (see ``protocol.retry``).
        """
        safe = method == "GET" if safe_to_retry is None else safe_to_retry
        timeout = self.config.timeout
        send: dict[str, Any] = {
            "json": json_body,
            "data": data,
            "params": params,
            "headers": {"Content-Type": "application/json", **(headers or {})},
            "stream": stream,
            "timeout": (timeout, read_timeout) if use_read_timeout else timeout,
            "verify": self.config.verify,  # explicit: beats REQUESTS_CA_BUNDLE in the environment
        }
        attempt = 0
        while True:
            response, wait = self._attempt(method, path, send, attempt, safe)
            if response is not None:
                return response
            logger.debug("%s %s: retrying in %.2fs", method, path, wait)
            time.sleep(wait)
            attempt += 1

    def _attempt(
        self, method: str, path: str, send: dict[str, Any], attempt: int, safe: bool
    ) -> tuple[Optional[requests.Response], float]:
        """One try: (response, 0) on success, (None, wait) to retry; raises otherwise."""
        logger.debug("%s %s", method, path)
        try:
            response = self.session.request(method, self.url(path), **send)
        except _TRANSPORT_FAILURES as exc:
            wait = self.retry.delay_after_refusal(attempt, safe) if _refused(exc) else None
            if wait is None:
                raise _transport_error(f"on {method} {path}", exc) from exc
            return None, wait
        if response.status_code < 300:
            return response, 0.0
        wait = self.retry.delay_after_status(
            response.status_code, response.headers.get("Retry-After"), attempt, safe
        )
        if wait is None:
            raise _error_from(response)
        response.close()
        return None, wait

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
