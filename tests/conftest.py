"""Options for the whole test suite: ``--run-slow`` runs the tests marked ``slow``
(long-running, e.g. 1M-row runs), which are skipped otherwise."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="also run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)


@pytest.fixture
def split_database(timeplus_enterprise_server: Any) -> Iterator[tuple[str, str, str]]:
    """(DSN, database, stream) on the enterprise emulator: the stream exists in ``default``
    (column ``x`` holds 'in default') and in the database (columns ``x``, ``extra``; ``x`` holds
    'in db'), so an unqualified name tells which database it resolved in."""
    import timeplus_dbapi as db

    dsn = timeplus_enterprise_server.dsn
    database, name = f"d_{uuid.uuid4().hex[:8]}", f"s_{uuid.uuid4().hex[:8]}"
    with db.connect(dsn) as conn:
        cur = conn.cursor()
        for sql in (f"CREATE DATABASE {database}", f"CREATE STREAM {name} (x string)",
                    f"CREATE STREAM {database}.{name} (x string, extra int32)",
                    f"INSERT INTO {name} (x) VALUES ('in default')",
                    f"INSERT INTO {database}.{name} (x, extra) VALUES ('in db', 1)"):
            cur.execute(sql)
    yield dsn, database, name
    with db.connect(dsn) as conn:
        conn.cursor().execute(f"DROP DATABASE IF EXISTS {database}")
