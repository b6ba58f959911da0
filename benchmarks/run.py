"""The benchmark command: ``python -m benchmarks [--rows N]`` (or ``python benchmarks/run.py``).

Starts the emulator (and the replay and sink servers) in child processes, prepares the data, runs
every case in its own child process — our driver, the original SDK (from its own interpreter, when
one can import ``timeplus.dbapi``; "n/a" otherwise) and the raw ``requests`` limit — then prints the
table, writes ``benchmarks/results/latest.json`` and draws ``docs/benchmarks.png``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import report
from benchmarks.cases import RESULT_MARKER
from benchmarks.dataset import COLUMNS, SELECT_SQL, chunked, compact_body, make_rows
from benchmarks.servers import REPO_ROOT, ServerProcess, single_row_body, split_events

Result = dict[str, Any]
SDK_PYTHON_ENV = "TIMEPLUS_SDK_PYTHON"
SECTIONS = ("fetch", "frames", "ingest", "memory", "latency", "small")


class Runner:
    """Runs cases in child processes; knows which interpreter has the original SDK."""

    def __init__(self, sdk_python: Optional[str], timeout: float) -> None:
        self.sdk_python = sdk_python
        self.timeout = timeout

    def run(self, name: str, params: dict[str, Any],
            server: Optional[ServerProcess] = None) -> Result:
        """Run one case; with ``server``, add what that server saw of it (``server_counts``)."""
        before = server.stats() if server is not None else None
        result = self._run(name, params)
        if server is not None and before is not None and result["status"] == "ok":
            result.update(server_counts(before, server.stats(), result))
        return result

    def _run(self, name: str, params: dict[str, Any]) -> Result:
        python = sys.executable
        if name.endswith(".sdk"):
            if self.sdk_python is None:
                return {"status": "n/a", "reason": "original SDK (timeplus==1.4.1) not installed"}
            python = self.sdk_python
        print(f"  running {name} ...", file=sys.stderr, flush=True)
        try:
            done = subprocess.run([python, "-m", "benchmarks.cases", name, json.dumps(params)],
                                  cwd=REPO_ROOT, capture_output=True, text=True,
                                  timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired:
            return {"status": "error", "error": f"timed out after {self.timeout:.0f} s"}
        for line in reversed(done.stdout.splitlines()):
            if line.startswith(RESULT_MARKER):
                result: Result = json.loads(line[len(RESULT_MARKER):])
                if result["status"] != "ok":
                    result["stderr_tail"] = done.stderr[-2000:]
                return result
        return {"status": "error", "error": f"exit {done.returncode}: {done.stderr[-1500:]}"}

    def best_of(self, name: str, params: dict[str, Any], repeat: int,
                server: Optional[ServerProcess] = None) -> Result:
        """The fastest of ``repeat`` runs (the original SDK's slow cases run once)."""
        runs = [self.run(name, params, server)
                for _ in range(1 if name.endswith(".sdk") else repeat)]
        return fastest(runs, "wall_s")

    def interleaved(self, section: str, clients: Sequence[str], params: dict[str, Any],
                    repeat: int, key: str) -> dict[str, Result]:
        """Each client ``repeat`` times, round by round (a, b, c, a, b, c, ...), so a busy
        moment of the machine hits every client alike; per client the run with the least
        ``key`` (the original SDK's slow cases run once)."""
        runs: dict[str, list[Result]] = {client: [] for client in clients}
        for round_number in range(repeat):
            for client in clients:
                if round_number == 0 or client != "sdk":
                    runs[client].append(self.run(f"{section}.{client}", params))
        return {client: fastest(client_runs, key) for client, client_runs in runs.items()}


def fastest(runs: list[Result], key: str) -> Result:
    """The run with the least ``key`` among those that worked, with every run's figures."""
    ok = [run for run in runs if run["status"] == "ok"]
    if not ok:
        return runs[0]
    best = dict(min(ok, key=lambda run: float(run[key])))
    best["runs"] = len(runs)
    best["chosen_by"] = key
    best["wall_s_all"] = [run.get("wall_s") for run in runs]
    best["cpu_s_all"] = [run.get("cpu_s") for run in runs]
    return best


def server_counts(before: Result, after: Result, result: Result) -> Result:
    """TCP connections and requests a server received during one case process, in all and per
    query the process ran (``queries`` + ``warmup_queries``; connecting is included)."""
    queries_run = int(result.get("queries", 0)) + int(result.get("warmup_queries", 0))
    opened = int(after["connections_accepted"]) - int(before["connections_accepted"])
    requests = {endpoint: count - int(before["requests"].get(endpoint, 0))
                for endpoint, count in after["requests"].items()}
    requests = {endpoint: count for endpoint, count in requests.items() if count}
    def per_query(count: int) -> Optional[float]:
        return count / queries_run if queries_run else None

    return {"connections_opened": opened, "connections_per_query": per_query(opened),
            "queries_run": queries_run, "server_requests": requests,
            "requests_per_query": per_query(sum(requests.values()))}


def find_sdk_python(explicit: Optional[str]) -> Optional[str]:
    """The first interpreter that can import the original SDK's dbapi, or None."""
    candidates = [explicit, os.environ.get(SDK_PYTHON_ENV),
                  str(REPO_ROOT.parent / "venv-sdk" / "bin" / "python"), sys.executable]
    for candidate in candidates:
        if not candidate or not Path(candidate).exists():
            continue
        probe = subprocess.run([candidate, "-c", "import timeplus.dbapi, requests"],
                               capture_output=True, check=False)
        if probe.returncode == 0:
            return candidate
    return None


def sdk_version(python: Optional[str]) -> Optional[str]:
    if python is None:
        return None
    probe = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('timeplus'))"],
        capture_output=True, text=True, check=False)
    return probe.stdout.strip() or None


