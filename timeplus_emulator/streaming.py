"""Running a translated SELECT: historical results and streaming semantics.

Owns: :class:`SelectRunner`, which turns a :class:`~timeplus_emulator.sql.SelectStatement`
into a header plus batches of rendered rows (bytes of JSON arrays, never decoded here),
delivered to a :class:`RowSink` (the SSE writer, or a materialized view's inserter).

Modes:

* **historical** (``table()`` everywhere, ``query_mode='table'``, or no stream at all):
  the query runs once and its output is streamed chunk by chunk.
* **per batch** (streaming, no aggregation): the query re-runs over each newly ingested
  sequence range of the one streaming source (``after < _tp_sn <= upto``).
* **periodic** (streaming global aggregation): every ``EMIT PERIODIC`` interval (default
  2 s), if rows arrived, the query re-runs over everything since the query started and all
  result rows are emitted.
* **window** (aggregation over ``tumble``/``hop``): the watermark is the largest event time
  seen; when it passes ``window_end``, the closed windows are computed and emitted once.

A materialized view's runner carries its :class:`~timeplus_emulator.viewcontrol.ViewControl`:
it reports status and position there and, while the view is paused, parks before its next
read of the source, keeping its position and state for when it resumes.

``LIMIT n`` ends any of them after n rows. Anything else streaming is refused with
code 48 before the response starts.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Generator
from contextlib import ExitStack
from typing import Optional, Protocol

from timeplus_emulator.backend import Connection, EngineError, run_on, stream_on
from timeplus_emulator.catalog import KV_MODES, StreamInfo
from timeplus_emulator.engine import NOT_IMPLEMENTED, Engine, WindowRange
from timeplus_emulator.jsonints import UNQUOTED_INTEGERS, has_json_column, requoter
from timeplus_emulator.queries import QueryRecord
from timeplus_emulator.sql import (
    STAR_MARKER,
    SelectStatement,
    Source,
    placeholder,
    to_timeplus_column_name,
    to_timeplus_type,
)
from timeplus_emulator.sql.rewriter import top_level_index
from timeplus_emulator.sql.tokens import quote_string, tokenize
from timeplus_emulator.systables import rewrite_system_tables
from timeplus_emulator.viewcontrol import ViewControl

_RELATIVE_SEEK = re.compile(r"-(\d+)\s*(s|m|h|d)")
_SEEK_TIMESTAMP = re.compile(r"\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
                             r"\s*(Z|[+-]\d{2}:?\d{2})?\Z")
_SEEK_HELP = ("seek_to='{seek}' is not understood by the emulator: use 'earliest', 'latest', "
              "'-<n>s|m|h|d' or a timestamp 'YYYY-MM-DD[ hh:mm:ss]'")
_SEEK_UNITS = {"s": "SECOND", "m": "MINUTE", "h": "HOUR", "d": "DAY"}
DEFAULT_PERIOD = 2.0
WAIT_SLICE = 0.1
ROWS_FORMAT = "JSONCompactEachRow"
HEADER_FORMAT = "JSONCompactEachRowWithNamesAndTypes"


def with_readonly(ch_sql: str) -> str:
    """``ch_sql`` with chDB's ``readonly = 1`` added to its SETTINGS (defence in depth:
    chDB then refuses DDL, writes and the table functions that read files or the network;
    measured on chDB 4.4, see :mod:`timeplus_emulator`)."""
    tokens = tokenize(ch_sql)
    if top_level_index(tokens, 0, len(tokens) - 1, "SETTINGS") is None:
        return f"{ch_sql} SETTINGS readonly = 1"
    return f"{ch_sql}, readonly = 1"


class QueryStopped(Exception):
    """The query must stop now: cancelled, deleted, or the client went away."""


class RowSink(Protocol):
    """Where a running query delivers its results."""

    def start(self, header: list[dict[str, str]]) -> None:
        """Called once with the Timeplus header before any row."""

    def emit(self, rows: list[bytes]) -> None:
        """Deliver rendered rows (each the bytes of one JSON array)."""

    def poll(self) -> float:
        """Flush/heartbeat; raise :class:`QueryStopped` to stop; return max wait (s)."""


class SelectRunner:
    """Prepares (header, validation) and then runs one SELECT."""

    def __init__(self, engine: Engine, stmt: SelectStatement, record: QueryRecord,
                 control: Optional[ViewControl] = None) -> None:
        self.engine = engine
        self.control = control  # a materialized view's pause gate and status
        self.stmt = stmt
        self.record = record
        self._live = engine.live_sources(stmt)
        self.streaming = bool(self._live)
        self.header: list[dict[str, str]] = []
        self._exit = ExitStack()
        self._chunks: Optional[Generator[bytes, None, None]] = None
        self._pending: list[bytes] = []
        self._chunk_head = b""
        self._stream_index = -1
        self._start_sn = 0
        self._replay_upto = 0  # kv streams: the state up to here is replayed first
        self._star: Optional[str] = None  # what replaces STAR_MARKER (see the engine)
        self._delivered = 0
        self._sql = with_readonly(stmt.ch_sql)
        self._requote: Optional[Callable[[list[bytes]], list[bytes]]] = None

    # ------------------------------------------------------------------ prepare
    def prepare(self) -> None:
        """Validate and compute the header; raises :class:`EngineError` before any output."""
        try:
            if self.streaming:
                self._prepare_streaming()
            else:
                self._prepare_historical()
        except EngineError as exc:
            self.close()
            raise self._failed(self._public(exc)) from None
        self.record.is_streaming = self.streaming

    def _failed(self, exc: EngineError) -> EngineError:
        if self.control is not None:
            self.control.failed(f"Code: {exc.code}. {exc.message}")
        return exc

    def _public(self, exc: EngineError) -> EngineError:
        return self.engine.public_error(exc)

    def _prepare_historical(self) -> None:
        sql = self._substitute(None, None)
        conn = self._exit.enter_context(self.engine.backend.connection())
        chunks, lines = self._start_historical(conn, sql)
        self.header = self._header_from(lines[0], lines[1])
        if has_json_column(self.header):  # again, integers unquoted (see jsonints)
            chunks.close()
            self._requote = requoter(self.header)
            run_on(conn, f"SET {UNQUOTED_INTEGERS} = 0", ROWS_FORMAT)
            self._exit.callback(_quote_integers_again, conn)
            chunks, lines = self._start_historical(conn, sql)
        self._chunk_head = lines[0] + b"\n" + lines[1] + b"\n"
        self._pending = lines[2:]
        self._chunks = chunks

    def _start_historical(
        self, conn: Connection, sql: str
    ) -> tuple[Generator[bytes, None, None], list[bytes]]:
        """Start the query's output: (its chunks, the lines read so far: names, types...)."""
        chunks = stream_on(conn, sql, HEADER_FORMAT)
        self._exit.callback(chunks.close)
        lines: list[bytes] = []
        for chunk in chunks:
            lines.extend(_split_rows(chunk))
            if len(lines) >= 2:
                break
        if len(lines) < 2:  # an empty result streams no chunk at all: ask for the header
            lines = _split_rows(run_on(conn, sql, HEADER_FORMAT))
        if len(lines) < 2:
            raise EngineError(1000, "the engine returned no result header")
        return chunks, lines

    def _prepare_streaming(self) -> None:
        stmt = self.stmt
        if stmt.unsupported_streaming_reason:
            raise EngineError(NOT_IMPLEMENTED, stmt.unsupported_streaming_reason)
        self._stream_index = self._live[0]
        info = self.engine.source_stream(stmt.sources[self._stream_index])
        if stmt.aggregating and info.mode == "changelog":
            raise EngineError(NOT_IMPLEMENTED, "a streaming aggregation over the changelog "
                              f"stream {info.name} is not supported by the emulator (it would "
                              "count delete rows as rows); use a changelog_kv stream or table()")
        self._start_sn = self._seek(stmt.seek_to, info)
        if self._replays_state(info):
            self._replay_upto = self._start_sn
            self._start_sn = 0
        out = run_on_pool(self.engine, self._substitute(self._start_sn, self._start_sn),
                          HEADER_FORMAT)
        lines = _split_rows(out)
        self.header = self._header_from(lines[0], lines[1])
        if has_json_column(self.header):
            self._requote = requoter(self.header)

    def _replays_state(self, info: StreamInfo) -> bool:
        """A streaming read of a kv stream starts with its current state (the latest row of
        each key, deleted keys left out), as Proton's does; not with an explicit ``seek_to``,
        windows or in a materialized view (which must not re-insert the state on restart)."""
        return (info.mode in KV_MODES and self.stmt.seek_to is None and self.control is None
                and not self._windowed())

    def _seek(self, seek_to: Optional[str], info: StreamInfo) -> int:
        """The sequence number a streaming query starts after (``seek_to`` setting)."""
        clock = self.engine.clock(info)
        seek = (seek_to or "latest").strip()
        if seek.lower() == "latest":
            return clock.last
        if seek.lower() == "earliest":
            return 0
        relative = _RELATIVE_SEEK.fullmatch(seek)
        if relative is not None:
            amount, unit = relative.groups()
            since = f"now64(3, 'UTC') - INTERVAL {amount} {_SEEK_UNITS[unit]}"
        elif _SEEK_TIMESTAMP.match(seek):
            since = f"parseDateTime64BestEffort({quote_string(seek)}, 3, 'UTC')"
        else:  # e.g. '1': best-effort parsing would read a date into it and match nothing
            raise EngineError(NOT_IMPLEMENTED, _SEEK_HELP.format(seek=seek))
        table = self.engine.ch_table(info.database, info.name)
        sql = (f"SELECT toString(min(_tp_sn)), toString(count()) FROM {table} "
               f"WHERE _tp_time >= {since}")
        try:
            first, matched = json.loads(run_on_pool(self.engine, sql, ROWS_FORMAT))
        except EngineError:
            raise EngineError(NOT_IMPLEMENTED, _SEEK_HELP.format(seek=seek)) from None
        return int(first) - 1 if int(matched) else clock.last

    def _header_from(self, names_line: bytes, types_line: bytes) -> list[dict[str, str]]:
        names = json.loads(names_line)
        types = json.loads(types_line)
        fixed = self.stmt.output_names
        header = []
        for i, (name, ch_type) in enumerate(zip(names, types)):
            given = fixed[i] if fixed is not None and i < len(fixed) else None
            header.append({"name": given or to_timeplus_column_name(name),
                           "type": to_timeplus_type(ch_type)})
        return header

    def _substitute(self, after: Optional[int], upto: Optional[int],
                    window_range: Optional[WindowRange] = None,
                    compact: Optional[bool] = None) -> str:
        if self._star is None:
            self._star = self.engine.star_except(self.stmt.sources)
        sql = self._sql.replace(STAR_MARKER, self._star)
        if self.stmt.system_tables:
            sql = rewrite_system_tables(self.engine, sql)
        for index, source in enumerate(self.stmt.sources):
            streaming = index == self._stream_index
            text = self.engine.source_sql(source, after if streaming else None,
                                          upto if streaming else None,
                                          window_range if streaming else None,
                                          compact=streaming and (self.stmt.aggregating
                                                                 if compact is None else compact))
            sql = sql.replace(placeholder(index), text)
        return sql

    def close(self) -> None:
        """Release the chDB connection/result held by a historical query."""
        self._exit.close()

    # ------------------------------------------------------------------ run
    def run(self, sink: RowSink) -> None:
        """Deliver all rows; returns when finished; raises QueryStopped/EngineError."""
        try:
            if self.control is not None:
                self._report_running(self.control)
            if not self.streaming:
                self._run_historical(sink)
            elif self._windowed():
                self._run_windows(sink)
            elif self.stmt.aggregating:
                self._run_periodic(sink)
            else:
                self._run_batches(sink)
        except EngineError as exc:
            raise self._failed(self._public(exc)) from None
        finally:
            self.close()

    def _report_running(self, control: ViewControl) -> None:
        if self.streaming:
            info = self.engine.source_stream(self.stmt.sources[self._stream_index])
            control.progress(self.engine.clock(info), self._start_sn)
        control.running()

    def _run_historical(self, sink: RowSink) -> None:
        if self._pending and self._deliver(sink, self._pending):
            return
        chunks = self._chunks
        assert chunks is not None
        head = self._chunk_head
        for chunk in chunks:
            sink.poll()
            if chunk.startswith(head):  # chDB repeats names/types at the top of each chunk
                chunk = chunk[len(head):]
            if self._deliver(sink, _split_rows(chunk)):
                return

    def _deliver(self, sink: RowSink, rows: list[bytes]) -> bool:
        """Emit rows honouring LIMIT (streaming); True when the query is complete."""
        limit = self.stmt.limit if self.streaming else None
        if limit is not None:
            rows = rows[: max(0, limit - self._delivered)]
        if rows and self._requote is not None:
            rows = self._requote(rows)
        if rows:
            self._delivered += len(rows)
            self.record.rows += len(rows)
            self.record.last_event_time = int(time.time() * 1000)
            sink.emit(rows)
        return limit is not None and self._delivered >= limit

    def _clock_wait(self, seen: int, sink: RowSink, max_wait: float = WAIT_SLICE) -> int:
        wait = min(sink.poll(), max_wait, WAIT_SLICE)
        info = self.engine.source_stream(self.stmt.sources[self._stream_index])
        clock = self.engine.clock(info)
        if self.control is not None:  # a paused view stops here, between two reads
            self.control.progress(clock, seen)
            self.control.park(sink.poll)
        last = clock.wait_beyond(seen, wait)
        if clock.closed:
            raise EngineError(60, f"Stream {info.database}.{info.name} was dropped")
        return last

    def _run_range(self, after: int, upto: int, window_range: Optional[WindowRange] = None,
                   compact: Optional[bool] = None) -> list[bytes]:
        sql = self._substitute(after, upto, window_range, compact)
        if self._requote is None:
            out = run_on_pool(self.engine, sql, ROWS_FORMAT)
        else:
            with self.engine.backend.connection() as conn:
                run_on(conn, f"SET {UNQUOTED_INTEGERS} = 0", ROWS_FORMAT)
                try:
                    out = run_on(conn, sql, ROWS_FORMAT)
                finally:
                    _quote_integers_again(conn)
        self.record.scanned_rows += upto - after
        self.record.scanned_bytes += len(out)
        return _split_rows(out)

    def _run_batches(self, sink: RowSink) -> None:
        seen = self._start_sn
        if self._replay_upto:  # a kv stream's current state first
            if self._deliver(sink, self._run_range(0, self._replay_upto, compact=True)):
                return
            seen = self._replay_upto
        while True:
            last = self._clock_wait(seen, sink)
            if last > seen:
                rows = self._run_range(seen, last)
                seen = last
                if self._deliver(sink, rows):
                    return

    def _run_periodic(self, sink: RowSink) -> None:
        period = self.stmt.emit_periodic_seconds or DEFAULT_PERIOD
        seen = self._start_sn
        dirty = False
        next_emit = time.monotonic() + period
        while True:
            last = self._clock_wait(seen, sink, max(0.0, next_emit - time.monotonic()))
            if last > seen:
                seen, dirty = last, True
            if time.monotonic() >= next_emit:
                next_emit += period
                if dirty:
                    dirty = False
                    if self._deliver(sink, self._run_range(self._start_sn, seen)):
                        return

    def _windowed(self) -> bool:
        source = self.stmt.sources[self._stream_index]
        return self.stmt.aggregating and source.window is not None

    def _run_windows(self, sink: RowSink) -> None:
        """Each ingest batch in turn moves the watermark (its largest event time, if larger)
        and emits the windows it closed; a row arriving after its windows were emitted is
        left out, since only windows ending after the last emitted watermark are computed."""
        source = self.stmt.sources[self._stream_index]
        info = self.engine.source_stream(source)
        seen = self._start_sn
        watermark: Optional[str] = None
        emitted: Optional[str] = None
        while True:
            last = self._clock_wait(seen, sink)
            for end in self.engine.clock(info).batch_ends(seen, last) if last > seen else []:
                newest = self._max_event_time(source, seen, end)
                seen = end
                if newest is not None and (watermark is None or newest > watermark):
                    watermark = newest
                if watermark is None or watermark == emitted:
                    continue
                bounds = (_time_literal(emitted) if emitted else None, _time_literal(watermark))
                rows = self._run_range(self._start_sn, seen, bounds)
                emitted = watermark
                if self._deliver(sink, rows):
                    return

    def _max_event_time(self, source: Source, after: int, upto: int) -> Optional[str]:
        window = source.window
        assert window is not None
        rows_sql = self.engine.source_sql(source, after, upto)
        sql = f"SELECT toString(max({window.time_column})) FROM {rows_sql}"
        out = run_on_pool(self.engine, sql, "JSONCompactEachRow")
        values = json.loads(out) if out.strip() else [None]
        value = values[0]
        return value if isinstance(value, str) and not value.startswith("1970-01-01") else None


def _time_literal(text: str) -> str:
    return f"toDateTime64('{text}', 3, 'UTC')"


def _quote_integers_again(conn: Connection) -> None:
    """Restore the pinned setting before the connection goes back to the pool."""
    try:
        run_on(conn, f"SET {UNQUOTED_INTEGERS} = 1", ROWS_FORMAT)
    except EngineError:
        conn.broken = True  # closed instead of pooled with the wrong setting


def _split_rows(chunk: bytes) -> list[bytes]:
    return [line for line in chunk.split(b"\n") if line]


def run_on_pool(engine: Engine, sql: str, fmt: str) -> bytes:
    """Run one statement on a pooled connection."""
    with engine.backend.connection() as conn:
        return run_on(conn, sql, fmt)
