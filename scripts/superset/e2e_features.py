"""End-to-end checks of the engine spec's features through Superset's REST API (run by
``e2e_check.py``): server errors caught from SQL Lab with their Superset error types, a chart
query that would stream forever, a Timeplus Cloud API key in *Secure extra* (masked in every
answer, used to connect), SQL Lab's table preview metadata, expanded nested values, the cost
estimate, and the schema picker (dynamic schema) on an enterprise emulator."""

from __future__ import annotations

import json
import os
from typing import Any

from e2e_common import Api, expect, sql_lab, timed

import timeplus_dbapi
from timeplus_emulator.server import EmulatorServer

KV_STREAM = "superset_device_state"
KV_VIEW = "superset_hot_devices"
NESTED_STREAM = "superset_nested_events"
API_KEY = "tp-e2e-" + os.urandom(8).hex()
ENTERPRISE_PASSWORD = os.urandom(8).hex()


def seed_feature_streams(dsn: str) -> None:
    """A versioned_kv stream with TTL and retention, a view over it, a stream of nested values."""
    conn = timeplus_dbapi.connect(dsn)
    try:
        client = conn.client
        client.delete_view(KV_VIEW, if_exists=True)
        for name in (KV_STREAM, NESTED_STREAM):
            client.delete_stream(name, if_exists=True)
        client.create_stream(
            KV_STREAM, [("device", "string"), ("temperature", "float64")],
            mode="versioned_kv", primary_key="device",
            ttl_expression="to_datetime(_tp_time) + INTERVAL 30 DAY",
            logstore_retention_bytes=1073741824, logstore_retention_ms=86400000,
            description="latest reading per device",
        )
        client.create_view(KV_VIEW, f"SELECT device FROM {KV_STREAM} WHERE temperature > 25")
        client.create_stream(NESTED_STREAM, [("id", "int32"), ("tags", "array(string)"),
                                             ("pos", "tuple(x float64, y float64)")])
        conn.cursor().execute(
            f"INSERT INTO {NESTED_STREAM} (id, tags, pos) VALUES "
            "(1, ['hot', 'north', 'roof'], (1.5, -2)), (2, [], (0, 0))"
        )
    finally:
        conn.close()


def sql_lab_error(api: Api, database_id: int, sql: str) -> dict[str, Any]:
    """The one Superset error SQL Lab answers for ``sql`` (any 4xx/5xx status)."""
    body = {"database_id": database_id, "sql": sql, "queryLimit": 10, "runAsync": False,
            "schema": "default", "client_id": os.urandom(5).hex()}
    answer = api.client.open("/api/v1/sqllab/execute/", method="POST", json=body,
                             headers=api.headers)
    payload = json.loads(answer.get_data(as_text=True))
    expect(answer.status_code >= 400, f"SQL Lab ran {sql!r}: {str(payload)[:300]}")
    errors = payload.get("errors") or []
    expect(len(errors) == 1, f"SQL Lab errors for {sql!r}: {payload}")
    return dict(errors[0])


SQL_LAB_ERRORS = [  # (sql, Superset error type, start of the message)
    ("SELECT * FROM no_such_stream", "TABLE_DOES_NOT_EXIST_ERROR",
     'The stream "default.no_such_stream" does not exist.'),
    ("SELECT no_such_column FROM superset_demo_events", "COLUMN_DOES_NOT_EXIST_ERROR",
     'The column "no_such_column" does not exist.'),
    ("SELECT 1 EMIT BANANA", "SYNTAX_ERROR", "Timeplus could not parse the query"),
    ("SELECT sleep(2) FROM system.one SETTINGS max_execution_time = 1",
     "CONNECTION_DATABASE_TIMEOUT",
     "The query ran longer than Timeplus allows"),
    ("SELECT group_array(number) FROM numbers(1000000) SETTINGS max_memory_usage = 100000",
     "GENERIC_DB_ENGINE_ERROR", "Timeplus ran out of memory"),
]


def check_sql_lab_errors(api: Api, database_id: int) -> int:
    for sql, error_type, message in SQL_LAB_ERRORS:
        error = sql_lab_error(api, database_id, sql)
        expect(error["error_type"] == error_type, f"{sql!r}: {error}")
        expect(error["message"].startswith(message), f"{sql!r}: {error['message']}")
    return len(SQL_LAB_ERRORS)


