"""The process-wide chDB backend: one embedded server, a pool of connections.

Owns: opening chDB (one database path per process, a chDB limitation), the pinned session
settings every connection gets, borrowing connections for whole queries, and turning chDB
exceptions into :class:`EngineError` with the ClickHouse/Proton error code parsed out.

Several emulator instances share one backend; the embedded server stays alive while any
instance holds a reference (chDB drops ``:memory:`` data when its last connection closes).

A connection on which a query failed is closed, never reused: chDB 4.4 keeps the output a
failed query had already written (e.g. the names/types header of
``JSONCompactEachRowWithNamesAndTypes``) in the connection's buffer and returns it in
front of the next query's result (``select throw_if(1)`` then ``select 3`` answered with
the header ``throw_if(1)``). Opening a connection costs about 0.3 ms.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import Any, Optional

from timeplus_emulator.sql.allowlist import QUERY_MEMORY_LIMIT, QUERY_TIME_LIMIT

logger = logging.getLogger(__name__)

#: Settings pinned on every connection so values render the way Timeplus renders them.
PINNED_SETTINGS = (
    "output_format_json_quote_64bit_integers = 1",
    "output_format_json_quote_decimals = 1",
    "output_format_json_validate_utf8 = 1",
    "output_format_json_quote_denormals = 1",
    "session_timezone = 'UTC'",
    "date_time_input_format = 'best_effort'",
    "async_insert = 0",
    f"max_memory_usage = {QUERY_MEMORY_LIMIT}",
    f"max_execution_time = {QUERY_TIME_LIMIT}",
    *(f"{name} = {value}" for name, value in (
        # Proton forked ClickHouse ~22.8 (its Settings.h has no `compatibility` setting, and
        # none of these); chDB 26.9 changed their defaults since. Pinned to the behaviour of
        # Proton's sources, measured: FROM_UNIXTIME(x, '%e') pads with a space ( 9), %f of a
        # value without fraction is '0', least/greatest(1, NULL) is NULL, to_type_name of a
        # tuple stays on one line. `compatibility = '22.8'` changes far more than results
        # (formats, joins, parallelism), so it is not used.
        ("formatdatetime_e_with_space_padding", 1),
        ("parsedatetime_e_requires_space_padding", 1),
        ("formatdatetime_f_prints_single_zero", 1),
        ("least_greatest_legacy_null_behavior", 1),
        ("print_pretty_type_names", 0),
        ("function_visible_width_behavior", 0),
        ("allow_deprecated_error_prone_window_functions", 1),
        ("function_date_trunc_return_type_behavior", 1),
        ("count_matches_stop_at_empty_match", 1),
        ("short_circuit_function_evaluation_for_nulls", 0),
        ("geo_distance_returns_float64_on_float64_arguments", 0),
        # json_value (and the raw:a.b shorthand) of an object or array gives its JSON text
        # in Proton (01889_sql_json_functions: '$' of {"hello":1} is {"hello":1}), not ''
        ("function_json_value_return_type_allow_complex", 1),
        # one thread per query, as Proton reads a small stream: a GROUP BY without ORDER BY
        # lists its groups in the hash table's order (keys 1, 2, 3 come as 3, 2, 1 in
        # 02815); chDB's two threads merged two tables and listed 3, 1, 2
        ("max_threads", 1),
        # geo_to_h3 takes (longitude, latitude) and h3_to_geo answers tuple(longitude,
        # latitude) in Proton (geoToH3.cpp, h3toGeo.cpp); chDB 25.5/25.1 swapped both
        ("geotoh3_argument_order", "'lon_lat'"),
        ("h3togeo_lon_lat_result_order", 1),
        # Proton has no variant type: if(c, 1, 'a') and multi_if/CASE of a number and a string
        # fail with 386 (no supertype) instead of giving variant(string, uint8)
        ("use_variant_as_common_type", 0),
        # joins keep the left side as the probe side: a CROSS JOIN lists each left row with
        # every right row, as Proton does (chDB may swap the smaller table to the left)
        ("query_plan_join_swap_table", "'false'"),
        # Proton has no correlated subqueries: a subquery naming an outer query's column
        # fails there with 47, Missing columns (01095_tpch_like_smoke, queries 2, 15, 17,
        # 20); chDB runs them unless turned off, and then answers UNKNOWN_IDENTIFIER (47)
        ("allow_correlated_subqueries", 0),
        # JOIN ... USING (k) takes k from the SELECT list's alias when there is one
        # (`SELECT 1 AS k FROM a JOIN b USING k` joins on 1 = b.k), as Proton's analyzer
        # does (00122, 00138); chDB's new analyzer refused it (47) unless told so
        ("analyzer_compatibility_join_using_top_level_identifier", 1),
        # Proton's Settings.h defaults that chDB changed and that change answers: ORDER BY 1
        # and GROUP BY 1 mean the constant 1, a bare UNION is UNION ALL, CSV input reads
        # 'single-quoted' fields, and an unknown field of JSON input is an error (117).
        ("enable_positional_arguments", 0),
        ("union_default_mode", "'ALL'"),
        ("format_csv_allow_single_quotes", 1),
        ("input_format_skip_unknown_fields", 0),
        # Proton refuses low_cardinality(uint64) only as a column's own type and allows
        # array(low_cardinality(uint64)) (00752); chDB checks nested types too, so the check
        # is off here and the translator makes Proton's (sql/ddl.py)
        ("allow_suspicious_low_cardinality_types", 1),
        # Proton's multi_if always runs as multi_if (its Settings.h has no
        # optimize_multiif_to_if): branches of fixed_string(2) and fixed_string(5) are cast to
        # string, which drops their trailing zero bytes (FunctionsConversion.h); chDB turned a
        # one-condition multiIf into `if`, which keeps them (01355_if_fixed_string)
        ("optimize_multiif_to_if", 0),
        # a stream's storage definition is checked on a scratch table (storage_check.py);
        # Proton has neither newer check: a TTL of a constant (01070) or two skip indexes
        # on one expression are accepted there
        ("allow_suspicious_ttl_expressions", 1),
        ("allow_suspicious_indices", 1),
    )),
)

_CODE_RE = re.compile(r"Code: (\d+)\. (?:DB::Exception: )?")
_TAIL_RE = re.compile(r"\s*\(([A-Z_]+)\)\s*(\(version [^)]*\))?\.?\s*$")
# The pool is a backstop, not the concurrency limit: each emulator admits at most
# ``max_requests`` requests at a time (503 beyond), each holding at most one connection, so
# 512 covers several instances per process plus their materialized views. A connection costs
# about 0.1 MB (measured: 256 open connections added 29 MB of RSS). A result nobody reads
# holds its connection until the socket timeout ends the request.
_MAX_POOL = 512
_MAX_IDLE = 4
_POOL_WAIT = 5.0


class EngineError(Exception):
    """A failure reported by chDB or by the engine, with a Proton error code."""

    def __init__(self, code: int, message: str, *, from_chdb: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.from_chdb = from_chdb  # message still uses chDB's names (see Engine.public_error)

    def __repr__(self) -> str:
        return f"EngineError({self.code}, {self.message!r})"


class PoolBusy(EngineError):
    """Every pooled engine connection is in use (code 202); answered as 503 + Retry-After."""


def engine_error_from(exc: BaseException) -> EngineError:
    """Parse ``Code: N. DB::Exception: msg (NAME)`` out of a chDB exception."""
    text = str(exc).removeprefix("Streaming query failed: ")
    codes = _CODE_RE.findall(text)
    code = int(codes[-1]) if codes else 1000
    message = _CODE_RE.sub("", text).strip()
    message = _TAIL_RE.sub("", message.splitlines()[0] if message else "").strip()
    return EngineError(code, message or "query failed", from_chdb=True)


class Connection:
    """One pooled chDB connection; ``broken`` once a query on it failed (then it is closed)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.broken = False

    def query(self, sql: str, fmt: str = "CSV") -> Any:
        try:
            return self.raw.query(sql, fmt)
        except Exception:
            self.broken = True
            raise

    def send_query(self, sql: str, fmt: str) -> Any:
        try:
            return self.raw.send_query(sql, fmt)
        except Exception:
            self.broken = True
            raise

    def close(self) -> None:
        self.raw.close()


