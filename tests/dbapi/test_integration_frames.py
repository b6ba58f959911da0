"""Columnar reads against the emulator: every Timeplus type ingested, read back with
``cursor.arrow()``, ``df()``, ``pl()`` and ``fetchnumpy()``, and compared with expected values
written by hand; NULLs, empty results, streaming queries and streams broken mid-way."""

from __future__ import annotations

import datetime
import decimal
import math
import sys
import uuid
from zoneinfo import ZoneInfo

import pytest

import timeplus_dbapi as db

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")
np = pytest.importorskip("numpy")

pytestmark = pytest.mark.integration

UTC = datetime.timezone.utc
TOKYO = ZoneInfo("Asia/Tokyo")
D = decimal.Decimal
DT = datetime.datetime

# (type, values ingested, Arrow type, Arrow values read back, pandas dtype, polars dtype)
CASES = [
    ("int8", [-128, 127], "int8", [-128, 127], "int8", "Int8"),
    ("int16", [-32768], "int16", [-32768], "int16", "Int16"),
    ("int32", [2**31 - 1], "int32", [2**31 - 1], "int32", "Int32"),
    ("int64", [-(2**63), 2**63 - 1], "int64", [-(2**63), 2**63 - 1], "int64", "Int64"),
    ("uint8", [255], "uint8", [255], "uint8", "UInt8"),
    ("uint16", [65535], "uint16", [65535], "uint16", "UInt16"),
    ("uint32", [2**32 - 1], "uint32", [2**32 - 1], "uint32", "UInt32"),
    ("uint64", [2**64 - 1], "uint64", [2**64 - 1], "uint64", "UInt64"),
    ("int128", [-(2**127)], "string", [str(-(2**127))], "object", "String"),
    ("uint128", [2**128 - 1], "string", [str(2**128 - 1)], "object", "String"),
    ("int256", [-(2**255)], "string", [str(-(2**255))], "object", "String"),
    ("uint256", [2**256 - 1], "string", [str(2**256 - 1)], "object", "String"),
    ("float32", [1.5, math.inf], "float", [1.5, math.inf], "float32", "Float32"),
    ("float64", [1.1, -1e300, -math.inf], "double", [1.1, -1e300, -math.inf], "float64", "Float64"),
    (
        "decimal(10, 2)",
        [D("12345678.91"), D("-0.01")],
        "decimal128(10, 2)",
        [D("12345678.91"), D("-0.01")],
        "object",
        "Decimal(precision=10, scale=2)",
    ),
    (
        "decimal(40, 5)",
        [D("12345678901234567890123456789012345.12345")],
        "decimal256(40, 5)",
        [D("12345678901234567890123456789012345.12345")],
        "object",
        None,
    ),
    (
        "string",
        ["", "it's", "emoji 🎉 ü", "\x00nul"],
        "string",
        ["", "it's", "emoji 🎉 ü", "\x00nul"],
        None,
        "String",
    ),
    ("fixed_string(4)", ["ab"], "string", ["ab\x00\x00"], None, "String"),
    ("bool", [True, False], "bool", [True, False], "bool", "Boolean"),
    (
        "date",
        [datetime.date(1970, 1, 1), datetime.date(2149, 6, 6)],
        "date32[day]",
        [datetime.date(1970, 1, 1), datetime.date(2149, 6, 6)],
        "object",
        "Date",
    ),
    (
        "date32",
        [datetime.date(1900, 1, 1), datetime.date(2299, 12, 31)],
        "date32[day]",
        [datetime.date(1900, 1, 1), datetime.date(2299, 12, 31)],
        "object",
        "Date",
    ),
    (
        "datetime64(3)",
        [DT(2024, 1, 2, 3, 4, 5, 678000)],
        "timestamp[ms]",
        [DT(2024, 1, 2, 3, 4, 5, 678000)],
        "datetime64[ms]",
        "Datetime(time_unit='ms', time_zone=None)",
    ),
    (
        "datetime64(6, 'UTC')",
        [DT(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)],
        "timestamp[us, tz=UTC]",
        [DT(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)],
        "datetime64[us, UTC]",
        "Datetime(time_unit='us', time_zone='UTC')",
    ),
    (
        "datetime64(3, 'Asia/Tokyo')",
        [DT(2024, 1, 2, 3, 4, 5, 678000, tzinfo=TOKYO)],
        "timestamp[ms, tz=Asia/Tokyo]",
        [DT(2024, 1, 2, 3, 4, 5, 678000, tzinfo=TOKYO)],
        "datetime64[ms, Asia/Tokyo]",
        "Datetime(time_unit='ms', time_zone='Asia/Tokyo')",
    ),
    (
        "uuid",
        [uuid.UUID("12345678-1234-5678-1234-567812345678")],
        "string",
        ["12345678-1234-5678-1234-567812345678"],
        None,
        "String",
    ),
    ("ipv4", ["192.168.0.1"], "string", ["192.168.0.1"], None, "String"),
    ("ipv6", ["2001:db8::1"], "string", ["2001:db8::1"], None, "String"),
    (
        "enum8('a' = 1, 'b c' = 2)",
        ["b c", "a"],
        "dictionary<values=string, indices=int16, ordered=0>",
        ["b c", "a"],
        "category",
        "Categorical",
    ),
    (
        "array(int32)",
        [[], [1, -2, 3]],
        "list<item: int32>",
        [[], [1, -2, 3]],
        "object",
        "List(Int32)",
    ),
    (
        "array(nullable(string))",
        [["x", None]],
        "list<item: string>",
        [["x", None]],
        "object",
        "List(String)",
    ),
    (
        "array(array(int64))",
        [[[1], [], [2**62]]],
        "list<item: list<item: int64>>",
        [[[1], [], [2**62]]],
        "object",
        "List(List(Int64))",
    ),
    (
        "map(string, int64)",
        [{}, {"a": 1, "b's": -2}],
        "map<string, int64>",
        [[], [("a", 1), ("b's", -2)]],
        "object",
        None,
    ),
    (
        "map(int32, array(string))",
        [{1: ["x"], -5: []}],
        "map<int32, list<item: string>>",
        [[(1, ["x"]), (-5, [])]],
        "object",
        None,
    ),
    (
        "tuple(int32, string)",
        [(1, "a")],
        "struct<1: int32, 2: string>",
        [{"1": 1, "2": "a"}],
        "object",
        "Struct({'1': Int32, '2': String})",
    ),
    ("nullable(int64)", [None, 5], "int64", [None, 5], "Int64", "Int64"),
    ("nullable(uint8)", [None, 5], "uint8", [None, 5], "UInt8", "UInt8"),
    ("nullable(float64)", [None, 1.5], "double", [None, 1.5], "Float64", "Float64"),
    ("nullable(bool)", [None, True], "bool", [None, True], "boolean", "Boolean"),
    ("nullable(string)", [None, "x"], "string", [None, "x"], None, "String"),
    (
        "nullable(datetime64(3, 'UTC'))",
        [None, DT(2024, 5, 6, 7, 8, 9, 10000, tzinfo=UTC)],
        "timestamp[ms, tz=UTC]",
        [None, DT(2024, 5, 6, 7, 8, 9, 10000, tzinfo=UTC)],
        "datetime64[ms, UTC]",
        "Datetime(time_unit='ms', time_zone='UTC')",
    ),
    ("low_cardinality(string)", ["lc", ""], "string", ["lc", ""], None, "String"),
    ("low_cardinality(nullable(string))", [None, "lcn"], "string", [None, "lcn"], None, "String"),
]
IDS = [case[0] for case in CASES]


