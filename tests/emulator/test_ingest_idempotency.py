"""The emulator honours ``x-timeplus-idempotent-id`` on ingest (issue 13, item 4): a body seen
with the same id (same stream) in the last 10 minutes is stored once; memory stays bounded.
Plain HTTP, no driver."""

from __future__ import annotations

import threading
from typing import Any

import requests

from timeplus_emulator.idempotency import IngestDedup

HEADER = "x-timeplus-idempotent-id"


def _count(api: Any, stream: str) -> int:
    return int(api.table(f"SELECT count() FROM table({stream})")[0][0])


def _post(api: Any, stream: str, rows: list[list[Any]], key: Any = None) -> requests.Response:
    headers = {HEADER: key} if key is not None else {}
    body = {"columns": ["a"], "data": rows}
    return api.post(f"/streams/{stream}/ingest", json=body, headers=headers)


def test_a_body_sent_twice_with_one_id_is_stored_once(api: Any) -> None:
    stream = api.create_stream("a int64")
    first = _post(api, stream, [[1], [2], [3]], key="id-1")
    again = _post(api, stream, [[1], [2], [3]], key="id-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json() == again.json() == {"count": 3}  # the retry gets the first answer
    assert _count(api, stream) == 3


def test_other_ids_no_id_and_other_streams_are_stored_each_time(api: Any) -> None:
    stream, other = api.create_stream("a int64"), api.create_stream("a int64")
    for key in ("id-a", "id-b", None, None):
        assert _post(api, stream, [[7]], key=key).status_code == 200
    assert _post(api, other, [[7]], key="id-a").status_code == 200  # ids are per stream
    assert (_count(api, stream), _count(api, other)) == (4, 1)


def test_a_failed_ingest_is_not_remembered(api: Any) -> None:
    stream = api.create_stream("a int64")
    bad = api.post(f"/streams/{stream}/ingest", data=b"{not json", headers={HEADER: "id-x"})
    assert bad.status_code == 400
    assert _post(api, stream, [[1]], key="id-x").status_code == 200
    assert _count(api, stream) == 1


def test_concurrent_requests_with_one_id_store_once(api: Any) -> None:
    stream = api.create_stream("a int64")
    rows = [[i] for i in range(2000)]
    answers: list[int] = []

    def send() -> None:
        answers.append(_post(api, stream, rows, key="same").status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == [200] * 4
    assert _count(api, stream) == 2000


def test_an_overlong_id_is_refused(api: Any) -> None:
    stream = api.create_stream("a int64")
    api.error(_post(api, stream, [[1]], key="x" * 257), 400)
    assert _count(api, stream) == 0


def test_the_memory_of_ids_is_bounded_and_forgets_the_oldest_first() -> None:
    dedup = IngestDedup(remember_s=600, max_ids=3)
    stored: list[str] = []
    for key in ("a", "b", "c", "d"):
        dedup.store_once(("db", "s", key), lambda key=key: stored.append(key) or 1)
    assert len(dedup) == 3
    assert dedup.store_once(("db", "s", "d"), lambda: 99) == (1, False)  # still known
    assert dedup.store_once(("db", "s", "a"), lambda: 99) == (99, True)  # forgotten: stored


def test_ids_are_forgotten_after_their_time() -> None:
    dedup = IngestDedup(remember_s=0.0, max_ids=10)
    assert dedup.store_once(("db", "s", "a"), lambda: 1) == (1, True)
    assert dedup.store_once(("db", "s", "a"), lambda: 2) == (2, True)
    assert len(dedup) == 0  # expired ids are dropped, not kept
