"""A live dashboard in one event loop: several streaming queries read as coroutines (no thread
per query), fed by an ingest task, then stopped cleanly (each query cancelled on the server).

python examples/async_dashboard.py [DSN]        (or set TIMEPLUS_URL; needs the ``async`` extra)
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid

from timeplus_dbapi import aio

DSN = (
    sys.argv[1]
    if len(sys.argv) > 1
    else os.environ.get("TIMEPLUS_URL", "timeplus://localhost:8000/default")
)
PANELS = {
    "all clicks": "SELECT page, ms FROM {s}",
    "slow clicks": "SELECT page, ms FROM {s} WHERE ms >= 500",
    "home page": "SELECT page, ms FROM {s} WHERE page = 'home'",
}
EVENTS = [("home", 120), ("cart", 640), ("home", 900), ("search", 80), ("cart", 300)]


async def panel(conn: aio.AsyncConnection, title: str, sql: str, counts: dict[str, int]) -> None:
    """Print each row of a live query as it arrives, until the task is cancelled."""
    async with conn.cursor() as cur:  # leaving the block cancels the query on the server
        await cur.execute(sql)
        async for page, ms in cur:
            counts[title] += 1
            print(f"[{title}] {page} {ms} ms")


async def running(conn: aio.AsyncConnection, stream: str) -> int:
    """How many queries on ``stream`` the server still runs (a cancel takes effect within
    moments: asked again for up to 5 s until none is left)."""
    left = 0
    for _ in range(100):
        queries = await conn.client.list_queries()
        left = sum(stream in str(q.get("sql")) and q.get("status") == "running" for q in queries)
        if not left:
            break
        await asyncio.sleep(0.05)
    return left


async def main() -> None:
    async with await aio.connect(DSN) as conn:
        stream = f"example_clicks_{uuid.uuid4().hex[:8]}"
        await conn.client.create_stream(stream, [("page", "string"), ("ms", "int32")])
        counts = dict.fromkeys(PANELS, 0)
        try:
            tasks = [
                asyncio.ensure_future(panel(conn, title, sql.format(s=stream), counts))
                for title, sql in PANELS.items()
            ]
            await asyncio.sleep(0.5)  # the live queries start before the first event
            cur = conn.cursor()
            await cur.executemany(f"INSERT INTO {stream} (page, ms) VALUES (%s, %s)", EVENTS)
            expected = {"all clicks": 5, "slow clicks": 2, "home page": 2}
            for _ in range(200):  # wait (at most 10 s) for every panel to see its rows
                if counts == expected:
                    break
                await asyncio.sleep(0.05)
            for task in tasks:
                task.cancel()  # stop the dashboard: each panel's query is cancelled
            await asyncio.gather(*tasks, return_exceptions=True)
            print("rows per panel:", counts)
            print("queries still running after stop:", await running(conn, stream))
        finally:
            await conn.client.delete_stream(stream)


if __name__ == "__main__":
    asyncio.run(main())
