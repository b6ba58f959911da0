"""timezone_offset as Proton computes it (DateLUTImpl::timezoneOffset).

Proton takes the zone's offset at 1970-01-01 and adds the change since, brought into
[-12 h, +12 h). That is the real offset, except in zones that crossed the date line after
1970: Proton's 01252_weird_time_zone reference writes Pacific/Kiritimati (+14:00 today, -10:40
in 1970) as -10:00 and Pacific/Kwajalein (+12:00, -12:00 in 1970) as -12:00.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(("zone", "seconds"), [
    ("Pacific/Kiritimati", -36000), ("Pacific/Kwajalein", -43200), ("Pacific/Apia", -36000),
    ("Pacific/Enderbury", -39600), ("Pacific/Fakaofo", -39600),
    ("Asia/Kolkata", 19800), ("America/New_York", -18000), ("UTC", 0),
])
def test_offsets_as_protons_date_lut_gives_them(api: Any, zone: str, seconds: int) -> None:
    sql = (f"SELECT timezone_offset(to_datetime('2020-01-02 03:04:05', '{zone}')), "
           f"timezone_offset(to_datetime64('2020-01-02 03:04:05.5', 3, '{zone}')), "
           f"timezone_offset(to_datetime('2020-01-02 03:04:05', 'UTC'), '{zone}')")
    assert api.table(sql) == [[seconds, seconds, seconds]]


def test_dst_offsets_and_type_are_protons(api: Any) -> None:
    # Lord Howe: +11:00 in summer, +10:30 in winter (01699_timezoneOffset); the type is int32
    rows = api.table("SELECT timezone_offset(to_datetime(1554562800, 'Australia/Lord_Howe')), "
                     "timezone_offset(to_datetime(1554559200, 'Australia/Lord_Howe')), "
                     "to_type_name(timezone_offset(now()))")
    assert rows == [[37800, 39600, "int32"]]
