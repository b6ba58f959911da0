"""pandas DataFrames → ingest rows, converted column by column (vectorised), chunk by chunk.

Used by :meth:`TimeplusClient.ingest_frame`. pandas is imported only when a frame is sent.

Each column of a chunk becomes a list of JSON-native values in one vectorised step:

* integers and booleans (numpy or nullable extension dtypes): Python ints and bools;
* floats: Python floats; ``±inf`` as the strings ``"inf"``/``"-inf"`` (what Timeplus reads);
* datetimes: text as short as exact (pandas picks the precision the column needs:
  ``2024-01-01 00:00:00.007``), UTC with ``Z`` for tz-aware columns (converted to UTC first),
  without a zone for naive ones (the server reads them in the column's time zone);
* strings: as they are; any other object (dates, Decimal, lists, dicts...) through the driver's
  JSON value encoding, as ``executemany`` does.

A missing value (``NaN``, ``NaT``, ``None``, ``pd.NA``) is sent as JSON ``null`` to a nullable
column. For a column that is not nullable, a missing float is sent as ``nan`` (Timeplus stores
it) and any other missing value raises ``DataError`` naming the column: the server would
otherwise silently store a default (0, '', 1970-01-01).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from .errors import DataError, ProgrammingError
from .typesystem import parse_type

__all__ = ["ColumnTarget", "FrameRows", "frame_rows", "stream_targets"]

_FIRST_CHUNK_ROWS = 8192  # small, so that the first request starts early
_CHUNK_ROWS = 65536
_FLOAT_TYPES = frozenset({"float32", "float64"})


@dataclass(frozen=True)
class ColumnTarget:
    """What the stream says of one column: may it hold NULL, and is it a float column."""

    nullable: bool
    is_float: bool


@dataclass
class FrameRows:
    """Rows of a frame, ready for ingest: ``native`` is True when every value is a JSON-native
    int, finite float, str, bool or None (so the fast encoder needs no fallback checks)."""

    columns: list[str]
    rows: Iterator[tuple[Any, ...]]
    native: bool


def stream_targets(stream: Mapping[str, Any]) -> dict[str, ColumnTarget]:
    """Per column name of a stream description (``GET /streams/{name}``): nullability, float."""
    targets: dict[str, ColumnTarget] = {}
    for column in stream.get("columns") or []:
        spec = parse_type(str(column.get("type", "")))
        nullable = bool(column.get("nullable")) or spec.is_nullable
        targets[str(column.get("name"))] = ColumnTarget(
            nullable, spec.unwrap().name in _FLOAT_TYPES
        )
    return targets


def frame_rows(
    frame: Any,
    stream_name: str,
    targets: Mapping[str, ColumnTarget],
    columns: Optional[Sequence[str]] = None,
) -> FrameRows:
    """The rows of ``frame`` as ingest rows, converted a chunk at a time.

    ``columns`` names the stream columns the frame's columns go to, in order (default: the
    frame's column labels as strings). Unknown column names are left to the server to reject.
    """
    names = [str(label) for label in frame.columns] if columns is None else list(columns)
    if len(names) != frame.shape[1]:
        raise ProgrammingError(
            f"{len(names)} column names given for a frame of {frame.shape[1]} columns"
        )
    if len(set(names)) != len(names):
        raise ProgrammingError(f"duplicate column names in {names!r}")
    if not names and len(frame):
        raise ProgrammingError(f"the frame has {len(frame)} rows but no columns to send")
    for j, name in enumerate(names):  # checked whole before anything is sent
        target = targets.get(name)
        if target is None or target.nullable or target.is_float:
            continue
        if bool(frame.iloc[:, j].isna().any()):
            raise DataError(
                f"column {name!r} of stream {stream_name!r} is not nullable "
                "but the data has missing values"
            )
    native = all(_is_native_column(frame.iloc[:, j]) for j in range(len(names)))
    return FrameRows(names, _iter_rows(frame, names, targets), native)


def _iter_rows(
    frame: Any, names: list[str], targets: Mapping[str, ColumnTarget]
) -> Iterator[tuple[Any, ...]]:
    """The rows, chained chunk by chunk (each chunk a ``zip`` of its converted columns)."""

    def chunks() -> Iterator[Iterator[tuple[Any, ...]]]:
        first, size = 0, _FIRST_CHUNK_ROWS
        while first < len(frame):
            end = first + size
            chunk = frame.iloc[first:end]
            values = [
                _column_values(chunk.iloc[:, j], targets.get(name))
                for j, name in enumerate(names)
            ]
            yield zip(*values)
            first, size = end, _CHUNK_ROWS

    return itertools.chain.from_iterable(chunks())


def _is_native_column(series: Any) -> bool:
    """Does the column convert to JSON-native values only (no object needing the encoder)?"""
    import pandas as pd

    dtype = series.dtype
    if _is_datetime(dtype) or _numeric_kind(dtype) is not None:
        return True
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    return inferred in ("string", "empty")


def _is_datetime(dtype: Any) -> bool:
    import pandas as pd

    return isinstance(dtype, pd.DatetimeTZDtype) or getattr(dtype, "kind", "") == "M"


def _numeric_kind(dtype: Any) -> Optional[str]:
    """'b', 'i', 'u' or 'f' for numpy and pandas nullable numeric dtypes, else None."""
    kind = getattr(dtype, "kind", None)
    if kind in ("b", "i", "u", "f"):
        return str(kind)
    return None


def _column_values(series: Any, target: Optional[ColumnTarget]) -> list[Any]:
    """One chunk of one column as a list of JSON-ready values, missing values resolved."""
    import numpy as np
    import pandas as pd

    dtype = series.dtype
    missing = series.isna().to_numpy(dtype=bool)
    has_missing = bool(missing.any())
    # frame_rows refused missing values in columns that are neither nullable nor float
    fill = None if target is None or target.nullable else "nan"
    if isinstance(dtype, pd.CategoricalDtype):
        return _categorical_values(series, target, fill)

    if _is_datetime(dtype):
        values = series
        zone = ""
        if isinstance(dtype, pd.DatetimeTZDtype):
            values = series.dt.tz_convert("UTC").dt.tz_localize(None)
            zone = "Z"
        text = np.array(values.astype(str), dtype=object)  # a writable copy
        if has_missing:
            text[missing] = ""  # NaT: pandas writes 'NaT' or NaN
        if zone:
            text = np.array([t + zone for t in text.tolist()], dtype=object)
        if has_missing:
            text[missing] = fill
        return list(text.tolist())

    kind = _numeric_kind(dtype)
    if kind is not None and kind != "f":
        if not has_missing:
            return list(series.to_numpy().tolist())
        return list(series.to_numpy(dtype=object, na_value=fill).tolist())
    if kind == "f":
        array = series.to_numpy(dtype="float64", na_value=np.nan)
        infinite = np.isinf(array)
        if not has_missing and not infinite.any():
            return list(array.tolist())
        boxed = array.astype(object)
        boxed[infinite & (array > 0)] = "inf"
        boxed[infinite & (array < 0)] = "-inf"
        boxed[missing] = fill
        return list(boxed.tolist())

    boxed = series.to_numpy(dtype=object, copy=has_missing)
    if has_missing:
        boxed[missing] = fill
    return list(boxed.tolist())


def _categorical_values(series: Any, target: Optional[ColumnTarget], fill: Any) -> list[Any]:
    """A categorical chunk: its categories converted as a column of their own dtype (pandas
    would turn integer categories into floats around a missing value), picked by code."""
    import pandas as pd

    values = _column_values(pd.Series(series.cat.categories), target)
    values.append(fill)  # code -1: a missing value
    return [values[code] for code in series.cat.codes.tolist()]