def check_streaming_chart_refused(api: Api, streaming_database_id: int, stream: str) -> None:
    """A chart on a streaming database (no idle_timeout) over a live stream is refused with
    a message, instead of waiting without end."""
    body = {"database": streaming_database_id, "schema": "default", "table_name": stream}
    dataset_id = int(api.call("POST", "/api/v1/dataset/", body, status=201)["id"])
    query = {"columns": ["device"], "metrics": ["count"], "row_limit": 100}
    payload = api.client.open(
        "/api/v1/chart/data", method="POST", headers=api.headers,
        json={"datasource": {"id": dataset_id, "type": "table"}, "force": True,
              "queries": [query], "result_format": "json", "result_type": "full"},
    )
    text = payload.get_data(as_text=True)
    expect(payload.status_code == 400, f"streaming chart: {payload.status_code} {text[:300]}")
    # Superset's chart data API answers a failed query with its message only.
    expect("would wait for new events" in text and "idle_timeout" in text, text[:600])


def _key_never_shown(text: str) -> None:
    expect(API_KEY not in text, "the API key appeared in an API answer: "
           + text.replace(API_KEY, "<KEY>")[:600])


def check_api_key_secure_extra(api: Api) -> str:
    """A database on an emulator that requires an API key: the key goes in Secure extra only,
    every answer shows it masked, an edit that sends the mask back keeps it, SQL Lab connects
    with it; a wrong key is CONNECTION_ACCESS_DENIED_ERROR."""
    with EmulatorServer(api_key=API_KEY) as server:
        uri = f"timeplus://127.0.0.1:{server.port}/default"
        secure_extra = json.dumps({"api_key": API_KEY})
        body = {"database_name": "Timeplus Cloud (API key)", "sqlalchemy_uri": uri,
                "expose_in_sqllab": True, "masked_encrypted_extra": secure_extra}
        # (Superset's answer to this POST echoes the body the client just sent.)
        database_id = int(api.call("POST", "/api/v1/database/", body, status=201)["id"])
        read_paths = [f"/api/v1/database/{database_id}", "/api/v1/database/",
                      f"/api/v1/database/{database_id}/connection"]
        for path in read_paths:
            _key_never_shown(api.client.get(path, headers=api.headers).get_data(as_text=True))
        shown = api.call("GET", f"/api/v1/database/{database_id}/connection")
        masked = shown["result"]["masked_encrypted_extra"]
        expect(json.loads(masked) == {"api_key": "XXXXXXXXXX"}, f"shown as {masked}")
        api.call("PUT", f"/api/v1/database/{database_id}", {"masked_encrypted_extra": masked})
        payload = sql_lab(api, database_id, "SELECT 40 + 2 AS answer", 10, "default")
        expect(payload["data"] == [{"answer": 42}], f"with the API key: {payload['data']}")
        wrong = {"database_name": "t", "sqlalchemy_uri": uri,
                 "masked_encrypted_extra": json.dumps({"api_key": "wrong-key"})}
        answer = api.client.post("/api/v1/database/test_connection/", json=wrong,
                                 headers=api.headers)
        errors = (answer.get_json() or {}).get("errors") or [{}]
        expect(errors[0].get("error_type") == "CONNECTION_ACCESS_DENIED_ERROR",
               f"wrong key: {answer.status_code} {errors}")
    return masked


def check_table_metadata(api: Api, database_id: int) -> dict[str, Any]:
    """SQL Lab's table preview: the stream's mode, key, TTL, retention; the view's SQL."""
    def extra(name: str) -> Any:
        path = f"/api/v1/database/{database_id}/table_metadata/extra/?name={name}&schema=default"
        return api.call("GET", path)

    stream = extra(KV_STREAM)["metadata"]
    expected = {"Kind": "stream", "Stream mode": "versioned_kv", "Primary key": "device",
                "TTL": "to_datetime(_tp_time) + INTERVAL 30 DAY",
                "Log store retention (bytes)": 1073741824, "Log store retention (ms)": 86400000,
                "Description": "latest reading per device"}
    expect(expected.items() <= stream.items(), f"stream metadata: {stream}")
    view = extra(KV_VIEW)
    expect(view["metadata"]["Kind"] == "view", f"view metadata: {view}")
    expect(KV_STREAM in view["view"] and view["view"].startswith("CREATE VIEW"), str(view))
    return stream


def check_expanded_arrays(api: Api, database_id: int) -> int:
    """SQL Lab with expand_data (PRESTO_EXPAND_DATA on): arrays become rows, tuples columns."""
    body = {"database_id": database_id, "runAsync": False, "schema": "default",
            "sql": f"SELECT id, tags, pos FROM {NESTED_STREAM} ORDER BY id", "queryLimit": 100,
            "client_id": os.urandom(5).hex(), "expand_data": True}
    payload = api.call("POST", "/api/v1/sqllab/execute/", body)
    names = [column["column_name"] for column in payload["columns"]]
    expect(names == ["id", "tags", "pos", "pos.x", "pos.y"], f"expanded columns: {names}")
    got = [(row["id"], row["tags"], row["pos.x"]) for row in payload["data"]]
    expect(got == [(1, "hot", 1.5), ("", "north", ""), ("", "roof", ""), (2, [], 0.0)],
           f"expanded rows: {got}")
    return len(got)


