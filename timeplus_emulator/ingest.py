"""Ingest bodies (PROTOCOL.md §6) cut into pieces of whole rows for chDB.

Owns: turning a request body in one of the four ingest formats into an :class:`IngestBody`,
whose ``pieces()`` yields chDB input text of about :data:`PIECE_CHARS` characters each, cut
between rows. The body is decoded and parsed incrementally, so memory stays a small multiple
of the body however many rows it holds (a whole-body ``json.loads`` took a 95 MiB compact
body to 3.5 GB of RSS). :func:`timeplus_emulator.ingest_store.store_rows` inserts the
pieces through one staging table, so a body is stored whole or not at all.

* ``compact`` ``{"columns": [...], "data": [[...], ...]}``: rows are parsed one by one
  (each must be a list with one value per column, code 117 otherwise) and sent as
  ``JSONCompactEachRow`` text exactly as written (integers beyond 64 bits stay exact).
  Keys may come in any order; other keys are ignored.
* ``streaming``: concatenated JSON objects, sent as ``JSONEachRow`` (chDB parses them; the
  pieces are cut between objects, outside strings, without decoding them in Python).
* ``lines``: one row per non-empty line (``LineAsString``), cut at line ends.
* ``raw``: the whole body is one row (``RawBLOB``), so it is one piece.

Errors are :class:`~timeplus_emulator.backend.EngineError` with code 117, raised while the
pieces are produced: nothing has been stored yet when they surface.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Callable, Optional

from timeplus_emulator.backend import EngineError

INCORRECT_DATA = 117
PIECE_CHARS = 1 << 20  # a piece is cut after the first row that reaches this many characters
READ_BYTES = 1 << 20  # bytes decoded per refill (refills double while one value is longer)
_WS = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder()
_OBJECT_GAP = re.compile(rb"\}[ \t\r\n]*,?[ \t\r\n]*\{")
_ESCAPE = re.compile(rb"\\.", re.DOTALL)


@dataclass(frozen=True)
class IngestBody:
    """A parsed ingest request: target columns (``None``: from the rows), the chDB input
    format, and a generator of its pieces."""

    columns: Optional[list[str]]
    chdb_format: str
    pieces: Callable[[], Iterator[str]]


def parse_ingest_body(fmt: str, raw: bytes) -> IngestBody:
    """The body of ``fmt`` (compact|streaming|raw|lines); compact columns are read here."""
    if fmt == "raw":
        return IngestBody(["raw"], "RawBLOB", lambda: iter([_decode_all(raw)]))
    if fmt == "lines":
        return IngestBody(["raw"], "LineAsString", lambda: _line_pieces(raw))
    if fmt == "streaming":
        return IngestBody(None, "JSONEachRow", lambda: _object_pieces(raw))
    columns = _compact_columns(raw)
    return IngestBody(columns, "JSONCompactEachRow", lambda: _compact_pieces(raw, columns))


class _Text:
    """The body decoded as it is scanned: ``buf`` holds the text from ``mark`` (the start
    of the piece being built) onwards; ``pos`` is the scan position in ``buf``."""

    def __init__(self, raw: bytes, what: str) -> None:
        self._raw = raw
        self._offset = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._what = what
        self.buf = ""
        self.pos = 0
        self.mark = 0

    def refill(self, at_least: int = READ_BYTES) -> bool:
        """Decode more of the body (dropping text before ``mark``); False at its end."""
        if self._offset >= len(self._raw):
            return False
        size = max(at_least, READ_BYTES)
        chunk = self._raw[self._offset:self._offset + size]
        self._offset += len(chunk)
        try:
            text = self._decoder.decode(chunk, final=self._offset >= len(self._raw))
        except UnicodeDecodeError as exc:
            raise EngineError(INCORRECT_DATA, f"ingest body is not valid UTF-8: {exc}") from None
        self.buf = self.buf[self.mark:] + text
        self.pos -= self.mark
        self.mark = 0
        return True

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the body), skipping blanks."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.refill():
                return ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.error(f"expected {char!r}")
        self.pos += 1

    def value(self) -> tuple[Any, int]:
        """Decode the JSON value at ``pos`` (after blanks); (value, its start in ``buf``)."""
        self.peek()
        while True:
            start = self.pos
            try:
                value, end = _DECODER.raw_decode(self.buf, start)
            except json.JSONDecodeError as exc:
                if self.refill(len(self.buf) - self.mark):
                    continue
                raise self.error(str(exc)) from None
            except (RecursionError, ValueError) as exc:  # too deep; an int over 4300 digits
                raise self.error(str(exc)) from None
            if end == len(self.buf) and self.refill():
                continue  # a number may go on in the next bytes
            self.pos = end
            return value, start

    def take(self) -> str:
        """The text from ``mark`` to ``pos``; the next piece starts after it."""
        piece = self.buf[self.mark:self.pos]
        self.mark = self.pos
        return piece

    def error(self, detail: str) -> EngineError:
        return EngineError(INCORRECT_DATA, f"{self._what} is not valid JSON: {detail}")


def _decode_all(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EngineError(INCORRECT_DATA, f"ingest body is not valid UTF-8: {exc}") from None


def _line_pieces(raw: bytes) -> Iterator[str]:
    """Non-empty lines (``\r\n`` or ``\n`` ends; CR/LF stripped at the body's two ends),
    cut after a line end."""
    start = 0
    while start < len(raw):
        cut = raw.find(b"\n", start + PIECE_CHARS)
        stop = len(raw) if cut < 0 else cut + 1
        text = _decode_all(raw[start:stop])
        if start == 0:
            text = text.lstrip("\r\n")
        if stop == len(raw):
            text = text.rstrip("\r\n")
        lines = "\n".join(line for line in text.replace("\r\n", "\n").split("\n") if line)
        if lines:
            yield lines
        start = stop


def _object_pieces(raw: bytes) -> Iterator[str]:
    """JSONEachRow pieces, cut where one top-level object ends and the next begins (``}``
    then ``{``, blanks or one comma between); chDB parses the objects themselves.

    A candidate gap is a cut only outside strings (even count of unescaped quotes since
    the piece began) and at nesting depth 0 (brackets outside strings balance), which is
    exact for valid JSON; invalid JSON fails in chDB, which then stores nothing.
    """
    start = 0
    while start < len(raw):
        cut = stop = len(raw)
        scanned, odd, depth = start, False, 0
        for match in _OBJECT_GAP.finditer(raw, start + PIECE_CHARS):
            odd, depth = _scan_structure(raw[scanned:match.start() + 1], odd, depth)
            scanned = match.start() + 1
            if not odd and depth == 0:
                cut, stop = scanned, match.end() - 1
                break
        piece = _decode_all(raw[start:cut]).strip()
        if piece:
            yield piece
        start = stop


def _scan_structure(segment: bytes, odd: bool, depth: int) -> tuple[bool, int]:
    """(inside a string?, nesting depth) after ``segment``, given both before it."""
    parts = _ESCAPE.sub(b"", segment).split(b'"')
    outside = b"".join(parts[1::2] if odd else parts[0::2])
    depth += outside.count(b"{") + outside.count(b"[") - outside.count(b"}") - \
        outside.count(b"]")
    return odd != (len(parts) % 2 == 0), depth


_SHAPE = "compact ingest body must be a JSON object {\"columns\": [...], \"data\": [...]}"
_NEEDS_COLUMNS = "compact ingest body needs 'columns', a list of column names"
_NEEDS_DATA = "compact ingest body needs 'data', a list of rows (lists)"


def _top_level_keys(text: _Text) -> Iterator[str]:
    """Walk the top-level object, yielding each key with ``pos`` at its value; the caller
    must consume the value before asking for the next key."""
    if text.peek() != "{":
        raise EngineError(INCORRECT_DATA, _SHAPE)
    text.pos += 1
    if text.peek() == "}":
        text.pos += 1
    else:
        while True:
            key, _ = text.value()
            if not isinstance(key, str):
                raise text.error("object keys must be strings")
            text.expect(":")
            yield key
            if text.peek() == ",":
                text.pos += 1
                continue
            text.expect("}")
            break
    if text.peek():
        raise text.error("extra data after the object")


def _compact_columns(raw: bytes) -> list[str]:
    """The ``columns`` of a compact body, checked; rows before them are parsed and skipped."""
    text = _Text(raw, "compact ingest body")
    columns: Any = None
    for key in _top_level_keys(text):
        if key == "columns":
            columns, _ = text.value()
            break
        if key == "data":
            for _ in _rows(text, None):
                pass
        else:
            text.value()
        text.mark = text.pos  # skipped values need not stay in memory
    if not isinstance(columns, list) or not columns or \
            not all(isinstance(c, str) for c in columns):
        raise EngineError(INCORRECT_DATA, _NEEDS_COLUMNS)
    return columns


def _compact_pieces(raw: bytes, columns: list[str]) -> Iterator[str]:
    text = _Text(raw, "compact ingest body")
    found = False
    for key in _top_level_keys(text):
        if key == "data":
            if found:
                raise EngineError(INCORRECT_DATA, "compact ingest body has 'data' twice")
            found = True
            yield from _rows(text, len(columns))
        else:
            text.value()
            text.mark = text.pos
    if not found:
        raise EngineError(INCORRECT_DATA, _NEEDS_DATA)


def _rows(text: _Text, width: Optional[int]) -> Iterator[str]:
    """Pieces of the ``data`` array at ``pos`` (``width``: values per row, if known)."""
    if text.peek() != "[":
        raise EngineError(INCORRECT_DATA, _NEEDS_DATA)
    text.pos += 1
    index = in_piece = 0
    while text.peek() != "]":
        if index:
            text.expect(",")
        row, start = text.value()
        if not isinstance(row, list):
            raise EngineError(INCORRECT_DATA, _NEEDS_DATA)
        if width is not None and len(row) != width:
            raise EngineError(INCORRECT_DATA, f"row {index} has {len(row)} values but there "
                              f"are {width} columns")
        index += 1
        if not in_piece:
            text.mark = start
        in_piece += 1
        if text.pos - text.mark >= PIECE_CHARS:
            yield text.take()
            in_piece = 0
    if in_piece:
        yield text.take()
    text.pos += 1
    text.mark = text.pos
