"""``?database=`` in the engine URL: the default schema, reflection and unqualified names.

Against the enterprise emulator, which honours ``?db=`` on queries and REST calls.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from tests.dialect.conftest import REAL_SERVER

if REAL_SERVER:
    pytest.skip("needs the enterprise emulator", allow_module_level=True)


@pytest.fixture
def split(timeplus_enterprise_server: Any) -> Iterator[tuple[str, str, str]]:
    """(URL, database, stream): the stream is ``x`` in default, ``x, extra`` in the database."""
    url = timeplus_enterprise_server.dsn
    database, name = f"d_{uuid.uuid4().hex[:8]}", f"s_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        for sql in (f"CREATE DATABASE {database}", f"CREATE STREAM {name} (x string)",
                    f"CREATE STREAM {database}.{name} (x string, extra int32)",
                    f"INSERT INTO {name} (x) VALUES ('in default')",
                    f"INSERT INTO {database}.{name} (x, extra) VALUES ('in db', 1)"):
            conn.exec_driver_sql(sql)
    yield url, database, name
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database}")
    engine.dispose()


def test_url_database_is_the_default_schema_for_reflection_and_queries(
        split: tuple[str, str, str]) -> None:
    url, database, name = split
    engine = sa.create_engine(f"{url}?database={database}",
                              execution_options={"timeplus_query_mode": "table"})
    try:
        inspector = sa.inspect(engine)
        assert inspector.default_schema_name == database
        assert inspector.get_table_names() == [name]
        assert [c["name"] for c in inspector.get_columns(name)][:2] == ["x", "extra"]
        table = sa.Table(name, sa.MetaData(), autoload_with=engine)
        assert table.schema is None
        with engine.connect() as conn:
            assert conn.execute(sa.select(table.c.x)).scalars().all() == ["in db"]
        fresh = sa.Table(f"n_{uuid.uuid4().hex[:8]}", sa.MetaData(),
                         sa.Column("n", sa.Integer))
        fresh.create(engine)
        assert fresh.name in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
    plain = sa.create_engine(url)
    try:
        assert sa.inspect(plain).default_schema_name == "default"
        assert fresh.name not in sa.inspect(plain).get_table_names()
    finally:
        plain.dispose()


def test_async_engine_takes_the_url_database(split: tuple[str, str, str]) -> None:
    pytest.importorskip("sqlalchemy.ext.asyncio")
    if sa.__version__.startswith("1."):
        pytest.skip("timeplus+async needs SQLAlchemy 2.x")
    from sqlalchemy.ext.asyncio import create_async_engine

    url, database, name = split

    async def main() -> tuple[str, list[Any]]:
        engine = create_async_engine(
            "timeplus+async://" + url.split("://", 1)[1] + f"?database={database}")
        try:
            async with engine.connect() as conn:
                schema = conn.dialect.default_schema_name
                result = await conn.exec_driver_sql(f"SELECT x FROM table({name})")
                return schema, list(result.scalars().all())
        finally:
            await engine.dispose()

    assert asyncio.run(main()) == (database, ["in db"])
