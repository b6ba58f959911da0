"""``GET /streams?expand=true`` counts and the enterprise ``/materialized_views`` endpoints.

Plain HTTP against the session emulators: pause must really keep rows from the target,
resume must deliver them, and the counts must equal what was ingested.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

Api = Any  # tests/emulator/conftest.py's plain-HTTP helper (the ``api``/``ent`` fixtures)


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def _wait_count(api: Api, source: str, count: int, timeout: float = 5.0) -> int:
    """Rows in ``table(source)`` once there are ``count`` (or when ``timeout`` passes)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = api.table(f"SELECT count() FROM table({source})")
        seen = int(rows[0][0])
        if seen >= count or time.monotonic() > deadline:
            return seen
        time.sleep(0.05)


def _wait_status(ent: Api, view: str, status: str, timeout: float = 5.0) -> dict[str, Any]:
    """The MaterializedView once its status is ``status`` (the query starts in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        got: dict[str, Any] = ent.get(f"/materialized_views/{view}").json()
        if got.get("status") == status or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def _mv(ent: Api) -> tuple[str, str]:
    """A source stream and a materialized view doubling its column (implicit target)."""
    src = ent.create_stream("a int32")
    view = unique("mv")
    ent.sql(f"CREATE MATERIALIZED VIEW {view} AS SELECT a * 2 AS d FROM {src}")
    return src, view


@pytest.mark.parametrize("profile", ["cloud", "enterprise"])
def test_list_streams_expand_counts_ingested_rows(profile: str, api: Api, ent: Api) -> None:
    client = api if profile == "cloud" else ent
    name = client.create_stream("a int32, s string")
    client.ingest(name, ["a", "s"], [[i, f"r{i}"] for i in range(7)])
    client.ingest(name, ["a", "s"], [[9, "x"]])
    plain = {s["name"]: s for s in client.get("/streams").json()}[name]
    assert "row_count" not in plain
    assert plain["create_query"].startswith(f"CREATE STREAM {name}")
    expanded = {s["name"]: s for s in client.get("/streams?expand=true").json()}
    stream = expanded[name]
    assert stream["row_count"] == 8
    assert isinstance(stream["streaming_data_bytes"], int)
    assert isinstance(stream["historical_data_bytes"], int)
    assert stream["create_query"] == plain["create_query"]
    assert {s["name"]: s for s in client.get("/streams?expand=false").json()}[name] == plain
    client.error(client.get("/streams?expand=maybe"), 400)


def test_expand_counts_an_empty_stream_as_zero(ent: Api) -> None:
    name = ent.create_stream("a int32")
    expanded = {s["name"]: s for s in ent.get("/streams", params={"expand": "1"}).json()}
    assert expanded[name]["row_count"] == 0


def test_list_and_get_materialized_views(ent: Api) -> None:
    src, view = _mv(ent)
    plain_view = unique("v")
    ent.sql(f"CREATE VIEW {plain_view} AS SELECT a FROM {src}")
    listed = {v["name"]: v for v in ent.get("/materialized_views").json()}
    assert plain_view not in listed
    entry = listed[view]
    assert entry["target_stream"] == view
    assert entry["query"] == f"SELECT a * 2 AS d FROM {src}"
    assert entry["create_query"].startswith("CREATE MATERIALIZED VIEW")
    assert entry["columns"] == [{"name": "d", "type": "int64"}]
    assert "status" not in entry
    assert _wait_status(ent, view, "ExecutingPipeline")["status"] == "ExecutingPipeline"
    expanded = {v["name"]: v for v in ent.get("/materialized_views?expand=true").json()}
    assert expanded[view]["status"] == "ExecutingPipeline"
    assert expanded[view]["lagging"] == 0
    got = ent.get(f"/materialized_views/{view}").json()
    assert (got["name"], got["status"]) == (view, "ExecutingPipeline")
    ent.error(ent.get(f"/materialized_views/{plain_view}"), 404)


def test_unknown_names_answer_404(ent: Api) -> None:
    missing = unique("nope")
    for method, path in [("GET", ""), ("DELETE", ""), ("POST", "/pause"),
                         ("POST", "/resume"), ("GET", "/stats"), ("POST", "/recover")]:
        response = ent.session.request(method, ent.url(f"/materialized_views/{missing}{path}"),
                                       timeout=10)
        ent.error(response, 404)


def test_pause_keeps_rows_from_target_and_resume_delivers_them(ent: Api) -> None:
    src, view = _mv(ent)
    ent.ingest(src, ["a"], [[1], [2], [3]])
    assert _wait_count(ent, view, 3) == 3
    assert ent.post(f"/materialized_views/{view}/pause?sync=true").status_code == 200
    assert ent.get(f"/materialized_views/{view}").json()["status"] == "Paused"
    ent.ingest(src, ["a"], [[10], [20]])
    time.sleep(0.6)
    assert _wait_count(ent, view, 4, timeout=0.3) == 3
    stats = ent.get(f"/materialized_views/{view}/stats").json()
    assert (stats["row_count"], stats["lagging"], stats["status"]) == (3, 2, "Paused")
    assert stats["nodes"][0]["status"] == "Paused"
    # pausing again is a no-op
    assert ent.post(f"/materialized_views/{view}/pause").status_code == 200
    assert ent.post(f"/materialized_views/{view}/resume?sync=true").status_code == 200
    assert _wait_count(ent, view, 5) == 5
    ent.ingest(src, ["a"], [[100]])
    assert _wait_count(ent, view, 6) == 6
    rows = ent.table(f"SELECT d FROM table({view}) ORDER BY d")
    assert [int(r[0]) for r in rows] == [2, 4, 6, 20, 40, 200]
    stats = ent.get(f"/materialized_views/{view}/stats").json()
    assert (stats["row_count"], stats["status"]) == (6, "ExecutingPipeline")
    assert stats["earliest_event"] and stats["latest_event"] >= stats["earliest_event"]


def test_pause_an_mv_into_an_existing_target(ent: Api) -> None:
    src = ent.create_stream("a int32")
    target = ent.create_stream("a int32")
    view = unique("mv")
    ent.sql(f"CREATE MATERIALIZED VIEW {view} INTO {target} AS SELECT a FROM {src}")
    assert ent.post(f"/materialized_views/{view}/pause", params={"sync": "1"}).status_code == 200
    ent.ingest(src, ["a"], [[1], [2]])
    time.sleep(0.5)
    assert _wait_count(ent, target, 1, timeout=0.2) == 0
    assert ent.get(f"/materialized_views/{view}/stats").json()["row_count"] == 0
    assert ent.post(f"/materialized_views/{view}/resume", params={"sync": "1"}).status_code == 200
    assert _wait_count(ent, target, 2) == 2
    assert ent.get(f"/materialized_views/{view}").json()["target_stream"] == target


def test_delete_a_paused_materialized_view(ent: Api) -> None:
    src, view = _mv(ent)
    assert ent.post(f"/materialized_views/{view}/pause?sync=true").status_code == 200
    started = time.monotonic()
    assert ent.delete(f"/materialized_views/{view}").status_code == 204
    assert time.monotonic() - started < 2
    ent.error(ent.get(f"/materialized_views/{view}"), 404)
    ent.error(ent.get(f"/views/{view}"), 404)
    ent.error(ent.get(f"/streams/{view}"), 404)  # its implicit target went with it
    assert view not in [v["name"] for v in ent.get("/materialized_views").json()]
    ent.ingest(src, ["a"], [[1]])  # the source is untouched


def test_a_failed_view_reports_error_and_its_message(ent: Api) -> None:
    src, view = _mv(ent)
    assert _wait_status(ent, view, "ExecutingPipeline")["status"] == "ExecutingPipeline"
    ent.sql(f"DROP STREAM {src}")
    got = _wait_status(ent, view, "Error")
    assert got["status"] == "Error"
    assert src in got["last_error_message"]
    stats = ent.get(f"/materialized_views/{view}/stats").json()
    assert stats["status"] == "Error" and src in stats["nodes"][0]["last_error_message"]


def test_recover_and_transfer_are_not_emulated(ent: Api) -> None:
    _, view = _mv(ent)
    body = ent.error(ent.post(f"/materialized_views/{view}/recover"), 501)
    assert body["code"] == 48 and "recover" in body["message"]
    transfer = {"from": 1, "to": 2, "shard": 0}
    body = ent.error(ent.post(f"/materialized_views/{view}/transfer", json=transfer), 501)
    assert body["code"] == 48


def test_cloud_profile_has_no_materialized_views_routes(api: Api) -> None:
    src = api.create_stream("a int32")
    view = unique("mv")
    api.sql(f"CREATE MATERIALIZED VIEW {view} AS SELECT a FROM {src}")
    api.error(api.get("/materialized_views"), 404)
    api.error(api.get(f"/materialized_views/{view}"), 404)
    api.error(api.post(f"/materialized_views/{view}/pause"), 404)
    api.error(api.get(f"/materialized_views/{view}/stats"), 404)


def test_request_counts_name_the_new_endpoints(ent: Api) -> None:
    _, view = _mv(ent)
    before: dict[str, Any] = ent.server.request_counts
    ent.get("/materialized_views")
    ent.get(f"/materialized_views/{view}/stats")
    after = ent.server.request_counts
    for name in ("list_materialized_views", "materialized_view_stats"):
        assert after.get(name, 0) == before.get(name, 0) + 1
