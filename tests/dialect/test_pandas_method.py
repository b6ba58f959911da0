"""``to_sql(method=ingest_method)``: pandas rows sent through the driver's REST ingest."""

from __future__ import annotations

import math
from typing import Any

import pytest
import sqlalchemy as sa

import timeplus_dbapi
from sqlalchemy_timeplus.pandas import ingest_method

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

pytestmark = pytest.mark.integration


def _ingest_requests(server: Any, before: dict[str, int]) -> int:
    return server.request_counts.get("ingest", 0) - before.get("ingest", 0)


def _read(engine: sa.engine.Engine, stream: str, columns: str) -> Any:
    return pd.read_sql(sa.text(f"SELECT {columns} FROM {stream} ORDER BY i"), engine)


def test_round_trip_in_one_ingest_request(
    historical: sa.engine.Engine, stream_name: str, counted_server: Any, mixed_frame: Any
) -> None:
    frame = mixed_frame
    before = counted_server.request_counts
    written = frame.to_sql(stream_name, historical, index=False, method=ingest_method)
    assert written in (4, None)  # pandas < 2 returns None
    assert _ingest_requests(counted_server, before) == 1

    back = _read(historical, stream_name, "i, f, s, ts, b")
    pd.testing.assert_frame_equal(
        back.astype({"s": object}), frame.astype({"s": object}), check_dtype=False
    )
    assert str(back["ts"].dt.tz) == "UTC"
    assert back["s"].isna().tolist() == [False, True, False, False]
    assert back["f"].isna().tolist() == [False, True, False, False]
    assert back["ts"].isna().tolist() == [False, False, True, False]


def test_chunks_append_one_request_each(
    historical: sa.engine.Engine, stream_name: str, counted_server: Any, mixed_frame: Any
) -> None:
    frame = mixed_frame
    frame.to_sql(stream_name, historical, index=False, method=ingest_method)
    before = counted_server.request_counts
    frame.to_sql(
        stream_name,
        historical,
        index=False,
        if_exists="append",
        chunksize=3,
        method=ingest_method,
    )
    assert _ingest_requests(counted_server, before) == 2
    back = _read(historical, stream_name, "i")
    assert back["i"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4]


@pytest.fixture
def strict_stream(historical: sa.engine.Engine, stream_name: str) -> Any:
    """A stream whose columns are not nullable."""
    with historical.connect() as conn:
        conn.execute(sa.text(f"CREATE STREAM {stream_name} (i int64, f float64, s string)"))
    yield stream_name
    with historical.connect() as conn:
        conn.execute(sa.text(f"DROP STREAM IF EXISTS {stream_name}"))


def test_missing_float_in_a_non_nullable_column_is_stored_as_nan(
    historical: sa.engine.Engine, strict_stream: str
) -> None:
    frame = pd.DataFrame({"i": [1, 2], "f": [np.nan, 0.5], "s": ["a", "b"]})
    frame.to_sql(strict_stream, historical, index=False, if_exists="append", method=ingest_method)
    back = _read(historical, strict_stream, "i, f, s, is_nan(f) AS nan_flag")
    assert back["i"].tolist() == [1, 2]
    assert math.isnan(back["f"][0]) and back["f"][1] == 0.5
    assert back["nan_flag"].tolist() == [1, 0]


def test_missing_value_in_a_non_nullable_column_is_refused(
    historical: sa.engine.Engine, strict_stream: str, counted_server: Any
) -> None:
    frame = pd.DataFrame({"i": [1, 2], "f": [1.0, 2.0], "s": ["a", None]})
    before = counted_server.request_counts
    with pytest.raises(timeplus_dbapi.DataError, match=r"column 's'.*not nullable"):
        frame.to_sql(
            strict_stream, historical, index=False, if_exists="append", method=ingest_method
        )
    assert _ingest_requests(counted_server, before) == 0


def test_schema_falls_back_to_an_insert(
    historical: sa.engine.Engine, stream_name: str, counted_server: Any, mixed_frame: Any
) -> None:
    frame = mixed_frame[["i", "s"]]
    frame.to_sql(stream_name, historical, index=False, method=ingest_method)
    before = counted_server.request_counts
    frame.to_sql(
        stream_name,
        historical,
        index=False,
        if_exists="append",
        schema="default",
        method=ingest_method,
    )
    assert _ingest_requests(counted_server, before) == 0
    assert _read(historical, stream_name, "i")["i"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4]


def test_ingest_method_with_the_index_as_a_column(
    historical: sa.engine.Engine, stream_name: str
) -> None:
    frame = pd.DataFrame({"v": [0.5, 1.5]}, index=pd.Index([10, 20], name="i"))
    frame.to_sql(stream_name, historical, index=True, method=ingest_method)
    back = _read(historical, stream_name, "i, v")
    assert back.values.tolist() == [[10, 0.5], [20, 1.5]]


