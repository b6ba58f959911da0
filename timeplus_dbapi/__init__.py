"""PEP 249 driver for Timeplus over its REST API v1beta2.

``connect("timeplus://[user[:password]@]host[:port][/workspace][?params]", **kwargs)``.
Queries stream lazily over Server-Sent Events; INSERTs with parameters go to the ingest
endpoint; ``connection.client`` is a REST client for streams, views, ingest and queries.

``threadsafety = 1``: threads may share the module, not connections or cursors (a connection
owns one ``requests.Session``, which is not documented as thread-safe).
"""

from __future__ import annotations

from typing import Any, Optional

from .connection import Connection, InsecureConnectionWarning
from .cursor import Cursor
from .dbtypes import (
    BINARY,
    DATETIME,
    NUMBER,
    ROWID,
    STRING,
    Binary,
    Date,
    DateFromTicks,
    Time,
    TimeFromTicks,
    Timestamp,
    TimestampFromTicks,
)
from .dsn import ConnectionParams, resolve_params
from .errors import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)

__all__ = [
    "BINARY",
    "DATETIME",
    "NUMBER",
    "ROWID",
    "STRING",
    "Binary",
    "Connection",
    "ConnectionParams",
    "Cursor",
    "DataError",
    "DatabaseError",
    "Date",
    "DateFromTicks",
    "Error",
    "InsecureConnectionWarning",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
    "Warning",
    "apilevel",
    "connect",
    "paramstyle",
    "threadsafety",
]

__version__ = "0.1.0"

apilevel = "2.0"
threadsafety = 1
paramstyle = "pyformat"


def connect(dsn: Optional[str] = None, **kwargs: Any) -> Connection:
    """Open a connection. Keywords override DSN values; see ``timeplus_dbapi.dsn``."""
    return Connection(resolve_params(dsn, kwargs))