class Emulator:
    """Untimed set-up calls to the emulator over plain HTTP: streams, bulk load, capture, count."""

    def __init__(self, info: dict[str, str]) -> None:
        import requests

        self.info = info
        self.base = info["base_url"] + "/v1beta2"
        self.session = requests.Session()

    def new_stream(self, purpose: str) -> str:
        name = f"bench_{purpose}_{uuid.uuid4().hex[:8]}"
        columns = [{"name": column, "type": type_name} for column, type_name in COLUMNS]
        response = self.session.post(f"{self.base}/streams",
                                     json={"name": name, "columns": columns})
        response.raise_for_status()
        return name

    def load(self, stream: str, rows: int, chunk_rows: int) -> None:
        url = f"{self.base}/streams/{stream}/ingest"
        for chunk in chunked(make_rows(rows), chunk_rows):
            self.session.post(url, data=compact_body(chunk),
                              headers={"Content-Type": "application/json"}).raise_for_status()

    def capture(self, sql: str) -> bytes:
        """The de-chunked SSE body the emulator sends for ``sql``."""
        response = self.session.post(f"{self.base}/queries", json={"sql": sql},
                                     headers={"Accept": "text/event-stream"}, stream=True)
        response.raise_for_status()
        return b"".join(response.iter_content(chunk_size=1 << 20))

    def count(self, stream: str) -> int:
        body = self.capture(f"SELECT count() FROM table({stream})")
        for event in split_events(body):
            if event.startswith(b"data:"):
                return int(json.loads(event[5:])[0][0])
        raise RuntimeError(f"no count returned for {stream}")


def _fetch_params(info: dict[str, str], sql: str, rows: int) -> dict[str, Any]:
    return {**info, "sql": sql, "expected_rows": rows}


FETCH_CLIENTS = ("ours", "ours_pure", "ours_stdlib", "sdk", "raw_json", "raw_orjson", "raw_bytes",
                 "raw_sseclient")


def _fetch_body(emulator: Emulator, options: argparse.Namespace, workdir: Path) -> tuple[str, Path]:
    """The fetch query over a freshly loaded stream, and its SSE body captured once."""
    body_file = workdir / "fetch-body.sse"
    sql_file = workdir / "fetch-sql.txt"
    if body_file.exists():
        return sql_file.read_text(), body_file
    stream = emulator.new_stream("fetch")
    emulator.load(stream, options.rows, options.chunk_rows)
    sql = SELECT_SQL.format(stream=stream)
    sql_file.write_text(sql)
    body_file.write_bytes(emulator.capture(sql))
    return sql, body_file


