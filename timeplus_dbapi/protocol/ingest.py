"""Ingest payloads: compact JSON bodies (``{"columns": [...], "data": [[...], ...]}``) cut into
size-capped requests, and the content types of the four ingest formats.

Rows are pulled from the caller's iterable block by block, so an arbitrarily long iterable never
sits in memory at once; each block is encoded with one call of the caller's encoder.

Every ingest request carries ``x-timeplus-idempotent-id`` (:data:`IDEMPOTENT_ID_HEADER`), a fresh
UUID per body, the same on each re-send of that body: Timeplus Enterprise (and the emulator)
store a body seen with the same id only once, which makes re-sending after a lost answer safe.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Callable, Optional

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "IDEMPOTENT_ID_HEADER",
    "INGEST_CONTENT_TYPES",
    "iter_compact_bodies",
    "iter_compact_bodies_marked",
    "normalize_format",
]

DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
IDEMPOTENT_ID_HEADER = "x-timeplus-idempotent-id"
_FIRST_BLOCK_ROWS = 1000
_MAX_BLOCK_ROWS = 50_000
# A block aims at 1/_BLOCK_FRACTION of the cap; a body is sent once less than
# 1/_CLOSE_FRACTION of the cap is left (so bodies are >= ~98% full when rows are small).
_BLOCK_FRACTION = 32
_CLOSE_FRACTION = 64

INGEST_CONTENT_TYPES = {
    "compact": "application/json",
    "streaming": "application/x-ndjson",
    "raw": "text/plain",
    "lines": "text/plain;format=lines",
}

_FORMAT_SPELLINGS = {
    "compact": "compact",
    "compat": "compact",
    "json": "compact",
    "streaming": "streaming",
    "stream": "streaming",
    "ndjson": "streaming",
    "raw": "raw",
    "lines": "lines",
}

EncodeRows = Callable[[Sequence[Any]], bytes]
CheckRows = Callable[[Sequence[Any], int], None]  # (block, number of its first row)
_Block = tuple[list[Any], bytes]  # (rows, their encoded JSON array)


def normalize_format(name: str) -> str:
    """Canonical ingest format name; raises ValueError for an unknown one."""
    found = _FORMAT_SPELLINGS.get(name.strip().lower())
    if found is None:
        raise ValueError(f"unknown ingest format {name!r}; use compact, streaming, raw or lines")
    return found


def _encoded_blocks(
    rows: Iterable[Any],
    encode_rows: EncodeRows,
    max_bytes: int,
    check_rows: Optional[CheckRows] = None,
) -> Iterator[_Block]:
    """Yield (rows, encoded JSON array) blocks of about ``max_bytes / _BLOCK_FRACTION`` each.

    The block size is re-estimated from the bytes per row seen in the previous block. Each
    block read from ``rows`` goes to ``check_rows`` (with the number of its first row) before
    it is encoded, so rows are checked as they are read, never ahead of the encoder.
    """
    iterator = iter(rows)
    block_rows = _FIRST_BLOCK_ROWS
    first = 0
    while True:
        block = list(itertools.islice(iterator, block_rows))
        if not block:
            return
        if check_rows is not None:
            check_rows(block, first)
        first += len(block)
        encoded = encode_rows(block)
        yield block, encoded
        per_row = max(1, len(encoded) // len(block))
        block_rows = max(1, min(_MAX_BLOCK_ROWS, max_bytes // (_BLOCK_FRACTION * per_row)))


def _split(block: _Block, encode_rows: EncodeRows) -> tuple[_Block, _Block]:
    """The two halves of a block, each re-encoded (at most twice the block's bytes in all)."""
    rows = block[0]
    half = len(rows) // 2
    head, tail = rows[:half], rows[half:]
    return (head, encode_rows(head)), (tail, encode_rows(tail))


class _Body:
    """One request body being filled: the encoded row arrays' insides and its exact size."""

    def __init__(self, prefix: bytes) -> None:
        self.prefix = prefix
        self.parts: list[bytes] = []
        self.size = len(prefix) + 2  # prefix + "]}"
        self.count = 0

    def added_size(self, encoded: bytes) -> int:
        """The body size once ``encoded`` (a JSON array) is appended: brackets off, comma on."""
        return self.size + len(encoded) - 2 + (1 if self.parts else 0)

    def add(self, block: _Block) -> None:
        rows, encoded = block
        self.size = self.added_size(encoded)
        self.parts.append(encoded[1:-1])
        self.count += len(rows)

    def render(self) -> tuple[bytes, int]:
        return self.prefix + b",".join(self.parts) + b"]}", self.count


def iter_compact_bodies(
    columns: Sequence[str],
    rows: Iterable[Any],
    encode_rows: EncodeRows,
    max_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> Iterator[tuple[bytes, int]]:
    """Yield (request body, row count) for compact-format ingest, each body at most ``max_bytes``.

    See :func:`iter_compact_bodies_marked`, which also says which body is the last.
    """
    for body, count, _ in iter_compact_bodies_marked(columns, rows, encode_rows, max_bytes):
        yield body, count


def iter_compact_bodies_marked(
    columns: Sequence[str],
    rows: Iterable[Any],
    encode_rows: EncodeRows,
    max_bytes: int = DEFAULT_MAX_BODY_BYTES,
    check_rows: Optional[CheckRows] = None,
) -> Iterator[tuple[bytes, int, bool]]:
    """Yield (request body, row count, is_last) for compact-format ingest, bodies <= ``max_bytes``.

    ``is_last`` is True for a body sent because the rows ran out (nothing follows it); a body
    sent because it is full says False even if no row happens to follow.

    Bodies are filled to within ``max_bytes / _CLOSE_FRACTION`` of the cap: a block that does not
    fit is split in halves (re-encoded) until its head fits or the body is full enough to send.
    Every row is sent exactly once, in order. A single row larger than ``max_bytes`` is sent alone
    rather than dropped or split. ``check_rows`` sees each block of rows as it is read.
    """
    prefix = b'{"columns":' + json.dumps(list(columns), ensure_ascii=False).encode() + b',"data":['
    blocks = _encoded_blocks(rows, encode_rows, max_bytes, check_rows)
    pending: list[_Block] = []  # split halves waiting, next one last
    body = _Body(prefix)
    while True:
        block = pending.pop() if pending else next(blocks, None)
        if block is None:
            break
        if body.added_size(block[1]) <= max_bytes:
            body.add(block)
            continue
        room = max_bytes - body.size
        if len(block[0]) > 1 and (not body.parts or room >= max_bytes // _CLOSE_FRACTION):
            head, tail = _split(block, encode_rows)
            pending.extend((tail, head))
            continue
        if body.parts:
            yield (*body.render(), False)
            body = _Body(prefix)
            pending.append(block)  # retried against the empty body
        else:
            body.add(block)  # one row over the cap: sent alone
    if body.parts:
        yield (*body.render(), True)
