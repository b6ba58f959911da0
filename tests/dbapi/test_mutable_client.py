"""The REST client creates Timeplus Enterprise mutable streams (``mode="mutable"`` with a
primary key and secondary indexes) and the cursor runs DELETE / TRUNCATE against them; the
emulator's enterprise profile answers."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

import timeplus_dbapi as db
from timeplus_dbapi.ddl import StreamDefinition


def test_mutable_definition_sql_and_checks() -> None:
    definition = StreamDefinition.build(
        "p", [("id", "int32"), ("name", "string")], mode="mutable", primary_key="id",
        indexes=[{"name": "i", "columns": ["name"], "unique": True}])
    assert definition.to_sql() == ("CREATE MUTABLE STREAM `p` (`id` int32, `name` string, "
                                   "INDEX `i` (`name`) UNIQUE) PRIMARY KEY (`id`)")
    with pytest.raises(db.ProgrammingError, match="primary_key"):
        StreamDefinition.build("p", [("id", "int32")], mode="mutable")
    with pytest.raises(db.ProgrammingError, match="mode='mutable'"):
        StreamDefinition.build("p", [("id", "int32")], indexes=[{"name": "i", "columns": ["id"]}])


def test_client_creates_a_mutable_stream_and_cursor_deletes(
        timeplus_enterprise_server: Any) -> None:
    name = f"mc_{uuid.uuid4().hex[:10]}"
    with db.connect(timeplus_enterprise_server.dsn) as conn:
        created = conn.client.create_stream(
            name, [("id", "int32"), ("name", "string")], mode="mutable", primary_key=["id"],
            indexes=[{"name": "by_name", "columns": ["name"], "storing": ["id"]}])
        assert created["mode"] == "mutable" and created["primary_key"] == "id"
        assert "INDEX `by_name` (`name`) STORING (`id`)" in created["create_query"]
        cur = conn.cursor()
        cur.execute(f"INSERT INTO {name} (id, name) VALUES (1, 'a'), (2, 'b'), (1, 'c')")
        cur.execute(f"DELETE FROM {name} WHERE id = 2")
        cur.execute(f"SELECT id, name FROM table({name})")
        assert cur.fetchall() == [(1, "c")]
        cur.execute(f"TRUNCATE STREAM {name}")
        cur.execute(f"SELECT count() FROM table({name})")
        assert cur.fetchall() == [(0,)]
        conn.client.delete_stream(name)


def test_column_comments_in_both_definitions(profile_dsn: str) -> None:
    """A column's ``comment`` goes into the REST StreamDef (cloud) and the SQL (enterprise)."""
    definition = StreamDefinition.build("c", [{"name": "a", "type": "int8", "comment": "x'y"}])
    assert definition.to_sql() == "CREATE STREAM `c` (`a` int8 COMMENT 'x\\'y')"
    assert definition.to_json()["columns"] == [{"name": "a", "type": "int8", "comment": "x'y"}]
    with pytest.raises(db.ProgrammingError, match="comment must be a string"):
        StreamDefinition.build("c", [{"name": "a", "type": "int8", "comment": 5}])
    name = f"cc_{uuid.uuid4().hex[:10]}"
    with db.connect(profile_dsn) as conn:
        created = conn.client.create_stream(
            name, [{"name": "a", "type": "int8", "comment": "first\ncolumn"},
                   {"name": "b", "type": "string"}])
        try:
            columns = conn.client.get_stream(name)["columns"]
            assert [(c["name"], c.get("comment")) for c in columns][:2] == [
                ("a", "first\ncolumn"), ("b", "")]
            assert created["name"] == name
        finally:
            conn.client.delete_stream(name)
