"""Stream and view metadata the emulator keeps beside chDB, and its JSON persistence.

Owns: :class:`StreamInfo` / :class:`ViewInfo` (what the REST API reports and the engine needs
to rebuild its state), the per-stream ingest sequence (:class:`SequenceClock`) that streaming
queries wait on, and reading/writing the catalog file in ``--data-dir``.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

CATALOG_FILE = "timeplus_emulator_catalog.json"
TP_TIME_TYPE = "datetime64(3, 'UTC')"
TP_TIME_DEFAULT = "now64(3, 'UTC')"
CHANGELOG_MODES = frozenset({"changelog", "changelog_kv"})  # streams with a ``_tp_delta`` column
KV_MODES = frozenset({"versioned_kv", "changelog_kv"})  # streams whose rows are keyed versions


def now_text() -> str:
    """The Timeplus ``created_at`` format (``2023-02-01 23:22:59``), UTC."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())


@dataclass
class ColumnInfo:
    """One user column; ``type`` is the full Timeplus type (with any nullable wrapper)."""

    name: str
    type: str
    ch_type: str
    default: Optional[str] = None
    nullable: bool = False
    codec: Optional[str] = None
    comment: Optional[str] = None
    default_kind: str = "DEFAULT"  # or MATERIALIZED / ALIAS (not written by INSERT)

    def to_json(self) -> dict[str, Any]:
        """PROTOCOL.md §4 column: ``nullable(T)`` is reported as ``T`` + ``nullable: true``."""
        type_text = self.type
        if self.nullable and type_text.startswith("nullable(") and type_text.endswith(")"):
            type_text = type_text[len("nullable(") : -1]
        return {
            "name": self.name,
            "type": type_text,
            "nullable": self.nullable,
            "default": self.default or "",
            "codec": self.codec or "",
            "comment": self.comment or "",
        }


@dataclass
class StreamInfo:
    """A stream as created; rebuilt from the catalog file on restart."""

    database: str
    name: str
    columns: list[ColumnInfo]
    mode: str = "append"
    primary_key: list[str] = field(default_factory=list)
    ttl_expression: Optional[str] = None
    settings: dict[str, str] = field(default_factory=dict)
    description: str = ""
    create_query: str = ""
    created_at: str = field(default_factory=now_text)
    last_updated_at: str = field(default_factory=now_text)
    logstore_retention_bytes: int = 10 * 1024**3
    logstore_retention_ms: int = 7 * 24 * 3600 * 1000
    view_target_of: Optional[str] = None  # set for the implicit target of a materialized view
    engine: str = "Stream"  # or a table engine (Memory, MergeTree): no reserved columns
    #: secondary indexes of a mutable stream: ``{name, columns, unique, storing}``
    indexes: list[dict[str, Any]] = field(default_factory=list)
    #: a MergeTree store's sorting key (chDB text): rows are read in its order, as Proton
    #: reads a part; None: in ingest order
    order_by: Optional[str] = None

    @property
    def is_table(self) -> bool:
        """Created with ``ENGINE = Memory|MergeTree``: a store read as a table, never streamed."""
        return self.engine != "Stream"

    def reserved_columns(self) -> list[tuple[str, str, str]]:
        """``(name, type, default)`` of the columns Timeplus adds after the user's:
        ``_tp_time``, then ``_tp_delta`` in the changelog modes (Proton ``DDLHelper.cpp``).
        None for a table engine (Proton adds them in its stream-only DDL preparation)."""
        if self.is_table:
            return []
        columns = [("_tp_time", TP_TIME_TYPE, TP_TIME_DEFAULT)]
        if self.mode in CHANGELOG_MODES:
            columns.append(("_tp_delta", "int8", "1"))
        return columns

    def to_json(self) -> dict[str, Any]:
        """The Stream object of PROTOCOL.md §4 (reserved columns listed last)."""
        columns = [c.to_json() for c in self.columns]
        columns.extend(
            {"name": name, "type": type_text, "nullable": False, "default": default,
             "codec": "", "comment": ""}
            for name, type_text, default in self.reserved_columns()
        )
        return {
            "name": self.name,
            "db": self.database,
            "description": self.description,
            "engine": self.engine,
            "mode": self.mode,
            "primary_key": ", ".join(self.primary_key),
            # the Enterprise OpenAPI Stream's field ("only available for mutable stream")
            **({"secondary_indexes": [dict(i) for i in self.indexes]}
               if self.mode == "mutable" else {}),
            "columns": columns,
            "ttl": self.ttl_expression or "",
            "ttl_expression": self.ttl_expression or "",
            "logstore_retention_bytes": self.logstore_retention_bytes,
            "logstore_retention_ms": self.logstore_retention_ms,
            "event_time_column": self.settings.get("event_time_column", "_tp_time"),
            "is_external": False,
            "created_at": self.created_at,
            "created_by": {"name": "emulator", "id": "emulator"},
            "last_updated_at": self.last_updated_at,
            "last_updated_by": {"name": "emulator", "id": "emulator"},
            "create_query": self.create_query,
        }


