"""Columnar reads of a result: Arrow tables and record-batch streams, pandas, polars, NumPy.

The cursor's ``arrow()``, ``fetch_record_batch()``, ``df()``, ``pl()`` and ``fetchnumpy()``
(names as in duckdb) delegate here. Each reads the rest of the current result as decoded
batches (``StreamingResult.raw_batches``) and converts whole columns with
:class:`.columnar.ArrowResultBuilder`; pandas, polars and NumPy results are made from the Arrow
columns. A stream that fails or ends early raises, as with the row API, and nothing partial is
returned; any failure cancels the server query.

pandas dtypes: nullable integers, floats and bools become the masked ``Int64``/``Float64``/
``boolean`` dtypes (a NULL is ``pd.NA``, distinct from NaN); the others keep NumPy dtypes;
datetimes are tz-aware in the column's zone at the column's precision (``datetime64[ns, UTC]``
for ``datetime64(9, 'UTC')``); decimals are ``Decimal`` objects; enums are categoricals of the
declared labels; arrays, maps and tuples are Python lists, dicts and dicts by field name.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .columnar import ArrowResultBuilder, import_optional
from .errors import ProgrammingError
from .result import StreamingResult
from .typesystem import TypeSpec, parse_result_type

__all__ = [
    "BUILD_ROWS",
    "RecordBatcher",
    "fetch_arrow",
    "fetch_df",
    "fetch_numpy",
    "fetch_polars",
    "fetch_record_batch",
    "frame_from_arrow",
    "numpy_from_arrow",
    "polars_from_arrow",
]

BUILD_ROWS = 16384  # rows decoded before they are converted together (bounded memory)
_MASKED_KINDS = frozenset(
    "int8 int16 int32 int64 uint8 uint16 uint32 uint64 float32 float64 bfloat16 bool".split()
)
_WIDE_INTS = frozenset(("int128", "uint128", "int256", "uint256"))
_PYTHON_VALUE_KINDS = frozenset(
    "array map tuple point ring line_string polygon multi_line_string multi_polygon".split()
)


class RecordBatcher:
    """Decoded server batches in, Arrow record batches out; no I/O (the sync and asyncio
    readers feed it). Batches of ``rows`` rows, or (``eager``) each server batch at once, split
    to at most ``rows``: a live query's reader waits for no more rows than it has.

    Each decoded batch is transposed at once and appended to per-column lists: the row lists die
    young, so the garbage collector never walks a growing heap of them.
    """

    def __init__(self, builder: ArrowResultBuilder, rows: int, eager: bool) -> None:
        self.builder, self.rows, self.eager = builder, rows, eager
        self.pending: list[list[Any]] = [[] for _ in builder.builders]
        self.count = 0

    def add(self, batch: list[list[Any]]) -> list[Any]:
        """Take one decoded batch; returns the record batches now complete."""
        for values, column in zip(self.pending, self.builder.transpose(batch)):
            values.extend(column)
        self.count += len(batch)
        done = []
        while self.count >= self.rows or (self.count and self.eager):
            take = min(self.rows, self.count)
            chunk = [values[:take] for values in self.pending]
            self.pending = [values[take:] for values in self.pending]
            self.count -= take
            done.append(self.builder.from_columns(chunk, take))
        return done

    def finish(self) -> list[Any]:
        """The record batch of the rows still pending, at the end of the result."""
        if not self.count:
            return []
        self.count = 0
        return [self.builder.from_columns(self.pending, len(self.pending[0]))]


def _batches(
    result: StreamingResult, builder: ArrowResultBuilder, rows: int, eager: bool
) -> Iterator[Any]:
    """The record batches of the rest of ``result`` (see :class:`RecordBatcher`); any failure
    closes the result, cancelling the server query."""
    batcher = RecordBatcher(builder, rows, eager)
    try:
        for batch in result.raw_batches():
            yield from batcher.add(batch)
        yield from batcher.finish()
    except BaseException:
        result.close()
        raise


def fetch_arrow(result: StreamingResult, feature: str = "cursor.arrow()") -> Any:
    """The rest of the result as one ``pyarrow.Table``."""
    pa = import_optional("pyarrow", feature)
    builder = ArrowResultBuilder.from_header(result.columns)
    batches = list(_batches(result, builder, BUILD_ROWS, eager=False))
    return pa.Table.from_batches(batches, schema=builder.schema)


def fetch_record_batch(result: StreamingResult, rows_per_batch: int) -> Any:
    """A ``pyarrow.RecordBatchReader`` over the rest of the result, read as it is consumed."""
    pa = import_optional("pyarrow", "cursor.fetch_record_batch()")
    if not isinstance(rows_per_batch, int) or rows_per_batch < 1:
        raise ProgrammingError(f"rows_per_batch must be a positive int, not {rows_per_batch!r}")
    builder = ArrowResultBuilder.from_header(result.columns)
    size = min(rows_per_batch, BUILD_ROWS)
    if result.handle.header.is_streaming is not False:  # a live query: batches as they come
        batches = _batches(result, builder, size, eager=True)
    else:
        batches = _joined(pa, _batches(result, builder, size, eager=False), rows_per_batch)
    return pa.RecordBatchReader.from_batches(builder.schema, batches)


def _joined(pa: Any, parts: Iterator[Any], rows: int) -> Iterator[Any]:
    """Record batches of exactly ``rows`` rows (the last may be shorter) from smaller ones:
    Python values are held for one small part at a time, Arrow data for one batch."""
    held: list[Any] = []
    count = 0
    for part in parts:
        held.append(part)
        count += part.num_rows
        while count >= rows:
            table = pa.Table.from_batches(held)
            yield from table.slice(0, rows).combine_chunks().to_batches()
            held, count = table.slice(rows).to_batches(), count - rows
    if count:
        yield from pa.Table.from_batches(held).combine_chunks().to_batches()


def fetch_df(result: StreamingResult) -> Any:
    """The rest of the result as a pandas DataFrame."""
    import_optional("pandas", "cursor.df()")
    specs = [parse_result_type(column.type) for column in result.columns]
    return frame_from_arrow(fetch_arrow(result, "cursor.df()"), specs)


def polars_from_arrow(table: Any) -> Any:
    """A polars DataFrame of an Arrow table (no copy of the column data)."""
    pl = import_optional("polars", "cursor.pl()")
    return pl.from_arrow(table, rechunk=False)


def fetch_polars(result: StreamingResult) -> Any:
    """The rest of the result as a polars DataFrame (from the Arrow table, without copies)."""
    import_optional("polars", "cursor.pl()")
    return polars_from_arrow(fetch_arrow(result, "cursor.pl()"))


def fetch_numpy(result: StreamingResult) -> dict[str, Any]:
    """The rest of the result as ``{column name: NumPy array}``.

    Columns with NULLs are masked arrays (numbers, bools, datetimes) or object arrays holding
    None; tz-aware datetimes are ``datetime64`` in UTC (NumPy has no zones).
    """
    return numpy_from_arrow(fetch_arrow(result, "cursor.fetchnumpy()"))


def numpy_from_arrow(table: Any) -> dict[str, Any]:
    """``{column name: NumPy array}`` of an Arrow table (see :func:`fetch_numpy`)."""
    np = import_optional("numpy", "cursor.fetchnumpy()")
    names = table.column_names
    if len(set(names)) != len(names):
        raise ProgrammingError(f"duplicate column names {names!r}: give each an alias")
    arrays: dict[str, Any] = {}
    for name, column in zip(names, table.columns):
        arrays[name] = _numpy_column(np, column)
    return arrays


def _numpy_column(np: Any, column: Any) -> Any:
    pa = import_optional("pyarrow", "cursor.fetchnumpy()")
    kind = column.type
    plain = pa.types.is_integer(kind) or pa.types.is_floating(kind)
    plain = plain or pa.types.is_boolean(kind) or pa.types.is_timestamp(kind)
    if column.null_count and plain:
        mask = column.is_null().to_numpy(zero_copy_only=False)
        if pa.types.is_timestamp(kind):
            filled = column.cast(pa.int64()).fill_null(0).cast(kind)
        else:
            filled = column.fill_null(False if pa.types.is_boolean(kind) else 0)
        return np.ma.masked_array(filled.to_numpy(), mask=mask)
    return column.to_numpy()


def frame_from_arrow(table: Any, specs: Sequence[TypeSpec]) -> Any:
    """A pandas DataFrame of an Arrow table of a result with these column types."""
    pd = import_optional("pandas", "pandas results")
    series = [_pandas_column(pd, column, spec) for column, spec in zip(table.columns, specs)]
    frame = pd.concat(series, axis=1, ignore_index=True) if series else pd.DataFrame()
    if not series:
        return frame
    frame.columns = list(table.column_names)
    return frame


def _masked_types(pd: Any) -> dict[Any, Any]:
    pa = import_optional("pyarrow", "pandas results")
    return {
        pa.int8(): pd.Int8Dtype(),
        pa.int16(): pd.Int16Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.uint8(): pd.UInt8Dtype(),
        pa.uint16(): pd.UInt16Dtype(),
        pa.uint32(): pd.UInt32Dtype(),
        pa.uint64(): pd.UInt64Dtype(),
        pa.float32(): pd.Float32Dtype(),
        pa.float64(): pd.Float64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }


def _pandas_column(pd: Any, column: Any, spec: TypeSpec) -> Any:
    base = spec.unwrap()
    if base.name == "simple_aggregate_function" and base.type_args:
        base = base.type_args[-1].unwrap()
    if base.name in _WIDE_INTS:
        values = [None if v is None else int(v) for v in column.to_pylist()]
        return pd.Series(values, dtype=object)
    if base.name in _PYTHON_VALUE_KINDS:
        return pd.Series(column.to_pylist(maps_as_pydicts="strict"), dtype=object)
    if spec.is_nullable and base.name in _MASKED_KINDS:
        return column.to_pandas(types_mapper=_masked_types(pd).get)
    return column.to_pandas()
