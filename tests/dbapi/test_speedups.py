"""The optional C accelerator (timeplus_dbapi._speedups) gives exactly what the pure-Python
converters give, value by value, and the driver works without it (no server needed)."""

from __future__ import annotations

import datetime
import gc
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeplus_dbapi import DataError, native
from timeplus_dbapi.converters import RowConverter, converter_for
from timeplus_dbapi.protocol import jsoncodec
from timeplus_dbapi.protocol.query import QueryEventStream
from timeplus_dbapi.typesystem import parse_result_type

speedups = pytest.importorskip("timeplus_dbapi._speedups", reason="accelerator not built")
pytestmark = pytest.mark.skipif(native.speedups is None,
                                reason=f"{native.PURE_PYTHON_ENV} is set: the accelerator is off")


@contextmanager
def pure_python() -> Iterator[None]:
    """As if the accelerator were not built."""
    saved, native.speedups = native.speedups, None
    try:
        yield
    finally:
        native.speedups = saved


def converters_of(types: list[str]) -> list[Any]:
    return [converter_for(parse_result_type(t)) for t in types]


def outcome(converter: RowConverter, rows: list[list[Any]]) -> Any:
    try:
        return converter.convert_rows(rows)
    except DataError as error:
        return ("DataError", str(error))


def same(a: Any, b: Any) -> bool:
    """Equal, of the same type, and for datetimes the same fields, fold and tzinfo object (or
    equal fixed offsets, which parsing makes anew for each value)."""
    if isinstance(a, (list, tuple)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b)))
    if type(a) is not type(b):
        return False
    if isinstance(a, datetime.datetime):
        fixed = type(a.tzinfo) is datetime.timezone and a.tzinfo == b.tzinfo  # made per value
        return (a.replace(tzinfo=None) == b.replace(tzinfo=None) and a.fold == b.fold
                and (a.tzinfo is b.tzinfo or fixed))
    if isinstance(a, float):
        return repr(a) == repr(b)  # nan, and the sign of zero
    return bool(a == b)


def assert_both_paths_agree(types: list[str], rows: list[list[Any]]) -> None:
    fast = RowConverter(converters_of(types))
    assert fast._native_plan is not None
    with pure_python():
        pure = RowConverter(converters_of(types))
    assert pure._native_plan is None
    expected = outcome(pure, rows)
    got = outcome(fast, rows)
    assert same(got, expected), (types, rows, got, expected)


# --- values -------------------------------------------------------------------------------------

INT_TEXT = st.one_of(
    st.integers(-(2**63), 2**63 - 1).map(str),
    st.integers(-(10**40), 10**40).map(str),
    st.text("0123456789-+ _", max_size=22),
    st.sampled_from(["-0", "007", "-", "", "٣", "1e3", "9" * 18, "-" + "9" * 18, "9" * 19]),
)
INT_VALUE = st.one_of(INT_TEXT, st.integers(-(2**70), 2**70), st.booleans(), st.floats())
FLOAT_VALUE = st.one_of(
    st.floats(allow_nan=True), st.integers(-(2**70), 2**70), st.sampled_from(["inf", "x", "1.5"])
)


@st.composite
def datetime_text(draw: st.DrawFn) -> str:
    year = draw(st.sampled_from([1, 1969, 1970, 2024, 2038, 9999]) | st.integers(0, 9999))
    month = draw(st.integers(0, 13))
    day = draw(st.integers(0, 32))
    hour, minute = draw(st.integers(0, 24)), draw(st.integers(0, 60))
    second = draw(st.integers(0, 60))
    fraction = draw(st.text("0123456789", max_size=11))
    separator = draw(st.sampled_from([" ", " ", "T", "x"]))
    dot = draw(st.sampled_from([".", ".", ","])) if fraction or draw(st.booleans()) else ""
    suffix = draw(st.sampled_from(["", "", "", "Z", "+08:00", "-05:30", " "]))
    return (f"{year:04d}-{month:02d}-{day:02d}{separator}{hour:02d}:{minute:02d}:{second:02d}"
            f"{dot}{fraction}{suffix}")


