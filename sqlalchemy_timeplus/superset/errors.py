"""Timeplus failures as Superset sees them: PEP 249 classes -> Superset's DB-API exceptions, and
server error codes -> Superset error types with a message that says what to do.

The server code comes from the driver's exception (``timeplus_dbapi.Error.code``, the codes of
the one error table in :mod:`timeplus_dbapi.errors`); Superset may have wrapped it (its own
DB-API exception, or SQLAlchemy's), so the cause chain is searched for it. Failures without a
server code (host unreachable, a wrong API key answered without a body) are matched by message
(``CUSTOM_ERRORS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

from superset.db_engine_specs.exceptions import (
    SupersetDBAPIConnectionError,
    SupersetDBAPIDatabaseError,
    SupersetDBAPIDataError,
    SupersetDBAPIError,
    SupersetDBAPIOperationalError,
    SupersetDBAPIProgrammingError,
)
from superset.errors import ErrorLevel, SupersetError, SupersetErrorType

import timeplus_dbapi

__all__ = [
    "CUSTOM_ERRORS",
    "DBAPI_EXCEPTIONS",
    "STREAMING_CHART_MARK",
    "StreamingChartQueryError",
    "driver_error",
    "mapped_exception",
    "server_code_errors",
]

# Server error codes (Proton's ErrorCodes, as in timeplus_dbapi.errors).
UNKNOWN_IDENTIFIER, NO_SUCH_COLUMN_IN_STREAM, UNKNOWN_STREAM, UNKNOWN_DATABASE = 47, 16, 60, 81
SYNTAX_ERROR = 62
AUTHENTICATION_FAILED, UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD = 516, 192, 193, 194
ACCESS_DENIED = 497
TIMEOUT_EXCEEDED, SOCKET_TIMEOUT = 159, 209
MEMORY_LIMIT_EXCEEDED = 241

DBAPI_EXCEPTIONS: dict[type[Exception], type[Exception]] = {
    timeplus_dbapi.Error: SupersetDBAPIError,
    timeplus_dbapi.InterfaceError: SupersetDBAPIError,
    timeplus_dbapi.DatabaseError: SupersetDBAPIDatabaseError,
    timeplus_dbapi.DataError: SupersetDBAPIDataError,
    timeplus_dbapi.OperationalError: SupersetDBAPIOperationalError,
    timeplus_dbapi.IntegrityError: SupersetDBAPIDatabaseError,
    timeplus_dbapi.InternalError: SupersetDBAPIDatabaseError,
    timeplus_dbapi.ProgrammingError: SupersetDBAPIProgrammingError,
    timeplus_dbapi.NotSupportedError: SupersetDBAPIDatabaseError,
}


STREAMING_CHART_MARK = "reads a Timeplus stream live and would wait for new events"


class StreamingChartQueryError(SupersetDBAPIProgrammingError):  # type: ignore[misc,unused-ignore]
    """A chart query that would stream forever: refused before it is sent (its message
    contains :data:`STREAMING_CHART_MARK`)."""


def mapped_exception(exc: Exception) -> Exception:
    """Superset's exception for a driver exception (message kept; the driver error stays the
    cause when raised ``from``). A transport failure (no server code) is a connection error."""
    target = DBAPI_EXCEPTIONS.get(type(exc))
    if isinstance(exc, timeplus_dbapi.OperationalError) and exc.code is None:
        target = SupersetDBAPIConnectionError
    if target is None:
        return exc
    mapped: Exception = target(str(exc))
    return mapped


def driver_error(exc: BaseException) -> Optional[timeplus_dbapi.Error]:
    """The driver exception in ``exc``'s chain (``orig`` of SQLAlchemy errors, causes)."""
    seen: set[int] = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, timeplus_dbapi.Error):
            return current
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else (
            current.__cause__ or current.__context__
        )
    return None


@dataclass(frozen=True)
class _Rule:
    error_type: SupersetErrorType
    message: str  # %(detail)s is the server's message; named groups of `pattern` fill the rest
    pattern: Optional[re.Pattern[str]] = None
    invalid: tuple[str, ...] = ()  # database form fields Superset marks as wrong


