"""SQL literal rendering and identifier quoting (no server).

The hypothesis tests parse rendered literals back with a reference reader written from the
Timeplus/ClickHouse lexer rules (EMULATOR-NOTES), independent of the code under test.
"""

import datetime
import decimal
import ipaddress
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeplus_dbapi import DataError, NotSupportedError
from timeplus_dbapi.literals import quote_identifier, render_literal

_SIMPLE_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "0": "\0",
    "\\": "\\",
    "'": "'",
    "`": "`",
    "b": "\b",
    "f": "\f",
    "a": "\a",
    "v": "\v",
    '"': '"',
}


def read_quoted(text: str, quote: str) -> str:
    """Reference reader of a ClickHouse quoted string/identifier (whole text must be one)."""
    assert text[0] == quote and text[-1] == quote, text
    out, i, body = [], 0, text[1:-1]
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            assert i + 1 < len(body), "trailing backslash"
            nxt = body[i + 1]
            out.append(_SIMPLE_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        elif ch == quote:
            assert body[i + 1 : i + 2] == quote, f"unescaped quote in {text!r}"
            out.append(quote)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


valid_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@given(valid_text)
def test_string_literal_round_trips(value):
    assert read_quoted(render_literal(value), "'") == value


@given(valid_text)
def test_identifier_round_trips(name):
    assert read_quoted(quote_identifier(name), "`") == name


@given(st.binary(max_size=100))
def test_bytes_literal_round_trips_or_is_refused_when_not_utf8(value):
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        with pytest.raises(DataError, match="not valid UTF-8"):
            render_literal(value)
        return
    rendered = render_literal(value)
    # the reference: \xHH escapes give raw bytes, other characters are ASCII
    body = rendered[1:-1]
    out, i = bytearray(), 0
    while i < len(body):
        if body[i] == "\\" and body[i + 1] == "x":
            out.append(int(body[i + 2 : i + 4], 16))
            i += 4
        elif body[i] == "\\":
            out.extend(body[i + 1].encode())
            i += 2
        else:
            out.extend(body[i].encode("ascii"))
            i += 1
    assert bytes(out) == value


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimal_renders_exactly(value):
    plain = f"{value:f}".lstrip("-")
    integer_part, _, fraction = plain.partition(".")
    needed = len(integer_part.lstrip("0")) + len(fraction)
    if needed > 76:
        with pytest.raises(DataError):
            render_literal(value)
        return
    rendered = render_literal(value)
    match = re.fullmatch(r"CAST\('(-?\d+(?:\.\d+)?)' AS decimal\((\d+), (\d+)\)\)", rendered)
    assert match is not None, rendered
    assert decimal.Decimal(match.group(1)) == value
    assert int(match.group(3)) == len(fraction)
    assert int(match.group(2)) >= max(1, needed)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_round_trips(value):
    assert float(render_literal(value)) == value


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, "NULL"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-(2**127), f"to_int128('{-(2**127)}')"),  # a bare literal this wide is a float64
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (decimal.Decimal("1E+3"), "CAST('1000' AS decimal(4, 0))"),
        (decimal.Decimal("-0.000001"), "CAST('-0.000001' AS decimal(6, 6))"),
        (decimal.Decimal("12345.6789"), "CAST('12345.6789' AS decimal(9, 4))"),
        ("it's a \\ test", "'it\\'s a \\\\ test'"),
        ("line\nbreak", "'line\nbreak'"),
        (datetime.date(2024, 2, 29), "to_date('2024-02-29')"),
        (datetime.date(1900, 1, 1), "to_date('1900-01-01')"),  # Timeplus has no to_date32
        (
            datetime.datetime(2024, 1, 2, 3, 4, 5, 6),
            "to_datetime64('2024-01-02 03:04:05.000006', 6)",
        ),
        (
            datetime.datetime(
                2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
            ),
            "to_datetime64('2024-01-02 01:04:05.000000', 6, 'UTC')",
        ),
        (
            datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=ZoneInfo("Europe/Berlin")),
            "to_datetime64('2024-01-02 03:04:05.000000', 6, 'Europe/Berlin')",
        ),
        (uuid.UUID(int=1), "to_uuid('00000000-0000-0000-0000-000000000001')"),
        (ipaddress.ip_address("10.0.0.1"), "to_ipv4('10.0.0.1')"),
        (ipaddress.ip_address("::1"), "to_ipv6('::1')"),
        ([1, None, "a"], "[1, NULL, 'a']"),
        ((1, "x"), "(1, 'x')"),
        ((7,), "tuple_cast(7)"),  # Timeplus has no tuple(): tuple_cast
        # and no map(): map_cast; one entry as arrays, since map_cast('k', [1.5]) is 43 in
        # Proton 1.5+ (one array and one non-array argument)
        ({"k": [1.5]}, "map_cast(['k'], [[1.5]])"),
        ({"a": 1, "b": 2}, "map_cast('a', 1, 'b', 2)"),
        ({}, "map_cast()"),
    ],
)
def test_rendering(value, expected):
    assert render_literal(value) == expected


@pytest.mark.parametrize("value", [object(), {1, 2}, datetime.time(1, 2), complex(1, 2)])
def test_unknown_types_are_not_supported(value):
    with pytest.raises(NotSupportedError):
        render_literal(value)


def test_lone_surrogate_is_rejected():
    with pytest.raises(DataError, match="surrogate"):
        render_literal("ok\ud800")
    with pytest.raises(DataError, match="surrogate"):
        quote_identifier("\udfff")


def test_mixed_naive_and_aware_datetimes_rejected():
    naive = datetime.datetime(2024, 1, 1)
    aware = naive.replace(tzinfo=datetime.timezone.utc)
    with pytest.raises(DataError, match="naive"):
        render_literal([naive, aware])


def test_non_finite_decimal_rejected():
    with pytest.raises(DataError):
        render_literal(decimal.Decimal("NaN"))


def test_decimal_beyond_76_digits_is_refused():
    with pytest.raises(DataError, match="76"):
        render_literal(decimal.Decimal("1" * 77))


def test_numpy_scalars_render_as_python_numbers():
    np = pytest.importorskip("numpy")
    assert render_literal(np.int64(-5)) == "-5"
    assert render_literal(np.bool_(True)) == "true"
    assert render_literal(np.float32(0.5)) == "0.5"
    assert render_literal(np.float64("nan")) == "nan"
