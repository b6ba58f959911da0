"""SQL Lab's schema picker (``supports_dynamic_schema``): the picked Timeplus database is
where unqualified names resolve, through the engine Superset builds with
``adjust_engine_params`` (enterprise emulator, which honours ``?db=``)."""

from __future__ import annotations

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


def test_picked_schema_resolves_unqualified_names(
        split_database: tuple[str, str, str]) -> None:
    dsn, database, name = split_database
    answers = {}
    for schema in (database, "default", None):
        url, args = TimeplusEngineSpec.adjust_engine_params(make_url(dsn), {}, schema=schema)
        engine = sa.create_engine(url, connect_args=args)
        with engine.connect() as conn:
            answers[schema] = (sa.inspect(conn).default_schema_name,
                               conn.exec_driver_sql(f"SELECT x FROM {name}").scalar())
        engine.dispose()
    assert answers == {database: (database, "in db"), "default": ("default", "in default"),
                       None: ("default", "in default")}
