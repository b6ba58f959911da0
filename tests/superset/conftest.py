"""Fixtures shared by the Superset tests: streams on the emulator, and a query's driver error."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any, Callable

import pytest

import timeplus_dbapi

StreamFactory = Callable[..., tuple[Any, str]]


@pytest.fixture
def new_stream(timeplus_dsn: str) -> Iterator[StreamFactory]:
    """``new_stream(prefix, columns, **create_options)`` -> (connection, name): a stream with a
    unique name on a historical-mode connection; dropped (and the connection closed) after."""
    conn = timeplus_dbapi.connect(timeplus_dsn, query_mode="table")
    names: list[str] = []

    def create(prefix: str, columns: Sequence[tuple[str, str]], **options: Any) -> tuple[Any, str]:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        conn.client.create_stream(name, list(columns), **options)
        names.append(name)
        return conn, name

    try:
        yield create
    finally:
        for name in names:
            conn.client.delete_stream(name, if_exists=True)
        conn.close()


def query_error(dsn: str, sql: str, **connect: Any) -> Exception:
    """The driver exception that running ``sql`` (historical mode) raises."""
    conn = timeplus_dbapi.connect(dsn, query_mode="table", timeout=10, **connect)
    try:
        with pytest.raises(timeplus_dbapi.Error) as caught:
            conn.cursor().execute(sql)
        return caught.value
    finally:
        conn.close()
