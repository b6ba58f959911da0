"""Queries over the emulator (both profiles) or TIMEPLUS_TEST_URL."""

from __future__ import annotations

import datetime
import threading

import pytest

import timeplus_dbapi as db

pytestmark = pytest.mark.integration


def test_select_literals_and_description(conn):
    cur = conn.cursor()
    cur.execute("SELECT 1 AS one, 'a''b\\\\c' AS s, 1.5 AS f, [1, 2] AS arr")
    assert [d[0] for d in cur.description] == ["one", "s", "f", "arr"]
    assert cur.description[0][1] == "uint8"
    assert cur.description[0][6] is False
    assert cur.fetchall() == [(1, "a'b\\c", 1.5, [1, 2])]
    assert cur.rowcount == -1
    assert cur.query_id


def test_historical_query_of_ingested_rows(conn, new_stream):
    name = new_stream([("n", "int64"), ("s", "string")])
    cur = conn.cursor()
    cur.executemany(f"INSERT INTO {name} (n, s) VALUES (%s, %s)", [(i, f"v{i}") for i in range(50)])
    assert cur.rowcount == 50
    cur.execute(f"SELECT n, s FROM table({name}) ORDER BY n")
    rows = cur.fetchall()
    assert rows == [(i, f"v{i}") for i in range(50)]
    cur.execute(f"SELECT count() FROM table({name}) WHERE s = %s", ("v7",))
    assert cur.fetchone() == (1,)


def test_query_mode_table_on_connection_and_per_execute(profile_dsn, new_stream):
    with db.connect(profile_dsn, query_mode="table") as table_conn:
        name = new_stream([("n", "int64")])
        cur = table_conn.cursor()
        cur.executemany(f"INSERT INTO {name} (n) VALUES (%s)", [(1,), (2,), (3,)])
        cur.execute(f"SELECT sum(n) FROM {name}")  # plain stream, bounded by query_mode
        assert cur.fetchall() == [(6,)]
        cur.execute(f"SELECT n FROM {name} ORDER BY n SETTINGS max_threads=1 -- trailing")
        assert cur.fetchall() == [(1,), (2,), (3,)]


def test_per_execute_query_mode(conn, new_stream):
    name = new_stream([("n", "int64")])
    cur = conn.cursor()
    cur.executemany(f"INSERT INTO {name} (n) VALUES (%s)", [(5,)])
    cur.execute(f"SELECT n FROM {name};", query_mode="table")
    assert cur.fetchall() == [(5,)]


def test_streaming_cursor_receives_rows_ingested_after_execute(conn, new_stream):
    name = new_stream([("n", "int64"), ("s", "string")])
    cur = conn.cursor()
    cur.execute(f"SELECT n, s FROM {name}", idle_timeout=30)
    assert [d[0] for d in cur.description] == ["n", "s"]  # execute returned with the header

    with db.connect(**_same_server(conn)) as other:
        timer = threading.Timer(
            0.5, other.client.ingest, (name, ["n", "s"], [[1, "late"], [2, "later"]])
        )
        timer.start()
        rows = [cur.fetchone(), cur.fetchone()]
        timer.join()
    assert sorted(rows) == [(1, "late"), (2, "later")]
    cur.close()


def test_streaming_limit_ends_the_query(conn, new_stream):
    name = new_stream([("n", "int64")])
    cur = conn.cursor()
    cur.execute(f"SELECT n FROM {name} LIMIT 3")
    conn2 = db.connect(**_same_server(conn))
    try:
        conn2.client.ingest(name, ["n"], [[i] for i in range(10)])
    finally:
        conn2.close()
    assert len(cur.fetchall()) == 3


def test_batching_policy_is_accepted(conn, new_stream):
    name = new_stream([("n", "int64")])
    conn.client.ingest(name, ["n"], [[i] for i in range(20)])
    cur = conn.cursor()
    cur.execute(f"SELECT n FROM table({name})", batching_policy={"count": 5, "time_ms": 50})
    assert sorted(r[0] for r in cur.fetchall()) == list(range(20))


