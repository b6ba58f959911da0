"""Root conftest of SQLAlchemy's dialect suite run (this folder is its own pytest root).

Loads SQLAlchemy's testing plugin, starts an emulator for the session (unless ``--dburi`` or
``TIMEPLUS_TEST_URL`` names a server) and points ``--dburi`` at it in historical mode, so that
bounded SELECTs finish. The emulator runs the enterprise profile, and every suite table with a
primary key is created as a mutable stream (``timeplus_mode="mutable"``), so DELETE, primary
key and index reflection are exercised (``TIMEPLUS_SUITE_PROFILE=cloud`` runs the cloud
profile with plain streams instead). On the enterprise profile the suite's schemas
(``test_schema``, ``test_schema_2``) are Timeplus databases, created when the emulator starts
(a server named by ``--dburi``/``TIMEPLUS_TEST_URL`` needs them already). Between tests the
suite's tables are emptied by dropping and re-creating their streams (a provision hook on
2.x, a fixture override on 1.4): DELETE on a keyless stream is asynchronous in Timeplus.

A test's own ``delete()`` on a keyless table (a normal stream) returns before the rows are gone,
as Timeplus documents; the suite's cases read the table right after, so a hook here waits for
the effect: it counts the rows the DELETE matches until none are left (at most
``DELETE_WAIT_SECONDS``, then the test fails). Timeplus documents no setting that makes that
DELETE synchronous, so this is the test harness waiting, as any caller of it must.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy.dialects import registry

registry.register("timeplus", "sqlalchemy_timeplus.dialect", "TimeplusDialect")
registry.register("timeplus.rest", "sqlalchemy_timeplus.dialect", "TimeplusDialect")

pytest.register_assert_rewrite("sqlalchemy.testing.assertions")

from sqlalchemy.testing.plugin import pytestplugin  # noqa: E402
from sqlalchemy.testing.plugin.pytestplugin import *  # noqa: E402, F403

_emulator: Any = None
PROFILE = os.environ.get("TIMEPLUS_SUITE_PROFILE", "enterprise")
DELETE_WAIT_SECONDS = 10.0


@sqlalchemy.event.listens_for(sqlalchemy.Table, "before_create")
def _keyed_tables_are_mutable(table: sqlalchemy.Table, connection: Any, **kw: Any) -> None:
    """On the enterprise profile, a table with a primary key becomes a mutable stream."""
    options = table.dialect_options["timeplus"]
    if PROFILE == "enterprise" and len(table.primary_key.columns) and options["mode"] is None:
        options["mode"] = "mutable"


@sqlalchemy.event.listens_for(sqlalchemy.engine.Engine, "after_execute")
def _wait_for_background_delete(
    connection: Any, statement: Any, multiparams: Any, params: Any, *rest: Any
) -> None:
    """After a DELETE on a normal stream (asynchronous in Timeplus), wait until it took effect."""
    if not isinstance(statement, sqlalchemy.sql.Delete):
        return
    table = statement.table
    if table.dialect_options["timeplus"]["mode"] == "mutable":
        return  # synchronous
    remaining = sqlalchemy.select(sqlalchemy.func.count()).select_from(table)
    if statement.whereclause is not None:
        remaining = remaining.where(statement.whereclause)
    values = multiparams[0] if multiparams and isinstance(multiparams[0], dict) else params
    deadline = time.monotonic() + DELETE_WAIT_SECONDS
    while connection.execute(remaining, values or {}).scalar():
        if time.monotonic() > deadline:
            left = f"rows left after {DELETE_WAIT_SECONDS} s"
            raise AssertionError(f"DELETE FROM {table.name}: {left}")
        time.sleep(0.02)


def pytest_configure(config: pytest.Config) -> None:
    global _emulator
    if not getattr(config.option, "dburi", None):
        url = os.environ.get("TIMEPLUS_TEST_URL")
        if not url:
            from timeplus_emulator.server import EmulatorServer

            _emulator = EmulatorServer(profile=PROFILE).start()
            url = _emulator.dsn
        _create_test_schemas(url)
        driver = os.environ.get("TIMEPLUS_SUITE_DRIVER")  # "async": the timeplus+async dialect
        if driver:
            url = f"timeplus+{driver}://" + url.split("://", 1)[1]
        separator = "&" if "?" in url else "?"
        config.option.dburi = [f"{url}{separator}query_mode=table&reflect_reserved_columns=false"]
    pytestplugin.pytest_configure(config)


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    pytestplugin.pytest_collection_modifyitems(session, config, items)
    from requirements import EMULATOR_GAPS, EXCLUDED_TESTS, excluded_parameters

    for item in items:
        cls = getattr(item, "cls", None)
        if cls is None:
            continue
        suite_class = cls.__name__.split("_timeplus", 1)[0]
        name = getattr(item, "originalname", item.name)
        case = item.name.split("[", 1)[1] if "[" in item.name else ""
        reason = (EXCLUDED_TESTS.get(f"{suite_class}.{name}[{case}")
                  or EXCLUDED_TESTS.get(f"{suite_class}.{name}")
                  or EXCLUDED_TESTS.get(suite_class))
        callspec = getattr(item, "callspec", None)
        reason = reason or excluded_parameters(callspec.params if callspec else {})
        if reason:
            item.add_marker(pytest.mark.skip(reason=f"Timeplus: {reason}"))
        gap = EMULATOR_GAPS.get(f"{suite_class}.{name}")
        if gap and _emulator is not None:
            item.add_marker(pytest.mark.xfail(reason=gap, strict=True))


def pytest_sessionstart(session: pytest.Session) -> None:
    pytestplugin.pytest_sessionstart(session)
    _install_table_emptying()


def _create_test_schemas(dsn: str) -> None:
    """The suite's two schemas (test_schema, test_schema_2) as Timeplus databases, made with
    the sync driver before any engine exists; enterprise profile only (requirements.schemas)."""
    import timeplus_dbapi

    if PROFILE != "enterprise":
        return
    connection = timeplus_dbapi.connect(dsn)
    try:
        for name in ("test_schema", "test_schema_2"):
            connection.client.execute_command(f"CREATE DATABASE IF NOT EXISTS {name}")
    finally:
        connection.close()


def pytest_unconfigure(config: pytest.Config) -> None:
    unconfigure = getattr(pytestplugin, "pytest_unconfigure", None)
    if unconfigure is not None:
        unconfigure(config)
    if _emulator is not None:
        _emulator.stop()


def _recreate_tables(connection: Any, metadata: sqlalchemy.MetaData) -> None:
    """Empty the tables of a test class: drop and re-create each stream."""
    for table in reversed(metadata.sorted_tables):
        table.drop(connection, checkfirst=True)
    for table in metadata.sorted_tables:
        table.create(connection)


def _install_table_emptying() -> None:
    """Hook table emptying in; imported late, after SQLAlchemy's plugin set up its fixtures."""
    from sqlalchemy.testing import fixtures, provision

    if hasattr(provision, "delete_from_all_tables"):  # SQLAlchemy 2.x

        @provision.delete_from_all_tables.for_db("timeplus")
        def _delete_from_all_tables(connection: Any, cfg: Any, metadata: Any) -> None:
            _recreate_tables(connection, metadata)

        return

    def _teardown_each_tables(self: Any) -> None:  # 1.4 runs DELETE in the fixture itself
        if self.run_define_tables == "each":
            self.tables.clear()
            if self.run_create_tables == "each":
                fixtures.drop_all_tables_from_metadata(self._tables_metadata, self.bind)
            self._tables_metadata.clear()
        elif self.run_create_tables == "each":
            fixtures.drop_all_tables_from_metadata(self._tables_metadata, self.bind)
        elif self.run_deletes == "each":
            with self.bind.begin() as conn:
                _recreate_tables(conn, self._tables_metadata)

    fixtures.TablesTest._teardown_each_tables = _teardown_each_tables
