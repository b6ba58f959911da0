"""Done-when checks: pandas to_sql/read_sql round trip and an ORM model as a stream."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

import sqlalchemy_timeplus as tp

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

pytestmark = pytest.mark.integration


def test_to_sql_and_read_sql_round_trip(
    historical: sa.engine.Engine, stream_name: str, mixed_frame: Any
) -> None:
    frame = mixed_frame
    written = frame.to_sql(stream_name, historical, index=False)
    assert written in (4, None)  # pandas < 2 returns None
    with historical.connect() as conn:
        columns = {c["name"]: c for c in sa.inspect(conn).get_columns(stream_name)}
    assert str(columns["i"]["type"]) == "int64"
    assert str(columns["ts"]["type"]) == "datetime64(6, 'UTC')"
    assert columns["s"]["nullable"] is True

    query = sa.text(f"SELECT i, f, s, ts, b FROM {stream_name} ORDER BY i")
    back = pd.read_sql(query, historical)
    pd.testing.assert_frame_equal(
        back.astype({"s": object}), frame.astype({"s": object}), check_dtype=False
    )
    assert str(back["ts"].dt.tz) == "UTC"
    assert back["b"].dtype == bool
    assert back["s"].isna().tolist() == [False, True, False, False]

    table_back = pd.read_sql_table(stream_name, historical)
    assert list(table_back.columns) == ["i", "f", "s", "ts", "b", "_tp_time"]
    assert len(table_back) == 4
    historical_only = pd.read_sql(
        sa.select(sa.func.count()).select_from(tp.table(sa.table(stream_name))), historical
    )
    assert historical_only.iloc[0, 0] == 4


def test_to_sql_append_and_chunks(
    historical: sa.engine.Engine, stream_name: str, mixed_frame: Any
) -> None:
    frame = mixed_frame
    frame.to_sql(stream_name, historical, index=False)
    frame.to_sql(stream_name, historical, index=False, if_exists="append", chunksize=3)
    frame.to_sql(stream_name, historical, index=False, if_exists="append", method="multi")
    with historical.connect() as conn:
        total = conn.execute(sa.text(f"SELECT count() FROM {stream_name}")).scalar()
    assert total == 12


def test_to_sql_with_index_skips_the_index_ddl(
    historical: sa.engine.Engine, stream_name: str, mixed_frame: Any
) -> None:
    frame = mixed_frame.set_index("i")
    frame.to_sql(stream_name, historical)  # pandas also asks for CREATE INDEX ix_..._i
    back = pd.read_sql(sa.text(f"SELECT i, s FROM {stream_name} ORDER BY i"), historical)
    assert back["i"].tolist() == [1, 2, 3, 4]


def _reading_model(name: str) -> Any:
    """A declarative model mapped to a stream with a unique name."""
    base: Any = orm.declarative_base()

    class Reading(base):
        __tablename__ = name
        __table_args__ = {"timeplus_event_time_column": "measured_at"}  # noqa: RUF012

        sensor = sa.Column(sa.String, primary_key=True)
        measured_at = sa.Column(sa.DateTime(timezone=True), primary_key=True)
        value = sa.Column(sa.Float, nullable=False)
        note = sa.Column(sa.String, nullable=True)

    return Reading


def test_orm_model_created_bulk_inserted_and_queried(
    historical: sa.engine.Engine, stream_name: str
) -> None:
    Reading = _reading_model(stream_name)
    Reading.__table__.create(historical, checkfirst=True)
    start = datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc)
    try:
        with orm.Session(historical) as session:
            session.add_all(
                Reading(
                    sensor=f"s{i % 3}",
                    measured_at=start + datetime.timedelta(minutes=i),
                    value=i * 0.5,
                    note=None if i % 2 else "even",
                )
                for i in range(30)
            )
            session.commit()
            session.bulk_insert_mappings(
                Reading,
                [{"sensor": "bulk", "measured_at": start, "value": 99.0} for _ in range(5)],
            )
            session.commit()
        with orm.Session(historical) as session:
            totals = (
                session.query(Reading.sensor, sa.func.count(), sa.func.sum(Reading.value))
                .group_by(Reading.sensor)
                .order_by(Reading.sensor)
                .all()
            )
            first = (
                session.query(Reading)
                .filter(Reading.sensor == "s1")
                .order_by(Reading.measured_at)
                .first()
            )
        assert [tuple(t) for t in totals] == [
            ("bulk", 5, 495.0),
            ("s0", 10, sum(i * 0.5 for i in range(0, 30, 3))),
            ("s1", 10, sum(i * 0.5 for i in range(1, 30, 3))),
            ("s2", 10, sum(i * 0.5 for i in range(2, 30, 3))),
        ]
        assert first is not None
        assert (first.measured_at, first.value, first.note) == (
            start + datetime.timedelta(minutes=1),
            0.5,
            None,
        )
    finally:
        Reading.__table__.drop(historical, checkfirst=True)


def test_to_sql_reaches_ingest_in_bulk(counted_server: Any, stream_name: str) -> None:
    server = counted_server
    engine = sa.create_engine(server.dsn, execution_options={"timeplus_query_mode": "table"})
    frame = pd.DataFrame({"n": np.arange(20_000), "x": np.linspace(0, 1, 20_000)})
    before = server.request_counts
    frame.to_sql(stream_name, engine, index=False)
    ingests = server.request_counts.get("ingest", 0) - before.get("ingest", 0)
    assert 1 <= ingests <= 3  # size-capped chunks of the driver, never one per row
    with engine.connect() as conn:
        assert conn.execute(sa.text(f"SELECT count(), sum(n) FROM {stream_name}")).one() == (
            20_000,
            sum(range(20_000)),
        )
    engine.dispose()