@pytest.mark.parametrize("through", ["engine", "connection"])
def test_write_frame_appends_to_an_existing_stream(
    historical: sa.engine.Engine, strict_stream: str, counted_server: Any, through: str
) -> None:
    from sqlalchemy_timeplus.pandas import write_frame

    frame = pd.DataFrame({"i": [2, 1], "f": [0.25, np.nan], "s": ["b", "a"]})
    before = counted_server.request_counts
    if through == "engine":
        written = write_frame(frame, strict_stream, historical)
    else:
        with historical.connect() as conn:
            written = write_frame(frame, strict_stream, conn)
    assert written == 2
    assert _ingest_requests(counted_server, before) == 1
    back = _read(historical, strict_stream, "i, f, s, is_nan(f) AS nan_flag")
    assert back[["i", "s", "nan_flag"]].values.tolist() == [[1, "a", True], [2, "b", False]]


def test_write_frame_creates_the_stream_and_honours_if_exists(
    historical: sa.engine.Engine, stream_name: str, mixed_frame: Any
) -> None:
    from sqlalchemy_timeplus.pandas import write_frame

    assert write_frame(mixed_frame, stream_name, historical) == 4  # created, then written
    back = _read(historical, stream_name, "i, f, s, ts, b")
    pd.testing.assert_frame_equal(
        back.astype({"s": object}), mixed_frame.astype({"s": object}), check_dtype=False
    )
    with pytest.raises(ValueError, match="already exists"):
        write_frame(mixed_frame, stream_name, historical, if_exists="fail")
    assert write_frame(mixed_frame.head(2), stream_name, historical, if_exists="replace") == 2
    assert _read(historical, stream_name, "i")["i"].tolist() == [1, 2]


def test_write_frame_with_the_index(historical: sa.engine.Engine, stream_name: str) -> None:
    from sqlalchemy_timeplus.pandas import write_frame

    frame = pd.DataFrame({"v": [0.5, 1.5]}, index=pd.Index([10, 20], name="i"))
    assert write_frame(frame, stream_name, historical, index=True) == 2
    assert _read(historical, stream_name, "i, v").values.tolist() == [[10, 0.5], [20, 1.5]]


def test_write_frame_creates_object_columns_with_the_types_to_sql_infers(
    historical: sa.engine.Engine, stream_name: str
) -> None:
    """Dates, bools and datetimes held in object columns get date/bool/datetime columns (as
    ``to_sql`` creates them), not strings."""
    import datetime

    from sqlalchemy_timeplus.pandas import write_frame

    frame = pd.DataFrame(
        {
            "i": [1, 2],
            "d": pd.Series([datetime.date(2024, 2, 29), None], dtype=object),
            "b": pd.Series([True, None], dtype=object),
            "t": pd.Series([datetime.datetime(2024, 1, 1, 12, 30), None], dtype=object),
        }
    )
    assert write_frame(frame, stream_name, historical) == 2
    with historical.connect() as conn:
        types = {
            row[0]: row[1]
            for row in conn.execute(
                sa.text(f"SELECT name, type FROM system.columns WHERE table = '{stream_name}'")
            )
        }
        rows = conn.execute(sa.text(f"SELECT i, d, b, t FROM {stream_name} ORDER BY i")).all()
    assert {k: types[k] for k in ("d", "b", "t")} == {
        "d": "nullable(date)",
        "b": "nullable(bool)",
        "t": "nullable(datetime64(6))",
    }
    assert [tuple(r) for r in rows] == [
        (1, datetime.date(2024, 2, 29), True, datetime.datetime(2024, 1, 1, 12, 30)),
        (2, None, None, None),
    ]


def test_write_frame_with_columns_refuses_an_if_exists_it_cannot_honour(
    historical: sa.engine.Engine, stream_name: str
) -> None:
    from sqlalchemy_timeplus.pandas import write_frame

    with historical.begin() as conn:
        conn.execute(sa.text(f"CREATE STREAM {stream_name} (i int64, s string)"))
    frame = pd.DataFrame({0: [1], 1: ["a"]})
    for if_exists in ("replace", "fail"):
        with pytest.raises(ValueError, match=f"if_exists='{if_exists}' cannot be honoured"):
            write_frame(frame, stream_name, historical, if_exists=if_exists, columns=["i", "s"])
    assert write_frame(frame, stream_name, historical, columns=["i", "s"]) == 1
    assert _read(historical, stream_name, "i, s").values.tolist() == [[1, "a"]]
