"""``client.ingest_frame``: pandas DataFrames sent column-wise, read back from the server."""

from __future__ import annotations

import datetime
import decimal
import math
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timeplus_dbapi as db

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

pytestmark = pytest.mark.integration

UTC = datetime.timezone.utc


def _read(conn, name, columns):
    cur = conn.cursor()
    cur.execute(f"SELECT {columns} FROM table({name}) ORDER BY k", query_mode="table")
    return cur.fetchall()


def test_every_dtype_round_trips(conn, new_stream):
    name = new_stream(
        [
            ("k", "int64"),
            ("i32", "int32"),
            ("u64", "uint64"),
            ("f", "nullable(float64)"),
            ("b", "bool"),
            ("ni", "nullable(int64)"),
            ("s", "nullable(string)"),
            ("d", "nullable(decimal(20, 4))"),
            ("arr", "array(int32)"),
            ("naive", "nullable(datetime64(6))"),
            ("aware", "nullable(datetime64(3, 'UTC'))"),
            ("tokyo", "nullable(datetime64(3, 'Asia/Tokyo'))"),
        ]
    )
    new_york = pd.to_datetime(
        ["2024-03-10 01:59:59.999", "2024-03-10 03:00:00.000", None, "1999-12-31 19:00:00.000"]
    ).tz_localize("America/New_York")
    frame = pd.DataFrame(
        {
            "k": np.array([0, 1, 2, 3], dtype="int64"),
            "i32": np.array([-(2**31), 0, 7, 2**31 - 1], dtype="int32"),
            "u64": np.array([0, 1, 2**63, 2**64 - 1], dtype="uint64"),
            "f": [1.5, np.nan, np.inf, -np.inf],
            "b": [True, False, True, False],
            "ni": pd.array([1, None, -(2**63), 2**63 - 1], dtype="Int64"),
            "s": ["plain", None, "quote ' \" \\ backslash", "ünïcødé 🚀"],
            "d": [decimal.Decimal("1.2345"), None, decimal.Decimal("-99999999.9999"), 0],
            "arr": [[1, 2], [], [3], [-(2**31)]],
            "naive": pd.to_datetime(
                [
                    "2024-01-01 00:00:00.123456",
                    "2024-06-01 12:00:00.000000",
                    None,
                    "1970-01-02 00:00:00.000000",
                ]
            ),
            "aware": new_york,
            "tokyo": new_york,  # the instant is kept whatever the column's time zone
        }
    )
    assert conn.client.ingest_frame(name, frame) == 4
    rows = _read(conn, name, ", ".join(frame.columns))
    assert [r[0] for r in rows] == [0, 1, 2, 3]
    assert [r[1] for r in rows] == frame["i32"].tolist()
    assert [r[2] for r in rows] == [0, 1, 2**63, 2**64 - 1]
    assert rows[0][3] == 1.5 and rows[1][3] is None
    assert rows[2][3] == math.inf and rows[3][3] == -math.inf
    assert [r[4] for r in rows] == [True, False, True, False]
    assert [r[5] for r in rows] == [1, None, -(2**63), 2**63 - 1]
    assert [r[6] for r in rows] == ["plain", None, "quote ' \" \\ backslash", "ünïcødé 🚀"]
    assert [r[7] for r in rows] == [
        decimal.Decimal("1.2345"), None, decimal.Decimal("-99999999.9999"), decimal.Decimal(0)
    ]
    assert [r[8] for r in rows] == [[1, 2], [], [3], [-(2**31)]]
    assert [r[9] for r in rows] == [
        datetime.datetime(2024, 1, 1, 0, 0, 0, 123456),
        datetime.datetime(2024, 6, 1, 12),
        None,
        datetime.datetime(1970, 1, 2),
    ]
    expected_aware = [None if pd.isna(v) else v.to_pydatetime() for v in new_york]
    assert [r[10] for r in rows] == expected_aware
    assert [r[11] for r in rows] == expected_aware
    assert str(rows[0][11].tzinfo) == "Asia/Tokyo"


