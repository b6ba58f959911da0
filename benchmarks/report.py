"""Turn benchmark results into ratios, target checks, a text table and a PNG chart.

Input is the results dict built by ``benchmarks.run``; every measurement is a dict with a ``status``
(``ok`` | ``n/a`` | ``error``). A figure that is missing makes its ratio ``None`` and its target
unmet ("n/a"), never a made-up number. matplotlib (the ``bench`` extra) is needed only for the
chart.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

Result = dict[str, Any]
LABELS = {
    "ours": "ours (timeplus_dbapi)",
    "ours_stdlib": "ours, stdlib json (no orjson)",
    "ours_pure": "ours, pure Python (no C accelerator)",
    "ours_executemany": "ours executemany",
    "ours_executemany_stdlib": "ours executemany, stdlib json",
    "ours_to_sql": "ours pandas to_sql",
    "ours_to_sql_method": "ours to_sql(method=ingest_method)",
    "ours_write_frame": "ours pandas write_frame",
    "sdk": "SDK timeplus 1.4.1",
    "raw_json": "raw requests+json",
    "raw_orjson": "raw requests+orjson",
    "raw_bytes": "raw bytes, no decode",
    "raw_sseclient": "requests+sseclient-py+json",
    "raw": "raw requests, pre-serialized",
    "ours_df": "ours cursor.df()",
    "ours_arrow": "ours cursor.arrow()",
    "ours_pl": "ours cursor.pl()",
    "ours_read_frame": "ours read_frame()",
    "read_sql": "pd.read_sql via our dialect",
    "raw_pandas": "raw orjson + pd.DataFrame",
}
SMALL_LABELS = {
    "ours": "ours cursor.execute+fetchall",
    "ours_sqlalchemy": "ours SQLAlchemy text()",
    "sdk": "SDK timeplus 1.4.1 dbapi",
    "raw": "raw requests.Session+json",
}
SMALL_OURS = ("ours", "ours_sqlalchemy")


def figure(results: Result, path: str, key: str) -> Optional[float]:
    """``results[a][b]...[key]`` for a dotted ``path``, or None when absent or not ``ok``."""
    node: Any = results
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if not isinstance(node, dict) or node.get("status") != "ok":
        return None
    value = node.get(key)
    return float(value) if isinstance(value, (int, float)) else None


def _divide(top: Optional[float], bottom: Optional[float]) -> Optional[float]:
    return top / bottom if top is not None and bottom else None


def ratios(results: Result) -> Result:
    """Speed-ups (>1 = ours faster) and time ratios (ours time / other time)."""
    out: Result = {}
    for kind in ("e2e", "client"):
        fetch = f"fetch.{kind}"
        ours_wall = figure(results, f"{fetch}.ours", "wall_s")
        out[f"fetch.{kind}.orjson_speedup"] = _divide(
            figure(results, f"{fetch}.ours_stdlib", "wall_s"), ours_wall)
        out[f"fetch.{kind}.cpu_speedup_vs_sdk"] = _divide(
            figure(results, f"{fetch}.sdk", "cpu_s"), figure(results, f"{fetch}.ours", "cpu_s"))
        out[f"fetch.{kind}.speedup_vs_sdk"] = _divide(
            figure(results, f"{fetch}.ours", "rows_per_s"),
            figure(results, f"{fetch}.sdk", "rows_per_s"))
        for raw in ("raw_json", "raw_orjson", "raw_bytes", "raw_sseclient"):
            out[f"fetch.{kind}.time_vs_{raw}"] = _divide(
                ours_wall, figure(results, f"{fetch}.{raw}", "wall_s"))
        for raw in ("raw_json", "raw_orjson"):
            out[f"fetch.{kind}.cpu_vs_{raw}"] = _divide(
                figure(results, f"{fetch}.ours", "cpu_s"),
                figure(results, f"{fetch}.{raw}", "cpu_s"))
        out[f"fetch.{kind}.pure_cpu_vs_raw_orjson"] = _divide(
            figure(results, f"{fetch}.ours_pure", "cpu_s"),
            figure(results, f"{fetch}.raw_orjson", "cpu_s"))
        out[f"ingest.{kind}.orjson_speedup"] = _divide(
            figure(results, f"ingest.{kind}.ours_executemany_stdlib", "wall_s"),
            figure(results, f"ingest.{kind}.ours_executemany", "wall_s"))
        for ours in ("ours_executemany", "ours_to_sql", "ours_to_sql_method", "ours_write_frame"):
            mine = figure(results, f"ingest.{kind}.{ours}", "wall_s")
            out[f"ingest.{kind}.{ours}.speedup_vs_sdk"] = _divide(
                figure(results, f"ingest.{kind}.sdk", "wall_s"), mine)
            out[f"ingest.{kind}.{ours}.time_vs_raw"] = _divide(
                mine, figure(results, f"ingest.{kind}.raw", "wall_s"))
    ours_p50 = figure(results, "latency.ours", "from_send_p50_ms")
    raw_p50 = figure(results, "latency.raw", "from_send_p50_ms")
    out["latency.ours_minus_raw_p50_ms"] = (
        ours_p50 - raw_p50 if ours_p50 is not None and raw_p50 is not None else None)
    # the driver's share: its own CPU per 1-row event (replayed) against the p50 it is part of
    per_event_us = figure(results, "latency.per_event_ours", "cpu_us_per_row")
    out["latency.driver_us_per_event"] = per_event_us
    p50_us = ours_p50 * 1000 if ours_p50 else None
    out["latency.driver_share_of_p50"] = _divide(per_event_us, p50_us)
    out.update(small_ratios(results))
    out.update(frame_ratios(results))
    return out


# (ratio name, numerator client, denominator client) of the frames section, on wall and CPU time
FRAME_RATIOS = (
    ("read_sql_vs_read_frame", "read_sql", "ours_read_frame"),
    ("df_vs_raw_pandas", "ours_df", "raw_pandas"),
    ("arrow_vs_df", "ours_arrow", "ours_df"),
    ("pl_vs_df", "ours_pl", "ours_df"),
)


def frame_ratios(results: Result) -> Result:
    """Time ratios of the frames section (client side): a / b, for wall and CPU time; the
    cursor's methods also as measured alternately in one process (``same_process``)."""
    out: Result = {}
    for name, top, bottom in FRAME_RATIOS:
        for key, short in (("wall_s", "time"), ("cpu_s", "cpu")):
            out[f"frames.client.{short}.{name}"] = _divide(
                figure(results, f"frames.client.{top}", key),
                figure(results, f"frames.client.{bottom}", key))
            if name in ("arrow_vs_df", "pl_vs_df"):
                out[f"frames.same_process.{short}.{name}"] = _divide(
                    figure(results, f"frames.same_process.{top}", key),
                    figure(results, f"frames.same_process.{bottom}", key))
    return out


