"""ALTER STREAM as Timeplus documents it (docs sql-alter-stream.md), with Proton's refusals
(StorageStream::checkAlterIsPossible), and reflection showing each change at once."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from timeplus_emulator.server import EmulatorServer


def _names(api: Any, name: str) -> dict[str, list[str]]:
    """The column names as every reflection path reports them."""
    return {
        "rest": [c["name"] for c in api.get(f"/streams/{name}").json()["columns"]],
        "describe": [r[0] for r in api.table(f"DESCRIBE {name}")],
        "system": [r[0] for r in api.table(
            f"SELECT name FROM system.columns WHERE table = '{name}' ORDER BY position")],
        "select": [c["name"] for c in api.query(f"SELECT * FROM table({name})").header],
    }


def test_add_several_columns_keeps_rows_and_reflects(api: Any,
                                                    timeplus_server: EmulatorServer) -> None:
    name = api.create_stream("a int32, b string")
    api.sql(f"INSERT INTO {name} VALUES (1, 'x')")
    api.sql(f"ALTER STREAM {name} ADD COLUMN e int32, ADD COLUMN f string DEFAULT 'z'")
    expected = ["a", "b", "e", "f", "_tp_time"]
    assert _names(api, name) == {"rest": expected, "describe": expected, "system": expected,
                                 "select": expected}
    api.sql(f"INSERT INTO {name} (a, b, e, f) VALUES (2, 'y', 7, 'w')")
    assert api.table(f"SELECT a, b, e, f FROM table({name}) ORDER BY a") == \
        [[1, "x", 0, "z"], [2, "y", 7, "w"]]
    api.ingest(name, ["a", "e"], [[3, 9]])
    assert api.table(f"SELECT e FROM table({name}) WHERE a = 3") == [[9]]
    engine = sa.create_engine(timeplus_server.dsn)
    with engine.connect() as conn:
        reflected = [c["name"] for c in sa.inspect(conn).get_columns(name)]
    assert reflected[:4] == ["a", "b", "e", "f"]


def test_add_column_positions_and_duplicates(api: Any) -> None:
    name = api.create_stream("a int32, b int32")
    api.sql(f"ALTER STREAM {name} ADD COLUMN c int32 AFTER a")
    api.sql(f"ALTER STREAM {name} ADD COLUMN d int32 FIRST")
    assert _names(api, name)["describe"] == ["d", "a", "c", "b", "_tp_time"]
    api.sql(f"ALTER STREAM {name} ADD COLUMN IF NOT EXISTS a string")  # no-op
    assert api.table(f"DESCRIBE {name}")[1][:2] == ["a", "int32"]
    duplicate = api.post("/queries", json={"sql": f"ALTER STREAM {name} ADD COLUMN a int8"})
    assert api.error(duplicate, 400)["code"] == 44
    untyped = api.post("/queries", json={"sql": f"ALTER STREAM {name} ADD COLUMN u DEFAULT 'x'"})
    assert api.error(untyped, 400)["code"] == 36  # Proton's 01522_validate_alter_default
    reserved = api.post("/queries", json={"sql": f"ALTER STREAM {name} ADD COLUMN _tp_x int8"})
    assert api.error(reserved, 400)["code"] == 44


def test_rename_column_keeps_data_and_reflects(api: Any) -> None:
    name = api.create_stream("k int32, v string", extra=" PRIMARY KEY k SETTINGS "
                             "mode='changelog_kv'")
    api.sql(f"INSERT INTO {name} (k, v) VALUES (1, 'a'), (1, 'b')")
    api.sql(f"ALTER STREAM {name} RENAME COLUMN v TO value")
    assert _names(api, name)["rest"] == ["k", "value", "_tp_time", "_tp_delta"]
    assert api.table(f"SELECT k, value FROM table({name})") == [[1, "b"]]  # kv kept
    missing = api.post("/queries", json={"sql": f"SELECT v FROM table({name})"})
    assert api.error(missing, 400)["code"] == 47
    api.sql(f"ALTER STREAM {name} RENAME COLUMN k TO key")
    assert api.get(f"/streams/{name}").json()["primary_key"] == "key"
    bad = api.post("/queries", json={"sql": f"INSERT INTO {name} (key, _tp_delta) VALUES (1, 5)"})
    assert api.error(bad, 400)["code"] == 117  # the _tp_delta check survives the rebuild


def test_streaming_query_across_alter_sees_only_new_rows(api: Any) -> None:
    name = api.create_stream("a int32")
    api.sql(f"INSERT INTO {name} VALUES (1), (2)")
    stream = api.query(f"SELECT a FROM {name}", batching_policy={"count": 10, "time_ms": 50})
    api.sql(f"ALTER STREAM {name} ADD COLUMN b string")
    api.ingest(name, ["a", "b"], [[3, "c"]])
    assert stream.rows(at_least=1) == [[3]]  # the copied rows keep their sequence numbers
    stream.close()


def test_modify_ttl_and_setting_show_in_rest(api: Any) -> None:
    name = api.create_stream("a int32")
    api.sql(f"ALTER STREAM {name} MODIFY TTL to_datetime(_tp_time) + INTERVAL 48 HOUR")
    api.sql(f"ALTER STREAM {name} MODIFY SETTING logstore_retention_ms = 3600000, "
            "logstore_retention_bytes = 1024")
    body = api.get(f"/streams/{name}").json()
    assert body["ttl_expression"] == "to_datetime(_tp_time) + INTERVAL 48 HOUR"
    assert (body["logstore_retention_ms"], body["logstore_retention_bytes"]) == (3600000, 1024)
    api.sql(f"ALTER STREAM {name} REMOVE TTL")
    assert api.get(f"/streams/{name}").json()["ttl_expression"] == ""


@pytest.mark.parametrize(("command", "message"), [
    ("DROP COLUMN a", "Alter command of type 'DROP_COLUMN' is not supported by storage Stream"),
    ("MODIFY COLUMN a string",
     "Alter command of type 'MODIFY_COLUMN' is not supported by storage Stream"),
    ("ADD COLUMN b int8, RENAME COLUMN a TO c", "Multi different alter commands are not "
     "supported for Stream storage engine. Alter commands=[ADD_COLUMN, RENAME_COLUMN]"),
    ("RENAME COLUMN a TO c, RENAME COLUMN c TO d",
     "Multi RENAME_COLUMN alter commands are not supported for Stream storage engine"),
    ("RENAME COLUMN _tp_time TO t",
     "Cannot rename reserved column '_tp_time' in Stream storage engine"),
    ("MODIFY SETTING mode = 'changelog'", "Modify setting mode is not supported, only "
     "logstore_flush_messages, logstore_flush_ms, logstore_retention_bytes, "
     "logstore_retention_ms settings can be modified"),
])
def test_refused_as_proton_refuses(api: Any, command: str, message: str) -> None:
    name = api.create_stream("a int32")
    error = api.error(api.post("/queries", json={"sql": f"ALTER STREAM {name} {command}"}), 400)
    assert (error["code"], error["message"]) == (48, message)
    assert _names(api, name)["rest"] == ["a", "_tp_time"]  # nothing changed


def test_rename_refused_while_a_materialized_view_reads_the_stream(api: Any) -> None:
    name = api.create_stream("a int32")
    api.sql(f"CREATE MATERIALIZED VIEW {name}_mv AS SELECT a FROM {name}")
    error = api.error(api.post("/queries", json={
        "sql": f"ALTER STREAM {name} RENAME COLUMN a TO b"}), 400)
    assert error["code"] == 48 and f"{name}_mv" in error["message"]
    api.sql(f"DROP VIEW {name}_mv")


@pytest.mark.parametrize(("command", "named"), [
    ("UPDATE a = 0 WHERE a > 0", "UPDATE"), ("DELETE WHERE a = 1", "DELETE"),
    ("DROP PARTITION 20241015", "DROP PARTITION"),
    ("MODIFY QUERY SETTING checkpoint_interval = 600", "MODIFY QUERY"),
    ("ADD INDEX i a TYPE minmax", "ADD INDEX")])
def test_other_alter_commands_are_refused_by_name(api: Any, command: str, named: str) -> None:
    name = api.create_stream("a int32")
    error = api.error(api.post("/queries", json={"sql": f"ALTER STREAM {name} {command}"}), 400)
    assert error["code"] == 48 and f"ALTER STREAM ... {named} " in error["message"], error


@pytest.mark.parametrize("extra", ["", " ENGINE = MergeTree ORDER BY a"])
def test_dates_outside_protons_range_stay_refused_after_alter(api: Any, extra: str) -> None:
    """An added date32/datetime64 column and a renamed one keep the range check of CREATE
    (Proton clamps 1899-01-01 to 1900-01-01; the rebuilt table had lost the check and stored
    the value as given), and so does a column untouched by the ALTER."""
    name = api.create_stream("a int32, d date32", extra=extra)
    api.sql(f"ALTER STREAM {name} ADD COLUMN t nullable(datetime64(3))")
    api.sql(f"ALTER STREAM {name} RENAME COLUMN d TO e")
    for column in ("e", "t"):
        response = api.post("/queries", json={
            "sql": f"INSERT INTO {name} (a, {column}) VALUES (1, '1899-01-01')"})
        error = api.error(response, 400)
        assert error["code"] == 48 and "1900-01-01 .. 2299-12-31" in error["message"], error
    api.sql(f"INSERT INTO {name} (a, e, t) VALUES (2, '1900-01-01', NULL)")
    assert api.table(f"SELECT a, e, t FROM table({name})") == [[2, "1900-01-01", None]]


def test_default_null_and_is_null_defaults(api: Any) -> None:
    # NULL right after DEFAULT is the default itself, not the column's NULL modifier
    # (Proton's 00571_alter_nullable adds `n nullable(uint64) DEFAULT NULL`)
    name = api.create_stream("a int32, c nullable(int32) DEFAULT NULL, "
                             "d uint8 DEFAULT c IS NULL NOT NULL")
    api.sql(f"INSERT INTO {name} (a) VALUES (1)")
    api.sql(f"ALTER STREAM {name} ADD COLUMN n nullable(uint64) DEFAULT NULL")
    api.sql(f"INSERT INTO {name} (a, c) VALUES (2, 5)")
    assert api.table(f"SELECT a, c, d, n FROM table({name}) ORDER BY a") \
        == [[1, None, 1, None], [2, 5, 0, None]]
