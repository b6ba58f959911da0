"""Statements Proton's parser accepts that the emulator once answered with a syntax error:
access control, SQL functions and dictionaries are refused (48) by name; SHOW, DROP and
ALTER forms Proton has run with Proton's answer.

Found by Proton's own stateless SQL cases (``scripts/proton_cases.py``). Expected values
follow Proton's parser and interpreter sources (``ParserDropQuery``,
``ParserShowTablesQuery``, ``InterpreterDropQuery``) and Timeplus's docs, by hand.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import unique


def refusal(api: Any, sql: str) -> str:
    body = api.query_error(sql)
    assert body["code"] == 48, body
    return str(body["message"])


@pytest.mark.parametrize(("sql", "named"), [
    ("CREATE USER u_1 IDENTIFIED WITH plaintext_password BY 'x'", "CREATE USER"),
    ("DROP USER IF EXISTS u_1, u_2@localhost", "DROP USER"),
    ("ALTER USER u_1 DEFAULT ROLE ALL", "ALTER USER"),
    ("CREATE ROLE IF NOT EXISTS r_1", "CREATE ROLE"),
    ("DROP ROLE r_1", "DROP ROLE"),
    ("CREATE QUOTA q_1 FOR INTERVAL 1 hour MAX queries = 10 TO ALL", "CREATE QUOTA"),
    ("DROP QUOTA IF EXISTS q_1, q_2", "DROP QUOTA"),
    ("CREATE ROW POLICY p_1 ON s FOR SELECT USING x > 1 TO ALL", "CREATE ROW POLICY"),
    ("drop row policy if exists p_1 on s", "DROP ROW POLICY"),
    ("CREATE POLICY p_1 ON s USING 1", "CREATE POLICY"),
    ("CREATE SETTINGS PROFILE sp_1 SETTINGS max_threads = 1", "CREATE SETTINGS PROFILE"),
    ("DROP PROFILE IF EXISTS sp_1", "DROP PROFILE"),
    ("SHOW CREATE QUOTA default", "SHOW CREATE QUOTA"),
    ("SHOW CREATE ROW POLICY p_1 ON s", "SHOW CREATE ROW POLICY"),
    ("SHOW GRANTS", "SHOW GRANTS"),
    ("SHOW USERS", "SHOW USERS"),
    ("GRANT SELECT ON *.* TO u_1", "GRANT"),
    ("CREATE FUNCTION f_1 AS x -> x + 1", "CREATE FUNCTION"),
    ("CREATE OR REPLACE FUNCTION f_1 AS x -> x", "CREATE FUNCTION"),
    ("DROP FUNCTION IF EXISTS f_1", "DROP FUNCTION"),
    ("DROP DICTIONARY IF EXISTS d_1", "DROP DICTIONARY"),
    ("SHOW DICTIONARIES", "SHOW DICTIONARIES"),
])
def test_statements_the_emulator_has_no_notion_of_are_refused_by_name(
        api: Any, sql: str, named: str) -> None:
    assert named in refusal(api, sql)


@pytest.fixture
def two_streams(api: Any) -> tuple[str, str]:
    prefix = unique("lk")
    first = api.create_stream("x int8", name=f"{prefix}_Ab1")
    second = api.create_stream("x int8", name=f"{prefix}_ab2")
    return first, second


def _show(api: Any, sql: str, among: tuple[str, ...]) -> list[str]:
    return sorted(row[0] for row in api.table(sql) if row[0] in among)


def test_show_streams_not_like_and_ilike(api: Any, two_streams: tuple[str, str]) -> None:
    first, second = two_streams
    prefix = first[: -len("_Ab1")]
    assert _show(api, f"SHOW STREAMS LIKE '{prefix}_ab%'", two_streams) == [second]
    assert _show(api, f"SHOW STREAMS NOT LIKE '{prefix}_ab%'", two_streams) == [first]
    assert _show(api, f"SHOW STREAMS ILIKE '{prefix}_AB%'", two_streams) == [first, second]
    assert _show(api, "SHOW STREAMS NOT ILIKE '%2'", two_streams) == [first]
    assert _show(api, "SHOW STREAMS NOT LIKE '%'", two_streams) == []


def test_show_streams_like_escapes_and_brackets_are_literal(
        api: Any, two_streams: tuple[str, str]) -> None:
    first, second = two_streams
    prefix = first[: -len("_Ab1")]
    # '\_' is a literal underscore; '[' means itself in LIKE (it was a glob class)
    assert _show(api, f"SHOW STREAMS LIKE '{prefix}\\\\_ab_'", two_streams) == [second]
    assert _show(api, f"SHOW STREAMS LIKE '{prefix}[_]%'", two_streams) == []


def test_show_create_database_is_protons_text(api: Any) -> None:
    name = unique("db")
    api.sql(f"CREATE DATABASE {name}")
    try:
        assert api.table(f"SHOW CREATE DATABASE {name}") == \
            [[f"CREATE DATABASE {name}\nENGINE = Atomic"]]
    finally:
        api.sql(f"DROP DATABASE {name}")


def test_show_create_of_the_built_in_databases(api: Any) -> None:
    # Proton's system database is Atomic, information_schema Memory (loadMetadataSystem)
    assert api.table("SHOW CREATE DATABASE system") == [["CREATE DATABASE system\nENGINE = Atomic"]]
    assert api.table("SHOW CREATE DATABASE information_schema") == \
        [["CREATE DATABASE information_schema\nENGINE = Memory"]]


def test_show_create_of_an_unknown_database_is_81(api: Any) -> None:
    body = api.error(api.post("/queries", json={"sql": "SHOW CREATE DATABASE no_such_db"}), 400)
    assert body["code"] == 81, body


@pytest.mark.parametrize("sql", [
    "SHOW STREAMS FORMAT TSVRaw",
    "DESCRIBE system.one FORMAT TSV",
    "SELECT 1 SETTINGS max_threads = 1 FORMAT Null",
])
def test_format_clause_is_refused_wherever_it_stands(api: Any, sql: str) -> None:
    assert "FORMAT" in refusal(api, sql)


def test_drop_stream_drops_a_view(api: Any) -> None:
    # InterpreterDropQuery checks only DROP VIEW's kind; Timeplus's docs drop a
    # materialized view with DROP STREAM
    source = api.create_stream("x int8")
    view, matview = unique("v"), unique("mv")
    api.sql(f"CREATE VIEW {view} AS SELECT x FROM {source}")
    api.sql(f"CREATE MATERIALIZED VIEW {matview} AS SELECT x FROM {source}")
    api.sql(f"DROP STREAM {view}")
    api.sql(f"DROP STREAM IF EXISTS {matview}")
    names = {row[0] for row in api.table("SHOW STREAMS")}
    assert view not in names and matview not in names and source in names


def test_drop_view_of_a_stream_is_protons_80(api: Any) -> None:
    source = api.create_stream("x int8")
    for sql in (f"DROP VIEW {source}", f"DROP VIEW IF EXISTS {source}"):
        body = api.query_error(sql)
        assert body["code"] == 80 and "is not a View" in body["message"], body
    assert source in {row[0] for row in api.table("SHOW STREAMS")}


@pytest.mark.parametrize("tail", ["SYNC", "NO DELAY", "SETTINGS force_drop_big_stream = true",
                                  "settings force_drop_big_stream=1"])
def test_drop_forms_that_change_nothing_here(api: Any, tail: str) -> None:
    source = api.create_stream("x int8")
    api.sql(f"DROP STREAM {source} {tail}")
    assert source not in {row[0] for row in api.table("SHOW STREAMS")}


def test_drop_with_another_setting_is_not_run(api: Any) -> None:
    source = api.create_stream("x int8")
    response = api.post("/queries", json={"sql": f"DROP STREAM {source} SETTINGS max_threads = 1"})
    assert response.status_code == 400
    assert source in {row[0] for row in api.table("SHOW STREAMS")}


def test_alter_with_mutations_sync_runs(api: Any) -> None:
    source = api.create_stream("x int8")
    api.sql(f"INSERT INTO {source} (x) VALUES (1)")
    api.sql(f"ALTER STREAM {source} ADD COLUMN y int64 DEFAULT 7 SETTINGS mutations_sync = 2")
    assert api.table(f"SELECT x, y FROM table({source})") == [[1, "7"]]
