"""Draw the README chart (``docs/benchmarks.png``) from benchmark results; needs matplotlib.

Four panels: fetch rows/s and ingest rows/s (end-to-end and client-side, every bar labelled with
its value), streaming latency percentiles, and RSS growth while iterating against its 50 MB limit.
A figure that was not measured is drawn as a missing bar and labelled "n/a".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from benchmarks.report import LABELS, figure

Result = dict[str, Any]
COLORS = {"ours": "#1f77b4", "ours_stdlib": "#8fbce6", "sdk": "#d62728", "raw": "#7f7f7f"}


def _color(client: str) -> str:
    if client.endswith("_stdlib"):
        return COLORS["ours_stdlib"]
    if client.startswith("ours"):
        return COLORS["ours"]
    return COLORS["sdk"] if client == "sdk" else COLORS["raw"]


def _grouped_bars(axis: Any, results: Result, section: str, clients: tuple[str, ...]) -> None:
    width = 0.8 / len(clients)
    for index, client in enumerate(clients):
        values = [figure(results, f"{section}.{kind}.{client}", "rows_per_s")
                  for kind in ("e2e", "client")]
        offsets = [position + (index - (len(clients) - 1) / 2) * width for position in (0, 1)]
        heights = [value or 0.0 for value in values]
        bars = axis.bar(offsets, heights, width, label=LABELS[client], color=_color(client),
                        alpha=1.0 if client.startswith(("ours", "sdk")) else 0.35 + 0.15 * index)
        for bar, value in zip(bars, values):
            text = "n/a" if value is None else f"{value / 1e3:,.0f}k"
            axis.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                          ha="center", va="bottom", fontsize=7, rotation=90)
    axis.set_xticks([0, 1], ["end-to-end (emulator)", "client-side only"])
    axis.set_ylabel("rows/s")
    axis.margins(y=0.15)
    axis.legend(fontsize=7, loc="upper left")


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
    axis.set_xticks(range(len(keys)), ["p50 after\ningest sent", "p99 after\ningest sent",
                                       "p50 after\ningest returned", "p99 after\ningest returned"])
    axis.axhline(0, color="black", linewidth=0.5)
    axis.set_ylabel("ms until the row is fetched")
    axis.set_title("Streaming latency (1 row / 10 ms batches)", fontsize=9)
    axis.legend(fontsize=7)


def _memory(axis: Any, results: Result) -> None:
    growth: Optional[float] = figure(results, "memory.ours", "rss_growth_mb")
    rows = results.get("meta", {}).get("memory_rows", 0)
    axis.bar([0], [growth or 0.0], 0.5, color=COLORS["ours"], label=LABELS["ours"])
    axis.axhline(50, color=COLORS["sdk"], linestyle="--", label="limit 50 MB")
    axis.annotate("n/a" if growth is None else f"{growth:.1f} MB", (0, growth or 0.0),
                  ha="center", va="bottom", fontsize=8)
    axis.set_xticks([0], [f"iterate {rows:,} rows"])
    axis.set_ylim(0, 60)
    axis.set_ylabel("RSS growth, MB")
    axis.set_title("Memory while streaming", fontsize=9)
    axis.legend(fontsize=7)


def draw(results: Result, path: Path) -> None:
    meta = results.get("meta", {})
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    _grouped_bars(axes[0][0], results, "fetch",
                  ("ours", "ours_stdlib", "sdk", "raw_json", "raw_orjson"))
    axes[0][0].set_title(f"Fetch {meta.get('rows', 0):,} rows (historical query)", fontsize=9)
    _grouped_bars(axes[0][1], results, "ingest", ("ours_executemany", "ours_to_sql", "sdk", "raw"))
    axes[0][1].set_title(f"Ingest {meta.get('ingest_rows', 0):,} rows", fontsize=9)
    _latency(axes[1][0], results)
    _memory(axes[1][1], results)
    fig.suptitle("sqlalchemy-timeplus vs the original SDK (timeplus 1.4.1) vs raw requests — "
                 f"{meta.get('machine', '')}, Python {meta.get('python', '')}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