_DENIED = _Rule(
    SupersetErrorType.CONNECTION_ACCESS_DENIED_ERROR,
    "Timeplus rejected the credentials (user and password, or API key).",
    invalid=("username", "password"),
)
_TIMEOUT = _Rule(
    SupersetErrorType.CONNECTION_DATABASE_TIMEOUT,
    "The query ran longer than Timeplus allows and was stopped (%(detail)s). Narrow the time "
    "range or add filters.",
)
_NO_COLUMN = _Rule(
    SupersetErrorType.COLUMN_DOES_NOT_EXIST_ERROR,
    'The column "%(column)s" does not exist.',
    re.compile(r"Missing columns: '(?P<column>[^']+)'|column (?P<quoted>\S+)"),
)
_RULES: dict[int, _Rule] = {
    UNKNOWN_STREAM: _Rule(
        SupersetErrorType.TABLE_DOES_NOT_EXIST_ERROR,
        'The stream "%(stream)s" does not exist.',
        re.compile(r"Stream (?P<stream>\S+) doesn't exist"),
    ),
    UNKNOWN_DATABASE: _Rule(
        SupersetErrorType.SCHEMA_DOES_NOT_EXIST_ERROR,
        'The database "%(database)s" does not exist.',
        re.compile(r"Database (?P<database>\S+) doesn't exist"),
    ),
    UNKNOWN_IDENTIFIER: _NO_COLUMN,
    NO_SUCH_COLUMN_IN_STREAM: _NO_COLUMN,
    SYNTAX_ERROR: _Rule(
        SupersetErrorType.SYNTAX_ERROR,
        "Timeplus could not parse the query: %(detail)s",
        re.compile(r"Syntax error: (?P<detail>.+)"),
    ),
    AUTHENTICATION_FAILED: _DENIED,
    UNKNOWN_USER: _DENIED,
    WRONG_PASSWORD: _DENIED,
    REQUIRED_PASSWORD: _Rule(
        SupersetErrorType.CONNECTION_MISSING_PARAMETERS_ERROR,
        "Timeplus needs a password (or an API key) for this connection.",
        invalid=("password",),
    ),
    ACCESS_DENIED: _Rule(
        SupersetErrorType.CONNECTION_DATABASE_PERMISSIONS_ERROR,
        "The Timeplus user may not do this: %(detail)s",
    ),
    TIMEOUT_EXCEEDED: _TIMEOUT,
    SOCKET_TIMEOUT: _TIMEOUT,
    MEMORY_LIMIT_EXCEEDED: _Rule(
        SupersetErrorType.GENERIC_DB_ENGINE_ERROR,
        "Timeplus ran out of memory for this query (%(detail)s). Group by fewer keys, narrow "
        "the time range, or ask for fewer rows.",
    ),
}


_CONTEXT = re.compile(r"\s*\[host [^\]]*\]$")
_CODE_IN_CONTEXT = re.compile(r"\[host [^\]]*\bcode (\d+)\]$")
_STATUS_PREFIX = re.compile(r"^(?:server error )?\(HTTP \d+\):\s*")


def _code_and_detail(exc: Any) -> tuple[Optional[int], str]:
    """The server code and the server's own words (without the driver's ``[host ...]``
    context), from the driver exception in ``exc``'s chain or, as SQL Lab passes only the
    text, from the message the driver wrote (``[host h, HTTP 400, code 60]``)."""
    error = driver_error(exc) if isinstance(exc, BaseException) else None
    text = error.message if error is not None else str(exc)
    code = error.code if error is not None else None
    if error is None and (found := _CODE_IN_CONTEXT.search(text)):
        code = int(found.group(1))
    return code, _STATUS_PREFIX.sub("", _CONTEXT.sub("", text)).strip()


def server_code_errors(exc: Any, engine_name: str) -> Optional[list[SupersetError]]:
    """A SupersetError for a failure with a known server code (or a refused streaming chart
    query); None when the code is unknown or absent. ``exc`` is an exception or its text."""
    if isinstance(exc, StreamingChartQueryError) or STREAMING_CHART_MARK in str(exc):
        refused = {"engine_name": engine_name, "timeplus_error": "streaming_query_in_chart"}
        return [SupersetError(message=str(exc), level=ErrorLevel.ERROR, extra=refused,
                              error_type=SupersetErrorType.GENERIC_DB_ENGINE_ERROR)]
    code, detail = _code_and_detail(exc)
    rule = _RULES.get(code) if code is not None else None
    if rule is None:
        return None
    found = rule.pattern.search(detail) if rule.pattern else None
    groups = {key: value for key, value in (found.groupdict() if found else {}).items() if value}
    params = {"detail": detail, **groups}
    if "column" not in params and "quoted" in params:
        params["column"] = params["quoted"].strip("'`\"")
    try:
        message = rule.message % params
    except KeyError:  # the pattern did not find the name: show the server's message
        message = detail
    extra: dict[str, Any] = {"engine_name": engine_name, "timeplus_code": code}
    if rule.invalid:
        extra["invalid"] = list(rule.invalid)
    return [SupersetError(message=message, error_type=rule.error_type, level=ErrorLevel.ERROR,
                          extra=extra)]


# Failures without a server code, matched by the driver's message.
CUSTOM_ERRORS: dict[re.Pattern[str], tuple[str, SupersetErrorType, dict[str, Any]]] = {
    re.compile(r"Authentication failed|HTTP 401|HTTP 403"): (
        _DENIED.message,
        SupersetErrorType.CONNECTION_ACCESS_DENIED_ERROR,
        {"invalid": ["username", "password"]},
    ),
    re.compile(r"connection failed on .*\[host (?P<host>[^\],]+)"): (
        'Timeplus at "%(host)s" cannot be reached.',
        SupersetErrorType.CONNECTION_HOST_DOWN_ERROR,
        {"invalid": ["host", "port"]},
    ),
    re.compile(r"timed out.*\[host (?P<host>[^\],]+)"): (
        'Timeplus at "%(host)s" did not answer in time (the connection\'s timeout).',
        SupersetErrorType.CONNECTION_DATABASE_TIMEOUT,
        {},
    ),
}