def small_blocks(results: Result) -> list[tuple[str, str]]:
    """The (kind, query) pairs measured in the small-queries section, e.g. ("e2e", "limit10")."""
    small = results.get("small", {})
    return [(kind, query) for kind in ("e2e", "client")
            for query in small.get(kind, {}) if isinstance(small[kind][query], dict)]


def small_ratios(results: Result) -> Result:
    """Per small-query block: ours / raw (median wall and CPU per query, >1 = ours slower) and
    SDK / ours (median wall and CPU per query, >1 = ours faster)."""
    out: Result = {}
    for kind, query in small_blocks(results):
        block = f"small.{kind}.{query}"
        for ours in SMALL_OURS:
            path = f"{block}.{ours}"
            for key, short in (("median_ms", "median"), ("cpu_us_per_query", "cpu")):
                mine = figure(results, path, key)
                out[f"{path}.{short}_vs_raw"] = _divide(mine, figure(results, f"{block}.raw", key))
                out[f"{path}.{short}_speedup_vs_sdk"] = _divide(
                    figure(results, f"{block}.sdk", key), mine)
    return out


# (description, ratio key or figure path, comparison, threshold). The raw ingest baseline posts
# bytes serialized before the timing starts (client-side time ~0), so the 1.3x target is end-to-end.
TARGETS: tuple[tuple[str, str, str, float], ...] = (
    ("fetch, client-side: SDK dbapi CPU time >= 20x ours", "fetch.client.cpu_speedup_vs_sdk",
     ">=", 20),
    ("fetch, client-side: ours rows/s >= 20x SDK dbapi", "fetch.client.speedup_vs_sdk", ">=", 20),
    ("fetch, end-to-end: ours rows/s >= 20x SDK dbapi", "fetch.e2e.speedup_vs_sdk", ">=", 20),
    ("fetch, client-side: ours CPU time <= 2x raw requests+json", "fetch.client.cpu_vs_raw_json",
     "<=", 2),
    ("fetch, client-side: ours wall time <= 2x raw requests+json", "fetch.client.time_vs_raw_json",
     "<=", 2),
    ("fetch, client-side: ours CPU time <= 1.5x raw requests+orjson",
     "fetch.client.cpu_vs_raw_orjson", "<=", 1.5),
    ("frames, client-side: pd.read_sql CPU time >= 3x read_frame",
     "frames.client.cpu.read_sql_vs_read_frame", ">=", 3),
    ("frames, client-side: cursor.df() CPU time <= 1.5x raw orjson + pd.DataFrame",
     "frames.client.cpu.df_vs_raw_pandas", "<=", 1.5),
    ("frames, client-side, alternating in one process: cursor.arrow() CPU time <= cursor.df()",
     "frames.same_process.cpu.arrow_vs_df", "<=", 1),
    ("frames, client-side, alternating in one process: cursor.pl() CPU time <= cursor.df()",
     "frames.same_process.cpu.pl_vs_df", "<=", 1),
    ("ingest executemany, end-to-end: faster than SDK Stream.ingest",
     "ingest.e2e.ours_executemany.speedup_vs_sdk", ">", 1),
    ("ingest to_sql, end-to-end: faster than SDK Stream.ingest",
     "ingest.e2e.ours_to_sql.speedup_vs_sdk", ">", 1),
    ("ingest to_sql(method=ingest_method), end-to-end: faster than SDK Stream.ingest",
     "ingest.e2e.ours_to_sql_method.speedup_vs_sdk", ">", 1),
    ("ingest executemany, end-to-end: <= 1.3x raw pre-serialized post",
     "ingest.e2e.ours_executemany.time_vs_raw", "<=", 1.3),
    ("ingest to_sql, end-to-end: <= 1.3x raw pre-serialized post",
     "ingest.e2e.ours_to_sql.time_vs_raw", "<=", 1.3),
    ("ingest to_sql(method=ingest_method), end-to-end: <= 1.3x raw pre-serialized post",
     "ingest.e2e.ours_to_sql_method.time_vs_raw", "<=", 1.3),
    ("ingest pandas write_frame, end-to-end: faster than SDK Stream.ingest",
     "ingest.e2e.ours_write_frame.speedup_vs_sdk", ">", 1),
    ("ingest pandas write_frame, end-to-end: <= 1.3x raw pre-serialized post",
     "ingest.e2e.ours_write_frame.time_vs_raw", "<=", 1.3),
    ("memory: iterating the streamed result grows RSS < 50 MB", "memory.ours.rss_growth_mb",
     "<", 50),
    ("memory: fetch_record_batch over the streamed result grows RSS < 50 MB",
     "memory.ours_record_batch.rss_growth_mb", "<", 50),
)
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda a, b: a >= b, ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b, "<": lambda a, b: a < b,
}


