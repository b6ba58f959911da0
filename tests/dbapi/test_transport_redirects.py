"""Redirects never take credentials or requests elsewhere (issue 13, item 1).

A real loopback server answers with a redirect to a second loopback server on another port (or
to another scheme); the second one records whatever reaches it. Same-origin 307/308 redirects
are followed (for every method), same-origin 301/302/303 only for GET.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import pytest

import timeplus_dbapi as db

sys.path.insert(0, str(Path(__file__).parent))
from loopback import (
    Loopback,
    Pieces,
    Received,
    loopbacks_fixture,  # noqa: F401 (the "loopbacks" fixture)
    response,
)

pytestmark = pytest.mark.integration

SECRET = "k-very-secret-123"
AUTH = [{"api_key": SECRET}, {"user": "admin", "password": SECRET}]


def _always(status: int, body: bytes = b"[]", **headers: str) -> Callable[[Received], Pieces]:
    return lambda request: [(0.0, response(status, body, headers))]


OPERATIONS: dict[str, Callable[[db.Connection], Any]] = {
    "list_streams (GET)": lambda conn: conn.client.list_streams(),
    "execute (POST /queries)": lambda conn: conn.cursor().execute(
        "SELECT %s AS s", ("bound-value-42",)
    ),
    "ingest (POST /ingest)": lambda conn: conn.client.ingest("s", ["a"], [["row-value-7"]]),
}


@pytest.mark.parametrize("auth", AUTH, ids=["api_key", "basic"])
@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_to_another_port_is_refused_and_nothing_goes_there(
    loopbacks: Callable[..., Loopback], status: int, operation: str, auth: dict[str, str]
) -> None:
    elsewhere = loopbacks(_always(200))
    target = f"http://127.0.0.1:{elsewhere.port}/default/api/v1beta2/anything"
    redirector = loopbacks(_always(status, b"", Location=target))
    with db.connect(redirector.dsn(), timeout=5, **auth) as conn:
        with pytest.raises(db.OperationalError) as caught:
            OPERATIONS[operation](conn)
    assert target in str(caught.value)
    assert SECRET not in str(caught.value)
    assert elsewhere.received == []
    assert redirector.received  # the request did reach the first server


@pytest.mark.parametrize("location", ["https://127.0.0.1:{port}/x", "http://localhost:{port}/x"])
def test_a_redirect_to_another_scheme_or_host_name_is_refused(
    loopbacks: Callable[..., Loopback], location: str
) -> None:
    holder: dict[str, str] = {}
    redirector = loopbacks(lambda request: [(0.0, response(307, b"", holder))])
    holder["Location"] = location.format(port=redirector.port)
    with db.connect(redirector.dsn(), api_key=SECRET, timeout=5) as conn:
        with pytest.raises(db.OperationalError, match="redirect to"):
            conn.client.list_streams()
    assert len(redirector.received) == 1


def _same_origin(status: int) -> Callable[[Received], Pieces]:
    def script(request: Received) -> Pieces:
        if "moved" in request.path:
            return [(0.0, response(200, b'[{"name": "moved"}]'))]
        return [(0.0, response(status, b"", {"Location": request.path + "/moved"}))]

    return script


@pytest.mark.parametrize("status", [307, 308])
def test_same_origin_307_and_308_are_followed_with_method_body_and_credentials(
    loopbacks: Callable[..., Loopback], status: int
) -> None:
    server = loopbacks(_same_origin(status))
    with db.connect(server.dsn(), api_key=SECRET, timeout=5) as conn:
        conn.client.ingest_payload("s", b"line one", format="raw")
    first, second = server.received
    assert second.path == first.path + "/moved"
    assert (second.method, second.body) == ("POST", b"line one")
    assert second.headers["x-api-key"] == SECRET


@pytest.mark.parametrize("status", [301, 302, 303])
def test_same_origin_301_302_303_are_followed_for_get_only(
    loopbacks: Callable[..., Loopback], status: int
) -> None:
    server = loopbacks(_same_origin(status))
    with db.connect(server.dsn(), timeout=5) as conn:
        assert conn.client.list_streams() == [{"name": "moved"}]
        with pytest.raises(db.OperationalError, match="GET without its body"):
            conn.client.ingest_payload("s", b"line one", format="raw")
    assert [r.method for r in server.received] == ["GET", "GET", "POST"]


def test_a_redirect_loop_ends_with_an_error(loopbacks: Callable[..., Loopback]) -> None:
    server = loopbacks(lambda request: [(0.0, response(307, b"", {"Location": request.path}))])
    with db.connect(server.dsn(), timeout=5) as conn:
        with pytest.raises(db.Error, match="HTTP 307"):
            conn.client.list_streams()
    assert len(server.received) == 6  # the request and five redirects followed
