"""End-to-end check of Apache Superset over a Timeplus stream, through Superset's own REST API.

Run by ``run_e2e.sh`` inside the Superset virtualenv (SUPERSET_CONFIG_PATH set, metadata database
upgraded, admin user created, emulator running). Every step runs under a time budget: a step that
does not finish in time is reported as a hang and the check fails.

    TIMEPLUS_E2E_ADMIN_PASSWORD=... python scripts/superset/e2e_check.py \
        --dsn timeplus://127.0.0.1:PORT/default [--ids-file FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import math
import os
import sys
import threading
import time
from collections import defaultdict
from typing import Any, Callable

import prison
from e2e_common import Api, CheckFailed, chart_data, create_database, expect, sql_lab, timed
from e2e_features import run_feature_checks

import timeplus_dbapi

STREAM = "superset_demo_events"
LIVE_STREAM = "superset_live_events"
DEVICES = ("sensor-a", "sensor-b", "sensor-c")
START = dt.datetime(2026, 1, 5, 8, 0, 0)  # UTC wall clock
MINUTES = 120
METRIC = {
    "expressionType": "SIMPLE",
    "column": {"column_name": "temperature"},
    "aggregate": "AVG",
    "label": "avg_temperature",
}


def temperature(device: int, minute: int) -> float:
    return round(20.0 + device + 5.0 * math.sin(minute / 15.0 + device), 2)


def demo_rows() -> list[list[Any]]:
    rows = []
    for minute in range(MINUTES):
        moment = START + dt.timedelta(minutes=minute)
        for device, name in enumerate(DEVICES):
            rows.append([f"{moment:%Y-%m-%d %H:%M:%S}.000", name, temperature(device, minute)])
    return rows


COLUMNS = [("ts", "datetime64(3, 'UTC')"), ("device", "string"), ("temperature", "float64")]


def seed_streams(dsn: str) -> int:
    """(Re)create the demo streams; ingest two hours of per-minute readings into the first."""
    conn = timeplus_dbapi.connect(dsn)
    try:
        client = conn.client
        for name in (STREAM, LIVE_STREAM):
            client.delete_stream(name, if_exists=True)
            client.create_stream(name, COLUMNS)
        client.delete_stream(UPLOAD_STREAM, if_exists=True)
        return int(client.ingest(STREAM, [name for name, _ in COLUMNS], demo_rows()))
    finally:
        conn.close()


def _day(t: dt.datetime) -> dt.datetime:
    return dt.datetime(t.year, t.month, t.day)


# Bucket start of a reading's time for each grain the charts use, computed by hand.
GRAIN_BUCKETS: dict[str, Callable[[dt.datetime], dt.datetime]] = {
    "PT10M": lambda t: t.replace(minute=t.minute - t.minute % 10),
    "PT5S": lambda t: t.replace(second=t.second - t.second % 5),
    "PT30S": lambda t: t.replace(second=t.second - t.second % 30),
    "PT0.5H": lambda t: t.replace(minute=t.minute - t.minute % 30),
    "PT6H": lambda t: t.replace(hour=t.hour - t.hour % 6, minute=0),
    "P1W/1970-01-03T00:00:00Z": lambda t: _day(t) + dt.timedelta(days=6 - (t.weekday() + 1) % 7),
    "P1W/1970-01-04T00:00:00Z": lambda t: _day(t) + dt.timedelta(days=6 - t.weekday()),
    "P0.25Y": lambda t: dt.datetime(t.year, 3 * ((t.month - 1) // 3) + 1, 1),
}
NEW_GRAINS = [grain for grain in GRAIN_BUCKETS if grain != "PT10M"]


def expected_averages(grain: str = "PT10M") -> dict[tuple[str, str], float]:
    """(bucket start 'YYYY-MM-DD HH:MM', device) -> average temperature, computed here."""
    sums: dict[tuple[str, str], list[float]] = defaultdict(list)
    for minute in range(MINUTES):
        moment = GRAIN_BUCKETS[grain](START + dt.timedelta(minutes=minute))
        for device, name in enumerate(DEVICES):
            sums[(f"{moment:%Y-%m-%d %H:%M}", name)].append(temperature(device, minute))
    return {key: sum(values) / len(values) for key, values in sums.items()}


def check_test_connection(api: Api, uri: str) -> None:
    api.call(
        "POST", "/api/v1/database/test_connection/", {"sqlalchemy_uri": uri, "database_name": "t"}
    )


def pick_schema(api: Api, database_id: int) -> str | None:
    schemas = api.call("GET", f"/api/v1/database/{database_id}/schemas/")["result"]
    return "default" if "default" in schemas else None


def check_table_listing(api: Api, database_id: int, schema: str | None) -> None:
    query = prison.dumps({"schema_name": schema or "", "force": True})
    result = api.call("GET", f"/api/v1/database/{database_id}/tables/?q={query}")["result"]
    names = {entry["value"] for entry in result}
    expect(STREAM in names, f"stream {STREAM} not listed among tables: {sorted(names)[:20]}")


def create_dataset(api: Api, database_id: int, schema: str | None) -> int:
    """Create the dataset (Superset discovers its columns) and check the discovered types."""
    body = {"database": database_id, "schema": schema, "table_name": STREAM}
    dataset_id = int(api.call("POST", "/api/v1/dataset/", body, status=201)["id"])
    columns = api.call("GET", f"/api/v1/dataset/{dataset_id}")["result"]["columns"]
    by_name = {column["column_name"]: column for column in columns}
    expect({"ts", "device", "temperature"} <= set(by_name), f"columns: {sorted(by_name)}")
    expect(bool(by_name["ts"]["is_dttm"]), "ts was not discovered as a temporal column")
    expect(not by_name["temperature"]["is_dttm"], "temperature taken for a temporal column")
    if not by_name["ts"].get("python_date_format"):
        api.call("PUT", f"/api/v1/dataset/{dataset_id}", {"main_dttm_col": "ts"})
    return dataset_id


def check_virtual_dataset(api: Api, database_id: int, schema: str | None) -> int:
    """A SQL-defined dataset using Timeplus syntax: columns discovered, hourly counts right."""
    sql = f"SELECT ts, device, temperature FROM table({STREAM}) WHERE device != 'sensor-c'"
    body = {"database": database_id, "schema": schema, "table_name": "virtual_events", "sql": sql}
    dataset_id = int(api.call("POST", "/api/v1/dataset/", body, status=201)["id"])
    columns = api.call("GET", f"/api/v1/dataset/{dataset_id}")["result"]["columns"]
    by_name = {column["column_name"]: column for column in columns}
    expect(set(by_name) == {"ts", "device", "temperature"}, f"virtual columns: {sorted(by_name)}")
    expect(bool(by_name["ts"]["is_dttm"]), "virtual dataset: ts is not temporal")
    count = {"expressionType": "SQL", "sqlExpression": "count(*)", "label": "n"}
    query = time_series_query("PT1H", metrics=[count], orderby=[[count, False]])
    result = chart_data(api, dataset_id, query)
    got = sorted((bucket_key(row["ts"]), row["device"], row["n"]) for row in result["data"])
    expected = sorted(
        (f"{START + dt.timedelta(hours=hour):%Y-%m-%d %H:%M}", device, 60)
        for hour in range(MINUTES // 60)
        for device in DEVICES[:2]
    )
    expect(got == expected, f"virtual dataset counts: {got}")
    return dataset_id


def time_series_query(time_grain: str, **extra: Any) -> dict[str, Any]:
    axis = {
        "columnType": "BASE_AXIS",
        "expressionType": "SQL",
        "sqlExpression": "ts",
        "label": "ts",
        "timeGrain": time_grain,
    }
    query = {
        "columns": [axis, "device"],
        "metrics": [METRIC],
        "filters": [{"col": "ts", "op": "TEMPORAL_RANGE", "val": "No filter"}],
        "orderby": [[METRIC, False]],
        "row_limit": 10000,
    }
    query.update(extra)
    return query


def bucket_key(value: Any) -> str:
    """Chart data returns epoch milliseconds for temporal columns."""
    moment = dt.datetime.fromtimestamp(value / 1000, tz=dt.timezone.utc)
    return f"{moment:%Y-%m-%d %H:%M}"


def check_time_series(api: Api, dataset_id: int) -> str:
    result = chart_data(api, dataset_id, time_series_query("PT10M"))
    expect("to_start_of_interval" in result["query"], f"grain not in SQL: {result['query']}")
    got = {(bucket_key(row["ts"]), row["device"]): row["avg_temperature"] for row in result["data"]}
    expected = expected_averages()
    expect(set(got) == set(expected), f"buckets differ: {sorted(set(got) ^ set(expected))[:6]}")
    worst = max(abs(got[key] - expected[key]) for key in expected)
    expect(worst < 1e-9, f"averages differ by up to {worst}")
    return str(result["query"])


def check_row_count(api: Api, dataset_id: int) -> None:
    result = chart_data(api, dataset_id, time_series_query("PT1H", is_rowcount=True))
    expect("count(" in result["query"].lower(), f"no COUNT in: {result['query']}")
    (row,) = result["data"]
    expect(row["rowcount"] == 2 * len(DEVICES), f"row count {row}")


def check_time_range_filter(api: Api, dataset_id: int) -> None:
    window = "2026-01-05T08:30:00 : 2026-01-05T09:00:00"
    query = time_series_query(
        "PT1M", filters=[{"col": "ts", "op": "TEMPORAL_RANGE", "val": window}]
    )
    result = chart_data(api, dataset_id, query)
    expect("to_datetime64('2026-01-05 08:30:00.000', 3, 'UTC')" in result["query"], result["query"])
    expect(len(result["data"]) == 30 * len(DEVICES), f"{len(result['data'])} rows in 30 minutes")


def check_samples(api: Api, dataset_id: int) -> None:
    result = chart_data(api, dataset_id, {"columns": [], "metrics": [], "row_limit": 7}, "samples")
    expect(len(result["data"]) == 7, f"samples returned {len(result['data'])} rows")


def check_sql_lab(api: Api, database_id: int, schema: str | None) -> str:
    grouped = (
        f"SELECT device, count_if(temperature > 22) AS warm, quantile(temperature, 0.5) "
        f"AS mid FROM {STREAM} GROUP BY device ORDER BY device"
    )
    payload = sql_lab(api, database_id, grouped, 100, schema)
    expect([row["device"] for row in payload["data"]] == list(DEVICES), str(payload["data"]))
    expected_warm = [sum(temperature(d, m) > 22 for m in range(MINUTES)) for d in range(3)]
    expect([row["warm"] for row in payload["data"]] == expected_warm, str(payload["data"]))
    limited = sql_lab(api, database_id, f"SELECT * FROM {STREAM}", 5, schema)
    expect(len(limited["data"]) == 5, f"SQL Lab limit 5 gave {len(limited['data'])} rows")
    return str(limited["query"]["executedSql"])


def check_metadata_endpoints(api: Api, database_id: int) -> int:
    names = api.call("GET", f"/api/v1/database/{database_id}/function_names/")["function_names"]
    expect("to_start_of_minute" in names, f"to_start_of_minute missing from {len(names)} names")
    expect(all(name == name.lower() for name in names), "autocomplete offers non-Timeplus names")
    star = api.call("GET", f"/api/v1/database/{database_id}/select_star/{STREAM}/")["result"]
    expect(STREAM in star and "LIMIT" in star.upper(), f"select_star: {star}")
    return len(names)


def check_streaming_opt_in(api: Api, uri: str, dsn: str, schema: str | None) -> int:
    """A database whose URI asks for streaming sees new events, and LIMIT ends the query."""
    database_id = create_database(
        api, "Timeplus emulator (streaming)", uri + "?query_mode=streaming"
    )
    feeder = threading.Timer(2.0, lambda: _ingest_more(dsn))
    feeder.start()
    try:
        payload = sql_lab(api, database_id, f"SELECT device FROM {LIVE_STREAM}", 3, schema)
    finally:
        feeder.join()
    rows = payload["data"]
    expect(rows == [{"device": "live"}] * 3, f"streaming SQL Lab gave {rows}")
    return database_id


def check_streaming_idle_timeout(api: Api, uri: str, schema: str | None) -> float:
    """With ``idle_timeout`` a streaming query ends after that many quiet seconds, even when
    its LIMIT is never reached (a chart's LIMIT 10000 on a quiet stream)."""
    database_id = create_database(
        api, "Timeplus emulator (streaming, idle 2 s)", uri + "?query_mode=streaming&idle_timeout=2"
    )
    started = time.monotonic()
    payload = sql_lab(api, database_id, f"SELECT device FROM {LIVE_STREAM}", 10000, schema)
    elapsed = time.monotonic() - started
    expect(payload["data"] == [], f"quiet stream returned {payload['data'][:3]}")
    expect(elapsed < 15, f"idle_timeout=2 ended the query only after {elapsed:.1f}s")
    return elapsed


def _ingest_more(dsn: str) -> None:
    """Feed the live stream while a streaming query waits for new events."""
    conn = timeplus_dbapi.connect(dsn)
    try:
        rows = [[f"{START:%Y-%m-%d %H:%M:%S}.000", "live", float(i)] for i in range(20)]
        conn.client.ingest(LIVE_STREAM, [name for name, _ in COLUMNS], rows)
    finally:
        conn.close()


UPLOAD_STREAM = "superset_uploaded_visits"
UPLOAD_CSV = (
    "city,visits,share,opened,note\n"
    "Oslo,3,0.25,2024-02-01 08:30:00,first\n"
    "Lima,,0.5,,\n"
    'Pune,12,,2024-02-03 23:59:59,"with, comma"\n'
)
UPLOAD_COLUMNS = ["city", "visits", "share", "opened", "note"]
UPLOADED_ROWS = [  # as SQL Lab returns them
    {"city": "Lima", "visits": None, "share": 0.5, "opened": None, "note": None},
    {
        "city": "Oslo",
        "visits": 3.0,
        "share": 0.25,
        "opened": "2024-02-01T08:30:00",
        "note": "first",
    },
    {
        "city": "Pune",
        "visits": 12.0,
        "share": None,
        "opened": "2024-02-03T23:59:59",
        "note": "with, comma",
    },
]


def upload_csv(api: Api, database_id: int, schema: str | None, status: int, **form: Any) -> Any:
    fields = {
        "type": "csv",
        "table_name": UPLOAD_STREAM,
        "column_dates": "opened",
        "file": (io.BytesIO(UPLOAD_CSV.encode()), "visits.csv"),
        **({"schema": schema} if schema else {}),
        **form,
    }
    return api.post_form(f"/api/v1/database/{database_id}/upload/", fields, status)


def uploaded_rows(api: Api, database_id: int, schema: str | None) -> list[dict[str, Any]]:
    """The uploaded stream through SQL Lab: ``SELECT *`` gives the file's columns, in order,
    then the ``_tp_time`` every Timeplus stream has."""
    sql = f"SELECT * FROM {UPLOAD_STREAM} ORDER BY city"
    payload = sql_lab(api, database_id, sql, 100, schema)
    names = [column["column_name"] for column in payload["columns"]]
    expect(names == [*UPLOAD_COLUMNS, "_tp_time"], f"uploaded stream columns: {names}")
    return [{name: row[name] for name in UPLOAD_COLUMNS} for row in payload["data"]]


def check_csv_upload(api: Api, database_id: int, schema: str | None) -> None:
    """Upload a CSV file through Superset, read it back through SQL Lab, then check
    if_exists fail and append, the dataset Superset made, and a refused file."""
    upload_csv(api, database_id, schema, 201)
    got = uploaded_rows(api, database_id, schema)
    expect(got == UPLOADED_ROWS, f"uploaded rows read back: {got}")
    again = upload_csv(api, database_id, schema, 422)
    expect("already exists" in json.dumps(again), f"second upload (fail): {again}")
    upload_csv(api, database_id, schema, 201, already_exists="append")
    doubled = sorted(UPLOADED_ROWS + UPLOADED_ROWS, key=lambda row: str(row["city"]))
    got = uploaded_rows(api, database_id, schema)
    expect(got == doubled, f"rows after an append: {got}")
    query = prison.dumps({"filters": [{"col": "table_name", "opr": "eq", "value": UPLOAD_STREAM}]})
    (dataset,) = api.call("GET", f"/api/v1/dataset/?q={query}")["result"]
    columns = api.call("GET", f"/api/v1/dataset/{dataset['id']}")["result"]["columns"]
    by_name = {column["column_name"]: column for column in columns}
    expect(set(UPLOAD_COLUMNS) <= set(by_name), f"uploaded dataset columns: {sorted(by_name)}")
    expect(bool(by_name["opened"]["is_dttm"]), "uploaded 'opened' is not a temporal column")
    refused = api.post_form(
        f"/api/v1/database/{database_id}/upload/",
        {
            "type": "csv",
            "table_name": "superset_refused_upload",
            "file": (io.BytesIO(b"_tp_time,v\n1,2\n"), "reserved.csv"),
        },
        422,
    )
    expect("reserves column names" in json.dumps(refused), f"reserved column: {refused}")


def chart_form_data(dataset_id: int, grain: str) -> dict[str, Any]:
    return {
        "datasource": f"{dataset_id}__table",
        "viz_type": "echarts_timeseries_line",
        "x_axis": "ts",
        "time_grain_sqla": grain,
        "metrics": [METRIC],
        "groupby": ["device"],
        "adhoc_filters": [
            {
                "clause": "WHERE",
                "subject": "ts",
                "operator": "TEMPORAL_RANGE",
                "comparator": "No filter",
                "expressionType": "SIMPLE",
            }
        ],
        "row_limit": 10000,
        "show_legend": True,
        "rich_tooltip": True,
        "markerEnabled": True,
        "x_axis_title": f"ts ({grain} buckets)",
        "x_axis_title_margin": 30,
        "y_axis_title_margin": 30,
        "y_axis_title": "average temperature",
    }


def create_chart(api: Api, dataset_id: int, grain: str = "PT10M") -> int:
    """Save a line chart over the stream with ``grain``, read its data through the saved chart
    and check every bucket's average."""
    form_data = chart_form_data(dataset_id, grain)
    query_context = {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": False,
        "queries": [time_series_query(grain)],
        "form_data": form_data,
        "result_format": "json",
        "result_type": "full",
    }
    body = {
        "slice_name": f"Temperature per device, {grain} (Timeplus stream)",
        "viz_type": form_data["viz_type"],
        "datasource_id": dataset_id,
        "datasource_type": "table",
        "params": json.dumps(form_data),
        "query_context": json.dumps(query_context),
    }
    chart_id = int(api.call("POST", "/api/v1/chart/", body, status=201)["id"])
    data = api.call("GET", f"/api/v1/chart/{chart_id}/data/")["result"][0]["data"]
    got = {(bucket_key(row["ts"]), row["device"]): row["avg_temperature"] for row in data}
    expected = expected_averages(grain)
    expect(set(got) == set(expected), f"{grain} chart buckets: {sorted(got)[:4]}")
    worst = max(abs(got[key] - expected[key]) for key in expected)
    expect(worst < 1e-9, f"{grain} chart averages differ by up to {worst}")
    return chart_id


def check_new_grain_charts(api: Api, dataset_id: int) -> str:
    """A saved chart per grain Superset 6.1 added (5 s ... quarter-year)."""
    for grain in NEW_GRAINS:
        create_chart(api, dataset_id, grain)
    return ", ".join(NEW_GRAINS)


def run_chart_checks(api: Api, dataset_id: int) -> int:
    """Chart data through Superset's query path; returns the id of a saved chart."""
    sql = timed("chart query: GROUP BY 10-minute grain", lambda: check_time_series(api, dataset_id))
    print(f"     SQL: {' '.join(sql.split())}")
    timed("chart query: COUNT(*) over the chart subquery", lambda: check_row_count(api, dataset_id))
    timed(
        "chart query: time range filter (convert_dttm)",
        lambda: check_time_range_filter(api, dataset_id),
    )
    timed("chart samples", lambda: check_samples(api, dataset_id))
    chart_id = timed("save a chart and read its data", lambda: create_chart(api, dataset_id))
    grains = timed("a saved chart per new grain", lambda: check_new_grain_charts(api, dataset_id))
    print(f"     grains: {grains}")
    return chart_id


def run_checks(api: Api, dsn: str) -> tuple[int, int]:
    """Every check in order; returns (saved chart id, database id) for the screenshots."""
    uri = dsn.split("?", 1)[0]
    timed(
        "Superset test connection (POST /database/test_connection)",
        lambda: check_test_connection(api, uri),
    )
    database_id = timed(
        "register the database", lambda: create_database(api, "Timeplus emulator", uri)
    )
    schema = timed("list schemas", lambda: pick_schema(api, database_id))
    timed("list streams as tables", lambda: check_table_listing(api, database_id, schema))
    dataset_id = timed("dataset column discovery", lambda: create_dataset(api, database_id, schema))
    timed(
        "virtual (SQL) dataset over table(stream)",
        lambda: check_virtual_dataset(api, database_id, schema),
    )
    chart_id = run_chart_checks(api, dataset_id)
    executed = timed("SQL Lab (LIMIT n+1)", lambda: check_sql_lab(api, database_id, schema))
    print(f"     SQL Lab executed: {' '.join(executed.split())}")
    timed(
        "CSV upload (POST /database/{id}/upload/), read back in SQL Lab",
        lambda: check_csv_upload(api, database_id, schema),
    )
    count = timed(
        "autocomplete function names, select_star",
        lambda: check_metadata_endpoints(api, database_id),
    )
    print(f"     {count} function names")
    streaming_id = timed(
        "streaming opt-in (?query_mode=streaming) with LIMIT",
        lambda: check_streaming_opt_in(api, uri, dsn, schema),
    )
    timed(
        "streaming with idle_timeout on a quiet stream",
        lambda: check_streaming_idle_timeout(api, uri, schema),
    )
    run_feature_checks(api, dsn, database_id, streaming_id)
    return chart_id, database_id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True, help="timeplus:// URL of the server to check")
    parser.add_argument("--admin-user", default="admin")
    parser.add_argument("--ids-file", help="write the saved chart's and the database's id here")
    args = parser.parse_args()
    rows = timed("seed the demo streams", lambda: seed_streams(args.dsn))
    print(f"     {rows} rows in {STREAM}")
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        api = Api(app, args.admin_user, os.environ["TIMEPLUS_E2E_ADMIN_PASSWORD"])
        try:
            chart_id, database_id = run_checks(api, args.dsn)
        except CheckFailed as exc:
            print(f"FAIL {exc}", flush=True)
            return 1
    if args.ids_file:
        with open(args.ids_file, "w", encoding="utf-8") as handle:
            handle.write(f"{chart_id} {database_id}\n")
    print("Superset end-to-end check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