class Backend:
    """A pool of chDB connections on one path."""

    def __init__(self, path: str) -> None:
        import chdb  # imported lazily: the emulator package must import without it

        self._chdb: Any = chdb
        self.path = path
        self._lock = threading.Lock()
        self._idle: list[Connection] = []
        self._open = 0
        self._available = threading.Condition(self._lock)
        self._keeper = self._new_connection()

    def _new_connection(self) -> Connection:
        try:
            conn = Connection(self._chdb.connect(self.path))
        except Exception as exc:  # chDB raises RuntimeError/ChdbError
            raise EngineError(36, f"cannot open chDB at {self.path!r}: {exc}") from None
        for setting in PINNED_SETTINGS:
            conn.query(f"SET {setting}")
        return conn

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """Borrow a connection for the duration of one statement or streamed result.

        A connection whose query failed is closed instead of going back to the pool.
        """
        conn = self._acquire()
        try:
            yield conn
        finally:
            surplus = None
            with self._lock:
                if conn.broken or len(self._idle) >= _MAX_IDLE:
                    surplus = conn
                    self._open -= 1
                else:
                    self._idle.append(conn)
                self._available.notify()
            if surplus is not None:
                _close_quietly(surplus)

    def _acquire(self) -> Connection:
        deadline = time.monotonic() + _POOL_WAIT
        with self._lock:
            while not self._idle and self._open >= _MAX_POOL:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PoolBusy(202, f"Too many simultaneous queries: all {_MAX_POOL} "
                                   "engine connections are busy")
                self._available.wait(min(left, 1.0))
            if self._idle:
                return self._idle.pop()
            self._open += 1
        try:
            return self._new_connection()
        except BaseException:
            with self._lock:
                self._open -= 1
            raise

    def query(self, sql: str, fmt: str = "JSONCompactEachRowWithNamesAndTypes") -> bytes:
        """Run one statement; return its output bytes or raise :class:`EngineError`."""
        with self.connection() as conn:
            return run_on(conn, sql, fmt)

    def query_with_stats(self, sql: str, fmt: str = "JSONCompactEachRow") -> tuple[bytes, int]:
        """Run one statement; return (output bytes, rows written)."""
        with self.connection() as conn:
            return query_with_stats_on(conn, sql, fmt)

    def close(self) -> None:
        with self._lock:
            conns, self._idle = self._idle, []
        for conn in [*conns, self._keeper]:
            _close_quietly(conn)


