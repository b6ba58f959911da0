"""What a cursor does before and after I/O, shared by the sync cursor and the asyncio one
(``timeplus_dbapi.aio``): checking a statement, planning a query's options, choosing an INSERT's
columns, turning parameter sets into ingest rows, and cutting VALUES inserts into statements.
Nothing here sends a request.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional

from . import sqltext
from .dsn import ConnectionParams, parse_batching_policy, parse_seconds
from .errors import InterfaceError, ProgrammingError
from .literals import render_literal, require_utf8
from .sqltext import InsertTarget
from .valuechecks import RowChecks

__all__ = [
    "QueryPlan",
    "callproc_sql",
    "check_operation",
    "plan_query",
    "route_execute",
    "route_many",
    "rows_from_parameters",
    "stream_columns",
    "values_check",
    "values_statements",
]

_RESERVED_PREFIX = "_tp_"
_FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
CheckRows = Callable[[Sequence[Any], int], None]
_PLAIN_SEQUENCES = (tuple, list)


def check_operation(operation: object) -> None:
    """A statement must be a str of valid UTF-8 (ProgrammingError otherwise)."""
    if not isinstance(operation, str):
        raise ProgrammingError(f"the statement must be a str, not {type(operation).__name__}")
    require_utf8(operation, "the statement", ProgrammingError)


def route_execute(operation: str, parameters: Any) -> tuple[str, Optional[InsertTarget]]:
    """``(kind, ingest target)`` of ``execute()``: an INSERT of placeholders with parameters
    goes to ingest (a target); anything else runs as SQL with the parameters rendered in."""
    kind = sqltext.statement_kind(operation)
    if kind == "insert" and parameters is not None:
        return kind, sqltext.analyze_insert(operation)
    return kind, None


def route_many(operation: str) -> tuple[Optional[InsertTarget], Optional[tuple[str, str, str]]]:
    """``executemany()``'s way: ``(ingest target, None)``, ``(None, VALUES template)`` for
    batched multi-row INSERTs, or ``(None, None)``: one execution per parameter set."""
    if sqltext.statement_kind(operation) != "insert":
        return None, None
    target = sqltext.analyze_insert(operation)
    if target is not None:
        return target, None
    return None, sqltext.split_values_template(operation)


@dataclass(frozen=True)
class QueryPlan:
    """The request for one statement: its SQL and options, and the LIMIT that may end it."""

    sql: str
    kind: str  # sqltext.statement_kind(): query, insert or command
    batching_policy: Optional[dict[str, int]]
    idle_timeout: Optional[float]
    limit_rows: Optional[int]  # a streaming query's top-level LIMIT (may end without finished)

    def request_options(self) -> dict[str, Any]:
        """The keyword arguments of ``client.start_query`` (a SELECT may be re-sent after
        502/503/504 before any result byte arrived)."""
        return {
            "batching_policy": self.batching_policy,
            "idle_timeout": self.idle_timeout,
            "safe_to_retry": self.kind == "query",
        }

    @property
    def waits_for_the_end(self) -> bool:
        """A statement that is not a query answered with no columns (DDL over SSE) is read
        to its end before ``execute()`` returns."""
        return self.kind != "query"


def plan_query(
    settings: ConnectionParams,
    sql: str,
    kind: str,
    query_mode: Optional[str],
    batching_policy: Optional[Mapping[str, int]],
    idle_timeout: Optional[float],
) -> QueryPlan:
    """``execute()``'s options checked as the DSN's are, with the connection's defaults."""
    mode = (query_mode or settings.query_mode).lower()
    if mode not in ("streaming", "table"):
        raise ProgrammingError(f"query_mode must be 'streaming' or 'table', not {mode!r}")
    if mode == "table" and sqltext.is_select(sql):
        sql = sqltext.merge_settings(sql, "query_mode", "'table'")
    try:
        policy = parse_batching_policy(batching_policy) if batching_policy else None
        idle = parse_seconds("idle_timeout", idle_timeout) if idle_timeout is not None else None
    except InterfaceError as error:
        raise ProgrammingError(str(error)) from None
    # Only a streaming query stopped by its LIMIT may end without ``finished``.
    limit = sqltext.top_level_limit(sql) if kind == "query" and mode == "streaming" else None
    return QueryPlan(
        sql,
        kind,
        policy or settings.batching_policy,
        idle if idle is not None else settings.idle_timeout,
        limit,
    )


def values_statements(
    template: tuple[str, str, str],
    seq_of_parameters: Iterable[Any],
    limit: int,
    check: Optional[CheckRows] = None,
    listed: Optional[Sequence[Any]] = None,
) -> Iterator[tuple[str, int]]:
    """Multi-row ``INSERT ... VALUES`` statements of about ``limit`` bytes, with their row
    counts: each parameter set rendered into the template's row. ``check`` sees each
    parameter set as it is read, unless they were ``listed`` (then checked whole before)."""
    head, row, tail = template
    rows: list[str] = []
    size = 0
    for number, parameters in enumerate(seq_of_parameters):
        if check is not None and listed is None:
            check([parameters], number)
        rendered = sqltext.substitute_params(row, parameters, render_literal)
        if rows and size + len(rendered) > limit:
            yield head + ", ".join(rows) + tail, len(rows)
            rows, size = [], 0
        rows.append(rendered)
        size += len(rendered) + 2
    if rows:
        yield head + ", ".join(rows) + tail, len(rows)


