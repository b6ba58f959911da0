"""Columnar reads for the asyncio cursor: the sync readers' :class:`RecordBatcher` and Arrow
builders, fed by awaited batches. ``fetch_record_batch`` is an async iterator of
``pyarrow.RecordBatch`` here (a ``RecordBatchReader`` pulls synchronously)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from ..columnar import ArrowResultBuilder, import_optional
from ..dataframes import BUILD_ROWS, RecordBatcher
from ..errors import ProgrammingError

if TYPE_CHECKING:
    from .cursor import _AsyncRows

__all__ = ["read_record_batches", "read_table"]


async def _raw_batches(rows: _AsyncRows) -> AsyncIterator[list[list[Any]]]:
    """The result's decoded batches (``StreamingResult.raw_batches``), each awaited first."""
    batches = rows.result.raw_batches()
    try:
        while True:
            try:
                await rows.handle.prefetch()
                batch = next(batches, None)
            finally:
                await asyncio.shield(rows.handle.settle())
            if batch is None:
                return
            yield batch
    finally:
        batches.close()


async def _record_batches(
    rows: _AsyncRows, builder: ArrowResultBuilder, size: int, eager: bool
) -> AsyncIterator[Any]:
    batcher = RecordBatcher(builder, size, eager)
    try:
        async for batch in _raw_batches(rows):
            for done in batcher.add(batch):
                yield done
        for done in batcher.finish():
            yield done
    except BaseException:
        await rows.close()
        raise


async def read_table(rows: _AsyncRows, feature: str) -> Any:
    """The rest of the result as one ``pyarrow.Table``."""
    pa = import_optional("pyarrow", feature)
    builder = ArrowResultBuilder.from_header(rows.result.columns)
    parts = [part async for part in _record_batches(rows, builder, BUILD_ROWS, eager=False)]
    return pa.Table.from_batches(parts, schema=builder.schema)


def read_record_batches(rows: _AsyncRows, rows_per_batch: int) -> AsyncIterator[Any]:
    """Record batches of at most ``rows_per_batch`` rows (a live query's as they come)."""
    import_optional("pyarrow", "cursor.fetch_record_batch()")
    if not isinstance(rows_per_batch, int) or rows_per_batch < 1:
        raise ProgrammingError(f"rows_per_batch must be a positive int, not {rows_per_batch!r}")
    builder = ArrowResultBuilder.from_header(rows.result.columns)
    eager = rows.result.handle.header.is_streaming is not False
    return _record_batches(rows, builder, rows_per_batch, eager)