def _close_quietly(conn: Connection) -> None:
    try:
        conn.close()
    except Exception:
        logger.debug("closing a chDB connection failed", exc_info=True)


def run_on(conn: Connection, sql: str, fmt: str) -> bytes:
    """Run ``sql`` on a borrowed connection, mapping failures to :class:`EngineError`."""
    try:
        return bytes(conn.query(sql, fmt).bytes())
    except Exception as exc:
        raise engine_error_from(exc) from None


def query_with_stats_on(conn: Connection, sql: str, fmt: str) -> tuple[bytes, int]:
    """Run ``sql`` on a borrowed connection; (output bytes, rows written)."""
    try:
        result = conn.query(sql, fmt)
    except Exception as exc:
        raise engine_error_from(exc) from None
    return bytes(result.bytes()), int(result.rows_written())


def stream_on(conn: Connection, sql: str, fmt: str) -> Generator[bytes, None, None]:
    """Yield output chunks of ``sql`` without materializing the whole result."""
    try:
        result = conn.send_query(sql, fmt)
    except Exception as exc:
        raise engine_error_from(exc) from None
    try:
        while True:
            try:
                chunk = result.fetch()
            except Exception as exc:
                conn.broken = True
                raise engine_error_from(exc) from None
            if chunk is None:
                return
            data = bytes(chunk.bytes())
            if data:
                yield data
    finally:
        try:
            result.close()
        except Exception:
            logger.debug("closing a chDB streaming result failed", exc_info=True)


_registry_lock = threading.Lock()
_backend: Optional[Backend] = None
_refcount = 0


def acquire_backend(path: Optional[str]) -> Backend:
    """Return the process backend, opening it at ``path`` (``None`` = in memory)."""
    global _backend, _refcount
    wanted = path or ":memory:"
    with _registry_lock:
        if _backend is None:
            _backend = Backend(wanted)
        elif path is not None and _backend.path != wanted:
            raise EngineError(
                36,
                f"chDB is already open at {_backend.path!r} in this process; "
                f"an emulator with data_dir={path!r} must run in its own process",
            )
        _refcount += 1
        return _backend


def release_backend(backend: Backend) -> None:
    """Drop one reference; close the embedded server when nobody uses it."""
    global _backend, _refcount
    with _registry_lock:
        if backend is not _backend:
            return
        _refcount -= 1
        if _refcount <= 0:
            _backend = None
            _refcount = 0
            backend.close()