def check_cost_estimate(api: Api, database_id: int) -> list[dict[str, str]]:
    """SQL Lab's cost estimate (EXPLAIN ESTIMATE): the demo stream's 360 stored rows."""
    body = {"database_id": database_id, "schema": "default",
            "sql": "SELECT device, avg(temperature) FROM superset_demo_events GROUP BY device"}
    result = api.call("POST", "/api/v1/sqllab/estimate/", body)["result"]
    expected = [{"Streams read": "default.superset_demo_events", "Rows": "360", "Parts": "1",
                 "Marks": "1"}]
    expect(result == expected, f"cost estimate: {result}")
    return list(result)


def _seed_two_databases(dsn: str, database: str, stream: str) -> None:
    """``stream`` in ``default`` and in ``database``, one row each naming where it lives."""
    conn = timeplus_dbapi.connect(dsn)
    try:
        cur = conn.cursor()
        for sql in (f"CREATE DATABASE IF NOT EXISTS {database}",
                    f"CREATE STREAM {stream} (city string)",
                    f"CREATE STREAM {database}.{stream} (city string)",
                    f"INSERT INTO {stream} (city) VALUES ('from default')",
                    f"INSERT INTO {database}.{stream} (city) VALUES ('from {database}')"):
            cur.execute(sql)
    finally:
        conn.close()


def check_dynamic_schema(api: Api) -> dict[str, Any]:
    """SQL Lab's schema picker on Timeplus Enterprise (an enterprise emulator): the picked
    database is listed, and an unqualified stream name resolves in it."""
    database, stream = "superset_sales", "superset_cities"
    with EmulatorServer(profile="enterprise", user="admin",
                        password=ENTERPRISE_PASSWORD) as server:
        _seed_two_databases(server.dsn, database, stream)
        uri = f"timeplus://admin:{ENTERPRISE_PASSWORD}@127.0.0.1:{server.port}/default"
        body = {"database_name": "Timeplus Enterprise (databases)", "sqlalchemy_uri": uri,
                "expose_in_sqllab": True}
        database_id = int(api.call("POST", "/api/v1/database/", body, status=201)["id"])
        schemas = api.call("GET", f"/api/v1/database/{database_id}/schemas/")["result"]
        expect({"default", database} <= set(schemas), f"schema picker: {schemas}")
        tables = api.call("GET", f"/api/v1/database/{database_id}/tables/?q=(schema_name:"
                          f"{database},force:!t)")["result"]
        expect(stream in [t["value"] for t in tables], f"tables of {database}: {tables}")
        seen = {}
        for schema in (database, "default"):
            payload = sql_lab(api, database_id, f"SELECT city FROM {stream}", 10, schema)
            seen[schema] = [row["city"] for row in payload["data"]]
        expect(seen == {database: [f"from {database}"], "default": ["from default"]},
               f"unqualified {stream} per picked schema: {seen}")
    return seen


def run_feature_checks(api: Api, dsn: str, database_id: int, streaming_id: int) -> None:
    timed("seed a versioned_kv stream, a view, nested values", lambda: seed_feature_streams(dsn))
    count = timed("SQL Lab errors -> Superset error types",
                  lambda: check_sql_lab_errors(api, database_id))
    print(f"     {count} errors, each with its type")
    timed("chart on a live stream without idle_timeout is refused",
          lambda: check_streaming_chart_refused(api, streaming_id, "superset_live_events"))
    masked = timed("API key in Secure extra: masked, kept, used; wrong key denied",
                   lambda: check_api_key_secure_extra(api))
    print(f"     shown as {masked}")
    metadata = timed("table preview metadata (stream, view)",
                     lambda: check_table_metadata(api, database_id))
    print(f"     {metadata}")
    rows = timed("SQL Lab expand_data (array rows, tuple columns)",
                 lambda: check_expanded_arrays(api, database_id))
    print(f"     {rows} expanded rows")
    cost = timed("SQL Lab cost estimate (EXPLAIN ESTIMATE)",
                 lambda: check_cost_estimate(api, database_id))
    print(f"     {cost}")
    seen = timed("SQL Lab schema picker: unqualified names resolve in the picked database",
                 lambda: check_dynamic_schema(api))
    print(f"     {seen}")
