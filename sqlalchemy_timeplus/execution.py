"""The execution context: bulk INSERTs go to the driver without SQLAlchemy's per-row work, and
results are fetched from the driver's lazy cursor as they are asked for.

Results: the driver's cursor already holds at most one batch of a running query, so the
dialect needs no server-side cursor. SQLAlchemy would still, for ``stream_results`` or
``yield_per``, wrap it in a ``BufferedRowCursorFetchStrategy`` that fetches the first row
inside ``execute()``: on a streaming query, ``execute()`` would then wait for the first event.
The context's own fetch strategy (the default one, as a distinct object, which SQLAlchemy
leaves in place) fetches nothing before it is asked: iteration takes one row at a time,
``yield_per(n)`` and ``partitions(n)`` n at a time.

Bulk INSERTs:

``conn.execute(table.insert(), rows)`` (and pandas' ``DataFrame.to_sql``, which does exactly
that) makes SQLAlchemy build a new parameter dict per row: ``construct_params`` looks every bind
up, then the bind processors run, about 3 µs per row of 4 columns — more than the driver needs
to encode and send the row. That work changes nothing when

* the statement is a plain compiled INSERT whose binds are exactly the row dicts' keys (no
  literal values, defaults computed in Python, escaped bind names, post-compile parameters,
  schema translation or RETURNING), and
* none of those binds has a bind processor (the types pandas and most tables use have none).

In that case, for executemany, each row's values are read with ``operator.itemgetter`` (one C
call per row) in placeholder order, and the driver gets the statement with ``%s`` placeholders
and those tuples: the same values ``construct_params`` would have produced. Any other statement,
or any row whose keys differ (a missing value, an extra key), takes SQLAlchemy's own path, with
its own checks and messages. ``compiled_parameters`` keeps the caller's dicts.

This overrides ``DefaultExecutionContext._init_compiled``, which is not public API: the
override calls it for the first row and then replaces the statement and parameter lists; the
test suite runs it on SQLAlchemy 1.4 and 2.x.
"""

from __future__ import annotations

import operator
import re
from typing import Any, Optional

from sqlalchemy.engine import cursor as sa_cursor
from sqlalchemy.engine import default

from timeplus_dbapi.protocol.jsoncodec import collector_paused

__all__ = ["TimeplusExecutionContext"]


_PYFORMAT_BIND = re.compile(r"%\((\w+)\)s")


class _BulkRows:
    """A bulk INSERT's rows as the driver gets them: the statement with ``%s`` placeholders and
    one tuple per row (in placeholder order), plus the caller's dicts (SQLAlchemy's record)."""

    def __init__(self, statement: str, values: list[tuple[Any, ...]], dicts: list[Any]) -> None:
        self.statement = statement
        self.values = values
        self.dicts = dicts


def _bulk_rows(compiled: Any, parameters: Any) -> Optional[_BulkRows]:
    """The rows of an executemany INSERT that SQLAlchemy's per-row processing would not change,
    or None to let SQLAlchemy process them."""
    if not compiled.isinsert or type(parameters) not in (list, tuple) or len(parameters) < 2:
        return None
    if (
        compiled.positional
        or compiled.escaped_bind_names
        or compiled.insert_prefetch
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled.schema_translate_map
        or getattr(compiled, "effective_returning", None)
        or getattr(compiled, "returning", None)
    ):
        return None
    order = _PYFORMAT_BIND.findall(compiled.string)
    names = frozenset(compiled.bind_names.values())
    if not order or len(order) != len(names) or names != frozenset(order):
        return None  # a bind used twice, or one not rendered as %(name)s
    processors = compiled._bind_processors
    if any(name in processors for name in names):
        return None
    # Every row a dict with exactly these keys: same length, and every name found. C-level
    # passes; a missing key ends the fast path and SQLAlchemy reports it its own way.
    width = len(order)
    if set(map(type, parameters)) != _DICT_ONLY or not all(
        map(width.__eq__, map(len, parameters))
    ):
        return None
    try:
        with collector_paused():  # a million new tuples would trigger a dozen full heap scans
            if width == 1:
                values = [(value,) for value in map(operator.itemgetter(order[0]), parameters)]
            else:
                values = list(map(operator.itemgetter(*order), parameters))
    except KeyError:
        return None
    statement = _PYFORMAT_BIND.sub("%s", compiled.string)
    return _BulkRows(statement, values, list(parameters))


_DICT_ONLY = {dict}


class TimeplusExecutionContext(default.DefaultExecutionContext):
    # fetches only when asked, also with stream_results / yield_per (see the module docstring)
    cursor_fetch_strategy = sa_cursor.CursorFetchStrategy()

    @classmethod
    def _init_compiled(
        cls,
        dialect: Any,
        connection: Any,
        dbapi_connection: Any,
        execution_options: Any,
        compiled: Any,
        parameters: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        rows = _bulk_rows(compiled, parameters)
        first = parameters if rows is None else rows.dicts[:1]
        self: Any = super()._init_compiled(
            dialect,
            connection,
            dbapi_connection,
            execution_options,
            compiled,
            first,
            *args,
            **kwargs,
        )
        if rows is not None:
            self.compiled_parameters = rows.dicts
            self.statement = rows.statement
            self.parameters = rows.values
            if hasattr(self, "execute_style"):  # SQLAlchemy 2.x
                from sqlalchemy.engine.interfaces import ExecuteStyle

                self.execute_style = ExecuteStyle.EXECUTEMANY
            else:  # SQLAlchemy 1.4
                self.executemany = True
        return self
