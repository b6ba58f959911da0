"""SQLAlchemy engines read historically by default; streaming is opt-in and lazy (issue 13,
item 17). The DB-API default stays streaming.

Server facts (query status, rows ingested mid-test) go through plain HTTP, not the driver.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any, Callable, Optional

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy import orm

import timeplus_dbapi

pytestmark = pytest.mark.integration

WAIT_S = 10.0


def _finishes(call: Callable[[], Any], seconds: float = WAIT_S) -> Any:
    """``call()``'s value; fails (instead of hanging the suite) if it runs past ``seconds``."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed to the test below
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s: the read never ended"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture
def emulator(counted_server: Any) -> Any:
    return counted_server


@pytest.fixture
def api(emulator: Any) -> str:
    return f"{emulator.base_url}/v1beta2"


def _ingest(api: str, name: str, values: list[int]) -> None:
    response = requests.post(
        f"{api}/streams/{name}/ingest",
        json={"columns": ["n"], "data": [[v] for v in values]},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def _status(api: str, query_id: str) -> str:
    response = requests.get(f"{api}/queries/{query_id}", timeout=10)
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


def _wait_status(api: str, query_id: str, wanted: str) -> str:
    deadline = time.monotonic() + WAIT_S
    status = _status(api, query_id)
    while status != wanted and time.monotonic() < deadline:
        time.sleep(0.05)
        status = _status(api, query_id)
    return status


@pytest.fixture
def stored(emulator: Any, api: str, stream_name: str) -> Iterator[sa.Table]:
    """A stream ``n int32`` holding 0, 1, 2 (created and filled over plain HTTP)."""
    created = requests.post(
        f"{api}/queries", json={"sql": f"CREATE STREAM {stream_name} (n int32)"}, timeout=10
    )
    assert created.status_code in (200, 204), created.text
    _ingest(api, stream_name, [0, 1, 2])
    yield sa.Table(stream_name, sa.MetaData(), sa.Column("n", sa.Integer))
    requests.delete(f"{api}/streams/{stream_name}", timeout=10)


# --- historical by default ------------------------------------------------------------------


def test_a_default_engine_reads_core_selects_to_the_end(emulator: Any, stored: sa.Table) -> None:
    engine = sa.create_engine(emulator.dsn)  # no query_mode anywhere
    try:
        with engine.connect() as conn:
            stmt = sa.select(stored.c.n).order_by(stored.c.n)
            assert _finishes(lambda: conn.execute(stmt).all()) == [(0,), (1,), (2,)]
            assert _finishes(lambda: conn.execute(sa.text(f"SELECT count() FROM {stored.name}"))
                             .scalar()) == 3
    finally:
        engine.dispose()


def test_a_default_engine_serves_orm_session_get(emulator: Any, stream_name: str) -> None:
    Base: Any = orm.declarative_base()  # SQLAlchemy 1.4 and 2.x

    class Account(Base):
        __tablename__ = stream_name
        id = sa.Column(sa.Integer, primary_key=True)
        name = sa.Column(sa.String, nullable=False)

    engine = sa.create_engine(emulator.dsn)
    Base.metadata.create_all(engine)
    try:
        with orm.Session(engine) as session:
            session.add_all([Account(id=1, name="ada"), Account(id=2, name="bob")])
            session.commit()
        with orm.Session(engine) as session:
            found = _finishes(lambda: session.get(Account, 1))
            assert (found.id, found.name) == (1, "ada")
            names = _finishes(lambda: session.scalars(sa.select(Account.name)).all())
            assert sorted(names) == ["ada", "bob"]
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()


def test_the_dbapi_default_stays_streaming(emulator: Any, api: str, stored: sa.Table) -> None:
    """A plain driver connection's SELECT on a stream sees only new events (stored 0..2 are
    skipped) and is still running on the server after its first row."""
    with timeplus_dbapi.connect(emulator.dsn, timeout=10) as connection:
        cursor = connection.cursor()
        cursor.execute(f"SELECT n FROM {stored.name}")
        threading.Timer(0.3, _ingest, args=(api, stored.name, [7])).start()
        assert _finishes(cursor.fetchone) == (7,)
        assert _status(api, cursor.query_id) == "running"
        cursor.close()


# --- streaming on request, read lazily -------------------------------------------------------


def _streaming_engines(emulator: Any) -> dict[str, tuple[sa.engine.Engine, dict[str, Any]]]:
    return {
        "execution_options": (sa.create_engine(emulator.dsn),
                              {"timeplus_query_mode": "streaming"}),
        "url": (sa.create_engine(f"{emulator.dsn}?query_mode=streaming"), {}),
        "connect_args": (sa.create_engine(emulator.dsn,
                                          connect_args={"query_mode": "streaming"}), {}),
    }


@pytest.mark.parametrize("how", ["execution_options", "url", "connect_args"])
def test_a_streaming_result_yields_rows_while_the_query_runs(
    emulator: Any, api: str, stored: sa.Table, how: str
) -> None:
    engine, options = _streaming_engines(emulator)[how]
    try:
        with engine.connect() as conn:
            # execute() returns once the header is known: it waits for no row
            result = _finishes(
                lambda: conn.execution_options(**options).execute(sa.select(stored.c.n))
            )
            query_id = result.cursor.query_id
            threading.Timer(0.3, _ingest, args=(api, stored.name, [10, 11])).start()
            rows = iter(result)
            assert _finishes(lambda: next(rows)) == (10,)  # a new event: streaming, not stored
            assert _finishes(lambda: next(rows)) == (11,)
            assert _status(api, query_id) == "running"  # not drained: the server keeps going
            result.close()
            assert _wait_status(api, query_id, "canceled") == "canceled"
    finally:
        engine.dispose()


@pytest.mark.parametrize("reader", ["yield_per", "partitions"])
def test_streaming_batches_come_as_they_arrive(
    emulator: Any, api: str, stored: sa.Table, reader: str
) -> None:
    engine = sa.create_engine(emulator.dsn)
    options: dict[str, Any] = {"timeplus_query_mode": "streaming"}
    if reader == "yield_per":
        options["yield_per"] = 2
    try:
        with engine.connect() as conn:
            # execute() returns once the header is known: it waits for no row
            result = _finishes(
                lambda: conn.execution_options(**options).execute(sa.select(stored.c.n))
            )
            query_id = result.cursor.query_id
            threading.Timer(0.3, _ingest, args=(api, stored.name, list(range(100, 105)))).start()
            batches = result.partitions() if reader == "yield_per" else result.partitions(2)
            assert _finishes(lambda: next(batches)) == [(100,), (101,)]
            held: Optional[Any] = result.cursor._result
            assert held is not None and len(held.rows) <= 5  # at most the one batch sent
            assert _status(api, query_id) == "running"
            result.close()
            assert _wait_status(api, query_id, "canceled") == "canceled"
    finally:
        engine.dispose()


def test_orm_yield_per_reads_a_live_stream_lazily(
    emulator: Any, api: str, stored: sa.Table
) -> None:
    Base: Any = orm.declarative_base()

    class Event(Base):
        __table__ = sa.Table(stored.name, Base.metadata, sa.Column("n", sa.Integer,
                                                                   primary_key=True))

    engine = sa.create_engine(emulator.dsn)
    try:
        with orm.Session(engine) as session:
            stmt = sa.select(Event).execution_options(timeplus_query_mode="streaming",
                                                      yield_per=1)
            result = _finishes(lambda: session.scalars(stmt))
            threading.Timer(0.3, _ingest, args=(api, stored.name, [42])).start()
            first = _finishes(lambda: next(iter(result)))
            assert first.n == 42
            result.close()
    finally:
        engine.dispose()


def test_a_streaming_result_read_in_a_thread_stops_on_cursor_cancel(
    emulator: Any, api: str, stored: sa.Table
) -> None:
    """README "Stopping a live query": ``result.cursor.cancel()`` ends the Result's loop."""
    engine = sa.create_engine(emulator.dsn)
    try:
        with engine.connect() as conn:
            live = conn.execution_options(timeplus_query_mode="streaming")
            result = _finishes(lambda: live.execute(sa.select(stored.c.n)))
            query_id = result.cursor.query_id
            seen: list[Any] = []
            reader = threading.Thread(target=lambda: seen.extend(result), daemon=True)
            reader.start()
            _ingest(api, stored.name, [5])
            deadline = time.monotonic() + WAIT_S
            while not seen and time.monotonic() < deadline:
                time.sleep(0.02)
            result.cursor.cancel()
            reader.join(WAIT_S)
            assert not reader.is_alive() and seen == [(5,)]
            assert _wait_status(api, query_id, "canceled") == "canceled"
    finally:
        engine.dispose()
