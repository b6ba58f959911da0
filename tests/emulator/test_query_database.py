"""``?db=`` on ``/queries``, ``/exec`` and ``/sqlanalyze``: the current database.

Enterprise profile: unqualified names resolve in that database, qualified ones as written,
an unknown database is 81 (the other instance's private chDB database included). Cloud
profile: G-SPEC has no ``db`` parameter, so any database but ``default`` is refused (48).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.emulator.conftest import unique


@pytest.fixture
def two_dbs(ent: Any) -> tuple[str, str]:
    """A database ``db`` and a stream name ``s`` existing in both ``default`` and ``db``,
    holding 'in default' and 'in db' respectively."""
    db, name = unique("db"), unique("s")
    ent.sql(f"CREATE DATABASE {db}")
    ent.sql(f"CREATE STREAM {name} (x string)")
    ent.sql(f"CREATE STREAM {db}.{name} (x string)")
    ent.ingest(name, ["x"], [["in default"]])
    response = ent.post(f"/streams/{name}/ingest?db={db}", json={"columns": ["x"],
                                                                "data": [["in db"]]})
    assert response.status_code == 200, response.text
    return db, name


def _rows(ent: Any, sql: str, db: str) -> list[Any]:
    response = ent.post(f"/exec?db={db}", json={"sql": sql, "type": "historical"})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def test_unqualified_names_resolve_in_the_given_database(ent: Any,
                                                          two_dbs: tuple[str, str]) -> None:
    db, name = two_dbs
    assert ent.table(f"SELECT x FROM table({name})") == [["in default"]]
    stream = ent.query(f"SELECT x FROM table({name})")
    stream.close()
    response = ent.post(f"/queries?db={db}", json={"sql": f"SELECT x FROM table({name})"},
                        stream=True)
    assert response.status_code == 200, response.text
    assert "in db" in response.text and "in default" not in response.text
    assert _rows(ent, f"SELECT x FROM table({name})", db) == [["in db"]]
    assert _rows(ent, f"SELECT x FROM table(default.{name})", db) == [["in default"]]
    joined = (f"SELECT a.x, b.x FROM table({name}) AS a "
              f"JOIN table(default.{name}) AS b ON 1 = 1")
    assert _rows(ent, joined, db) == [["in db", "in default"]]
    assert _rows(ent, f"SELECT x FROM table({name})", "default") == [["in default"]]


def test_ddl_insert_show_and_describe_use_the_given_database(ent: Any,
                                                             two_dbs: tuple[str, str]) -> None:
    db, _ = two_dbs
    fresh = unique("t")
    for sql in (f"CREATE STREAM {fresh} (n int32)", f"INSERT INTO {fresh} (n) VALUES (5)"):
        response = ent.post(f"/queries?db={db}", json={"sql": sql})
        assert response.status_code in (200, 204), response.text
    assert fresh in [s["name"] for s in ent.get(f"/streams?db={db}").json()]
    assert fresh not in [s["name"] for s in ent.get("/streams").json()]
    assert _rows(ent, f"SELECT n FROM table({fresh})", db) == [[5]]
    assert [fresh] in _rows(ent, "SHOW STREAMS", db)
    assert [fresh] not in _rows(ent, "SHOW STREAMS", "default")
    assert _rows(ent, f"DESCRIBE {fresh}", db)[0][:2] == ["n", "int32"]
    error = ent.error(ent.post("/queries", json={"sql": f"SELECT n FROM table({fresh})"}), 400)
    assert error["code"] == 60


def test_a_view_reads_its_own_database(ent: Any, two_dbs: tuple[str, str]) -> None:
    db, name = two_dbs
    view = unique("v")
    response = ent.post(f"/queries?db={db}",
                        json={"sql": f"CREATE VIEW {view} AS SELECT x FROM table({name})"})
    assert response.status_code == 204, response.text
    assert _rows(ent, f"SELECT x FROM {view}", db) == [["in db"]]
    assert _rows(ent, f"SELECT x FROM {db}.{view}", "default") == [["in db"]]


def test_a_materialized_view_created_in_a_database_reads_and_writes_there(
        ent: Any, two_dbs: tuple[str, str]) -> None:
    db, name = two_dbs
    view = unique("mv")
    response = ent.post(f"/queries?db={db}",
                        json={"sql": f"CREATE MATERIALIZED VIEW {view} AS SELECT x FROM {name}"})
    assert response.status_code == 204, response.text
    deadline = time.monotonic() + 10
    rows: list[Any] = []
    while time.monotonic() < deadline:
        ent.post(f"/streams/{name}/ingest?db={db}", json={"columns": ["x"], "data": [["new"]]})
        rows = _rows(ent, f"SELECT DISTINCT x FROM table({view})", db)
        if rows:
            break
        time.sleep(0.2)
    assert rows == [["new"]]


def test_sqlanalyze_resolves_in_the_given_database(ent: Any, two_dbs: tuple[str, str]) -> None:
    db, name = two_dbs
    view = unique("v")
    ent.sql(f"CREATE VIEW {db}.{view} AS SELECT x FROM table({db}.{name})")
    sql = f"SELECT * FROM {view}"
    there = ent.post(f"/sqlanalyze?db={db}", json={"sql": sql})
    assert there.status_code == 200, there.text
    assert (there.json()["has_table_function"], there.json()["is_streaming"]) == (True, False)
    here = ent.post("/sqlanalyze", json={"sql": sql})  # no such view: read as a stream name
    assert here.status_code == 200, here.text
    assert here.json()["has_table_function"] is False


@pytest.mark.parametrize("endpoint", ["/queries", "/exec", "/sqlanalyze"])
def test_an_unknown_or_foreign_database_is_81(ent: Any, api: Any, endpoint: str) -> None:
    name = api.create_stream("card string")
    foreign = api.server.engine.prefix + "default"
    for db in ("no_such_db", foreign, ent.server.engine.prefix + "default"):
        response = ent.post(f"{endpoint}?db={db}",
                            json={"sql": f"SELECT * FROM table({name})", "type": "historical"})
        error = ent.error(response, 400)
        assert (error["code"], error["message"]) == (81, f"Database {db} doesn't exist"), error


@pytest.mark.parametrize("endpoint", ["/queries", "/sqlanalyze"])
def test_cloud_refuses_a_database_other_than_default(api: Any, endpoint: str) -> None:
    response = api.post(f"{endpoint}?db=analytics", json={"sql": "SELECT 1"})
    error = api.error(response, 400)
    assert error["code"] == 48 and "not supported" in error["message"], error
    assert api.post(f"{endpoint}?db=default", json={"sql": "SELECT 1"}).status_code == 200


def test_current_database_is_refused_rather_than_answered_wrong(
        ent: Any, two_dbs: tuple[str, str]) -> None:
    db, _ = two_dbs
    assert _rows(ent, "SELECT current_database()", "default") == [["default"]]
    for call in ("current_database()", "database()"):
        response = ent.post(f"/exec?db={db}", json={"sql": f"SELECT {call}",
                                                     "type": "historical"})
        error = ent.error(response, 400)
        assert error["code"] == 48 and "not supported" in error["message"], error
