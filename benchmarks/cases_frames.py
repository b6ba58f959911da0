"""DataFrame workloads: the fetch query read into a pandas / Arrow / polars frame by each path.

Same params as ``cases_fetch`` (``url``, ``base_url``, ``dsn``, ``sql``); each workload returns the
frame's row count.

- ``ours_df`` / ``ours_arrow`` / ``ours_pl``: ``cursor.df()``, ``cursor.arrow()``, ``cursor.pl()``.
- ``ours_read_frame``: ``sqlalchemy_timeplus.pandas.read_frame(sql, engine)``.
- ``read_sql``: ``pd.read_sql(sql, engine)`` through our dialect (one Python value per cell).
- ``raw_pandas``: the raw limit for a frame: ``requests`` + ``iter_lines`` + one ``orjson.loads``
  per data event, then one ``pd.DataFrame`` of all rows and ``pd.to_datetime`` of its datetime
  column (and int64 from its JSON text, as the server quotes 64-bit integers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from benchmarks.cases_fetch import NotAvailable, raw_data_events

Params = Mapping[str, Any]
Workload = Callable[[], int]


def _preload(*modules: str) -> None:
    """Import the frame libraries before the clock starts, as the raw case does with pandas."""
    import importlib

    for module in ("pyarrow", "pyarrow.compute", *modules):
        try:
            importlib.import_module(module)
        except ImportError:
            raise NotAvailable(f"{module} is not installed (pip install -e '.[bench]')") from None


def _cursor_workload(params: Params, read: Callable[[Any], Any]) -> Workload:
    import timeplus_dbapi

    _preload("pandas", "polars")

    connection = timeplus_dbapi.connect(params["dsn"])

    def workload() -> int:
        cursor = connection.cursor()
        cursor.execute(params["sql"])
        frame = read(cursor)
        cursor.close()
        return len(frame)

    return workload


def frames_ours_df(params: Params) -> Workload:
    return _cursor_workload(params, lambda cursor: cursor.df())


def frames_ours_arrow(params: Params) -> Workload:
    return _cursor_workload(params, lambda cursor: cursor.arrow())


def frames_ours_pl(params: Params) -> Workload:
    return _cursor_workload(params, lambda cursor: cursor.pl())


def _engine(params: Params) -> Any:
    import sqlalchemy as sa

    engine = sa.create_engine(params["dsn"])
    with engine.connect():  # the dialect's first-connect work happens before the clock starts
        pass
    return engine


def frames_ours_read_frame(params: Params) -> Workload:
    from sqlalchemy_timeplus.pandas import read_frame

    _preload("pandas")
    engine = _engine(params)
    return lambda: len(read_frame(params["sql"], engine))


def frames_read_sql(params: Params) -> Workload:
    import pandas as pd
    import sqlalchemy as sa

    engine = _engine(params)
    return lambda: len(pd.read_sql(sa.text(params["sql"]), engine))


def frames_raw_pandas(params: Params) -> Workload:
    try:
        import orjson
    except ImportError:
        raise NotAvailable("orjson is not installed (pip install -e '.[fast]')") from None
    import pandas as pd
    import requests

    session = requests.Session()
    url = f"{params['base_url']}/v1beta2/queries"

    def workload() -> int:
        rows: list[Any] = []
        for data in raw_data_events(session, url, params["sql"]):
            rows.extend(orjson.loads(data))
        frame = pd.DataFrame(rows, columns=["i", "f", "s", "t"])
        frame["i"] = frame["i"].astype("int64")
        frame["t"] = pd.to_datetime(frame["t"], utc=True)
        return len(frame)

    return workload
