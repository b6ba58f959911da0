"""REST parameters that end up in SQL are names or values, never SQL text (issue 12 item 6).

``POST /streams?db=...`` pasted ``db`` into the DDL unescaped; now the database name, the
stream and column names are quoted and each column type must parse as one type.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HOSTILE_DB = st.text(alphabet=st.sampled_from(list("`'\"\\;-/* ().,=_ab\n")) | st.characters(
    exclude_categories=["Cs"]), min_size=1, max_size=20).filter(lambda s: "\x00" not in s)


def _stream_body(name: str, column_type: str = "int32") -> dict[str, Any]:
    return {"name": name, "columns": [{"name": "a", "type": column_type}]}


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(db=HOSTILE_DB)
def test_db_parameter_is_a_name(api: Any, db: str) -> None:
    name = f"p_{uuid.uuid4().hex[:10]}"
    response = api.session.post(api.url("/streams"), params={"db": db},
                                json=_stream_body(name), timeout=(5, 15))
    if db == "default":
        assert response.status_code == 201
        return
    error = api.error(response, 400)
    assert error["code"] == 81, error
    assert f"Database {db} doesn't exist" in error["message"], error
    assert name not in repr(api.table("SELECT name FROM system.tables"))


def test_db_parameter_names_an_existing_database(api: Any) -> None:
    db = f"restdb_{uuid.uuid4().hex[:8]}"
    api.sql(f"CREATE DATABASE {db}")
    name = f"p_{uuid.uuid4().hex[:10]}"
    response = api.session.post(api.url("/streams"), params={"db": db},
                                json=_stream_body(name), timeout=(5, 15))
    assert response.status_code == 201, response.text
    assert api.table(f"SELECT database FROM system.tables WHERE name = '{name}'") == [[db]]


@pytest.mark.parametrize("column_type", [
    "int32) SETTINGS mode='changelog' --",
    "int32, b string DEFAULT file('/etc/hostname')",
    "string DEFAULT 'x'",
    "int32 /*",
])
def test_column_type_must_be_one_type(api: Any, column_type: str) -> None:
    name = f"p_{uuid.uuid4().hex[:10]}"
    error = api.error(api.post("/streams", json=_stream_body(name, column_type)), 400)
    assert error["code"] in (62, 50), error
    assert name not in repr(api.table("SELECT name FROM system.tables"))


@pytest.mark.parametrize("tags", [1, 1.5, True, "abc", [1], [["a"]], {"a": 1}])
def test_query_tags_must_be_a_list_of_strings(api: Any, tags: Any) -> None:
    # a number answered 500 "'int' object is not iterable"; "abc" became the tags a, b, c
    error = api.error(api.post("/queries", json={"sql": "SELECT 1", "tags": tags}), 400)
    assert error["code"] == 36 and "tags" in error["message"], error
    assert api.table("SELECT 2 AS x") == [[2]]


@pytest.mark.parametrize("key", [[1], [None], {"a": 1}, 7])
def test_stream_primary_key_must_name_columns(api: Any, key: Any) -> None:
    # [1] answered 500 "'int' object has no attribute 'replace'"
    name = f"pk_{uuid.uuid4().hex[:8]}"
    error = api.error(api.post("/streams", json={
        "name": name, "columns": [{"name": "a", "type": "int8"}], "primary_key": key}), 400)
    assert error["code"] == 36 and "primary_key" in error["message"], error
    assert api.get(f"/streams/{name}").status_code == 404


def test_columns_named_database_stream_column(api: Any) -> None:
    """``db.stream.column`` names a column of the unaliased source ``db.stream`` (as in
    Proton/ClickHouse), also next to a same-named stream of the default database; behind
    an alias the three-part name is not that source's (47)."""
    db, name = f"qual_{uuid.uuid4().hex[:8]}", f"q_{uuid.uuid4().hex[:8]}"
    api.sql(f"CREATE DATABASE {db}")
    api.sql(f"CREATE STREAM {db}.{name} (id int32, v string)")
    api.sql(f"CREATE STREAM {name} (id int32, ref int32)")
    api.sql(f"INSERT INTO {db}.{name} (id, v) VALUES (1, 'one'), (2, 'two')")
    api.sql(f"INSERT INTO {name} (id, ref) VALUES (7, 2)")
    table = " SETTINGS query_mode = 'table'"
    assert api.table(f"SELECT {db}.{name}.v FROM {db}.{name} ORDER BY {db}.{name}.id{table}") \
        == [["one"], ["two"]]
    assert api.table(f"SELECT l.id, {db}.{name}.v FROM {name} AS l JOIN {db}.{name} "
                     f"ON l.ref = {db}.{name}.id{table}") == [[7, "two"]]
    assert api.table(f"SELECT `{db}`.`{name}`.v FROM {db}.{name} WHERE `{db}`.{name}.id = 1"
                     f"{table}") == [["one"]]
    response = api.post("/queries", json={"sql": f"SELECT {db}.{name}.v FROM "
                                                  f"{db}.{name} AS x{table}"})
    assert api.error(response, 400)["code"] == 47
