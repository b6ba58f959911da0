"""CI smoke test of the benchmark command: it runs at a tiny size and writes every figure.

Runs ``python -m benchmarks`` exactly as a user would (it starts its own emulator, replay server and
ingest sink), without the original SDK and without the chart, then checks the JSON it wrote: every
figure of our driver and of the raw baseline is measured, row counts are the requested ones, and the
ratios and targets are computed. Timings are not asserted — benchmarks are not timed tests.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ROWS = 300
MEMORY_ROWS = 900
SAMPLES = 5
SMALL_QUERIES = 20
SMALL_WARMUP = 5  # benchmarks.run.SMALL_WARMUP: untimed queries before the timed ones
SMALL_BLOCKS = [("e2e", "limit10", 10), ("e2e", "select1", 1), ("client", "limit10", 10)]

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    out = tmp_path_factory.mktemp("bench") / "results.json"
    command = [sys.executable, "-m", "benchmarks", "--rows", str(ROWS),
               "--memory-rows", str(MEMORY_ROWS), "--latency-samples", str(SAMPLES),
               "--latency-gap-ms", "5", "--chunk-rows", "100", "--no-sdk", "--no-chart",
               "--small-queries", str(SMALL_QUERIES),
               "--out", str(out)]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text()), done.stdout


def _assert_measured(result: dict[str, Any], *keys: str) -> None:
    assert result["status"] == "ok", result
    for key in keys:
        value = result[key]
        assert isinstance(value, (int, float)) and math.isfinite(value), (key, result)


@pytest.mark.parametrize("kind", ["e2e", "client"])
@pytest.mark.parametrize(
    "client", ["ours", "ours_pure", "ours_stdlib", "raw_json", "raw_bytes", "raw_sseclient"])
def test_fetch_figures(bench_run: tuple[dict[str, Any], str], kind: str, client: str) -> None:
    result = bench_run[0]["fetch"][kind][client]
    _assert_measured(result, "rows_per_s", "wall_s", "cpu_s", "cpu_us_per_row")
    assert result["rows"] == ROWS
    assert result["rows_per_s"] > 0


def test_optional_clients_are_measured_or_marked_not_available(
        bench_run: tuple[dict[str, Any], str]) -> None:
    results = bench_run[0]
    for kind in ("e2e", "client"):
        assert results["fetch"][kind]["sdk"]["status"] == "n/a"  # --no-sdk
        assert results["ingest"][kind]["sdk"]["status"] == "n/a"
        assert results["fetch"][kind]["raw_orjson"]["status"] in ("ok", "n/a")
    assert results["latency"]["sdk"]["status"] == "n/a"
    for kind, query, _rows in SMALL_BLOCKS:
        assert results["small"][kind][query]["sdk"]["status"] == "n/a"


@pytest.mark.parametrize("client", ["ours_executemany", "ours_executemany_stdlib", "ours_to_sql",
                                    "ours_to_sql_method", "ours_write_frame", "raw"])
def test_ingest_end_to_end_figures(bench_run: tuple[dict[str, Any], str], client: str) -> None:
    result = bench_run[0]["ingest"]["e2e"][client]
    _assert_measured(result, "rows_per_s", "wall_s", "cpu_s")
    assert result["rows"] == ROWS
    assert result["rows_stored"] == ROWS  # counted on the emulator after the ingest


@pytest.mark.parametrize("client", ["ours_executemany", "ours_executemany_stdlib", "raw"])
def test_ingest_client_side_figures(bench_run: tuple[dict[str, Any], str], client: str) -> None:
    result = bench_run[0]["ingest"]["client"][client]
    _assert_measured(result, "rows_per_s", "wall_s", "cpu_s")
    assert result["rows"] == ROWS
    assert result["requests"] >= 1  # counted by the sink, not by the client
    assert result["body_bytes"] > ROWS * 20  # every row's ~60 bytes of JSON reached the sink


@pytest.mark.parametrize("client", ["ours", "ours_record_batch"])
def test_memory_figure(bench_run: tuple[dict[str, Any], str], client: str) -> None:
    result = bench_run[0]["memory"][client]
    _assert_measured(result, "rss_growth_mb", "rss_baseline_mb", "rss_peak_mb", "rows_per_s")
    assert result["rows"] == MEMORY_ROWS
    assert result["rss_peak_mb"] >= result["rss_baseline_mb"] > 0


@pytest.mark.parametrize("client", ["ours", "raw_json"])
def test_per_event_cost_figures(bench_run: tuple[dict[str, Any], str], client: str) -> None:
    result = bench_run[0]["latency"][f"per_event_{client}"]
    _assert_measured(result, "cpu_us_per_row", "wall_s")
    assert result["rows"] == ROWS  # one SSE event per row, all of them read


@pytest.mark.parametrize("client", ["ours", "raw"])
def test_latency_figures(bench_run: tuple[dict[str, Any], str], client: str) -> None:
    result = bench_run[0]["latency"][client]
    _assert_measured(result, "p50_ms", "p99_ms", "from_send_p50_ms", "from_send_p99_ms",
                     "ingest_call_p50_ms")
    assert result["samples"] == SAMPLES
    assert result["from_send_p50_ms"] <= result["from_send_p99_ms"]


@pytest.mark.parametrize(("kind", "query", "rows"), SMALL_BLOCKS)
@pytest.mark.parametrize("client", ["ours", "ours_sqlalchemy", "raw"])
def test_small_query_figures(bench_run: tuple[dict[str, Any], str], kind: str, query: str,
                             rows: int, client: str) -> None:
    result = bench_run[0]["small"][kind][query][client]
    _assert_measured(result, "median_ms", "p99_ms", "wall_s", "cpu_s", "cpu_us_per_query",
                     "connections_per_query", "requests_per_query")
    assert result["queries"] == SMALL_QUERIES
    assert result["rows_per_query"] == rows  # the case checked every query's row count
    assert 0 < result["min_ms"] <= result["median_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert result["queries_run"] == SMALL_QUERIES + SMALL_WARMUP
    # counted by the server, not by the client: one POST /queries per query run
    assert result["server_requests"].get("queries") == SMALL_QUERIES + SMALL_WARMUP


@pytest.mark.parametrize(("kind", "query", "rows"), SMALL_BLOCKS)
@pytest.mark.parametrize("client", ["ours", "ours_sqlalchemy", "raw"])
def test_small_queries_reuse_connections(bench_run: tuple[dict[str, Any], str], kind: str,
                                         query: str, rows: int, client: str) -> None:
    result = bench_run[0]["small"][kind][query][client]
    # a client opening a connection per query would show >= 25 here
    assert 1 <= result["connections_opened"] <= 2, result


def test_ratios_and_targets(bench_run: tuple[dict[str, Any], str]) -> None:
    results, table = bench_run
    ratios = results["ratios"]
    for key in ("fetch.client.time_vs_raw_json", "fetch.e2e.time_vs_raw_json",
                "ingest.e2e.ours_executemany.time_vs_raw", "ingest.e2e.ours_to_sql.time_vs_raw",
                "ingest.e2e.ours_write_frame.time_vs_raw",
                "ingest.client.ours_executemany.time_vs_raw", "latency.ours_minus_raw_p50_ms",
                "latency.driver_us_per_event", "latency.driver_share_of_p50",
                "small.e2e.limit10.ours.median_vs_raw", "small.e2e.select1.ours.cpu_vs_raw",
                "small.client.limit10.ours_sqlalchemy.median_vs_raw"):
        assert isinstance(ratios[key], float), key
    assert ratios["fetch.client.speedup_vs_sdk"] is None  # no SDK: no made-up ratio
    assert ratios["small.e2e.limit10.ours.median_speedup_vs_sdk"] is None
    by_key = {target["key"]: target for target in results["targets"]}
    growth = results["memory"]["ours"]["rss_growth_mb"]
    assert by_key["memory.ours.rss_growth_mb"]["value"] == growth
    assert by_key["fetch.client.speedup_vs_sdk"]["met"] is None
    for heading in ("FETCH", "INGEST", "MEMORY", "LATENCY", "SMALL QUERIES", "TARGETS"):
        assert heading in table


@pytest.mark.parametrize(
    "client", ["ours_df", "ours_arrow", "ours_pl", "ours_read_frame", "read_sql", "raw_pandas"])
def test_frame_figures(bench_run: tuple[dict[str, Any], str], client: str) -> None:
    result = bench_run[0]["frames"]["client"][client]
    if client == "raw_pandas" and result["status"] == "n/a":
        return  # orjson (the fast extra) is not installed
    _assert_measured(result, "rows_per_s", "wall_s", "cpu_s")
    assert result["rows"] == ROWS


@pytest.mark.parametrize("client", ["ours_df", "ours_arrow", "ours_pl"])
def test_frame_paths_compared_in_one_process(bench_run: tuple[dict[str, Any], str],
                                             client: str) -> None:
    result = bench_run[0]["frames"]["same_process"][client]
    _assert_measured(result, "wall_s", "cpu_s")
    assert len(result["cpu_s_all"]) >= 1
    assert isinstance(bench_run[0]["ratios"]["frames.same_process.cpu.pl_vs_df"], float)
