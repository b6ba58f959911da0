"""Dialect edge cases found in review (round-trips through the emulator, and compilation)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from timeplus_dbapi.dsn import resolve_params

pytestmark = pytest.mark.integration


def _wait_for_rows(engine: sa.engine.Engine, table: sa.Table, count: int) -> list[sa.Row]:
    deadline = time.monotonic() + 5
    while True:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(table)).fetchall()
        if len(rows) >= count or time.monotonic() > deadline:
            return list(rows)
        time.sleep(0.1)


def test_large_binary_round_trips_as_bytes(profile_engine, stream_name):
    """A LargeBinary column is a ``string`` stream column; reading it gave TypeError."""
    table = sa.Table(
        stream_name,
        sa.MetaData(),
        sa.Column("k", sa.Integer),
        sa.Column("blob", sa.LargeBinary, nullable=True),
    )
    table.create(profile_engine)
    try:
        with profile_engine.begin() as conn:
            conn.execute(table.insert(), [{"k": 1, "blob": b"ab\x00c"}, {"k": 2, "blob": None}])
        rows = sorted(_wait_for_rows(profile_engine, table, 2))
        assert rows == [(1, b"ab\x00c"), (2, None)]
    finally:
        table.drop(profile_engine)


@pytest.fixture
def people(historical, stream_name):
    table = sa.Table(
        stream_name,
        sa.MetaData(),
        sa.Column("k", sa.Integer),
        sa.Column("name", sa.String, nullable=True),
    )
    table.create(historical)
    with historical.begin() as conn:
        conn.execute(table.insert(), [{"k": 1, "name": "a"}, {"k": 2, "name": None}])
    _wait_for_rows(historical, table, 2)
    yield table
    table.drop(historical)


@pytest.mark.parametrize(
    ("value", "distinct", "not_distinct"),
    [("a", [2], [1]), (None, [1], [2]), ("zz", [1, 2], [])],
)
def test_is_distinct_from_treats_null_as_a_value(historical, people, value, distinct, not_distinct):
    """``IS [NOT] DISTINCT FROM`` is not Timeplus SQL: the statement failed on the server."""
    with historical.connect() as conn:
        found = conn.execute(
            sa.select(people.c.k).where(people.c.name.is_distinct_from(value)).order_by(people.c.k)
        ).scalars()
        assert list(found) == distinct
        found = conn.execute(
            sa.select(people.c.k)
            .where(people.c.name.is_not_distinct_from(value))
            .order_by(people.c.k)
        ).scalars()
        assert list(found) == not_distinct


def test_table_comment_round_trips_through_the_stream_description(profile_engine, stream_name):
    """``Table(comment=...)`` becomes the stream description; reflection returned None."""
    table = sa.Table(
        stream_name, sa.MetaData(), sa.Column("k", sa.Integer), comment="orders, 'quoted'"
    )
    table.create(profile_engine)
    try:
        inspector = sa.inspect(profile_engine)
        assert inspector.get_table_comment(stream_name) == {"text": "orders, 'quoted'"}
        reflected = sa.Table(stream_name, sa.MetaData(), autoload_with=profile_engine)
        assert reflected.comment == "orders, 'quoted'"
    finally:
        table.drop(profile_engine)


def test_table_comment_of_a_missing_stream_is_no_such_table(historical):
    with pytest.raises(sa.exc.NoSuchTableError):
        sa.inspect(historical).get_table_comment("no_such_stream_for_comment")


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_bad_reflect_reserved_columns_value_is_refused(value):
    """Any value but a true word meant false: a typo silently changed reflection."""
    with pytest.raises(sa.exc.ArgumentError, match="reflect_reserved_columns"):
        engine = sa.create_engine(f"timeplus://h/default?reflect_reserved_columns={value}")
        engine.dialect.create_connect_args(engine.url)


@pytest.mark.parametrize(("value", "expected"), [("false", False), ("no", False), ("1", True)])
def test_reflect_reserved_columns_keyword_accepts_words(value, expected):
    engine = sa.create_engine("timeplus://h/default", reflect_reserved_columns=value)
    assert engine.dialect.reflect_reserved_columns is expected


SECRET_KEY = "tpk-review-S3cr3t-0123456789"


@pytest.fixture(scope="module")
def key_server():
    from timeplus_emulator import run_emulator

    with run_emulator(api_key=SECRET_KEY) as server:
        yield server


def test_an_api_key_in_the_url_query_is_hidden_from_the_engine_repr(key_server):
    """``?api_key=`` (as the README suggests) showed in repr(engine) and str(engine.url)."""
    url = f"timeplus://127.0.0.1:{key_server.port}/default?api_key={SECRET_KEY}&query_mode=table"
    engine = sa.create_engine(url)
    try:
        assert SECRET_KEY not in repr(engine)
        assert SECRET_KEY not in repr(engine.url)  # str(url) shows passwords in SQLAlchemy 1.4
        assert engine.url.query == {"query_mode": "table"}
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


def test_a_user_and_password_in_the_url_query_are_hidden_from_the_engine_repr():
    """``?user=u&password=p`` showed the password in repr(engine) (only a warning said so)."""
    engine = sa.create_engine(f"timeplus://h/default?user=admin&password={SECRET_KEY}&timeout=5")
    assert SECRET_KEY not in repr(engine) and SECRET_KEY not in repr(engine.url)
    assert (engine.url.username, engine.url.password) == ("admin", SECRET_KEY)
    assert engine.url.query == {"timeout": "5"}
    args, _ = engine.dialect.create_connect_args(engine.url)
    params = resolve_params(args[0], {})
    assert (params.user, params.password, params.api_key) == ("admin", SECRET_KEY, None)


def test_a_secret_left_in_the_url_query_is_warned_about():
    url = f"timeplus://admin:pw@h/default?api_key={SECRET_KEY}"
    with pytest.warns(sa.exc.SAWarning, match="api_key"):
        engine = sa.create_engine(url)
    assert engine.url.query["api_key"] == SECRET_KEY  # left as given: both kinds of credentials


def test_array_items_and_slices(historical, stream_name):
    """``column[i]`` and ``column[i:j]`` on arrays raised UnsupportedCompilationError."""
    table = sa.Table(
        stream_name,
        sa.MetaData(),
        sa.Column("k", sa.Integer),
        sa.Column("arr", sa.ARRAY(sa.String), nullable=False),
        sa.Column("zero", sa.ARRAY(sa.Integer, zero_indexes=True), nullable=False),
    )
    table.create(historical)
    try:
        with historical.begin() as conn:
            conn.execute(table.insert(), [{"k": 1, "arr": ["a", "b", "c", "d"], "zero": [5, 6, 7]}])
        _wait_for_rows(historical, table, 1)
        with historical.connect() as conn:
            row = conn.execute(
                sa.select(table.c.arr[2], table.c.arr[2:3], table.c.zero[0], table.c.zero[1:2])
            ).one()
        assert tuple(row) == ("b", ["b", "c"], 5, [6, 7])  # SQL arrays count from 1 (PG-style)
    finally:
        table.drop(historical)


@pytest.mark.parametrize("index", [slice(2, None), slice(None, 3), slice(1, 3, 2)])
def test_open_or_stepped_array_slices_are_a_compile_error(index):
    table = sa.table("t", sa.column("arr", sa.ARRAY(sa.String)))
    from sqlalchemy_timeplus.base import TimeplusBaseDialect

    with pytest.raises(sa.exc.CompileError, match="slices"):
        sa.select(table.c.arr[index]).compile(dialect=TimeplusBaseDialect())
