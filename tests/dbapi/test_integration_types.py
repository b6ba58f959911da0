"""Every Timeplus type round-trips through executemany (ingest, JSON values) and through SQL
literals (parameter rendering), and back through SELECT."""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import math
import struct
import uuid
from zoneinfo import ZoneInfo

import pytest

import timeplus_dbapi as db

pytestmark = pytest.mark.integration

UTC = datetime.timezone.utc
D = decimal.Decimal

CASES = [
    ("int8", [-128, 0, 127]),
    ("int16", [-32768, 32767]),
    ("int32", [-(2**31), 2**31 - 1]),
    ("int64", [-(2**63), 2**63 - 1]),
    ("int128", [-(2**127), 2**127 - 1]),
    ("int256", [-(2**255), 2**255 - 1]),
    ("uint8", [0, 255]),
    ("uint16", [65535]),
    ("uint32", [2**32 - 1]),
    ("uint64", [2**64 - 1]),
    ("uint128", [2**128 - 1]),
    ("uint256", [2**256 - 1]),
    ("float32", [1.5, -0.25, math.inf]),
    ("float64", [1.1, -1e300, 5e-324, math.inf, -math.inf]),
    ("decimal(10, 2)", [D("12345678.91"), D("-0.01"), D("0")]),
    ("decimal(38, 10)", [D("1234567890123456789012345678.0123456789")]),
    ("decimal64(4)", [D("-12345.6789")]),
    (
        "string",
        ["", "plain", "quote ' and \\ backslash", "tab\tnew\nline", "emoji 🎉 ü", "\x00nul"],
    ),
    ("fixed_string(4)", ["abcd"]),
    ("bool", [True, False]),
    ("date", [datetime.date(1970, 1, 1), datetime.date(2149, 6, 6), datetime.date(2024, 2, 29)]),
    ("date32", [datetime.date(1900, 1, 1), datetime.date(2299, 12, 31)]),
    ("datetime", [datetime.datetime(2024, 1, 2, 3, 4, 5)]),
    ("datetime64(3)", [datetime.datetime(2024, 1, 2, 3, 4, 5, 678000)]),
    ("datetime64(6, 'UTC')", [datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)]),
    (
        "datetime64(3, 'Asia/Tokyo')",
        [datetime.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=ZoneInfo("Asia/Tokyo"))],
    ),
    ("uuid", [uuid.UUID("12345678-1234-5678-1234-567812345678"), uuid.UUID(int=0)]),
    ("ipv4", [ipaddress.IPv4Address("192.168.0.1"), ipaddress.IPv4Address("0.0.0.0")]),
    ("ipv6", [ipaddress.IPv6Address("2001:db8::1"), ipaddress.IPv6Address("::")]),
    ("enum8('a' = 1, 'b c' = 2)", ["a", "b c"]),
    ("array(int32)", [[], [1, -2, 3]]),
    ("array(nullable(string))", [["x", None, "it's"]]),
    ("array(array(int64))", [[[1], [], [2**62]]]),
    ("map(string, int64)", [{}, {"a": 1, "b's": -2}]),
    ("map(int32, array(string))", [{1: ["x"], -5: []}, {7: ["y", "z"]}, {8: []}]),
    ("tuple(int32, string)", [(1, "a")]),
    ("nullable(int64)", [None, 5]),
    ("nullable(string)", [None, "x"]),
    (
        "nullable(datetime64(3, 'UTC'))",
        [None, datetime.datetime(2024, 5, 6, 7, 8, 9, 10000, tzinfo=UTC)],
    ),
    ("low_cardinality(string)", ["lc", ""]),
    ("low_cardinality(nullable(string))", [None, "lcn"]),
]

# Servers report some types in their general form.
HEADER_TYPE = {"decimal64(4)": "decimal(18, 4)"}


