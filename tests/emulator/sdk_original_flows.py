"""The four seed flows of the original Timeplus SDK (``timeplus`` 1.4.1), run with the SDK itself.

Run by ``test_sdk_original.py`` in a subprocess (the SDK pins its own dependencies, so it may
live in another virtualenv): ``python sdk_original_flows.py URL API_KEY``. Prints one line per
checked fact and exits non-zero on the first failure.

1. streams: list, create, get, delete;  2. ingest in the compact, streaming, raw and lines
formats;  3. a query with a batching policy whose events are read;  4. the query lifecycle:
get, list (the swagger model parses ``timeColumns`` as integers), cancel, delete.
"""

from __future__ import annotations

import datetime
import json
import sys
import threading
from typing import Any

from timeplus import Environment, Query, Stream

NAMES = ("sdk_o_ingest", "sdk_o_json", "sdk_o_raw", "sdk_o_lines")


def stream_flow(env: Any) -> None:
    before = len(Stream(env=env).list())
    stream = Stream(env=env).name("sdk_o_test").column("time", "datetime64(3)") \
        .column("data", "string").create()
    print("created columns", [c.name for c in stream.metadata().columns])
    got = Stream(env=env).name("sdk_o_test").get().metadata()
    print("get", got.name, [c.name for c in got.columns])
    print("listed after create", len(Stream(env=env).list()) - before)
    stream.delete()
    print("listed after delete", len(Stream(env=env).list()) - before)


def ingest_flow(env: Any) -> None:
    def make(name: str, *columns: tuple[str, str]) -> Any:
        stream = Stream(env=env).name(name)
        for column, type_name in columns:
            stream = stream.column(column, type_name)
        return stream.create()

    make(NAMES[0], ("time", "datetime64(3)"), ("data", "string")) \
        .ingest(["time", "data"], [[datetime.datetime.now(), "abcd"]])
    make(NAMES[1], ("a", "integer"), ("b", "string")) \
        .ingest(payload='\n{"a":2,"b":"hello"}\n{"a":1,"b":"world"}\n', format="streaming")
    make(NAMES[2], ("raw", "string")).ingest(payload="\nfirst line\nsecond line\n", format="raw")
    make(NAMES[3], ("raw", "string")) \
        .ingest(payload='{"a":1,"b":"world"}\n{"a":2,"b":"hello"}', format="lines")
    for name in NAMES:
        rows = read_all(env, f"SELECT * EXCEPT _tp_time FROM table({name})")
        print("rows", name, json.dumps(rows))


def read_all(env: Any, sql: str) -> list[Any]:
    query = Query(env=env).sql(sql).batching_policy(10, 100).create()
    rows: list[Any] = []
    for event in query.result():
        if event.event == "message":
            rows.extend(json.loads(event.data))
        elif event.event == "query":
            break
    return rows


def lifecycle_flow(env: Any) -> None:
    query = Query(env=env).sql(f"SELECT a, b FROM {NAMES[1]}").create()
    print("header", [c["name"] for c in query.header()])
    timer = threading.Timer(0.3, lambda: Stream(env=env).name(NAMES[1]).ingest(
        ["a", "b"], [[3, "live"]]))
    timer.start()
    for event in query.result():
        if event.event == "message":
            print("streamed", event.data)
            break
    got = Query(env=env).id(query.id()).get().metadata()
    print("get", got.status, got.time_columns.event_time, got.time_columns.window_start)
    listed = {q.id: q for q in Query(env=env).list()}
    print("listed", query.id() in listed, listed[query.id()].time_columns.event_time)
    query.cancel()
    query.delete()
    print("deleted", query.id() not in {q.id for q in Query(env=env).list()})


def main() -> int:
    url, api_key = sys.argv[1], sys.argv[2]
    env = Environment().address(url).apikey(api_key).workspace("default")
    try:
        stream_flow(env)
        ingest_flow(env)
        lifecycle_flow(env)
    finally:
        for name in NAMES:
            if Stream(env=env).name(name).exist():
                Stream(env=env).name(name).delete()
    print("all flows done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
