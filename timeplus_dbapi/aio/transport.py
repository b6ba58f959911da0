"""The asyncio transport: one pooled ``aiohttp.ClientSession`` (keep-alive) per connection.

Only the I/O lives here. Authentication headers, the error-body decoding, the retry policy, the
redirect rules and the "workspace not found" wording are the sync transport's
(:mod:`timeplus_dbapi.protocol.http`, :mod:`timeplus_dbapi.protocol.retry`).

Why aiohttp (measured 2026-12-03 on this machine, load average ~7-9 on 2 cores: one streaming
``POST /queries`` of 200,000 rows, 5.6 MB of SSE from the local emulator, read as raw chunks,
7 runs each): aiohttp took 0.013 s of client CPU (median; wall min 0.075 s), httpx 0.063 s
(wall min 0.101 s), requests (the sync driver) 0.011 s (wall min 0.074 s). Reading a stream
is the hot path of a live query, and aiohttp reads it at the sync driver's cost.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any, Optional, Union

import aiohttp
import requests

from ..protocol.errors import ServerError, TransportError, TransportTimeout
from ..protocol.http import (
    _NOT_REDIRECTS,
    _REDIRECTS,
    HttpConfig,
    TransportBase,
    _auth_headers,
    _name_the_workspace,
    _Resend,
    decode_error_body,
    decode_json_body,
    redirect_target,
)

__all__ = ["AsyncHttpTransport"]

logger = logging.getLogger(__name__)

_FAILURES = (aiohttp.ClientError, OSError)


def _ssl_setting(verify: Union[bool, str]) -> Union[bool, ssl.SSLContext]:
    if verify is False:
        return False
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return True


def _refused(exc: BaseException) -> bool:
    cause = getattr(exc, "os_error", None) or exc.__cause__
    return isinstance(cause, ConnectionRefusedError) or isinstance(exc, ConnectionRefusedError)


class AsyncHttpTransport(TransportBase):
    """A pooled aiohttp session bound to one workspace API base URL (made on first use, in the
    running event loop)."""

    def __init__(self, config: HttpConfig) -> None:
        super().__init__(config)
        self._session: Optional[aiohttp.ClientSession] = None
        # proxies from the environment, read once as the sync transport does (no ~/.netrc)
        proxies = requests.utils.get_environ_proxies(config.base_url)
        self._proxy = proxies.get(config.base_url.split(":", 1)[0].lower()) or proxies.get("all")

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=0, ssl=_ssl_setting(self.config.verify))
            headers = {**_auth_headers(self.config), "User-Agent": "timeplus-dbapi"}
            self._session = aiohttp.ClientSession(
                connector=connector, headers=headers, trust_env=False, read_bufsize=2**21
            )
        return self._session

    async def request(
        self, method: str, path: str, *, stream: bool = False,
        safe_to_retry: Optional[bool] = None, idempotent: bool = False, **body: Any,
    ) -> aiohttp.ClientResponse:
        """The 2xx response to a request (retries and redirects as the sync transport);
        ServerError for an error answer, TransportError when there is none. ``body``: the
        sync transport's ``json_body``, ``data``, ``params`` and ``headers``. Without
        ``stream`` the whole answer must arrive within ``timeout``; a stream's caller bounds
        the wait for its first event itself."""
        policy = _Resend(method == "GET" if safe_to_retry is None else safe_to_retry, idempotent)
        limit = self.config.timeout
        send: dict[str, Any] = {
            "json": body.get("json_body"),
            "data": body.get("data"),
            "params": self.params(path, body.get("params")),
            "headers": {"Content-Type": "application/json", **(body.get("headers") or {})},
            "allow_redirects": False,
            "proxy": self._proxy,
            "timeout": aiohttp.ClientTimeout(total=None if stream else limit, connect=limit),
        }
        url, attempt, hops = self.url(path), 0, 0
        while True:
            answer = await self._attempt(method, path, url, send, attempt, policy)
            if isinstance(answer, float):
                logger.debug("%s %s: retrying in %.2fs", method, path, answer)
                await asyncio.sleep(answer)
                attempt += 1
                continue
            if answer.status not in _REDIRECTS:
                return answer
            location = answer.headers.get("Location") or ""
            answer.release()
            url = redirect_target(answer.status, location, method, path, url, hops)
            hops, send["params"] = hops + 1, None

    async def _attempt(
        self, method: str, path: str, url: str, send: dict[str, Any], attempt: int, policy: _Resend
    ) -> Union[aiohttp.ClientResponse, float]:
        """One try: the response (2xx or a redirect), or the seconds to wait before the next."""
        logger.debug("%s %s", method, path)
        try:
            response = await self.session().request(method, url, **send)
        except asyncio.TimeoutError as exc:
            raise TransportTimeout(
                f"timed out on {method} {path}: no complete answer within "
                f"{self.config.timeout:g} s"
            ) from exc
        except _FAILURES as exc:
            if _refused(exc):
                wait = self.retry.delay_after_refusal(attempt, policy.safe or policy.idempotent)
            else:
                wait = self.retry.delay_after_failure(attempt, policy.idempotent)
            if wait is None:
                cause = f"{type(exc).__name__}: {exc}"
                raise TransportError(f"connection failed on {method} {path}: {cause}") from exc
            return wait
        if response.status < 400 and response.status not in _NOT_REDIRECTS:
            return response
        retry_after = response.headers.get("Retry-After")
        wait = self.retry.delay_after_status(
            response.status, retry_after, attempt, policy.safe, policy.idempotent
        )
        if wait is not None:
            response.release()
            return wait
        raise _name_the_workspace(await _error_from(response), method, path, self.config.workspace)

    async def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request and decode its JSON body (None for an empty body or 204)."""
        response = await self.request(method, path, **kwargs)
        try:
            body = await response.read()
        except _FAILURES as exc:
            raise TransportError(f"connection failed reading {method} {path}: {exc}") from exc
        finally:
            response.release()
        return decode_json_body(body, response.status, method, path)

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


async def _error_from(response: aiohttp.ClientResponse) -> ServerError:
    """Read (and release) an error response."""
    try:
        body = await response.read()
    except _FAILURES:
        body = b""
    finally:
        response.release()
    return decode_error_body(body, response.status)
