"""The execution context: bulk INSERTs hand the caller's row dicts to the driver as they are.

``conn.execute(table.insert(), rows)`` (and pandas' ``DataFrame.to_sql``, which does exactly
that) makes SQLAlchemy build a new parameter dict per row: ``construct_params`` looks every bind
up, then the bind processors run, about 3 µs per row of 4 columns — more than the driver needs
to encode and send the row. For a Timeplus INSERT that work changes nothing when

* the statement is a plain compiled INSERT whose binds are exactly the row dicts' keys (no
  literal values, defaults computed in Python, escaped bind names, post-compile parameters,
  schema translation or RETURNING), and
* none of those binds has a bind processor (the types pandas and most tables use have none),

so in that case, for executemany, the dicts are passed through unchanged (they are what
``construct_params`` would have built, key for key and value for value). Any other statement,
or any row whose keys differ (a missing value, an extra key), takes SQLAlchemy's own path, with
its own checks and messages.

This overrides ``DefaultExecutionContext._init_compiled``, which is not public API: the
override calls it for the first row and only replaces the parameter lists, and it is exercised
on SQLAlchemy 1.4 and 2.x by the test suite.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from sqlalchemy.engine import default

__all__ = ["TimeplusExecutionContext"]


def _pass_through_rows(compiled: Any, parameters: Any) -> Optional[list[Any]]:
    """The row dicts when SQLAlchemy's per-row processing would not change them, else None."""
    if not compiled.isinsert or not isinstance(parameters, Sequence) or len(parameters) < 2:
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
    names = frozenset(compiled.bind_names.values())
    processors = compiled._bind_processors
    if any(name in processors for name in names):
        return None
    rows = list(parameters)
    if all(type(row) is dict for row in rows):
        # one C-level pass: every row's keys equal the bind names
        if all(map(operator.eq, map(dict.keys, rows), itertools.repeat(names))):
            return rows
        return None
    for row in rows:
        if not isinstance(row, Mapping) or row.keys() != names:
            return None
    return rows


class TimeplusExecutionContext(default.DefaultExecutionContext):
    @classmethod
    def _init_compiled(  # type: ignore[override]
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
        rows = _pass_through_rows(compiled, parameters)
        first = parameters if rows is None else rows[:1]
        self = super()._init_compiled(
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
            self.compiled_parameters = rows
            self.parameters = rows
            if hasattr(self, "execute_style"):  # SQLAlchemy 2.x
                from sqlalchemy.engine.interfaces import ExecuteStyle

                self.execute_style = ExecuteStyle.EXECUTEMANY
            else:  # SQLAlchemy 1.4
                self.executemany = True
        return self
