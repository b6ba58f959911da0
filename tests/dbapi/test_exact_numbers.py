"""Numbers that must come back exactly: integers of any width bound as parameters, and the
sign of a float zero read from results (issue 13, items 6 and 9).

The expected values come from Python itself (the bound value, ``math.copysign``), never
from the driver.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timeplus_dbapi as db
from timeplus_dbapi.literals import render_literal
from timeplus_dbapi.protocol.jsoncodec import loads_exact, loads_signed_zero

INT_TYPES = [
    ("int128", -(2**127), 2**127 - 1),
    ("uint128", 0, 2**128 - 1),
    ("int256", -(2**255), 2**255 - 1),
    ("uint256", 0, 2**256 - 1),
]


def _is_negative_zero(value: object) -> bool:
    return isinstance(value, float) and value == 0 and math.copysign(1.0, value) < 0


# --- unit: literals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2**64 - 1, str(2**64 - 1)),
        (-(2**63), str(-(2**63))),
        (2**64, f"to_int128('{2**64}')"),
        (-(2**63) - 1, f"to_int128('{-(2**63) - 1}')"),
        (2**127 - 1, f"to_int128('{2**127 - 1}')"),
        (2**127, f"to_uint128('{2**127}')"),
        (2**128, f"to_int256('{2**128}')"),
        (-(2**127) - 1, f"to_int256('{-(2**127) - 1}')"),
        (2**255, f"to_uint256('{2**255}')"),
        (2**256 - 1, f"to_uint256('{2**256 - 1}')"),
    ],
)
def test_wide_integers_render_as_exact_typed_literals(value, expected):
    assert render_literal(value) == expected


@pytest.mark.parametrize("value", [2**256, -(2**255) - 1, 10**100])
def test_integers_beyond_256_bits_are_refused(value):
    with pytest.raises(db.DataError, match="int256"):
        render_literal(value)


# --- unit: decoding -0 ------------------------------------------------------------------------


@pytest.mark.parametrize("loads", [loads_signed_zero, loads_exact])
@pytest.mark.parametrize(
    "data", [b'[[-0, [-0], {"k": -0}, "-0", 0]]', '[[-0, [-0], {"k":-0}, "-0", 0]]']
)
def test_bare_negative_zero_decodes_as_negative_float_zero(loads, data):
    (row,) = loads(data)
    assert _is_negative_zero(row[0])
    assert _is_negative_zero(row[1][0])
    assert _is_negative_zero(row[2]["k"])
    assert row[3] == "-0"  # text stays text
    assert row[4] == 0 and type(row[4]) is int


def test_other_numbers_starting_with_minus_zero_are_untouched():
    values = loads_signed_zero(b"[-0.5, -0e0, 10, -0.0, -05]"[:-6] + b"]")
    assert values == [-0.5, 0.0, 10, 0.0]
    assert [type(v) for v in values] == [float, float, int, float]


# --- integration ------------------------------------------------------------------------------

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def tconn(request):
    connection = db.connect(request.getfixturevalue("timeplus_dsn"), query_mode="table")
    yield connection
    connection.close()


any_width_int = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.integers(min_value=-(2**127), max_value=2**128 - 1),
    st.integers(min_value=-(2**255), max_value=2**256 - 1),
    st.sampled_from([low for _, low, _ in INT_TYPES] + [high for _, _, high in INT_TYPES]),
    st.sampled_from([2**64, 2**64 - 1, -(2**63), -(2**63) - 1]),
)


@pytest.mark.integration
@SETTINGS
@given(value=any_width_int)
def test_bound_integers_of_any_width_come_back_exactly(tconn, value):
    cur = tconn.cursor()
    cur.execute("SELECT %s AS v, %s = %s AS same", (value, value, value))
    assert cur.fetchone() == (value, True)


@pytest.mark.integration
def test_wide_integer_parameter_matches_only_its_own_row(conn, new_stream):
    name = new_stream([("v", "int128")])
    cur = conn.cursor()
    cur.executemany(f"INSERT INTO {name} (v) VALUES (%s)", [(2**100,), (-(2**126),)])
    for probe, expected in [(2**100 + 1, []), (2**100, [(2**100,)]),
                            (-(2**126) - 1, []), (-(2**126), [(-(2**126),)])]:
        cur.execute(f"SELECT v FROM table({name}) WHERE v = %s", (probe,))
        assert cur.fetchall() == expected, probe


@pytest.mark.integration
def test_integers_beyond_256_bits_are_refused_before_sending(tconn):
    with pytest.raises(db.DataError):
        tconn.cursor().execute("SELECT %s", (2**256,))


@pytest.mark.integration
def test_negative_zero_keeps_its_sign_in_every_float_shape(conn, new_stream):
    name = new_stream([
        ("f64", "float64"), ("f32", "float32"), ("n", "nullable(float64)"),
        ("a", "array(float32)"), ("m", "map(string, float64)"), ("t", "tuple(float64, int8)"),
    ])
    cur = conn.cursor()
    cur.execute(f"INSERT INTO {name} (f64, f32, n, a, m, t) VALUES (%s, %s, %s, %s, %s, %s)",
                (-0.0, -0.0, -0.0, [-0.0, 1.5], {"k": -0.0}, (-0.0, 0)))
    cur.execute(f"SELECT f64, f32, n, a, m, t FROM table({name})")
    f64, f32, n, a, m, t = cur.fetchone()
    for value in (f64, f32, n, a[0], m["k"], t[0]):
        assert _is_negative_zero(value), (f64, f32, n, a, m, t)
    assert a[1] == 1.5 and t[1] == 0 and type(t[1]) is int


@pytest.mark.integration
def test_negative_zero_literal_and_float_columns_give_floats(tconn):
    cur = tconn.cursor()
    cur.execute("SELECT -0.0 AS z, to_float32(-0.0) AS z32, 0.0 AS p, to_float64(2) AS two")
    z, z32, p, two = cur.fetchone()
    assert _is_negative_zero(z) and _is_negative_zero(z32)
    assert p == 0 and math.copysign(1.0, p) > 0 and type(p) is float
    assert two == 2.0 and type(two) is float


# --- text that is not UTF-8 (item 12) ------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize(
    ("sql", "params", "error", "match"),
    [
        ("SELECT 'a\udc80b' AS s", None, db.ProgrammingError, "statement contains a lone"),
        ("SELECT %s AS s", ("a\ud800",), db.DataError, "lone surrogate"),
        ("SELECT %s AS s", (b"\xff\xfeok",), db.DataError, "not valid UTF-8"),
        ("SELECT %(b)s AS s", {"b": bytearray(b"ok\xc3")}, db.DataError, "not valid UTF-8"),
        ("SELECT %s AS s", ([b"ok", b"\x80"],), db.DataError, "not valid UTF-8"),
        ("SELECT `a\udc80` FROM (SELECT 1)", None, db.ProgrammingError, "lone surrogate"),
    ],
)
def test_text_that_is_not_utf8_is_refused_before_sending(emulator, sql, params, error, match):
    connection = db.connect(emulator.dsn, query_mode="table")
    before = sum(emulator.request_counts.values())
    with pytest.raises(error, match=match):
        connection.cursor().execute(sql, params)
    assert sum(emulator.request_counts.values()) == before
    connection.close()


@pytest.mark.integration
def test_utf8_bytes_parameter_reads_back_as_its_text(tconn):
    cur = tconn.cursor()
    cur.execute("SELECT %s AS s, length(%s) AS n", (b"caf\xc3\xa9 \\ '", "é".encode()))
    assert cur.fetchone() == ("café \\ '", 2)


# --- integers inside json values (item 7) ---------------------------------------------------


@pytest.mark.integration
def test_json_values_give_back_small_integers_as_integers(conn, new_stream):
    """Timeplus (Proton's Object('json')) sends integers that fit 32 bits as numbers and
    quotes 64-bit ones, as for int64 columns; the driver passes json values through."""
    name = new_stream([("v", "json")])
    cur = conn.cursor()
    cur.executemany(f"INSERT INTO {name} (v) VALUES (%s)",
                    [({"a": 1, "n": {"b": -2}, "f": 0.5, "s": "1", "big": 2**40},)])
    cur.execute(f"SELECT v FROM table({name})")
    assert cur.fetchall() == [({"a": 1, "n": {"b": -2}, "f": 0.5, "s": "1",
                                "big": str(2**40)},)]


@pytest.mark.integration
@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.client.ingest("s", ["a\udc80"], [["x"]]), db.DataError),
        (lambda c: c.client.ingest("s\udc80", ["a"], [["x"]]), db.DataError),
        (lambda c: c.client.ingest("s", ["a"], [["x\udc80"]]), db.DataError),
        (lambda c: c.client.ingest("s", ["a"], [[b"\xff"]]), db.DataError),
        (lambda c: c.client.ingest_payload("s", '{"columns":["a"],"data":[["\udc80"]]}'),
         db.DataError),
        (lambda c: c.client.ingest_payload("s", b'{"columns":["a"],"data":[["\xff"]]}'),
         db.DataError),
        (lambda c: c.client.start_query("SELECT '\udc80'"), db.ProgrammingError),
        (lambda c: c.client.create_view("v_x", "SELECT '\udc80' AS x"), db.ProgrammingError),
        (lambda c: c.cursor().executemany("INSERT INTO s (a) VALUES (%s)", [(b"\xc3",)]),
         db.DataError),
    ],
)
def test_every_client_path_refuses_text_that_is_not_utf8_before_sending(emulator, call, error):
    connection = db.connect(emulator.dsn)
    connection.client.create_stream("s", [("a", "string")], if_not_exists=True)
    before = emulator.request_counts
    with pytest.raises(error, match="UTF-8"):
        call(connection)
    after = emulator.request_counts
    assert {k: v for k, v in after.items() if k not in ("get_stream",)} == {
        k: v for k, v in before.items() if k not in ("get_stream",)}
    connection.close()


@pytest.mark.integration
def test_negative_zero_keeps_its_sign_in_arrow_and_numpy_results(tconn):
    pytest.importorskip("pyarrow")
    cur = tconn.cursor()
    cur.execute("SELECT -0.0 AS z, to_float32(-0.0) AS z32, [-0.0] AS a")
    (row,) = cur.arrow().to_pylist()
    assert all(map(_is_negative_zero, (row["z"], row["z32"], row["a"][0])))
    cur.execute("SELECT -0.0 AS z")
    assert math.copysign(1.0, float(cur.fetchnumpy()["z"][0])) < 0
