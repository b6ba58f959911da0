"""Defaults of JSONEachRow rows that omit fields (``format_defaults.py``).

Proton fills a block's omitted fields in one pass (AddingDefaultsTransform.cpp): a default
that reads another defaulted column reads that column's default wherever the block omits it
somewhere, so 01060_defaults_all_columns stores ``2, test42`` for ``{"n": 2}`` beside
``{"s": "world"}``. chDB stored ``test2``. Such inserts are refused (48); the others fill
defaults per row as both do.
"""

from __future__ import annotations

from typing import Any

COLUMNS = "n uint8 DEFAULT 42, s string DEFAULT concat('t', to_string(n))"


def insert(api: Any, sql: str) -> Any:
    return api.post("/queries", json={"sql": sql})


def test_rows_omitting_a_default_and_what_it_reads_in_turn_are_refused(api: Any) -> None:
    name = api.create_stream(COLUMNS)
    response = insert(api, f'INSERT INTO {name} FORMAT JSONEachRow {{"n": 2}}, {{"s": "w"}}')
    body = api.error(response, 400)
    assert body["code"] == 48 and "default" in body["message"], body
    assert api.table(f"SELECT count() FROM table({name})") == [["0"]]


def test_rows_that_fill_defaults_alike_are_stored(api: Any) -> None:
    name = api.create_stream(COLUMNS)
    for data in ('{"n": 1, "s": "hello"} {}', '{"n": 2} {"n": 3}', '{"s": "x"}, {}'):
        response = insert(api, f"INSERT INTO {name} FORMAT JSONEachRow {data}")
        assert response.status_code == 200, response.text
    rows = api.table(f"SELECT n, s FROM table({name}) ORDER BY n, s")
    assert rows == [[1, "hello"], [2, "t2"], [3, "t3"], [42, "t42"], [42, "t42"], [42, "x"]]
