"""Ingest workloads: the same ``rows`` rows (``benchmarks.dataset``) written by each client.

Each function is the setup of a timed case (see ``benchmarks.cases``): rows are generated during
setup, outside the timing. Params: ``url``, ``base_url``, ``dsn``, ``stream``, ``rows``,
``chunk_rows``.

- ``ours_executemany``: ``cursor.executemany("INSERT INTO s (i, f, s, t) VALUES (%s, ...)", rows)``;
  ``ours_executemany_stdlib``: the same with orjson hidden (no ``fast`` extra).
- ``ours_to_sql``: ``DataFrame.to_sql(stream, engine, if_exists="append")`` through our dialect;
  ``ours_to_sql_method``: the same with ``method=sqlalchemy_timeplus.pandas.ingest_method``.
- ``ours_write_frame``: ``sqlalchemy_timeplus.pandas.write_frame(frame, stream, engine)``, the
  frame converted column-wise (no ``to_sql``).
- ``sdk``: the original SDK's ``Stream.ingest(columns, rows)``, ``chunk_rows`` rows per call.
- ``raw``: ``requests`` posting compact JSON bodies serialized during setup, ``chunk_rows`` rows
  each — the time a hand-written client needs when it already has the bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from benchmarks.cases_fetch import without_orjson
from benchmarks.dataset import COLUMN_NAMES, chunked, compact_body, make_rows

Params = Mapping[str, Any]
Workload = Callable[[], int]


def _insert_sql(stream: str) -> str:
    placeholders = ", ".join(["%s"] * len(COLUMN_NAMES))
    return f"INSERT INTO {stream} ({', '.join(COLUMN_NAMES)}) VALUES ({placeholders})"


def ingest_ours_executemany(params: Params) -> Workload:
    import timeplus_dbapi

    rows = make_rows(int(params["rows"]))
    connection = timeplus_dbapi.connect(params["dsn"])
    sql = _insert_sql(params["stream"])

    def workload() -> int:
        cursor = connection.cursor()
        cursor.executemany(sql, rows)
        cursor.close()
        return len(rows)

    return workload


def ingest_ours_executemany_stdlib(params: Params) -> Workload:
    """``executemany`` as installed without the ``fast`` extra (stdlib json)."""
    without_orjson()
    return ingest_ours_executemany(params)


def ingest_ours_to_sql(params: Params) -> Workload:
    import pandas as pd
    import sqlalchemy

    frame = pd.DataFrame(make_rows(int(params["rows"])), columns=list(COLUMN_NAMES))
    engine = sqlalchemy.create_engine(params["dsn"])

    def workload() -> int:
        frame.to_sql(params["stream"], engine, if_exists="append", index=False)
        engine.dispose()
        return len(frame)

    return workload


def ingest_ours_to_sql_method(params: Params) -> Workload:
    """``to_sql`` with the dialect's ingest method: rows go straight to the driver's ingest."""
    import pandas as pd
    import sqlalchemy

    from sqlalchemy_timeplus.pandas import ingest_method

    frame = pd.DataFrame(make_rows(int(params["rows"])), columns=list(COLUMN_NAMES))
    engine = sqlalchemy.create_engine(params["dsn"])

    def workload() -> int:
        frame.to_sql(
            params["stream"], engine, if_exists="append", index=False, method=ingest_method
        )
        engine.dispose()
        return len(frame)

    return workload


def ingest_ours_write_frame(params: Params) -> Workload:
    """The DataFrame-level writer: columns converted vectorised while earlier bodies post."""
    import pandas as pd
    import sqlalchemy

    from sqlalchemy_timeplus.pandas import write_frame

    frame = pd.DataFrame(make_rows(int(params["rows"])), columns=list(COLUMN_NAMES))
    engine = sqlalchemy.create_engine(params["dsn"])

    def workload() -> int:
        written = write_frame(frame, params["stream"], engine)
        engine.dispose()
        return written

    return workload


def ingest_sdk(params: Params) -> Workload:
    from timeplus import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
        Environment,
        Stream,
    )

    from benchmarks.cases_fetch import SDK_API_KEY

    rows = [list(row) for row in make_rows(int(params["rows"]))]
    env = Environment().address(params["url"]).workspace("default").apikey(SDK_API_KEY)
    stream = Stream(env=env).name(params["stream"])
    size = int(params["chunk_rows"])

    def workload() -> int:
        for chunk in chunked(rows, size):
            stream.ingest(list(COLUMN_NAMES), chunk)
        return len(rows)

    return workload


def ingest_raw(params: Params) -> Workload:
    import requests

    rows = make_rows(int(params["rows"]))
    bodies = [compact_body(chunk) for chunk in chunked(rows, int(params["chunk_rows"]))]
    session = requests.Session()
    url = f"{params['base_url']}/v1beta2/streams/{params['stream']}/ingest"
    headers = {"Content-Type": "application/json"}

    def workload() -> int:
        for body in bodies:
            session.post(url, data=body, headers=headers).raise_for_status()
        return len(rows)

    return workload
