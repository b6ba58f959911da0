"""``?database=`` in the engine URL: the default schema, reflection and unqualified names.

Against the enterprise emulator, which honours ``?db=`` on queries and REST calls.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from tests.dialect.conftest import REAL_SERVER

if REAL_SERVER:
    pytest.skip("needs the enterprise emulator", allow_module_level=True)


def test_url_database_is_the_default_schema_for_reflection_and_queries(
        split_database: tuple[str, str, str]) -> None:
    url, database, name = split_database
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


def test_async_engine_takes_the_url_database(split_database: tuple[str, str, str]) -> None:
    pytest.importorskip("sqlalchemy.ext.asyncio")
    if sa.__version__.startswith("1."):
        pytest.skip("timeplus+async needs SQLAlchemy 2.x")
    from sqlalchemy.ext.asyncio import create_async_engine

    url, database, name = split_database

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
