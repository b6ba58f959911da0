"""Dialect edge cases found in review (round-trips through the emulator, and compilation)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.integration


def _wait_for_rows(engine: sa.engine.Engine, table: sa.Table, count: int) -> list[sa.Row]:
    deadline = time.monotonic() + 5
    while True:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(table)).fetchall()
        if len(rows) >= count or time.monotonic() > deadline:
            return list(rows)
        time.sleep(0.1)


def test_large_binary_round_trips_as_bytes(profile_engine, stream_name):
    """A LargeBinary column is a ``string`` stream column; reading it gave TypeError."""
    table = sa.Table(
        stream_name,
        sa.MetaData(),
        sa.Column("k", sa.Integer),
        sa.Column("blob", sa.LargeBinary, nullable=True),
    )
    table.create(profile_engine)
    try:
        with profile_engine.begin() as conn:
            conn.execute(table.insert(), [{"k": 1, "blob": b"ab\x00c"}, {"k": 2, "blob": None}])
        rows = sorted(_wait_for_rows(profile_engine, table, 2))
        assert rows == [(1, b"ab\x00c"), (2, None)]
    finally:
        table.drop(profile_engine)
