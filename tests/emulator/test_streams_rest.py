"""Stream endpoints (PROTOCOL.md §4) in the cloud profile, plus the enterprise differences."""

from __future__ import annotations

import uuid
from typing import Any


def _name() -> str:
    return f"st_{uuid.uuid4().hex[:10]}"


def _create(api: Any, name: str, **extra: Any) -> Any:
    body = {"name": name, "columns": [{"name": "time", "type": "datetime64(3)"},
                                      {"name": "data", "type": "string"}], **extra}
    return api.post("/streams", json=body)


def test_create_get_list_delete_stream(api: Any) -> None:
    name = _name()
    created = _create(api, name, description="sensor data")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == name
    assert body["description"] == "sensor data"
    assert body["engine"] == "Stream"
    assert body["mode"] == "append"
    assert [(c["name"], c["type"]) for c in body["columns"]] == [
        ("time", "datetime64(3)"), ("data", "string"), ("_tp_time", "datetime64(3, 'UTC')")]

    listed = api.get("/streams").json()
    assert name in [s["name"] for s in listed]
    got = api.get(f"/streams/{name}")
    assert got.status_code == 200 and got.json()["name"] == name

    assert api.delete(f"/streams/{name}").status_code == 204
    assert name not in [s["name"] for s in api.get("/streams").json()]
    api.error(api.get(f"/streams/{name}"), 404)
    api.error(api.delete(f"/streams/{name}"), 404)


def test_create_existing_stream_is_400_code_57(api: Any) -> None:
    name = _name()
    assert _create(api, name).status_code == 201
    body = api.error(_create(api, name), 400)
    assert body["code"] == 57
    assert name in body["message"]


def test_nullable_column_reported_as_type_plus_flag(api: Any) -> None:
    name = _name()
    response = api.post("/streams", json={"name": name, "columns": [
        {"name": "a", "type": "nullable(int32)", "default": None, "codec": None},
        {"name": "b", "type": "string", "nullable": True},
        {"name": "c", "type": "int64", "default": "42"},
    ], "description": None, "mode": None, "ttl_expression": None})
    assert response.status_code == 201, response.text
    columns = {c["name"]: c for c in api.get(f"/streams/{name}").json()["columns"]}
    assert (columns["a"]["type"], columns["a"]["nullable"]) == ("int32", True)
    assert (columns["b"]["type"], columns["b"]["nullable"]) == ("string", True)
    assert (columns["c"]["type"], columns["c"]["nullable"], columns["c"]["default"]) == \
        ("int64", False, "42")


def test_versioned_kv_stream_keeps_latest_row_per_key(api: Any) -> None:
    name = _name()
    response = api.post("/streams", json={
        "name": name, "mode": "versioned_kv", "primary_key": "k",
        "columns": [{"name": "k", "type": "string"}, {"name": "v", "type": "int32"}]})
    assert response.status_code == 201, response.text
    assert response.json()["mode"] == "versioned_kv"
    assert response.json()["primary_key"] == "k"
    api.ingest(name, ["k", "v"], [["a", 1], ["b", 2], ["a", 3]])
    assert sorted(api.table(f"SELECT k, v FROM table({name})")) == [["a", 3], ["b", 2]]


def test_kv_mode_without_primary_key_is_rejected(api: Any) -> None:
    body = api.error(api.post("/streams", json={
        "name": _name(), "mode": "versioned_kv",
        "columns": [{"name": "k", "type": "string"}]}), 400)
    assert "PRIMARY KEY" in body["message"]


def test_invalid_definitions_are_400(api: Any) -> None:
    assert "columns" in api.error(api.post("/streams", json={"name": _name()}), 400)["message"]
    assert "name" in api.error(api.post("/streams", json={"columns": []}), 400)["message"]
    bad_type = api.error(api.post("/streams", json={
        "name": _name(), "columns": [{"name": "a", "type": "timestamp"}]}), 400)
    assert bad_type["code"] == 50
    reserved = api.error(api.post("/streams", json={
        "name": _name(), "columns": [{"name": "_tp_x", "type": "int8"}]}), 400)
    assert "_tp_" in reserved["message"]
    api.error(api.post("/streams", data=b"not json",
                       headers={"Content-Type": "application/json"}), 400)


