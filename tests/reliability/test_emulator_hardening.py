"""Emulator hardening (issue 8), with plain ``requests`` and raw sockets: malformed JSON, wrong
content types, bodies over the size limit, invalid names and garbage on the wire each get an
ErrorResponse (``{code, message, system}``) with a 4xx status, and the server keeps serving.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any, Optional

import pytest
import requests

from timeplus_emulator.server import EmulatorServer

LIMIT = 64 * 1024
TIMEOUT = (5, 15)


@pytest.fixture(scope="module")
def hardened() -> Iterator[EmulatorServer]:
    with EmulatorServer(max_body_bytes=LIMIT, enable_faults=True) as server:
        yield server


@pytest.fixture
def api(hardened: EmulatorServer) -> Iterator[str]:
    base = hardened.base_url + "/v1beta2"
    yield base
    assert_serving(base)  # after every abuse, a fresh request is answered


def assert_serving(base: str) -> None:
    with requests.Session() as session:
        streams = session.get(base + "/streams", timeout=TIMEOUT)
        assert streams.status_code == 200
        assert isinstance(streams.json(), list)
        query = session.post(base + "/queries", json={"sql": "SELECT 1"}, timeout=TIMEOUT)
        assert query.status_code == 200 and b"[[1]]" in query.content


def assert_error(response: requests.Response, status: Optional[int] = None) -> dict[str, Any]:
    if status is None:
        assert 400 <= response.status_code < 500, (response.status_code, response.text)
    else:
        assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"code", "message", "system"}, body
    assert isinstance(body["code"], int) and body["message"]
    return dict(body)


def _stream(api: str) -> str:
    import uuid

    name = f"h_{uuid.uuid4().hex[:10]}"
    response = requests.post(api + "/queries", json={"sql": f"CREATE STREAM {name} (a int32)"},
                             timeout=TIMEOUT)
    assert response.status_code in (200, 204)
    return name


MALFORMED = [b"{", b"{'sql': 'SELECT 1'}", b"nul", b"\xff\xfe{}", b"[" * 50_000,
             b'{"sql": "SELECT 1"} trailing', b"\x00\x01\x02"]


@pytest.mark.parametrize("body", MALFORMED, ids=lambda b: repr(b[:12]))
@pytest.mark.parametrize("path", ["/queries", "/streams", "/views", "/format"])
def test_malformed_json(api: str, path: str, body: bytes) -> None:
    response = requests.post(api + path, data=body, timeout=TIMEOUT,
                             headers={"Content-Type": "application/json"})
    assert_error(response, 400)


@pytest.mark.parametrize("body", [*MALFORMED, b'{"columns": ["a"], "data": [[1], [2]'],
                         ids=lambda b: repr(b[:12]))
def test_malformed_ingest_body(api: str, body: bytes) -> None:
    name = _stream(api)
    response = requests.post(f"{api}/streams/{name}/ingest", data=body, timeout=TIMEOUT,
                             headers={"Content-Type": "application/json"})
    assert_error(response, 400)


@pytest.mark.parametrize("value", [[], "SELECT 1", 1, None, {"sql": 1}, {"sql": ""},
                                   {"sql": ["SELECT 1"]}])
def test_query_body_of_wrong_shape(api: str, value: Any) -> None:
    assert_error(requests.post(api + "/queries", json=value, timeout=TIMEOUT), 400)


@pytest.mark.parametrize("content_type", ["image/png", "application/xml", "multipart/form-data"])
def test_wrong_ingest_content_type(api: str, content_type: str) -> None:
    name = _stream(api)
    response = requests.post(f"{api}/streams/{name}/ingest", data=b'{"columns":["a"],"data":[[1]]}',
                             headers={"Content-Type": content_type}, timeout=TIMEOUT)
    assert_error(response, 415)


def test_unknown_ingest_format(api: str) -> None:
    name = _stream(api)
    response = requests.post(f"{api}/streams/{name}/ingest?format=xml", data=b"<a/>",
                             timeout=TIMEOUT)
    assert "format" in assert_error(response, 400)["message"]


@pytest.mark.parametrize("chunked", [False, True])
def test_body_over_the_limit(api: str, chunked: bool) -> None:
    payload = b'{"sql": "SELECT \'' + b"x" * (LIMIT + 10) + b"'\"}"
    data: Any = iter([payload[i:i + 8192] for i in range(0, len(payload), 8192)]) \
        if chunked else payload
    response = requests.post(api + "/queries", data=data, timeout=TIMEOUT,
                             headers={"Content-Type": "application/json"})
    body = assert_error(response, 413)
    assert str(LIMIT) in body["message"]


def test_closing_responses_say_connection_close(api: str) -> None:
    """When the server closes after an error, it must say so, or clients reuse a dead socket."""
    with requests.Session() as session:
        response = session.post(api + "/queries", data=b"x" * (LIMIT + 1), timeout=TIMEOUT,
                                headers={"Content-Type": "application/json"})
        assert_error(response, 413)
        assert response.headers.get("Connection", "").lower() == "close"
        again = session.get(api + "/streams", timeout=TIMEOUT)  # same session, pooled socket
        assert again.status_code == 200


@pytest.mark.parametrize("name", ["", "a/b", "..", "1.5", "x" * 300, "sp ace", "it's", 123,
                                  None, ["a"]])
def test_invalid_stream_names(api: str, name: Any) -> None:
    response = requests.post(api + "/streams", json={"name": name, "columns": [
        {"name": "a", "type": "int32"}]}, timeout=TIMEOUT)
    assert_error(response, 400)


def test_a_stream_name_may_start_with_digits(api: str) -> None:
    # Proton's lexer reads 99006_v as one name (its own test cases create such streams).
    import uuid

    name = "9" + uuid.uuid4().hex[:8] + "_v"
    response = requests.post(api + "/streams", json={"name": name, "columns": [
        {"name": "a", "type": "int32"}]}, timeout=TIMEOUT)
    assert response.status_code == 201, response.text
    listed = requests.get(api + "/streams", timeout=TIMEOUT).json()
    assert name in [stream["name"] for stream in listed]


@pytest.mark.parametrize("columns", [None, [], "a int32", [{"name": "a"}], [{"type": "int32"}],
                                     [{"name": "a", "type": "no_such_type"}],
                                     [{"name": "_tp_x", "type": "int32"}],
                                     [{"name": "a", "type": "int32"}, {"name": "a",
                                                                       "type": "int32"}]])
def test_invalid_stream_columns(api: str, columns: Any) -> None:
    response = requests.post(api + "/streams", json={"name": "valid_name_h", "columns": columns},
                             timeout=TIMEOUT)
    assert_error(response, 400)


@pytest.mark.parametrize("segment", ["%2E%2E", "a%2Fb", "%00", "%FF", "x" * 2000])
def test_odd_path_segments(api: str, segment: str) -> None:
    for method, suffix in (("GET", ""), ("GET", "/stats"), ("DELETE", ""), ("POST", "/ingest")):
        response = requests.request(method, f"{api}/streams/{segment}{suffix}", timeout=TIMEOUT,
                                    json={"columns": ["a"], "data": [[1]]})
        assert_error(response, 404 if method != "POST" or segment != "%FF" else None)


def test_wrong_methods_and_paths(api: str) -> None:
    assert_error(requests.put(api + "/streams", timeout=TIMEOUT), 405)
    assert_error(requests.get(api + "/no/such/thing", timeout=TIMEOUT), 404)
    assert_error(requests.get(api.replace("/default/", "/otherws/") + "/streams",
                              timeout=TIMEOUT), 404)


@pytest.mark.parametrize("raw", [b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                                 b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,
                                 b"POST /default/api/v1beta2/queries HTTP/1.1\r\n"
                                 b"Content-Length: -5\r\n\r\n",
                                 b"POST /default/api/v1beta2/queries HTTP/1.1\r\n"
                                 b"Transfer-Encoding: chunked\r\n\r\nzz\r\n"])
def test_garbage_on_the_wire(hardened: EmulatorServer, api: str, raw: bytes) -> None:
    with socket.create_connection(("127.0.0.1", hardened.port), timeout=5) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    assert b" 200 " not in reply[:32]  # refused (stdlib error page or ErrorResponse), never OK


def test_abandoned_connections_do_not_block_others(hardened: EmulatorServer, api: str) -> None:
    idle = [socket.create_connection(("127.0.0.1", hardened.port), timeout=5) for _ in range(40)]
    try:
        for sock in idle:
            sock.sendall(b"POST /default/api/v1beta2/queries HTTP/1.1\r\nContent-Length: 100\r\n")
        assert_serving(api)
    finally:
        for sock in idle:
            sock.close()


def test_fault_control_rejects_bad_settings(hardened: EmulatorServer, api: str) -> None:
    control = hardened.url + "/_emulator/faults"
    assert_error(requests.post(control, data=b"{", timeout=TIMEOUT,
                               headers={"Content-Type": "application/json"}), 400)
    assert_error(requests.post(control, json={"fail_count": "many"}, timeout=TIMEOUT), 400)
    assert requests.get(control, timeout=TIMEOUT).json()["fail_count"] == 0


@pytest.mark.parametrize("clients", [64])
def test_burst_of_new_connections(api: str, clients: int) -> None:
    """Many clients connecting at once (a pool warming up, 32 soak cursors) are all served."""
    import threading

    start = threading.Event()
    failures: list[str] = []

    def one() -> None:
        start.wait()
        try:
            response = requests.post(api + "/queries", json={"sql": "SELECT 1"}, timeout=TIMEOUT)
            if response.status_code != 200:
                failures.append(f"HTTP {response.status_code}")
        except requests.RequestException as exc:
            failures.append(type(exc).__name__ + ": " + str(exc)[:80])

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.set()
    for thread in threads:
        thread.join()
    assert failures == [], f"{len(failures)} of {clients} failed, e.g. {failures[0]}"