def test_fetchmany_and_iteration(conn):
    cur = conn.cursor()
    cur.execute("SELECT number FROM numbers(10)", query_mode="table")
    cur.arraysize = 3
    assert cur.fetchmany() == [(0,), (1,), (2,)]
    assert cur.fetchmany(2) == [(3,), (4,)]
    assert [r[0] for r in cur] == [5, 6, 7, 8, 9]
    assert cur.fetchone() is None


@pytest.mark.parametrize("size", [-1, 2.5, "2"])
def test_fetchmany_with_a_size_that_is_no_count_is_a_programming_error(conn, size):
    """It was a bare ValueError from islice (-1, and arraysize = -1), and the asyncio cursor
    answered [] to -1 with rows left: a short result without an error."""
    cur = conn.cursor()
    cur.execute("SELECT number FROM numbers(4)", query_mode="table")
    with pytest.raises(db.ProgrammingError, match="fetchmany"):
        cur.fetchmany(size)
    cur.arraysize = size
    with pytest.raises(db.ProgrammingError, match="arraysize"):
        cur.fetchmany()
    assert cur.fetchmany(0) == [] and cur.fetchall() == [(0,), (1,), (2,), (3,)]


@pytest.mark.parametrize(
    "sql, error, code",
    [
        ("SELEC 1", db.ProgrammingError, 62),
        ("SELECT * FROM table(no_such_stream_xyz)", db.ProgrammingError, 60),
        ("SELECT no_such_column_xyz", db.ProgrammingError, 47),
    ],
)
def test_server_errors_map_to_pep249(conn, sql, error, code):
    cur = conn.cursor()
    with pytest.raises(error) as info:
        cur.execute(sql)
        cur.fetchall()
    assert info.value.code == code
    assert conn.params.host in str(info.value)


def test_ddl_and_insert_via_queries(conn, new_stream):
    cur = conn.cursor()
    name = new_stream([("n", "int64"), ("t", "datetime64(3, 'UTC')")])
    cur.execute(f"INSERT INTO {name} (n, t) VALUES (1, '2024-01-01 00:00:00')")
    cur.execute(f"INSERT INTO {name} (n, t) SELECT n + 1, t FROM table({name})")
    cur.execute(f"SELECT n, t FROM table({name}) ORDER BY n")
    when = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    assert cur.fetchall() == [(1, when), (2, when)]
    cur.execute(f"CREATE STREAM IF NOT EXISTS {name} (n int64)")
    assert cur.description is None


def test_insert_without_column_list_uses_stream_columns(conn, new_stream):
    name = new_stream([("a", "int64"), ("b", "string")])
    cur = conn.cursor()
    cur.executemany(f"INSERT INTO {name} VALUES (%s, %s)", [(1, "x"), (2, "y")])
    assert cur.rowcount == 2
    cur.execute(f"INSERT INTO {name} VALUES (%(a)s, %(b)s)", {"a": 3, "b": "z"})
    cur.execute(f"SELECT a, b FROM table({name}) ORDER BY a")
    assert cur.fetchall() == [(1, "x"), (2, "y"), (3, "z")]
    with pytest.raises(db.ProgrammingError, match="2 columns"):
        cur.execute(f"INSERT INTO {name} VALUES (%s)", (1,))


def test_executemany_sends_large_batches_in_capped_chunks(profile_dsn, new_stream):
    with db.connect(profile_dsn, ingest_max_bytes=64 * 1024) as small:
        name = new_stream([("n", "int64"), ("s", "string")])
        cur = small.cursor()
        rows = ((i, "x" * (i % 100)) for i in range(20_000))
        cur.executemany(f"INSERT INTO {name} (n, s) VALUES (%s, %s)", rows)
        assert cur.rowcount == 20_000
        cur.execute(f"SELECT count(), sum(n) FROM table({name})")
        assert cur.fetchone() == (20_000, sum(range(20_000)))