def same(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return a == b and type(a) is type(b)


@pytest.mark.parametrize("type_text, values", CASES, ids=[c[0] for c in CASES])
def test_type_round_trip(conn, new_stream, type_text, values):
    name = new_stream([("i", "int32"), ("v", type_text)])
    cur = conn.cursor()
    cur.executemany(f"INSERT INTO {name} (i, v) VALUES (%s, %s)", list(enumerate(values)))
    assert cur.rowcount == len(values)
    for i, value in enumerate(values):  # the SQL-literal path: a literal beside a placeholder
        cur.execute(f"INSERT INTO {name} (i, v) VALUES ({1000 + i}, %s)", (value,))
    cur.execute(f"SELECT i, v FROM table({name}) ORDER BY i")
    header_type = HEADER_TYPE.get(type_text, type_text)
    assert cur.description[1][1].replace(" ", "") == header_type.replace(" ", "")
    rows = cur.fetchall()
    expected = [(i, v) for i, v in enumerate(values)] + [
        (1000 + i, v) for i, v in enumerate(values)
    ]
    assert len(rows) == len(expected)
    for got, want in zip(rows, expected):
        assert got[0] == want[0]
        assert same(got[1], want[1]), (type_text, got[1], want[1])


def test_nan_round_trips(conn, new_stream):
    name = new_stream([("v", "float64")])
    cur = conn.cursor()
    cur.executemany(f"INSERT INTO {name} (v) VALUES (%s)", [(math.nan,)])
    cur.execute(f"SELECT v, %s FROM table({name})", (math.nan,))
    got = cur.fetchone()
    assert math.isnan(got[0]) and math.isnan(got[1])


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2024, 1, 2, 3, 4, 5, 6),
        datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        datetime.date(2020, 1, 1),
        uuid.UUID(int=7),
        ipaddress.IPv4Address("1.2.3.4"),
        ipaddress.IPv6Address("::2"),
        D("-1.5"),
        [1, 2],
        ["a", "b'"],
        (1, "x"),
        {"k": 1},
        None,
        True,
        2**100,
    ],
)
def test_select_parameter_returns_the_value(conn, value):
    cur = conn.cursor()
    cur.execute("SELECT %s AS v", (value,), query_mode="table")
    (got,) = cur.fetchone()
    assert got == value


def test_float32_values_read_back_as_the_stored_float32(conn, new_stream):
    """The server prints a float32 by its shortest float32 text (34073008 as 34073010), which
    read as a float64 is another number; fetchall gave 34073010.0 while arrow() gave the
    stored 34073008.0 (found by test_integration_hypothesis_types)."""
    values = [34073008.0, 16777216.0, 3.4028234663852886e38, 1.401298464324817e-45,
              struct.unpack("<f", struct.pack("<f", 0.1))[0], -0.0, math.inf, 1.5]
    name = new_stream([("i", "int32"), ("v", "float32"), ("a", "array(nullable(float32))")])
    cur = conn.cursor()
    cur.executemany(f"INSERT INTO {name} (i, v, a) VALUES (%s, %s, %s)",
                    [(i, v, [v, None]) for i, v in enumerate(values)])
    cur.execute(f"SELECT v, a FROM table({name}) ORDER BY i")
    rows = cur.fetchall()
    for (got, array), want in zip(rows, values):
        assert struct.pack("<d", got) == struct.pack("<d", want), (got, want)
        assert struct.pack("<d", array[0]) == struct.pack("<d", want) and array[1] is None


@pytest.mark.parametrize("odd", [
    datetime.datetime(1901, 1, 1, tzinfo=ZoneInfo("Asia/Kolkata")),  # Madras time +05:21:10
    datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(seconds=30))),
    datetime.datetime(1937, 6, 1, tzinfo=ZoneInfo("Europe/Amsterdam")),  # +01:19:32
])
def test_an_offset_with_seconds_is_refused_and_its_utc_form_kept(conn, new_stream, odd):
    """RFC 3339 text has whole-minute offsets: +05:21:10 went out as +05:21, 10 s off."""
    name = new_stream([("t", "datetime64(3, 'UTC')")])
    cur = conn.cursor()
    modern = [(datetime.datetime(2024, 1, 1, tzinfo=ZoneInfo("Asia/Kolkata")),)] * 500
    with pytest.raises(db.DataError, match=r"row 500: .*UTC offset .* with seconds"):
        cur.executemany(f"INSERT INTO {name} (t) VALUES (%s)", [*modern, (odd,)])
    cur.execute(f"SELECT count() FROM table({name})")
    assert cur.fetchone() == (0,)
    cur.executemany(f"INSERT INTO {name} (t) VALUES (%s)", [(odd.astimezone(UTC),)])
    cur.execute(f"SELECT t FROM table({name})")
    (stored,) = cur.fetchone()
    assert stored == odd and stored.utcoffset() == datetime.timedelta(0), (stored, odd)