def values_check(
    checks: Optional[RowChecks], keys: Sequence[Any], seq_of_parameters: Optional[Sequence[Any]]
) -> Optional[CheckRows]:
    """The check of the bare-placeholder values of an ``INSERT ... VALUES`` sent as SQL
    (``keys`` pick them from a parameter set), run now on ``seq_of_parameters`` when given;
    None when there is nothing to check."""
    if checks is None:
        return None
    active = checks

    def check(parameter_sets: Sequence[Any], first: int = 0) -> None:
        try:
            rows = [[parameters[key] for key in keys] for parameters in parameter_sets]
        except (LookupError, TypeError):
            return  # substitution names the problem
        active.check(rows, first)

    if seq_of_parameters is not None:
        check(seq_of_parameters)
    return check


def callproc_sql(procname: object, parameters: Optional[Sequence[Any]]) -> str:
    """``SELECT procname(p1, p2, ...)`` for ``callproc`` (Timeplus has functions, no stored
    procedures); ``procname`` must be a plain function name, the parameters a sequence."""
    if not isinstance(procname, str) or not _FUNCTION_NAME.fullmatch(procname):
        raise ProgrammingError(f"callproc needs a plain function name, not {procname!r}")
    if parameters is not None and (
        isinstance(parameters, (str, bytes)) or not isinstance(parameters, Sequence)
    ):
        raise ProgrammingError(
            f"callproc parameters must be a sequence, not {type(parameters).__name__}"
        )
    arguments = ", ".join(render_literal(value) for value in parameters or ())
    return f"SELECT {procname}({arguments})"


def stream_columns(target: InsertTarget, stream: Mapping[str, Any]) -> list[str]:
    """Column list of ``INSERT INTO s VALUES ...`` from the stream's description."""
    names = [str(c.get("name")) for c in stream.get("columns") or []]
    width = len(target.placeholders[0])
    user_columns = [n for n in names if not n.startswith(_RESERVED_PREFIX)]
    for candidate in (user_columns, names):
        if len(candidate) == width:
            return candidate
    raise ProgrammingError(
        f"INSERT without a column list has {width} values per row but stream "
        f"{target.stream!r} has {len(user_columns)} columns ({', '.join(user_columns)})"
    )


def rows_from_parameters(target: InsertTarget, seq_of_parameters: Iterable[Any]) -> Iterable[Any]:
    """Rows (value sequences in column order) from the parameters of each execution.

    A list (or tuple) of parameter sets is checked whole before any row is sent, so a bad row
    sends nothing; a list of tuples or lists of the right width (the usual case) is checked by
    C-level passes and used as it is. Other iterables are checked row by row as they are read.
    """
    groups = target.placeholders
    if groups[0][0] is not None:
        rows = _rows_from_mappings(groups, seq_of_parameters)
        return list(rows) if type(seq_of_parameters) in _PLAIN_SEQUENCES else rows
    expected = len(groups[0]) * len(groups)
    if type(seq_of_parameters) in _PLAIN_SEQUENCES:
        if (
            len(groups) == 1
            and all(map(_PLAIN_SEQUENCES.__contains__, map(type, seq_of_parameters)))
            and all(map(expected.__eq__, map(len, seq_of_parameters)))
        ):
            return seq_of_parameters
        return list(_checked_rows(groups, seq_of_parameters, expected))
    return _checked_rows(groups, seq_of_parameters, expected)


def _checked_rows(
    groups: tuple[tuple[Optional[str], ...], ...], seq_of_parameters: Iterable[Any], expected: int
) -> Iterator[Sequence[Any]]:
    for parameters in seq_of_parameters:
        # exact-type test first: abc isinstance checks cost more than the encoding of a row
        if type(parameters) not in _PLAIN_SEQUENCES and (
            isinstance(parameters, (str, bytes)) or not isinstance(parameters, Sequence)
        ):
            raise ProgrammingError(
                f"parameters must be a sequence per row, not {type(parameters).__name__}"
            )
        if len(parameters) != expected:
            raise ProgrammingError(
                f"{len(parameters)} parameters given, the statement uses {expected}"
            )
        if len(groups) == 1:
            yield parameters
        else:
            width = len(groups[0])
            for start in range(0, expected, width):
                yield parameters[start : start + width]


def _rows_from_mappings(
    groups: tuple[tuple[Optional[str], ...], ...], seq_of_parameters: Iterable[Any]
) -> Iterator[Sequence[Any]]:
    """Rows from one mapping per execution; a single VALUES group is read by ``itemgetter``
    (one C call per row), several groups a group at a time."""
    try:
        if len(groups) == 1:
            names = groups[0]
            if len(names) == 1:
                name = names[0]
                yield from ((parameters[name],) for parameters in seq_of_parameters)
            else:
                yield from map(operator.itemgetter(*names), seq_of_parameters)
            return
        for parameters in seq_of_parameters:
            for group in groups:
                yield [parameters[name] for name in group]
    except KeyError as exc:
        raise ProgrammingError(f"no value for parameter {exc.args[0]!r}") from None
    except TypeError as exc:
        raise ProgrammingError(
            f"named placeholders need a mapping of parameters per row ({exc})"
        ) from None
