"""What the sync cursor (:mod:`timeplus_dbapi.cursor`) and the asyncio one
(:mod:`timeplus_dbapi.aio.cursor`) hold alike: PEP 249 attributes, the closed state, the checks
before a statement, and the methods that do nothing."""

from __future__ import annotations

import operator
from typing import Any, Optional, Protocol

from .errors import InterfaceError, ProgrammingError
from .statements import check_operation

__all__ = ["CursorBase"]


class _Owner(Protocol):
    @property
    def closed(self) -> bool: ...


class CursorBase:
    """PEP 249 state of a cursor; no I/O."""

    arraysize: int = 1
    lastrowid: None = None  # Timeplus has no row ids
    _label = "timeplus_dbapi.Cursor"

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.description: Optional[list[tuple[Any, ...]]] = None
        self.rowcount = -1
        self.query_id: Optional[str] = None
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"query {self.query_id}"
        return f"<{self._label} {state}>"

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_statement(self, operation: object) -> None:
        """Before a statement: the cursor and its connection are open, the statement valid."""
        self._check_open()
        owner: _Owner = self.connection
        if owner.closed:
            raise InterfaceError("the connection is closed")
        check_operation(operation)

    def _forget_statement(self) -> None:
        self.description = None
        self.rowcount = -1
        self.query_id = None

    def _check_open(self) -> None:
        if self._closed:
            raise InterfaceError("the cursor is closed")

    def _fetch_size(self, size: Any) -> int:
        """fetchmany's count of rows: ``size``, else ``arraysize``; an int >= 0 (a negative
        or fractional count is an error, not a short or empty answer)."""
        name, chosen = ("size", size) if size is not None else ("arraysize", self.arraysize)
        try:
            count = operator.index(chosen)
        except TypeError:
            count = -1
        if count < 0:
            raise ProgrammingError(f"fetchmany: {name} must be a count of rows (an int >= 0), "
                                   f"not {chosen!r}")
        return count

    def setinputsizes(self, sizes: Any) -> None:
        """Does nothing (PEP 249 allows it)."""

    def setoutputsize(self, size: Any, column: Optional[int] = None) -> None:
        """Does nothing (PEP 249 allows it)."""
