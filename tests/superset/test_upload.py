"""Superset file upload into Timeplus (``TimeplusEngineSpec.df_to_sql``). Skipped unless Apache
Superset is installed in the running venv.

The uploads go over HTTP to the emulator. Superset's ``Database`` model needs a full Superset
app (metadata database, config; even importing Superset's upload readers needs one), so a small
stand-in gives the engine spec what it asks of a database (``get_sqla_engine``): a real engine,
with the URL Superset would build. ``scripts/superset/e2e_check.py`` uploads a CSV file through
Superset's real REST endpoint and reads it back through SQL Lab.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import uuid
from collections.abc import Iterator
from typing import Any, Optional

import pytest

pytest.importorskip("superset")

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine.url import make_url
from superset.exceptions import SupersetException
from superset.sql.parse import Table

import timeplus_dbapi
from sqlalchemy_timeplus.superset import TimeplusEngineSpec
from timeplus_emulator.server import EmulatorServer

UPLOAD_KWARGS = {"chunksize": 1000, "if_exists": "fail", "index": False}  # as Superset sends


class UploadDatabase:
    """What ``df_to_sql`` and Superset's readers use of ``superset.models.core.Database``."""

    db_engine_spec = TimeplusEngineSpec

    def __init__(self, dsn: str) -> None:
        url, _ = TimeplusEngineSpec.adjust_engine_params(make_url(dsn), {})
        self.engine = sa.create_engine(url)
        self.schemas_asked: list[Optional[str]] = []

    @contextlib.contextmanager
    def get_sqla_engine(
        self, catalog: Optional[str] = None, schema: Optional[str] = None, source: Any = None
    ) -> Iterator[sa.engine.Engine]:
        self.schemas_asked.append(schema)
        yield self.engine


@pytest.fixture
def database(timeplus_dsn: str) -> Iterator[UploadDatabase]:
    database = UploadDatabase(timeplus_dsn)
    yield database
    database.engine.dispose()


@pytest.fixture
def stream_name(timeplus_dsn: str) -> Iterator[str]:
    name = f"superset_upload_{uuid.uuid4().hex[:10]}"
    yield name
    conn = timeplus_dbapi.connect(timeplus_dsn)
    try:
        conn.client.delete_stream(name, if_exists=True)
    finally:
        conn.close()


def read_back(dsn: str, name: str, order_by: str) -> tuple[list[tuple[str, str]], list[Any]]:
    """The stream's (column, type) pairs and its rows (all columns), in historical mode."""
    conn = timeplus_dbapi.connect(dsn, query_mode="table")
    try:
        cursor = conn.cursor()
        cursor.execute(f"DESCRIBE {name}")
        columns = [(row[0], row[1]) for row in cursor.fetchall()]
        user_columns = ", ".join(name for name, _ in columns if not name.startswith("_tp_"))
        cursor.execute(f"SELECT {user_columns} FROM {name} ORDER BY {order_by}")
        return columns, cursor.fetchall()
    finally:
        conn.close()


def mixed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3],
            "price": [1.5, np.nan, -2.25],
            "label": ["a", None, "ünïcode 'q'"],
            "ts": pd.to_datetime(["2024-01-01 00:00:00.123", None, "2024-03-01 12:00:00.000"]),
            "count": pd.array([7, None, -3], dtype="Int64"),
            "flag": [True, False, True],
            "at": pd.to_datetime(
                ["2024-06-01 12:00:00.5", None, "2024-12-01 00:00:00.0"]
            ).tz_localize("Europe/Berlin"),
        }
    )


def upload(database: UploadDatabase, name: str, frame: pd.DataFrame, **kwargs: Any) -> None:
    TimeplusEngineSpec.df_to_sql(database, Table(name), frame, {**UPLOAD_KWARGS, **kwargs})


def test_file_upload_is_offered() -> None:
    assert TimeplusEngineSpec.supports_file_upload is True