@dataclass
class ViewInfo:
    """A view or materialized view (whose rows live in ``target_stream``)."""

    database: str
    name: str
    query: str
    materialized: bool
    target_stream: Optional[str] = None
    target_database: Optional[str] = None
    description: str = ""
    created_at: str = field(default_factory=now_text)
    columns: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The View object of PROTOCOL.md §5."""
        keyword = "MATERIALIZED VIEW" if self.materialized else "VIEW"
        into = f" INTO {self.target_stream}" if self.materialized and self.target_stream else ""
        return {
            "name": self.name,
            "db": self.database,
            "query": self.query,
            "materialized": self.materialized,
            "target_stream": self.target_stream or "",
            "columns": self.columns,
            "description": self.description,
            "ttl": "",
            "ttl_expression": "",
            "logstore_retention_bytes": 0,
            "logstore_retention_ms": 0,
            "created_at": self.created_at,
            "create_query": f"CREATE {keyword} {self.database}.{self.name}{into} AS {self.query}",
        }


BATCH_MARKS = 4096


class SequenceClock:
    """The ingest sequence of one stream: rows get ``_tp_sn`` values 1, 2, 3, ...

    Writers hold :attr:`lock` while inserting so sequence ranges never interleave; readers
    wait on :meth:`wait_beyond` for rows newer than what they have seen. The clock remembers
    where the last :data:`BATCH_MARKS` inserts ended, so a reader that wakes after several
    inserts can still take them one at a time (:meth:`batch_ends`), as Proton processes each
    ingested block on its own.
    """

    def __init__(self, last_sn: int = 0) -> None:
        self.lock = threading.Lock()
        self._changed = threading.Condition(threading.Lock())
        self._last = last_sn
        self._ends: deque[int] = deque(maxlen=BATCH_MARKS)
        self.closed = False

    @property
    def last(self) -> int:
        return self._last

    def advance(self, rows: int) -> None:
        with self._changed:
            self._last += rows
            self._ends.append(self._last)
            self._changed.notify_all()

    def batch_ends(self, seen: int, upto: int) -> list[int]:
        """Where the inserts after ``seen`` up to ``upto`` ended, in order (``upto`` last;
        inserts older than the remembered ones count as one)."""
        with self._changed:
            ends = [end for end in self._ends if seen < end < upto]
        return [*ends, upto]

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait_beyond(self, seen: int, timeout: float) -> int:
        """Block until rows after ``seen`` exist, the stream closes, or ``timeout``."""
        with self._changed:
            if self._last <= seen and not self.closed and timeout > 0:
                self._changed.wait(timeout)
            return self._last


def _column_from(raw: dict[str, Any]) -> ColumnInfo:
    return ColumnInfo(**raw)


def save_catalog(path: Path, streams: list[StreamInfo], views: list[ViewInfo],
                 databases: list[str]) -> None:
    """Write the catalog atomically (temp file + rename)."""
    data = {
        "version": 1,
        "databases": databases,
        "streams": [asdict(s) for s in streams],
        "views": [asdict(v) for v in views],
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def load_catalog(path: Path) -> tuple[list[StreamInfo], list[ViewInfo], list[str]]:
    """Read a catalog written by :func:`save_catalog` (empty if absent)."""
    if not path.exists():
        return [], [], []
    data = json.loads(path.read_text(encoding="utf-8"))
    streams = []
    for raw in data.get("streams", []):
        raw = dict(raw)
        raw["columns"] = [_column_from(c) for c in raw.get("columns", [])]
        streams.append(StreamInfo(**raw))
    views = [ViewInfo(**raw) for raw in data.get("views", [])]
    return streams, views, list(data.get("databases", []))
