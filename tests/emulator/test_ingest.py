"""POST /streams/{name}/ingest: every format and Content-Type spelling (PROTOCOL.md §6)."""

from __future__ import annotations

import json
from typing import Any

import pytest

COMPACT = json.dumps({"columns": ["a", "b"], "data": [[1, "x"], [2, "y"]]})
NDJSON = '{"a":1,"b":"x"}\n{"a":2,"b":"y"}'
NDJSON_NO_NEWLINES = '{"a":1,"b":"x"}{"a":2,"b":"y"}'


@pytest.mark.parametrize(("content_type", "query", "payload"), [
    ("application/json", "", COMPACT),
    ("application/json;format=compact", "", COMPACT),
    ("application/vnd.timeplus+json", "", COMPACT),
    ("application/vnd.timeplus+json;format=compact", "", COMPACT),
    ("application/json", "?format=compat", COMPACT),
    ("text/plain", "?format=compact", COMPACT),
    ("application/x-ndjson", "", NDJSON),
    ("application/json;format=streaming", "", NDJSON),
    ("application/vnd.timeplus+json;format=streaming", "", NDJSON_NO_NEWLINES),
    ("application/json", "?format=stream", NDJSON),
    ("application/json", "?format=streaming", NDJSON),
])
def test_json_formats(api: Any, content_type: str, query: str, payload: str) -> None:
    name = api.create_stream("a int32, b string")
    response = api.post(f"/streams/{name}/ingest{query}", data=payload.encode(),
                        headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
    assert response.json() == {"count": 2}
    assert api.table(f"SELECT a, b FROM table({name})") == [[1, "x"], [2, "y"]]


RAW = "\n  first line\nsecond line\n"


@pytest.mark.parametrize(("content_type", "query"), [
    ("text/plain", ""), ("text/plain;format=raw", ""), ("application/json", "?format=raw"),
])
def test_raw_is_one_verbatim_row(api: Any, content_type: str, query: str) -> None:
    name = api.create_stream("raw string")
    response = api.post(f"/streams/{name}/ingest{query}", data=RAW.encode(),
                        headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
    assert api.table(f"SELECT raw FROM table({name})") == [[RAW]]


@pytest.mark.parametrize(("content_type", "query"), [
    ("text/plain;format=lines", ""), ("text/plain", "?format=lines"),
])
def test_lines_give_one_row_per_line(api: Any, content_type: str, query: str) -> None:
    name = api.create_stream("raw string")
    payload = '{"a":1,"b":"world"}\n{"a":2,"b":"hello"}'
    response = api.post(f"/streams/{name}/ingest{query}", data=payload.encode(),
                        headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
    assert api.table(f"SELECT raw FROM table({name})") == [['{"a":1,"b":"world"}'],
                                                          ['{"a":2,"b":"hello"}']]


def test_row_order_follows_payload_across_requests(api: Any) -> None:
    name = api.create_stream("i int32")
    for start in range(0, 30000, 10000):
        api.ingest(name, ["i"], [[i] for i in range(start, start + 10000)])
    rows = api.table(f"SELECT i FROM table({name})", batching_policy={"count": 5000})
    assert [r[0] for r in rows] == list(range(30000))


def test_partial_columns_use_defaults(api: Any) -> None:
    name = api.create_stream("a int32, b string DEFAULT 'dflt'")
    api.ingest(name, ["a"], [[5]])
    assert api.table(f"SELECT a, b FROM table({name})") == [[5, "dflt"]]


def test_empty_compact_data_inserts_nothing(api: Any) -> None:
    name = api.create_stream("a int32")
    response = api.post(f"/streams/{name}/ingest", json={"columns": ["a"], "data": []})
    assert response.status_code == 200 and response.json() == {"count": 0}


@pytest.mark.parametrize(("payload", "words"), [
    (b"{not json", "JSON"),
    (b'{"columns": ["a"]}', "data"),
    (b'{"data": [[1]]}', "columns"),
    (b'{"columns": ["a"], "data": [[1, 2]]}', "row 0"),
    (b'[1, 2]', "columns"),
    (b'\xff\xfe', "UTF-8"),
    # were 500 "internal emulator error" (RecursionError, int digit limit)
    (b'{"columns": ["a"], "data": [' + b"[" * 50_000 + b"]" * 50_000 + b"]}", "JSON"),
    (b'{"columns": ["a"], "data": [[' + b"9" * 5000 + b"]]}", "JSON"),
    (b'{"columns": ["a"], "x": ' + b"[" * 50_000 + b"]" * 50_000 + b', "data": [[1]]}', "JSON"),
])
def test_bad_compact_bodies_are_400(api: Any, payload: bytes, words: str) -> None:
    name = api.create_stream("a int32")
    body = api.error(api.post(f"/streams/{name}/ingest", data=payload,
                              headers={"Content-Type": "application/json"}), 400)
    assert words in body["message"]


def test_unknown_column_and_bad_value_are_400(api: Any) -> None:
    name = api.create_stream("a int32")
    unknown = api.error(api.post(f"/streams/{name}/ingest",
                                 json={"columns": ["nope"], "data": [[1]]}), 400)
    assert "nope" in unknown["message"]
    bad = api.error(api.post(f"/streams/{name}/ingest",
                             json={"columns": ["a"], "data": [["not a number"]]}), 400)
    assert bad["code"] != 0
    assert api.table(f"SELECT count() FROM table({name})") == [["0"]]


def test_unknown_stream_is_404(api: Any) -> None:
    body = api.error(api.post("/streams/no_such_stream_x/ingest",
                              json={"columns": ["a"], "data": [[1]]}), 404)
    assert body["code"] == 60


def test_unknown_format_and_content_type(api: Any) -> None:
    name = api.create_stream("a int32")
    api.error(api.post(f"/streams/{name}/ingest?format=xml", data=b"<a/>"), 400)
    api.error(api.post(f"/streams/{name}/ingest", data=b"<a/>",
                       headers={"Content-Type": "application/xml"}), 415)


def test_body_over_limit_is_413(api: Any) -> None:
    name = api.create_stream("raw string")
    server = api.server
    old = server.max_body_bytes
    server.max_body_bytes = 1000
    try:
        response = api.post(f"/streams/{name}/ingest", data=b"x" * 5000,
                            headers={"Content-Type": "text/plain"})
        assert "1000" in api.error(response, 413)["message"]
        assert response.headers["Connection"] == "close"

        def chunks() -> Any:
            yield from [b"y" * 800] * 3

        chunked = api.post(f"/streams/{name}/ingest", data=chunks(),
                           headers={"Content-Type": "text/plain"})
        api.error(chunked, 413)
        deep = api.error(api.post(f"/streams/{name}/ingest", data=b"[" * 900,
                                  headers={"Content-Type": "application/json"}), 400)
        assert "JSON" in deep["message"]
    finally:
        server.max_body_bytes = old
    assert api.table(f"SELECT count() FROM table({name})") == [["0"]]


def test_chunked_request_body(api: Any) -> None:
    name = api.create_stream("a int32, b string")

    def chunks() -> Any:
        yield b'{"a":1,"b":"x"}\n'
        yield b'{"a":2,"b":"y"}\n'

    response = api.post(f"/streams/{name}/ingest?format=streaming", data=chunks())
    assert response.status_code == 200, response.text
    assert api.table(f"SELECT a, b FROM table({name})") == [[1, "x"], [2, "y"]]
