"""examples/sdk_flows_http.py runs the four SDK flows against a fresh emulator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from timeplus_emulator import run_emulator

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sdk_flows_http.py"


def test_sdk_flows_example_runs() -> None:
    with run_emulator(api_key="example-key") as server:
        done = subprocess.run([sys.executable, str(EXAMPLE), "--url", server.url,
                               "--api-key", "example-key"],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "created stream is sdk_test with columns ['time', 'data', '_tp_time']" in out
    assert "sdk_ingest_json: 2 rows, first [2, 'hello'" in out
    assert "sdk_ingest_raw: 3 rows, first ['\\nfirst line\\nsecond line\\n'" in out
    assert "got [[3, 'live']]" in out
    assert "after cancel: canceled" in out
    assert "deleted: True" in out
