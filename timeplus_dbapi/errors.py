"""PEP 249 exceptions and the one table mapping server errors onto them.

Every exception raised by the driver is one of the classes below. Server failures keep the
server's ``code``, the ``http_status`` and the ``query_id`` (when known); messages name the host,
the query id and the cause, never credentials. :func:`translate` is the only place that turns a
protocol-level failure (``timeplus_dbapi.protocol.errors``) into a PEP 249 exception.
"""

from __future__ import annotations

from typing import Optional

from .protocol.errors import ProtocolError, ServerError, StreamError, TransportError

__all__ = [
    "DataError",
    "DatabaseError",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Warning",
    "error_class_for",
    "translate",
]


class Warning(Exception):
    """Important warnings (PEP 249)."""


class Error(Exception):
    """Base class of all driver errors; carries server context when there is one."""

    def __init__(
        self,
        message: str,
        *,
        code: Optional[int] = None,
        http_status: Optional[int] = None,
        query_id: Optional[str] = None,
        host: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.query_id = query_id
        self.host = host
        self.rows_accepted: Optional[int] = None


class InterfaceError(Error):
    """Misuse of the driver interface (closed cursor, bad DSN)."""


class DatabaseError(Error):
    """Errors reported by or related to the database."""


class DataError(DatabaseError):
    """Bad values: unparsable data, values that cannot be represented or converted."""


class OperationalError(DatabaseError):
    """Transport failures, authentication, timeouts, cancelled or interrupted queries."""


class IntegrityError(DatabaseError):
    """Relational integrity problems (not produced by Timeplus today; defined for PEP 249)."""


class InternalError(DatabaseError):
    """The server reported an internal inconsistency."""


class ProgrammingError(DatabaseError):
    """SQL errors: syntax, unknown streams/columns/functions, objects that already exist."""


class NotSupportedError(DatabaseError):
    """A feature or value type the server or the driver does not support."""


# Server error code (Proton/Timeplus ErrorCodes) → PEP 249 class.
_BY_CODE: dict[int, type[Error]] = {
    **dict.fromkeys(
        (62, 60, 81, 47, 16, 10, 57, 82, 46, 50, 115, 36, 43, 386, 497), ProgrammingError
    ),
    **dict.fromkeys((53, 6, 27, 38, 41, 72, 70, 117, 69, 321), DataError),
    **dict.fromkeys((516, 192, 193, 194, 159, 209, 202, 394, 241, 210, 236), OperationalError),
    **dict.fromkeys((48, 1), NotSupportedError),
    49: InternalError,
}

# Fallback by HTTP status when the body has no known code.
_BY_STATUS: dict[int, type[Error]] = {
    400: ProgrammingError,
    401: OperationalError,
    403: OperationalError,
    404: ProgrammingError,
    405: NotSupportedError,
    408: OperationalError,
    409: ProgrammingError,
    413: DataError,
    422: DataError,
    429: OperationalError,
    501: NotSupportedError,
}


def error_class_for(code: Optional[int], http_status: Optional[int]) -> type[Error]:
    """The PEP 249 class for a server error code, falling back to the HTTP status."""
    if code is not None and code in _BY_CODE:
        return _BY_CODE[code]
    if http_status is not None:
        if http_status in _BY_STATUS:
            return _BY_STATUS[http_status]
        if http_status >= 500:
            return OperationalError if http_status in (502, 503, 504) else DatabaseError
    return DatabaseError


def _describe(cause: str, host: Optional[str], query_id: Optional[str], extra: str = "") -> str:
    where = [f"host {host}"] if host else []
    if query_id:
        where.append(f"query {query_id}")
    context = f" [{', '.join(where)}{extra}]" if where or extra else ""
    return f"{cause}{context}"


def translate(
    failure: ProtocolError, *, host: Optional[str] = None, query_id: Optional[str] = None
) -> Error:
    """Build the PEP 249 exception for a protocol-level failure."""
    query_id = query_id or failure.query_id
    if isinstance(failure, ServerError):
        cls = error_class_for(failure.code, failure.http_status)
        extra = f", HTTP {failure.http_status}" if failure.http_status else ""
        if failure.code is not None:
            extra += f", code {failure.code}"
        message = _describe(failure.message, host, query_id, extra)
        return cls(
            message,
            code=failure.code,
            http_status=failure.http_status,
            query_id=query_id,
            host=host,
        )
    if isinstance(failure, (TransportError, StreamError)):
        return OperationalError(
            _describe(failure.message, host, query_id), query_id=query_id, host=host
        )
    return DatabaseError(_describe(failure.message, host, query_id), query_id=query_id, host=host)
