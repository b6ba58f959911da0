"""StreamingResult end-of-stream rules, fed from bytes through a real client object whose
server is unreachable (so the best-effort cancel on close fails quietly). No server needed."""

from __future__ import annotations

import itertools
import json

import pytest

import timeplus_dbapi as db
from timeplus_dbapi.client import QueryHandle, TimeplusClient
from timeplus_dbapi.protocol.http import HttpConfig, HttpTransport
from timeplus_dbapi.protocol.query import QueryEventStream
from timeplus_dbapi.result import StreamingResult

HEADER = {
    "id": "q-1",
    "status": "running",
    "result": {
        "header": [{"name": "n", "type": "int64"}, {"name": "s", "type": "nullable(string)"}]
    },
}


class BytesResponse:
    """Stands in for the HTTP response object: only close() is used by the handle."""

    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def sse(*events: tuple[str, object]) -> bytes:
    out = b""
    for name, obj in events:
        out += (
            (f"event: {name}\n".encode() if name else b"")
            + b"data: "
            + json.dumps(obj).encode()
            + b"\n\n"
        )
    return out


@pytest.fixture
def client():
    transport = HttpTransport(HttpConfig(base_url="http://127.0.0.1:9/default/api", timeout=1))
    yield TimeplusClient(transport)
    transport.close()


def result_from(client, chunks, *, limit_rows=None, idle_timeout=None):
    handle = QueryHandle(client, BytesResponse(), QueryEventStream(iter(chunks)))
    return StreamingResult(handle, limit_rows=limit_rows, idle_timeout=idle_timeout)


def test_rows_and_final_status(client):
    data = sse(
        ("query", HEADER),
        ("", [["1", "a"], ["2", None]]),
        ("query", {"id": "q-1", "status": "finished"}),
    )
    result = result_from(client, [data])
    assert result.fetchall() == [(1, "a"), (2, None)]
    assert result.handle.response.closed


def test_bounded_stream_without_final_status_raises(client):
    result = result_from(client, [sse(("query", HEADER), ("", [["1", "a"]]))])
    assert result.fetchone() == (1, "a")
    with pytest.raises(db.OperationalError, match="final status") as info:
        result.fetchone()
    assert info.value.query_id == "q-1"


def test_streaming_limit_query_may_end_without_final_status(client):
    result = result_from(client, [sse(("query", HEADER), ("", [["1", "a"]]))], limit_rows=1)
    assert result.fetchall() == [(1, "a")]


@pytest.mark.parametrize("limit", [2, 1000])
def test_streaming_limit_query_ending_short_of_its_limit_raises(client, limit):
    """LIMIT 1000 and a clean end after 2 rows... or 1: rows were lost either way."""
    data = sse(("query", HEADER), ("", [["1", "a"]]))
    with pytest.raises(db.OperationalError, match="final status after 1 rows"):
        result_from(client, [data], limit_rows=limit).fetchall()


def test_historical_query_needs_finished_even_at_its_limit(client):
    """The server's header says historical (analysis.is_streaming false): no LIMIT excuses a
    missing final status, even when the row count matches."""
    header = dict(HEADER, analysis={"is_streaming": False})
    data = sse(("query", header), ("", [["1", "a"]]))
    with pytest.raises(db.OperationalError, match="final status"):
        result_from(client, [data], limit_rows=1).fetchall()
    canceled = data + sse(("query", {"id": "q-1", "status": "canceled"}))
    with pytest.raises(db.OperationalError, match="canceled"):
        result_from(client, [canceled], limit_rows=1).fetchall()


def test_failed_status_is_a_database_error_with_the_message(client):
    data = sse(
        ("query", HEADER), ("query", {"id": "q-1", "status": "failed", "message": "Too many parts"})
    )
    with pytest.raises(db.DatabaseError, match="Too many parts") as info:
        result_from(client, [data]).fetchall()
    assert info.value.query_id == "q-1"


def test_error_event_without_id_after_rows(client):
    data = sse(
        ("query", HEADER),
        ("", [["1", "a"]]),
        ("", {"code": 241, "message": "Memory limit exceeded"}),
    )
    result = result_from(client, [data])
    assert result.fetchone() == (1, "a")
    with pytest.raises(db.OperationalError, match="Memory limit") as info:
        result.fetchone()
    assert info.value.code == 241


