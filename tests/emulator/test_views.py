"""Views and materialized views: SQL DDL, the REST endpoints, and MVs feeding their target."""

from __future__ import annotations

import time
import uuid
from typing import Any


def _name(prefix: str = "v") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def _wait_rows(api: Any, sql: str, count: int, timeout: float = 5.0) -> list[Any]:
    deadline = time.monotonic() + timeout
    while True:
        rows = api.table(sql)
        if len(rows) >= count or time.monotonic() > deadline:
            return list(rows)
        time.sleep(0.05)


def test_view_over_stream_sql(api: Any) -> None:
    src = api.create_stream("a int32")
    view = _name()
    api.sql(f"CREATE VIEW {view} AS SELECT a * 2 AS dbl FROM {src}")
    api.ingest(src, ["a"], [[1], [2]])
    assert api.table(f"SELECT dbl FROM table({view})") == [["2"], ["4"]]  # int64: quoted
    stream = api.query(f"SELECT dbl FROM {view}", batching_policy={"count": 10, "time_ms": 20})
    api.ingest(src, ["a"], [[5]])
    assert stream.rows(at_least=1) == [["10"]]
    stream.close()
    assert [view] in api.table("SHOW VIEWS")
    api.sql(f"DROP VIEW {view}")
    api.error(api.get(f"/views/{view}"), 404)


def test_views_rest_cloud(api: Any) -> None:
    src = api.create_stream("a int32")
    view = _name()
    created = api.post("/views", json={"name": view, "query": f"SELECT a FROM {src}",
                                       "description": "d"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["name"], body["materialized"], body["description"]) == (view, False, "d")
    assert body["columns"] == [{"name": "a", "type": "int32"}]
    assert view in [v["name"] for v in api.get("/views").json()]
    assert api.get(f"/views/{view}").json()["query"] == f"SELECT a FROM {src}"
    assert api.patch(f"/views/{view}", json={"description": "e"}).status_code == 204
    api.error(api.patch(f"/views/{view}", json={"query": "SELECT 1"}), 501)
    again = api.post("/views", json={"name": view, "query": f"SELECT a FROM {src}"})
    assert api.error(again, 400)["code"] == 57
    assert api.delete(f"/views/{view}").status_code == 204
    api.error(api.delete(f"/views/{view}"), 404)
    api.error(api.post("/views", json={"name": _name()}), 400)


def test_materialized_view_with_target_stream(api: Any) -> None:
    src = api.create_stream("a int32")
    target = api.create_stream("dbl int64")
    mv = _name("mv")
    created = api.post("/views", json={"name": mv, "materialized": True, "target_stream": target,
                                       "query": f"SELECT a * 2 AS dbl FROM {src}"})
    assert created.status_code == 201, created.text
    assert created.json()["target_stream"] == target
    time.sleep(0.3)
    api.ingest(src, ["a"], [[1], [2]])
    assert _wait_rows(api, f"SELECT dbl FROM table({target})", 2) == [["2"], ["4"]]
    assert api.get(f"/views/{mv}").json()["materialized"] is True
    api.error(api.delete(f"/streams/{target}"), 400)  # the MV writes to it
    assert api.delete(f"/views/{mv}").status_code == 204
    api.ingest(src, ["a"], [[3]])
    time.sleep(0.4)
    assert api.table(f"SELECT dbl FROM table({target})") == [["2"], ["4"]]


def test_materialized_view_with_implicit_target(api: Any) -> None:
    src = api.create_stream("k string, v int32")
    mv = _name("mv")
    api.sql(f"CREATE MATERIALIZED VIEW {mv} AS SELECT k, v + 1 AS w FROM {src}")
    time.sleep(0.3)
    api.ingest(src, ["k", "v"], [["a", 1]])
    assert _wait_rows(api, f"SELECT k, w FROM table({mv})", 1) == [["a", "2"]]
    stream = api.query(f"SELECT k, w FROM {mv}", batching_policy={"count": 10, "time_ms": 20})
    api.ingest(src, ["k", "v"], [["b", 5]])
    assert stream.rows(at_least=1) == [["b", "6"]]
    stream.close()
    api.sql(f"DROP VIEW {mv}")
    assert mv not in [s["name"] for s in api.get("/streams").json()]


def test_view_over_a_join_or_union_of_two_streams_reads_as_a_table(api: Any) -> None:
    """Created like any view; read with table() or query_mode='table' it answers; read
    streaming it is refused (code 48: the emulator cannot join or combine two live streams)."""
    left = api.create_stream("x int32")
    right = api.create_stream("x int32, y string")
    api.sql(f"INSERT INTO {left} VALUES (1)")
    api.sql(f"INSERT INTO {right} VALUES (1, 'one'), (2, 'two')")
    joined, united = f"{left}_vj", f"{left}_vu"
    api.sql(f"CREATE VIEW {joined} AS SELECT {left}.x, {right}.y FROM {left} "
            f"JOIN {right} ON {left}.x = {right}.x")
    api.sql(f"CREATE VIEW {united} AS SELECT x FROM {left} UNION ALL SELECT x FROM {right}")
    assert api.get(f"/views/{joined}").json()["columns"] == [
        {"name": "x", "type": "int32"}, {"name": "y", "type": "string"}]
    assert api.table(f"SELECT * FROM table({joined})") == [[1, "one"]]
    assert api.table(f"SELECT x FROM {united} ORDER BY x SETTINGS query_mode='table'") == \
        [[1], [1], [2]]
    for view in (joined, united):
        refused = api.post("/queries", json={"sql": f"SELECT * FROM {view}"})
        assert api.error(refused, 400)["code"] == 48
    materialized = api.post("/queries", json={
        "sql": f"CREATE MATERIALIZED VIEW {left}_mj AS SELECT x FROM {left} "
               f"UNION ALL SELECT x FROM {right}"})
    assert api.error(materialized, 400)["code"] == 48  # it would have to run streaming
