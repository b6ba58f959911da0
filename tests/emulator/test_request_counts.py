"""``server.request_counts``: requests per endpoint, counted by the server itself."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests


def _delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before)
            if after.get(k, 0) != before.get(k, 0)}


def test_counts_each_endpoint(api: Any) -> None:
    server = api.server
    name = api.create_stream("a int32")
    before = server.request_counts
    api.ingest(name, ["a"], [[1]])
    api.ingest(name, ["a"], [[2], [3]])
    assert api.table(f"SELECT count() FROM table({name})") == [["3"]]
    assert api.get(f"/streams/{name}").status_code == 200
    assert api.get("/no/such/endpoint").status_code == 404
    assert api.delete("/streams/no_such_stream_here").status_code == 404
    assert _delta(server.request_counts, before) == {
        "ingest": 2, "queries": 1, "get_stream": 1, "delete_stream": 1}


def test_injected_failures_are_counted(api: Any) -> None:
    server = api.server
    name = api.create_stream("a int32")
    server.faults.fail_next(1, status=503)
    before = server.request_counts
    response = api.post(f"/streams/{name}/ingest", json={"columns": ["a"], "data": [[1]]})
    assert response.status_code == 503
    api.ingest(name, ["a"], [[1]])
    assert _delta(server.request_counts, before) == {"ingest": 2}


def test_counts_are_exact_under_concurrency(api: Any) -> None:
    server = api.server
    url = api.url("/info")
    before = server.request_counts

    def hit(_: int) -> int:
        with requests.Session() as session:
            return sum(session.get(url, timeout=10).status_code == 200 for _ in range(10))

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sum(pool.map(hit, range(8))) == 80
    assert _delta(server.request_counts, before) == {"info": 80}


def test_the_snapshot_is_a_copy(api: Any) -> None:
    snapshot = api.server.request_counts
    snapshot["ingest"] = -1
    assert api.server.request_counts.get("ingest", 0) >= 0