def _same_server(conn):
    p = conn.params
    return {
        "host": p.host,
        "port": p.port,
        "workspace": p.workspace,
        "secure": p.secure,
        "user": p.user,
        "password": p.password,
        "api_key": p.api_key,
    }


def test_table_mode_leaves_show_statements_alone(profile_dsn, new_stream):
    name = new_stream([("n", "int64")])
    with db.connect(profile_dsn, query_mode="table") as table_conn:
        cur = table_conn.cursor()
        cur.execute("SHOW STREAMS")
        assert name in {row[0] for row in cur.fetchall()}


def test_failure_after_the_stream_started_raises_with_the_message(conn):
    cur = conn.cursor()
    with pytest.raises(db.DatabaseError, match="boom") as info:
        cur.execute(
            "SELECT throw_if(number > 300000, 'boom') FROM numbers(1000000)", query_mode="table"
        )
        cur.fetchall()
    assert info.value.query_id == cur.query_id


def test_executemany_with_expressions_sends_multi_row_statements(conn, new_stream):
    name = new_stream([("n", "int64"), ("d", "date")])
    cur = conn.cursor()
    cur.executemany(
        f"INSERT INTO {name} (n, d) VALUES (%s, to_date(%s))",
        [(i, f"2024-01-{i + 1:02d}") for i in range(20)],
    )
    assert cur.rowcount == 20
    cur.execute(f"SELECT count(), min(d), max(d) FROM table({name})")
    assert cur.fetchone() == (20, datetime.date(2024, 1, 1), datetime.date(2024, 1, 20))
    inserts = [
        q for q in conn.client.list_queries() if q.get("sql", "").startswith(f"INSERT INTO {name}")
    ]
    assert len(inserts) == 1  # one statement for all 20 rows, not one per row


@pytest.mark.parametrize("columns", [("n",), ("n", "s")])
def test_executemany_with_named_placeholders(conn, new_stream, columns):
    name = new_stream([("n", "int64"), ("s", "string")])
    cur = conn.cursor()
    placeholders = ", ".join(f"%({c})s" for c in columns)
    sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({placeholders})"
    rows = [{"n": i, "s": f"v{i}", "unused": None} for i in range(30)]
    cur.executemany(sql, rows)
    assert cur.rowcount == 30
    cur.execute(f"SELECT {', '.join(columns)} FROM table({name}) ORDER BY n")
    assert cur.fetchall() == [tuple(row[c] for c in columns) for row in rows]


@pytest.mark.parametrize("columns", [("n",), ("n", "s")])
def test_executemany_named_placeholders_bad_rows_are_programming_errors(
    conn, new_stream, columns
):
    name = new_stream([("n", "int64"), ("s", "string")])
    cur = conn.cursor()
    placeholders = ", ".join(f"%({c})s" for c in columns)
    sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({placeholders})"
    with pytest.raises(db.ProgrammingError, match="no value for parameter 'n'"):
        cur.executemany(sql, [{"n": 1, "s": "a"}, {"s": "b"}])
    with pytest.raises(db.ProgrammingError, match="mapping of parameters"):
        cur.executemany(sql, [{"n": 1, "s": "a"}, [2, "b"]])
    cur.execute(f"SELECT count() FROM table({name})")
    assert cur.fetchone() == (0,)


@pytest.mark.parametrize(
    "bad, message",
    [((1,), "1 parameters given, the statement uses 2"), ("ab", "not str"), (None, "NoneType")],
)
def test_executemany_checks_a_whole_list_before_sending_anything(
    profile_dsn, new_stream, bad, message
):
    with db.connect(profile_dsn, ingest_max_bytes=1024) as small:
        name = new_stream([("n", "int64"), ("s", "string")])
        rows = [(i, "x" * 20) for i in range(1000)]
        rows[900] = bad
        cur = small.cursor()
        with pytest.raises(db.ProgrammingError, match=message):
            cur.executemany(f"INSERT INTO {name} (n, s) VALUES (%s, %s)", rows)
        cur.execute(f"SELECT count() FROM table({name})")
        assert cur.fetchone() == (0,)
