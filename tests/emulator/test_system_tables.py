"""system.tables / columns / databases show this instance's objects with Timeplus names."""

from __future__ import annotations

import uuid
from typing import Any

import pytest


def test_system_tables_lists_streams_and_views(api: Any) -> None:
    name = api.create_stream("a int32, b nullable(string)")
    view = f"v_{uuid.uuid4().hex[:8]}"
    api.sql(f"CREATE VIEW {view} AS SELECT a FROM table({name})")
    rows = api.table("SELECT name, engine, database FROM system.tables "
                     f"WHERE name IN ('{name}', '{view}') ORDER BY engine")
    assert rows == [[name, "Stream", "default"], [view, "View", "default"]]


def test_system_tables_hides_other_instances(api: Any, ent: Any) -> None:
    mine = api.create_stream("a int32")
    theirs = ent.create_stream("a int32")
    names = {r[0] for r in api.table("SELECT name FROM system.tables")}
    assert mine in names and theirs not in names
    databases = api.table("SELECT name FROM system.databases")
    assert ["default"] in databases
    assert all(not r[0].startswith("tp") for r in databases)


def test_system_columns_have_timeplus_types(api: Any) -> None:
    name = api.create_stream("a int32, b nullable(string), c map(string, array(uint8))")
    rows = api.table(f"SELECT name, type, position FROM system.columns WHERE table = '{name}' "
                     "ORDER BY position")
    assert rows == [["a", "int32", "1"], ["b", "nullable(string)", "2"],
                    ["c", "map(string, array(uint8))", "3"],
                    ["_tp_time", "datetime64(3, 'UTC')", "4"]]


def test_other_system_tables_pass_through(api: Any) -> None:
    assert api.table("SELECT dummy FROM system.one") == [[0]]


@pytest.mark.parametrize("name", ["system", "information_schema", "INFORMATION_SCHEMA"])
def test_the_built_in_databases_cannot_be_created_or_dropped(api: Any, name: str) -> None:
    """Proton makes these at start: CREATE is 82 (exists), DROP is refused, and nothing changes."""
    before = api.table("SELECT name FROM system.databases ORDER BY name")
    created = api.error(api.post("/queries", json={"sql": f"CREATE DATABASE `{name}`"}), 400)
    assert created["code"] == 82 and name in created["message"]
    api.sql(f"CREATE DATABASE IF NOT EXISTS `{name}`")  # exists: nothing to do, as in Proton
    for sql in (f"DROP DATABASE `{name}`", f"DROP DATABASE IF EXISTS `{name}`"):
        dropped = api.query_error(sql)
        assert dropped["code"] == 36, dropped
    assert api.table("SELECT name FROM system.databases ORDER BY name") == before
    assert api.table("SELECT 1 FROM system.one") == [[1]]


def test_the_built_in_databases_are_listed_and_can_be_used(api: Any) -> None:
    """Proton's loadMetadataSystem makes system (Atomic) and information_schema /
    INFORMATION_SCHEMA (Memory) at start: they exist, so they are listed and USE takes them."""
    databases = api.table("SELECT name, engine FROM system.databases")
    for row in (["system", "Atomic"], ["information_schema", "Memory"],
                ["INFORMATION_SCHEMA", "Memory"], ["default", "Atomic"]):
        assert row in databases
    shown = [row[0] for row in api.table("SHOW DATABASES")]
    assert {"system", "information_schema", "INFORMATION_SCHEMA", "default"} <= set(shown)
    for name in ("system", "information_schema"):
        api.sql(f"USE {name}")


@pytest.mark.parametrize("sql", ["CREATE STREAM system.tp_s (a int)",
                                 "CREATE VIEW system.tp_v AS SELECT 1",
                                 "SHOW STREAMS FROM system"])
def test_streams_in_the_system_database_are_refused_not_unknown(api: Any, sql: str) -> None:
    # Proton's system database is an ordinary Atomic one; the emulator's holds only the
    # tables it emulates, so streams and views there are refused (48), not "unknown" (81)
    assert api.query_error(sql)["code"] == 48


def test_system_functions_hides_the_emulators_helper_functions(api: Any) -> None:
    # the emulator creates __tp_* SQL functions in chDB (e.g. __tp_u64); a query must not
    # list them or read their definitions
    api.table("SELECT to_uint64(1)")
    assert api.table("SELECT count() FROM system.functions "
                     "WHERE name LIKE '%\\\\_tp\\\\_%' OR create_query != '' "
                     "OR origin != 'System'") == [["0"]]
    assert api.table("SELECT name FROM system.functions WHERE name = '__tp_u64'") == []
    assert api.table("SELECT count() > 100 FROM system.functions AS f") == [[True]]
