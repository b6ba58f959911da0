"""Streams: list, create, get, delete — the original SDK's stream example with our API.

python examples/streams.py [DSN]        (or set TIMEPLUS_URL)
"""

from __future__ import annotations

import os
import sys
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
        print(f"there are {len(client.list_streams())} streams")

        name = f"example_{uuid.uuid4().hex[:8]}"
        created = client.create_stream(name, [("time", "datetime64(3)"), ("data", "string")])
        print(f"there are {len(client.list_streams())} streams after create")
        print(f"created stream {created['name']}")

        stream = client.get_stream(name)
        columns = ", ".join(f"{c['name']} {c['type']}" for c in stream["columns"])
        print(f"get stream {stream['name']}: {columns}")

        client.delete_stream(name)
        print(f"there are {len(client.list_streams())} streams after delete")
        print(f"stream exists after delete: {client.stream_exists(name)}")


if __name__ == "__main__":
    main()
