"""An INSERT without a primary key value is refused before anything is sent (issue 13, item 19).

Timeplus has no autoincrement: the server would store the key as 0 and the ORM would then fail
with "NULL identity key" after the row was stored. Stored rows are counted over plain HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy import orm

from sqlalchemy_timeplus.base import TimeplusBaseDialect

DIALECT = TimeplusBaseDialect()
REFUSED = r"no autoincrement.*primary key column 'id'.*Give the key value"

metadata = sa.MetaData()
users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String, nullable=False),
)


# --- compiled statements (no server) ---------------------------------------------------------


@pytest.mark.parametrize("build", [
    lambda: users.insert().values(name="dave"),
    lambda: users.insert().from_select(["name"], sa.select(sa.literal("x"))),
])
def test_an_insert_without_the_key_does_not_compile(build: Any) -> None:
    with pytest.raises(sa.exc.CompileError, match=REFUSED):
        build().compile(dialect=DIALECT)


def test_an_insert_without_parameters_or_with_the_key_compiles() -> None:
    assert "(id, name)" in str(users.insert().compile(dialect=DIALECT))
    assert "(id, name)" in str(users.insert().values(id=1, name="a").compile(dialect=DIALECT))
    assert "(id, name)" in str(
        users.insert().compile(dialect=DIALECT, column_keys=["id", "name"])
    )
    with pytest.raises(sa.exc.CompileError, match=REFUSED):
        users.insert().compile(dialect=DIALECT, column_keys=["name"])


@pytest.mark.parametrize("column", [
    sa.Column("id", sa.Integer, primary_key=True, default=7),
    sa.Column("id", sa.Integer, primary_key=True, server_default=sa.text("7")),
])
def test_a_key_with_a_default_counts_as_given(column: sa.Column[Any]) -> None:
    table = sa.Table("t", sa.MetaData(), column, sa.Column("name", sa.String))
    assert "INSERT INTO t" in str(table.insert().values(name="x").compile(dialect=DIALECT))


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # SQLAlchemy's own, first
def test_composite_keys_name_the_missing_column() -> None:
    table = sa.Table(
        "t", sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("region", sa.String, primary_key=True),
        sa.Column("v", sa.Integer),
    )
    table.insert().values(id=1, region="eu", v=1).compile(dialect=DIALECT)
    with pytest.raises(sa.exc.CompileError, match="primary key column 'region'"):
        table.insert().values(id=1, v=1).compile(dialect=DIALECT)


# --- against the emulator -------------------------------------------------------------------


@pytest.fixture
def engine(counted_server: Any) -> Iterator[sa.engine.Engine]:
    engine = sa.create_engine(counted_server.dsn)
    yield engine
    engine.dispose()


def _stored(server: Any, name: str) -> list[Any]:
    response = requests.post(
        f"{server.base_url}/v1beta2/queries",
        json={"sql": f"SELECT * EXCEPT _tp_time FROM table({name}) ORDER BY name"},
        stream=True, timeout=10,
    )
    rows: list[Any] = []
    for line in response.iter_lines():
        if line.startswith(b"data: ["):
            rows.extend(json.loads(line[6:]))
    return rows


def _sent(server: Any) -> int:
    counts = server.request_counts
    return counts.get("ingest", 0) + counts.get("queries", 0)


def test_an_orm_add_without_the_key_stores_nothing(
    counted_server: Any, engine: sa.engine.Engine, stream_name: str
) -> None:
    Base: Any = orm.declarative_base()

    class User(Base):
        __tablename__ = stream_name
        id = sa.Column(sa.Integer, primary_key=True)  # the Mapped[int] column
        name = sa.Column(sa.String, nullable=False)

    Base.metadata.create_all(engine)
    try:
        before = _sent(counted_server)
        with orm.Session(engine) as session:
            session.add(User(name="dave"))
            with pytest.raises(sa.exc.CompileError, match=REFUSED):
                session.commit()
        assert _sent(counted_server) == before  # refused before any request
        assert _stored(counted_server, stream_name) == []
        with orm.Session(engine) as session:
            session.add(User(id=1, name="dave"))
            session.commit()
            assert session.get(User, 1).name == "dave"
        assert _stored(counted_server, stream_name) == [[1, "dave"]]
    finally:
        Base.metadata.drop_all(engine)


def test_core_inserts_without_the_key_store_nothing(
    counted_server: Any, engine: sa.engine.Engine, stream_name: str
) -> None:
    table = users.to_metadata(sa.MetaData(), name=stream_name)
    table.create(engine)
    try:
        before = _sent(counted_server)
        with engine.connect() as conn:
            with pytest.raises(sa.exc.CompileError, match=REFUSED):
                conn.execute(table.insert(), {"name": "a"})
            with pytest.raises(sa.exc.CompileError, match=REFUSED):
                conn.execute(table.insert(), [{"name": "b"}, {"name": "c"}])
        assert _sent(counted_server) == before
        assert _stored(counted_server, stream_name) == []
        with engine.connect() as conn:
            conn.execute(table.insert(), [{"id": 1, "name": "b"}, {"id": 2, "name": "c"}])
        assert _stored(counted_server, stream_name) == [[1, "b"], [2, "c"]]
    finally:
        table.drop(engine)
