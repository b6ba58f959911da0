"""Storage definitions in CREATE STREAM: validated as Proton validates them, or refused.

Proton's streams and MergeTree stores are MergeTree tables underneath (``StorageStream``
derives from ``MergeTreeData``), so it checks sorting and partition keys, TTL, skip indexes,
projections and engine settings when the stream is created. The emulator builds none of them;
it used to accept definitions Proton refuses, so the user believed their DDL worked. Codes and
messages here follow Proton's sources (``MergeTreeIndexFullText.cpp``, ``KeyDescription.cpp``,
``TTLDescription.cpp``, ``ProjectionsDescription.cpp``, ``MergeTreeSettings.cpp``,
``StorageFactory.cpp``, ``registerStorageMergeTree.cpp``).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import unique


def create_error(api: Any, sql: str) -> dict[str, Any]:
    return api.query_error(sql)


@pytest.mark.parametrize(
    ("definition", "code", "words"),
    [
        # a token bloom filter of 0 bytes, or with a fractional size
        ("(s string, INDEX ix s TYPE tokenbf_v1(0, 3, 0) GRANULARITY 2) ENGINE = MergeTree "
         "ORDER BY s", 36, "bloom filter"),
        ("(s string, INDEX ix s TYPE ngrambf_v1(3, 0.5, 2, 0) GRANULARITY 2) ENGINE = MergeTree "
         "ORDER BY s", 36, "unsigned integers"),
        # index_granularity_bytes below min_index_granularity_bytes
        ("(n uint64) ENGINE = MergeTree ORDER BY n SETTINGS index_granularity_bytes = 10, "
         "min_index_granularity_bytes = 2048", 36, "min_index_granularity_bytes"),
        # keys of a type that has no order
        ("(n uint64, m aggregate_function(min, uint64)) ENGINE = MergeTree ORDER BY m", 549,
         "not comparable"),
        ("(n uint64, m aggregate_function(min, uint64)) ENGINE = MergeTree ORDER BY n "
         "PARTITION BY m", 549, "not comparable"),
        ("(n uint64, m aggregate_function(min, uint64), PRIMARY KEY (m)) ENGINE = MergeTree",
         549, "not comparable"),
        # sampling needs an unsigned integer
        ("(k int32) ENGINE = MergeTree ORDER BY k SAMPLE BY k", 59, "sampling column type"),
        # an aggregating projection may not have ORDER BY
        ("(k int32, v uint64, PROJECTION agg (SELECT k, max(v) GROUP BY k ORDER BY k)) "
         "ENGINE = MergeTree ORDER BY k", 583, "ORDER BY"),
        # a TTL roll-up must group by a prefix of the key, and set each column once
        ("(k int32, v int64, w int64, t datetime) ENGINE = MergeTree ORDER BY k "
         "TTL t + INTERVAL 1 DAY GROUP BY w SET v = min(v)", 450, "prefix"),
        ("(k int32, v int64, t datetime) ENGINE = MergeTree ORDER BY k "
         "TTL t + INTERVAL 1 DAY GROUP BY k SET v = min(v), v = max(v)", 450, "aggregations"),
        # a TTL must be a date or time, and the same at every call
        ("(k int32, s string) ENGINE = MergeTree ORDER BY k TTL s", 450, "TTL expression"),
        ("(k int32, t datetime) TTL now() + INTERVAL 1 DAY", 36, "non-deterministic"),
        # MergeTree needs a sorting key; Memory has no keys and no indexes
        ("(k int32) ENGINE = MergeTree", 36, "ORDER BY or PRIMARY KEY"),
        ("(k int32) ENGINE = MergeTree PARTITION BY k", 36, "ORDER BY or PRIMARY KEY"),
        ("(k int32) ENGINE = Memory ORDER BY k", 36, "ORDER_BY"),
        ("(k int32, INDEX ix k TYPE minmax GRANULARITY 1) ENGINE = Memory", 36,
         "skipping indices"),
        # a plain stream is a MergeTree table in Proton too
        ("(s string, INDEX ix s TYPE tokenbf_v1(0, 3, 0) GRANULARITY 2)", 36, "bloom filter"),
        ("(k int32, v uint64, PROJECTION agg (SELECT k, sum(v) GROUP BY k ORDER BY sum(v)))",
         583, "ORDER BY"),
    ],
)
def test_definitions_proton_refuses_are_refused_with_its_code(
        api: Any, definition: str, code: int, words: str) -> None:
    name = unique("bad_def")
    body = create_error(api, f"CREATE STREAM {name} {definition}")
    assert body["code"] == code, body
    assert words in body["message"], body
    # nothing was created
    assert create_error(api, f"DESCRIBE {name}")["code"] == 60


@pytest.mark.parametrize(
    "definition",
    [
        "(k int32, s string, INDEX ix s TYPE bloom_filter(0.01) GRANULARITY 1, "
        "INDEX mm k * 2 TYPE minmax GRANULARITY 4, INDEX st lower(s) TYPE set(100) GRANULARITY 1, "
        "INDEX tk s TYPE tokenbf_v1(512, 3, 0) GRANULARITY 1) ENGINE = MergeTree ORDER BY k",
        "(k int32, s string, t datetime, PROJECTION p (SELECT k, count() GROUP BY k)) "
        "ENGINE = MergeTree() PARTITION BY to_YYYYMM(t) ORDER BY (k, s) PRIMARY KEY k "
        "TTL t + INTERVAL 1 YEAR SETTINGS index_granularity = 64, min_bytes_for_wide_part = 0",
        "(k uint64, s string) ENGINE = MergeTree ORDER BY k SAMPLE BY k",
        "(k int32, s string, d date) ENGINE = MergeTree(d, (k, s), 8192)",
        # a datetime64 TTL, as Timeplus documents it (sql-create-stream.md)
        "(k int32, s string) TTL _tp_time + INTERVAL 1 DAY",
        # Proton has no check against a constant TTL or two indexes on one expression
        "(k int32, s string, INDEX a k TYPE minmax GRANULARITY 1, INDEX b k TYPE minmax "
        "GRANULARITY 1) ENGINE = MergeTree ORDER BY k TTL to_date16('2020-05-05')",
        "(k int32, s string, INDEX ix s TYPE bloom_filter GRANULARITY 1, "
        "PROJECTION p (SELECT * ORDER BY s)) PARTITION BY to_start_of_day(_tp_time) "
        "ORDER BY to_start_of_hour(_tp_time) TTL to_datetime(_tp_time) + INTERVAL 7 DAY "
        "SETTINGS event_time_column = 'now64(3)'",
    ],
)
def test_common_definitions_are_accepted(api: Any, definition: str) -> None:
    name = unique("def")
    api.sql(f"CREATE STREAM {name} {definition}")
    api.sql(f"INSERT INTO {name} (k, s) VALUES (2, 'b'), (1, 'a')")
    rows = api.table(f"SELECT to_string(k), s FROM table({name}) ORDER BY k")
    assert rows == [["1", "a"], ["2", "b"]]


@pytest.mark.parametrize("setting", ["max_parts_in_total = 10", "parts_to_throw_insert = 2",
                                     "non_replicated_deduplication_window = 100"])
def test_engine_settings_the_emulator_does_not_apply_are_refused(api: Any, setting: str) -> None:
    # Proton refuses the 11th part with 252 (TOO_MANY_PARTS) or drops a repeated block:
    # an emulator that ignored the setting would store rows Proton does not
    body = create_error(api, f"CREATE STREAM {unique('st')} (n uint64) ENGINE = MergeTree "
                             f"PARTITION BY n ORDER BY n SETTINGS {setting}")
    assert body["code"] == 48, body
    assert setting.split()[0] in body["message"]


def test_unknown_engine_setting_is_unknown(api: Any) -> None:
    body = create_error(api, f"CREATE STREAM {unique('st')} (n uint64) ENGINE = MergeTree "
                             "ORDER BY n SETTINGS no_such_setting = 1")
    assert body["code"] == 115, body


def test_modify_ttl_is_checked_as_create_checks_it(api: Any) -> None:
    name = api.create_stream("k int32, s string")
    body = create_error(api, f"ALTER STREAM {name} MODIFY TTL s")
    assert body["code"] == 450, body
    body = create_error(api, f"ALTER STREAM {name} MODIFY TTL today() + INTERVAL 1 DAY")
    assert body["code"] == 36 and "non-deterministic" in body["message"], body
    assert api.get(f"/streams/{name}").json()["ttl_expression"] in ("", None)
    api.sql(f"ALTER STREAM {name} MODIFY TTL to_datetime(_tp_time) + INTERVAL 1 DAY")
    assert "INTERVAL 1 DAY" in api.get(f"/streams/{name}").json()["ttl_expression"]
