"""Emulator HTTP limits (issue 12): strict framing, credentials before the body, browsers
(Content-Type and Origin), fault-injection control, and a pool that unread results cannot
starve. Raw sockets where the framing matters; each refused request is checked for its
ErrorResponse and for the effect that must not have happened.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any, Optional

import pytest
import requests

from timeplus_emulator import run_emulator
from timeplus_emulator.server import EmulatorServer, exposure_warning

TIMEOUT = (5, 15)
API_KEY = "limits-key"
QUERIES = b"/default/api/v1beta2/queries"
BIG_RESULT = "SELECT number, to_string(number) FROM numbers(50000000)"


@pytest.fixture(scope="module")
def keyed() -> Iterator[EmulatorServer]:
    with run_emulator(api_key=API_KEY, enable_faults=True, max_body_bytes=1 << 20,
                      allow_origins=["http://app.example"]) as server:
        yield server


def _post_raw(server: EmulatorServer, head: bytes, body: bytes = b"", *, key: bool = True,
              wait: float = 5.0) -> tuple[bytes, bool]:
    """Send one raw request without closing our side; (reply, server closed the socket)."""
    auth = b"X-Api-Key: " + API_KEY.encode() + b"\r\n" if key else b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=wait) as sock:
        sock.sendall(b"POST " + QUERIES + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + head +
                     b"\r\n" + body)
        reply, closed = b"", False
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                closed = True
                break
            reply += chunk
            if b"\r\n\r\n" in reply and _complete(reply):
                sock.settimeout(0.5)  # the answer is in: does the server close?
    return reply, closed


def _complete(reply: bytes) -> bool:
    head, _, body = reply.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        return body.endswith(b"\r\n0\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def _status_and_error(reply: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = reply.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    error = json.loads(body)
    assert set(error) >= {"code", "message", "system"}, error
    return status, error


def _stream_exists(server: EmulatorServer, name: str) -> bool:
    response = requests.get(f"{server.base_url}/v1beta2/streams/{name}", timeout=TIMEOUT,
                            headers={"X-Api-Key": API_KEY})
    return response.status_code == 200


def _create_body(name: str) -> bytes:
    return json.dumps({"sql": f"CREATE STREAM {name} (a int32)"}).encode()


JSON = b"Content-Type: application/json\r\n"
FRAMINGS = {
    "negative length": b"Content-Length: -1\r\n",
    "signed length": b"Content-Length: +5\r\n",
    "hex length": b"Content-Length: 0x10\r\n",
    "spaced length": b"Content-Length: 1 2\r\n",
    "overflowing length": b"Content-Length: 99999999999999999999999999\r\n",
    "two lengths": b"Content-Length: 5\r\nContent-Length: 6\r\n",
    "length and chunked": b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
    "gzip coding": b"Transfer-Encoding: gzip, chunked\r\n",
    "chunk size -1": b"Transfer-Encoding: chunked\r\n\r\n-1\r\n",
    "chunk size +a": b"Transfer-Encoding: chunked\r\n\r\n+a\r\n",
    "chunk size 0x10": b"Transfer-Encoding: chunked\r\n\r\n0x10\r\n",
    "chunk size overflow": b"Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n",
    "chunk without CRLF": b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
}


@pytest.mark.parametrize("framing", FRAMINGS.values(), ids=list(FRAMINGS))
def test_malformed_framing_is_400_and_closes(keyed: EmulatorServer, framing: bytes) -> None:
    # No end of headers in the chunked cases' prefix: the body follows on the same write.
    head, sep, rest = framing.partition(b"\r\n\r\n")
    reply, closed = _post_raw(keyed, JSON + (head + b"\r\n" if sep else framing), rest)
    status, error = _status_and_error(reply)
    assert status == 400 and error["code"] == 36, reply
    assert closed, "the connection must close after a framing error"


def test_chunked_body_over_the_cap_is_413(keyed: EmulatorServer) -> None:
    """Many small chunks add up: the cap counts the whole body, not one chunk."""
    chunk = b"4000\r\n" + b" " * 0x4000 + b"\r\n"
    body = chunk * 80 + b"0\r\n\r\n"  # 1.25 MiB > 1 MiB
    reply, _ = _post_raw(keyed, JSON + b"Transfer-Encoding: chunked\r\n", body)
    status, error = _status_and_error(reply)
    assert status == 413 and str(1 << 20) in error["message"]


def test_valid_chunked_body_with_extension_and_trailer(keyed: EmulatorServer) -> None:
    body = b'{"sql": "SELECT 7"}'
    framed = b"%x;ext=1\r\n%s\r\n0\r\nX-Trailer: t\r\n\r\n" % (len(body), body)
    reply, _ = _post_raw(keyed, JSON + b"Transfer-Encoding: chunked\r\n", framed)
    assert reply.startswith(b"HTTP/1.1 200") and b"[[7]]" in reply


def test_401_comes_before_the_body_is_read(keyed: EmulatorServer) -> None:
    """A 256 MiB Content-Length without credentials: 401 at once, after 1 KiB was sent."""
    started = time.monotonic()
    reply, closed = _post_raw(keyed, JSON + b"Content-Length: 268435456\r\n", b"x" * 1024,
                              key=False)
    status, error = _status_and_error(reply)
    assert status == 401 and error["code"] == 516
    assert closed and time.monotonic() - started < 3


def test_expect_continue_is_answered_only_after_auth(keyed: EmulatorServer) -> None:
    expect = JSON + b"Expect: 100-continue\r\nContent-Length: 268435456\r\n"
    refused, _ = _post_raw(keyed, expect, key=False)
    assert refused.startswith(b"HTTP/1.1 401"), refused[:60]
    body = b'{"sql": "SELECT 8"}'
    with socket.create_connection(("127.0.0.1", keyed.port), timeout=5) as sock:
        sock.sendall(b"POST " + QUERIES + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: " +
                     API_KEY.encode() + b"\r\n" + JSON + b"Expect: 100-continue\r\n" +
                     b"Content-Length: %d\r\n\r\n" % len(body))
        assert sock.recv(64).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(body)
        reply = b""
        while b"[[8]]" not in reply and (chunk := sock.recv(65536)):
            reply += chunk
    assert b"[[8]]" in reply


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonx"])
def test_json_endpoints_take_only_json(keyed: EmulatorServer, content_type: Optional[str]) -> None:
    name = f"ct_{uuid.uuid4().hex[:8]}"
    headers = {"X-Api-Key": API_KEY}
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = requests.post(f"{keyed.base_url}/v1beta2/queries", data=_create_body(name),
                             headers=headers, timeout=TIMEOUT)
    assert response.status_code == 415, response.text
    assert "application/json" in response.json()["message"]
    assert not _stream_exists(keyed, name)


def test_json_with_charset_is_accepted(keyed: EmulatorServer) -> None:
    name = f"ct_{uuid.uuid4().hex[:8]}"
    response = requests.post(f"{keyed.base_url}/v1beta2/queries", data=_create_body(name),
                             headers={"X-Api-Key": API_KEY,
                                      "Content-Type": "application/json; charset=utf-8"},
                             timeout=TIMEOUT)
    assert response.status_code == 200 and _stream_exists(keyed, name)


@pytest.mark.parametrize("method", ["GET", "POST", "OPTIONS"])
def test_foreign_origin_is_403(keyed: EmulatorServer, method: str) -> None:
    name = f"or_{uuid.uuid4().hex[:8]}"
    response = requests.request(method, f"{keyed.base_url}/v1beta2/queries",
                                data=_create_body(name), timeout=TIMEOUT, headers={
                                    "X-Api-Key": API_KEY, "Origin": "http://evil.example",
                                    "Content-Type": "text/plain"})
    assert response.status_code == 403 and "origin" in response.json()["message"]
    assert "Access-Control-Allow-Origin" not in response.headers
    assert not _stream_exists(keyed, name)


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:80", "127.0.0.1.nip.io",
                                  "localhost.attacker.example", "10.0.0.1"])
def test_dns_rebinding_host_is_403(keyed: EmulatorServer, host: str) -> None:
    """A page on a name that now resolves to 127.0.0.1 sends no Origin on a simple GET, but
    its own name as Host: a loopback-bound emulator answers only loopback names."""
    for method, path in (("GET", "/v1beta2/streams"), ("POST", "/v1beta2/queries")):
        response = requests.request(method, keyed.base_url + path, timeout=TIMEOUT,
                                    json={"sql": "SELECT 1"},
                                    headers={"X-Api-Key": API_KEY, "Host": host})
        assert response.status_code == 403, (method, response.status_code)
        assert "loopback" in response.json()["message"]


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:1234", "127.0.0.1", "127.0.0.2:9",
                                  "[::1]:8000", "app.localhost"])
def test_loopback_hosts_are_answered(keyed: EmulatorServer, host: str) -> None:
    response = requests.get(keyed.base_url + "/v1beta2/streams", timeout=TIMEOUT,
                            headers={"X-Api-Key": API_KEY, "Host": host})
    assert response.status_code == 200, response.text


def test_allowed_origin_gets_cors_headers(keyed: EmulatorServer) -> None:
    url = f"{keyed.base_url}/v1beta2/queries"
    origin = {"Origin": "http://app.example"}
    preflight = requests.options(url, headers=origin, timeout=TIMEOUT)
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://app.example"
    assert "X-Api-Key" in preflight.headers["Access-Control-Allow-Headers"]
    answer = requests.post(url, json={"sql": "SELECT 9"}, timeout=TIMEOUT,
                           headers={**origin, "X-Api-Key": API_KEY})
    assert answer.status_code == 200 and b"[[9]]" in answer.content
    assert answer.headers["Access-Control-Allow-Origin"] == "http://app.example"


def test_origins_are_refused_by_default() -> None:
    with run_emulator() as server:
        response = requests.get(server.base_url + "/v1beta2/streams", timeout=TIMEOUT,
                                headers={"Origin": "http://localhost:3000"})
        assert response.status_code == 403


@pytest.mark.parametrize(("host", "warns"), [("127.0.0.1", False), ("localhost", False),
                                             ("::1", False), ("0.0.0.0", True),
                                             ("192.168.1.10", True), ("::", True)])
def test_exposure_warning(host: str, warns: bool) -> None:
    assert (exposure_warning(host, credentials=False) is not None) is warns
    assert exposure_warning(host, credentials=True) is None


def test_start_on_all_interfaces_without_credentials_warns(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="timeplus_emulator.server"):
        with run_emulator(host="0.0.0.0"):
            pass
    assert any("without credentials" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------- fault injection control
BAD_FAULTS: list[dict[str, Any]] = [
    {"delay_events_s": 1e300}, {"delay_events_s": -1}, {"delay_events_s": "1"},
    {"delay_events_s": float("nan")}, {"fail_count": -1}, {"fail_count": True},
    {"fail_count": 10**9}, {"fail_count": 1, "fail_status": 200}, {"retry_after": 10**9},
    {"fail_count": 1, "retry_after": -1}, {"drop_after_events": -1},
    {"drop_after_events": 1, "queries": 0}, {"drop_after_events": 1, "drop_reset": "yes"},
    {"malformed_after_events": 1.5}, {"queries": -3}, {"no_such_fault": 1},
    {"fail_count": 1, "path_contains": ["x"]},
]


@pytest.mark.parametrize("settings", BAD_FAULTS, ids=lambda s: json.dumps(s)[:40])
def test_fault_settings_out_of_range_are_400(keyed: EmulatorServer,
                                             settings: dict[str, Any]) -> None:
    control = keyed.url + "/_emulator/faults"
    auth = {"X-Api-Key": API_KEY}
    before = keyed.faults.snapshot()
    body = json.dumps(settings, allow_nan=True)
    response = requests.post(control, data=body, timeout=TIMEOUT,
                             headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 400 and "fault" in response.json()["message"]
    assert keyed.faults.snapshot() == before
    answer = requests.post(keyed.base_url + "/v1beta2/queries", json={"sql": "SELECT 1"},
                           headers=auth, timeout=(5, 5))
    assert answer.status_code == 200 and b"[[1]]" in answer.content


def test_faults_are_off_unless_enabled() -> None:
    with run_emulator() as server:
        control = server.url + "/_emulator/faults"
        assert requests.get(control, timeout=TIMEOUT).status_code == 404
        response = requests.post(control, json={"fail_count": 1}, timeout=TIMEOUT)
        assert response.status_code == 404 and "--enable-faults" in response.json()["message"]
        with pytest.raises(RuntimeError, match="enable_faults"):
            server.faults.fail_next(1)
        server.faults.reset()  # always allowed
        assert requests.get(server.base_url + "/v1beta2/streams", timeout=TIMEOUT).ok


# ---------------------------------------------------------------- starvation
def _unread_result(server: EmulatorServer, sql: str = BIG_RESULT) -> socket.socket:
    """Start a large historical result and never read it (a tiny receive buffer)."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    body = json.dumps({"sql": sql}).encode()
    sock.sendall(b"POST " + QUERIES + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + JSON +
                 b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    return sock


def _select_1_seconds(server: EmulatorServer) -> float:
    started = time.monotonic()
    response = requests.post(server.base_url + "/v1beta2/queries", json={"sql": "SELECT 1"},
                             timeout=(5, 10))
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and b"[[1]]" in response.content, response.text
    return elapsed


@pytest.mark.watchdog(90)
def test_48_unread_results_do_not_starve_select_1() -> None:
    with run_emulator() as server:
        sockets = [_unread_result(server) for _ in range(48)]
        try:
            _wait_running(server, 48)
            time.sleep(1.0)  # their output has filled the socket buffers: all 48 are stuck
            assert _select_1_seconds(server) < 1.0
        finally:
            for sock in sockets:
                sock.close()


def _wait_running(server: EmulatorServer, count: int, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        queries = requests.get(server.base_url + "/v1beta2/queries", timeout=TIMEOUT).json()
        if sum(q["status"] == "running" for q in queries) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} queries running after {within} s")


@pytest.mark.watchdog(60)
def test_unread_result_is_dropped_after_the_socket_timeout() -> None:
    with run_emulator(socket_timeout=1.0) as server:
        sock = _unread_result(server)
        try:
            _wait_running(server, 1)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                queries = requests.get(server.base_url + "/v1beta2/queries",
                                       timeout=TIMEOUT).json()
                if queries and queries[0]["status"] != "running":
                    break
                time.sleep(0.5)
            assert queries[0]["status"] == "canceled", queries[0]
        finally:
            sock.close()


@pytest.mark.watchdog(60)
def test_requests_beyond_max_requests_get_503_with_retry_after() -> None:
    with run_emulator(max_requests=2) as server:
        sockets = [_unread_result(server) for _ in range(2)]
        try:
            time.sleep(1.0)
            busy = requests.post(server.base_url + "/v1beta2/queries",
                                 json={"sql": "SELECT 1"}, timeout=TIMEOUT)
            assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
            assert "--max-requests" in busy.json()["message"]
        finally:
            for sock in sockets:
                sock.close()
        done = threading.Event()
        deadline = time.monotonic() + 20
        while not done.is_set() and time.monotonic() < deadline:
            answer = requests.post(server.base_url + "/v1beta2/queries",
                                   json={"sql": "SELECT 1"}, timeout=TIMEOUT)
            if answer.status_code == 200:
                done.set()
            time.sleep(0.2)
        assert done.is_set(), "the server did not recover after the readers left"


def test_large_ignored_body_closes_the_connection(keyed: EmulatorServer) -> None:
    """A GET with a 200 KiB body: answered, then closed; the body is never parsed as a
    request (a smuggled one inside it gets no answer)."""
    smuggled = b"GET /default/api/v1beta2/streams HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: " + \
        API_KEY.encode() + b"\r\n\r\n"
    body = smuggled + b" " * (200 * 1024 - len(smuggled))
    with socket.create_connection(("127.0.0.1", keyed.port), timeout=5) as sock:
        sock.sendall(b"GET /default/api/v1beta2/info HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: " +
                     API_KEY.encode() + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        reply = b""
        try:
            while chunk := sock.recv(65536):
                reply += chunk
        except ConnectionResetError:
            pass
    assert reply.count(b"HTTP/1.1 ") == 1 and reply.startswith(b"HTTP/1.1 200")
