"""Random rows of wide, nested and zoned types: stored through ingest (executemany) and sent
as SQL literals, read back unchanged (the other hypothesis tests cover strings, int64,
decimal(.., 6) and naive datetimes).

Example counts are modest for CI; set ``TIMEPLUS_HYPOTHESIS_EXAMPLES`` (e.g. 5000) nightly.
"""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import math
import os
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timeplus_dbapi as db

pytestmark = pytest.mark.integration

EXAMPLES = max(1, int(os.environ.get("TIMEPLUS_HYPOTHESIS_EXAMPLES", "200")) // 5)
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
UTC = datetime.timezone.utc
NEW_YORK = ZoneInfo("America/New_York")


def _unambiguous_in_new_york(instant: datetime.datetime) -> bool:
    """False in the hour New York's clocks repeat: the server sends wall-clock text only, so
    such a time reads fold=0 (README, Time zones; tests/dbapi/test_time_zones.py pins it)."""
    wall = instant.astimezone(NEW_YORK).replace(tzinfo=None)
    return wall.replace(tzinfo=NEW_YORK, fold=0).utcoffset() == \
        wall.replace(tzinfo=NEW_YORK, fold=1).utcoffset()
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
finite = st.floats(allow_nan=False)
COLUMNS: dict[str, tuple[str, Any]] = {
    "i128": ("int128", st.integers(-(2**127), 2**127 - 1)),
    "u64": ("uint64", st.integers(0, 2**64 - 1)),
    "i256": ("int256", st.integers(-(2**255), 2**255 - 1)),
    "f64": ("float64", finite),
    "f32": ("float32", st.floats(width=32, allow_nan=False)),
    "dec": ("decimal(38, 9)", st.decimals(-(10**29) + 1, 10**29 - 1, places=9)),
    "arr": ("array(nullable(int16))", st.lists(st.none() | st.integers(-(2**15), 2**15 - 1),
                                               max_size=4)),
    "mp": ("map(string, array(float64))", st.dictionaries(text, st.lists(finite, max_size=3),
                                                          max_size=3)),
    "tup": ("tuple(int8, string, nullable(float64))",
            st.tuples(st.integers(-128, 127), text, st.none() | finite)),
    "zoned": ("datetime64(3, 'America/New_York')",
              st.datetimes(datetime.datetime(1900, 1, 1), datetime.datetime(2299, 12, 31),
                           timezones=st.just(UTC)).map(
                  lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)).filter(
                  _unambiguous_in_new_york)),
    "day": ("date32", st.dates(datetime.date(1900, 1, 1), datetime.date(2299, 12, 31))),
    "uid": ("uuid", st.builds(uuid.uuid4)),  # fresh for each row: the row's key
    "ip6": ("ipv6", st.ip_addresses(v=6)),
}


@pytest.fixture(scope="module")
def wide(request):
    dsn = request.getfixturevalue("timeplus_dsn")
    connection = db.connect(dsn, query_mode="table")
    name = f"hyp_wide_{uuid.uuid4().hex[:8]}"
    columns = ", ".join(f"{key} {kind}" for key, (kind, _) in COLUMNS.items())
    connection.cursor().execute(f"CREATE STREAM {name} ({columns})")
    yield connection, name
    connection.cursor().execute(f"DROP STREAM IF EXISTS {name}")
    connection.close()


def same(sent: Any, got: Any) -> bool:
    """Equal values of the same kind; floats bit for bit (-0.0 is not 0.0)."""
    if isinstance(sent, float):
        return isinstance(got, float) and (sent == got and math.copysign(1, sent) ==
                                           math.copysign(1, got))
    if isinstance(sent, (list, tuple)):
        return type(sent) is type(got) and len(sent) == len(got) and all(
            same(a, b) for a, b in zip(sent, got))
    if isinstance(sent, dict):
        return isinstance(got, dict) and sent.keys() == got.keys() and all(
            same(v, got[k]) for k, v in sent.items())
    if isinstance(sent, datetime.datetime):  # the same instant, in the column's zone
        return isinstance(got, datetime.datetime) and got.tzinfo is not None and got == sent
    if isinstance(sent, (ipaddress.IPv6Address, uuid.UUID, decimal.Decimal, datetime.date)):
        return type(got) is type(sent) and got == sent
    return type(got) is type(sent) and got == sent


#: Values a bare literal cannot type like the column (a zone, uuid/ipv6/date are strings).
NOT_AS_LITERALS = {"zoned", "uid", "ip6", "day"}


@SETTINGS
@given(row=st.fixed_dictionaries({key: strategy for key, (_, strategy) in COLUMNS.items()}))
def test_wide_nested_and_zoned_values_round_trip(wide, row):
    connection, name = wide
    cur = connection.cursor()
    keys = list(COLUMNS)
    marks = ", ".join(["%s"] * len(keys))
    cur.executemany(f"INSERT INTO {name} ({', '.join(keys)}) VALUES ({marks})",
                    [tuple(row[k] for k in keys)])
    cur.execute(f"SELECT {', '.join(keys)} FROM table({name}) WHERE uid = %s", (row["uid"],))
    stored = cur.fetchall()
    assert len(stored) == 1, stored
    for key, got in zip(keys, stored[0]):
        assert same(row[key], got), ("ingest", key, row[key], got)
    literal = [k for k in keys if k not in NOT_AS_LITERALS]
    cur.execute("SELECT " + ", ".join(f"%s AS {k}" for k in literal), [row[k] for k in literal])
    for key, got in zip(literal, cur.fetchone()):
        assert same(row[key], got), ("literal", key, row[key], got)
