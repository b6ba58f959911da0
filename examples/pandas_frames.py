"""pandas and Timeplus: write a DataFrame three ways, read it back with read_sql and read_frame.

python examples/pandas_frames.py [DSN]        (or set TIMEPLUS_URL)

1. ``DataFrame.to_sql`` as it is: creates the stream (nullable columns) and sends the rows to the
   ingest endpoint through the dialect's bulk INSERT.
2. ``to_sql(method=ingest_method)``: pandas' rows go straight to the driver's ingest.
3. ``write_frame``: creates a missing stream like ``to_sql`` (same ``if_exists``/``index``), then
   converts the columns vectorised, chunk by chunk, while earlier requests are in flight. The
   fastest for large frames.

``read_frame`` reads a query column-wise (the driver's ``cursor.df()``), with exact dtypes: the
nullable ``reading`` column comes back as pandas' ``Float64`` (NULL is ``<NA>``, not NaN).
"""

from __future__ import annotations

import os
import sys
import time
import uuid

import pandas as pd
import sqlalchemy as sa

from sqlalchemy_timeplus.pandas import ingest_method, read_frame, write_frame

DSN = (
    sys.argv[1]
    if len(sys.argv) > 1
    else os.environ.get("TIMEPLUS_URL", "timeplus://localhost:8000/default")
)


def read_back(engine: sa.engine.Engine, stream: str, expected: int) -> pd.DataFrame:
    """Historical read; real servers need a moment before ingested rows show up."""
    query = sa.text(f"SELECT sensor, reading, at FROM table({stream}) ORDER BY at, sensor")
    deadline = time.monotonic() + 10
    while True:
        frame = pd.read_sql(query, engine)
        if len(frame) >= expected or time.monotonic() > deadline:
            return frame
        time.sleep(0.5)


def main() -> None:
    engine = sa.create_engine(DSN)
    stream = f"readings_{uuid.uuid4().hex[:8]}"
    frame = pd.DataFrame(
        {
            "sensor": ["a", "b", "a", "b"],
            "reading": [20.5, 21.0, None, 22.25],  # None: a missing reading, stored as NULL
            "at": pd.to_datetime(
                ["2024-05-01 10:00:00", "2024-05-01 10:00:00",
                 "2024-05-01 10:00:05", "2024-05-01 10:00:05"]
            ).tz_localize("UTC"),
        }
    )
    try:
        written = frame.to_sql(stream, engine, index=False)
        print(f"to_sql created {stream} and wrote {written} rows")
        frame.to_sql(stream, engine, index=False, if_exists="append", method=ingest_method)
        print("to_sql(method=ingest_method) appended 4 rows")
        print(f"write_frame appended {write_frame(frame, stream, engine)} rows")

        back = read_back(engine, stream, 12)
        print(f"read back {len(back)} rows; per sensor:")
        summary = back.groupby("sensor")["reading"].agg(["count", "size", "mean"])
        print(summary.to_string())
        print(f"time zone of 'at': {back['at'].dt.tz}")
        columnar = read_frame(f"SELECT sensor, reading, at FROM table({stream})", engine)
        print(f"read_frame read {len(columnar)} rows; reading: {columnar['reading'].dtype}, "
              f"missing: {int(columnar['reading'].isna().sum())}")
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f"DROP STREAM IF EXISTS {stream}"))
        engine.dispose()


if __name__ == "__main__":
    main()
