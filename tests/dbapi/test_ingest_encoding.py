"""Ingest bodies: JSON value encoding and size-capped chunking (no server)."""

import datetime
import decimal
import json
import uuid

import pytest

from timeplus_dbapi import DataError, NotSupportedError
from timeplus_dbapi.jsonvalues import encode_rows
from timeplus_dbapi.protocol.ingest import iter_compact_bodies, normalize_format


def test_encode_rows_native_json_values():
    rows = [
        (1, 2.5, "a'\\\"", None, True, [1, 2], {"k": 1}),
        (
            datetime.datetime(2024, 1, 2, 3, 4, 5, 6),
            datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
            datetime.date(2024, 1, 2),
            decimal.Decimal("12345678901234567890.123456789"),
            uuid.UUID(int=3),
            float("nan"),
            float("-inf"),
        ),
        (2**200, -(2**127)),
    ]
    decoded = json.loads(encode_rows(rows))
    assert decoded[0] == [1, 2.5, "a'\\\"", None, True, [1, 2], {"k": 1}]
    assert decoded[1] == [
        "2024-01-02T03:04:05.000006",
        "2024-01-02T03:04:05Z",
        "2024-01-02",
        "12345678901234567890.123456789",
        "00000000-0000-0000-0000-000000000003",
        "nan",
        "-inf",
    ]
    assert decoded[2] == [2**200, -(2**127)]


def test_encode_rejects_bad_values():
    with pytest.raises(DataError, match="surrogate"):
        encode_rows([["\ud800"]])
    with pytest.raises(NotSupportedError, match="object"):
        encode_rows([[object()]])


def test_chunks_respect_the_cap_and_keep_every_row_in_order():
    rows = [[i, "x" * (i % 50)] for i in range(5000)]
    bodies = list(iter_compact_bodies(["n", "s"], rows, encode_rows, max_bytes=20_000))
    assert len(bodies) > 5
    received = []
    for body, count in bodies:
        assert len(body) <= 20_000 + 100
        payload = json.loads(body)
        assert payload["columns"] == ["n", "s"]
        assert len(payload["data"]) == count
        received.extend(payload["data"])
    assert received == rows


def test_a_row_larger_than_the_cap_is_sent_alone():
    rows = [[1, "small"], [2, "y" * 5000], [3, "small"]]
    bodies = list(iter_compact_bodies(["n", "s"], rows, encode_rows, max_bytes=1000))
    assert [count for _, count in bodies] == [1, 1, 1]
    assert [json.loads(b)["data"][0][0] for b, _ in bodies] == [1, 2, 3]


def test_rows_are_pulled_lazily():
    pulled = []

    def rows():
        for i in range(100_000):
            pulled.append(i)
            yield [i]

    first = next(iter_compact_bodies(["n"], rows(), encode_rows, max_bytes=50_000))
    assert first[1] < 100_000
    assert len(pulled) < 100_000


@pytest.mark.parametrize(
    "name, canonical",
    [
        ("compact", "compact"),
        ("compat", "compact"),
        ("stream", "streaming"),
        ("RAW", "raw"),
        ("lines", "lines"),
    ],
)
def test_format_spellings(name, canonical):
    assert normalize_format(name) == canonical


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown ingest format"):
        normalize_format("csv")


@pytest.mark.parametrize(
    "row, expected",
    [
        ([float("nan"), 1.5], ["nan", 1.5]),  # no None in the row: orjson would write null
        ([float("inf"), "x"], ["inf", "x"]),
        ([2**64, -(2**100)], [2**64, -(2**100)]),
        ([{1: "a"}, (1, 2)], [{"1": "a"}, [1, 2]]),
        (
            [decimal.Decimal("0.1"), uuid.UUID(int=1)],
            ["0.1", "00000000-0000-0000-0000-000000000001"],
        ),
    ],
)
def test_encoding_is_exact_on_every_path(row, expected):
    assert json.loads(encode_rows([row])) == [expected]


def test_datetimes_encode_as_iso_text_the_server_parses():
    aware = datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc)
    naive = datetime.datetime(2024, 1, 2, 3, 4, 5, 600000)
    got = json.loads(encode_rows([[aware, naive, datetime.date(2024, 1, 2)]]))[0]
    assert datetime.datetime.fromisoformat(got[0]) == aware
    assert datetime.datetime.fromisoformat(got[1]) == naive
    assert got[2] == "2024-01-02"


