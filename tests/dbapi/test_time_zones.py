"""Zoned datetimes around the 2024 DST transitions (issue 13, item 8).

Expected values come from Python's zoneinfo, never from the driver. What holds:

* ingest stores the exact instant of an aware datetime, in every hour around both transitions;
* a value the server sends with an offset (``Z`` or ``±hh:mm``, as ISO-8601 / Go's RFC 3339
  output has) keeps its instant: ``fold`` is set from the zone;
* a value sent as a bare wall-clock time in the column's zone (the emulator's format) is
  ambiguous in the repeated hour of a fall-back: it reads as the first occurrence (``fold=0``).
  That is the documented limit (README, "Results"); ``to_timezone(t, 'UTC')`` reads the exact
  instant.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import timeplus_dbapi
from timeplus_dbapi.converters import RowConverter
from timeplus_dbapi.protocol.query import Column

zoneinfo = pytest.importorskip("zoneinfo")
UTC = dt.timezone.utc

# The two 2024 transitions of each zone, as UTC instants (from the zones' published rules).
TRANSITIONS = {
    "America/New_York": ("2024-03-10 07:00", "2024-11-03 06:00"),
    "Europe/Berlin": ("2024-03-31 01:00", "2024-10-27 01:00"),
    "Australia/Sydney": ("2024-04-06 16:00", "2024-10-05 16:00"),  # fall back in April
}


def _instants(zone: str) -> list[dt.datetime]:
    """Every half hour from 3 h before to 3 h after each transition (UTC)."""
    found = []
    for text in TRANSITIONS[zone]:
        start = dt.datetime.fromisoformat(text).replace(tzinfo=UTC)
        found += [start + dt.timedelta(minutes=30 * k) for k in range(-6, 7)]
    return found


def _second_occurrence(instant: dt.datetime, zone: str) -> bool:
    return instant.astimezone(zoneinfo.ZoneInfo(zone)).fold == 1


@pytest.mark.parametrize("zone", sorted(TRANSITIONS))
def test_zoned_values_round_trip_through_ingest_and_select(
    conn: timeplus_dbapi.Connection, new_stream: Any, zone: str
) -> None:
    tz = zoneinfo.ZoneInfo(zone)
    instants = _instants(zone)
    assert sum(_second_occurrence(i, zone) for i in instants) == 2  # the repeated hour is hit
    name = new_stream([("i", "int32"), ("t", f"datetime64(6, '{zone}')")])
    cursor = conn.cursor()
    cursor.executemany(
        f"INSERT INTO {name} (i, t) VALUES (%s, %s)",
        [(i, instant.astimezone(tz)) for i, instant in enumerate(instants)],
    )
    cursor.execute(
        f"SELECT t, to_unix_timestamp64_micro(t), to_timezone(t, 'UTC') FROM table({name}) "
        "ORDER BY i",
        query_mode="table",
    )
    rows = cursor.fetchall()
    assert len(rows) == len(instants)
    for (zoned, micros, in_utc), instant in zip(rows, instants):
        expected = instant.astimezone(tz)
        assert micros == int(instant.timestamp()) * 1_000_000  # ingest stored the instant
        assert in_utc == instant and in_utc.utcoffset() == dt.timedelta(0)  # the exact read
        assert zoned.replace(tzinfo=None) == expected.replace(tzinfo=None)  # wall clock
        assert zoned.tzinfo == tz
        if _second_occurrence(instant, zone):  # the documented limit of bare wall-clock values
            assert zoned.fold == 0
            assert zoned.astimezone(UTC) == instant - dt.timedelta(hours=1)
        else:
            assert zoned.astimezone(UTC) == instant
            assert zoned.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("zone", sorted(TRANSITIONS))
@pytest.mark.parametrize("form", ["utc", "offset"])
def test_values_sent_with_an_offset_keep_their_instant(zone: str, form: str) -> None:
    """The wire forms with an offset (Z, or ±hh:mm of the column's zone) give exact instants,
    the repeated hour included."""
    tz = zoneinfo.ZoneInfo(zone)
    converter = RowConverter.from_header((Column("t", f"datetime64(6, '{zone}')"),))
    for instant in _instants(zone):
        if form == "utc":
            text = instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        else:
            text = instant.astimezone(tz).isoformat(sep=" ")
        (value,), = converter.convert_rows([[text]])
        assert value.astimezone(UTC) == instant, text
        assert value.utcoffset() == instant.astimezone(tz).utcoffset(), text
        assert value.fold == instant.astimezone(tz).fold, text