def same(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b and type(a) is type(b)


@pytest.fixture(scope="module")
def typed_streams(request):
    """One stream per case, filled once for the module (ingest through executemany)."""
    server = request.getfixturevalue("timeplus_server")
    connection = db.connect(server.dsn)
    names = {}
    for type_text, values, *_ in CASES:
        name = f"t_frames_{uuid.uuid4().hex[:10]}"
        connection.client.create_stream(name, [("i", "int32"), ("v", type_text)])
        cur = connection.cursor()
        cur.executemany(f"INSERT INTO {name} (i, v) VALUES (%s, %s)", list(enumerate(values)))
        names[type_text] = name
    yield connection, names
    for name in names.values():
        connection.client.delete_stream(name, if_exists=True)
    connection.close()


def _read(typed_streams, type_text, method):
    connection, names = typed_streams
    cur = connection.cursor()
    cur.execute(f"SELECT v FROM table({names[type_text]}) ORDER BY i")
    return getattr(cur, method)()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_arrow_type_and_values(typed_streams, case):
    type_text, _, arrow_type, expected, _, _ = case
    table = _read(typed_streams, type_text, "arrow")
    assert str(table.schema.field("v").type) == arrow_type
    got = table.column("v").to_pylist()
    assert same(got, expected), (got, expected)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_pandas_dtype_and_values(typed_streams, case):
    type_text, _, _, expected, dtype, _ = case
    frame = _read(typed_streams, type_text, "df")
    series = frame["v"]
    if dtype is None:  # strings: pandas' own string dtype (str in pandas 3, object before)
        assert pd.api.types.is_string_dtype(series.dtype)
    else:
        assert str(series.dtype) == dtype
    got = [_missing_as_none(v) for v in series.astype(object).tolist()]
    want = [_pandas_form(v, type_text) for v in expected]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if isinstance(w, float) and math.isnan(w):
            assert math.isnan(g)
        else:
            assert g == w, (g, w)


def _missing_as_none(value):
    """pandas' missing markers (NA, NaT, and NaN in its str dtype) as None."""
    if isinstance(value, (list, dict)) or (isinstance(value, float) and not math.isnan(value)):
        return value
    return None if pd.isna(value) else value


def _pandas_form(value, type_text):
    """What pandas shows of a value: map entries as a dict, wide integers as Python ints."""
    if type_text.startswith("map") and isinstance(value, list):
        return dict(value)
    if type_text.startswith(("int128", "uint128", "int256", "uint256")):
        return int(value)
    return value


@pytest.mark.parametrize("case", [c for c in CASES if c[5] is not None], ids=lambda c: c[0])
def test_polars_dtype(typed_streams, case):
    type_text, _, _, expected, _, polars_dtype = case
    frame = _read(typed_streams, type_text, "pl")
    assert str(frame.schema["v"]) == polars_dtype
    assert len(frame) == len(expected)


def test_nanoseconds_are_kept(conn, new_stream):
    name = new_stream([("t", "datetime64(9, 'UTC')"), ("k", "datetime64(9, 'Asia/Tokyo')")])
    cur = conn.cursor()
    cur.execute(
        f"INSERT INTO {name} (t, k) VALUES "
        "('2024-01-02 03:04:05.123456789', '2024-01-02 03:04:05.000000001')"
    )
    cur.execute(f"SELECT t, k FROM table({name})")
    frame = cur.df()
    assert str(frame["t"].dtype) == "datetime64[ns, UTC]"
    assert frame["t"][0] == pd.Timestamp("2024-01-02 03:04:05.123456789", tz="UTC")
    assert str(frame["k"].dtype) == "datetime64[ns, Asia/Tokyo]"
    assert frame["k"][0] == pd.Timestamp("2024-01-02 03:04:05.000000001", tz="Asia/Tokyo")
    cur.execute(f"SELECT t FROM table({name})")
    column = cur.arrow().column("t")
    assert column.type == pa.timestamp("ns", tz="UTC")
    assert column.cast(pa.int64()).to_pylist() == [1704164645123456789]


def test_values_only_select_can_give(conn):
    cur = conn.cursor()
    cur.execute(
        "SELECT to_interval_second(5) AS iv, CAST((1.5, 2.5), 'point') AS p, "
        "CAST((1, 'a'), 'tuple(a int32, b string)') AS nt, NULL AS nothing, "
        "to_float64(-0.0) AS nz, to_float64(nan) AS nan",
        query_mode="table",
    )
    table = cur.arrow()
    assert [str(f.type) for f in table.schema] == [
        "int64",
        "struct<1: double, 2: double>",
        "struct<a: int32, b: string>",
        "null",
        "double",
        "double",
    ]
    row = table.to_pylist()[0]
    assert row["iv"] == 5 and row["p"] == {"1": 1.5, "2": 2.5} and row["nt"] == {"a": 1, "b": "a"}
    assert row["nothing"] is None
    assert math.copysign(1.0, row["nz"]) == -1.0 and math.isnan(row["nan"])


def test_fetchnumpy_masks_nulls(conn):
    cur = conn.cursor()
    cur.execute(
        "SELECT number AS i, if(number = 2, NULL, number * 10) AS n, to_string(number) AS s "
        "FROM numbers(4)",
        query_mode="table",
    )
    arrays = cur.fetchnumpy()
    assert arrays["i"].dtype == np.uint64 and arrays["i"].tolist() == [0, 1, 2, 3]
    assert isinstance(arrays["n"], np.ma.MaskedArray)
    assert arrays["n"].mask.tolist() == [False, False, True, False]
    assert arrays["n"].compressed().tolist() == [0, 10, 30]
    assert arrays["s"].tolist() == ["0", "1", "2", "3"]


def test_empty_result_has_the_header_types(conn, new_stream):
    name = new_stream(
        [
            ("i", "int64"),
            ("n", "nullable(int32)"),
            ("t", "datetime64(3, 'UTC')"),
            ("d", "decimal(10, 2)"),
        ]
    )
    cur = conn.cursor()
    cur.execute(f"SELECT i, n, t, d FROM table({name})")
    table = cur.arrow()
    assert table.num_rows == 0
    assert [str(f.type) for f in table.schema] == [
        "int64",
        "int32",
        "timestamp[ms, tz=UTC]",
        "decimal128(10, 2)",
    ]
    cur.execute(f"SELECT i, n, t, d FROM table({name})")
    frame = cur.df()
    assert len(frame) == 0 and list(frame.columns) == ["i", "n", "t", "d"]
    assert [str(t) for t in frame.dtypes] == ["int64", "Int32", "datetime64[ms, UTC]", "object"]
    cur.execute(f"SELECT i, n, t, d FROM table({name})")
    assert cur.pl().shape == (0, 4)


def test_rows_fetched_before_are_not_in_the_frame(conn):
    cur = conn.cursor()
    cur.execute("SELECT number AS n FROM numbers(10)", query_mode="table")
    assert cur.fetchone() == (0,)
    assert cur.fetchmany(2) == [(1,), (2,)]
    assert cur.df()["n"].tolist() == list(range(3, 10))
    assert cur.fetchall() == []


def test_record_batches_of_a_historical_query(conn):
    cur = conn.cursor()
    cur.execute("SELECT number AS n FROM numbers(2500)", query_mode="table")
    reader = cur.fetch_record_batch(rows_per_batch=1000)
    assert reader.schema.field("n").type == pa.uint64()
    sizes = [batch.num_rows for batch in reader]
    assert sizes == [1000, 1000, 500]
    cur.execute("SELECT number AS n FROM numbers(40000)", query_mode="table")
    batches = list(cur.fetch_record_batch(rows_per_batch=30000))  # built 16k rows at a time
    assert [b.num_rows for b in batches] == [30000, 10000]
    assert [n for b in batches for n in b.column(0).to_pylist()] == list(range(40000))


def test_record_batches_of_a_live_streaming_query(conn, new_stream):
    name = new_stream([("n", "int64")])
    cur = conn.cursor()
    cur.execute(f"SELECT n FROM {name}", batching_policy={"count": 10, "time_ms": 20})
    reader = cur.fetch_record_batch(rows_per_batch=5)
    conn.client.ingest(name, ["n"], [[i] for i in range(7)])
    got = []
    while len(got) < 7:
        batch = reader.read_next_batch()
        assert 1 <= batch.num_rows <= 5
        got.extend(batch.column(0).to_pylist())
    assert got == list(range(7))
    cur.close()
    with pytest.raises(db.InterfaceError, match="closed"):
        reader.read_next_batch()


def test_df_of_a_streaming_query_ended_by_limit(conn, new_stream):
    name = new_stream([("n", "int64"), ("s", "string")])
    cur = conn.cursor()
    cur.execute(f"SELECT n, s FROM {name} LIMIT 3")
    conn.client.ingest(name, ["n", "s"], [[i, f"v{i}"] for i in range(5)])
    frame = cur.df()
    assert frame["n"].tolist() == [0, 1, 2] and frame["s"].tolist() == ["v0", "v1", "v2"]


def test_stream_dropped_mid_way_is_an_error_not_a_short_frame(emulator, emu_conn, emu_stream):
    name = emu_stream([("n", "int64")])
    emu_conn.client.ingest(name, ["n"], [[i] for i in range(100)])
    for method in ("df", "arrow", "pl"):
        emulator.faults.drop_after_events(3)
        cur = emu_conn.cursor()
        cur.execute(f"SELECT n FROM table({name})", batching_policy={"count": 10, "time_ms": 10})
        with pytest.raises(db.OperationalError):
            getattr(cur, method)()
    emulator.faults.drop_after_events(3)
    cur = emu_conn.cursor()
    cur.execute(f"SELECT n FROM table({name})", batching_policy={"count": 10, "time_ms": 10})
    with pytest.raises(db.OperationalError):
        for _ in cur.fetch_record_batch(rows_per_batch=10):
            pass


def test_columnar_read_needs_a_result(conn):
    cur = conn.cursor()
    with pytest.raises(db.ProgrammingError):
        cur.df()
    cur.close()
    with pytest.raises(db.InterfaceError):
        cur.arrow()


@pytest.mark.parametrize(
    "method, module, extra",
    [
        ("arrow", "pyarrow", "arrow"),
        ("df", "pyarrow", "arrow"),
        ("pl", "polars", "polars"),
        ("fetch_record_batch", "pyarrow", "arrow"),
        ("fetchnumpy", "pyarrow", "arrow"),
    ],
)
def test_missing_package_is_an_error_naming_the_extra(conn, monkeypatch, method, module, extra):
    cur = conn.cursor()
    cur.execute("SELECT 1 AS one", query_mode="table")
    monkeypatch.setitem(sys.modules, module, None)  # `import module` now fails
    with pytest.raises(db.InterfaceError, match=rf"needs {module}.*\[{extra}\]"):
        getattr(cur, method)()


def test_enum_categories_are_the_declared_labels(typed_streams):
    frame = _read(typed_streams, "enum8('a' = 1, 'b c' = 2)", "df")
    assert list(frame["v"].cat.categories) == ["a", "b c"]
    assert frame["v"].tolist() == ["b c", "a"]


def test_record_batches_hold_one_batch_of_memory(conn):
    """Arrow memory stays at about one batch while iterating, not the whole result."""
    cur = conn.cursor()
    cur.execute(
        "SELECT number AS n, repeat('x', 100) AS s FROM numbers(100000)", query_mode="table"
    )
    before = pa.total_allocated_bytes()
    peak, rows = 0, 0
    for batch in cur.fetch_record_batch(rows_per_batch=5000):
        rows += batch.num_rows
        peak = max(peak, pa.total_allocated_bytes() - before)
        del batch
    assert rows == 100_000
    whole = 100_000 * (8 + 100 + 4)  # what the whole result takes in Arrow: 11.2 MB
    assert peak < whole / 5, peak


def test_fetchnumpy_of_datetimes_and_bools_with_nulls(conn):
    cur = conn.cursor()
    cur.execute(
        "SELECT if(number = 1, NULL, to_datetime64('2024-01-02 03:04:05.678', 3, 'UTC')) AS t, "
        "if(number = 0, NULL, number = 2) AS b FROM numbers(3)",
        query_mode="table",
    )
    arrays = cur.fetchnumpy()
    assert arrays["t"].mask.tolist() == [False, True, False]
    assert arrays["t"].compressed().tolist()[0] == np.datetime64("2024-01-02T03:04:05.678")
    assert arrays["b"].mask.tolist() == [True, False, False]
    assert arrays["b"].compressed().tolist() == [False, True]
