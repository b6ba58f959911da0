"""Timeplus query constructs that work with SQLAlchemy 1.4 and 2.x.

* :func:`table` — ``table(stream) AS stream``: the stream's stored rows (a bounded, historical
  read) as a FROM element with the stream's columns.
* :func:`tumble`, :func:`hop`, :func:`session` — the window table functions; the result has the
  stream's columns plus ``window_start`` and ``window_end``. ``historical=True`` windows over
  ``table(stream)``.
* :func:`emit` and :func:`settings` — ``EMIT ...`` and ``SETTINGS k=v`` clauses on a select
  (Core or ORM). They travel as statement hints for the ``timeplus`` dialect, so other dialects
  ignore them; the compiler renders EMIT before one merged SETTINGS clause, after LIMIT/OFFSET.
* :func:`select` — ``select()`` whose result has ``.emit(...)`` and ``.settings(...)`` methods.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Optional, TypeVar, Union

import sqlalchemy
from sqlalchemy import column, func
from sqlalchemy import types as sqltypes
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.sql.visitors import InternalTraversal

from timeplus_dbapi.literals import render_literal

from . import types as tp

__all__ = ["TimeplusSelect", "emit", "hop", "select", "session", "settings", "table", "tumble"]

StreamLike = Union[TableClause, str, Any]
_S = TypeVar("_S")

_SHORT_INTERVAL = re.compile(r"\d+(ns|us|ms|s|m|h|d|w|M|q|y)\Z")
_EMIT_TEXT = re.compile(r"[A-Za-z0-9_ ]+\Z")
_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_WINDOW_TYPE = tp.DateTime64(3, "UTC")


def _stream_table(stream: StreamLike) -> TableClause:
    """A table clause from a Table, ``sqlalchemy.table()``, a mapped class or a stream name."""
    if isinstance(stream, str):
        return sqlalchemy.table(stream)
    found = getattr(stream, "__table__", stream)
    if not isinstance(found, TableClause):
        raise sqlalchemy.exc.ArgumentError(
            f"expected a Table, a table(), a mapped class or a name, not {type(stream).__name__}"
        )
    return found


class StreamReference(ColumnElement):  # type: ignore[type-arg]
    """A stream's name as a table-function argument: ``s`` or ``table(s)``."""

    __visit_name__ = "timeplus_stream_reference"
    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012
        ("name", InternalTraversal.dp_string),
        ("schema", InternalTraversal.dp_string),
        ("historical", InternalTraversal.dp_boolean),
    ]

    def __init__(self, stream: TableClause, historical: bool = False) -> None:
        self.name = stream.name
        self.schema = stream.schema
        self.historical = historical
        self.type = sqltypes.NullType()


@compiles(StreamReference)
def _compile_stream_reference(element: StreamReference, compiler: Any, **kw: Any) -> str:
    prefix = f"{compiler.preparer.quote_schema(element.schema)}." if element.schema else ""
    name = prefix + compiler.preparer.quote(element.name)
    return f"table({name})" if element.historical else name


class BareName(ColumnElement):  # type: ignore[type-arg]
    """An unqualified column name (the time column argument of a window function)."""

    __visit_name__ = "timeplus_bare_name"
    inherit_cache = True
    _traverse_internals = [("name", InternalTraversal.dp_string)]  # noqa: RUF012

    def __init__(self, name: str) -> None:
        self.name = name
        self.type = sqltypes.NullType()


@compiles(BareName)
def _compile_bare_name(element: BareName, compiler: Any, **kw: Any) -> str:
    return str(compiler.preparer.quote(element.name))


class IntervalLiteral(ColumnElement):  # type: ignore[type-arg]
    """A window size: Timeplus shorthand (``5s``, ``1h``) or ``INTERVAL n UNIT``."""

    __visit_name__ = "timeplus_interval"
    inherit_cache = True
    _traverse_internals = [("text", InternalTraversal.dp_string)]  # noqa: RUF012

    def __init__(self, value: Union[str, datetime.timedelta]) -> None:
        self.text = interval_text(value)
        self.type = sqltypes.NullType()


@compiles(IntervalLiteral)
def _compile_interval(element: IntervalLiteral, compiler: Any, **kw: Any) -> str:
    return element.text


def interval_text(value: Union[str, datetime.timedelta]) -> str:
    """``"5s"`` stays as is (validated); a timedelta becomes ``INTERVAL n SECOND`` (or ms/us)."""
    if isinstance(value, datetime.timedelta):
        micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
        if micros <= 0:
            raise sqlalchemy.exc.ArgumentError(f"window interval must be positive, not {value}")
        for unit, size in (("SECOND", 1_000_000), ("MILLISECOND", 1_000), ("MICROSECOND", 1)):
            if micros % size == 0:
                return f"INTERVAL {micros // size} {unit}"
    if isinstance(value, str) and _SHORT_INTERVAL.match(value.strip()):
        return value.strip()
    raise sqlalchemy.exc.ArgumentError(
        f"interval must be a timedelta or shorthand like '5s', '1m', '2h', not {value!r}"
    )


