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

__all__ = ["Connection", "ConnectionBase", "InsecureConnectionWarning", "transport_config"]

logger = logging.getLogger(__name__)


class InsecureConnectionWarning(UserWarning):
    """TLS certificate verification was turned off."""


def transport_config(params: ConnectionParams) -> HttpConfig:
    """The HTTP settings of a connection (sync or asyncio); warns when TLS certificates are
    not verified."""
    if params.secure and params.verify is False:
        warnings.warn(
            f"TLS certificate verification is disabled for {params.host}",
            InsecureConnectionWarning,
            stacklevel=4,
        )
    return HttpConfig(
        base_url=params.base_url,
        api_key=params.api_key,
        user=params.user,
        password=params.password,
        verify=params.verify,
        timeout=params.timeout,
        workspace=params.workspace,
        database=None if params.database == "default" else params.database,
    )


class ConnectionBase:
    """What the sync and the asyncio connection hold alike: the PEP 249 exception classes as
    attributes, the parameters, the closed state and the set of open cursors; no I/O."""

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
    _label = "timeplus_dbapi.Connection"

    def __init__(self, params: ConnectionParams) -> None:
        self.params = params
        self._cursors: weakref.WeakSet[Any] = weakref.WeakSet()
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<{self._label} {self.params.base_url} {state}>"

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise InterfaceError("the connection is closed")

    def _track(self, cursor: Any) -> None:
        self._check_open()
        self._cursors.add(cursor)

    def _forget(self, cursor: Any) -> None:
        self._cursors.discard(cursor)


class Connection(ConnectionBase):
    """A connection to one Timeplus workspace."""

    def __init__(self, params: ConnectionParams) -> None:
        super().__init__(params)
        config = transport_config(params)
        self.client = TimeplusClient(
            HttpTransport(config), ingest_max_bytes=params.ingest_max_bytes
        )
        logger.debug("connection to %s", params.base_url)

    def cursor(self) -> Cursor:
        self._check_open()
        cursor = Cursor(self)
        self._track(cursor)
        return cursor

    def commit(self) -> None:
        """No-op: Timeplus has no transactions; every statement takes effect at once."""
        self._check_open()

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
