"""Helpers for the emulator's HTTP tests: plain ``requests`` plus a tiny SSE reader.

These tests never use the driver: they speak the wire protocol directly, so a bug in the
driver cannot hide a bug in the emulator (or the other way round).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Optional

import pytest
import requests

from timeplus_emulator.server import EmulatorServer

TIMEOUT = (5, 15)
SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def load_script(file_name: str) -> ModuleType:
    """A development script of ``scripts/`` loaded as a module (they are not a package)."""
    spec = importlib.util.spec_from_file_location(f"script_{Path(file_name).stem}",
                                                  SCRIPTS / file_name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Event:
    """One SSE event: ``name`` is None for unnamed (data) events."""

    name: Optional[str]
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


def read_events(response: requests.Response) -> Iterator[Event]:
    """Parse SSE from a streamed response, yielding events as they arrive."""
    buffer = b""
    name: Optional[str] = None
    data: list[str] = []
    for chunk in response.iter_content(chunk_size=None):
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            text = line.decode("utf-8").rstrip("\r")
            if text == "":
                if data:
                    yield Event(name, "\n".join(data))
                name, data = None, []
            elif text.startswith("event:"):
                name = text[6:].strip()
            elif text.startswith("data:"):
                data.append(text[5:].lstrip(" ") if text[5:6] == " " else text[5:])


class QueryStream:
    """A POST /queries response being read."""

    def __init__(self, response: requests.Response) -> None:
        self.response = response
        self.events = read_events(response)
        first = next(self.events)
        assert first.name == "query", first
        self.query = first.json()
        self.id: str = self.query["id"]
        self.final: Optional[dict[str, Any]] = None
        self.metrics: list[dict[str, Any]] = []
        self.batches: list[list[Any]] = []

    @property
    def header(self) -> list[dict[str, str]]:
        return list(self.query["result"]["header"])

    def next_batch(self, deadline: Optional[float] = None) -> Optional[list[Any]]:
        """Rows of the next data event; None when the final query event arrived.

        With ``deadline`` (a ``time.monotonic()`` value), an AssertionError once it has passed:
        streaming queries send metrics every second, so a test waiting for rows that never
        come fails instead of hanging.
        """
        for event in self.events:
            if deadline is not None and time.monotonic() > deadline:
                raise AssertionError("no rows arrived before the test's deadline")
            if event.name is None:
                rows = event.json()
                self.batches.append(rows)
                return list(rows)
            if event.name == "metrics":
                self.metrics.append(event.json())
            elif event.name == "query":
                self.final = event.json()
                return None
        return None

    def rows(self, at_least: Optional[int] = None, within: float = 30.0) -> list[Any]:
        """Read batches until the stream ends, or until ``at_least`` rows arrived (within
        ``within`` seconds, else AssertionError)."""
        out: list[Any] = []
        deadline = time.monotonic() + within if at_least is not None else None
        while at_least is None or len(out) < at_least:
            batch = self.next_batch(deadline)
            if batch is None:
                break
            out.extend(batch)
        return out

    def close(self) -> None:
        self.response.close()


class Api:
    """Plain-HTTP access to one emulator."""

    def __init__(self, server: EmulatorServer, auth: Any = None,
                 headers: Optional[dict[str, str]] = None) -> None:
        self.server = server
        self.base = server.base_url + "/v1beta2"
        self.session = requests.Session()
        self.session.auth = auth
        self.session.headers.update(headers or {})

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.session.get(self.url(path), timeout=TIMEOUT, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.session.post(self.url(path), timeout=TIMEOUT, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.session.delete(self.url(path), timeout=TIMEOUT, **kw)

    def patch(self, path: str, **kw: Any) -> requests.Response:
        return self.session.patch(self.url(path), timeout=TIMEOUT, **kw)

    def sql(self, sql: str) -> requests.Response:
        """POST a statement and read the whole answer (DDL/INSERT)."""
        response = self.post("/queries", json={"sql": sql})
        assert response.status_code in (200, 204), response.text
        return response

    def create_stream(self, columns: str, name: Optional[str] = None, extra: str = "") -> str:
        """CREATE STREAM via SQL (works in both profiles); returns the name."""
        name = name or unique("s")
        self.sql(f"CREATE STREAM {name} ({columns}){extra}")
        return name

    def ingest(self, stream: str, columns: list[str], rows: list[list[Any]]) -> None:
        response = self.post(f"/streams/{stream}/ingest", json={"columns": columns, "data": rows})
        assert response.status_code == 200, response.text

    def query(self, sql: str, **body: Any) -> QueryStream:
        response = self.post("/queries", json={"sql": sql, **body}, stream=True)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("text/event-stream")
        return QueryStream(response)

    def table(self, sql: str, **body: Any) -> list[Any]:
        """Run a bounded query to completion and return its rows."""
        stream = self.query(sql, **body)
        try:
            rows = stream.rows()
            assert stream.final is not None and stream.final["status"] == "finished", stream.final
            return rows
        finally:
            stream.close()

    def query_error(self, sql: str) -> dict[str, Any]:
        """POST ``sql`` to /queries; assert it is refused with HTTP 400, return the body."""
        return self.error(self.post("/queries", json={"sql": sql}), 400)

    def error(self, response: requests.Response, status: int) -> dict[str, Any]:
        """Assert an ErrorResponse with ``status``; return its body."""
        assert response.status_code == status, (response.status_code, response.text)
        body = response.json()
        assert set(body) >= {"code", "message", "system"}, body
        return dict(body)


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def api(timeplus_server: EmulatorServer) -> Iterator[Api]:
    timeplus_server.faults.reset()
    client = Api(timeplus_server)
    yield client
    client.session.close()
    timeplus_server.faults.reset()


@pytest.fixture
def ent(timeplus_enterprise_server: EmulatorServer) -> Iterator[Api]:
    client = Api(timeplus_enterprise_server, auth=("admin", "secret"))
    yield client
    client.session.close()
