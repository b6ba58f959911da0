"""Protocol-level failures. The DB-API layer turns them into PEP 249 exceptions
(``timeplus_dbapi.errors.translate``); nothing here knows PEP 249."""

from __future__ import annotations

from typing import Optional


class ProtocolError(Exception):
    """Base class: something went wrong talking to the server."""

    def __init__(self, message: str, *, query_id: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.query_id = query_id


class ServerError(ProtocolError):
    """The server answered with an error (an ErrorResponse body, a non-2xx status, or a
    ``failed`` query status)."""

    def __init__(
        self,
        message: str,
        *,
        code: Optional[int] = None,
        http_status: Optional[int] = None,
        system: Optional[str] = None,
        query_id: Optional[str] = None,
    ) -> None:
        super().__init__(message, query_id=query_id)
        self.code = code
        self.http_status = http_status
        self.system = system


class TransportError(ProtocolError):
    """The connection failed: refused, reset, TLS failure, timeout, truncated response."""


class StreamError(ProtocolError):
    """The event stream broke its contract (ended early, malformed events)."""


class TransportTimeout(TransportError):
    """No answer (or no further bytes of a stream) within the configured time."""
