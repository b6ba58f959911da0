"""Mutable streams (Timeplus Enterprise) through the dialect and the ORM, end to end against
the emulator's enterprise profile: CREATE MUTABLE STREAM with indexes from ``Index(...)``,
reflection of key and indexes, upsert, DELETE, TRUNCATE, and ORM add / get / update /
delete. UPDATE stays a CompileError outside the ORM's whole-row upsert."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, declarative_base, deferred

import sqlalchemy_timeplus as tp
from sqlalchemy_timeplus.dialect import TimeplusDialect
from sqlalchemy_timeplus.reflection import index_infos
from timeplus_dbapi.ddl import StreamDefinition


@pytest.fixture
def ent_engine(timeplus_enterprise_server: Any) -> Iterator[sa.engine.Engine]:
    engine = sa.create_engine(str(timeplus_enterprise_server.dsn))
    yield engine
    engine.dispose()


def _name() -> str:
    return f"mut_{uuid.uuid4().hex[:10]}"


def _products(stream: str) -> tuple[type[Any], sa.MetaData]:
    base: Any = declarative_base()

    class Product(base):  # type: ignore[misc, valid-type]
        __tablename__ = stream
        __table_args__ = (
            sa.Index(f"{stream}_nv", "name", "vendor", unique=True, timeplus_storing=["price"]),
            sa.Index(f"{stream}_v", "vendor"),
            {"timeplus_mode": "mutable"},
        )
        id = sa.Column(sa.Integer, primary_key=True)
        name = sa.Column(sa.String)
        vendor = sa.Column(sa.String)
        price = sa.Column(sa.Float)
        note = deferred(sa.Column(sa.String, default=""))

    return Product, base.metadata


def test_create_statement_is_a_mutable_stream_with_its_indexes() -> None:
    product, _ = _products("p")
    text = str(sa.schema.CreateTable(product.__table__).compile(dialect=TimeplusDialect()))
    assert "CREATE MUTABLE STREAM p (" in text
    assert "INDEX `p_nv` (`name`, `vendor`) UNIQUE STORING (`price`)" in text
    assert "INDEX `p_v` (`vendor`)" in text and "PRIMARY KEY (id)" in text
    assert "mode" not in text


def test_delete_truncate_and_update_compile() -> None:
    table = sa.Table("s", sa.MetaData(), sa.Column("a", sa.Integer), sa.Column("b", sa.String))
    dialect = TimeplusDialect()
    assert str(sa.delete(table).where(table.c.a == 1).compile(dialect=dialect)) == \
        "DELETE FROM s WHERE s.a = %(a_1)s"
    assert str(sa.delete(table).compile(dialect=dialect)) == "DELETE FROM s WHERE true"
    assert str(tp.Truncate(table).compile(dialect=dialect)) == "TRUNCATE STREAM s"
    with pytest.raises(sa.exc.CompileError, match="no UPDATE"):
        sa.update(table).values(b="x").compile(dialect=dialect)


def test_reflection_create_upsert_delete_truncate(ent_engine: sa.engine.Engine) -> None:
    name = _name()
    product, metadata = _products(name)
    metadata.create_all(ent_engine)
    inspector = sa.inspect(ent_engine)
    assert inspector.get_pk_constraint(name)["constrained_columns"] == ["id"]
    indexes = {i["name"]: i for i in inspector.get_indexes(name)}
    assert indexes[f"{name}_nv"]["column_names"] == ["name", "vendor"]
    assert indexes[f"{name}_nv"]["unique"] is True
    assert indexes[f"{name}_v"]["unique"] is False
    table = product.__table__
    with ent_engine.begin() as conn:
        conn.execute(sa.insert(table), [{"id": 1, "name": "a", "vendor": "v", "price": 1.0},
                                        {"id": 2, "name": "b", "vendor": "w", "price": 2.0}])
        conn.execute(sa.insert(table), [{"id": 1, "name": "a", "vendor": "v", "price": 5.0}])
        assert conn.execute(sa.select(table.c.id, table.c.price).order_by(table.c.id)).all() \
            == [(1, 5.0), (2, 2.0)]
        conn.execute(sa.delete(table).where(table.c.vendor == "w"))
        assert conn.execute(sa.select(table.c.id)).all() == [(1,)]  # synchronous
        conn.execute(tp.Truncate(table))
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0
    metadata.drop_all(ent_engine)


def test_index_added_and_dropped_later(ent_engine: sa.engine.Engine) -> None:
    name = _name()
    product, metadata = _products(name)
    metadata.create_all(ent_engine)
    later = sa.Index(f"{name}_p", product.__table__.c.price)
    later.create(ent_engine)
    names = {i["name"] for i in sa.inspect(ent_engine).get_indexes(name)}
    assert f"{name}_p" in names
    later.drop(ent_engine)
    assert f"{name}_p" not in {i["name"] for i in sa.inspect(ent_engine).get_indexes(name)}
    metadata.drop_all(ent_engine)


def test_orm_add_get_update_delete(ent_engine: sa.engine.Engine) -> None:
    name = _name()
    product, metadata = _products(name)
    metadata.create_all(ent_engine)
    with Session(ent_engine) as session:
        session.add_all([product(id=1, name="a", vendor="v", price=1.0, note="n1"),
                         product(id=2, name="b", vendor="v", price=2.0, note="n2")])
        session.commit()
    with Session(ent_engine) as session:
        row = session.get(product, 1)
        row.price = 9.5
        row.note = "changed"  # a deferred column, set (so known) before the flush
        session.commit()
    with Session(ent_engine) as session:
        fresh = session.get(product, 1)
        assert (fresh.name, fresh.vendor, fresh.price, fresh.note) == ("a", "v", 9.5, "changed")
        session.delete(session.get(product, 2))
        session.commit()
        assert session.execute(sa.select(product.id)).scalars().all() == [1]
    metadata.drop_all(ent_engine)


def test_orm_update_refuses_what_it_cannot_write_whole(ent_engine: sa.engine.Engine) -> None:
    name = _name()
    product, metadata = _products(name)
    metadata.create_all(ent_engine)
    with Session(ent_engine) as session:
        session.add(product(id=1, name="a", vendor="v", price=1.0, note="n"))
        session.commit()
    with Session(ent_engine) as session:
        row = session.get(product, 1)  # 'note' is deferred: not loaded
        row.price = 2.0
        with pytest.raises(sa.exc.CompileError, match="'note' is not loaded"):
            session.commit()
    with Session(ent_engine) as session:
        row = session.get(product, 1)
        row.id = 7
        with pytest.raises(sa.exc.CompileError, match="primary key"):
            session.flush()
    with ent_engine.connect() as conn:  # nothing was written by either attempt
        assert conn.execute(sa.select(product.__table__.c.id, product.__table__.c.price)).all() \
            == [(1, 1.0)]
    metadata.drop_all(ent_engine)


def test_delete_on_a_normal_stream_is_asynchronous(ent_engine: sa.engine.Engine) -> None:
    table = sa.Table(_name(), sa.MetaData(), sa.Column("a", sa.Integer))
    table.create(ent_engine)
    with ent_engine.begin() as conn:
        conn.execute(sa.insert(table), [{"a": 1}, {"a": 2}])
        conn.execute(sa.delete(table).where(table.c.a == 1))
    deadline = time.monotonic() + 10
    while True:
        with ent_engine.connect() as conn:
            if conn.execute(sa.select(table.c.a)).all() == [(2,)]:
                break
        assert time.monotonic() < deadline, "the DELETE never took effect"
        time.sleep(0.1)
    table.drop(ent_engine)


@settings(max_examples=200, deadline=None)
@given(names=st.lists(st.text(min_size=1, max_size=12) | st.sampled_from(
    ["INDEX i (k) UNIQUE", "a`b", "c\\", "'", "x), INDEX j (k"]), min_size=4, max_size=4),
       unique=st.booleans())
def test_index_reflection_reads_back_any_quoted_names(names: list[str], unique: bool) -> None:
    index = {"name": names[0], "columns": names[1:3], "unique": unique, "storing": names[3:]}
    definition = StreamDefinition.build(
        "s", [("k", "int32")] + [(n, "string") for n in set(names[1:])], mode="mutable",
        primary_key="k", indexes=[index])
    stream = {"mode": "mutable", "create_query": definition.to_sql()}
    assert index_infos(stream) == [{
        "name": names[0], "column_names": names[1:3], "unique": unique,
        "dialect_options": {"timeplus_storing": names[3:]}}]


def test_index_reflection_prefers_the_secondary_indexes_field() -> None:
    """A server that lists ``secondary_indexes`` (Enterprise OpenAPI) is read from that list;
    a malformed list falls back to the ``create_query`` text."""
    query = "CREATE MUTABLE STREAM s (k int32, v string, INDEX q (v)) PRIMARY KEY (k)"
    listed = [{"name": "by_v", "columns": ["v"], "unique": True, "storing": ["k"]},
              {"name": "plain", "columns": ["v", "k"]}]
    assert index_infos({"mode": "mutable", "create_query": query,
                        "secondary_indexes": listed}) == [
        {"name": "by_v", "column_names": ["v"], "unique": True,
         "dialect_options": {"timeplus_storing": ["k"]}},
        {"name": "plain", "column_names": ["v", "k"], "unique": False, "dialect_options": {}}]
    from_text = [{"name": "q", "column_names": ["v"], "unique": False, "dialect_options": {}}]
    broken = {"mode": "mutable", "create_query": query, "secondary_indexes": [{"name": "x"}]}
    assert index_infos(broken) == from_text
    assert index_infos({"create_query": query, "secondary_indexes": None}) == from_text


def test_delete_where_in_a_subquery_over_a_table_read(ent_engine: sa.engine.Engine) -> None:
    """``delete().where(col.in_(select(...)))`` with the subquery reading ``tp.table(...)``
    deletes by it; a bare stream there (a streaming read) is refused, naming table()."""
    name = _name()
    product, metadata = _products(name)
    gone = sa.Table(f"{name}_gone", metadata, sa.Column("id", sa.Integer))
    metadata.create_all(ent_engine)
    table = product.__table__
    try:
        with ent_engine.begin() as conn:
            conn.execute(sa.insert(table), [{"id": i, "name": f"n{i}", "vendor": "v",
                                             "price": 1.0} for i in (1, 2, 3)])
            conn.execute(sa.insert(gone), [{"id": 2}, {"id": 3}])
            stored = tp.table(gone)
            conn.execute(sa.delete(table).where(
                table.c.id.in_(sa.select(stored.c.id).where(stored.c.id > 2))))
            assert conn.execute(sa.select(table.c.id).order_by(table.c.id)).all() == [(1,), (2,)]
            with pytest.raises(sa.exc.NotSupportedError, match=rf"table\({gone.name}\)"):
                conn.execute(sa.delete(table).where(table.c.id.in_(sa.select(gone.c.id))))
    finally:
        metadata.drop_all(ent_engine)


def test_reflected_table_keeps_the_stream_kind(ent_engine: sa.engine.Engine) -> None:
    """get_table_options: a reflected mutable stream is a timeplus_mode="mutable" Table (so
    its CREATE and the ORM's upsert see one); a versioned_kv stream keeps its mode and TTL."""
    name = _name()
    _, metadata = _products(name)
    # not nullable: Proton refuses a TTL of a nullable(datetime) (TTLDescription.cpp: 450)
    sa.Table(f"{name}_kv", metadata, sa.Column("k", sa.Integer, primary_key=True),
             sa.Column("at", sa.DateTime, nullable=False), timeplus_mode="versioned_kv",
             timeplus_ttl_expression="to_datetime(at) + INTERVAL 1 DAY")
    sa.Table(f"{name}_plain", metadata, sa.Column("a", sa.Integer))
    metadata.create_all(ent_engine)
    try:
        found = sa.MetaData()
        found.reflect(ent_engine, only=[name, f"{name}_kv", f"{name}_plain"])
        options = {t.name: t.dialect_options["timeplus"] for t in found.tables.values()}
        assert options[name]["mode"] == "mutable"
        assert options[f"{name}_kv"]["mode"] == "versioned_kv"
        assert "INTERVAL 1 DAY" in options[f"{name}_kv"]["ttl_expression"]
        assert options[f"{name}_plain"]["mode"] is None
        assert options[f"{name}_plain"]["ttl_expression"] is None
        text = str(sa.schema.CreateTable(found.tables[name]).compile(dialect=TimeplusDialect()))
        assert text.lstrip().startswith(f"CREATE MUTABLE STREAM {name} (")
    finally:
        metadata.drop_all(ent_engine)


def test_automapped_mutable_stream_gets_the_orm_upsert(ent_engine: sa.engine.Engine) -> None:
    """A mutable stream mapped from reflection (automap) is a timeplus_mode="mutable" table, so
    changing an attribute and committing writes the whole row by key, as for a declared one."""
    from sqlalchemy.ext.automap import automap_base

    name = _name()
    _, metadata = _products(name)
    metadata.create_all(ent_engine)
    try:
        with ent_engine.begin() as conn:
            conn.execute(sa.text(f"INSERT INTO {name} (id, name, vendor, price, note) "
                                 "VALUES (1, 'a', 'v', 1.5, ''), (2, 'b', 'w', 2.5, '')"))
        mapped: Any = automap_base()
        mapped.prepare(autoload_with=ent_engine, reflection_options={"only": [name]})
        product = getattr(mapped.classes, name)
        with Session(ent_engine) as session:
            row = session.get(product, 1)
            row.price = 9.5
            session.commit()
            session.delete(session.get(product, 2))
            session.add(product(id=3, name="c", vendor="w", price=2.0, note=""))
            session.commit()
        with ent_engine.connect() as conn:
            rows = conn.execute(sa.text(f"SELECT id, name, price FROM table({name}) ORDER BY id"))
            assert rows.all() == [(1, "a", 9.5), (3, "c", 2.0)]
    finally:
        metadata.drop_all(ent_engine)
