"""A streaming read of a kv stream starts with the stream's current state, then new rows.

Fact (docs/versioned-stream.md, "Query Single Stream"): after rows are inserted into a
``versioned_kv`` stream, running ``SELECT * FROM dim_products`` again shows them, the latest
version of each key only; new rows then arrive as they are ingested. Proton reads kv streams
in streaming mode by first replaying their state (``StorageStream``'s STREAMING_CONCAT).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest


def _stream(api: Any, mode: str) -> str:
    extra = f" PRIMARY KEY k SETTINGS mode='{mode}'" if mode != "append" else ""
    return str(api.create_stream("k string, v int32", name=f"kv_{uuid.uuid4().hex[:10]}",
                                 extra=extra))


@pytest.mark.parametrize("mode", ["versioned_kv", "changelog_kv"])
def test_streaming_read_starts_with_the_latest_row_of_each_key(api: Any, mode: str) -> None:
    name = _stream(api, mode)
    api.ingest(name, ["k", "v"], [["a", 1], ["b", 2], ["a", 3]])
    stream = api.query(f"SELECT k, v FROM {name}")
    try:
        assert stream.rows(at_least=2) == [["b", 2], ["a", 3]]
        api.ingest(name, ["k", "v"], [["c", 4], ["b", 5]])
        assert stream.rows(at_least=2) == [["c", 4], ["b", 5]]  # new rows as they come
    finally:
        stream.close()


def test_deleted_keys_are_not_replayed(api: Any) -> None:
    name = _stream(api, "changelog_kv")
    api.ingest(name, ["k", "v"], [["a", 1], ["b", 2]])
    api.ingest(name, ["k", "v", "_tp_delta"], [["a", 1, -1]])
    stream = api.query(f"SELECT k, v FROM {name}", batching_policy={"count": 1, "time_ms": 10})
    try:
        assert stream.rows(at_least=1) == [["b", 2]]
        api.ingest(name, ["k", "v"], [["z", 9]])
        assert stream.rows(at_least=1) == [["z", 9]]  # "a" never came out
    finally:
        stream.close()


def test_append_streams_and_explicit_seek_keep_their_start(api: Any) -> None:
    append = _stream(api, "append")
    kv = _stream(api, "versioned_kv")
    for name in (append, kv):
        api.ingest(name, ["k", "v"], [["old", 1]])
    plain = api.query(f"SELECT k, v FROM {append}")
    seek = api.query(f"SELECT k, v FROM {kv} SETTINGS seek_to='latest'")
    try:
        for name in (append, kv):
            api.ingest(name, ["k", "v"], [["new", 2]])
        assert plain.rows(at_least=1) == [["new", 2]]
        assert seek.rows(at_least=1) == [["new", 2]]
    finally:
        plain.close()
        seek.close()


def test_aggregation_over_a_kv_stream_counts_its_existing_state(api: Any) -> None:
    name = _stream(api, "versioned_kv")
    api.ingest(name, ["k", "v"], [["a", 1], ["b", 2], ["a", 5]])
    stream = api.query(f"SELECT count() AS c, sum(v) AS s FROM {name} EMIT PERIODIC 200ms",
                       batching_policy={"count": 100, "time_ms": 20})
    try:
        api.ingest(name, ["k", "v"], [["c", 10]])
        assert stream.rows(at_least=1) == [["3", "17"]]
    finally:
        stream.close()
