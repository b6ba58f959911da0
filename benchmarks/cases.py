"""Run one benchmark case in this process and print its measurement as one JSON line.

``python -m benchmarks.cases NAME '{"param": ...}'`` — the orchestrator (``benchmarks.run``) starts
every case in a fresh child process, so each client is measured alone: its CPU time is the process's
CPU time, its memory is its own, and no server shares its interpreter. Cases of the original SDK run
the same way under the SDK's venv interpreter.

A *timed* case is a setup function returning the zero-argument workload; this module times only the
workload (wall clock, process CPU, RSS); with ``"warmup": true`` in the params it runs it once
untimed first. A *report* case measures itself and returns its own
figures. Only the standard library is imported at module level; each case imports its client lazily.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from benchmarks import cases_fetch, cases_frames, cases_ingest, cases_small, cases_stream

RESULT_MARKER = "BENCH-RESULT "
Params = Mapping[str, Any]
Workload = Callable[[], int]

TIMED_CASES: dict[str, Callable[[Params], Workload]] = {
    "fetch.ours": cases_fetch.fetch_ours,
    "fetch.ours_stdlib": cases_fetch.fetch_ours_stdlib,
    "fetch.ours_pure": cases_fetch.fetch_ours_pure,
    "fetch.sdk": cases_fetch.fetch_sdk,
    "fetch.raw_json": cases_fetch.fetch_raw_json,
    "fetch.raw_orjson": cases_fetch.fetch_raw_orjson,
    "fetch.raw_bytes": cases_fetch.fetch_raw_bytes,
    "fetch.raw_sseclient": cases_fetch.fetch_raw_sseclient,
    "frames.ours_df": cases_frames.frames_ours_df,
    "frames.ours_arrow": cases_frames.frames_ours_arrow,
    "frames.ours_pl": cases_frames.frames_ours_pl,
    "frames.ours_read_frame": cases_frames.frames_ours_read_frame,
    "frames.read_sql": cases_frames.frames_read_sql,
    "frames.raw_pandas": cases_frames.frames_raw_pandas,
    "ingest.ours_executemany": cases_ingest.ingest_ours_executemany,
    "ingest.ours_executemany_stdlib": cases_ingest.ingest_ours_executemany_stdlib,
    "ingest.ours_to_sql": cases_ingest.ingest_ours_to_sql,
    "ingest.ours_to_sql_method": cases_ingest.ingest_ours_to_sql_method,
    "ingest.ours_write_frame": cases_ingest.ingest_ours_write_frame,
    "ingest.sdk": cases_ingest.ingest_sdk,
    "ingest.raw": cases_ingest.ingest_raw,
}
REPORT_CASES: dict[str, Callable[[Params], dict[str, Any]]] = {
    "memory.ours": cases_stream.memory_ours,
    "memory.ours_record_batch": cases_stream.memory_ours_record_batch,
    "latency.ours": cases_stream.latency_ours,
    "latency.raw": cases_stream.latency_raw,
    "latency.sdk": cases_stream.latency_sdk,
    "profile.ours": cases_fetch.profile_ours,
    "frames.compare": cases_frames.frames_compare,
    "small.ours": cases_small.small_ours,
    "small.ours_sqlalchemy": cases_small.small_ours_sqlalchemy,
    "small.sdk": cases_small.small_sdk,
    "small.raw": cases_small.small_raw,
}


def rss_mb() -> float:
    """Current resident set size of this process, in MiB (Linux ``/proc``)."""
    with open("/proc/self/statm", "rb") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / (1 << 20)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_workload(workload: Workload) -> dict[str, Any]:
    """Run ``workload`` once and measure wall time, process CPU time and RSS growth."""
    gc.collect()
    rss_before = rss_mb()
    cpu_start = time.process_time()
    wall_start = time.perf_counter()
    rows = workload()
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    return {
        "rows": rows,
        "wall_s": wall,
        "cpu_s": cpu,
        "rows_per_s": rows / wall if wall > 0 else None,
        "cpu_us_per_row": cpu / rows * 1e6 if rows else None,
        "rss_growth_mb": rss_mb() - rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_case(name: str, params: Params) -> dict[str, Any]:
    """Set up and measure the case ``name``; the result always has a ``status``."""
    if name in TIMED_CASES:
        workload = TIMED_CASES[name](params)
        if params.get("warmup"):  # once untimed: one-time costs of the libraries stay out
            workload()
        result = time_workload(workload)
        expected = params.get("expected_rows")
        if expected is not None and result["rows"] != expected:
            raise RuntimeError(f"{name}: got {result['rows']} rows, expected {expected}")
    elif name in REPORT_CASES:
        result = REPORT_CASES[name](params)
    else:
        raise KeyError(f"unknown case {name!r}")
    result["status"] = "ok"
    return result


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m benchmarks.cases NAME PARAMS_JSON")
    name, params = sys.argv[1], json.loads(sys.argv[2])
    try:
        result = run_case(name, params)
    except cases_fetch.NotAvailable as exc:
        result = {"status": "n/a", "reason": str(exc)}
    except Exception as exc:  # reported to the orchestrator, which keeps going
        traceback.print_exc()
        result = {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:500]}
    sys.stdout.write(RESULT_MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
