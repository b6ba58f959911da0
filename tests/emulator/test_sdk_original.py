"""The original Timeplus SDK (``timeplus`` 1.4.1) runs its four seed flows against the emulator.

The SDK pins its own dependencies, so it may live in another virtualenv: set
``TIMEPLUS_SDK_PYTHON`` to that interpreter. Without it the test runs with this interpreter
when ``timeplus`` is importable here, and is skipped otherwise.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from timeplus_emulator import run_emulator

SCRIPT = Path(__file__).with_name("sdk_original_flows.py")
API_KEY = "k" * 60  # the SDK refuses keys of any other length


def _sdk_python() -> str:
    configured = os.environ.get("TIMEPLUS_SDK_PYTHON")
    if configured:
        return configured
    if importlib.util.find_spec("timeplus") is None:
        pytest.skip("the original SDK (timeplus==1.4.1) is not installed; "
                    "set TIMEPLUS_SDK_PYTHON to an interpreter that has it")
    return sys.executable


def test_original_sdk_seed_flows_over_plain_http() -> None:
    python = _sdk_python()
    with run_emulator(api_key=API_KEY) as server:
        done = subprocess.run([python, str(SCRIPT), server.url, API_KEY],
                              capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[:4] == ["created columns ['time', 'data', '_tp_time']",
                         "get sdk_o_test ['time', 'data', '_tp_time']",
                         "listed after create 1", "listed after delete 0"]
    assert 'rows sdk_o_json [[2, "hello"], [1, "world"]]' in lines
    assert 'rows sdk_o_raw [["\\nfirst line\\nsecond line\\n"]]' in lines
    assert 'rows sdk_o_lines [["{\\"a\\":1,\\"b\\":\\"world\\"}"], ' \
           '["{\\"a\\":2,\\"b\\":\\"hello\\"}"]]' in lines
    assert 'streamed [[3, "live"]]' in lines
    # timeColumns parsed by the SDK's model: no _tp_time in `SELECT a, b` -> -1
    assert "get running -1 -1" in lines and "listed True -1" in lines
    assert lines[-2:] == ["deleted True", "all flows done"]