def test_modern_zoned_datetimes_are_stored_at_their_instant(conn, new_stream):
    """Zones' offsets since 1972 are whole minutes (Kathmandu +05:45): sent as they are."""
    name = new_stream([("i", "int32"), ("t", "datetime64(3, 'UTC')")])
    values = [datetime.datetime(2024, 3, 1, 12, 0, n, tzinfo=ZoneInfo(zone))
              for n, zone in enumerate(["Asia/Kathmandu", "Asia/Kolkata", "America/St_Johns"])]
    cur = conn.cursor()
    cur.executemany(f"INSERT INTO {name} (i, t) VALUES (%s, %s)", list(enumerate(values)))
    cur.execute(f"SELECT t FROM table({name}) ORDER BY i")
    assert [row[0] for row in cur.fetchall()] == values


def test_zones_of_other_libraries_keep_their_instant_or_are_refused(conn, new_stream):
    """dateutil's zones (isoparse('...Z') gives one) are unhashable: the batch check's set of
    zones raised TypeError; and a zone that is neither a fixed offset nor a ZoneInfo may have
    an offset with seconds after 1972, so it is checked value by value."""
    tz = pytest.importorskip("dateutil.tz")
    name = new_stream([("i", "int32"), ("t", "datetime64(3, 'UTC')")])
    zones = [tz.tzutc(), tz.tzoffset("x", 5 * 3600 + 45 * 60), tz.gettz("Asia/Kolkata")]
    values = [datetime.datetime(2024, 3, 1, 12, 0, n, tzinfo=z) for n, z in enumerate(zones)]
    cur = conn.cursor()
    cur.executemany(f"INSERT INTO {name} (i, t) VALUES (%s, %s)", list(enumerate(values * 200)))
    cur.execute(f"SELECT t FROM table({name}) WHERE i < 3 ORDER BY i")
    assert [row[0] for row in cur.fetchall()] == values
    odd = datetime.datetime(2024, 1, 1, tzinfo=tz.tzoffset("odd", 3661))  # +01:01:01
    with pytest.raises(db.DataError, match=r"row 600: .*UTC offset .* with seconds"):
        cur.executemany(f"INSERT INTO {name} (i, t) VALUES (%s, %s)",
                        [*enumerate(values * 200), (9, odd)])
    cur.execute(f"SELECT count() FROM table({name})")
    assert cur.fetchone() == (600,)


def test_decimals_come_back_with_their_columns_scale(conn, new_stream):
    # Timeplus writes decimals without trailing zeros (output_format_decimal_trailing_zeros
    # is off in Proton's Settings.h): 1.000 of decimal(5, 3) is sent as 1. The driver gives
    # the column's scale back, as the declared type says: Decimal('1.000'), not Decimal('1').
    name = new_stream([("i", "int32"), ("d", "decimal(5, 3)"), ("n", "nullable(decimal(20, 2))"),
                       ("a", "array(decimal64(4))")])
    conn.cursor().execute(f"INSERT INTO {name} (i, d, n, a) VALUES (1, 1.000, 12.5, [2, 0.5]), "
                          "(2, -0.25, NULL, [])")
    cur = conn.cursor()
    cur.execute(f"SELECT d, n, a FROM table({name}) ORDER BY i")
    rows = cur.fetchall()
    texts = [(str(d), None if n is None else str(n), [str(x) for x in a]) for d, n, a in rows]
    assert texts == [("1.000", "12.50", ["2.0000", "0.5000"]), ("-0.250", None, [])]
