"""``max_rows_to_read`` on a query that reads a stream is refused (48).

Proton counts the rows it reads after its primary key and skip indexes pruned them
(00990_hasToken_and_tokenbf: with a token index it answers ``has_token`` over 3000 rows under
a limit of 16 and refuses, 158, where the index does not help); the emulator does not prune
and did not count, so it answered every such query. Queries that read no stream keep the
limit, which chDB enforces as Proton does.
"""

from __future__ import annotations

from typing import Any


def test_rows_to_read_over_a_stream_is_refused(api: Any) -> None:
    name = api.create_stream("id uint64, s string")
    api.sql(f"INSERT INTO {name} (id, s) VALUES (1, 'abc,def'), (2, 'yyy')")
    for sql in (f"SELECT max(id) FROM table({name}) WHERE has_token(s, 'abc') "
                "SETTINGS max_rows_to_read = 16",
                f"SELECT count() FROM {name} SETTINGS max_rows_to_read = 1, query_mode = 'table'"):
        body = api.query_error(sql)
        assert body["code"] == 48 and "max_rows_to_read" in body["message"], body


def test_rows_to_read_without_a_stream_is_enforced(api: Any) -> None:
    assert api.table("SELECT count() FROM numbers(10) SETTINGS max_rows_to_read = 100") == [
        ["10"]]
    body = api.error(api.post("/queries", json={
        "sql": "SELECT count() FROM numbers(100) SETTINGS max_rows_to_read = 16"}), 400)
    assert body["code"] == 158, body
