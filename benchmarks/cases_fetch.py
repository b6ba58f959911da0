"""Fetch workloads: one historical query, all rows read, by each client.

Each ``fetch_*`` function is the setup of a timed case (see ``benchmarks.cases``): it connects and
returns the workload, which runs the query and returns the number of rows it read. Params: ``url``
(server root), ``base_url`` (``{url}/default/api``), ``dsn`` and ``sql``.

- ``ours``: ``timeplus_dbapi`` cursor, iterating the rows (converted to Python values);
  ``ours_stdlib``: the same with orjson hidden, as installed without the ``fast`` extra;
  ``ours_pure``: the same without the C accelerator (``TIMEPLUS_DBAPI_PURE_PYTHON=1``), as
  installed where no C compiler was found.
- ``sdk``: the original SDK's ``timeplus.dbapi`` (``scheme="http"`` is its own ``connect()`` knob).
- ``raw_json`` / ``raw_orjson``: ``requests`` + ``iter_lines`` + one ``loads`` per data event — the
  limit of reading and decoding the same bytes with nothing else (no value conversion).
- ``raw_bytes``: reading and framing the bytes without decoding them.
- ``raw_sseclient``: ``requests`` + sseclient-py + stdlib json, the SDK's parse path without its
  per-row namedtuple.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

Params = Mapping[str, Any]
Workload = Callable[[], int]
SDK_API_KEY = "k" * 60  # the SDK insists on exactly 60 characters; the local servers ignore it


class NotAvailable(Exception):
    """An optional client library is not installed: the case is reported as "n/a", not an error."""


def fetch_ours(params: Params) -> Workload:
    import timeplus_dbapi

    connection = timeplus_dbapi.connect(params["dsn"])

    def workload() -> int:
        cursor = connection.cursor()
        cursor.execute(params["sql"])
        rows = 0
        for _row in cursor:
            rows += 1
        cursor.close()
        return rows

    return workload


def without_orjson() -> None:
    """Make ``import orjson`` fail in this (child) process: the driver then uses stdlib json."""
    if "timeplus_dbapi" in sys.modules:
        raise RuntimeError("without_orjson() must run before timeplus_dbapi is imported")
    sys.modules["orjson"] = None  # type: ignore[assignment]


def fetch_ours_stdlib(params: Params) -> Workload:
    """Our driver as installed without the ``fast`` extra (stdlib json)."""
    without_orjson()
    return fetch_ours(params)


def fetch_ours_pure(params: Params) -> Workload:
    """Our driver without its optional C accelerator (the pure-Python converters)."""
    if "timeplus_dbapi" in sys.modules:
        raise RuntimeError("fetch_ours_pure() must run before timeplus_dbapi is imported")
    os.environ["TIMEPLUS_DBAPI_PURE_PYTHON"] = "1"
    return fetch_ours(params)


def sdk_connection(url: str) -> Any:
    """A connection of the original SDK's dbapi to a plain-HTTP server."""
    from timeplus import dbapi as sdk_dbapi  # type: ignore[import-not-found,import-untyped,unused-ignore]

    parts = urlsplit(url)
    return sdk_dbapi.connect(host=parts.hostname, port=parts.port, scheme=parts.scheme,
                             path="default", password=SDK_API_KEY)


def fetch_sdk(params: Params) -> Workload:
    connection = sdk_connection(params["url"])

    def workload() -> int:
        cursor = connection.cursor()
        cursor.execute(params["sql"])
        rows = 0
        for _row in cursor:
            rows += 1
        return rows

    return workload


def raw_data_events(session: Any, url: str, sql: str) -> Iterator[bytes]:
    """The payload of each data event of the query, read with ``requests`` + ``iter_lines``."""
    response = session.post(url, json={"sql": sql}, stream=True,
                            headers={"Accept": "text/event-stream"})
    response.raise_for_status()
    named = False
    for line in response.iter_lines(chunk_size=1 << 16):
        if not line:
            named = False
        elif line.startswith(b"event:"):
            named = True
        elif line.startswith(b"data:") and not named:
            yield line[5:]
    response.close()


def _raw_fetch(params: Params, loads: Callable[[bytes], Any] | None) -> Workload:
    import requests

    session = requests.Session()
    url = f"{params['base_url']}/v1beta2/queries"

    def workload() -> int:
        rows = 0
        for data in raw_data_events(session, url, params["sql"]):
            rows += len(loads(data)) if loads is not None else data.count(b"],[") + 1
        return rows

    return workload


def fetch_raw_json(params: Params) -> Workload:
    return _raw_fetch(params, json.loads)


def fetch_raw_orjson(params: Params) -> Workload:
    try:
        import orjson
    except ImportError:
        raise NotAvailable("orjson is not installed (pip install -e '.[fast]')") from None

    loads: Callable[[bytes], Any] = orjson.loads
    return _raw_fetch(params, loads)


def fetch_raw_bytes(params: Params) -> Workload:
    """Framing only: rows are counted by their separators (exact for this data set's flat rows)."""
    return _raw_fetch(params, None)


def fetch_raw_sseclient(params: Params) -> Workload:
    """``requests`` + sseclient-py + stdlib json: the parse path of the original SDK's Query API."""
    import requests
    import sseclient

    session = requests.Session()
    url = f"{params['base_url']}/v1beta2/queries"

    def workload() -> int:
        response = session.post(url, json={"sql": params["sql"]}, stream=True,
                                headers={"Accept": "text/event-stream"})
        response.raise_for_status()
        rows = 0
        for event in sseclient.SSEClient(response.iter_content(chunk_size=1 << 16)).events():
            if event.event == "message":
                rows += len(json.loads(event.data))
        response.close()
        return rows

    return workload


def profile_ours(params: Params) -> dict[str, Any]:
    """cProfile our fetch workload; return the functions with the largest own time."""
    workload = fetch_ours_stdlib(params) if params.get("stdlib_json") else fetch_ours(params)
    profiler = cProfile.Profile()
    profiler.enable()
    rows = workload()
    profiler.disable()
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in entries.values()) or 1.0
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)
    top = [
        {"function": f"{path.rsplit('/', 2)[-1]}:{line}({name})", "calls": entry[1],
         "own_s": entry[2], "cumulative_s": entry[3], "own_share": entry[2] / total}
        for (path, line, name), entry in ranked[: int(params.get("top", 15))]
    ]
    return {"rows": rows, "profiled_total_s": total, "top": top}
