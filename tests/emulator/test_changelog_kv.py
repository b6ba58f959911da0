"""``_tp_delta`` on ``changelog_kv`` and ``changelog`` streams: deletes are applied.

Facts (see the ``timeplus_emulator.engine`` docstring for sources): changelog streams carry
a physical ``_tp_delta int8 DEFAULT 1`` column after ``_tp_time``; ``SELECT *`` includes it;
rows are deleted by ingesting them with ``_tp_delta = -1``; a historical read of a
``changelog_kv`` stream shows the latest row of each key unless that row is a delete;
a streaming read emits the changelog rows as ingested, deltas included.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

import timeplus_dbapi
from timeplus_emulator.server import EmulatorServer

KV = " PRIMARY KEY k SETTINGS mode='changelog_kv'"


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def _kv(api: Any) -> str:
    return str(api.create_stream("k string, v int32", name=unique("ckv"), extra=KV))


def _historical(api: Any, name: str) -> list[Any]:
    return sorted(api.table(f"SELECT k, v FROM table({name})"))


def test_insert_update_delete_by_key_then_historical_read(api: Any) -> None:
    name = _kv(api)
    api.sql(f"INSERT INTO {name} (k, v) VALUES ('a', 1), ('b', 2), ('c', 3)")
    api.sql(f"INSERT INTO {name} (k, v, _tp_delta) VALUES ('b', 2, -1), ('b', 20, 1)")
    api.sql(f"INSERT INTO {name} (k, v, _tp_delta) VALUES ('c', 3, -1)")
    assert _historical(api, name) == [["a", 1], ["b", 20]]
    rows = api.table(f"SELECT k, _tp_delta FROM table({name}) ORDER BY k")
    assert rows == [["a", 1], ["b", 1]]


def test_deleted_key_can_come_back(api: Any) -> None:
    name = _kv(api)
    api.ingest(name, ["k", "v", "_tp_delta"], [["a", 1, 1], ["a", 1, -1]])
    assert _historical(api, name) == []
    api.ingest(name, ["k", "v"], [["a", 7]])
    assert _historical(api, name) == [["a", 7]]


def test_delete_of_a_missing_key_changes_nothing(api: Any) -> None:
    name = _kv(api)
    api.ingest(name, ["k", "v"], [["a", 1]])
    api.ingest(name, ["k", "v", "_tp_delta"], [["zz", 0, -1]])
    assert _historical(api, name) == [["a", 1]]
    api.ingest(name, ["k", "v"], [["zz", 5]])
    assert _historical(api, name) == [["a", 1], ["zz", 5]]


def test_streaming_query_emits_changelog_rows_with_their_delta(api: Any) -> None:
    name = _kv(api)
    stream = api.query(f"SELECT k, v, _tp_delta FROM {name}")
    try:
        assert [c["name"] for c in stream.header] == ["k", "v", "_tp_delta"]
        assert stream.header[2]["type"] == "int8"
        api.ingest(name, ["k", "v"], [["a", 1]])
        api.ingest(name, ["k", "v", "_tp_delta"], [["a", 1, -1]])
        assert stream.rows(at_least=2) == [["a", 1, 1], ["a", 1, -1]]
    finally:
        stream.close()


def test_streaming_aggregation_counts_the_state_after_deletes(api: Any) -> None:
    name = _kv(api)
    stream = api.query(f"SELECT count() AS c, sum(v) AS s FROM {name} EMIT PERIODIC 200ms",
                       batching_policy={"count": 100, "time_ms": 20})
    try:
        api.ingest(name, ["k", "v"], [["a", 1], ["b", 2]])
        assert stream.rows(at_least=1) == [["2", "3"]]
        api.ingest(name, ["k", "v", "_tp_delta"], [["a", 1, -1], ["b", 2, -1], ["b", 20, 1]])
        assert stream.rows(at_least=1) == [["1", "20"]]
    finally:
        stream.close()


def test_streaming_aggregation_over_versioned_kv_counts_latest_versions(api: Any) -> None:
    name = api.create_stream("k string, v int32", name=unique("vkv"),
                             extra=" PRIMARY KEY k SETTINGS mode='versioned_kv'")
    stream = api.query(f"SELECT count() AS c, sum(v) AS s FROM {name} EMIT PERIODIC 200ms",
                       batching_policy={"count": 100, "time_ms": 20})
    try:
        api.ingest(name, ["k", "v"], [["a", 1], ["b", 2], ["a", 5]])
        assert stream.rows(at_least=1) == [["2", "7"]]
    finally:
        stream.close()


def test_select_star_includes_tp_delta_after_tp_time(api: Any) -> None:
    name = _kv(api)
    api.ingest(name, ["k", "v"], [["a", 1]])
    stream = api.query(f"SELECT * FROM table({name})")
    try:
        names = [c["name"] for c in stream.header]
        rows = stream.rows()
    finally:
        stream.close()
    assert names == ["k", "v", "_tp_time", "_tp_delta"]
    assert [(r[0], r[1], r[3]) for r in rows] == [("a", 1, 1)]
    listed = api.get(f"/streams/{name}").json()["columns"]
    assert [(c["name"], c["type"], c["default"]) for c in listed[-2:]] == [
        ("_tp_time", "datetime64(3, 'UTC')", "now64(3, 'UTC')"), ("_tp_delta", "int8", "1")]
    described = api.table(f"DESCRIBE {name}")
    assert [r[0] for r in described] == ["k", "v", "_tp_time", "_tp_delta"]
    system = api.table(f"SELECT name, type, position FROM system.columns WHERE table = '{name}' "
                       "ORDER BY position")
    assert system[-1] == ["_tp_delta", "int8", "4"]


@pytest.mark.parametrize("mode", ["append", "versioned_kv"])
def test_other_modes_have_no_tp_delta_column(api: Any, mode: str) -> None:
    name = api.create_stream("k string, v int32", name=unique("s"),
                             extra=f" PRIMARY KEY k SETTINGS mode='{mode}'")
    stream = api.query(f"SELECT * FROM table({name})")
    try:
        assert [c["name"] for c in stream.header] == ["k", "v", "_tp_time"]
    finally:
        stream.close()
    assert api.get(f"/streams/{name}").json()["columns"][-1]["name"] == "_tp_time"


def test_rest_ingest_with_tp_delta_column_in_both_json_formats(api: Any) -> None:
    name = _kv(api)
    api.ingest(name, ["k", "v", "_tp_delta"], [["a", 1, 1], ["b", 2, 1], ["c", 3, 1]])
    payload = '{"k": "a", "v": 1, "_tp_delta": -1}\n{"k": "b", "v": 22}'
    response = api.post(f"/streams/{name}/ingest", data=payload.encode(),
                        headers={"Content-Type": "application/x-ndjson"})
    assert response.status_code == 200, response.text
    assert _historical(api, name) == [["b", 22], ["c", 3]]


def test_driver_insert_values_with_tp_delta(api: Any, timeplus_server: EmulatorServer) -> None:
    name = _kv(api)
    conn = timeplus_dbapi.connect(timeplus_server.dsn)
    try:
        cursor = conn.cursor()
        cursor.execute(f"INSERT INTO {name} (k, v) VALUES ('a', 1), ('b', 2)")
        cursor.execute(f"INSERT INTO {name} (k, v, _tp_delta) VALUES (%(k)s, %(v)s, %(d)s)",
                       {"k": "a", "v": 1, "d": -1})
        cursor.execute(f"SELECT k, v FROM table({name})")
        assert cursor.fetchall() == [("b", 2)]
    finally:
        conn.close()


@pytest.mark.parametrize(("value", "named"), [
    ("2", "_tp_delta = 2"), ("0", "_tp_delta = 0"), ("-2", "_tp_delta = -2"),
    ("'x'", "'x' as int8"), ("'1x'", "'1x' as int8"),
])
def test_invalid_tp_delta_in_insert_values_is_refused(api: Any, value: str, named: str) -> None:
    name = _kv(api)
    response = api.post("/queries", json={
        "sql": f"INSERT INTO {name} (k, v, _tp_delta) VALUES ('a', 1, 1), ('b', 2, {value})"})
    body = api.error(response, 400)
    assert named in body["message"], body
    assert body["code"] in (6, 117), body
    assert api.table(f"SELECT count() FROM table({name})") == [["0"]]


@pytest.mark.parametrize(("value", "named"), [
    (2, "_tp_delta = 2 at row 2"), (0, "_tp_delta = 0 at row 2"), ("x", "key _tp_delta"),
    (1.5, "'.5]'"),
])
def test_invalid_tp_delta_in_ingest_is_refused(api: Any, value: Any, named: str) -> None:
    name = _kv(api)
    api.ingest(name, ["k", "v", "_tp_delta"], [["a", 1, 1]])
    response = api.post(f"/streams/{name}/ingest", json={
        "columns": ["k", "v", "_tp_delta"], "data": [["a", 1, 1], ["b", 2, value]]})
    body = api.error(response, 400)
    assert named in body["message"], body
    assert body["code"] in (27, 117), body
    assert api.table(f"SELECT k, v FROM table({name})") == [["a", 1]]


def test_bad_delta_error_names_the_value_and_the_rule(api: Any) -> None:
    name = _kv(api)
    body = api.error(api.post("/queries", json={
        "sql": f"INSERT INTO {name} (k, v, _tp_delta) VALUES ('a', 1, 2)"}), 400)
    assert body["code"] == 117
    assert body["message"] == "Incorrect data: _tp_delta = 2 at row 1 (must be 1 or -1)"


def test_tp_delta_on_an_append_stream_is_refused(api: Any) -> None:
    name = api.create_stream("k string, v int32", name=unique("app"))
    ingest = api.error(api.post(f"/streams/{name}/ingest", json={
        "columns": ["k", "v", "_tp_delta"], "data": [["a", 1, -1]]}), 400)
    insert = api.error(api.post("/queries", json={
        "sql": f"INSERT INTO {name} (k, v, _tp_delta) VALUES ('a', 1, -1)"}), 400)
    for body in (ingest, insert):
        assert body["code"] == 16, body
        assert body["message"].startswith(f"No such column _tp_delta in stream default.{name}")
    assert api.table(f"SELECT count() FROM table({name})") == [["0"]]


def test_changelog_mode_keeps_every_row_with_its_delta(api: Any) -> None:
    name = api.create_stream("i int32", name=unique("cl"), extra=" SETTINGS mode='changelog'")
    api.sql(f"INSERT INTO {name} (i) VALUES (1)")
    api.sql(f"INSERT INTO {name} (i, _tp_delta) VALUES (1, -1)")
    assert api.table(f"SELECT i, _tp_delta FROM table({name})") == [[1, 1], [1, -1]]
    stream = api.query(f"SELECT * FROM table({name})")
    try:
        assert [c["name"] for c in stream.header] == ["i", "_tp_time", "_tp_delta"]
    finally:
        stream.close()


def test_materialized_view_passes_deltas_into_a_changelog_kv_target(api: Any) -> None:
    source = api.create_stream("k string, v int32, d int8", name=unique("src"))
    target = _kv(api)
    view = unique("mv")
    api.sql(f"CREATE MATERIALIZED VIEW {view} INTO {target} AS "
            f"SELECT k, v, d AS _tp_delta FROM {source}")
    api.ingest(source, ["k", "v", "d"], [["a", 1, 1], ["b", 2, 1], ["a", 1, -1]])
    for _ in range(100):
        if api.table(f"SELECT count() FROM table({target})") == [[3]]:
            break
        time.sleep(0.05)
    assert _historical(api, target) == [["b", 2]]
    api.sql(f"DROP VIEW {view}")


def test_materialized_view_without_target_keeps_the_deltas(api: Any) -> None:
    source = _kv(api)
    view = unique("mv")
    api.sql(f"CREATE MATERIALIZED VIEW {view} AS SELECT * FROM {source}")
    assert api.get(f"/streams/{view}").json()["mode"] == "changelog"
    api.ingest(source, ["k", "v"], [["a", 1]])
    api.ingest(source, ["k", "v", "_tp_delta"], [["a", 1, -1]])
    for _ in range(100):
        rows = api.table(f"SELECT k, v, _tp_delta FROM table({view})")
        if len(rows) == 2:
            break
        time.sleep(0.05)
    assert rows == [["a", 1, 1], ["a", 1, -1]]
    api.sql(f"DROP VIEW {view}")


def test_streaming_aggregation_over_a_changelog_stream_is_refused(api: Any) -> None:
    """Without a key the emulator cannot retract a delete row from an aggregate: refused
    instead of counting deletes as rows; plain streaming reads still work."""
    name = api.create_stream("i int32", name=unique("cl"), extra=" SETTINGS mode='changelog'")
    error = api.error(api.post("/queries", json={"sql": f"SELECT count() FROM {name}"}), 400)
    assert error["code"] == 48 and "changelog" in error["message"]
    stream = api.query(f"SELECT i, _tp_delta FROM {name}")
    api.sql(f"INSERT INTO {name} (i, _tp_delta) VALUES (1, 1), (1, -1)")
    assert stream.rows(at_least=2) == [[1, 1], [1, -1]]
    stream.close()
