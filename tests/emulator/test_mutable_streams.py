"""Timeplus Enterprise's mutable data on the emulator's enterprise profile: CREATE MUTABLE
STREAM (docs ``sql-create-mutable-stream.md``), DELETE (``sql-delete.md``: synchronous on a
mutable stream, in the background on a normal one), TRUNCATE STREAM and the secondary-index
commands of ALTER STREAM (``mutable-stream-indexes.md``). The cloud profile refuses them."""

from __future__ import annotations

import time
from typing import Any

from tests.emulator.conftest import unique

PRODUCTS = "id int32, name string, vendor string, price float64"


def _mutable(ent: Any, extra_elements: str = "", key: str = "id") -> str:
    name = unique("m")
    ent.sql(f"CREATE MUTABLE STREAM {name} ({PRODUCTS}{extra_elements}) PRIMARY KEY ({key})")
    return name


def test_insert_with_an_existing_key_replaces_the_row(ent: Any) -> None:
    name = _mutable(ent)
    ent.sql(f"INSERT INTO {name} (id, name, vendor, price) VALUES (1, 'cable', 'a', 2.5), "
            "(2, 'plug', 'b', 1)")
    ent.sql(f"INSERT INTO {name} (id, name, vendor, price) VALUES (1, 'cable', 'a', 3.5)")
    assert ent.table(f"SELECT id, price FROM table({name}) ORDER BY id") == [[1, 3.5], [2, 1]]
    rest = ent.get(f"/streams/{name}").json()
    assert rest["mode"] == "mutable" and rest["primary_key"] == "id"


def test_composite_key_keeps_rows_apart_by_every_key_column(ent: Any) -> None:
    name = _mutable(ent, key="id, vendor")
    ent.sql(f"INSERT INTO {name} (id, name, vendor, price) VALUES (1, 'x', 'a', 1), "
            "(1, 'x', 'b', 2), (1, 'y', 'a', 3)")
    assert ent.table(f"SELECT vendor, name, price FROM table({name}) ORDER BY vendor") == \
        [["a", "y", 3], ["b", "x", 2]]


def test_streaming_read_sees_each_change(ent: Any) -> None:
    name = _mutable(ent)
    stream = ent.query(f"SELECT id, price FROM {name}")
    try:
        time.sleep(0.5)
        ent.sql(f"INSERT INTO {name} (id, name, vendor, price) VALUES (1, 'c', 'a', 1)")
        ent.sql(f"INSERT INTO {name} (id, name, vendor, price) VALUES (1, 'c', 'a', 2)")
        assert stream.rows(at_least=2)[:2] == [[1, 1], [1, 2]]
    finally:
        stream.close()


def test_delete_on_a_mutable_stream_is_synchronous_and_counts(ent: Any) -> None:
    name = _mutable(ent)
    ent.sql(f"INSERT INTO {name} (id, name, vendor, price) VALUES (1, 'a', 'v', 1), "
            "(2, 'b', 'v', 2), (3, 'c', 'w', 3)")
    answer = ent.post("/exec", json={"sql": f"DELETE FROM {name} WHERE vendor = 'v'"})
    assert answer.status_code in (200, 204), answer.text
    assert ent.table(f"SELECT id FROM table({name})") == [[3]]


def test_delete_on_a_normal_stream_happens_in_the_background(ent: Any) -> None:
    name = ent.create_stream("a int32, b string")
    ent.sql(f"INSERT INTO {name} (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'x')")
    ent.sql(f"DELETE FROM {name} WHERE b = 'x'")
    ent.sql(f"INSERT INTO {name} (a, b) VALUES (5, 'x')")  # after the DELETE: not deleted
    deadline = time.monotonic() + 10
    while ent.table(f"SELECT a FROM table({name}) ORDER BY a") != [[2], [5]]:
        assert time.monotonic() < deadline, "the background DELETE never took effect"
        time.sleep(0.1)
    ent.sql(f"INSERT INTO {name} (a, b) VALUES (4, 'z')")  # ingest goes on after it
    assert ent.table(f"SELECT a FROM table({name}) ORDER BY a") == [[2], [4], [5]]


def test_truncate_empties_both_kinds_and_keeps_the_stream(ent: Any) -> None:
    for name in (_mutable(ent), ent.create_stream("id int32, name string, vendor string, "
                                                  "price float64")):
        ent.sql(f"INSERT INTO {name} (id, name, vendor, price) VALUES (1, 'a', 'v', 1)")
        ent.sql(f"TRUNCATE STREAM {name}")
        assert ent.table(f"SELECT count() FROM table({name})") == [["0"]]
        ent.sql(f"INSERT INTO {name} (id, name, vendor, price) VALUES (2, 'b', 'v', 1)")
        assert ent.table(f"SELECT id FROM table({name})") == [[2]]