DATETIME_VALUE = st.one_of(
    datetime_text(), st.text("0123456789-: .T", max_size=30), st.integers(0, 2**31)
)
ZONES = ["UTC", "Asia/Shanghai", "America/New_York", "Europe/London", "Etc/GMT+5"]
DATETIME_TYPES = st.one_of(
    st.sampled_from(["datetime", "datetime64(3)", "datetime64(9)"]),
    st.builds(lambda p, z: f"datetime64({p}, '{z}')", st.integers(0, 9), st.sampled_from(ZONES)),
    st.builds(lambda z: f"datetime('{z}')", st.sampled_from(ZONES)),
)


@st.composite
def column(draw: st.DrawFn) -> tuple[str, st.SearchStrategy[Any]]:
    kind = draw(st.sampled_from(["int", "float", "datetime", "string", "decimal", "float32"]))
    if kind == "int":
        type_text, values = draw(st.sampled_from(["int64", "uint64", "int128"])), INT_VALUE
    elif kind == "float":
        type_text, values = "float64", FLOAT_VALUE
    elif kind == "datetime":
        type_text, values = draw(DATETIME_TYPES), DATETIME_VALUE
    elif kind == "string":
        type_text, values = "string", st.text(max_size=5)
    elif kind == "decimal":
        type_text = draw(st.sampled_from(["decimal(10, 2)", "decimal(5, 3)"]))
        values = st.sampled_from(["1.25", 3, "x", "1", "0.0001"])  # the last: too many digits
    else:
        type_text, values = "float32", st.floats(width=32) | st.integers(-(2**40), 2**40)
    if draw(st.booleans()):
        type_text, values = f"nullable({type_text})", st.none() | values
    return type_text, values


@st.composite
def typed_rows(draw: st.DrawFn) -> tuple[list[str], list[list[Any]]]:
    columns = draw(st.lists(column(), min_size=1, max_size=4))
    rows = draw(st.lists(st.tuples(*(values for _, values in columns)).map(list), max_size=6))
    return [type_text for type_text, _ in columns], rows


@settings(max_examples=400, deadline=None)
@given(typed_rows())
def test_accelerated_rows_equal_the_pure_python_rows(case: tuple[list[str], list[list[Any]]]):
    types, rows = case
    assert_both_paths_agree(types, rows)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 9),
    st.sampled_from([*ZONES, None]),
    st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31)),
    st.text("0123456789", min_size=9, max_size=9),
)
def test_every_precision_of_a_valid_datetime_agrees(precision, zone, value, digits):
    """The wire form of each precision 0-9 (7-9 digits are cut to microseconds, as Python's
    own parsing does), in UTC, other zones and without a zone."""
    type_text = f"datetime64({precision}" + (f", '{zone}')" if zone else ")")
    text = f"{value.year:04d}-" + value.strftime("%m-%d %H:%M:%S")
    text += "." + digits[:precision] if precision else ""
    assert_both_paths_agree([type_text, f"nullable({type_text})"], [[text, text], [text, None]])
    converted = RowConverter(converters_of([type_text])).convert_rows([[text]])[0][0]
    micros = int((digits[:precision] or "0")[:6].ljust(6, "0"))
    assert converted.replace(tzinfo=None) == value.replace(microsecond=micros)


@pytest.mark.parametrize("rows", [
    [["1", "2"], ["3"]],                 # a short row
    [["1", "2", "3"]],                   # a long one
    [("1", "2")],                        # not a list
    [["1", "2024-01-01 00:00:00"], ["x", "2024-01-01 00:00:00"]],  # a bad int
    [["1", "2024-02-30 00:00:00"]],      # no such day
])
def test_errors_are_the_same_data_errors(rows):
    types = ["int64", "datetime64(0, 'UTC')"]
    assert_both_paths_agree(types, rows)


def test_fast_forms_are_chosen_from_the_python_converters():
    types = ["int64", "nullable(uint64)", "float64", "string", "datetime64(3, 'UTC')",
             "nullable(datetime64(6, 'Asia/Shanghai'))", "datetime64(3)", "decimal(10, 2)",
             "float32", "low_cardinality(nullable(string))"]
    kinds, converters, zones = RowConverter(converters_of(types))._native_plan  # type: ignore[misc]
    s = speedups
    assert kinds == (s.KIND_INT, s.KIND_INT | s.KIND_NULLABLE, s.KIND_FLOAT, s.KIND_IDENTITY,
                     s.KIND_DATETIME, s.KIND_DATETIME | s.KIND_NULLABLE, s.KIND_DATETIME,
                     s.KIND_CALL, s.KIND_CALL, s.KIND_IDENTITY)
    assert zones[4] is datetime.timezone.utc and str(zones[5]) == "Asia/Shanghai"
    assert zones[6] is None and converters[3] is None