def run_fetch(runner: Runner, emulator: Emulator, options: argparse.Namespace,
              workdir: Path) -> Result:
    sql, body_file = _fetch_body(emulator, options, workdir)
    results: Result = {"e2e": {}, "client": {}, "body_bytes": body_file.stat().st_size}
    params = _fetch_params(emulator.info, sql, options.rows)
    results["e2e"] = runner.interleaved("fetch", FETCH_CLIENTS, params, options.repeat, "wall_s")
    with ServerProcess("replay", ["--body", str(body_file)]) as replay:
        params = _fetch_params(replay, sql, options.rows)
        results["client"] = runner.interleaved("fetch", FETCH_CLIENTS, params, options.repeat,
                                               "cpu_s")
        if options.profile:
            results["profile"] = runner.run("profile.ours", params)
    return results


FRAME_CLIENTS = ("ours_df", "ours_arrow", "ours_pl", "ours_read_frame", "read_sql", "raw_pandas")


def run_frames(runner: Runner, emulator: Emulator, options: argparse.Namespace,
               workdir: Path) -> Result:
    """The fetch query read into frames, client side (replayed body)."""
    sql, body_file = _fetch_body(emulator, options, workdir)
    results: Result = {"client": {}}
    with ServerProcess("replay", ["--body", str(body_file)]) as replay:
        # warmed up: a process's first frame pays 0.1-0.25 s of one-time Arrow/pandas/polars
        # set-up, which varies more than the differences between the paths
        params = {**_fetch_params(replay, sql, options.rows), "warmup": True}
        results["client"] = runner.interleaved("frames", FRAME_CLIENTS, params, options.repeat,
                                               "cpu_s")
        compared = runner.run("frames.compare", {**params, "rounds": options.repeat})
        results["same_process"] = {key: value for key, value in compared.items()
                                   if key != "status"}
    return results


