"""``python -m timeplus_emulator`` as a user runs it (issue 12): help with defaults and
profiles, a one-line error for a busy port, secrets from the environment, and a start-up
line with the DSN (secret masked)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SECRET = "env-s3cret-value"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIMEPLUS_EMULATOR_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return {**env, **extra}


def _run(*args: str, env: Optional[dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "timeplus_emulator", *args], cwd=ROOT,
                          env=env or _env(), capture_output=True, text=True, timeout=60,
                          check=False)


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[str]]]:
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def _start(processes: list[subprocess.Popen[str]], *args: str,
           env: dict[str, str]) -> tuple[str, str]:
    """Start an emulator on a free port; (its start-up line, its base URL)."""
    process = subprocess.Popen([sys.executable, "-m", "timeplus_emulator", "--port", "0", *args],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    processes.append(process)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"listening on (\S+);", line)
    assert match, line
    return line, match.group(1)


def test_help_shows_defaults_and_profiles() -> None:
    result = _run("--help", env=_env(TIMEPLUS_EMULATOR_API_KEY=SECRET))
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for expected in ("(default: 268435456)", "(default: 128)", "(default: 120.0)",
                     "(default: 127.0.0.1)", "(default: 8000)", "(default: cloud)",
                     "TIMEPLUS_EMULATOR_API_KEY", "TIMEPLUS_EMULATOR_PASSWORD",
                     "cloud Timeplus Cloud", "enterprise self-hosted Timeplus Enterprise",
                     "--allow-origin", "--enable-faults"):
        assert expected in text, expected
    assert SECRET not in result.stdout


def test_port_in_use_is_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        result = _run("--port", str(busy.getsockname()[1]))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "cannot listen on 127.0.0.1:" in lines[0] and "in use" in lines[0]
    assert "Traceback" not in result.stderr


def test_api_key_from_environment(started: list[subprocess.Popen[str]]) -> None:
    line, base = _start(started, env=_env(TIMEPLUS_EMULATOR_API_KEY=SECRET))
    assert SECRET not in line
    assert re.search(r"connect with timeplus://:\*\*\*@127\.0\.0\.1:\d+/default$", line.strip())
    assert requests.get(base + "/v1beta2/streams", timeout=5).status_code == 401
    assert requests.get(base + "/v1beta2/streams", headers={"X-Api-Key": SECRET},
                        timeout=5).status_code == 200


def test_password_from_environment(started: list[subprocess.Popen[str]]) -> None:
    line, base = _start(started, "--profile", "enterprise", "--user", "admin",
                        env=_env(TIMEPLUS_EMULATOR_PASSWORD=SECRET))
    assert SECRET not in line and "timeplus://admin:***@127.0.0.1:" in line
    assert requests.get(base + "/v1beta2/streams", auth=("admin", "x"), timeout=5)\
        .status_code == 401
    assert requests.get(base + "/v1beta2/streams", auth=("admin", SECRET), timeout=5)\
        .status_code == 200
