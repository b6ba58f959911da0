"""``sqlalchemy_timeplus.pandas.read_frame``: a query read column-wise into a DataFrame, with
``pd.read_sql``'s arguments, through an Engine or a Connection."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from sqlalchemy_timeplus.pandas import read_frame

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

pytestmark = pytest.mark.integration


@pytest.fixture
def filled(historical: sa.engine.Engine, stream_name: str) -> str:
    with historical.connect() as conn:
        conn.exec_driver_sql(
            f"CREATE STREAM {stream_name} (i int64, n nullable(int64), d decimal(10, 2), "
            "t datetime64(3, 'UTC'), s string, ts string)"
        )
        conn.exec_driver_sql(
            f"INSERT INTO {stream_name} (i, n, d, t, s, ts) VALUES "
            "(1, NULL, 1.25, '2024-01-02 03:04:05.678', 'a', '2020-01-01'), "
            "(2, 7, -3.50, '2024-01-03 00:00:00.000', 'b', '2021-06-30')"
        )
    return stream_name


def test_dtypes_and_values_match_the_data(historical: sa.engine.Engine, filled: str) -> None:
    frame = read_frame(f"SELECT i, n, d, t, s FROM {filled} ORDER BY i", historical)
    assert [str(t) for t in frame.dtypes[:4]] == ["int64", "Int64", "object", "datetime64[ms, UTC]"]
    assert frame["i"].tolist() == [1, 2]
    assert frame["n"].isna().tolist() == [True, False] and frame["n"][1] == 7
    assert frame["d"].tolist() == [Decimal("1.25"), Decimal("-3.50")]
    assert frame["t"][0] == pd.Timestamp("2024-01-02 03:04:05.678", tz="UTC")
    assert frame["s"].tolist() == ["a", "b"]


def test_read_sql_arguments(historical: sa.engine.Engine, filled: str) -> None:
    with historical.connect() as conn:
        frame = read_frame(
            f"SELECT i, s, ts FROM {filled} WHERE i >= %(low)s ORDER BY i",
            conn,
            params={"low": 1},
            index_col="i",
            parse_dates={"ts": "%Y-%m-%d"},
            dtype={"s": "category"},
        )
    assert frame.index.name == "i" and frame.index.tolist() == [1, 2]
    assert frame["ts"].tolist() == [pd.Timestamp("2020-01-01"), pd.Timestamp("2021-06-30")]
    assert str(frame["s"].dtype) == "category"


def test_sqlalchemy_constructs_are_compiled_by_the_dialect(
    historical: sa.engine.Engine, filled: str
) -> None:
    query = sa.text(f"SELECT i, s FROM {filled} WHERE s = :s")
    frame = read_frame(query, historical, params={"s": "b"})
    assert frame.to_dict("list") == {"i": [2], "s": ["b"]}
    table = sa.table(filled, sa.column("i"), sa.column("s"))
    frame = read_frame(sa.select(table.c.s).where(table.c.i == 1), historical)
    assert frame["s"].tolist() == ["a"]


def test_chunksize_gives_frames_as_they_are_read(historical: sa.engine.Engine) -> None:
    chunks = read_frame("SELECT number AS n FROM numbers(25)", historical, chunksize=10)
    sizes, values = [], []
    for chunk in chunks:
        sizes.append(len(chunk))
        values.extend(chunk["n"].tolist())
    assert sizes == [10, 10, 5] and values == list(range(25))


def test_pyarrow_backend(historical: sa.engine.Engine, filled: str) -> None:
    frame = read_frame(f"SELECT i, t FROM {filled} ORDER BY i", historical, dtype_backend="pyarrow")
    assert str(frame["i"].dtype) == "int64[pyarrow]"
    assert str(frame["t"].dtype) == "timestamp[ms, tz=UTC][pyarrow]"


def test_same_values_as_read_sql(historical: sa.engine.Engine, filled: str) -> None:
    query = f"SELECT i, d, t, s FROM {filled} ORDER BY i"
    ours = read_frame(query, historical)
    theirs = pd.read_sql(sa.text(query), historical)
    assert ours["i"].tolist() == theirs["i"].tolist()
    assert ours["d"].tolist() == theirs["d"].tolist()
    assert ours["t"].tolist() == [pd.Timestamp(v) for v in theirs["t"].tolist()]
    assert ours["s"].tolist() == theirs["s"].tolist()


def test_bad_arguments(historical: sa.engine.Engine) -> None:
    with pytest.raises(ValueError, match="chunksize"):
        read_frame("SELECT 1", historical, chunksize=0)
    with pytest.raises(ValueError, match="dtype_backend"):
        read_frame("SELECT 1", historical, dtype_backend="numpy")
    with pytest.raises(TypeError, match="statement comes first"):
        read_frame(historical, sa.text("SELECT 1"))  # type: ignore[arg-type]