def run_memory(runner: Runner, options: argparse.Namespace, workdir: Path) -> Result:
    body_file = workdir / "fetch-body.sse"
    repeat = max(1, options.memory_rows // options.rows)
    with ServerProcess("replay", ["--body", str(body_file), "--repeat", str(repeat)]) as replay:
        params = _fetch_params(replay, "SELECT i, f, s, t FROM bench", repeat * options.rows)
        return {client: runner.run(f"memory.{client}", params)
                for client in ("ours", "ours_record_batch")}


def sink_stats(info: dict[str, str]) -> dict[str, int]:
    """Requests and body bytes the ingest sink has received so far."""
    import requests

    response = requests.get(f"{info['base_url']}/_bench/stats", timeout=10)
    response.raise_for_status()
    stats: dict[str, int] = response.json()
    return stats


INGEST_CLIENTS = ("ours_executemany", "ours_executemany_stdlib", "ours_to_sql",
                  "ours_to_sql_method", "ours_write_frame", "sdk", "raw")
SINK_CLIENTS = ("ours_executemany", "ours_executemany_stdlib", "sdk", "raw")


def run_ingest(runner: Runner, emulator: Emulator, options: argparse.Namespace) -> Result:
    results: Result = {"e2e": {}, "client": {}}
    base = {"rows": options.ingest_rows, "chunk_rows": options.chunk_rows,
            "expected_rows": options.ingest_rows}
    for client in INGEST_CLIENTS:
        stream = emulator.new_stream("ingest")
        result = runner.run(f"ingest.{client}", {**emulator.info, **base, "stream": stream})
        if result["status"] == "ok":
            result["rows_stored"] = emulator.count(stream)
            if result["rows_stored"] != options.ingest_rows:
                result["status"] = "error"
                result["error"] = f"{result['rows_stored']} rows stored, {options.ingest_rows} sent"
        results["e2e"][client] = result
    with ServerProcess("sink") as sink:
        for client in SINK_CLIENTS:
            params = {**sink, **base, "stream": "bench_sink"}
            before = sink_stats(sink)
            result = runner.run(f"ingest.{client}", params)
            after = sink_stats(sink)
            result["requests"] = after["ingest_requests"] - before["ingest_requests"]
            result["body_bytes"] = after["ingested_bytes"] - before["ingested_bytes"]
            results["client"][client] = result
    for client in ("ours_to_sql", "ours_to_sql_method", "ours_write_frame"):
        results["client"][client] = {
            "status": "n/a",
            "reason": "pandas writes read the stream's columns first, which the sink does not "
                      "answer"}
    return results


def run_latency(runner: Runner, emulator: Emulator, options: argparse.Namespace,
                workdir: Path) -> Result:
    results: Result = {}
    body_file = workdir / "fetch-body.sse"
    if body_file.exists():  # the client's own cost per row when every row is its own event
        rows = min(options.rows, 20_000)
        single = workdir / "single-row-body.sse"
        single.write_bytes(single_row_body(body_file.read_bytes(), rows))
        with ServerProcess("replay", ["--body", str(single)]) as replay:
            params = _fetch_params(replay, "SELECT i, f, s, t FROM bench", rows)
            for client in ("ours", "raw_json"):
                results[f"per_event_{client}"] = runner.best_of(f"fetch.{client}", params,
                                                                options.repeat)
    for client in ("ours", "raw", "sdk"):
        stream = emulator.new_stream("latency")
        params = {**emulator.info, "stream": stream, "samples": options.latency_samples,
                  "gap_ms": options.latency_gap_ms}
        results[client] = runner.run(f"latency.{client}", params)
    return results


SMALL_CLIENTS = ("ours", "ours_sqlalchemy", "sdk", "raw")
SMALL_STREAM_ROWS = 100
SMALL_WARMUP = 5


def small_queries(stream: str) -> dict[str, tuple[str, int]]:
    """The small queries by key: (SQL, rows it returns)."""
    return {"limit10": (f"SELECT i, f, s, t FROM table({stream}) LIMIT 10", 10),
            "select1": ("SELECT 1", 1)}


def run_small(runner: Runner, emulator: Emulator, emulator_process: ServerProcess,
              options: argparse.Namespace, workdir: Path) -> Result:
    """N tiny queries on one connection per client: against the emulator (both queries) and
    against the replay server answering with the captured LIMIT 10 body (client side)."""
    stream = emulator.new_stream("small")
    emulator.load(stream, SMALL_STREAM_ROWS, options.chunk_rows)
    queries = small_queries(stream)
    base = {"queries": options.small_queries, "warmup": SMALL_WARMUP}
    results: Result = {"sql": {key: sql for key, (sql, _) in queries.items()},
                       "e2e": {}, "client": {}}
    for key, (sql, rows) in queries.items():
        params = {**emulator.info, **base, "sql": sql, "expected_rows": rows}
        results["e2e"][key] = {
            client: runner.best_of(f"small.{client}", params, options.repeat, emulator_process)
            for client in SMALL_CLIENTS}
    sql, rows = queries["limit10"]
    body_file = workdir / "small-body.sse"
    body_file.write_bytes(emulator.capture(sql))
    results["body_bytes"] = body_file.stat().st_size
    replay_process = ServerProcess("replay", ["--body", str(body_file)])
    with replay_process as replay:
        params = {**replay, **base, "sql": sql, "expected_rows": rows}
        results["client"]["limit10"] = {
            client: runner.best_of(f"small.{client}", params, options.repeat, replay_process)
            for client in SMALL_CLIENTS}
    return results


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the fetch query")
    parser.add_argument("--ingest-rows", type=int, help="rows to ingest (default: --rows)")
    parser.add_argument("--memory-rows", type=int, help="rows iterated (default: 5 x --rows)")
    parser.add_argument("--chunk-bytes", type=int, default=4 << 20,
                        help="body size per request for the raw and SDK ingest; the default is "
                             "our driver's default cap, so all clients send as many requests")
    parser.add_argument("--chunk-rows", type=int, help="rows per request (overrides --chunk-bytes)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each fetch case N times and keep the fastest (SDK: once)")
    parser.add_argument("--latency-samples", type=int, default=1000)
    parser.add_argument("--latency-gap-ms", type=float, default=20.0)
    parser.add_argument("--small-queries", type=int, default=500,
                        help="queries per client in the small-queries section")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--sdk-python",
                        help=f"interpreter with timeplus==1.4.1 (or ${SDK_PYTHON_ENV})")
    parser.add_argument("--no-sdk", action="store_true", help="report the SDK as n/a")
    parser.add_argument("--profile", action="store_true", help="cProfile our fetch (replayed)")
    parser.add_argument("--case-timeout", type=float, default=900.0)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks/results/latest.json")
    parser.add_argument("--chart", type=Path, default=REPO_ROOT / "docs/benchmarks.png")
    parser.add_argument("--no-chart", action="store_true")
    options = parser.parse_args(argv)
    options.ingest_rows = options.ingest_rows or options.rows
    options.memory_rows = options.memory_rows or 5 * options.rows
    options.chunk_rows = options.chunk_rows or rows_per_body(options.chunk_bytes)
    options.sections = [s.strip() for s in options.only.split(",") if s.strip()]
    unknown = set(options.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}")
    if options.rows < 1 or options.small_queries < 1:
        parser.error("--rows and --small-queries must be >= 1")
    return options