def test_non_nullable_columns_float_nan_kept_other_missing_refused(conn, new_stream):
    name = new_stream([("k", "int64"), ("f", "float64"), ("s", "string")])
    frame = pd.DataFrame({"k": [1, 2], "f": [np.nan, 0.5], "s": ["a", "b"]})
    assert conn.client.ingest_frame(name, frame) == 2
    cur = conn.cursor()
    cur.execute(f"SELECT k, is_nan(f), s FROM table({name}) ORDER BY k", query_mode="table")
    assert cur.fetchall() == [(1, True, "a"), (2, False, "b")]

    bad = pd.DataFrame({"k": [3, 4], "f": [1.0, 2.0], "s": ["c", None]})
    with pytest.raises(db.DataError, match=r"column 's'.*not nullable"):
        conn.client.ingest_frame(name, bad)
    assert len(_read(conn, name, "k")) == 2


def test_columns_map_frame_columns_to_stream_columns(conn, new_stream):
    name = new_stream([("k", "int64"), ("label", "string")])
    frame = pd.DataFrame({0: [2, 1], 1: ["two", "one"]})
    assert conn.client.ingest_frame(name, frame, columns=["k", "label"]) == 2
    assert _read(conn, name, "k, label") == [(1, "one"), (2, "two")]
    with pytest.raises(db.ProgrammingError, match="1 column names given for a frame of 2"):
        conn.client.ingest_frame(name, frame, columns=["k"])
    with pytest.raises(db.ProgrammingError, match="needs a pandas DataFrame"):
        conn.client.ingest_frame(name, [(1, "x")])


def test_many_chunks_and_bodies_keep_every_row_in_order(profile_dsn, new_stream):
    with db.connect(profile_dsn, ingest_max_bytes=256 * 1024) as small:
        name = new_stream([("k", "int64"), ("s", "string"), ("t", "datetime64(3, 'UTC')")])
        count = 150_000  # several conversion chunks (8,192 then 65,536 rows) and bodies
        start = pd.Timestamp("2024-01-01", tz="UTC")
        frame = pd.DataFrame(
            {
                "k": np.arange(count, dtype="int64"),
                "s": [f"v{i}" for i in range(count)],
                "t": start + pd.to_timedelta(np.arange(count) * 3, unit="ms"),
            }
        )
        assert small.client.ingest_frame(name, frame) == count
        cur = small.cursor()
        cur.execute(
            f"SELECT count(), sum(k), min(t), max(t), "
            f"sum(to_int64(to_unix_timestamp64_milli(t)) - k * 3) FROM table({name})",
            query_mode="table",
        )
        total, key_sum, first, last, drift = cur.fetchone()
        assert (total, key_sum) == (count, count * (count - 1) // 2)
        assert first == start.to_pydatetime()
        assert last == (start + pd.Timedelta(milliseconds=3 * (count - 1))).to_pydatetime()
        assert drift == count * int(start.timestamp() * 1000)


EXAMPLES = int(os.environ.get("TIMEPLUS_HYPOTHESIS_EXAMPLES", "60"))


@pytest.fixture(scope="module")
def frame_stream(request):
    connection = db.connect(request.getfixturevalue("timeplus_dsn"), query_mode="table")
    name = "frames_hypothesis"
    connection.client.create_stream(
        name,
        [
            ("k", "int64"),
            ("s", "nullable(string)"),
            ("f", "nullable(float64)"),
            ("t", "nullable(datetime64(6, 'UTC'))"),
        ],
        if_not_exists=True,
    )
    yield connection, name
    connection.client.delete_stream(name, if_exists=True)
    connection.close()


_text = st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
_floats = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=True, width=64))
_moments = st.one_of(
    st.none(),
    st.datetimes(
        min_value=datetime.datetime(1970, 1, 2),
        max_value=datetime.datetime(2200, 1, 1),
        timezones=st.just(UTC),
    ),
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(st.tuples(_text, _floats, _moments), min_size=1, max_size=20))
def test_random_frames_round_trip(frame_stream, rows):
    connection, name = frame_stream
    cur = connection.cursor()
    cur.execute("SELECT max(k) FROM table(frames_hypothesis)")
    (last,) = cur.fetchone()
    first = 0 if last is None else last + 1
    frame = pd.DataFrame(
        {
            "k": np.arange(first, first + len(rows), dtype="int64"),
            "s": pd.Series([r[0] for r in rows], dtype=object),
            "f": pd.Series([np.nan if r[1] is None else r[1] for r in rows], dtype="float64"),
            "t": pd.to_datetime(pd.Series([r[2] for r in rows], dtype=object), utc=True),
        }
    )
    assert connection.client.ingest_frame(name, frame) == len(rows)
    cur.execute(
        f"SELECT s, f, t FROM table({name}) WHERE k >= {first} ORDER BY k", query_mode="table"
    )
    assert cur.fetchall() == [tuple(r) for r in rows]


