"""Measure the emulator against Proton's streaming smoke cases (a development tool, not CI).

Takes a directory holding Proton's ``tests/stream/test_stream_smoke`` (``.json``/``.yaml``
suites; obtained separately, never committed here). Each suite creates its streams
(``test_suite_config.table_schemas``, through ``create_stream``), runs its setup, then each
test's steps in order against an emulator started in this process:

* ``statements``: ``query_type: stream`` starts a streaming query (the default query mode) on
  its own connection and cursor, read on a thread; ``query_type: table`` runs in table mode.
  ``kill query where query_id = 'x'`` cancels the reader of query ``x``; ``kill``,
  ``drop_view`` and ``drop_stream`` keys act after the statement, ``depends_on`` waits until
  that query has started.
* ``inputs``: rows go to the stream's ingest (columns from the batch or the schema).

Proton's harness sleeps between steps (``wait``, ``kill_wait``, ``query_end_timer``). Here a
statement's ``wait`` is scaled (``--wait-scale``), but kept in full while a query runs that
emits periodically, or after a periodic materialized view was created (rows then depend on the
time between steps, and Proton's 1 s before and 1.5 s after each step's inputs are kept too);
an input batch's wait is kept.
Before a query is cancelled, its reader must have been quiet for ``--idle`` seconds and have
run for its ``kill_wait``/``query_end_timer`` (at most ``--max-run``, unless it emits
periodically), so that periodic emits get their chance; every read is bounded.
At the end every query still running is cancelled.

Each test's rows are compared with its ``expected_results`` per ``query_id`` the way Proton's
checker reads them: row order is free, ``any_value`` matches anything, float columns match
within 1%, integer and decimal columns by value, others by their Python ``str()`` (the Proton
driver's values; fixed strings without padding), ``error_code:N`` is the error a query must
raise. A test is

* ``pass``    — every expected result matches;
* ``wrong``   — no error, but rows differ: a wrong answer (fewer or more rows too);
* ``error``   — a statement failed with a code other than 48 and the results differ;
* ``refused`` — a statement was refused with code 48 and the results differ;
* ``skipped`` — out of scope, with the reason: tagged for Proton's own skip list, Proton's
  REST API or container commands, users and privileges, multishard or replicated streams,
  external streams (Kafka), remote UDFs, no expected results.

    python scripts/proton_stream_cases.py /work/proton-tests/tests/stream/test_stream_smoke \\
        --json /tmp/stream.json [--only 0000_smoke_case:0 0013_changelog_stream ...] \\
        [--list wrong,error]

``--only`` takes suite names (file stems) or ``suite:id``. YAML suites need PyYAML (reported
skipped without it). Exit status is always 0: this measures.
"""

from __future__ import annotations

import argparse
import decimal
import json
import math
import re
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import timeplus_dbapi

# the sibling script, imported with this folder on sys.path only meanwhile: left there, its
# scripts/superset folder would pass for the superset package in the same process (tests)
sys.path.insert(0, str(Path(__file__).resolve().parent))
try:
    from proton_cases import NOT_SUPPORTED, Outcome, drop_streams, error_code, report
finally:
    sys.path.pop(0)

Result = Union[str, tuple[list[tuple[Any, ...]], list[str]]]  # "error_code:N" or (rows, types)
KINDS = ("pass", "wrong", "error", "refused", "skipped")
_KILL = re.compile(r"^\s*kill\s+query\s+where\s+query_id\s*=\s*'([^']*)'", re.I)
_PERIODIC = re.compile(r"\bemit\s+periodic\b", re.I)
_VIEW = re.compile(r"\s*create\s+materialized\s+view\b", re.I)
_WINDOWED = re.compile(r"\b(tumble|hop|session)\s*\(", re.I)
_AGGREGATING = re.compile(r"\bgroup\s+by\b|\b(count|sum|avg|min|max|latest|earliest|top_k|"
                          r"unique|unique_exact|group_array)\s*\(", re.I)