def rows_per_body(max_bytes: int) -> int:
    """How many data set rows fit in a compact ingest body of ``max_bytes``."""
    sample = 1000
    per_row = len(compact_body(make_rows(sample, start=500_000))) / sample
    return max(1, int(max_bytes // per_row))


def collect_meta(options: argparse.Namespace, sdk_python: Optional[str]) -> Result:
    return {
        "started_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "rows": options.rows, "ingest_rows": options.ingest_rows,
        "memory_rows": max(1, options.memory_rows // options.rows) * options.rows,
        "chunk_rows": options.chunk_rows, "latency_samples": options.latency_samples,
        "fetch_repeat": options.repeat, "small_queries": options.small_queries,
        "small_warmup": SMALL_WARMUP,
        "latency_gap_ms": options.latency_gap_ms, "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "sdk_python": sdk_python, "sdk_version": sdk_version(sdk_python),
        "columns": [f"{name} {type_name}" for name, type_name in COLUMNS],
    }


def run_all(options: argparse.Namespace) -> Result:
    sdk_python = None if options.no_sdk else find_sdk_python(options.sdk_python)
    runner = Runner(sdk_python, options.case_timeout)
    results: Result = {"meta": collect_meta(options, sdk_python)}
    emulator_process = ServerProcess("emulator")
    with tempfile.TemporaryDirectory(prefix="tp-bench-") as tmp, emulator_process as info:
        emulator = Emulator(info)
        workdir = Path(tmp)
        if "fetch" in options.sections or "memory" in options.sections:
            results["fetch"] = run_fetch(runner, emulator, options, workdir)
        if "frames" in options.sections:
            results["frames"] = run_frames(runner, emulator, options, workdir)
        if "memory" in options.sections:
            results["memory"] = run_memory(runner, options, workdir)
        if "ingest" in options.sections:
            results["ingest"] = run_ingest(runner, emulator, options)
        if "latency" in options.sections:
            results["latency"] = run_latency(runner, emulator, options, workdir)
        if "small" in options.sections:
            results["small"] = run_small(runner, emulator, emulator_process, options, workdir)
    results["ratios"] = report.ratios(results)
    results["targets"] = report.targets(results)
    return results


def main(argv: Optional[Sequence[str]] = None) -> None:
    options = parse_args(argv)
    results = run_all(options)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(results, indent=2) + "\n")
    print(report.format_table(results))
    print(f"\nresults: {options.out}")
    if not options.no_chart:
        print(report.write_chart(results, options.chart))


if __name__ == "__main__":
    main()
