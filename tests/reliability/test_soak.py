"""Load/soak, CI size (issue 8): 8 streaming cursors and 2 ingest writers for 5 s against an
emulator in a child process, through ``scripts/soak.py`` (whose default size is the nightly one:
32 cursors, 4 writers, 60 s). Every row must reach every cursor exactly once; after closing, no
threads, sockets or server-side running queries may be left.
"""

from __future__ import annotations

import importlib.util
import socket
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Callable

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "soak.py"


def _load_soak() -> ModuleType:
    spec = importlib.util.spec_from_file_location("soak_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


soak = _load_soak()


@pytest.mark.watchdog(90)
def test_soak_ci_size(record_property: Callable[[str, object], None]) -> None:
    config = soak.SoakConfig(cursors=8, writers=2, duration_s=5.0, idle_timeout_s=15.0)
    with soak.emulator_process() as dsn:
        result = soak.run_soak(dsn, config)
    for name in ("rows_ingested", "rows_delivered", "ingest_rows_per_s", "delivered_rows_per_s",
                 "latency_p50_ms", "latency_p99_ms", "leaked_threads", "leaked_fds",
                 "running_queries_after"):
        record_property(name, getattr(result, name))
    assert result.errors == []
    assert result.rows_ingested >= 1000  # the writers really wrote
    assert (result.missing, result.duplicates, result.out_of_order) == (0, 0, 0)
    assert result.rows_delivered == result.rows_ingested * config.cursors
    assert (result.leaked_threads, result.leaked_fds, result.running_queries_after) == (0, 0, 0)
    assert result.ok


def test_leak_accounting_can_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks the soak relies on do notice a leaked socket and thread."""
    baseline_threads, baseline_fds = threading.active_count(), soak._open_fds()
    stop = threading.Event()
    leaked_thread = threading.Thread(target=stop.wait, daemon=True)
    leaked_thread.start()
    with socket.socket() as leaked_socket:
        leaked_socket.bind(("127.0.0.1", 0))
        monkeypatch.setattr(soak, "SETTLE_S", 0.2)
        assert soak._settle(baseline_threads, baseline_fds) == (1, 1)
    stop.set()
    leaked_thread.join()


def test_delivery_check_can_fail() -> None:
    result = soak.SoakResult(config={})
    duplicate = soak.CursorLog(seqs={0: [0, 1, 1, 3], 1: [1, 0]})
    soak._check_delivery([duplicate], [4, 2], result)
    assert (result.missing, result.duplicates, result.out_of_order) == (1, 1, 2)
