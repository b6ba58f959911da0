"""Bad connection and statement options raise PEP 249 errors that name the option (no server)."""

from __future__ import annotations

import pytest

import timeplus_dbapi as db
from timeplus_dbapi.dsn import resolve_params

# --- bad connection and statement options name the problem (unit: no server needed) ---------


@pytest.mark.parametrize(
    ("dsn", "kwargs", "word"),
    [
        ("timeplus://h/ws?batching_policy=count", {}, "batching_policy"),
        ("timeplus://h/ws?batching_policy=count=1,time_ms", {}, "batching_policy"),
        (None, {"port": "eighty"}, "port"),
        (None, {"port": 70000}, "port"),
        ("timeplus://h/ws?ingest_max_bytes=lots", {}, "ingest_max_bytes"),
        (None, {"ingest_max_bytes": 0}, "ingest_max_bytes"),
    ],
)
def test_bad_connection_values_raise_interface_error(dsn, kwargs, word):
    with pytest.raises(db.InterfaceError, match=word):
        resolve_params(dsn, kwargs)
