"""SSE framing and the query event stream, fed from bytes (no server)."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeplus_dbapi.protocol.errors import ServerError, StreamError
from timeplus_dbapi.protocol.query import QueryEventStream
from timeplus_dbapi.protocol.sse import SSEEvent, iter_sse_events

STREAM = (
    b'event: query\ndata: {"id":"q1","sql":"select 1","status":"running",'
    b'"result":{"header":[{"name":"a","type":"int64"}]}}\n\n'
    b'data: [["1"],["2"]]\n\n'
    b": keep-alive comment\n\n"
    b'event: metrics\ndata: {"count":2}\n\n'
    b'data: [["3"]]\n\n'
    b'event: query\ndata: {"id":"q1","status":"finished"}\n\n'
)


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for p in points:
        pieces.append(data[last:p])
        last = p
    pieces.append(data[last:])
    return pieces


@given(
    st.lists(st.integers(min_value=0, max_value=10_000), max_size=30),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_events_survive_any_chunking_and_line_ending(cuts, newline):
    data = STREAM.replace(b"\n", newline.encode())
    events = list(iter_sse_events(split_at(data, cuts)))
    assert [e.event for e in events] == ["query", "message", "metrics", "message", "query"]
    assert events[1].data == b'[["1"],["2"]]'


def test_multiline_data_is_joined_with_newline_and_space_is_optional():
    events = list(iter_sse_events([b"data:[1,\ndata: 2]\n\nevent:x\ndata:{}\n\n"]))
    assert events == [SSEEvent("message", b"[1,\n2]"), SSEEvent("x", b"{}")]


def test_incomplete_last_event_is_still_dispatched():
    assert list(iter_sse_events([b"data: [1]"])) == [SSEEvent("message", b"[1]")]


def test_query_stream_header_batches_and_final_status():
    stream = QueryEventStream(iter([STREAM]))
    header = stream.read_header()
    assert header.id == "q1" and [c.name for c in header.columns] == ["a"]
    batches = []
    while (batch := stream.next_batch()) is not None:
        batches.append(batch)
    # [] = the keep-alive comment, then the metrics tick: no rows, but a chance to check idle time
    assert batches == [[["1"], ["2"]], [], [], [["3"]]]
    assert stream.final_status is not None and stream.final_status.status == "finished"


def _stream_of(*events: tuple[str, object]) -> bytes:
    out = b""
    for name, obj in events:
        if name:
            out += f"event: {name}\n".encode()
        out += b"data: " + json.dumps(obj).encode() + b"\n\n"
    return out


HEADER = {"id": "q9", "status": "running", "result": {"header": [{"name": "x", "type": "string"}]}}


def test_failed_final_status_raises_with_message():
    data = _stream_of(
        ("query", HEADER),
        ("", [["a"]]),
        ("query", {"id": "q9", "status": "failed", "message": "Memory limit"}),
    )
    stream = QueryEventStream(iter([data]))
    stream.read_header()
    assert stream.next_batch() == [["a"]]
    with pytest.raises(ServerError, match="Memory limit"):
        stream.next_batch()


def test_failed_status_code_is_read_from_the_message_when_absent():
    data = _stream_of(
        ("query", HEADER), ("query", {"id": "q9", "status": "failed", "message": "Code: 395. boom"})
    )
    stream = QueryEventStream(iter([data]))
    stream.read_header()
    with pytest.raises(ServerError, match="boom") as info:
        stream.next_batch()
    assert info.value.code == 395


def test_error_object_without_id_raises_before_and_after_header():
    error = {"code": 60, "message": "Stream default.x doesn't exist"}
    with pytest.raises(ServerError, match="doesn't exist") as info:
        QueryEventStream(iter([_stream_of(("query", error))])).read_header()
    assert info.value.code == 60
    stream = QueryEventStream(iter([_stream_of(("query", HEADER), ("", error))]))
    stream.read_header()
    with pytest.raises(ServerError):
        stream.next_batch()


def test_end_without_final_status_is_reported():
    stream = QueryEventStream(iter([_stream_of(("query", HEADER), ("", [["a"]]))]))
    stream.read_header()
    assert stream.next_batch() == [["a"]]
    assert stream.next_batch() is None
    assert stream.final_status is None


def test_stream_without_header_and_malformed_data():
    with pytest.raises(StreamError):
        QueryEventStream(iter([b""])).read_header()
    with pytest.raises(StreamError, match="before the query header"):
        QueryEventStream(iter([b"data: [[1]]\n\n"])).read_header()
    stream = QueryEventStream(iter([_stream_of(("query", HEADER)) + b"data: [[1\n\n"]))
    stream.read_header()
    with pytest.raises(StreamError, match="malformed"):
        stream.next_batch()


def test_canceled_final_status_is_an_error_not_an_end():
    data = _stream_of(
        ("query", HEADER), ("", [["a"]]), ("query", {"id": "q9", "status": "canceled"})
    )
    stream = QueryEventStream(iter([data]))
    stream.read_header()
    assert stream.next_batch() == [["a"]]
    with pytest.raises(ServerError, match="canceled") as info:
        stream.next_batch()
    assert info.value.code == 394


@pytest.mark.parametrize("time_columns", [
    {"eventTime": 2, "windowStart": -1, "windowEnd": -1},   # the emulator's reading
    {"eventTime": 0, "windowStart": 0, "windowEnd": 0},     # the specs' only example
    {"eventTime": "_tp_time"},                               # an older emulator's strings
    {},
    None,
])
def test_header_tolerates_any_time_columns(time_columns):
    """``timeColumns`` is opaque to the driver: integers, other values or no key at all."""
    header_event = dict(HEADER)
    if time_columns is not None:
        header_event["timeColumns"] = time_columns
    stream = QueryEventStream(iter([_stream_of(("query", header_event), ("", [["a"]]))]))
    header = stream.read_header()
    assert header.id == "q9" and [c.name for c in header.columns] == ["x"]
    assert stream.next_batch() == [["a"]]