def test_idle_timeout_ends_after_ticks_without_rows(client):
    ticks = itertools.repeat(sse(("metrics", {"count": 0})))
    chunks = itertools.chain([sse(("query", HEADER), ("", [["1", "x"]]))], ticks)
    result = result_from(client, chunks, idle_timeout=0.2)
    assert result.fetchall() == [(1, "x")]  # ended by idle time, not by the (endless) stream
    assert result.handle.closed


def test_an_endless_stream_is_read_lazily(client):
    def endless():
        yield sse(("query", HEADER))
        for i in itertools.count():
            yield sse(("", [[str(i), "v"]] * 100))

    result = result_from(client, endless())
    first = result.fetchmany(1000)
    assert len(first) == 1000 and first[0] == (0, "v")
    assert len(result.rows) <= 100  # one batch held, never the stream
    result.close()
    assert result.handle.closed


def test_canceled_status_ends_a_limit_query_but_fails_others(client):
    data = sse(
        ("query", HEADER), ("", [["1", "a"]]), ("query", {"id": "q-1", "status": "canceled"})
    )
    assert result_from(client, [data], limit_rows=1).fetchall() == [(1, "a")]
    for limit in (None, 2):  # no LIMIT, or canceled before the LIMIT was reached
        with pytest.raises(db.OperationalError, match="canceled"):
            result_from(client, [data], limit_rows=limit).fetchall()


def _three_batches() -> bytes:
    return sse(
        ("query", HEADER),
        ("", [["1", "a"], ["2", "b"]]),
        ("", [["3", "c"]]),
        ("", [["4", "d"], ["5", "e"], ["6", "f"]]),
        ("query", {"id": "q-1", "status": "finished"}),
    )


def test_iteration_and_fetch_calls_share_one_position_across_batches(client):
    result = result_from(client, [_three_batches()])
    rows = result.iter_rows()
    assert next(rows) == (1, "a")
    assert result.fetchone() == (2, "b")
    assert next(rows) == (3, "c")              # the next batch, read by the iterator
    assert result.fetchmany(2) == [(4, "d"), (5, "e")]
    assert result.pos == 2 and len(result.rows) == 3
    assert list(rows) == [(6, "f")]
    assert result.fetchone() is None and result.fetchall() == []


def test_a_result_closed_while_iterating_stops_its_iterator(client):
    result = result_from(client, [_three_batches()])
    rows = result.iter_rows()
    assert next(rows) == (1, "a")
    result.close("the cursor is closed")
    with pytest.raises(db.InterfaceError, match="cursor is closed"):
        next(rows)                             # not (2, "b") from the batch it held
    result = result_from(client, [_three_batches()])
    rows = result.iter_rows()
    assert next(rows) == (1, "a")
    result.close()                             # cancel(): the rows just end
    assert list(rows) == []


def test_raw_batches_after_some_rows_start_at_the_first_row_not_fetched(client):
    result = result_from(client, [_three_batches()])
    assert result.fetchone() == (1, "a")
    assert list(result.raw_batches()) == [[["2", "b"]], [["3", "c"]],
                                          [["4", "d"], ["5", "e"], ["6", "f"]]]


@pytest.mark.parametrize("ending, error", [
    (("query", {"id": "q-1", "status": "failed", "message": "Too many parts"}), db.DatabaseError),
    (("", {"code": 241, "message": "Memory limit exceeded"}), db.OperationalError),
    (None, db.OperationalError),                   # the body ends without a final status
    (("", [["x", "bad int"]]), db.DataError),      # a value the converters refuse
])
@pytest.mark.parametrize("read", ["iterate", "fetchmany", "fetchall"])
def test_an_error_after_rows_raises_from_every_read_never_a_short_result(client, ending, error,
                                                                         read):
    events = [("query", HEADER), ("", [["1", "a"], ["2", "b"]]), ("", [["3", "c"]])]
    data = sse(*events, *([ending] if ending else []))
    result = result_from(client, [data])
    got: list[tuple[object, ...]] = []
    with pytest.raises(error):
        if read == "iterate":
            for row in result.iter_rows():
                got.append(row)
        elif read == "fetchmany":
            while rows := result.fetchmany(2):
                got.extend(rows)
        else:
            got.extend(result.fetchall())
    # rows handed out before the error are the first ones; the error is never swallowed
    assert got == [(1, "a"), (2, "b"), (3, "c")][: len(got)]
    assert read != "iterate" or len(got) == 3