@pytest.mark.integration
def test_upload_creates_the_stream_and_keeps_every_value(
    database: UploadDatabase, stream_name: str, timeplus_dsn: str
) -> None:
    upload(database, stream_name, mixed_frame())
    columns, rows = read_back(timeplus_dsn, stream_name, "id")
    assert columns == [
        ("id", "nullable(int64)"),
        ("price", "nullable(float64)"),
        ("label", "nullable(string)"),
        ("ts", "nullable(datetime64(6))"),
        ("count", "nullable(int64)"),
        ("flag", "nullable(bool)"),
        ("at", "nullable(datetime64(6, 'UTC'))"),
        ("_tp_time", "datetime64(3, 'UTC')"),
    ]
    utc = dt.timezone.utc
    assert rows == [
        (
            1, 1.5, "a", dt.datetime(2024, 1, 1, 0, 0, 0, 123000), 7, True,
            dt.datetime(2024, 6, 1, 10, 0, 0, 500000, tzinfo=utc),
        ),
        (2, None, None, None, None, False, None),
        (
            3, -2.25, "ünïcode 'q'", dt.datetime(2024, 3, 1, 12, 0), -3, True,
            dt.datetime(2024, 11, 30, 23, 0, tzinfo=utc),
        ),
    ]  # fmt: skip
    assert database.schemas_asked == [None]


@pytest.mark.integration
def test_upload_into_the_default_database_by_name(
    database: UploadDatabase, stream_name: str, timeplus_dsn: str
) -> None:
    frame = pd.DataFrame({"k": [2, 1]})
    TimeplusEngineSpec.df_to_sql(
        database, Table(stream_name, "default"), frame, dict(UPLOAD_KWARGS)
    )
    assert read_back(timeplus_dsn, stream_name, "k")[1] == [(1,), (2,)]


@pytest.mark.integration
def test_if_exists_fail_append_replace(
    database: UploadDatabase, stream_name: str, timeplus_dsn: str
) -> None:
    upload(database, stream_name, pd.DataFrame({"k": [1, 2], "v": ["x", "y"]}))
    with pytest.raises(ValueError, match="already exists"):
        upload(database, stream_name, pd.DataFrame({"k": [9], "v": ["z"]}))
    assert read_back(timeplus_dsn, stream_name, "k")[1] == [(1, "x"), (2, "y")]

    upload(database, stream_name, pd.DataFrame({"k": [3], "v": [None]}), if_exists="append")
    assert read_back(timeplus_dsn, stream_name, "k")[1] == [(1, "x"), (2, "y"), (3, None)]

    replacement = pd.DataFrame({"when": pd.to_datetime(["2025-05-05 05:05:05"]), "n": [0.5]})
    upload(database, stream_name, replacement, if_exists="replace")
    columns, rows = read_back(timeplus_dsn, stream_name, "n")
    assert [name for name, _ in columns] == ["when", "n", "_tp_time"]
    assert rows == [(dt.datetime(2025, 5, 5, 5, 5, 5), 0.5)]


@pytest.mark.integration
def test_index_written_under_its_label(
    database: UploadDatabase, stream_name: str, timeplus_dsn: str
) -> None:
    frame = pd.DataFrame({"v": [10, 20]}, index=pd.Index(["r1", "r2"], name="ignored"))
    upload(database, stream_name, frame, index=True, index_label="row_key")
    columns, rows = read_back(timeplus_dsn, stream_name, "row_key")
    assert [name for name, _ in columns] == ["row_key", "v", "_tp_time"]
    assert rows == [("r1", 10), ("r2", 20)]


@pytest.mark.integration
def test_unnamed_index_is_called_index_as_to_sql_does(
    database: UploadDatabase, stream_name: str, timeplus_dsn: str
) -> None:
    upload(database, stream_name, pd.DataFrame({"v": [5.0, 6.0]}), index=True)
    columns, rows = read_back(timeplus_dsn, stream_name, "index")
    assert [name for name, _ in columns] == ["index", "v", "_tp_time"]
    assert rows == [(0, 5.0), (1, 6.0)]