_OUT_OF_SCOPE_SQL = (
    (re.compile(r"\bexternal\s+(stream|table)\b", re.I), "an external stream (Kafka/Redpanda)"),
    (re.compile(r"\bkafka\b", re.I), "Kafka"),
    (re.compile(r"\b(shards|replication_factor)\s*=", re.I), "a multishard or replicated stream"),
    (re.compile(r"\bremote\s+function\b", re.I), "a remote UDF (an HTTP endpoint)"),
    (re.compile(r"\bsystem\s*\.\s*(stream_metric_log|stream_state_log)\b", re.I),
     "Proton's internal logs"),
)
_CLUSTER_TAGS = {"multishards", "multi_shard", "multishard", "cluster", "cluster_table_bug"}


@dataclass
class Options:
    wait_scale: float = 0.1
    idle: float = 0.4
    max_run: float = 2.5
    timeout: float = 60.0


@dataclass
class Case:
    """One test of a suite file, with the suite's configuration."""

    suite: str
    test: dict[str, Any]
    config: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.suite}:{self.test.get('id')}"


# ---------------------------------------------------------------- loading and scope
def read_suite(path: Path) -> dict[str, Any]:
    text = path.read_text()
    if path.suffix == ".json":
        return dict(json.loads(text))
    import yaml  # type: ignore[import-untyped, import-not-found, unused-ignore]

    return dict(yaml.safe_load(text))


def load_cases(directory: Path, only: list[str]) -> Iterator[tuple[Path, list[Case], str]]:
    """Per suite file: its selected cases, or no cases and why it could not be read."""
    for path in sorted(directory.glob("*.json")) + sorted(directory.glob("*.yaml")):
        if only and not any(o == path.stem or o.startswith(path.stem + ":") for o in only):
            continue
        try:
            suite = read_suite(path)
        except ImportError:
            yield path, [], "needs PyYAML"
            continue
        config = suite.get("test_suite_config") or {}
        cases = [Case(path.stem, test, config) for test in suite.get("tests") or []]
        picked = [c for c in cases if not only or path.stem in only or c.name in only]
        yield path, picked, ""


def skip_reason(case: Case) -> Optional[str]:
    """Why a case is out of scope for the emulator, or None."""
    tags = set(case.test.get("tags") or [])
    skips = ((case.config.get("tests_2_run") or {}).get("tags_2_skip") or {}).get("default", [])
    for tag in sorted(tags & set(skips)):
        return f"tagged {tag!r}, which Proton's own run skips"
    if "multishard" in case.suite or tags & _CLUSTER_TAGS:
        return "multishard or cluster setup"
    if not case.test.get("expected_results"):
        return "no expected results"
    for statement in _statements(case):
        reason = _statement_scope(statement)
        if reason:
            return reason
    return None


def _statements(case: Case) -> Iterator[dict[str, Any]]:
    setup = case.config.get("setup") or {}
    yield from setup.get("statements") or []
    for step in case.test.get("steps") or []:
        yield from step.get("statements") or []


def _statement_scope(statement: dict[str, Any]) -> Optional[str]:
    client = statement.get("client", "python")
    if client == "rest":
        return "Proton's own REST API (client 'rest')"
    if client == "exec" or statement.get("query_type") == "docker":
        return "commands in Proton's container"
    if statement.get("user") or statement.get("password"):
        return "users and privileges"
    query = str(statement.get("query") or "")
    for pattern, what in _OUT_OF_SCOPE_SQL:
        if pattern.search(query):
            return what
    return None


# ---------------------------------------------------------------- comparing
def render(value: Any) -> str:
    """A value as the Proton Python driver's rows show it: ``str()`` of the Python object."""
    return str(value)


