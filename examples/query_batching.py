"""A streaming query with a batching policy: rows ingested after the query started arrive in
batches of at most ``count`` rows or every ``time_ms`` milliseconds.

    python examples/query_batching.py [DSN]        (or set TIMEPLUS_URL)
"""

from __future__ import annotations

import os
import sys
import threading
import uuid

import timeplus_dbapi

DSN = (
    sys.argv[1]
    if len(sys.argv) > 1
    else os.environ.get("TIMEPLUS_URL", "timeplus://localhost:8000/default")
)


def main() -> None:
    with timeplus_dbapi.connect(DSN) as conn, timeplus_dbapi.connect(DSN) as writer:
        name = f"example_batching_{uuid.uuid4().hex[:8]}"
        conn.client.create_stream(name, [("n", "int64"), ("label", "string")])
        try:
            cur = conn.cursor()
            cur.execute(
                f"SELECT n, label FROM {name} LIMIT 10",
                batching_policy={"count": 4, "time_ms": 200},
                idle_timeout=30,
            )
            print(f"query {cur.query_id} columns: {[d[0] for d in cur.description]}")
            rows = [[i, f"event-{i}"] for i in range(10)]
            threading.Timer(0.3, writer.client.ingest, (name, ["n", "label"], rows)).start()
            received = 0
            while True:
                batch = cur.fetchmany(4)
                if not batch:
                    break
                received += len(batch)
                print(f"batch of {len(batch)}: {[n for n, _ in batch]}")
            print(f"received {received} rows")
        finally:
            conn.client.delete_stream(name, if_exists=True)


if __name__ == "__main__":
    main()