def test_surrogates_rejected_without_none_in_row():
    with pytest.raises(DataError, match="surrogate"):
        encode_rows([["ok", "\udc80"]])


def test_numpy_scalars_encode_as_json_numbers():
    np = pytest.importorskip("numpy")
    row = [np.int64(2**62), np.float64(1.5), np.bool_(False), np.float64("inf")]
    assert json.loads(encode_rows([row])) == [[2**62, 1.5, False, "inf"]]


def _check_bodies(bodies, columns, rows, max_bytes):
    received = []
    for body, count in bodies:
        payload = json.loads(body)
        assert payload["columns"] == columns
        assert len(payload["data"]) == count
        received.extend(payload["data"])
    assert received == rows


def test_bodies_of_a_million_rows_are_nearly_full_and_never_over_the_cap():
    # Shaped like the benchmark rows (int64, float64, string, datetime text), ~80 bytes each.
    rows = [
        [i, i * 0.25, f"row-{i:07d}-{'x' * (i % 17)}", f"2024-01-01 00:00:{i % 60:02d}.123"]
        for i in range(1_000_000)
    ]
    cap = 4 * 1024 * 1024
    total = len(encode_rows(rows))
    bodies = list(iter_compact_bodies(["i", "f", "s", "t"], rows, encode_rows, max_bytes=cap))
    sizes = [len(body) for body, _ in bodies]
    assert max(sizes) <= cap
    assert all(size >= 0.9 * cap for size in sizes[:-1]), sizes
    assert len(bodies) <= -(-total // int(0.97 * cap))  # about as few as the bytes allow
    _check_bodies(bodies, ["i", "f", "s", "t"], rows, cap)


@pytest.mark.parametrize("cap", [700, 5_000, 64_000])
def test_bodies_with_uneven_rows_stay_under_the_cap_and_full(cap):
    # Row sizes jump by orders of magnitude so block size estimates are often wrong.
    rows = [[i, "y" * (3 if (i // 300) % 2 else (i * 37) % 400)] for i in range(6_000)]
    bodies = list(iter_compact_bodies(["n", "s"], rows, encode_rows, max_bytes=cap))
    sizes = [len(body) for body, _ in bodies]
    assert max(sizes) <= cap
    largest_row = max(len(encode_rows([row])) for row in rows)
    assert all(size >= cap - largest_row - cap / 64 for size in sizes[:-1]), sizes
    _check_bodies(bodies, ["n", "s"], rows, cap)


def test_encoding_work_stays_linear():
    encoded_bytes = []

    def counting_encoder(part):
        out = encode_rows(part)
        encoded_bytes.append(len(out))
        return out

    rows = [[i, "z" * (i % 90)] for i in range(200_000)]
    bodies = list(iter_compact_bodies(["n", "s"], rows, counting_encoder, max_bytes=256 * 1024))
    total = len(encode_rows(rows))
    assert len(bodies) > 20
    assert sum(encoded_bytes) < 2 * total


_EST = datetime.timezone(datetime.timedelta(hours=-5))
_DATETIMES = [
    datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
    datetime.datetime(2024, 1, 2, 3, 4, 5, 7000, tzinfo=datetime.timezone.utc),
    datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=_EST),
    datetime.datetime(2024, 1, 2, 3, 4, 5, 123456),
    datetime.datetime(2024, 1, 2, 3, 4, 5),
]


@pytest.mark.parametrize("value", _DATETIMES, ids=str)
def test_both_encoders_write_the_same_short_exact_datetime(value):
    from timeplus_dbapi import jsonvalues

    fast = json.loads(jsonvalues.encode_rows([[value]]))[0][0]
    standard = json.loads(jsonvalues._encode_std([[value]]))[0][0]
    assert fast == standard
    assert datetime.datetime.fromisoformat(fast.replace("Z", "+00:00")) == value
    assert " " not in fast and "+00:00" not in fast
    assert fast.endswith("Z") == (value.utcoffset() == datetime.timedelta(0))


def test_pandas_timestamp_keeps_its_nanoseconds():
    pd = pytest.importorskip("pandas")
    value = pd.Timestamp("2024-01-02 03:04:05.123456789", tz="UTC")
    assert json.loads(encode_rows([[value]]))[0][0] == "2024-01-02T03:04:05.123456789Z"
