"""Draw the README chart (``docs/benchmarks.png``) from benchmark results; needs matplotlib.

Up to eight panels: fetch rows/s and ingest rows/s (end-to-end and client-side, log scale, every bar
labelled with its value), streaming latency percentiles, RSS growth while iterating against its
50 MB limit (row iteration and fetch_record_batch), the DataFrame paths (rows/s and CPU per row,
client side), and the small-queries section: wall time per query (median bar, the p99 as a pale
bar behind it, log scale) and client CPU per query, for each query and client.
A figure that was not measured is drawn as a missing bar and labelled "n/a".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from benchmarks.report import LABELS, SMALL_LABELS, figure, small_blocks

Result = dict[str, Any]
COLORS = {"ours": "#1f77b4", "ours_stdlib": "#8fbce6", "sdk": "#d62728", "raw": "#7f7f7f",
          "ours_pure": "#4f9bd0"}


SMALL_COLORS = {"ours": COLORS["ours"], "ours_sqlalchemy": COLORS["ours_stdlib"],
                "sdk": COLORS["sdk"], "raw": COLORS["raw"]}
_SMALL_GROUPS = {("e2e", "limit10"): "LIMIT 10 (10 rows)\nemulator",
                 ("e2e", "select1"): "SELECT 1\nemulator",
                 ("client", "limit10"): "LIMIT 10 (10 rows)\nreplayed body, client only"}


def _color(client: str) -> str:
    if client.endswith("_stdlib"):
        return COLORS["ours_stdlib"]
    if client == "ours_pure":
        return COLORS["ours_pure"]
    if client.startswith("ours"):
        return COLORS["ours"]
    return COLORS["sdk"] if client == "sdk" else COLORS["raw"]


def _grouped_bars(axis: Any, results: Result, section: str, clients: tuple[str, ...]) -> None:
    """Horizontal bars, one pair per client: end-to-end and client-side rows/s, log scale."""
    kinds = (("e2e", "end-to-end (emulator)", 1.0), ("client", "client-side only", 0.45))
    for index, client in enumerate(clients):
        for offset, (kind, _label, alpha) in enumerate(kinds):
            value = figure(results, f"{section}.{kind}.{client}", "rows_per_s")
            y = index + (offset - 0.5) * 0.4
            axis.barh([y], [value or 0.0], 0.38, color=_color(client), alpha=alpha)
            text = "n/a" if value is None else f" {value / 1e3:,.0f}k rows/s ({kind})"
            axis.annotate(text, (value or 6e3, y), va="center", fontsize=7)
    axis.set_yticks(range(len(clients)), [LABELS[client] for client in clients], fontsize=8)
    axis.invert_yaxis()
    axis.set_xscale("log")
    axis.set_xlim(left=5e3, right=1e9)
    axis.set_xlabel("rows/s (log scale); dark = end-to-end, light = client-side only")


def _latency(axis: Any, results: Result) -> None:
    clients = (("ours", LABELS["ours"]), ("raw", "raw requests+json"),
               ("sdk", "SDK timeplus 1.4.1"))
    keys = ("from_send_p50_ms", "from_send_p99_ms", "p50_ms", "p99_ms")
    for index, (client, label) in enumerate(clients):
        values = [figure(results, f"latency.{client}", key) for key in keys]
        offsets = [position + (index - 1) * 0.27 for position in range(len(keys))]
        bars = axis.bar(offsets, [value or 0.0 for value in values], 0.27, label=label,
                        color=_color(client) if client != "raw" else COLORS["raw"])
        for bar, value in zip(bars, values):
            axis.annotate("n/a" if value is None else f"{value:.1f}",
                          (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                          ha="center", va="bottom", fontsize=7, rotation=90)
    ticks = ["p50 after\ningest sent", "p99 after\ningest sent",
             "p50 after\ningest\nreturned", "p99 after\ningest\nreturned"]
    axis.set_xticks(range(len(keys)), ticks, fontsize=8)
    axis.axhline(0, color="black", linewidth=0.5)
    axis.set_ylabel("ms until the row is fetched")
    axis.set_title("Streaming latency (1 row / 10 ms batches)", fontsize=9)
    axis.legend(fontsize=7)


def _memory(axis: Any, results: Result) -> None:
    rows = results.get("meta", {}).get("memory_rows", 0)
    clients = (("ours", f"iterate {rows:,} rows"),
               ("ours_record_batch", f"fetch_record_batch,\n{rows:,} rows"))
    for index, (client, _label) in enumerate(clients):
        growth: Optional[float] = figure(results, f"memory.{client}", "rss_growth_mb")
        baseline = figure(results, f"memory.{client}", "rss_baseline_mb")
        axis.bar([index], [growth or 0.0], 0.5, color=COLORS["ours"])
        text = "n/a" if growth is None else f"{growth:.2f} MB over {baseline or 0:.0f} MB"
        axis.annotate(text, (index, growth or 0.0), ha="center", va="bottom", fontsize=8)
    axis.axhline(50, color=COLORS["sdk"], linestyle="--", label="limit 50 MB")
    axis.set_xticks(range(len(clients)), [label for _, label in clients], fontsize=8)
    axis.set_ylim(0, 60)
    axis.set_ylabel("RSS growth, MB")
    axis.set_title("Memory while streaming (ours)", fontsize=9)
    axis.legend(fontsize=7)


FRAME_CLIENTS = ("ours_df", "ours_arrow", "ours_pl", "ours_read_frame", "read_sql", "raw_pandas")


def _frames(axes: Any, results: Result) -> None:
    """Frames, client side: rows/s and CPU µs per row for each way into a DataFrame."""
    panels = (("rows_per_s", "thousand rows/s (replayed body, client only)", 1e3),
              ("cpu_us_per_row", "client CPU µs per row", 1.0))
    for axis, (key, unit, scale) in zip(axes, panels):
        found = [figure(results, f"frames.client.{c}", key) for c in FRAME_CLIENTS]
        values = [None if v is None else v / scale for v in found]
        colors = [COLORS["raw"] if c in ("raw_pandas", "read_sql") else COLORS["ours"]
                  for c in FRAME_CLIENTS]
        axis.barh(range(len(values)), [v or 0.0 for v in values], 0.6, color=colors)
        for index, value in enumerate(values):
            text = "n/a" if value is None else f" {_short(value)}"
            axis.annotate(text, (value or 0.0, index), va="center", fontsize=7)
        axis.set_yticks(range(len(values)), [LABELS[c] for c in FRAME_CLIENTS], fontsize=8)
        axis.invert_yaxis()
        axis.set_xlim(0, max([v or 0.0 for v in values] + [1e-9]) * 1.3)
        axis.set_xlabel(unit)
    axes[0].set_title(f"Into a DataFrame / Arrow table: {results.get('meta', {}).get('rows', 0):,}"
                      " rows, client side", fontsize=9)


def _small(axis: Any, results: Result, key: str, unit: str, behind: Optional[str]) -> float:
    """Grouped bars: one group per (kind, query), one bar per client, labelled with its value;
    ``behind`` (the p99) is drawn as a pale bar behind each one, and labelled after it. Returns
    the highest value drawn."""
    blocks = small_blocks(results)
    highest = 0.0
    width = 0.8 / len(SMALL_LABELS)
    for index, client in enumerate(SMALL_LABELS):
        x = [group + (index - (len(SMALL_LABELS) - 1) / 2) * width for group in range(len(blocks))]
        paths = [f"small.{kind}.{query}.{client}" for kind, query in blocks]
        values = [figure(results, path, key) for path in paths]
        backs = [figure(results, path, behind) if behind else None for path in paths]
        color = SMALL_COLORS[client]
        if behind:
            axis.bar(x, [back or 0.0 for back in backs], width * 0.95, color=color, alpha=0.3)
        axis.bar(x, [value or 0.0 for value in values], width * 0.95, color=color,
                 label=SMALL_LABELS[client])
        for position, value, back in zip(x, values, backs):
            highest = max(highest, value or 0.0, back or 0.0)
            text = "n/a" if value is None else _short(value)
            if back is not None:
                text += f" / {_short(back)}"
            axis.annotate(text, (position, max(value or 0.0, back or 0.0)), ha="center",
                          va="bottom", fontsize=6.5, rotation=90, xytext=(0, 2),
                          textcoords="offset points")
    axis.set_xticks(range(len(blocks)),
                    [_SMALL_GROUPS.get(block, " ".join(block)) for block in blocks], fontsize=8)
    axis.set_ylabel(unit)
    axis.legend(fontsize=7, loc="upper center", ncol=2)
    return highest


def _short(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"


def _small_panels(axes: Any, results: Result) -> None:
    meta = results.get("meta", {})
    queries = f"{meta.get('small_queries', 0):,} queries on one connection"
    highest = _small(axes[0], results, "median_ms",
                     "ms per query, log scale (bar = median, pale = p99)", "p99_ms")
    axes[0].set_yscale("log")
    axes[0].set_ylim(top=max(highest, 1.0) * 15)  # room for the labels and the legend
    axes[0].set_title(f"Small queries: wall time per query, {queries}", fontsize=9)
    highest = _small(axes[1], results, "cpu_us_per_query", "client CPU µs per query", None)
    axes[1].set_ylim(0, max(highest, 1.0) * 1.45)
    axes[1].set_title(f"Small queries: client CPU per query, {queries}", fontsize=9)


def draw(results: Result, path: Path) -> None:
    meta = results.get("meta", {})
    rows = 2 + ("small" in results) + ("frames" in results)
    fig, axes = plt.subplots(rows, 2, figsize=(13, 4.5 * rows))
    _grouped_bars(axes[0][0], results, "fetch",
                  ("ours", "ours_pure", "ours_stdlib", "sdk", "raw_json", "raw_orjson"))
    axes[0][0].set_title(f"Fetch {meta.get('rows', 0):,} rows (historical query)", fontsize=9)
    _grouped_bars(axes[0][1], results, "ingest",
                  ("ours_executemany", "ours_to_sql", "ours_to_sql_method", "ours_write_frame",
                   "sdk", "raw"))
    axes[0][1].set_title(f"Ingest {meta.get('ingest_rows', 0):,} rows", fontsize=9)
    _latency(axes[1][0], results)
    _memory(axes[1][1], results)
    if "small" in results:
        _small_panels(axes[2], results)
    if "frames" in results:
        _frames(axes[rows - 1], results)
    fig.suptitle("sqlalchemy-timeplus vs the original SDK (timeplus 1.4.1) vs raw requests — "
                 f"{meta.get('machine', '')}, Python {meta.get('python', '')}", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.985))  # room for the title above the first row
    fig.savefig(path, dpi=110)
    plt.close(fig)
