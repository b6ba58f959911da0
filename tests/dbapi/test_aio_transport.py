"""The asyncio transport against loopback servers: redirects never take credentials or requests
elsewhere, same-origin 307 is followed, 503 on a GET is retried, error bodies keep their code,
and ``timeout`` bounds a server that never answers."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pytest

import timeplus_dbapi as db
from timeplus_dbapi import aio

sys.path.insert(0, str(Path(__file__).parent))
import loopback
from loopback import loopbacks_fixture  # noqa: F401 (the "loopbacks" fixture)

Loopback, Pieces, Received, response = (
    loopback.Loopback, loopback.Pieces, loopback.Received, loopback.response
)

pytestmark = pytest.mark.integration

SECRET = "k-very-secret-456"


def call(dsn: str, operation: Callable[[aio.AsyncConnection], Any], **options: Any) -> Any:
    async def main() -> Any:
        async with await aio.connect(dsn, **options) as conn:
            return await operation(conn)

    return asyncio.run(main())


def answer(status: int, body: bytes = b"[]", **headers: str) -> Callable[[Received], Pieces]:
    return lambda request: [(0.0, response(status, body, headers))]


@pytest.mark.parametrize("status", [302, 307])
def test_a_redirect_to_another_port_is_refused(loopbacks: Callable[..., Loopback], status):
    elsewhere = loopbacks(answer(200))
    target = f"http://127.0.0.1:{elsewhere.port}/default/api/v1beta2/streams"
    redirector = loopbacks(answer(status, b"", Location=target))
    with pytest.raises(db.OperationalError) as caught:
        call(redirector.dsn(), lambda c: c.client.list_streams(), api_key=SECRET, timeout=5)
    assert target in str(caught.value) and SECRET not in str(caught.value)
    assert elsewhere.received == [] and len(redirector.received) == 1


def test_same_origin_307_is_followed_with_the_credentials(loopbacks: Callable[..., Loopback]):
    def script(request: Received) -> Pieces:
        if request.path.endswith("/moved"):
            return [(0.0, response(200, b'[{"name": "moved"}]'))]
        return [(0.0, response(307, b"", {"Location": request.path + "/moved"}))]

    server = loopbacks(script)
    listed = call(server.dsn(), lambda c: c.client.list_streams(), api_key=SECRET, timeout=5)
    assert listed == [{"name": "moved"}]
    assert [r.headers.get("x-api-key") for r in server.received] == [SECRET, SECRET]


def test_a_503_on_a_get_is_retried(loopbacks: Callable[..., Loopback]):
    answers = iter([response(503, b"busy"), response(200, b'[{"name": "s"}]')])
    server = loopbacks(lambda request: [(0.0, next(answers))])
    assert call(server.dsn(), lambda c: c.client.list_streams(), timeout=5) == [{"name": "s"}]
    assert len(server.received) == 2


def test_an_error_body_keeps_its_code_and_status(loopbacks: Callable[..., Loopback]):
    body = b'{"code": 60, "message": "Stream default.nope does not exist"}'
    server = loopbacks(answer(404, body, **{"Content-Type": "application/json"}))
    with pytest.raises(db.ProgrammingError) as caught:
        call(server.dsn(), lambda c: c.client.get_stream("nope"), timeout=5)
    assert (caught.value.code, caught.value.http_status) == (60, 404)
    assert "does not exist" in str(caught.value)


def test_timeout_bounds_a_server_that_never_answers(loopbacks: Callable[..., Loopback]):
    server = loopbacks(lambda request: [])  # reads the request, says nothing
    started = time.monotonic()
    with pytest.raises(db.OperationalError, match="timed out"):
        call(server.dsn(), lambda c: c.client.list_streams(), timeout=0.5)
    with pytest.raises(db.OperationalError, match="timed out"):
        call(server.dsn(), lambda c: c.cursor().execute("SELECT 1"), timeout=0.5)
    assert time.monotonic() - started < 5
