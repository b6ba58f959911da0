"""Ingest in the four formats: compact (rows), streaming (JSON objects), raw (one event), lines.

python examples/ingest.py [DSN]        (or set TIMEPLUS_URL)
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


def wait_for_rows(conn: timeplus_dbapi.Connection, stream: str, expected: int) -> list[tuple]:
    """Historical read of a stream; real servers need a moment before ingested rows show up."""
    cur = conn.cursor()
    deadline = time.monotonic() + 10
    while True:
        cur.execute(f"SELECT * EXCEPT _tp_time FROM table({stream})")
        rows = cur.fetchall()
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.5)


def main() -> None:
    with timeplus_dbapi.connect(DSN) as conn:
        client = conn.client
        suffix = uuid.uuid4().hex[:8]
        created = []
        try:
            name = f"test_ingest_{suffix}"
            created.append(name)
            client.create_stream(name, [("time", "datetime64(3)"), ("data", "string")])
            client.ingest(
                name, ["time", "data"], [[datetime.datetime(2024, 1, 2, 3, 4, 5), "abcd"]]
            )
            print("compact:", wait_for_rows(conn, name, 1))

            name = f"test_ingest_json_{suffix}"
            created.append(name)
            client.create_stream(name, [("a", "integer"), ("b", "string")])
            client.ingest_payload(
                name, '\n{"a":2,"b":"hello"}\n{"a":1,"b":"world"}\n', format="streaming"
            )
            print("streaming:", wait_for_rows(conn, name, 2))

            name = f"test_ingest_raw_{suffix}"
            created.append(name)
            client.create_stream(name, [("raw", "string")])
            client.ingest_payload(name, "\nfirst line\nsecond line\n", format="raw")
            print("raw:", wait_for_rows(conn, name, 1))

            name = f"test_ingest_lines_{suffix}"
            created.append(name)
            client.create_stream(name, [("raw", "string")])
            client.ingest_payload(name, '{"a":1,"b":"world"}\n{"a":2,"b":"hello"}', format="lines")
            print("lines:", wait_for_rows(conn, name, 2))
        finally:
            for name in created:
                client.delete_stream(name, if_exists=True)


if __name__ == "__main__":
    main()
