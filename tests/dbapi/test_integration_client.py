"""The REST client (``connection.client``): streams, views, ingest formats, info, auth."""

from __future__ import annotations

import uuid

import pytest

import timeplus_dbapi as db

pytestmark = pytest.mark.integration


def unique(prefix="c"):
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def test_stream_create_get_list_delete(conn):
    client = conn.client
    name = unique()
    created = client.create_stream(
        name,
        [
            {"name": "time", "type": "datetime64(3)"},
            ("data", "string"),
            {"name": "v", "type": "int32", "nullable": True, "default": "7"},
        ],
        description="made by a test",
    )
    try:
        assert created.get("name") == name
        assert client.stream_exists(name)
        assert name in [s["name"] for s in client.list_streams()]
        stream = client.get_stream(name)
        columns = {c["name"]: c for c in stream["columns"]}
        assert columns["time"]["type"] == "datetime64(3)"
        assert columns["data"]["type"] == "string"
        assert "_tp_time" in columns
        with pytest.raises(db.ProgrammingError) as info:
            client.create_stream(name, [("x", "int8")])
        assert info.value.code == 57
        assert client.create_stream(name, [("x", "int8")], if_not_exists=True)["name"] == name
    finally:
        client.delete_stream(name)
    assert not client.stream_exists(name)
    client.delete_stream(name, if_exists=True)
    with pytest.raises(db.ProgrammingError):
        client.get_stream(name)


def test_stream_modes_and_options(conn):
    name = unique()
    conn.client.create_stream(
        name,
        [("k", "string"), ("v", "int64")],
        mode="versioned_kv",
        primary_key="k",
        logstore_retention_ms=3_600_000,
    )
    try:
        assert conn.client.get_stream(name).get("mode") in ("versioned_kv", None)
    finally:
        conn.client.delete_stream(name)


def test_bad_column_type_is_rejected_locally(conn):
    with pytest.raises(db.ProgrammingError, match="timestamp"):
        conn.client.create_stream(unique(), [("t", "timestamp")])


@pytest.mark.parametrize(
    "fmt, payload, columns, expected",
    [
        (
            "compact",
            {"columns": ["a", "b"], "data": [[1, "x"], [2, "y"]]},
            [("a", "int32"), ("b", "string")],
            [(1, "x"), (2, "y")],
        ),
        (
            "streaming",
            '{"a":2,"b":"hello"}\n{"a":1,"b":"world"}\n',
            [("a", "int32"), ("b", "string")],
            [(2, "hello"), (1, "world")],
        ),
        (
            "raw",
            "\nfirst line\nsecond line\n",
            [("raw", "string")],
            [("\nfirst line\nsecond line\n",)],
        ),
        (
            "lines",
            '{"a":1,"b":"world"}\n{"a":2,"b":"hello"}',
            [("raw", "string")],
            [('{"a":1,"b":"world"}',), ('{"a":2,"b":"hello"}',)],
        ),
    ],
)
def test_ingest_formats(conn, new_stream, fmt, payload, columns, expected):
    name = new_stream(columns)
    conn.client.ingest_payload(name, payload, fmt)
    cur = conn.cursor()
    names = ", ".join(c for c, _ in columns)
    cur.execute(f"SELECT {names} FROM table({name})")
    assert cur.fetchall() == expected


def test_ingest_compact_rows_returns_count(conn, new_stream):
    name = new_stream([("a", "int64"), ("b", "string")])
    assert conn.client.ingest(name, ["a", "b"], ([i, str(i)] for i in range(1000))) == 1000
    assert conn.client.stream_stats(name) is not None


def test_ingest_error_is_data_or_programming_error(conn, new_stream):
    name = new_stream([("a", "int64")])
    with pytest.raises((db.DataError, db.ProgrammingError)) as info:
        conn.client.ingest(name, ["a"], [["not a number"]])
    assert info.value.rows_accepted == 0


