"""Plain PEP 249 use: DDL, executemany INSERT (sent to the ingest endpoint), parameterised
historical SELECT, description, fetch methods.

    python examples/dbapi_basics.py [DSN]        (or set TIMEPLUS_URL)
"""

from __future__ import annotations

import datetime
import os
import sys
import time
import uuid

import timeplus_dbapi

DSN = (
    sys.argv[1]
    if len(sys.argv) > 1
    else os.environ.get("TIMEPLUS_URL", "timeplus://localhost:8000/default")
)


def main() -> None:
    name = f"example_clicks_{uuid.uuid4().hex[:8]}"
    with timeplus_dbapi.connect(DSN) as conn:
        cur = conn.cursor()
        cur.execute(f"CREATE STREAM {name} (url string, user_id int64, at datetime64(3, 'UTC'))")
        try:
            start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
            rows = [
                (url, user, start + datetime.timedelta(minutes=i))
                for i, (url, user) in enumerate(
                    [("/home", 1), ("/docs", 2), ("/home", 3), ("/home", 1)]
                )
            ]
            cur.executemany(f"INSERT INTO {name} (url, user_id, at) VALUES (%s, %s, %s)", rows)
            print(f"inserted {cur.rowcount} rows")
            time.sleep(0.2)

            cur.execute(
                f"SELECT url, count() AS hits, max(at) AS last FROM table({name}) "
                "WHERE at >= %(since)s GROUP BY url ORDER BY url",
                {"since": start},
            )
            print("columns:", [(d[0], d[1]) for d in cur.description])
            for url, hits, last in cur.fetchall():
                print(f"{url}: {hits} hits, last at {last.isoformat()}")

            cur.execute(
                f"SELECT user_id FROM table({name}) WHERE url = %s ORDER BY user_id", ("/home",)
            )
            print("first:", cur.fetchone(), "next two:", cur.fetchmany(2), "rest:", cur.fetchall())
        finally:
            cur.execute(f"DROP STREAM IF EXISTS {name}")


if __name__ == "__main__":
    main()
