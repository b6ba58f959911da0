"""Fault injection, from Python (``server.faults``) and over HTTP (``/_emulator/faults``)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests


def test_faults_are_off_by_default(api: Any) -> None:
    snapshot = api.server.faults.snapshot()
    assert snapshot["fail_count"] == 0
    assert snapshot["drop_after_events"] is None
    assert snapshot["delay_events_s"] == 0.0
    assert snapshot["malformed_after_events"] is None


def test_fail_next_requests_with_status_and_retry_after(api: Any) -> None:
    api.server.faults.fail_next(2, status=429, retry_after=3)
    for _ in range(2):
        response = api.get("/streams")
        body = api.error(response, 429)
        assert "injected" in body["message"]
        assert response.headers["Retry-After"] == "3"
    assert api.get("/streams").status_code == 200


def test_fail_next_only_on_matching_path(api: Any) -> None:
    api.server.faults.fail_next(1, status=503, path_contains="/queries")
    assert api.get("/streams").status_code == 200
    api.error(api.post("/queries", json={"sql": "SELECT 1"}), 503)
    assert api.table("SELECT 1") == [[1]]


def test_fault_status_must_be_an_error() -> None:
    from timeplus_emulator.faults import Faults

    with pytest.raises(ValueError, match="4xx or 5xx"):
        Faults(enabled=True).fail_next(1, status=200)


def test_drop_connection_after_events(api: Any) -> None:
    name = api.create_stream("a int32")
    api.ingest(name, ["a"], [[i] for i in range(50)])
    api.server.faults.drop_after_events(2)
    stream = api.query(f"SELECT a FROM table({name})", batching_policy={"count": 10})
    with pytest.raises(requests.exceptions.RequestException):
        stream.rows()
    assert len(stream.batches) == 1  # event 1 = query, event 2 = first batch, then dropped
    assert api.table(f"SELECT count() FROM table({name})") == [["50"]]  # one-shot


def test_drop_with_reset(api: Any) -> None:
    api.server.faults.drop_after_events(1, reset=True)
    stream_response = api.post("/queries", json={"sql": "SELECT 1"}, stream=True)
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="reset"):
        for _ in stream_response.iter_content(chunk_size=None):
            time.sleep(0.05)
    assert api.table("SELECT 1") == [[1]]


def test_delay_events(api: Any) -> None:
    api.server.faults.delay_events(0.3)
    started = time.monotonic()
    assert api.table("SELECT 1") == [[1]]
    assert time.monotonic() - started >= 0.85  # three events, 0.3 s each


def test_delay_applies_to_a_running_stream(api: Any) -> None:
    name = api.create_stream("a int32")
    stream = api.query(f"SELECT a FROM {name}", batching_policy={"count": 1, "time_ms": 10})
    api.server.faults.delay_events(1.5)
    api.ingest(name, ["a"], [[1]])
    started = time.monotonic()
    assert stream.rows(at_least=1) == [[1]]
    assert time.monotonic() - started >= 1.4
    api.server.faults.reset()
    stream.close()


def test_malformed_event(api: Any) -> None:
    api.server.faults.malformed_event_after(1)
    stream = api.query("SELECT 1")
    with pytest.raises(json.JSONDecodeError):
        stream.rows()
    stream.close()


def test_http_control_endpoint(api: Any) -> None:
    control = api.server.url + "/_emulator/faults"
    assert requests.post(control, json={"fail_count": 1, "fail_status": 500},
                         timeout=5).status_code == 204
    assert requests.get(control, timeout=5).json()["fail_count"] == 1
    api.error(api.get("/streams"), 500)
    assert api.get("/streams").status_code == 200
    assert requests.post(control, json={"drop_after_events": 1, "queries": 2},
                         timeout=5).status_code == 204
    assert requests.get(control, timeout=5).json()["drop_queries"] == 2
    assert requests.delete(control, timeout=5).status_code == 204
    assert requests.get(control, timeout=5).json()["drop_after_events"] is None
    bad = requests.post(control, json={"fail_count": 1, "fail_status": 200}, timeout=5)
    assert bad.status_code == 400
