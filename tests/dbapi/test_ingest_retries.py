"""Safe ingest retries (issue 13, item 4): every ingest body carries its own
``x-timeplus-idempotent-id`` and is re-sent with it after a lost connection, 5xx or 429; the
server stores it once, so no row is lost or duplicated and ``rows_accepted`` stays exact.

The fault-injected runs ingest 100,000 rows here and 1,000,000 behind ``slow`` (``--run-slow``),
arming the emulator's faults from inside the row iterable, so they strike all along the ingest.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest

import timeplus_dbapi as db

sys.path.insert(0, str(Path(__file__).parent))
from loopback import Pieces, Received, response

pytestmark = pytest.mark.integration

HEADER = "x-timeplus-idempotent-id"
COLUMNS = [("id", "int64"), ("s", "string")]

Arm = Callable[[Any], None]
FAULT_CYCLE: list[tuple[str, Arm]] = [
    ("stored, answer lost", lambda faults: faults.drop_after_ingest(1)),
    ("503 twice", lambda faults: faults.fail_next(2, status=503, path_contains="/ingest")),
    ("429", lambda faults: faults.fail_next(1, 429, retry_after=0, path_contains="/ingest")),
    ("500", lambda faults: faults.fail_next(1, status=500, path_contains="/ingest")),
    ("stored, answer lost, then 503", lambda faults: (
        faults.drop_after_ingest(1), faults.fail_next(1, 503, path_contains="/ingest"))),
]


def _rows_arming_faults(
    faults: Any, total: int, every: int, armed: list[str]
) -> Iterator[tuple[int, str]]:
    """Rows ``(i, "row-i")``; every ``every`` rows the next fault of the cycle is armed, unless
    the previous one has not struck yet. Nothing is armed in the last stretch (it could be
    left unclaimed)."""
    for i in range(total):
        if i % every == every // 2 and i < total - every:
            pending = faults.snapshot()
            if not pending["fail_count"] and not pending["drop_after_ingest"]:
                name, arm = FAULT_CYCLE[len(armed) % len(FAULT_CYCLE)]
                arm(faults)
                armed.append(name)
        yield i, f"row-{i}"


def _ingest_under_faults(emulator: Any, emu_conn: Any, emu_stream: Any, total: int) -> None:
    stream = emu_stream(COLUMNS)
    client = emu_conn.client
    client.ingest_max_bytes = 64 * 1024  # ~35 bodies per 100k rows: faults land all along
    before = emulator.request_counts.get("ingest", 0)
    armed: list[str] = []
    rows = _rows_arming_faults(emulator.faults, total, max(total // 10, 1), armed)
    assert client.ingest(stream, ["id", "s"], rows) == total
    sent = emulator.request_counts.get("ingest", 0) - before
    cursor = emu_conn.cursor()
    cursor.execute(
        f"SELECT count(), count(DISTINCT id), min(id), max(id) FROM table({stream})",
        query_mode="table",
    )
    assert cursor.fetchone() == (total, total, 0, total - 1)  # none lost, none twice
    pending = emulator.faults.snapshot()
    assert (pending["fail_count"], pending["drop_after_ingest"]) == (0, 0)  # all struck
    assert len(armed) >= 8, armed
    assert sent >= total * 22 // client.ingest_max_bytes + len(armed)  # retries happened


def test_100k_rows_under_faults_arrive_exactly_once(
    emulator: Any, emu_conn: Any, emu_stream: Any
) -> None:
    _ingest_under_faults(emulator, emu_conn, emu_stream, 100_000)


@pytest.mark.slow
def test_1m_rows_under_faults_arrive_exactly_once(
    emulator: Any, emu_conn: Any, emu_stream: Any
) -> None:
    _ingest_under_faults(emulator, emu_conn, emu_stream, 1_000_000)


def test_every_body_has_its_own_id_and_a_retry_repeats_it() -> None:
    from loopback import Loopback

    failed_once: set[str] = set()

    def script(request: Received) -> Pieces:
        if request.method != "POST":
            return [(0.0, response(404, b'{"code": 60, "message": "no such stream"}'))]
        key = request.headers.get(HEADER, "")
        if key not in failed_once:
            failed_once.add(key)
            return [(0.0, response(503, b'{"code": 1002, "message": "busy"}'))]
        return [(0.0, response(200, b'{"count": 0}'))]

    server = Loopback(script)
    try:
        with db.connect(server.dsn(), timeout=5, ingest_max_bytes=2000) as conn:
            rows = [(i, "x" * 20) for i in range(300)]
            assert conn.client.ingest("s", ["id", "s"], rows) == 300
            conn.client.ingest_payload("s", b"one line", format="raw")
    finally:
        server.close()
    posts = [r for r in server.received if r.method == "POST"]
    keys = [r.headers[HEADER] for r in posts]
    assert len(posts) >= 8
    assert keys[0::2] == keys[1::2]  # each body: a 503, then the same id again
    assert [r.body for r in posts[0::2]] == [r.body for r in posts[1::2]]
    assert len(set(keys)) == len(posts) // 2  # and a new id for every body


def test_when_retries_run_out_rows_accepted_counts_only_confirmed_bodies(
    emulator: Any, emu_conn: Any, emu_stream: Any
) -> None:
    stream = emu_stream(COLUMNS)
    client = emu_conn.client
    client.ingest_max_bytes = 4096
    rows = [(i, "row") for i in range(2000)]  # several bodies

    def failing_later() -> Iterator[tuple[int, str]]:
        for i, row in enumerate(rows):
            if i == 1000:  # bodies before this are sent; the next ones meet 503s
                emulator.faults.fail_next(10, status=503, path_contains="/ingest")
            yield row

    with pytest.raises(db.OperationalError) as caught:
        client.ingest(stream, ["id", "s"], failing_later())
    accepted = caught.value.rows_accepted
    assert accepted is not None and 0 < accepted < 2000
    cursor = emu_conn.cursor()
    cursor.execute(f"SELECT count() FROM table({stream})", query_mode="table")
    assert cursor.fetchone() == (accepted,)
