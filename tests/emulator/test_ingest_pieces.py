"""Ingest bodies cut into pieces (``timeplus_emulator.ingest``), without a server: whatever
the rows hold (separators inside strings, escapes, nesting, non-ASCII), the pieces put back
together are exactly the rows of the body, and each piece ends between rows."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeplus_emulator import ingest
from timeplus_emulator.backend import EngineError

TRICKY = st.sampled_from(['],[', '}{', '}\n{', '},{', '"', '\\', '\\"', '[', '{', '\u00e9',
                          '\U0001f600', '\n', ' '])
TEXT = st.lists(st.one_of(TRICKY, st.text(max_size=5)), max_size=6).map("".join)
SCALAR = st.one_of(st.integers(-(2**70), 2**70), st.floats(allow_nan=False,
                                                            allow_infinity=False), TEXT,
                   st.booleans(), st.none())
VALUE = st.recursive(SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)), max_leaves=6)


@pytest.fixture(autouse=True)
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "PIECE_CHARS", 40)
    monkeypatch.setattr(ingest, "READ_BYTES", 16)


def _parse_all(text: str) -> list[Any]:
    decoder, values, pos = json.JSONDecoder(), [], 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos == len(text):
            return values
        value, pos = decoder.raw_decode(text, pos)
        values.append(value)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(VALUE, VALUE), max_size=12), indent=st.sampled_from([None, 1]),
       data_first=st.booleans())
def test_compact_pieces_are_the_rows(rows: list[tuple[Any, Any]], indent: Any,
                                     data_first: bool) -> None:
    payload = {"data": [list(r) for r in rows], "columns": ["a", "b"]} if data_first else \
        {"columns": ["a", "b"], "extra": {"x": [1]}, "data": [list(r) for r in rows]}
    raw = json.dumps(payload, indent=indent, ensure_ascii=False).encode()
    body = ingest.parse_ingest_body("compact", raw)
    assert body.columns == ["a", "b"] and body.chdb_format == "JSONCompactEachRow"
    pieces = list(body.pieces())
    assert [row for piece in pieces for row in _parse_all(piece)] == [list(r) for r in rows]


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.dictionaries(TEXT, VALUE, max_size=3), max_size=12),
       gap=st.sampled_from(["", "\n", " ,\r\n ", ","]))
def test_streaming_pieces_are_the_objects(rows: list[dict[str, Any]], gap: str) -> None:
    raw = gap.join(json.dumps(r, ensure_ascii=False) for r in rows).encode()
    body = ingest.parse_ingest_body("streaming", raw)
    pieces = list(body.pieces())
    assert [obj for piece in pieces for obj in _parse_all(piece)] == rows
    assert all(p.startswith("{") and p.endswith("}") for p in pieces)


@given(lines=st.lists(st.text(alphabet=st.characters(blacklist_characters="\r\n",
                                                           blacklist_categories=("Cs",)),
                              min_size=1, max_size=30), max_size=12))
def test_lines_pieces_are_the_lines(lines: list[str]) -> None:
    raw = "\r\n\n".join(lines).encode()
    pieces = list(ingest.parse_ingest_body("lines", raw).pieces())
    assert [line for piece in pieces for line in piece.split("\n")] == lines


def test_big_rows_and_many_pieces() -> None:
    rows = [[i, "x" * (i % 97)] for i in range(500)]
    raw = json.dumps({"columns": ["a", "b"], "data": rows}).encode()
    pieces = list(ingest.parse_ingest_body("compact", raw).pieces())
    assert len(pieces) > 10 and all(len(p) < 40 + 200 for p in pieces)
    assert [row for piece in pieces for row in _parse_all(piece)] == rows


@pytest.mark.parametrize(("raw", "message"), [
    (b'{"columns": ["a"], "data": [[1], [1, 2]]}', "row 1 has 2 values but there are 1"),
    (b'{"columns": ["a"], "data": [[1], 2]}', "'data', a list of rows"),
    (b'{"columns": ["a"]}', "'data', a list of rows"),
    (b'{"data": [[1]]}', "'columns', a list of column names"),
    (b'{"columns": [], "data": []}', "'columns', a list of column names"),
    (b'[[1]]', "must be a JSON object"),
    (b'{"columns": ["a"], "data": [[1]] } x', "not valid JSON"),
    (b'{"columns": ["a"], "data": [[1], [2]', "not valid JSON"),
    (b'{"columns": ["a"], "data": [[1]], "data": [[2]]}', "'data' twice"),
    (b'{"columns": ["a"], "data": [["\xff"]]}', "not valid UTF-8"),
])
def test_bad_compact_bodies_fail_while_pieces_are_made(raw: bytes, message: str) -> None:
    with pytest.raises(EngineError) as caught:
        list(ingest.parse_ingest_body("compact", raw).pieces())
    assert caught.value.code == 117 and message in caught.value.message


@given(text=st.text(alphabet="ab\u00e9\r\n ", max_size=200))
def test_lines_collapse_blank_lines_and_strip_the_ends(text: str) -> None:
    """Runs of line ends make one; CR/LF at the body's ends go (as before pieces existed)."""
    expected = re.sub(r"(\r?\n)+", "\n", text).strip("\r\n")
    pieces = list(ingest.parse_ingest_body("lines", text.encode()).pieces())
    assert "\n".join(pieces) == expected
