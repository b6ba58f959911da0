"""What SQL Lab's table preview and a new dataset learn about a Timeplus stream or view.

``extra_table_metadata`` reads the stream (or view) object of the REST API, the same objects the
dialect reflects, and returns Superset's ``{"metadata": {...}, "view": ...}``: the table
preview shows ``metadata`` in its *Metadata* tab and ``view`` behind *Show CREATE VIEW
statement*. ``default_metrics`` are the metrics a new dataset gets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional

from ..base import TimeplusBaseDialect

if TYPE_CHECKING:
    from superset.models.core import Database
    from superset.sql.parse import Table

__all__ = ["default_metrics", "extra_table_metadata", "object_metadata"]

# REST field -> label in the Metadata tab, in display order (fields a server omits are skipped).
_STREAM_FIELDS: tuple[tuple[str, str], ...] = (
    ("mode", "Stream mode"),
    ("primary_key", "Primary key"),
    ("event_time_column", "Event time column"),
    ("ttl_expression", "TTL"),
    ("logstore_retention_bytes", "Log store retention (bytes)"),
    ("logstore_retention_ms", "Log store retention (ms)"),
    ("engine", "Engine"),
    ("description", "Description"),
)
_VIEW_FIELDS = (
    ("target_stream", "Target stream"),
    ("query", "Query"),
    ("description", "Description"),
)


def _shown(value: Any) -> Any:
    return "(none)" if value in (None, "") else value


def object_metadata(found: Mapping[str, Any], is_view: bool) -> dict[str, Any]:
    """The ``{"metadata": ..., "view": ...}`` answer for one REST stream or view object."""
    if not is_view:
        kind = "stream"
        fields = _STREAM_FIELDS
    else:
        kind = "materialized view" if found.get("materialized") else "view"
        fields = _VIEW_FIELDS
    metadata: dict[str, Any] = {"Kind": kind}
    metadata.update({label: _shown(found[key]) for key, label in fields if key in found})
    if not is_view:
        return {"metadata": metadata}
    definition = found.get("create_query") or found.get("query") or ""
    return {"metadata": metadata, "view": str(definition)}


def _find(objects: list[dict[str, Any]], name: str) -> Optional[dict[str, Any]]:
    return next((item for item in objects if item.get("name") == name), None)


def extra_table_metadata(database: Database, table: Table) -> dict[str, Any]:
    """Stream mode, keys, event time, TTL, retention (streams); kind, query and CREATE
    statement (views). Empty for other databases than the default one, which the REST
    client does not reach, and for names that are neither."""
    if table.schema not in (None, "", TimeplusBaseDialect.default_schema_name):
        return {}
    with database.get_raw_connection(catalog=table.catalog, schema=table.schema) as conn:
        client = conn.client
        view = _find(client.list_views(), table.table)
        if view is not None:
            return object_metadata(view, is_view=True)
        stream = _find(client.list_streams(), table.table)
    return object_metadata(stream, is_view=False) if stream is not None else {}


def default_metrics(column_names: list[str]) -> list[dict[str, Any]]:
    """``count()`` for every dataset, and the newest ``_tp_time`` (how fresh the data is) for
    streams, which all have that column."""
    metrics: list[dict[str, Any]] = [
        {"metric_name": "count", "verbose_name": "COUNT(*)", "metric_type": "count",
         "expression": "count()"},
    ]
    if "_tp_time" in column_names:
        metrics.append(
            {"metric_name": "latest_event_time", "verbose_name": "Latest event (_tp_time)",
             "metric_type": "max", "expression": "max(_tp_time)"}
        )
    return metrics
