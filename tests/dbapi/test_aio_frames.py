"""Columnar reads on the asyncio cursor: the same builders as the sync cursor, awaited."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from decimal import Decimal
from typing import Any

import pytest

import timeplus_dbapi as db
from timeplus_dbapi import aio

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")

pytestmark = pytest.mark.integration

UTC = datetime.timezone.utc
QUERY = (
    "SELECT number AS n, to_string(number) AS s, if(number = 1, NULL, number) AS m, "
    "to_decimal64(number, 2) AS d, to_datetime64('2024-01-02 03:04:05.123456789', 9, 'UTC') AS t "
    "FROM numbers(3)"
)


def run(dsn: str, body: Any) -> Any:
    async def main() -> Any:
        async with await aio.connect(dsn) as conn:
            return await body(conn)

    return asyncio.run(main())


def test_arrow_df_pl_numpy(timeplus_dsn):
    async def body(conn):
        cur = conn.cursor()
        out = {}
        for method in ("arrow", "df", "pl", "fetchnumpy"):
            await cur.execute(QUERY, query_mode="table")
            out[method] = await getattr(cur, method)()
        return out

    got = run(timeplus_dsn, body)
    table = got["arrow"]
    assert [str(f.type) for f in table.schema] == [
        "uint64",
        "string",
        "uint64",
        "decimal128(18, 2)",
        "timestamp[ns, tz=UTC]",
    ]
    assert table.column("m").to_pylist() == [0, None, 2]
    frame = got["df"]
    assert str(frame["m"].dtype) == "UInt64" and frame["m"].isna().tolist() == [False, True, False]
    assert frame["d"].tolist() == [Decimal("0.00"), Decimal("1.00"), Decimal("2.00")]
    assert frame["t"][0] == pd.Timestamp("2024-01-02 03:04:05.123456789", tz="UTC")
    assert got["pl"]["s"].to_list() == ["0", "1", "2"]
    assert got["fetchnumpy"]["n"].tolist() == [0, 1, 2]


def test_record_batches_of_a_live_query(timeplus_dsn):
    async def body(conn):
        name = f"aio_{uuid.uuid4().hex[:12]}"
        await conn.client.create_stream(name, [("n", "int64")])
        try:
            cur = conn.cursor()
            await cur.execute(f"SELECT n FROM {name}", batching_policy={"count": 10, "time_ms": 20})
            batches = cur.fetch_record_batch(rows_per_batch=4)
            await conn.client.ingest(name, ["n"], [[i] for i in range(6)])
            seen = []
            async for batch in batches:
                assert 1 <= batch.num_rows <= 4
                seen.extend(batch.column(0).to_pylist())
                if len(seen) >= 6:
                    break
            await cur.close()
            return seen
        finally:
            await conn.client.delete_stream(name, if_exists=True)

    assert run(timeplus_dsn, body) == list(range(6))


def test_dropped_stream_is_an_error_and_cancels(emulator):
    async def body(conn):
        name = f"aio_{uuid.uuid4().hex[:12]}"
        await conn.client.create_stream(name, [("n", "int64")])
        await conn.client.ingest(name, ["n"], [[i] for i in range(100)])
        emulator.faults.drop_after_events(3)
        cur = conn.cursor()
        await cur.execute(
            f"SELECT n FROM table({name})", batching_policy={"count": 10, "time_ms": 10}
        )
        with pytest.raises(db.OperationalError):
            await cur.df()
        await conn.client.delete_stream(name, if_exists=True)

    run(emulator.dsn, body)
