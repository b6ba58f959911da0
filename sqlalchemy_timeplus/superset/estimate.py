"""SQL Lab's cost estimate for Timeplus: ``EXPLAIN ESTIMATE`` (Proton answers one row per
stream read from the historical store: ``database``, ``table``, ``parts``, ``rows``,
``marks``), summed over the streams and shown with thousands separators."""

from __future__ import annotations

from typing import Any

from timeplus_dbapi import sqltext

__all__ = ["format_estimate", "statement_estimate"]


def statement_estimate(cursor: Any, statement: str) -> dict[str, Any]:
    """Run ``EXPLAIN ESTIMATE`` for one statement on ``cursor``; the totals and the streams.

    In historical mode the statement gets ``SETTINGS query_mode='table'`` (as the driver adds
    it when the statement runs), so the estimate is of the query SQL Lab will run."""
    params = getattr(cursor.connection, "params", None)
    if getattr(params, "query_mode", "table") == "table" and sqltext.is_select(statement):
        statement = sqltext.merge_settings(statement, "query_mode", "'table'")
    cursor.execute(f"EXPLAIN ESTIMATE {statement}")
    names = [str(column[0]) for column in cursor.description]
    rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    return {
        "streams": [f"{row['database']}.{row['table']}" for row in rows],
        "parts": sum(int(row["parts"]) for row in rows),
        "rows": sum(int(row["rows"]) for row in rows),
        "marks": sum(int(row["marks"]) for row in rows),
    }


def format_estimate(cost: dict[str, Any]) -> dict[str, str]:
    return {
        "Streams read": ", ".join(cost["streams"]) or "(none)",
        "Rows": f"{cost['rows']:,}",
        "Parts": f"{cost['parts']:,}",
        "Marks": f"{cost['marks']:,}",
    }