def test_empty_frame_sends_nothing_and_unknown_stream_is_named(conn, new_stream):
    name = new_stream([("k", "int64")])
    empty = pd.DataFrame({"k": np.array([], dtype="int64")})
    assert conn.client.ingest_frame(name, empty) == 0
    assert _read(conn, name, "k") == []
    with pytest.raises(db.DatabaseError, match="no_such_stream_here"):
        conn.client.ingest_frame("no_such_stream_here", pd.DataFrame({"k": [1]}))


def test_object_column_missing_value_in_non_nullable_float_column_is_nan(conn, new_stream):
    """An object column (e.g. floats and None) follows the float rule: NaN, not a silent 0."""
    name = new_stream([("k", "int64"), ("f", "float64")])
    frame = pd.DataFrame({"k": [1, 2, 3], "f": pd.Series([1.5, None, np.nan], dtype=object)})
    assert conn.client.ingest_frame(name, frame) == 3
    cur = conn.cursor()
    cur.execute(f"SELECT k, is_nan(f) FROM table({name}) ORDER BY k", query_mode="table")
    assert cur.fetchall() == [(1, False), (2, True), (3, True)]


def test_categorical_columns_keep_their_categories_type(conn, new_stream):
    name = new_stream(
        [
            ("k", "int64"),
            ("ci", "nullable(int64)"),
            ("cs", "nullable(string)"),
            ("ct", "nullable(datetime64(3, 'UTC'))"),
            ("cf", "float64"),
        ]
    )
    moments = pd.to_datetime(["2024-03-31 02:30", None, "2024-03-31 04:00"])
    frame = pd.DataFrame(
        {
            "k": [0, 1, 2],
            "ci": pd.Categorical([7, None, 2**62]),
            "cs": pd.Categorical(["b", None, "a"]),
            "ct": pd.Categorical(moments.tz_localize("Europe/Berlin", nonexistent="shift_forward")),
            "cf": pd.Categorical([0.5, None, 0.5]),
        }
    )
    assert conn.client.ingest_frame(name, frame) == 3
    cur = conn.cursor()
    cur.execute(
        f"SELECT ci, cs, ct, is_nan(cf) FROM table({name}) ORDER BY k", query_mode="table"
    )
    assert cur.fetchall() == [
        (7, "b", datetime.datetime(2024, 3, 31, 1, 0, tzinfo=UTC), False),
        (None, None, None, True),
        (2**62, "a", datetime.datetime(2024, 3, 31, 2, 0, tzinfo=UTC), False),
    ]


def test_frame_with_rows_but_no_columns_is_refused(conn, new_stream):
    name = new_stream([("k", "int64")])
    with pytest.raises(db.ProgrammingError, match="3 rows but no columns"):
        conn.client.ingest_frame(name, pd.DataFrame(index=range(3)))
    assert conn.client.ingest_frame(name, pd.DataFrame()) == 0
    assert _read(conn, name, "k") == []