def field_matches(want: Any, value: Any, type_name: str) -> bool:
    """One expected field against one value of a column typed ``type_name``."""
    if want == "any_value":
        return True
    kind = type_name.lower()
    if value is not None and "array" not in kind and "float" in kind:
        return _close(want, value)
    if value is not None and "int" in kind and not re.search(r"array|tuple|map", kind):
        try:
            return int(want) == int(value)
        except (TypeError, ValueError):
            return False
    if value is not None and kind.startswith(("decimal", "nullable(decimal")):
        return _same_decimal(want, value)
    text = render(value)
    if kind.startswith(("fixed_string", "nullable(fixed_string")):
        text = text.rstrip("\0")  # the Proton driver strips a fixed string's padding
    if isinstance(want, str) and "any_value" in want:
        pieces = zip(want.split(","), text.split(","))
        return all(w in ("any_value", got) for w, got in pieces)
    return str(want) == text


def _same_decimal(want: Any, value: Any) -> bool:
    """Decimals by value: the Proton driver's ``Decimal`` may drop the scale's zeros."""
    try:
        return decimal.Decimal(str(want)) == decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        return False


def _close(want: Any, value: Any) -> bool:
    try:
        expected, got = float(want), float(value)
    except (TypeError, ValueError):
        return False
    if math.isnan(expected) or math.isnan(got):
        return math.isnan(expected) and math.isnan(got)
    return math.isclose(expected, got, rel_tol=1e-2)


def rows_match(expected: list[Any], rows: list[tuple[Any, ...]], types: list[str]) -> bool:
    """As many rows as expected, and each expected row matched by some result row, in any
    order (Proton's checker: two equal expected rows may match the same result row)."""
    if len(expected) != len(rows):
        return False
    wanted = (want if isinstance(want, list) else [want] for want in expected)
    return all(any(_row_matches(want, row, types) for row in rows) for want in wanted)


def _row_matches(want: list[Any], row: tuple[Any, ...], types: list[str]) -> bool:
    return len(want) == len(row) and all(
        field_matches(w, v, t) for w, v, t in zip(want, row, types))


def result_matches(expected: Any, got: Optional[Result]) -> bool:
    if expected == "skip":
        return True
    if isinstance(expected, str):
        return isinstance(got, str) and got.split(",")[0] == expected.split(",")[0]
    if isinstance(expected, dict) or got is None or isinstance(got, str):
        return False
    return rows_match(list(expected), *got)


def mismatches(case: Case, results: dict[str, Result]) -> dict[str, str]:
    """Per query id whose expected result the run did not give: what differs."""
    lines = {}
    for item in case.test.get("expected_results") or []:
        query_id, expected = str(item.get("query_id")), item.get("expected_results")
        got = results.get(query_id)
        if not result_matches(expected, got):
            shown = got if isinstance(got, str) or got is None else [
                [render(v) for v in row] for row in got[0][:20]]
            lines[query_id] = (f"query {query_id}: expected {json.dumps(expected)[:600]} "
                               f"got {str(shown)[:600]}")
    return lines


# ---------------------------------------------------------------- running
class StreamQuery:
    """A streaming query read on its own thread, on its own connection and cursor."""

    def __init__(self, dsn: str, sql: str, timeout: float) -> None:
        self.sql = sql
        self.after: dict[str, Any] = {}
        self.rows: list[tuple[Any, ...]] = []
        self.types: list[str] = []
        self.error: Optional[Exception] = None
        self.last = time.monotonic()
        self.started, self.done = threading.Event(), threading.Event()
        self._conn = timeplus_dbapi.connect(dsn)
        self._cursor = self._conn.cursor()
        self._thread = threading.Thread(target=self._read, args=(sql, timeout), daemon=True)
        self._thread.start()

    def _read(self, sql: str, timeout: float) -> None:
        try:
            self._cursor.execute(sql, idle_timeout=timeout)
            self.types = [str(column[1]) for column in self._cursor.description or []]
            self.started.set()
            for row in self._cursor:
                self.rows.append(tuple(row))
                self.last = time.monotonic()
        except Exception as error:  # the result is the error's code
            self.error = error
        finally:
            self.started.set()
            self.done.set()

    def stop(self) -> None:
        self._cursor.cancel()
        self.done.wait(10)
        self._conn.close()

    def result(self) -> Result:
        if self.error is not None:
            return f"error_code:{error_code(self.error)}"
        return list(self.rows), list(self.types)


