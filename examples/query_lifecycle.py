"""Query lifecycle: start a streaming query, get it, list queries, cancel, delete.

python examples/query_lifecycle.py [DSN]        (or set TIMEPLUS_URL)
"""

from __future__ import annotations

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
    with timeplus_dbapi.connect(DSN) as conn:
        client = conn.client
        name = f"example_lifecycle_{uuid.uuid4().hex[:8]}"
        client.create_stream(name, [("n", "int64")])
        try:
            cur = conn.cursor()
            cur.execute(f"SELECT n FROM {name}")
            query_id = cur.query_id
            print(f"started query {query_id}")

            query = client.get_query(query_id)
            print(f"get: status={query['status']} sql={query['sql']!r}")
            listed = [q["id"] for q in client.list_queries()]
            print(f"listed: {query_id in listed}")

            client.cancel_query(query_id)
            deadline = time.monotonic() + 5
            while client.get_query(query_id)["status"] == "running" and time.monotonic() < deadline:
                time.sleep(0.05)
            print(f"after cancel: status={client.get_query(query_id)['status']}")
            cur.close()

            client.delete_query(query_id)
            remaining = [q["id"] for q in client.list_queries()]
            print(f"listed after delete: {query_id in remaining}")
        finally:
            client.delete_stream(name, if_exists=True)


if __name__ == "__main__":
    main()
