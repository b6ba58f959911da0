"""Ingest payloads: compact JSON bodies (``{"columns": [...], "data": [[...], ...]}``) cut into
size-capped requests, and the content types of the four ingest formats.

Rows are pulled from the caller's iterable block by block, so an arbitrarily long iterable never
sits in memory at once; each block is encoded with one call of the caller's encoder.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Callable

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "INGEST_CONTENT_TYPES",
    "iter_compact_bodies",
    "normalize_format",
]

DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
_FIRST_BLOCK_ROWS = 1000
_MAX_BLOCK_ROWS = 50_000

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


def normalize_format(name: str) -> str:
    """Canonical ingest format name; raises ValueError for an unknown one."""
    found = _FORMAT_SPELLINGS.get(name.strip().lower())
    if found is None:
        raise ValueError(f"unknown ingest format {name!r}; use compact, streaming, raw or lines")
    return found


def _encoded_blocks(
    rows: Iterable[Any], encode_rows: EncodeRows, max_bytes: int
) -> Iterator[tuple[bytes, int]]:
    """Yield (inner JSON of a row array, row count) pieces, each at most max_bytes when possible."""
    iterator = iter(rows)
    block_rows = _FIRST_BLOCK_ROWS
    while True:
        block = list(itertools.islice(iterator, block_rows))
        if not block:
            return
        pending = [block]
        while pending:
            part = pending.pop()
            encoded = encode_rows(part)
            if len(encoded) > max_bytes and len(part) > 1:
                half = len(part) // 2
                pending.extend((part[half:], part[:half]))
                continue
            yield encoded[1:-1], len(part)
            per_row = max(1, len(encoded) // len(part))
            block_rows = max(1, min(_MAX_BLOCK_ROWS, max_bytes // (4 * per_row)))


def iter_compact_bodies(
    columns: Sequence[str],
    rows: Iterable[Any],
    encode_rows: EncodeRows,
    max_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> Iterator[tuple[bytes, int]]:
    """Yield (request body, row count) for compact-format ingest, each body near ``max_bytes``.

    A single row larger than ``max_bytes`` is sent alone rather than dropped or split.
    """
    prefix = b'{"columns":' + json.dumps(list(columns), ensure_ascii=False).encode() + b',"data":['
    parts: list[bytes] = []
    size = 0
    count = 0
    for inner, n in _encoded_blocks(rows, encode_rows, max_bytes):
        if parts and size + len(inner) + 1 > max_bytes:
            yield prefix + b",".join(parts) + b"]}", count
            parts, size, count = [], 0, 0
        parts.append(inner)
        size += len(inner) + 1
        count += n
    if parts:
        yield prefix + b",".join(parts) + b"]}", count
