"""A pandas ``to_sql`` insertion method that writes through the driver's REST ingest.

``DataFrame.to_sql`` normally renders one INSERT and lets SQLAlchemy build a parameter dict per
row, which costs more than the ingest itself. Passing this module's :func:`ingest_method` as
``method=`` hands pandas' rows straight to ``connection.client.ingest`` (compact JSON, size-capped
requests), with no per-row SQLAlchemy work::

    from sqlalchemy_timeplus.pandas import ingest_method

    frame.to_sql("readings", engine, if_exists="append", index=False, method=ingest_method)

pandas has already turned the values into Python objects (``Timestamp`` → ``datetime``, numpy
scalars → ``int``/``float``/``bool``) and every missing value (``NaN``, ``NaT``, ``None``,
``pd.NA``) into ``None``. Before sending, the stream's columns are read once per call
(``GET /streams/{name}``), and pandas' ``isna`` (vectorised) finds the columns that have missing
values at all. Only when one of those is not nullable are the rows touched: there a missing
float goes back to ``NaN`` (Timeplus stores it as ``nan``), and a missing value of any other type
raises ``ValueError`` naming the column instead of letting the server substitute a default.
Otherwise pandas' rows are sent as they are, without a per-value loop.

Streams in another database (``schema=`` given) cannot be reached through the REST ingest
endpoint, so those writes fall back to one multi-row ``INSERT`` executed by SQLAlchemy.
Like every Timeplus ingest, the write is not transactional: on failure, the rows of earlier
requests are already stored (the driver's exception says how many in ``rows_accepted``).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from timeplus_dbapi.typesystem import parse_type

__all__ = ["ingest_method"]

_FLOAT_TYPES = frozenset({"float32", "float64"})


def ingest_method(
    pd_table: Any, conn: Any, keys: Sequence[str], data_iter: Iterable[Sequence[Any]]
) -> int:
    """pandas ``to_sql(method=...)`` callable: send the rows with the driver's REST ingest.

    ``pd_table`` is pandas' ``SQLTable`` (its ``name`` and ``schema`` are used), ``conn`` the
    SQLAlchemy ``Connection`` pandas opened. Returns the number of rows written.
    """
    if pd_table.schema:
        return _insert_with_sqlalchemy(pd_table, conn, keys, data_iter)
    client = _dbapi_connection(conn).client
    stream = str(pd_table.name)
    kinds = _column_kinds(client.get_stream(stream), _keys_with_missing(pd_table, keys))
    rows = _rows_for_stream(stream, kinds, list(keys), data_iter)
    return int(client.ingest(stream, list(keys), rows))


def _dbapi_connection(conn: Any) -> Any:
    """The driver connection under a SQLAlchemy ``Connection`` (1.4: ``.connection.connection``)."""
    proxied = conn.connection
    raw = getattr(proxied, "dbapi_connection", None)
    if raw is None:
        raw = proxied.connection
    return raw


def _insert_with_sqlalchemy(
    pd_table: Any, conn: Any, keys: Sequence[str], data_iter: Iterable[Sequence[Any]]
) -> int:
    rows = [dict(zip(keys, row)) for row in data_iter]
    if rows:
        conn.execute(pd_table.table.insert(), rows)
    return len(rows)


def _keys_with_missing(pd_table: Any, keys: Sequence[str]) -> set[str]:
    """The keys whose frame column has a missing value (vectorised ``isna``), or may have one."""
    frame = getattr(pd_table, "frame", None)
    found = set()
    for key in keys:
        column = frame[key] if frame is not None and key in frame.columns else None
        if column is None or getattr(column, "ndim", 2) != 1 or bool(column.isna().any()):
            found.add(key)
    return found


def _column_kinds(stream: dict[str, Any], keys: Collection[str]) -> dict[str, bool]:
    """For each key of a non-nullable column: True for a float column, False otherwise."""
    kinds: dict[str, bool] = {}
    for column in stream.get("columns") or []:
        name = column.get("name")
        if name not in keys or column.get("nullable"):
            continue
        spec = parse_type(str(column.get("type", "")))
        if spec.is_nullable:
            continue
        kinds[name] = spec.unwrap().name in _FLOAT_TYPES
    return kinds


def _rows_for_stream(
    stream: str, kinds: dict[str, bool], keys: list[str], data_iter: Iterable[Sequence[Any]]
) -> Iterable[Sequence[Any]]:
    """The rows, with missing values checked or restored in the ``kinds`` columns.

    Only columns that are not nullable and may hold a missing value are in ``kinds`` (usually
    none), so the common case passes pandas' rows through untouched.
    """
    if not kinds:
        return data_iter
    columns = list(zip(*data_iter))
    if not columns:
        return []
    for position, key in enumerate(keys):
        is_float = kinds.get(key)
        if is_float is None or None not in columns[position]:
            continue
        if not is_float:
            raise ValueError(
                f"column {key!r} of stream {stream!r} is not nullable "
                "but the data has missing values"
            )
        columns[position] = tuple(math.nan if v is None else v for v in columns[position])
    return zip(*columns)