@pytest.mark.integration
def test_index_label_is_ignored_without_index(
    database: UploadDatabase, stream_name: str, timeplus_dsn: str
) -> None:
    upload(database, stream_name, pd.DataFrame({"v": [1]}), index=False, index_label="row")
    assert [name for name, _ in read_back(timeplus_dsn, stream_name, "v")[0]] == ["v", "_tp_time"]


@pytest.mark.integration
def test_one_vectorised_request_pipeline_not_to_sql_chunks(
    timeplus_server: EmulatorServer, stream_name: str
) -> None:
    """Superset asks for chunksize=1000; 20,000 rows still go in a few large ingest requests."""
    database = UploadDatabase(timeplus_server.dsn)
    frame = pd.DataFrame({"k": np.arange(20_000), "v": np.arange(20_000) * 0.5})
    before = timeplus_server.request_counts.get("ingest", 0)
    try:
        upload(database, stream_name, frame)
    finally:
        database.engine.dispose()
    requests = timeplus_server.request_counts.get("ingest", 0) - before
    assert 1 <= requests <= 3
    conn = timeplus_dbapi.connect(timeplus_server.dsn, query_mode="table")
    try:
        cursor = conn.cursor()
        cursor.execute(f"SELECT count(), sum(k), sum(v) FROM {stream_name}")
        assert cursor.fetchone() == (20_000, 199_990_000, 99_995_000.0)
    finally:
        conn.close()


MICROSECONDS = pd.DataFrame({"t": pd.to_datetime(["2024-01-01 00:00:00.123456", None])})
NANOSECONDS = pd.DataFrame({"t": pd.to_datetime(["2024-01-01 00:00:00.123456789", None])})


@pytest.mark.integration
def test_a_new_stream_keeps_microseconds(
    database: UploadDatabase, stream_name: str, timeplus_dsn: str
) -> None:
    upload(database, stream_name, MICROSECONDS)
    columns, rows = read_back(timeplus_dsn, stream_name, "t")
    assert columns[0] == ("t", "nullable(datetime64(6))")
    assert rows == [(dt.datetime(2024, 1, 1, 0, 0, 0, 123456),), (None,)]


@pytest.mark.integration
def test_times_finer_than_a_microsecond_append_to_a_stream_that_keeps_them(
    database: UploadDatabase, stream_name: str, timeplus_dsn: str
) -> None:
    conn = timeplus_dbapi.connect(timeplus_dsn)
    try:
        conn.client.create_stream(stream_name, [("t", "nullable(datetime64(9))")])
        upload(database, stream_name, NANOSECONDS, if_exists="append")
        cursor = conn.cursor()
        cursor.execute(f"SELECT to_string(t) FROM table({stream_name}) WHERE t IS NOT NULL")
        assert cursor.fetchall() == [("2024-01-01 00:00:00.123456789",)]
    finally:
        conn.close()


@pytest.mark.integration
@pytest.mark.parametrize("if_exists", ["fail", "replace", "append"])
def test_times_finer_than_a_microsecond_refused_for_a_new_stream(
    database: UploadDatabase, stream_name: str, timeplus_dsn: str, if_exists: str
) -> None:
    """A stream made by the upload has datetime64(6) columns, which would cut nanoseconds."""
    with pytest.raises(SupersetException) as caught:
        upload(database, stream_name, NANOSECONDS, if_exists=if_exists)
    assert "column 't' has times finer than a microsecond (2024-01-01 00:00:00.123456789)" in (
        caught.value.message
    )
    conn = timeplus_dbapi.connect(timeplus_dsn)
    try:
        assert not conn.client.stream_exists(stream_name)
    finally:
        conn.close()