def test_indexes_are_kept_altered_and_shown(ent: Any) -> None:
    name = _mutable(ent, ", INDEX sidx_nv (name, vendor) UNIQUE STORING (price), "
                         "FAMILY f1 (price)")
    assert ent.get(f"/streams/{name}").json()["secondary_indexes"] == [
        {"name": "sidx_nv", "columns": ["name", "vendor"], "unique": True,
         "storing": ["price"]}]
    ent.sql(f"ALTER STREAM {name} ADD INDEX sidx_v (vendor)")
    ent.sql(f"ALTER STREAM {name} MATERIALIZE INDEX sidx_v WITH CLEAR")
    ent.sql(f"ALTER STREAM {name} DROP INDEX sidx_nv")
    listed = ent.get(f"/streams/{name}").json()["secondary_indexes"]
    assert [i["name"] for i in listed] == ["sidx_v"]
    created = ent.table(f"SHOW CREATE STREAM {name}")[0][0]
    assert "CREATE MUTABLE STREAM" in created and "INDEX `sidx_v` (`vendor`)" in created
    assert "PRIMARY KEY (`id`)" in created
    error = ent.error(ent.post("/queries", json={"sql": f"ALTER STREAM {name} DROP INDEX no"}),
                      400)
    assert error["code"] == 36


def test_mutable_stream_needs_a_primary_key_and_known_index_columns(ent: Any) -> None:
    for sql, code in ((f"CREATE MUTABLE STREAM {unique('m')} (a int32)", 36),
                      (f"CREATE MUTABLE STREAM {unique('m')} (a int32, INDEX i (zz)) "
                       "PRIMARY KEY a", 47)):
        assert ent.error(ent.post("/queries", json={"sql": sql}), 400)["code"] == code


def test_index_commands_on_a_normal_stream_are_refused(ent: Any) -> None:
    name = ent.create_stream("a int32")
    response = ent.post("/queries", json={"sql": f"ALTER STREAM {name} ADD INDEX i (a)"})
    assert ent.error(response, 400)["code"] == 48


def test_cloud_profile_refuses_enterprise_mutations(api: Any) -> None:
    name = api.create_stream("a int32")
    for sql in (f"CREATE MUTABLE STREAM {unique('m')} (a int32) PRIMARY KEY a",
                f"DELETE FROM {name} WHERE a = 1", f"TRUNCATE STREAM {name}"):
        body = api.query_error(sql)
        assert body["code"] == 48 and "Timeplus Enterprise" in body["message"], body


def test_delete_condition_with_a_trailing_clause_is_refused_not_silently_dropped(
        ent: Any) -> None:
    # the normal-stream DELETE answered 204 and its background rebuild failed, so nothing was
    # deleted and nothing said so; the condition must be one expression on both kinds
    for name in (_mutable(ent), ent.create_stream(PRODUCTS)):
        ent.sql(f"INSERT INTO {name} (id, name, vendor, price) VALUES (1, 'a', 'v', 1)")
        for tail in ("FORMAT TSV", "SETTINGS max_threads = 1", "LIMIT 1"):
            answer = ent.post("/exec", json={"sql": f"DELETE FROM {name} WHERE id = 1 {tail}"})
            assert answer.status_code == 400, (tail, answer.status_code, answer.text)
            assert answer.json()["code"] == 62, answer.text
        assert ent.table(f"SELECT id FROM table({name})") == [[1]]


def test_delete_with_a_bad_condition_is_refused_on_both_kinds(ent: Any) -> None:
    for name in (_mutable(ent), ent.create_stream("id int32")):
        response = ent.post("/queries", json={"sql": f"DELETE FROM {name} WHERE nope = 1"})
        body = ent.error(response, 400)
        assert body["code"] == 47 and "nope" in body["message"], body


def test_rest_stream_definition_has_no_mutable_mode(api: Any, ent: Any) -> None:
    """POST /streams (the cloud spec's StreamDef) knows modes append, changelog, changelog_kv and
    versioned_kv only; Enterprise has no POST /streams (DDL goes to /queries)."""
    body = {"name": unique("m"), "columns": [{"name": "id", "type": "int32"}],
            "mode": "mutable", "primary_key": "id"}
    refused = api.post("/streams", json=body)
    assert refused.status_code == 400, refused.text
    assert "mutable" in refused.text
    assert api.get(f"/streams/{body['name']}").status_code == 404
    assert ent.post("/streams", json=body).status_code in (404, 405)


def test_stream_object_lists_secondary_indexes(ent: Any) -> None:
    """GET /streams/{name}: ``secondary_indexes`` as the Enterprise OpenAPI's SecondaryIndex
    (name, columns, unique, storing), only on a mutable stream."""
    name = _mutable(ent, ", INDEX by_v (vendor, name) UNIQUE STORING (price)")
    assert ent.get(f"/streams/{name}").json()["secondary_indexes"] == [
        {"name": "by_v", "columns": ["vendor", "name"], "unique": True, "storing": ["price"]}]
    plain = unique("n")
    ent.sql(f"CREATE STREAM {plain} (id int32)")
    assert "secondary_indexes" not in ent.get(f"/streams/{plain}").json()