def test_patch_stream_description_and_unsupported_change(api: Any) -> None:
    name = _name()
    _create(api, name)
    response = api.patch(f"/streams/{name}", json={"description": "changed",
                                                   "logstore_retention_ms": 1000})
    assert response.status_code == 204
    body = api.get(f"/streams/{name}").json()
    assert (body["description"], body["logstore_retention_ms"]) == ("changed", 1000)
    api.error(api.patch(f"/streams/{name}", json={"columns": []}), 501)
    api.error(api.patch(f"/streams/{_name()}", json={"description": "x"}), 404)


def test_stream_stats(api: Any) -> None:
    name = _name()
    _create(api, name)
    empty = api.get(f"/streams/{name}/stats").json()
    assert empty["row_count"] == 0
    api.ingest(name, ["time", "data"], [["2024-01-01 00:00:00", "a"], ["2024-01-02", "b"]])
    stats = api.get(f"/streams/{name}/stats").json()
    assert stats["row_count"] == 2
    assert stats["earliest_event"] <= stats["latest_event"]
    assert set(stats) >= {"row_count", "streaming_data_bytes", "historical_data_bytes",
                          "earliest_event", "latest_event"}
    api.error(api.get(f"/streams/{_name()}/stats"), 404)


def test_db_parameter_selects_database(api: Any) -> None:
    db = f"db_{uuid.uuid4().hex[:8]}"
    api.sql(f"CREATE DATABASE {db}")
    name = _name()
    assert api.post(f"/streams?db={db}", json={
        "name": name, "columns": [{"name": "a", "type": "int32"}]}).status_code == 201
    assert name in [s["name"] for s in api.get(f"/streams?db={db}").json()]
    assert name not in [s["name"] for s in api.get("/streams").json()]
    response = api.post(f"/streams/{name}/ingest?db={db}", json={"columns": ["a"], "data": [[7]]})
    assert response.status_code == 200
    assert api.table(f"SELECT a FROM table({db}.{name})") == [[7]]
    api.error(api.get("/streams?db=nope_db"), 404)


def test_unknown_paths_and_methods(api: Any) -> None:
    api.error(api.get("/nothing_here"), 404)
    api.error(api.session.put(api.url("/streams"), json={}), 405)
    api.error(api.session.get(api.server.url + "/otherws/api/v1beta2/streams"), 404)
    no_workspace = api.session.get(api.server.url + "/api/v1beta2/streams")
    assert no_workspace.status_code == 200


def test_info(api: Any) -> None:
    body = api.session.get(api.server.base_url + "/info").json()
    assert "version" in body


def test_enterprise_has_no_post_streams_and_creates_by_sql(ent: Any) -> None:
    name = _name()
    response = ent.post("/streams", json={"name": name, "columns": [{"name": "a",
                                                                       "type": "int32"}]})
    assert response.status_code in (404, 405)
    assert ent.post("/views", json={"name": name, "query": "SELECT 1"}).status_code in (404, 405)
    ddl = ent.post("/queries", json={"sql": f"CREATE STREAM {name} (a int32)"})
    assert ddl.status_code == 204, ddl.text
    assert ent.get(f"/streams/{name}").json()["name"] == name
    patched = ent.patch(f"/streams/{name}", json={"description": "d"})
    assert patched.status_code == 200 and patched.json()["description"] == "d"
    assert ent.post("/queries", json={"sql": f"DROP STREAM {name}"}).status_code == 204
    ent.error(ent.get(f"/streams/{name}"), 404)


def test_retention_that_is_not_an_integer_is_400_not_500(api: Any) -> None:
    for value in ("1 SETTINGS x = 1", "forever", 1.5, [1]):
        name = _name()
        error = api.error(api.post("/streams", json={
            "name": name, "columns": [{"name": "a", "type": "int8"}],
            "logstore_retention_ms": value}), 400)
        assert error["code"] == 36 and "logstore_retention_ms" in error["message"], error
        assert api.get(f"/streams/{name}").status_code == 404