CSV_FILE = (
    "city,visits,share,opened,note\n"
    "Oslo,3,0.25,2024-02-01 08:30:00,first\n"
    "Lima,,0.5,,\n"
    'Pune,12,,2024-02-03 23:59:59,"with, comma"\n'
)


@pytest.mark.integration
def test_csv_file_as_superset_reads_it(
    database: UploadDatabase, stream_name: str, timeplus_dsn: str
) -> None:
    """The frame Superset's CSV reader makes (``read_csv`` with the chosen date columns)."""
    frame = pd.read_csv(io.StringIO(CSV_FILE), parse_dates=["opened"])
    upload(database, stream_name, frame)
    columns, rows = read_back(timeplus_dsn, stream_name, "city")
    assert columns[:-1] == [
        ("city", "nullable(string)"),
        ("visits", "nullable(float64)"),  # pandas reads a number column with a gap as float
        ("share", "nullable(float64)"),
        ("opened", "nullable(datetime64(6))"),
        ("note", "nullable(string)"),
    ]
    assert rows == [
        ("Lima", None, 0.5, None, None),
        ("Oslo", 3.0, 0.25, dt.datetime(2024, 2, 1, 8, 30), "first"),
        ("Pune", 12.0, None, dt.datetime(2024, 2, 3, 23, 59, 59), "with, comma"),
    ]


# ---------------------------------------------------------------- refused before any request


class NoDatabase:
    """A database that must not be touched: the upload is refused before."""

    db_engine_spec = TimeplusEngineSpec

    def get_sqla_engine(self, **kwargs: Any) -> Any:
        raise AssertionError("the engine was asked for although the upload must be refused")


@pytest.mark.parametrize(
    ("table", "kwargs", "frame", "message"),
    [
        (
            Table("t", "analytics"),
            {},
            pd.DataFrame({"v": [1]}),
            "Timeplus uploads go to the 'default' database only: the REST ingest endpoint "
            "cannot write to streams of database 'analytics'",
        ),
        (
            Table("t"),
            {"schema": "other"},
            pd.DataFrame({"v": [1]}),
            "cannot write to streams of database 'other'",
        ),
        (Table("t"), {"dtype": {"v": sa.Integer()}}, pd.DataFrame({"v": [1]}), "(dtype)"),
        (Table("t"), {"if_exists": "delete_rows"}, pd.DataFrame({"v": [1]}), "'delete_rows'"),
        (Table("t"), {"compression": "gzip"}, pd.DataFrame({"v": [1]}), "['compression']"),
        (
            Table("t"),
            {},
            pd.DataFrame({"_tp_time": [1]}),
            "column '_tp_time': Timeplus reserves column names starting with '_tp_'",
        ),
        (
            Table("t"),
            {"index": True},
            pd.DataFrame({"v": [1]}, index=pd.Index([0], name="_tp_sn")),
            "column '_tp_sn'",
        ),
        (
            Table("t"),
            {"index": True, "index_label": "v"},
            pd.DataFrame({"v": [1]}),
            "the index label 'v' is also a column of the file",
        ),
        (
            Table("t"),
            {"index": True, "index_label": ["a", "b"]},
            pd.DataFrame({"v": [1]}),
            "index_label names 2 columns for an index of 1 levels",
        ),
        (
            Table("t"),
            {},
            pd.DataFrame([[1, 2]], columns=["v", "v"]),
            "column 'v' appears more than once",
        ),
    ],
)
def test_refused_with_a_message_naming_the_problem(
    table: Table, kwargs: dict[str, Any], frame: pd.DataFrame, message: str
) -> None:
    to_sql_kwargs = {**UPLOAD_KWARGS, **kwargs}
    with pytest.raises(SupersetException) as caught:
        TimeplusEngineSpec.df_to_sql(NoDatabase(), table, frame, to_sql_kwargs)  # type: ignore[arg-type]
    # Superset reports any ValueError from df_to_sql as "Table already exists"
    assert not isinstance(caught.value, ValueError)
    assert message in caught.value.message
