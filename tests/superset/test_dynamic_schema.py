"""SQL Lab's schema picker (``supports_dynamic_schema``): the picked Timeplus database is
where unqualified names resolve, through the engine Superset builds with
``adjust_engine_params`` (enterprise emulator, which honours ``?db=``)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

pytest.importorskip("superset")

import sqlalchemy as sa
from sqlalchemy.engine.url import make_url

from sqlalchemy_timeplus.superset import TimeplusEngineSpec


def test_spec_declares_dynamic_schema_and_puts_the_schema_in_the_url() -> None:
    assert TimeplusEngineSpec.supports_dynamic_schema is True
    url, args = TimeplusEngineSpec.adjust_engine_params(
        make_url("timeplus://h:8000/default"), {"database": "other", "timeout": 5},
        schema="analytics")
    assert url.query == {"query_mode": "table", "database": "analytics"}
    assert args == {"timeout": 5}
    assert TimeplusEngineSpec.get_schema_from_engine_params(url, args) == "analytics"
    url, args = TimeplusEngineSpec.adjust_engine_params(make_url("timeplus://h/default"), {})
    assert "database" not in url.query
    assert TimeplusEngineSpec.get_schema_from_engine_params(url, args) is None


def test_picked_schema_resolves_unqualified_names(timeplus_enterprise_server: Any) -> None:
    dsn = timeplus_enterprise_server.dsn
    database, name = f"d_{uuid.uuid4().hex[:8]}", f"s_{uuid.uuid4().hex[:8]}"
    setup = sa.create_engine(dsn)
    with setup.connect() as conn:
        for sql in (f"CREATE DATABASE {database}", f"CREATE STREAM {name} (x string)",
                    f"CREATE STREAM {database}.{name} (x string)",
                    f"INSERT INTO {name} (x) VALUES ('in default')",
                    f"INSERT INTO {database}.{name} (x) VALUES ('in db')"):
            conn.exec_driver_sql(sql)
    answers = {}
    for schema in (database, "default", None):
        url, args = TimeplusEngineSpec.adjust_engine_params(make_url(dsn), {}, schema=schema)
        engine = sa.create_engine(url, connect_args=args)
        with engine.connect() as conn:
            answers[schema] = (sa.inspect(conn).default_schema_name,
                               conn.exec_driver_sql(f"SELECT x FROM {name}").scalar())
        engine.dispose()
    with setup.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database}")
    setup.dispose()
    assert answers == {database: (database, "in db"), "default": ("default", "in default"),
                       None: ("default", "in default")}