def emits_periodically(sql: str) -> bool:
    """``EMIT PERIODIC``, or a global aggregation (Proton emits those every 2 s): what it
    shows depends on the time between the steps, so waits next to it are kept in full."""
    return bool(_PERIODIC.search(sql) or (_AGGREGATING.search(sql) and not _WINDOWED.search(sql)))


@dataclass
class CaseRun:
    """The state of one test while it runs."""

    dsn: str
    options: Options
    conn: Any
    schemas: dict[str, dict[str, Any]]
    queries: dict[str, StreamQuery] = field(default_factory=dict)
    results: dict[str, Result] = field(default_factory=dict)
    errors: list[tuple[Optional[int], str]] = field(default_factory=list)
    last_input: float = field(default_factory=time.monotonic)
    paced: bool = False  # a periodically emitting materialized view was created

    def _periodic(self, queries: Iterable[StreamQuery]) -> bool:
        return self.paced or any(emits_periodically(q.sql) for q in queries)

    def statement(self, statement: dict[str, Any], number: int) -> None:
        query_id = str(statement.get("query_id", f"_statement{number}"))
        sql = str(statement.get("query") or "").strip().rstrip(";").strip()
        scale = 1.0 if self._periodic(self.queries.values()) else self.options.wait_scale
        time.sleep(float(statement.get("wait") or 0) * scale)
        self._wait_for(statement)
        kill = _KILL.match(sql)
        if kill:
            self.kill([kill.group(1)], 0.0)
        elif statement.get("query_type") == "stream" or statement.get("run_mode") == "process":
            query = StreamQuery(self.dsn, sql, self.options.timeout)
            query.after = statement  # its acts run when it ends, as in Proton's harness
            self.queries[query_id] = query
            query.started.wait(self.options.timeout)
            if query.error is not None:
                self._failed(query.error, sql)
            return
        elif sql:
            self.paced |= bool(_VIEW.match(sql)) and emits_periodically(sql)
            self.results[query_id] = self._table_query(sql)
        self.acts(statement)

    def _wait_for(self, item: dict[str, Any]) -> None:
        depends = item.get("depends_on")
        if depends is not None and str(depends) in self.queries:
            self.queries[str(depends)].started.wait(self.options.timeout)
        done = item.get("depends_on_done")
        if done is not None and str(done) in self.queries:
            self.settle([self.queries[str(done)]], self.options.max_run)

    def _table_query(self, sql: str) -> Result:
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql, idle_timeout=self.options.timeout)
            types = [str(column[1]) for column in cursor.description or []]
            return [tuple(row) for row in cursor.fetchall()] if types else [], types
        except Exception as error:
            self._failed(error, sql)
            return f"error_code:{error_code(error)}"
        finally:
            cursor.close()

    def _failed(self, error: Exception, sql: str) -> None:
        self.errors.append((error_code(error), f"{sql[:200]} -> {str(error)[:300]}"))

    def inputs(self, batch: dict[str, Any]) -> None:
        # in full: the time between batches decides what periodic emits see (few batches wait)
        time.sleep(float(batch.get("sleep") or 0) + float(batch.get("wait") or 0))
        self._wait_for(batch)
        table = str(batch.get("table_name"))
        schema = self.schemas.get(table) or {}
        columns = batch.get("columns") or [c["name"] for c in schema.get("columns") or []]
        try:
            self.conn.client.ingest(table, columns, batch.get("data") or [])
        except Exception as error:
            self._failed(error, f"ingest into {table}")
        self.last_input = time.monotonic()
        self.acts(batch)

    def input_step(self, batches: list[dict[str, Any]]) -> None:
        """Proton's harness sleeps 1 s before a step's inputs and 1.5 s after them; kept
        only while something emits periodically."""
        paced = bool(batches) and self._periodic(self.queries.values())
        time.sleep(1.0 if paced else 0.0)
        for batch in batches:
            self.inputs(batch)
        time.sleep(1.5 if paced else 0.0)

    def acts(self, item: dict[str, Any]) -> None:
        """Proton's after-statement actions: kill queries, drop views or streams."""
        if item.get("kill") is not None:
            self.kill(str(item["kill"]).split(","), float(item.get("kill_wait") or 0))
        for key, kind in (("drop_view", "VIEW"), ("drop_stream", "STREAM")):
            for name in filter(None, str(item.get(key) or "").split(",")):
                self._table_query(f"DROP {kind} IF EXISTS {name.strip()}")

    def kill(self, query_ids: list[str], ran_for: float) -> None:
        """Cancel queries once they had their time and went quiet; keep what they read."""
        chosen = [self.queries[q.strip()] for q in query_ids if q.strip() in self.queries]
        self.settle(chosen, ran_for)
        for query_id in query_ids:
            query = self.queries.pop(query_id.strip(), None)
            if query is not None:
                query.stop()
                self.results[query_id.strip()] = query.result()
                self.acts(query.after)

    def settle(self, queries: list[StreamQuery], ran_for: float) -> None:
        """Wait until the queries ended, or ran ``ran_for`` seconds (at most ``max_run``, or
        all of it for an ``EMIT PERIODIC`` query) and went quiet for ``idle``."""
        start = time.monotonic()
        periodic = self._periodic(queries)
        at_least = ran_for if periodic else min(ran_for, self.options.max_run)
        while time.monotonic() - start < at_least + self.options.max_run + self.options.idle:
            live = [q for q in queries if not q.done.is_set()]
            if not live:
                return
            quiet = time.monotonic() - max([self.last_input] + [q.last for q in live])
            if time.monotonic() - start >= at_least and quiet >= self.options.idle:
                return
            time.sleep(0.05)

    def finish(self, timer: float) -> None:
        self.kill(list(self.queries), timer)