def test_ingest_failure_midway_reports_rows_accepted(emulator, emu_conn, emu_stream):
    name = emu_stream([("n", "int64")])
    emu_conn.client.ingest_max_bytes = 4096

    def rows():
        for i in range(5000):
            if i == 3000:  # a 500 for a body and each of its three re-sends
                emulator.faults.fail_next(4, status=500, path_contains="/ingest")
            yield [i]

    with pytest.raises(db.DatabaseError) as info:
        emu_conn.client.ingest(name, ["n"], rows())
    accepted = info.value.rows_accepted
    assert accepted is not None and 0 < accepted < 5000
    assert f"{accepted} rows were accepted" in str(info.value)
    cur = emu_conn.cursor()
    cur.execute(f"SELECT count() FROM table({name})")
    assert cur.fetchone() == (accepted,)


def test_views(conn, new_stream):
    source = new_stream([("n", "int64")])
    view, mv, target = unique("v"), unique("mv"), new_stream([("n", "int64")])
    client = conn.client
    client.create_view(view, f"SELECT n FROM {source} WHERE n > 1")
    client.create_view(mv, f"SELECT n FROM {source}", materialized=True, target_stream=target)
    try:
        names = {v["name"]: v for v in client.list_views()}
        assert view in names and mv in names
        assert client.get_view(mv).get("materialized") is True
        assert client.get_view(mv).get("target_stream") == target
        assert client.get_view(view).get("materialized") is False
    finally:
        client.delete_view(mv)
        client.delete_view(view)
    assert view not in {v["name"] for v in client.list_views()}
    client.delete_view(view, if_exists=True)


def test_server_info(conn):
    assert isinstance(conn.client.server_info(), dict)


def test_wrong_credentials_are_operational_errors(timeplus_enterprise_server):
    base = timeplus_enterprise_server.url.replace("http://", "timeplus://")
    with db.connect(f"{base}/default", user="admin", password="wrong-pw") as bad:
        with pytest.raises(db.OperationalError) as info:
            bad.cursor().execute("SELECT 1")
    assert info.value.http_status == 401
    assert "wrong-pw" not in str(info.value)


def test_debug_logs_never_show_secrets_or_parameter_values(conn, new_stream, caplog):
    import base64
    import logging

    name = new_stream([("s", "string")])
    if conn.params.user:  # enterprise: HTTP Basic
        auth = {"user": conn.params.user, "password": conn.params.password}
        token = base64.b64encode(f"{conn.params.user}:{conn.params.password}".encode()).decode()
        secrets = [token, f":{conn.params.password}"]
    else:  # the cloud emulator accepts (ignores) an API key
        auth = {"api_key": "KEY-never-logged"}
        secrets = ["KEY-never-logged"]
    caplog.set_level(logging.DEBUG)
    base = conn.params.base_url.replace("http://", "timeplus://").replace("/api", "")
    with db.connect(base, **auth) as keyed:
        cur = keyed.cursor()
        cur.execute("SELECT %s AS v", ("param-never-logged",))
        assert cur.fetchall() == [("param-never-logged",)]
        cur.executemany(f"INSERT INTO {name} (s) VALUES (%s)", [("row-never-logged",)])
        for secret in secrets:
            assert secret not in repr(keyed) + repr(keyed.client)
    assert caplog.records, "the driver should log requests at debug level"
    for text in [*secrets, "param-never-logged", "row-never-logged"]:
        assert text not in caplog.text


def _make_database_with_a_stream_and_a_view(client):
    database, name = unique("cdb"), unique("s")
    client.execute_command(f"CREATE DATABASE {database}")
    client.execute_command(f"CREATE STREAM {database}.{name} (n int32)")
    client.execute_command(f"CREATE VIEW {database}.v_{name} AS SELECT n FROM {database}.{name}")
    return database, name


def test_listings_of_another_database(timeplus_enterprise_server):
    """``db=`` lists another database's streams and views (``?db=``, Timeplus Enterprise);
    without it, the default database's, which do not include them."""
    connection = db.connect(timeplus_enterprise_server.dsn)
    client = connection.client
    try:
        database, name = _make_database_with_a_stream_and_a_view(client)
        assert name in [s["name"] for s in client.list_streams(db=database)]
        assert name not in [s["name"] for s in client.list_streams()]
        assert [v["name"] for v in client.list_views(db=database)] == [f"v_{name}"]
        assert f"v_{name}" not in [v["name"] for v in client.list_views()]
        with pytest.raises(db.ProgrammingError) as caught:
            client.list_streams(db=unique("nodb"))
        assert caught.value.code == 81
        client.execute_command(f"DROP DATABASE {database}")
    finally:
        connection.close()
