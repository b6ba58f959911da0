"""PEP 249 connection: one HTTP session (keep-alive, pooled) per connection.

Timeplus has no transactions: ``commit()`` does nothing and ``rollback()`` never raises.
``close()`` cancels the queries of open cursors on the server. ``client`` is the REST client
(:class:`timeplus_dbapi.client.TimeplusClient`) for streams, views, ingest and query lifecycle.
"""

from __future__ import annotations

import logging
import warnings
import weakref
from typing import Any

from . import errors
from .client import TimeplusClient
from .cursor import Cursor
from .dsn import ConnectionParams
from .errors import InterfaceError
from .protocol.http import HttpConfig, HttpTransport

__all__ = ["Connection", "InsecureConnectionWarning"]

logger = logging.getLogger(__name__)


class InsecureConnectionWarning(UserWarning):
    """TLS certificate verification was turned off."""


class Connection:
    """A connection to one Timeplus workspace."""

    Warning = errors.Warning
    Error = errors.Error
    InterfaceError = errors.InterfaceError
    DatabaseError = errors.DatabaseError
    DataError = errors.DataError
    OperationalError = errors.OperationalError
    IntegrityError = errors.IntegrityError
    InternalError = errors.InternalError
    ProgrammingError = errors.ProgrammingError
    NotSupportedError = errors.NotSupportedError

    def __init__(self, params: ConnectionParams) -> None:
        self.params = params
        if params.secure and params.verify is False:
            warnings.warn(
                f"TLS certificate verification is disabled for {params.host}",
                InsecureConnectionWarning,
                stacklevel=3,
            )
        config = HttpConfig(
            base_url=params.base_url,
            api_key=params.api_key,
            user=params.user,
            password=params.password,
            verify=params.verify,
            timeout=params.timeout,
            workspace=params.workspace,
        )
        self.client = TimeplusClient(
            HttpTransport(config), ingest_max_bytes=params.ingest_max_bytes
        )
        self._cursors: weakref.WeakSet[Cursor] = weakref.WeakSet()
        self._closed = False
        logger.debug("connection to %s", params.base_url)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<timeplus_dbapi.Connection {self.params.base_url} {state}>"

    @property
    def closed(self) -> bool:
        return self._closed

    def cursor(self) -> Cursor:
        if self._closed:
            raise InterfaceError("the connection is closed")
        cursor = Cursor(self)
        self._cursors.add(cursor)
        return cursor

    def _forget(self, cursor: Cursor) -> None:
        self._cursors.discard(cursor)

    def commit(self) -> None:
        """No-op: Timeplus has no transactions; every statement takes effect at once."""
        if self._closed:
            raise InterfaceError("the connection is closed")

    def rollback(self) -> None:
        """No-op: there is nothing to roll back. Never raises."""

    def close(self) -> None:
        """Close every cursor (cancelling running queries on the server), then the session."""
        if self._closed:
            return
        try:
            for cursor in list(self._cursors):
                cursor.close()
        finally:
            self._closed = True
            self.client.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