def create_streams(conn: Any, schemas: list[dict[str, Any]]) -> None:
    for schema in schemas:
        name = str(schema["name"])
        if schema.get("type") == "view":
            _execute(conn, f"DROP VIEW IF EXISTS {name}")
            _execute(conn, str(schema.get("create_sql")))
            continue
        _execute(conn, f"DROP STREAM IF EXISTS {name}")
        conn.client.create_stream(name, schema.get("columns") or [],
                                  event_time_column=schema.get("event_time_column"),
                                  ttl_expression=schema.get("ttl_expression"))


def _execute(conn: Any, sql: str) -> None:
    cursor = conn.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def run_case(dsn: str, conn: Any, case: Case, options: Options) -> Outcome:
    started = time.monotonic()
    schemas = {str(s["name"]): s for s in case.config.get("table_schemas") or []}
    run = CaseRun(dsn, options, conn, schemas)
    try:
        _reset_inputs(conn, case, schemas)
        timer = 0.0
        for step in case.test.get("steps") or []:
            for number, statement in enumerate(step.get("statements") or []):
                run.statement(statement, number)
                timer = max(timer, float(statement.get("query_end_timer") or 0))
            run.input_step(step.get("inputs") or [])
        run.finish(timer or 1.0)
    except Exception as error:
        run.finish(0.0)
        run.errors.append((error_code(error), f"harness: {error!r}"[:300]))
    outcome = classify(case, run.results, run.errors)
    outcome.seconds = round(time.monotonic() - started, 2)
    return outcome


def _reset_inputs(conn: Any, case: Case, schemas: dict[str, dict[str, Any]]) -> None:
    """Proton's harness drops and recreates each stream a test ingests into (unless
    ``reset: "False"``), so each test starts from empty streams."""
    tables = {str(b.get("table_name")) for step in case.test.get("steps") or []
              for b in step.get("inputs") or []}
    chosen = [schemas[t] for t in sorted(tables)
              if t in schemas and str(schemas[t].get("reset")) != "False"]
    create_streams(conn, chosen)