def table(stream: StreamLike, name: Optional[str] = None) -> Any:
    """``table(stream) AS name``: a historical (bounded) read of the stream's stored rows."""
    source = _stream_table(stream)
    columns = [column(c.name, c.type) for c in source.columns]
    reference = StreamReference(source)
    return func.table(reference).table_valued(*columns, name=name or source.name)


def _window(
    kind: str,
    stream: StreamLike,
    intervals: list[Union[str, datetime.timedelta]],
    time_column: Union[str, Any, None],
    historical: bool,
    name: Optional[str],
) -> Any:
    source = _stream_table(stream)
    args: list[Any] = [StreamReference(source, historical)]
    if time_column is not None:
        args.append(BareName(time_column if isinstance(time_column, str) else time_column.name))
    args.extend(IntervalLiteral(i) for i in intervals)
    columns = [column(c.name, c.type) for c in source.columns]
    columns += [column("window_start", _WINDOW_TYPE), column("window_end", _WINDOW_TYPE)]
    return getattr(func, kind)(*args).table_valued(*columns, name=name or f"{kind}_window")


def tumble(
    stream: StreamLike,
    size: Union[str, datetime.timedelta],
    *,
    time_column: Union[str, Any, None] = None,
    historical: bool = False,
    name: Optional[str] = None,
) -> Any:
    """Fixed, non-overlapping windows: ``tumble(stream, size, *, time_column=None,
    historical=False, name=None)``.

    Renders Timeplus's ``tumble(stream[, time_column], size) AS name``: in the SQL the time
    column (``_tp_time`` when not given) comes before the size; in Python it is a keyword.
    """
    return _window("tumble", stream, [size], time_column, historical, name)


def hop(
    stream: StreamLike,
    step: Union[str, datetime.timedelta],
    size: Union[str, datetime.timedelta],
    *,
    time_column: Union[str, Any, None] = None,
    historical: bool = False,
    name: Optional[str] = None,
) -> Any:
    """Overlapping windows: ``hop(stream, step, size, *, time_column=None, historical=False,
    name=None)``.

    Renders ``hop(stream[, time_column], step, size) AS name`` (the time column, a keyword in
    Python, comes first in the SQL).
    """
    return _window("hop", stream, [step, size], time_column, historical, name)


def session(
    stream: StreamLike,
    timeout: Union[str, datetime.timedelta],
    *,
    time_column: Union[str, Any, None] = None,
    historical: bool = False,
    name: Optional[str] = None,
) -> Any:
    """Windows split by inactivity: ``session(stream, timeout, *, time_column=None,
    historical=False, name=None)``.

    Renders ``session(stream[, time_column], timeout) AS name`` (the time column, a keyword in
    Python, comes first in the SQL).
    """
    return _window("session", stream, [timeout], time_column, historical, name)


# --- EMIT / SETTINGS ----------------------------------------------------------------------------


def emit(statement: _S, clause: str) -> _S:
    """Add ``EMIT <clause>`` to a select, e.g. ``emit(stmt, "PERIODIC 2s")``."""
    text = " ".join(clause.split())
    if text.upper().startswith("EMIT "):
        text = text[5:]
    if not text or not _EMIT_TEXT.match(text):
        raise sqlalchemy.exc.ArgumentError(
            f"EMIT clause must be words and interval shorthands like 'PERIODIC 2s', not {clause!r}"
        )
    result: _S = statement.with_statement_hint(f"EMIT {text}", "timeplus")  # type: ignore[attr-defined]
    return result


def settings(statement: _S, **values: Any) -> _S:
    """Add ``SETTINGS k=v, ...`` to a select; values are rendered as literals."""
    if not values:
        raise sqlalchemy.exc.ArgumentError("settings() needs at least one setting")
    bad = [k for k in values if not _SETTING_NAME.match(k)]
    if bad:
        raise sqlalchemy.exc.ArgumentError(f"invalid setting names: {bad!r}")
    text = ", ".join(f"{key}={render_literal(value)}" for key, value in values.items())
    result: _S = statement.with_statement_hint(f"SETTINGS {text}", "timeplus")  # type: ignore[attr-defined]
    return result


class TimeplusSelect(Select):  # type: ignore[type-arg]
    """A ``Select`` with ``.emit()`` and ``.settings()``; build it with :func:`select`."""

    inherit_cache = True

    def emit(self, clause: str) -> TimeplusSelect:
        return emit(self, clause)

    def settings(self, **values: Any) -> TimeplusSelect:
        return settings(self, **values)


def select(*entities: Any) -> TimeplusSelect:
    """``sqlalchemy.select(*entities)`` with Timeplus ``.emit()``/``.settings()`` methods."""
    create_future = getattr(TimeplusSelect, "_create_future_select", None)
    if create_future is not None:  # SQLAlchemy 1.4
        built: TimeplusSelect = create_future(*entities)
        return built
    return TimeplusSelect(*entities)