def _wait_for_rows(ent: Any, sql: str, expected: list[Any]) -> None:
    deadline = time.monotonic() + 10
    while ent.table(sql) != expected:
        assert time.monotonic() < deadline, ent.table(sql)
        time.sleep(0.05)


def test_delete_with_subqueries_over_table_reads(ent: Any) -> None:
    """IN (SELECT ...) and scalar subqueries in DELETE's WHERE, reading streams with table():
    on a mutable stream at once, on a normal one in the background; the deleted stream may
    read itself."""
    other = ent.create_stream("id int32, flag bool")
    ent.sql(f"INSERT INTO {other} (id, flag) VALUES (2, true), (3, false), (4, true)")
    rows = "(id, name, vendor, price) VALUES (1, 'a', 'x', 1), (2, 'b', 'x', 2), " \
           "(3, 'c', 'y', 3), (4, 'd', 'y', 4), (5, 'e', 'z', 9)"
    for name in (_mutable(ent), ent.create_stream(PRODUCTS)):
        ent.sql(f"INSERT INTO {name} {rows}")
        ent.sql(f"DELETE FROM {name} WHERE id IN (SELECT id FROM table({other}) WHERE flag)")
        ent.sql(f"DELETE FROM {name} WHERE id = (SELECT min(id) FROM table({other}) "
                "WHERE NOT flag)")
        ent.sql(f"DELETE FROM {name} WHERE price > (SELECT avg(price) FROM table({name}) "
                "AS mine WHERE mine.vendor = 'x')")  # deletes 5 (9 > 1.5) and nothing else
        _wait_for_rows(ent, f"SELECT id FROM table({name}) ORDER BY id", [[1]])


def test_delete_subqueries_that_cannot_be_answered_are_refused(ent: Any) -> None:
    other = ent.create_stream("id int32")
    ent.sql(f"INSERT INTO {other} (id) VALUES (1)")
    for name in (_mutable(ent), ent.create_stream(PRODUCTS)):
        ent.sql(f"INSERT INTO {name} (id, name, vendor, price) VALUES (1, 'a', 'x', 1)")
        cases = (  # a streaming read (unbounded), a correlated subquery (Proton has none),
            # a table function outside the allow-list
            (f"id IN (SELECT id FROM {other})", 48, f"table({other})"),
            (f"id = (SELECT max(o.id) FROM table({other}) AS o WHERE o.id = {name}.id)", 47,
             f"{name}.id"),
            (f"name = (SELECT max(id) FROM table({other}) WHERE vendor = 'x')", 47, "vendor"),
            ("id IN (SELECT 1 FROM url('http://127.0.0.1:9/', CSV, 'a int'))", 48, "url"),
        )
        for condition, code, named in cases:
            response = ent.post("/queries", json={"sql": f"DELETE FROM {name} WHERE {condition}"})
            body = ent.error(response, 400)
            assert body["code"] == code and named in body["message"], (condition, body)
        time.sleep(0.2)  # a wrongly started background delete would have run by now
        assert ent.table(f"SELECT id FROM table({name})") == [[1]]


def test_delete_subqueries_read_this_instances_system_tables(ent: Any, api: Any) -> None:
    """system.tables/columns/databases in a DELETE subquery are this instance's catalog, as in
    a SELECT: chDB's own tables list every instance's streams (the other emulator's stream
    name was readable through which rows a DELETE removed)."""
    elsewhere = api.create_stream("x string")  # a stream of the other (cloud) instance
    for name in (_mutable(ent), ent.create_stream(PRODUCTS)):
        ent.sql(f"INSERT INTO {name} (id, name, vendor, price) VALUES (1, '{elsewhere}', 'x', 1), "
                f"(2, '{name}', 'x', 2), (3, 'price', 'x', 3), (4, 'default', 'x', 4)")
        assert ent.table(f"SELECT count() FROM system.tables WHERE name = '{elsewhere}'") == \
            [["0"]]
        for table, column in (("tables", "name"), ("columns", "table"),
                              ("databases", "name")):
            ent.sql(f"DELETE FROM {name} WHERE name IN (SELECT {column} FROM system.{table})")
        _wait_for_rows(ent, f"SELECT id FROM table({name}) ORDER BY id", [[1], [3]])
        time.sleep(0.3)  # a background delete would have removed more by now
        assert ent.table(f"SELECT id FROM table({name}) ORDER BY id") == [[1], [3]]


def test_index_change_keeps_defaults_and_comments_in_the_create_query(ent: Any) -> None:
    name = unique("m")
    ent.sql(f"CREATE MUTABLE STREAM {name} (id int32, v string DEFAULT 'x' COMMENT 'it''s v') "
            "PRIMARY KEY id")
    ent.sql(f"ALTER STREAM {name} ADD INDEX by_v (v)")
    query = ent.get(f"/streams/{name}").json()["create_query"]
    assert "DEFAULT 'x'" in query and "COMMENT 'it\\'s v'" in query and "INDEX `by_v`" in query
    ent.sql(f"INSERT INTO {name} (id) VALUES (1)")
    assert ent.table(f"SELECT v FROM table({name})") == [["x"]]