def classify(case: Case, results: dict[str, Result],
             errors: list[tuple[Optional[int], str]]) -> Outcome:
    missed = mismatches(case, results)
    if not missed:
        return Outcome(case.name, "pass")
    diff = list(missed.values())
    failed = [got for query_id, got in results.items() if query_id in missed
              and isinstance(got, str)]  # a query that should have given rows failed
    errors = errors + [(int(got.split(":")[1]) if got.split(":")[1].isdigit() else None, got)
                       for got in failed]
    refused = [text for code, text in errors if code == NOT_SUPPORTED]
    if refused:
        return Outcome(case.name, "refused", refused[0], diff=diff)
    if errors:
        return Outcome(case.name, "error", f"({errors[0][0]}) {errors[0][1]}", diff=diff)
    return Outcome(case.name, "wrong", "rows differ", diff=diff)


def setup_suite(conn: Any, config: dict[str, Any], options: Options) -> None:
    """The suite's streams, setup statements (table mode) and setup inputs."""
    schemas = config.get("table_schemas") or []
    create_streams(conn, schemas)
    setup = config.get("setup") or {}
    run = CaseRun("", options, conn, {str(s["name"]): s for s in schemas})
    for number, statement in enumerate(setup.get("statements") or []):
        run.statement({**statement, "query_type": "table", "wait": 0}, number)
    for batch in setup.get("inputs") or []:
        run.inputs(batch)
    if run.errors:
        code, text = run.errors[0]
        raise SetupError(code, text)


class SetupError(Exception):
    def __init__(self, code: Optional[int], text: str) -> None:
        super().__init__(f"suite setup failed ({code}): {text}")
        self.code = code


def run_suite(dsn: str, cases: list[Case], options: Options) -> Iterator[Outcome]:
    chosen = [(case, skip_reason(case)) for case in cases]
    if not any(reason is None for _, reason in chosen):
        yield from (Outcome(c.name, "skipped", r or "") for c, r in chosen)
        return
    with timeplus_dbapi.connect(dsn + "?query_mode=table") as conn:
        try:
            setup_suite(conn, cases[0].config, options)
        except Exception as error:
            kind = "refused" if error_code(error) == NOT_SUPPORTED else "error"
            yield from (Outcome(c.name, "skipped", r) if r else Outcome(c.name, kind, str(error))
                        for c, r in chosen)
            drop_streams(conn)
            return
        for case, reason in chosen:
            yield Outcome(case.name, "skipped", reason) if reason else \
                run_case(dsn, conn, case, options)
        drop_streams(conn)


def run_all(directory: Path, only: list[str], options: Options) -> Iterator[Outcome]:
    from timeplus_emulator import run_emulator

    with run_emulator(profile="cloud") as server:
        dsn = server.url.replace("http://", "timeplus://", 1)
        for path, cases, problem in load_cases(directory, only):
            if problem:
                yield Outcome(path.stem, "skipped", problem)
            elif cases:
                yield from run_suite(dsn, cases, options)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tests_dir", type=Path)
    parser.add_argument("--only", nargs="*", default=[], help="suite stems or suite:id")
    parser.add_argument("--json", type=Path, default=None, help="write every outcome here")
    parser.add_argument("--list", default="", help="kinds to print in full, e.g. wrong,error")
    parser.add_argument("--wait-scale", type=float, default=Options.wait_scale)
    parser.add_argument("--idle", type=float, default=Options.idle)
    parser.add_argument("--max-run", type=float, default=Options.max_run)
    args = parser.parse_args(argv)
    options = Options(args.wait_scale, args.idle, args.max_run)
    report(run_all(args.tests_dir, args.only, options), args.list, args.json, "tests", KINDS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
