"""HTTP session for the Timeplus REST API: authentication headers, JSON requests, streaming
POSTs, and ErrorResponse decoding. One ``requests.Session`` (keep-alive, pooled) per transport.

Failures surface as :class:`ServerError` (the server answered with an error) or
:class:`TransportError` (no usable answer). Credentials live only in the session headers and are
never part of a message, a log record or ``repr``. Proxies come from the environment
(``HTTP_PROXY``, ``HTTPS_PROXY``, ``NO_PROXY``), read when the transport is created;
``~/.netrc`` is never used.

Redirects: a redirect to another scheme, host or port is never followed (TransportError naming
the ``Location``): the credentials, the SQL and the rows stay with the configured server.
Same-origin 307/308 are followed for every method (they keep the method and the body),
same-origin 301/302/303 only for GET; at most five in a row.

``timeout`` is a deadline for each attempt of a request, body included (see
:mod:`.deadline`); a query's stream keeps it until its header event (``client.start_query``).
A path segment is always built with :func:`path_segment`.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from typing import Any, Optional, Union
from urllib.parse import quote, urljoin, urlsplit

import requests
import urllib3.exceptions

from .deadline import Deadline, DeadlineAdapter
from .errors import ServerError, TransportError, TransportTimeout
from .retry import RetryPolicy

__all__ = [
    "HttpConfig",
    "HttpTransport",
    "TransportBase",
    "iter_response_chunks",
    "path_segment",
    "redirect_target",
    "set_stream_read_timeout",
]

logger = logging.getLogger(__name__)

# Routes where Timeplus reads ?db=: the stream, view, materialized view and ingest endpoints
# (E-SPEC); POST /queries, /exec and /sqlanalyze by our reading of the Enterprise 2.7/2.8
# release notes ("REST API support for non-default database namespaces"; E-SPEC lists no db
# there). GET /queries (the query list) shares the path and ignores it.
_DATABASE_SCOPED = re.compile(
    r"v1beta2/(?:queries|exec|sqlanalyze)$|v1beta2/(?:streams|views|materialized_views)(?:/|$)")
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
    workspace: Optional[str] = None  # as given (not encoded); named in "not found" errors
    database: Optional[str] = None  # sent as ?db= on the database-scoped routes; None: default


def path_segment(name: str) -> str:
    """One URL path segment naming ``name`` exactly: everything but unreserved characters is
    percent-encoded (``safe=""``), and the dot segments "." and ".." (which clients would
    resolve away) are encoded too. Every name put in a URL path goes through here."""
    encoded = quote(name, safe="")
    return encoded.replace(".", "%2E") if encoded in (".", "..") else encoded


def _auth_headers(config: HttpConfig) -> dict[str, str]:
    if config.user or config.password:
        token = f"{config.user or ''}:{config.password or ''}".encode()
        return {"Authorization": "Basic " + base64.b64encode(token).decode("ascii")}
    if config.api_key:
        return {"X-Api-Key": config.api_key}
    return {}


def decode_json_body(body: bytes, status: int, method: str, path: str) -> Any:
    """A response's JSON body; None for an empty body or 204."""
    if status == 204 or not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError as exc:
        raise TransportError(f"invalid JSON in the response to {method} {path}") from exc


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


# Routes every workspace has: a 404 from one of them means the workspace itself is unknown.
_WORKSPACE_ROUTES = frozenset(
    {("POST", "v1beta2/queries"), ("GET", "v1beta2/queries"), ("GET", "v1beta2/streams")}
)


def _name_the_workspace(
    error: ServerError, method: str, path: str, workspace: Optional[str]
) -> ServerError:
    """A 404 from a route every workspace has says the workspace was not found; say so,
    whatever words the server used ("no such path /nows/api/v1beta2/queries")."""
    if error.http_status != 404 or workspace is None or (method, path) not in _WORKSPACE_ROUTES:
        return error
    named = f"workspace {workspace!r} not found"
    if named in error.message:
        return error
    return ServerError(
        f"{named} at this server ({method} /{path}: {error.message})",
        code=error.code,
        http_status=error.http_status,
        system=error.system,
    )