def test_rows_of_plain_values_are_not_left_to_the_cyclic_collector():
    converter = RowConverter(converters_of(["int64", "string", "array(string)"]))
    (row,) = converter.convert_rows([["1", "a", ["x"]]])
    assert gc.is_tracked(row)  # it holds a list
    converter = RowConverter(converters_of(["int64", "string", "datetime64(3, 'UTC')"]))
    (row,) = converter.convert_rows([["1", "a", "2024-01-01 00:00:00.000"]])
    assert not gc.is_tracked(row)


def test_the_pure_python_path_is_kept_when_asked_for_in_the_environment():
    env = {**os.environ, native.PURE_PYTHON_ENV: "1"}
    code = ("from timeplus_dbapi import native; from timeplus_dbapi.converters import RowConverter;"
            "assert native.speedups is None;"
            "assert RowConverter.from_header([('i', 'int64')]).convert_rows([['5']]) == [(5,)]")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)


# --- the -0 of float columns --------------------------------------------------------------------

@settings(max_examples=500)
@given(st.one_of(st.binary(max_size=64), st.text("-0.eE19 ,[]x\"", max_size=80).map(str.encode)))
def test_the_negative_zero_scan_matches_the_expression(data):
    expected = jsoncodec._BARE_NEGATIVE_ZERO.search(data) is not None
    assert speedups.has_bare_negative_zero(data) is expected


@pytest.mark.parametrize("offset", [0, 1, 15, 16, 17, 4095, 4096, 4097, 8190])
@pytest.mark.parametrize("token, found", [(b"-0,", True), (b"-0]", True), (b"-0.5", False),
                                          (b"-01", False), (b"-0e1", False)])
def test_the_scan_finds_a_negative_zero_anywhere_in_a_long_event(offset, token, found):
    filler = b'["2024-01-01 00:00:00.007","alpha-000"],' * 300
    data = filler[:offset] + token + filler[offset:]
    assert speedups.has_bare_negative_zero(data) is found
    assert speedups.has_bare_negative_zero(data[: offset + 2]) is (token[:2] == b"-0")


@settings(max_examples=300)
@given(
    st.lists(st.lists(st.one_of(st.integers(-2, 2), st.floats(-1, 1), st.booleans(), st.none(),
                                st.text(max_size=2)), max_size=4), max_size=5),
    st.lists(st.integers(0, 4), min_size=1, max_size=3).map(tuple),
)
def test_int_zero_check_matches_the_python_check(rows, columns):
    expected = jsoncodec.holds_int_zero(rows, columns)
    with pure_python():
        assert jsoncodec.holds_int_zero(rows, columns) is expected


HEADER = (b'event: query\ndata: {"id":"q","status":"running","result":{"header":'
          b'[{"name":"f","type":"nullable(float64)"},{"name":"s","type":"string"}]}}\n\n')


@pytest.mark.parametrize("accelerated", [True, False])
def test_float_columns_keep_the_sign_of_zero_with_or_without_the_scan(accelerated):
    body = (HEADER + b'data: [[1.5,"-0"],[null,"a"]]\n\n' + b'data: [[-0,"-0"],[0,"b"]]\n\n'
            + b'data: [[2.5,"c"]]\n\n' + b'data: [[-0,"d"]]\n\n')
    saved = native.speedups
    native.speedups = saved if accelerated else None
    try:
        events = QueryEventStream(iter([body]))
        events.read_header()
        events.read_signed_zeros((0,))
        first = events.next_batch()
        checked_after = events.loads  # no zero yet: fast decoding, scanned only without C
        batches = [events.next_batch(), events.next_batch(), events.next_batch()]
    finally:
        native.speedups = saved
    assert first == [[1.5, "-0"], [None, "a"]]
    assert (checked_after is jsoncodec.loads_fast) is accelerated
    assert [[type(v).__name__ for v, _ in batch] for batch in batches] == [
        ["float", "int"], ["float"], ["float"]]
    assert math.copysign(1, batches[0][0][0]) == -1 and batches[0][1][0] == 0
    assert math.copysign(1, batches[2][0][0]) == -1
