"""DataFrame workloads: the fetch query read into a pandas / Arrow / polars frame by each path.

Same params as ``cases_fetch`` (``url``, ``base_url``, ``dsn``, ``sql``); each workload returns the
frame's row count.

- ``ours_df`` / ``ours_arrow`` / ``ours_pl``: ``cursor.df()``, ``cursor.arrow()``, ``cursor.pl()``.
- ``ours_read_frame``: ``sqlalchemy_timeplus.pandas.read_frame(sql, engine)``.
- ``read_sql``: ``pd.read_sql(sql, engine)`` through our dialect (one Python value per cell).
- ``compare`` (a report case): ``df()``, ``arrow()`` and ``pl()`` in one process, each once
  untimed, then alternating ``rounds`` times; the least CPU and wall time of each. On a shared
  machine, separate processes differ by more than these paths do (±15%).
- ``raw_pandas``: the raw limit for a frame: ``requests`` + ``iter_lines`` + one ``orjson.loads``
  per data event, then one ``pd.DataFrame`` of all rows and ``pd.to_datetime`` of its datetime
  column (and int64 from its JSON text, as the server quotes 64-bit integers).
"""

from __future__ import annotations

import gc
import time
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


COMPARED = {"ours_df": "df", "ours_arrow": "arrow", "ours_pl": "pl"}


def frames_compare(params: Params) -> dict[str, Any]:
    """The cursor's frame methods measured alternately in this one process (see the module)."""
    workloads = {name: _cursor_workload(params, lambda cursor, m=method: getattr(cursor, m)())
                 for name, method in COMPARED.items()}
    for workload in workloads.values():
        workload()
    cpu: dict[str, list[float]] = {name: [] for name in workloads}
    wall: dict[str, list[float]] = {name: [] for name in workloads}
    for _ in range(int(params.get("rounds", 5))):
        for name, workload in workloads.items():
            gc.collect()
            cpu_start, wall_start = time.process_time(), time.perf_counter()
            rows = workload()
            wall[name].append(time.perf_counter() - wall_start)
            cpu[name].append(time.process_time() - cpu_start)
            if rows != params.get("expected_rows", rows):
                raise RuntimeError(f"{name}: got {rows} rows")
    return {name: {"status": "ok", "cpu_s": min(cpu[name]), "wall_s": min(wall[name]),
                   "cpu_s_all": cpu[name], "wall_s_all": wall[name]} for name in workloads}