_REDIRECTS = (301, 302, 303, 307, 308)
_NOT_REDIRECTS = (300, 304, 305, 306)  # 3xx answers that are errors here
_MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, Optional[int]]:
    """(scheme, host, port) of a URL, default ports filled in; an invalid port is -1."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower(), port


def _origin_text(url: str) -> str:
    scheme, host, port = _origin(url)
    return f"{scheme}://{host}:{port}"


def redirect_target(
    status: int, location: str, method: str, path: str, url: str, hops: int
) -> str:
    """The URL a redirect leads to, when it is followed; raises TransportError otherwise.

    Only same-origin redirects (same scheme, host and port) are followed: a 307 or 308
    for any method (both keep the method and the body), a 301, 302 or 303 only for a GET
    (they would turn any other request into a GET without its body), at most
    ``_MAX_REDIRECTS`` in a row. A redirect to another origin is never followed, so the
    credentials and the request (its SQL, its rows) never go there.
    """
    target = urljoin(url, location) if location else ""
    if not target or _origin(target) != _origin(url):
        raise TransportError(
            f"the server answered {method} {path} with HTTP {status}, a redirect to "
            f"{location or '(no Location)'}: not followed, as it leaves {_origin_text(url)} "
            "(the credentials and the request stay here; connect to that address "
            "directly if it is the right server)"
        )
    if hops == _MAX_REDIRECTS:
        raise TransportError(
            f"the server answered {method} {path} with HTTP {status}, a redirect to "
            f"{location}, after {hops} redirects: not followed any further"
        )
    if status not in (307, 308) and method != "GET":
        raise TransportError(
            f"the server answered {method} {path} with HTTP {status}, a redirect to "
            f"{location}: not followed, as it would re-send the request as a GET "
            "without its body"
        )
    logger.debug("%s %s: following HTTP %s to %s", method, path, status, target)
    return target


@dataclass(frozen=True)
class _Resend:
    """When a request may be sent again (see ``protocol.retry``)."""

    safe: bool
    idempotent: bool


class TransportBase:
    """What the sync and the asyncio transport share: the configuration, the retry policy
    and the URL of a path."""

    def __init__(self, config: HttpConfig) -> None:
        self.config = config
        self.retry = RetryPolicy()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.config.base_url}>"

    def url(self, path: str) -> str:
        return f"{self.config.base_url}/{path.lstrip('/')}"

    def params(self, path: str, params: Optional[dict[str, str]]) -> Optional[dict[str, str]]:
        """The query parameters of a request: with a current database other than ``default``,
        a database-scoped route (:data:`_DATABASE_SCOPED`) gets ``db``, unless the caller
        names a database itself."""
        database = self.config.database
        if database is None or (params and "db" in params) or \
                not _DATABASE_SCOPED.match(path.lstrip("/")):
            return params
        return {**(params or {}), "db": database}


class HttpTransport(TransportBase):
    """A pooled HTTP session bound to one workspace API base URL."""

    def __init__(self, config: HttpConfig) -> None:
        super().__init__(config)
        self.session = requests.Session()
        for prefix in ("http://", "https://"):  # pools that report to request deadlines
            self.session.mount(prefix, DeadlineAdapter())
        self.session.headers.update(_auth_headers(config))
        self.session.headers["User-Agent"] = "timeplus-dbapi"
        self.session.verify = config.verify
        # The environment is read once, here: proxies (HTTP(S)_PROXY, NO_PROXY) for this base URL.
        # requests would re-read it on every request (about 0.1 ms of CPU), and would also send
        # credentials from ~/.netrc when none are configured; the connection's own credentials
        # and TLS settings are the only ones used.
        self.session.proxies.update(requests.utils.get_environ_proxies(config.base_url))
        self.session.trust_env = False

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
        idempotent: bool = False,
        deadline: Optional[Deadline] = None,
    ) -> requests.Response:
        """Send a request; return the response when its status is 2xx, else raise ServerError.

        ``safe_to_retry`` (default: GET only) allows re-sending after 502/503/504 or a refused
        connection; 429 is retried for every request; ``idempotent`` requests (the server
        dedups them) also after 500 and lost connections (see ``protocol.retry``).

        Each attempt must be answered in full within ``timeout`` seconds (a :class:`Deadline`;
        dripping bytes do not extend it). With ``deadline`` the caller owns the deadline
        instead: it spans every attempt (a retry wait that would pass it ends the request at
        once) and goes on after this returns, until the caller ends it (a query's stream,
        until its header event). Redirects: see :meth:`_redirected`.
        """
        retry = _Resend(method == "GET" if safe_to_retry is None else safe_to_retry, idempotent)
        timeout = self.config.timeout
        send: dict[str, Any] = {
            "json": json_body,
            "data": data,
            "params": self.params(path, params),
            "headers": {"Content-Type": "application/json", **(headers or {})},
            "stream": stream,
            "timeout": (timeout, read_timeout) if use_read_timeout else timeout,
            "verify": self.config.verify,  # explicit: beats REQUESTS_CA_BUNDLE in the environment
            "allow_redirects": False,  # see _redirected
        }
        url, attempt, hops = self.url(path), 0, 0
        while True:
            if deadline is not None and deadline.fired:  # struck between attempts
                raise self._timed_out(method, path)
            response, wait = self._attempt(method, path, url, send, attempt, retry, deadline)
            if response is None:
                if deadline is not None and time.monotonic() + wait >= deadline.at:
                    raise self._timed_out(method, path)  # the wait alone would pass it
                logger.debug("%s %s: retrying in %.2fs", method, path, wait)
                time.sleep(wait)
                attempt += 1
            elif response.status_code in _REDIRECTS:
                url, hops = self._redirected(response, method, path, url, hops), hops + 1
                send["params"] = None  # the Location is the whole URL
            else:
                return response

    def _attempt(
        self,
        method: str,
        path: str,
        url: str,
        send: dict[str, Any],
        attempt: int,
        retry: _Resend,
        deadline: Optional[Deadline],
    ) -> tuple[Optional[requests.Response], float]:
        """One try: (response, 0) for a 2xx or a redirect, (None, wait) to retry; raises
        otherwise."""
        logger.debug("%s %s", method, path)
        own = deadline is None and self.config.timeout is not None
        watch = Deadline(self.config.timeout or 0.0) if own else deadline
        try:
            with watch.sending() if watch is not None else nullcontext():
                response = self.session.request(method, url, **send)
        except _TRANSPORT_FAILURES as exc:
            if watch is not None and watch.fired:
                raise self._timed_out(method, path) from exc
            wait = self._delay_after_failure(exc, attempt, retry)
            if wait is None:
                raise _transport_error(f"on {method} {path}", exc) from exc
            return None, wait
        finally:
            if own and watch is not None:
                watch.end()
        if response.status_code < 400 and response.status_code not in _NOT_REDIRECTS:
            return response, 0.0
        wait = self.retry.delay_after_status(
            response.status_code,
            response.headers.get("Retry-After"),
            attempt,
            retry.safe,
            retry.idempotent,
        )
        if wait is None:
            raise _name_the_workspace(
                _error_from(response), method, path, self.config.workspace
            )
        response.close()
        return None, wait

    def _delay_after_failure(
        self, exc: BaseException, attempt: int, retry: _Resend
    ) -> Optional[float]:
        if _refused(exc):
            return self.retry.delay_after_refusal(attempt, retry.safe or retry.idempotent)
        if _is_timeout(exc):
            return None  # the time-out is the caller's bound: re-sending would exceed it
        return self.retry.delay_after_failure(attempt, retry.idempotent)

    def _timed_out(self, method: str, path: str) -> TransportTimeout:
        return TransportTimeout(
            f"timed out on {method} {path}: no complete answer within "
            f"{self.config.timeout:g} s (the timeout bounds the whole request)"
        )

    def _redirected(
        self, response: requests.Response, method: str, path: str, url: str, hops: int
    ) -> str:
        """The URL a redirect leads to, when it is followed (see :func:`redirect_target`)."""
        location = response.headers.get("Location") or ""
        response.close()
        return redirect_target(response.status_code, location, method, path, url, hops)

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request and decode its JSON body (None for an empty body or 204)."""
        response = self.request(method, path, **kwargs)
        try:
            body = response.content
        except _TRANSPORT_FAILURES as exc:
            raise _transport_error(f"reading {method} {path}", exc) from exc
        return decode_json_body(body, response.status_code, method, path)

    def close(self) -> None:
        self.session.close()
