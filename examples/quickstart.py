"""Quickstart: runs against the embedded emulator (started here) unless a server is given.

    python examples/quickstart.py                 # starts a local emulator (needs chdb)
    python examples/quickstart.py DSN             # or TIMEPLUS_URL=timeplus://... python ...

Creates a stream, ingests rows, runs a historical query and a short streaming query with
LIMIT, prints the results and cleans up.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import uuid
from collections.abc import Iterator

import timeplus_dbapi


@contextlib.contextmanager
def server_dsn() -> Iterator[str]:
    given = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TIMEPLUS_URL")
    if given:
        yield given
        return
    from timeplus_emulator import run_emulator

    with run_emulator() as server:
        print(f"started the embedded emulator at {server.url}")
        yield server.dsn


def main() -> None:
    with server_dsn() as dsn, timeplus_dbapi.connect(dsn) as conn:
        name = f"quickstart_{uuid.uuid4().hex[:8]}"
        conn.client.create_stream(name, [("device", "string"), ("temperature", "float64")])
        try:
            cur = conn.cursor()
            readings = [("sensor-a", 21.5), ("sensor-b", 19.0), ("sensor-a", 22.5)]
            cur.executemany(f"INSERT INTO {name} (device, temperature) VALUES (%s, %s)", readings)
            print(f"ingested {cur.rowcount} rows")

            cur.execute(
                f"SELECT device, avg(temperature) FROM table({name}) "
                "GROUP BY device ORDER BY device"
            )
            for device, average in cur.fetchall():
                print(f"historical: {device} average {average:.2f}")

            cur.execute(f"SELECT device, temperature FROM {name} LIMIT 2", idle_timeout=30)
            more = [("sensor-c", 30.0), ("sensor-d", 31.0)]
            with timeplus_dbapi.connect(dsn) as writer:
                timer = threading.Timer(
                    0.3, writer.client.ingest, (name, ["device", "temperature"], more)
                )
                timer.start()
                for device, temperature in cur:
                    print(f"streaming: {device} {temperature}")
                timer.join()
        finally:
            conn.client.delete_stream(name, if_exists=True)
    print("done")


if __name__ == "__main__":
    main()
