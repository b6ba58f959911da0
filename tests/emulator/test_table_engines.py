"""CREATE STREAM ... ENGINE = Memory | MergeTree: a non-streaming, table-like store.

Proton's own tests create such stores (``create stream t (...) engine = Memory``) and read them
with a plain SELECT that ends; Proton adds ``_tp_time`` only when preparing a ``Stream``
engine's DDL. Any other engine is refused with code 48 naming it, never a syntax error.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("engine", ["Memory", "MergeTree ORDER BY a",
                                    "MergeTree() PARTITION BY a ORDER BY (a, b) "
                                    "SETTINGS index_granularity = 8192"])
def test_table_engine_store_is_read_as_a_table(api: Any, engine: str) -> None:
    name = api.create_stream("a int32, b string", extra=f" ENGINE = {engine}")
    api.sql(f"INSERT INTO {name} VALUES (2, 'y'), (1, 'x')")
    stream = api.query(f"SELECT * FROM {name} ORDER BY a")  # no table(): still bounded
    assert stream.query["analysis"]["is_streaming"] is False
    assert stream.header == [{"name": "a", "type": "int32"}, {"name": "b", "type": "string"}]
    assert stream.rows() == [[1, "x"], [2, "y"]]
    assert stream.final is not None and stream.final["status"] == "finished"
    assert [r[0] for r in api.table(f"DESCRIBE {name}")] == ["a", "b"]
    rest = api.get(f"/streams/{name}").json()
    assert rest["engine"] == engine.split()[0].split("(")[0]
    assert [c["name"] for c in rest["columns"]] == ["a", "b"]
    assert api.table(f"SELECT engine FROM system.tables WHERE name = '{name}'") == \
        [[rest["engine"]]]
    analysis = api.post("/sqlanalyze", json={"sql": f"SELECT count() FROM {name}"}).json()
    assert analysis["is_streaming"] is False
    assert api.table(f"SELECT count() FROM table({name})") == [["2"]]


def test_stream_engine_is_an_ordinary_stream(api: Any) -> None:
    name = api.create_stream("a int32", extra=" ENGINE = Stream(1, 1, rand())")
    assert [r[0] for r in api.table(f"DESCRIBE {name}")] == ["a", "_tp_time"]
    assert api.query(f"SELECT a FROM {name}").query["analysis"]["is_streaming"] is True


@pytest.mark.parametrize("engine", ["ReplacingMergeTree ORDER BY a", "Log", "Kafka('x')"])
def test_other_engines_are_refused_by_name(api: Any, engine: str) -> None:
    response = api.post("/queries", json={"sql": f"CREATE STREAM e_x (a int32) ENGINE = {engine}"})
    error = api.error(response, 400)
    assert error["code"] == 48, error
    assert f"ENGINE = {engine.split()[0].split('(')[0]}" in error["message"]


def test_kv_mode_on_a_table_engine_is_refused(api: Any) -> None:
    sql = "CREATE STREAM e_kv (a int32) ENGINE = Memory PRIMARY KEY a SETTINGS mode='versioned_kv'"
    assert api.query_error(sql)["code"] == 48


def test_table_engine_store_alters_as_a_clickhouse_table(api: Any) -> None:
    """DROP COLUMN, which a stream refuses, works on a Memory/MergeTree store (as in
    ClickHouse); several kinds of command may share one statement there."""
    name = api.create_stream("a int32, b string, c int32", extra=" ENGINE = MergeTree ORDER BY a")
    api.sql(f"INSERT INTO {name} VALUES (1, 'x', 3)")
    api.sql(f"ALTER STREAM {name} DROP COLUMN b, ADD COLUMN d string DEFAULT 'z', "
            "RENAME COLUMN c TO c2")
    assert [r[0] for r in api.table(f"DESCRIBE {name}")] == ["a", "c2", "d"]
    assert api.table(f"SELECT * FROM {name}") == [[1, 3, "z"]]
    api.sql(f"ALTER STREAM {name} DROP COLUMN IF EXISTS b")  # no-op
    error = api.error(api.post("/queries", json={
        "sql": f"ALTER STREAM {name} MODIFY TTL a + 1"}), 400)
    assert error["code"] == 48 and "ENGINE = MergeTree" in error["message"]


def test_memory_store_refuses_alter_as_proton(api: Any) -> None:
    # Proton's 01498_alter_column_storage_memory: ADD and DROP COLUMN fail with 48
    name = api.create_stream("n int32, s string", extra=" ENGINE = Memory()")
    for command in ("ADD COLUMN m int8", "DROP COLUMN n"):
        error = api.error(api.post("/queries", json={
            "sql": f"ALTER STREAM {name} {command}"}), 400)
        assert error["code"] == 48 and "storage Memory" in error["message"]
    assert [r[0] for r in api.table(f"DESCRIBE {name}")] == ["n", "s"]


@pytest.mark.parametrize(
    ("engine", "order"),
    [(" ENGINE = MergeTree ORDER BY a", [1, 2, 3]),
     (" ENGINE = MergeTree(d, -a, 8192)", [3, 2, 1]),  # the old form: (date, key, granularity)
     (" ENGINE = Memory", [3, 1, 2])],  # no key: as inserted
)
def test_merge_tree_store_reads_in_its_key_order(api: Any, engine: str, order: list[int]) -> None:
    # Proton reads a MergeTree part in sorting-key order (00752, 00698 list rows by the key
    # without ORDER BY); the emulator read every store in ingest order
    name = api.create_stream("a int32, d date DEFAULT '2024-01-01'", extra=engine)
    api.sql(f"INSERT INTO {name} (a) VALUES (3), (1), (2)")
    assert [row[0] for row in api.table(f"SELECT a FROM {name}")] == order