def targets(results: Result) -> list[Result]:
    checks = []
    for description, key, comparison, threshold in TARGETS:
        if key.startswith("memory."):
            value = figure(results, key.rsplit(".", 1)[0], key.rsplit(".", 1)[1])
        else:
            value = results.get("ratios", ratios(results)).get(key)
        met = None if value is None else _COMPARE[comparison](value, threshold)
        checks.append({"target": description, "key": key, "value": value,
                       "threshold": f"{comparison} {threshold}", "met": met})
    return checks


def _num(value: Optional[float], digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def _cell(results: Result, path: str, key: str, digits: int = 2) -> str:
    node = results
    for part in path.split("."):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    if isinstance(node, dict) and node.get("status") == "error":
        return "ERROR"
    return _num(figure(results, path, key), digits)


def _throughput_block(results: Result, section: str, clients: tuple[str, ...]) -> list[str]:
    head = (f"  {'client':<32}{'e2e rows/s':>13}{'wall s':>9}{'CPU s':>8}"
            f"{'client rows/s':>15}{'wall s':>9}{'CPU s':>8}{'CPU us/row':>11}")
    lines = [head]
    for client in clients:
        cells = [_cell(results, f"{section}.e2e.{client}", "rows_per_s"),
                 _cell(results, f"{section}.e2e.{client}", "wall_s"),
                 _cell(results, f"{section}.e2e.{client}", "cpu_s"),
                 _cell(results, f"{section}.client.{client}", "rows_per_s"),
                 _cell(results, f"{section}.client.{client}", "wall_s"),
                 _cell(results, f"{section}.client.{client}", "cpu_s"),
                 _cell(results, f"{section}.client.{client}", "cpu_us_per_row")]
        lines.append(f"  {LABELS[client]:<32}{cells[0]:>13}{cells[1]:>9}{cells[2]:>8}"
                     f"{cells[3]:>15}{cells[4]:>9}{cells[5]:>8}{cells[6]:>11}")
    return lines


FETCH_ROWS = ("ours", "ours_pure", "ours_stdlib", "sdk", "raw_json", "raw_orjson", "raw_bytes",
              "raw_sseclient")
FRAME_ROWS = ("ours_df", "ours_arrow", "ours_pl", "ours_read_frame", "read_sql", "raw_pandas")
INGEST_ROWS = ("ours_executemany", "ours_executemany_stdlib", "ours_to_sql", "ours_to_sql_method",
               "ours_write_frame", "sdk", "raw")


def _ratio_lines(results: Result, prefix: str) -> list[str]:
    pairs = sorted((k, v) for k, v in results.get("ratios", {}).items() if k.startswith(prefix))
    return [f"  {key:<52} {_num(value)}" for key, value in pairs]


def format_table(results: Result) -> str:
    meta = results["meta"]
    lines = [f"sqlalchemy-timeplus benchmarks — {meta['started_utc']}, Python {meta['python']}, "
             f"{meta['machine']}, SDK {meta['sdk_version'] or 'n/a'}",
             f"columns: {', '.join(meta['columns'])}; e2e = against the emulator, client = "
             "replayed SSE body / discarding ingest sink", ""]
    if "fetch" in results:
        lines += [f"FETCH historical query, {meta['rows']:,} rows "
                  f"(SSE body {results['fetch']['body_bytes'] / 1e6:.1f} MB)"]
        lines += _throughput_block(results, "fetch", FETCH_ROWS)
        lines += [*_ratio_lines(results, "fetch."), ""]
    if "ingest" in results:
        lines += [f"INGEST {meta['ingest_rows']:,} rows "
                  f"(raw and SDK: {meta['chunk_rows']:,} rows per request, our driver's body cap)"]
        lines += _throughput_block(results, "ingest", INGEST_ROWS)
        sent = [f"{LABELS[client]} {node['requests']} / {node['body_bytes'] / 1e6:.1f} MB"
                for client, node in results["ingest"].get("client", {}).items()
                if isinstance(node, dict) and isinstance(node.get("requests"), int)]
        lines.append("  requests / body bytes received by the sink: " + "; ".join(sent))
        lines += [*_ratio_lines(results, "ingest."), ""]
    if "frames" in results:
        lines += [f"FRAMES the fetch query read into a DataFrame / Arrow table, client side, "
                  f"{meta['rows']:,} rows",
                  f"  {'client':<32}{'rows/s':>13}{'wall s':>9}{'CPU s':>8}{'CPU us/row':>11}"]
        for client in FRAME_ROWS:
            path = f"frames.client.{client}"
            cells = [_cell(results, path, key)
                     for key in ("rows_per_s", "wall_s", "cpu_s", "cpu_us_per_row")]
            lines.append(f"  {LABELS[client]:<32}{cells[0]:>13}{cells[1]:>9}{cells[2]:>8}"
                         f"{cells[3]:>11}")
        lines.append("  alternating in one process, least CPU s: " + ", ".join(
            f"{LABELS[client]} {_cell(results, f'frames.same_process.{client}', 'cpu_s')}"
            for client in ("ours_df", "ours_arrow", "ours_pl")))
        lines += [*_ratio_lines(results, "frames."), ""]
    lines += _memory_latency_lines(results, meta) + _small_lines(results, meta)
    lines += _profile_lines(results)
    lines += ["TARGETS"] + [
        f"  [{'PASS' if t['met'] else ('n/a ' if t['met'] is None else 'FAIL')}] {t['target']}: "
        f"{_num(t['value'])} (target {t['threshold']})" for t in results.get("targets", [])]
    return "\n".join(lines)


def _memory_latency_lines(results: Result, meta: Result) -> list[str]:
    lines: list[str] = []
    if "memory" in results:
        lines += [f"MEMORY iterating {meta['memory_rows']:,} streamed rows (ours): RSS growth "
                  f"{_cell(results, 'memory.ours', 'rss_growth_mb')} MB (baseline "
                  f"{_cell(results, 'memory.ours', 'rss_baseline_mb')} MB, "
                  f"{_cell(results, 'memory.ours', 'rows_per_s')} rows/s); "
                  "fetch_record_batch (100k-row Arrow batches): RSS growth "
                  f"{_cell(results, 'memory.ours_record_batch', 'rss_growth_mb')} MB (baseline "
                  f"{_cell(results, 'memory.ours_record_batch', 'rss_baseline_mb')} MB, "
                  f"{_cell(results, 'memory.ours_record_batch', 'rows_per_s')} rows/s)", ""]
    if "latency" in results:
        lines += [f"LATENCY ingest returned -> row out of the streaming fetch, "
                  f"batching 1 row/10 ms, {meta['latency_samples']} samples",
                  "  (ms; 'after return' = row out - ingest call returned, 'after send' = row out"
                  " - ingest call started)",
                  f"  {'client':<32}{'after return p50':>18}{'p99':>8}{'after send p50':>16}"
                  f"{'p99':>8}{'ingest call p50':>17}"]
        for client in ("ours", "raw", "sdk"):
            cells = [_cell(results, f"latency.{client}", key)
                     for key in ("p50_ms", "p99_ms", "from_send_p50_ms", "from_send_p99_ms",
                                 "ingest_call_p50_ms")]
            label = {"ours": LABELS["ours"], "raw": "raw requests+json",
                     "sdk": "SDK timeplus 1.4.1 Query"}[client]
            lines.append(f"  {label:<32}{cells[0]:>18}{cells[1]:>8}{cells[2]:>16}{cells[3]:>8}"
                         f"{cells[4]:>17}")
        for client in ("ours", "raw_json"):
            cost = _cell(results, f"latency.per_event_{client}", "cpu_us_per_row")
            lines.append(f"  client CPU per 1-row event (replayed), {LABELS[client]}: {cost} us")
        lines += [*_ratio_lines(results, "latency."), ""]
    return lines


_SMALL_TITLES = {"e2e": "against the emulator", "client": "client side, replayed body"}


def _small_lines(results: Result, meta: Result) -> list[str]:
    if "small" not in results:
        return []
    small = results["small"]
    lines = [f"SMALL QUERIES {meta['small_queries']:,} per client, one after the other on one "
             f"connection (after {meta['small_warmup']} untimed); wall ms per query, client CPU "
             "us per query; conns = TCP connections the server accepted during the case, conns/q = "
             "per query run (warm-up included)"]
    head = (f"  {'client':<32}{'median':>8}{'p99':>8}{'total s':>9}{'CPU us':>8}"
            f"{'conns':>6}{'conns/q':>8}{'reqs/q':>7}{'vs raw':>8}{'CPU vs raw':>11}{'vs SDK':>8}")
    for kind, query in small_blocks(results):
        lines += [f" {query} {_SMALL_TITLES[kind]}: {small['sql'][query]}", head]
        for client in SMALL_LABELS:
            path = f"small.{kind}.{query}.{client}"
            cells = [_cell(results, path, key, digits) for key, digits in
                     (("median_ms", 2), ("p99_ms", 2), ("wall_s", 2), ("cpu_us_per_query", 0),
                      ("connections_opened", 0), ("connections_per_query", 3),
                      ("requests_per_query", 2))]
            cells += _small_ratio_cells(results, f"small.{kind}.{query}", client)
            lines.append(f"  {SMALL_LABELS[client]:<32}{cells[0]:>8}{cells[1]:>8}{cells[2]:>9}"
                         f"{cells[3]:>8}{cells[4]:>6}{cells[5]:>8}{cells[6]:>7}{cells[7]:>8}"
                         f"{cells[8]:>11}{cells[9]:>8}")
    lines.append("  (vs raw = median / raw median and CPU / raw CPU, >1 = slower than raw; "
                 "vs SDK = SDK median / median, >1 = faster than the SDK)")
    return [*lines, ""]


def _small_ratio_cells(results: Result, block: str, client: str) -> list[str]:
    median = figure(results, f"{block}.{client}", "median_ms")
    cpu = figure(results, f"{block}.{client}", "cpu_us_per_query")
    return [_num(_divide(median, figure(results, f"{block}.raw", "median_ms"))),
            _num(_divide(cpu, figure(results, f"{block}.raw", "cpu_us_per_query"))),
            _num(_divide(figure(results, f"{block}.sdk", "median_ms"), median))]


def _profile_lines(results: Result) -> list[str]:
    profile = results.get("fetch", {}).get("profile")
    if not isinstance(profile, dict) or profile.get("status") != "ok":
        return []
    total = profile["profiled_total_s"]
    lines = [f"PROFILE our fetch, replayed (cProfile, {total:.2f} s profiled)"]
    lines += [f"  {e['own_share'] * 100:5.1f}% own  {e['calls']:>9} calls  {e['function']}"
              for e in profile["top"][:10]]
    return [*lines, ""]


def write_chart(results: Result, path: Path) -> str:
    """Draw the README chart; returns a one-line message (also when matplotlib is missing)."""
    try:
        import benchmarks.chart as chart
    except ImportError as exc:
        return f"chart skipped: {exc} (pip install -e '.[bench]')"
    path.parent.mkdir(parents=True, exist_ok=True)
    chart.draw(results, path)
    return f"chart: {path}"
