"""``EXPLAIN ESTIMATE <select>``: the one EXPLAIN the emulator runs.

Proton answers it with one row per table the query reads from its historical store:
``database``, ``table``, ``parts``, ``rows``, ``marks`` (Proton's ``InterpreterExplainQuery``,
``QueryEstimates``; counts summed per table). The emulator keeps streams in chDB ``Log``
tables, which have no parts, marks or primary-key index, so it answers the estimate of a read
without index pruning: every row the stream stores, one part, and a mark per 8192 rows (the
default index granularity). Real Timeplus can prune by key and partition and then reports
fewer rows (docs/emulator-compatibility.md). A query that would read a stream live is refused
(code 48): its reads have no end; ``table(stream)`` or ``SETTINGS query_mode='table'`` makes it
historical.
"""

from __future__ import annotations

import json

from timeplus_emulator.backend import EngineError
from timeplus_emulator.engine import NOT_IMPLEMENTED, Engine
from timeplus_emulator.sql.model import ExplainEstimateStatement
from timeplus_emulator.streaming import run_on_pool

__all__ = ["ESTIMATE_HEADER", "estimate_rows"]

INDEX_GRANULARITY = 8192
ESTIMATE_HEADER = [
    {"name": "database", "type": "string"},
    {"name": "table", "type": "string"},
    {"name": "parts", "type": "uint64"},
    {"name": "rows", "type": "uint64"},
    {"name": "marks", "type": "uint64"},
]


def estimate_rows(engine: Engine, stmt: ExplainEstimateStatement) -> list[list[object]]:
    """One row per stream read, summed over its reads (64-bit counts as JSON strings, as
    Proton's JSON has them); streams without rows are left out: no part of them is read."""
    if engine.live_sources(stmt.select):
        raise EngineError(NOT_IMPLEMENTED, "EXPLAIN ESTIMATE of a streaming query is not "
                          "supported by the emulator: read the streams with table() or add "
                          "SETTINGS query_mode='table'")
    reads: dict[tuple[str, str], int] = {}  # a stream read twice (a self-join) counts twice
    for source in stmt.select.sources:
        info = engine.source_stream(source)
        reads[(info.database, info.name)] = reads.get((info.database, info.name), 0) + 1
    rows: list[list[object]] = []
    for (database, name), times in sorted(reads.items()):
        table = engine.ch_table(database, name)
        out = run_on_pool(engine, f"SELECT count() FROM {table}", "JSONCompactEachRow")
        count = int(json.loads(out.decode("utf-8"))[0])
        if count:
            marks = -(-count // INDEX_GRANULARITY)
            rows.append([database, name, str(times), str(times * count), str(times * marks)])
    return rows
