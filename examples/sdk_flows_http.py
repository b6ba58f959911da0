"""The four flows of the original Timeplus Python SDK examples, over plain HTTP.

No driver involved: ``requests`` for REST and ``sseclient`` for the query events, exactly as
the SDK's generated client did. Run it against a Timeplus (cloud profile) or the emulator::

    python -m timeplus_emulator --port 8000 &
    python examples/sdk_flows_http.py --url http://127.0.0.1:8000 [--api-key KEY]

1. streams: list, create, get, delete;
2. ingest: compact (default), streaming (NDJSON), raw and lines formats;
3. a query with a batching policy whose SSE events are read;
4. the query lifecycle: get, list, cancel, delete.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import threading
import time
from typing import Any, Optional

import requests
import sseclient


class Env:
    """Where the API lives and how to authenticate (the SDK's ``Environment``)."""

    def __init__(self, url: str, workspace: str, api_key: Optional[str]) -> None:
        self.base = f"{url.rstrip('/')}/{workspace}/api/v1beta2"
        self.session = requests.Session()
        if api_key:
            self.session.headers["X-Api-Key"] = api_key

    def call(self, method: str, path: str, **kw: Any) -> requests.Response:
        response = self.session.request(method, self.base + path, timeout=(5, 30), **kw)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {response.status_code} {response.text}")
        return response


def stream_flow(env: Env) -> None:
    before = env.call("GET", "/streams").json()
    print(f"there are {len(before)} streams")
    created = env.call("POST", "/streams", json={
        "name": "sdk_test", "columns": [{"name": "time", "type": "datetime64(3)"},
                                        {"name": "data", "type": "string"}]}).json()
    print(f"created stream is {created['name']} with columns "
          f"{[c['name'] for c in created['columns']]}")
    got = [s for s in env.call("GET", "/streams").json() if s["name"] == "sdk_test"]
    print(f"get stream is {got[0]['name']}")
    env.call("DELETE", "/streams/sdk_test")
    print(f"there are {len(env.call('GET', '/streams').json())} streams after delete")


def ingest_flow(env: Env) -> None:
    env.call("POST", "/streams", json={"name": "sdk_ingest", "columns": [
        {"name": "time", "type": "datetime64(3)"}, {"name": "data", "type": "string"}]})
    env.call("POST", "/streams", json={"name": "sdk_ingest_json", "columns": [
        {"name": "a", "type": "integer"}, {"name": "b", "type": "string"}]})
    env.call("POST", "/streams", json={"name": "sdk_ingest_raw",
                                        "columns": [{"name": "raw", "type": "string"}]})
    now = datetime.datetime.now().isoformat(sep=" ")
    env.call("POST", "/streams/sdk_ingest/ingest",
             json={"columns": ["time", "data"], "data": [[now, "abcd"]]})
    env.call("POST", "/streams/sdk_ingest_json/ingest?format=streaming",
             data='\n{"a":2,"b":"hello"}\n{"a":1,"b":"world"}\n',
             headers={"Content-Type": "application/x-ndjson"})
    env.call("POST", "/streams/sdk_ingest_raw/ingest?format=raw",
             data="\nfirst line\nsecond line\n", headers={"Content-Type": "text/plain"})
    env.call("POST", "/streams/sdk_ingest_raw/ingest?format=lines",
             data='{"a":1,"b":"world"}\n{"a":2,"b":"hello"}',
             headers={"Content-Type": "text/plain"})
    for name in ("sdk_ingest", "sdk_ingest_json", "sdk_ingest_raw"):
        rows = run_query(env, f"SELECT * FROM table({name})")[1]
        print(f"{name}: {len(rows)} rows, first {rows[0]}")


def run_query(env: Env, sql: str, count: int = 10, time_ms: int = 500
              ) -> tuple[dict[str, Any], list[Any]]:
    """POST a query with a batching policy; read events until the final ``query`` event."""
    response = env.call("POST", "/queries", stream=True, json={
        "sql": sql, "batching_policy": {"count": count, "time_ms": time_ms}})
    events = sseclient.SSEClient(response.iter_content(chunk_size=None)).events()
    metadata = json.loads(next(events).data)
    rows: list[Any] = []
    for event in events:
        if event.event == "message":
            rows.extend(json.loads(event.data))
        elif event.event == "query":
            break
    response.close()
    return metadata, rows


def query_flow(env: Env) -> None:
    metadata, rows = run_query(env, "SELECT * FROM table(sdk_ingest_json)", count=1)
    print(f"query {metadata['id']} header {metadata['result']['header']} rows {rows}")


def lifecycle_flow(env: Env) -> None:
    response = env.call("POST", "/queries", stream=True,
                        json={"sql": "SELECT a, b FROM sdk_ingest_json"})
    events = sseclient.SSEClient(response.iter_content(chunk_size=None)).events()
    query_id = json.loads(next(events).data)["id"]
    timer = threading.Timer(0.3, lambda: env.call(
        "POST", "/streams/sdk_ingest_json/ingest",
        json={"columns": ["a", "b"], "data": [[3, "live"]]}))
    timer.start()
    for event in events:
        if event.event == "message":
            print(f"streaming query {query_id} got {json.loads(event.data)}")
            break
    print(f"status: {env.call('GET', f'/queries/{query_id}').json()['status']}")
    print(f"listed: {query_id in [q['id'] for q in env.call('GET', '/queries').json()]}")
    env.call("POST", f"/queries/{query_id}/cancel")
    time.sleep(0.2)
    print(f"after cancel: {env.call('GET', f'/queries/{query_id}').json()['status']}")
    env.call("DELETE", f"/queries/{query_id}")
    response.close()
    print(f"deleted: {query_id not in [q['id'] for q in env.call('GET', '/queries').json()]}")


def cleanup(env: Env) -> None:
    for name in ("sdk_ingest", "sdk_ingest_json", "sdk_ingest_raw"):
        env.session.delete(f"{env.base}/streams/{name}", timeout=10)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--workspace", default="default")
    parser.add_argument("--api-key", default=None)
    args = parser.parse_args(argv)
    env = Env(args.url, args.workspace, args.api_key)
    try:
        stream_flow(env)
        ingest_flow(env)
        query_flow(env)
        lifecycle_flow(env)
    finally:
        cleanup(env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
