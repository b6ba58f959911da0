"""SQLAlchemy schemas as Timeplus databases, end to end against the emulator's enterprise
profile: ``Table(..., schema="db")`` create / insert / select / reflect / drop (REST listings
with ``?db=``, DDL as SQL naming the database), views in a database, ``has_table`` on an
unknown database, and a same-named stream in the default database kept apart."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

import timeplus_dbapi


@pytest.fixture
def engine_with_db(timeplus_enterprise_server: Any) -> Iterator[tuple[sa.engine.Engine, str]]:
    engine = sa.create_engine(str(timeplus_enterprise_server.dsn),
                              execution_options={"timeplus_query_mode": "table"})
    database = f"db_{uuid.uuid4().hex[:10]}"
    with engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {database}")
    yield engine, database
    with engine.begin() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {database}")
    engine.dispose()


def _table(metadata: sa.MetaData, schema: Any, **kw: Any) -> sa.Table:
    return sa.Table("items", metadata, sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("label", sa.String, comment="100% label"),
                    sa.Index("items_label", "label"),
                    schema=schema, timeplus_mode="mutable", comment="50% 'items'", **kw)


def test_table_in_a_database_round_trips(engine_with_db: tuple[sa.engine.Engine, str]) -> None:
    engine, database = engine_with_db
    metadata = sa.MetaData()
    table = _table(metadata, database)
    default_table = sa.Table("items", metadata, sa.Column("id", sa.Integer), extend_existing=True)
    metadata.create_all(engine, tables=[table])
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"id": 1, "label": "a"}, {"id": 2, "label": "b"}])
        rows = connection.execute(sa.select(table.c.id, table.c.label).order_by(table.c.id))
        assert rows.all() == [(1, "a"), (2, "b")]
        inspector = sa.inspect(connection)
        assert inspector.get_table_names(schema=database) == ["items"]
        assert "items" not in inspector.get_table_names()  # not in the default database
        assert database in inspector.get_schema_names()
        assert inspector.has_table("items", schema=database)
        assert not inspector.has_table("items")
        columns = inspector.get_columns("items", schema=database)
        assert [(c["name"], c["comment"]) for c in columns if not c["name"].startswith("_tp_")] \
            == [("id", None), ("label", "100% label")]
        assert inspector.get_pk_constraint("items", schema=database)["constrained_columns"] \
            == ["id"]
        assert [i["column_names"] for i in inspector.get_indexes("items", schema=database)] \
            == [["label"]]
        assert inspector.get_table_comment("items", schema=database)["text"] == "50% 'items'"
    assert default_table.schema is None
    metadata.drop_all(engine, tables=[table])
    assert sa.inspect(engine).get_table_names(schema=database) == []


def test_same_named_streams_in_two_databases_join(
    engine_with_db: tuple[sa.engine.Engine, str]
) -> None:
    engine, database = engine_with_db
    name = f"twin_{uuid.uuid4().hex[:8]}"
    metadata = sa.MetaData()
    local = sa.Table(name, metadata, sa.Column("id", sa.Integer), sa.Column("ref", sa.Integer))
    remote = sa.Table(name, metadata, sa.Column("id", sa.Integer), schema=database)
    metadata.create_all(engine)
    try:
        with engine.begin() as connection:
            connection.execute(local.insert(), [{"id": 1, "ref": 10}, {"id": 2, "ref": 20}])
            connection.execute(remote.insert(), [{"id": 20}])
            joined = sa.select(local.c.id, remote.c.id).join_from(
                local, remote, local.c.ref == remote.c.id)
            # the remote stream's columns are named db.stream.column in the SQL
            assert f"{database}.{name}.id" in str(joined.compile(engine))
            if sa.__version__ < "2":
                # 1.4 names both sides by the bare stream name, which the server refuses
                # clearly (179, as ClickHouse does); 2.x aliases the local one by itself
                with pytest.raises(sa.exc.ProgrammingError, match="same alias"):
                    connection.execute(joined)
                mine = local.alias("mine")
                joined = sa.select(mine.c.id, remote.c.id).select_from(
                    mine.join(remote, mine.c.ref == remote.c.id))
            assert connection.execute(joined).all() == [(2, 20)]
    finally:
        metadata.drop_all(engine)


def test_view_in_a_database(engine_with_db: tuple[sa.engine.Engine, str]) -> None:
    from sqlalchemy_timeplus import CreateView, DropView

    engine, database = engine_with_db
    metadata = sa.MetaData()
    table = sa.Table("src", metadata, sa.Column("n", sa.Integer), schema=database)
    metadata.create_all(engine)
    query = sa.select(table.c.n).where(table.c.n > 1)
    with engine.begin() as connection:
        connection.execute(CreateView("big", query, schema=database))
        connection.execute(table.insert(), [{"n": 1}, {"n": 5}])
        inspector = sa.inspect(connection)
        assert inspector.get_view_names(schema=database) == ["big"]
        assert inspector.get_view_names() == [] or "big" not in inspector.get_view_names()
        assert "src" in inspector.get_view_definition("big", schema=database)
        view = sa.Table("big", sa.MetaData(), autoload_with=connection, schema=database)
        assert connection.execute(sa.select(view.c.n)).scalars().all() == [5]
        connection.execute(DropView("big", schema=database))
        assert sa.inspect(connection).get_view_names(schema=database) == []


def test_has_table_in_an_unknown_database_is_false(
    engine_with_db: tuple[sa.engine.Engine, str]
) -> None:
    engine, _ = engine_with_db
    with engine.connect() as connection:
        assert sa.inspect(connection).has_table("items", schema="no_such_db_here") is False
        with pytest.raises(timeplus_dbapi.ProgrammingError) as caught:
            sa.inspect(connection).get_table_names(schema="no_such_db_here")
        assert caught.value.code == 81
