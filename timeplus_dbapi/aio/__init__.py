"""asyncio driver: ``conn = await aio.connect(dsn)``, then ``await cur.execute(...)``,
``await cur.fetchmany(n)``, ``async for row in cur``.

The same DSN, options, exceptions and semantics as the sync driver (:mod:`timeplus_dbapi`):
SSE framing, the query event state machine, converters, literals, the error table, the ingest
encoder and the DSN are shared with it; errors are the classes of :mod:`timeplus_dbapi`
(also attributes of the connection); only the I/O differs (aiohttp, see
:mod:`timeplus_dbapi.aio.transport`). Needs the ``async`` extra.
"""

from __future__ import annotations

from typing import Any, Optional

try:
    import aiohttp  # noqa: F401
except ImportError as missing:
    raise ImportError(
        "timeplus_dbapi.aio needs aiohttp: install the 'async' extra "
        "(pip install 'sqlalchemy-timeplus[async]')"
    ) from missing

from ..dsn import resolve_params
from .client import AsyncTimeplusClient
from .connection import AsyncConnection
from .cursor import AsyncCursor

__all__ = ["AsyncConnection", "AsyncCursor", "AsyncTimeplusClient", "connect"]


async def connect(dsn: Optional[str] = None, **kwargs: Any) -> AsyncConnection:
    """Open an asyncio connection; keywords override DSN values (see ``timeplus_dbapi.dsn``)."""
    return AsyncConnection(resolve_params(dsn, kwargs))
