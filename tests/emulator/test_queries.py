"""POST /queries over SSE: historical vs streaming, LIMIT, batching, aggregation, windows."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from typing import Any

from tests.emulator.conftest import Api
from timeplus_emulator import run_emulator


def _ingest_later(api: Any, stream: str, columns: list[str], rows: list[list[Any]],
                  delay: float = 0.3) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)
        api.ingest(stream, columns, rows)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_first_event_is_query_with_header(api: Any) -> None:
    name = api.create_stream("a int32, b nullable(string)")
    stream = api.query(f"SELECT * FROM table({name})")
    query = stream.query
    assert query["status"] == "running"
    assert query["sql"] == f"SELECT * FROM table({name})"
    assert set(query) >= {"id", "sql", "name", "created_at", "start_time", "result"}
    assert stream.header == [{"name": "a", "type": "int32"},
                             {"name": "b", "type": "nullable(string)"},
                             {"name": "_tp_time", "type": "datetime64(3, 'UTC')"}]
    assert stream.rows() == []
    assert stream.final is not None and stream.final["status"] == "finished"
    assert stream.final["id"] == query["id"]
    stream.close()


def test_historical_query_returns_rows_and_finishes(api: Any) -> None:
    name = api.create_stream("a int32, b string")
    api.ingest(name, ["a", "b"], [[1, "x"], [2, "y"], [3, "z"]])
    assert api.table(f"SELECT a, b FROM table({name}) WHERE a > 1") == [[2, "y"], [3, "z"]]
    assert api.table(f"SELECT a FROM {name} SETTINGS query_mode='table'") == [[1], [2], [3]]


def test_query_without_stream_is_historical(api: Any) -> None:
    rows = api.table("SELECT 1 AS one, 'abc' AS s, 1 = 2 AS f, [1, 2] AS arr")
    assert rows == [[1, "abc", False, [1, 2]]]


def test_streaming_query_sees_only_new_rows(api: Any) -> None:
    name = api.create_stream("a int32")
    api.ingest(name, ["a"], [[1], [2]])
    stream = api.query(f"SELECT a FROM {name}", batching_policy={"count": 10, "time_ms": 50})
    assert stream.query["analysis"]["is_streaming"] is True
    _ingest_later(api, name, ["a"], [[3], [4]])
    assert stream.rows(at_least=2) == [[3], [4]]
    api.ingest(name, ["a"], [[5]])
    assert stream.rows(at_least=1) == [[5]]
    stream.close()


def test_streaming_filter_and_projection_per_batch(api: Any) -> None:
    name = api.create_stream("a int32, b string")
    stream = api.query(f"SELECT b, a * 10 AS ten FROM {name} WHERE a % 2 = 0",
                       batching_policy={"count": 100, "time_ms": 50})
    assert [c["name"] for c in stream.header] == ["b", "ten"]
    _ingest_later(api, name, ["a", "b"], [[1, "x"], [2, "y"], [3, "z"], [4, "w"]])
    assert stream.rows(at_least=2) == [["y", "20"], ["w", "40"]]  # int64: quoted
    stream.close()


def test_limit_ends_streaming_query(api: Any) -> None:
    name = api.create_stream("a int32")
    stream = api.query(f"SELECT a FROM {name} LIMIT 3")
    _ingest_later(api, name, ["a"], [[1], [2]])
    _ingest_later(api, name, ["a"], [[3], [4], [5]], delay=0.6)
    rows = stream.rows()
    assert rows == [[1], [2], [3]]
    assert stream.final is not None and stream.final["status"] == "finished"


def test_seek_to_earliest_replays(api: Any) -> None:
    name = api.create_stream("a int32")
    api.ingest(name, ["a"], [[1], [2]])
    stream = api.query(f"SELECT a FROM {name} LIMIT 3 SETTINGS seek_to='earliest'")
    _ingest_later(api, name, ["a"], [[3]])
    assert stream.rows() == [[1], [2], [3]]


def test_seek_to_relative_and_timestamp(api: Any) -> None:
    name = api.create_stream("a int32, ts datetime64(3, 'UTC')",
                             extra=" SETTINGS event_time_column='ts'")
    api.ingest(name, ["a", "ts"], [[1, "2020-01-01 00:00:00"], [2, "2030-01-01 00:00:00"]])
    recent = api.query(f"SELECT a FROM {name} LIMIT 1 SETTINGS seek_to='-1h'")
    assert recent.rows() == [[2]]
    since = api.query(f"SELECT a FROM {name} LIMIT 2 SETTINGS seek_to='2019-06-01 00:00:00'")
    assert since.rows() == [[1], [2]]


def test_unsupported_seek_to_is_400(api: Any) -> None:
    name = api.create_stream("a int32")
    body = api.error(api.post("/queries", json={
        "sql": f"SELECT a FROM {name} SETTINGS seek_to='yesterday-ish'"}), 400)
    assert "seek_to" in body["message"]


def test_batching_policy_count(api: Any) -> None:
    name = api.create_stream("a int32")
    api.ingest(name, ["a"], [[i] for i in range(25)])
    stream = api.query(f"SELECT a FROM table({name})", batching_policy={"count": 10})
    rows = stream.rows()
    assert [len(b) for b in stream.batches] == [10, 10, 5]
    assert [r[0] for r in rows] == list(range(25))


def test_default_batch_size_is_100(api: Any) -> None:
    name = api.create_stream("a int32")
    api.ingest(name, ["a"], [[i] for i in range(250)])
    stream = api.query(f"SELECT a FROM table({name})")
    stream.rows()
    assert [len(b) for b in stream.batches] == [100, 100, 50]


def test_batching_time_flushes_partial_batch(api: Any) -> None:
    name = api.create_stream("a int32")
    stream = api.query(f"SELECT a FROM {name}", batching_policy={"count": 1000, "time_ms": 100})
    started = time.monotonic()
    _ingest_later(api, name, ["a"], [[1]], delay=0.1)
    assert stream.rows(at_least=1) == [[1]]
    assert time.monotonic() - started < 1.5
    stream.close()


def test_metrics_event_every_second(api: Any) -> None:
    name = api.create_stream("a int32")
    stream = api.query(f"SELECT a FROM {name}")
    _ingest_later(api, name, ["a"], [[1]], delay=1.3)
    stream.rows(at_least=1)
    assert stream.metrics, "expected an event: metrics within 1.3 s"
    assert set(stream.metrics[0]) >= {"count", "eps", "processing_time", "last_event_time",
                                      "response_time", "scanned_rows", "scanned_bytes"}
    stream.close()


def test_global_aggregation_re_emits(api: Any) -> None:
    name = api.create_stream("a int32")
    stream = api.query(f"SELECT count() AS c, sum(a) AS s FROM {name} EMIT PERIODIC 200ms",
                       batching_policy={"count": 100, "time_ms": 20})
    api.ingest(name, ["a"], [[1], [2]])
    first = stream.rows(at_least=1)
    assert first == [["2", "3"]]
    api.ingest(name, ["a"], [[10]])
    second = stream.rows(at_least=1)
    assert second == [["3", "13"]]
    stream.close()


def test_global_aggregation_default_period_is_two_seconds(api: Any) -> None:
    name = api.create_stream("a int32")
    stream = api.query(f"SELECT count() AS c FROM {name}",
                       batching_policy={"count": 100, "time_ms": 20})
    started = time.monotonic()
    api.ingest(name, ["a"], [[1]])
    assert stream.rows(at_least=1) == [["1"]]
    assert 1.8 <= time.monotonic() - started < 3.5
    stream.close()


def test_grouped_aggregation_emits_all_groups(api: Any) -> None:
    name = api.create_stream("k string, v int32")
    stream = api.query(f"SELECT k, sum(v) AS total FROM {name} GROUP BY k ORDER BY k "
                       "EMIT PERIODIC 200ms", batching_policy={"count": 100, "time_ms": 20})
    api.ingest(name, ["k", "v"], [["a", 1], ["b", 2], ["a", 3]])
    assert stream.rows(at_least=2) == [["a", "4"], ["b", "2"]]
    stream.close()


def test_tumble_windows_emit_when_watermark_passes(api: Any) -> None:
    name = api.create_stream("ts datetime64(3, 'UTC'), v int32")
    stream = api.query(
        f"SELECT window_start, window_end, count() AS c, sum(v) AS s "
        f"FROM tumble({name}, ts, 5s) GROUP BY window_start, window_end ORDER BY window_start",
        batching_policy={"count": 100, "time_ms": 20})
    api.ingest(name, ["ts", "v"], [["2024-01-01 00:00:01", 1], ["2024-01-01 00:00:03", 2]])
    api.ingest(name, ["ts", "v"], [["2024-01-01 00:00:06", 5]])
    first = stream.rows(at_least=1)
    assert first == [["2024-01-01 00:00:00.000", "2024-01-01 00:00:05.000", "2", "3"]]
    api.ingest(name, ["ts", "v"], [["2024-01-01 00:00:07", 1], ["2024-01-01 00:00:12", 1]])
    second = stream.rows(at_least=1)
    assert second == [["2024-01-01 00:00:05.000", "2024-01-01 00:00:10.000", "2", "6"]]
    stream.close()


def test_emit_after_window_close_on_event_time_column(api: Any) -> None:
    name = api.create_stream("ts datetime64(3, 'UTC'), v int32")
    stream = api.query(
        f"SELECT window_start, count() AS c FROM tumble({name}, ts, 10s) "
        "GROUP BY window_start EMIT AFTER WINDOW CLOSE",
        batching_policy={"count": 100, "time_ms": 20})
    api.ingest(name, ["ts", "v"], [["2024-01-01 00:00:01", 1], ["2024-01-01 00:00:09", 1]])
    time.sleep(0.3)
    api.ingest(name, ["ts", "v"], [["2024-01-01 00:00:15", 1]])  # closes [0, 10)
    assert stream.rows(at_least=1) == [["2024-01-01 00:00:00.000", "2"]]
    stream.close()


def test_hop_windows(api: Any) -> None:
    name = api.create_stream("ts datetime64(3, 'UTC'), v int32")
    stream = api.query(
        f"SELECT window_start, window_end, sum(v) AS s FROM hop({name}, ts, 5s, 10s) "
        "GROUP BY window_start, window_end ORDER BY window_start",
        batching_policy={"count": 100, "time_ms": 20})
    api.ingest(name, ["ts", "v"], [["2024-01-01 00:00:07", 1], ["2024-01-01 00:00:12", 10]])
    # watermark 00:00:12 closes only the window [-5 s, 5 s)... which is empty, and
    # [0 s, 10 s) closes at 00:00:10: it holds the 00:00:07 row.
    assert stream.rows(at_least=1) == [
        ["2024-01-01 00:00:00.000", "2024-01-01 00:00:10.000", "1"]]
    api.ingest(name, ["ts", "v"], [["2024-01-01 00:00:16", 100]])  # closes [5 s, 15 s)
    assert stream.rows(at_least=1) == [
        ["2024-01-01 00:00:05.000", "2024-01-01 00:00:15.000", "11"]]
    stream.close()


def test_unread_request_body_does_not_spill_into_the_next_request() -> None:
    """The SDK's cancel POST carries the body ``null``, which the handler ignores; the next
    request on the same kept-alive connection must not start with those bytes."""
    with run_emulator() as server, socket.create_connection(
            ("127.0.0.1", server.port), timeout=10) as sock:
        base = "/default/api/v1beta2/queries"
        finished = Api(server).query("SELECT 1")
        finished.rows()
        query_id = finished.id
        sock.sendall((f"POST {base}/{query_id}/cancel HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/json\r\nContent-Length: 4\r\n\r\nnull"
                      f"GET {base} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").encode())
        reader = sock.makefile("rb")
        statuses = []
        for _ in range(2):
            statuses.append(reader.readline().split()[1])
            length = 0
            while (line := reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            reader.read(length)
    assert statuses[1] == b"200", statuses


def test_cancel_ends_stream_with_canceled_status(api: Any) -> None:
    name = api.create_stream("a int32")
    stream = api.query(f"SELECT a FROM {name}")
    assert api.post(f"/queries/{stream.id}/cancel").status_code == 204
    assert stream.rows() == []
    assert stream.final is not None and stream.final["status"] == "canceled"
    assert api.get(f"/queries/{stream.id}").json()["status"] == "canceled"
    assert api.post(f"/queries/{stream.id}/cancel").status_code == 204  # no-op now
    assert api.delete(f"/queries/{stream.id}").status_code == 204
    api.error(api.get(f"/queries/{stream.id}"), 404)
    assert stream.id not in [q["id"] for q in api.get("/queries").json()]


def test_query_registry_get_list_delete(api: Any) -> None:
    name = api.create_stream("a int32")
    stream = api.query(f"SELECT a FROM {name}", name="mine", tags=["t1"])
    listed = {q["id"]: q for q in api.get("/queries").json()}
    assert listed[stream.id]["status"] == "running"
    assert [q["id"] for q in api.get("/queries?tag=t1").json()] == [stream.id]
    got = api.get(f"/queries/{stream.id}").json()
    assert (got["name"], got["sql"]) == ("mine", f"SELECT a FROM {name}")
    assert api.delete(f"/queries/{stream.id}").status_code == 204
    assert stream.rows() == []
    assert stream.final is not None and stream.final["status"] == "canceled"
    api.error(api.delete(f"/queries/{stream.id}"), 404)
    api.error(api.post("/queries/not-a-query/cancel"), 404)


def test_sql_errors_before_streaming_are_400(api: Any) -> None:
    syntax = api.error(api.post("/queries", json={"sql": "SELEC 1"}), 400)
    assert syntax["code"] == 62
    missing = api.error(api.post("/queries", json={"sql": "SELECT * FROM no_such_stream_q"}), 400)
    assert missing["code"] == 60 and "no_such_stream_q" in missing["message"]
    assert "tp" not in missing["message"].split("no_such_stream_q")[0].replace("Stream", "")
    name = api.create_stream("a int32")
    column = api.error(api.post("/queries", json={"sql": f"SELECT nope FROM table({name})"}), 400)
    assert column["code"] == 47 and "nope" in column["message"]
    api.error(api.post("/queries", json={}), 400)
    api.error(api.post("/queries", json={"sql": ""}), 400)
    api.error(api.post("/queries", data=b"{broken", headers={"Content-Type":
                                                             "application/json"}), 400)
    api.error(api.post("/queries", json=["SELECT 1"]), 400)


def test_unsupported_streaming_forms_are_400_not_wrong(api: Any) -> None:
    a = api.create_stream("k int32")
    b = api.create_stream("k int32")
    join = api.error(api.post("/queries", json={
        "sql": f"SELECT * FROM {a} JOIN {b} ON {a}.k = {b}.k"}), 400)
    assert join["code"] == 48 and "emulator" in join["message"]
    emit = api.error(api.post("/queries", json={
        "sql": f"SELECT count() FROM {a} EMIT ON UPDATE"}), 400)
    assert emit["code"] == 48


def test_stream_to_table_join(api: Any) -> None:
    facts = api.create_stream("k int32, v string")
    dims = api.create_stream("k int32, label string")
    api.ingest(dims, ["k", "label"], [[1, "one"], [2, "two"]])
    stream = api.query(f"SELECT f.v, d.label FROM {facts} AS f JOIN table({dims}) AS d "
                       "ON f.k = d.k", batching_policy={"count": 10, "time_ms": 20})
    _ingest_later(api, facts, ["k", "v"], [[2, "b"]])
    assert stream.rows(at_least=1) == [["b", "two"]]
    stream.close()


def test_error_after_stream_started_is_final_failed_event(api: Any) -> None:
    name = api.create_stream("a int32")
    stream = api.query(f"SELECT a FROM {name}")
    api.sql(f"DROP STREAM {name}")
    assert stream.rows() == []
    assert stream.final is not None
    assert stream.final["status"] == "failed"
    assert name in stream.final["message"]


def test_show_and_describe(api: Any) -> None:
    name = api.create_stream("a int32, b nullable(string) DEFAULT 'x'")
    assert [name] in api.table("SHOW STREAMS")
    assert ["default"] in api.table("SHOW DATABASES")
    described = api.table(f"DESCRIBE {name}")
    assert [r[:2] for r in described] == [["a", "int32"], ["b", "nullable(string)"],
                                         ["_tp_time", "datetime64(3, 'UTC')"]]
    create = api.table(f"SHOW CREATE {name}")
    assert name in create[0][0]


def test_ddl_over_queries_in_cloud_is_finished_sse(api: Any) -> None:
    stream = api.query("CREATE STREAM cloud_ddl_x1 (a int32)")
    assert stream.rows() == []
    assert stream.final is not None and stream.final["status"] == "finished"
    api.sql("DROP STREAM cloud_ddl_x1")


def test_insert_values_and_select(api: Any) -> None:
    src = api.create_stream("a int32, b string")
    dst = api.create_stream("a int32, b string")
    api.sql(f"INSERT INTO {src} (a, b) VALUES (1, 'x'), (2, 'y')")
    api.sql(f"INSERT INTO {dst} (a, b) SELECT a + 10, b FROM table({src})")
    assert api.table(f"SELECT a, b FROM table({dst})") == [[11, "x"], [12, "y"]]


def test_insert_without_column_list_fills_tp_time(api: Any) -> None:
    """As in Proton (00338_replicate_array_of_strings.sql): no column list means the
    user's columns; _tp_time (and _tp_delta) take their defaults."""
    one = api.create_stream("s string")
    api.sql(f"INSERT INTO {one} VALUES ('x'), ('y')")
    two = api.create_stream("a int32, b string")
    api.sql(f"INSERT INTO {two} SELECT length(s), s FROM table({one})")
    assert api.table(f"SELECT s FROM table({one})") == [["x"], ["y"]]
    copy = api.create_stream("s string")
    api.sql(f"INSERT INTO {copy} SELECT * FROM table({one})")  # s and _tp_time, as stored
    assert api.table(f"SELECT s, _tp_time FROM table({copy})") == \
        api.table(f"SELECT s, _tp_time FROM table({one})")
    assert api.table(f"SELECT a, b, _tp_time > '2020-01-01' FROM table({two})") == \
        [[1, "x", True], [1, "y", True]]
    kv = api.create_stream("k int32, v string", extra="PRIMARY KEY k SETTINGS mode='changelog_kv'")
    api.sql(f"INSERT INTO {kv} VALUES (1, 'a')")
    assert api.table(f"SELECT k, v, _tp_delta FROM table({kv})") == [[1, "a", 1]]
    sql = f"INSERT INTO {one} VALUES ('x', now64(3, 'UTC'))"  # one value too many
    assert api.query_error(sql)["code"] == 62


def test_sqlanalyze_and_format(api: Any) -> None:
    name = api.create_stream("a int32")
    streaming = api.post("/sqlanalyze", json={"sql": f"SELECT count() FROM {name}"}).json()
    assert (streaming["is_streaming"], streaming["has_aggr"]) == (True, True)
    table = api.post("/sqlanalyze", json={"sql": f"SELECT a FROM table({name})"}).json()
    assert (table["is_streaming"], table["has_aggr"]) == (False, False)
    api.error(api.post("/sqlanalyze", json={"sql": "SELEC"}), 400)
    assert api.post("/format", json={"sql": " SELECT 1 "}).json() == {"sql": "SELECT 1"}


def test_enterprise_ddl_is_204_and_exec(ent: Any) -> None:
    name = f"ent_{int(time.time() * 1000)}"
    assert ent.post("/queries", json={"sql": f"CREATE STREAM {name} (a int32)"}).status_code \
        == 204
    assert ent.post("/queries", json={"sql": f"INSERT INTO {name} (a) VALUES (1), (2)"}) \
        .status_code == 204
    result = ent.post("/exec", json={"sql": f"SELECT a FROM {name}", "type": "historical"})
    assert result.status_code == 200, result.text
    assert result.json() == {"columns": [{"name": "a", "type": "int32"}], "data": [[1], [2]]}
    assert ent.post("/exec", json={"sql": f"DROP STREAM {name}", "type": "ddl"}).status_code \
        == 204
    ent.error(ent.post("/exec", json={"sql": "SELEC"}), 400)


def test_enterprise_query_type_historical_bounds_a_stream_query(ent: Any) -> None:
    name = ent.create_stream("a int32")
    ent.ingest(name, ["a"], [[1], [2]])
    assert ent.table(f"SELECT a FROM {name}", type="historical") == [[1], [2]]


def test_http10_client_gets_unchunked_stream_closed_at_end(api: Any) -> None:
    import http.client

    host, port = api.server.host, api.server.port
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection._http_vsn, connection._http_vsn_str = 10, "HTTP/1.0"  # type: ignore[attr-defined]
    connection.request("POST", "/default/api/v1beta2/queries", body=b'{"sql": "SELECT 1"}',
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.getheader("Transfer-Encoding") is None
    text = response.read().decode()
    connection.close()
    assert "data: [[1]]" in text
    assert text.count("event: query") == 2


def test_comparisons_in_the_select_list_are_bool(api: Any) -> None:
    """PROTOCOL.md "Value encoding": Timeplus comparisons return bool, names stay chDB-style."""
    name = api.create_stream("a int32, b int32")
    api.ingest(name, ["a", "b"], [[1, 2], [3, 3]])
    stream = api.query(
        f"SELECT 1=2, 1 <> 2, a > b, a = b AND a > 0 AS both, a BETWEEN 0 AND 2, NULL = 1, "
        f"a + b, if(a = 1, 1, 0) AS i, CASE WHEN a = 1 THEN 'x' ELSE 'y' END AS c "
        f"FROM table({name}) ORDER BY a"
    )
    rows = stream.rows()
    stream.close()
    assert stream.header == [
        {"name": "equals(1, 2)", "type": "bool"},
        {"name": "not_equals(1, 2)", "type": "bool"},
        {"name": "greater(a, b)", "type": "bool"},
        {"name": "both", "type": "bool"},
        {"name": "and(greater_or_equals(a, 0), less_or_equals(a, 2))", "type": "bool"},
        {"name": "equals(NULL, 1)", "type": "nullable(bool)"},
        {"name": "plus(a, b)", "type": "int64"},
        {"name": "i", "type": "uint8"},
        {"name": "c", "type": "string"},
    ]
    assert rows == [[False, True, False, False, True, None, "3", 1, "x"],
                    [False, True, False, True, False, None, "6", 0, "y"]]
    assert [type(v) for v in rows[0][:5]] == [bool] * 5


def test_streaming_comparison_column_is_bool(api: Any) -> None:
    name = api.create_stream("a int32")
    stream = api.query(f"SELECT a, a > 1 FROM {name}", batching_policy={"count": 10, "time_ms": 50})
    assert stream.header == [{"name": "a", "type": "int32"},
                             {"name": "greater(a, 1)", "type": "bool"}]
    _ingest_later(api, name, ["a"], [[1], [2]])
    assert stream.rows(at_least=2) == [[1, False], [2, True]]
    stream.close()


def test_time_columns_are_header_indexes_or_minus_one(api: Any) -> None:
    """Both OpenAPI documents type timeColumns as required integers (the SDK parses them
    with int()): the emulator sends each column's index in the header, -1 where absent."""
    name = api.create_stream("a int32")
    stream = api.query(f"SELECT * FROM tumble(table({name}), _tp_time, 1s)")
    assert [c["name"] for c in stream.header][:3] == ["a", "_tp_time", "window_start"]
    assert stream.query["timeColumns"] == {"eventTime": 1, "windowStart": 2, "windowEnd": 3}
    stream.rows()
    listed = [q for q in api.get("/queries").json() if q["id"] == stream.id]
    assert listed[0]["timeColumns"] == {"eventTime": 1, "windowStart": 2, "windowEnd": 3}
    plain = api.query("SELECT 1 AS x")
    assert plain.query["timeColumns"] == {"eventTime": -1, "windowStart": -1, "windowEnd": -1}
    plain.rows()
    got = api.get(f"/queries/{plain.id}").json()
    assert got["timeColumns"] == {"eventTime": -1, "windowStart": -1, "windowEnd": -1}


def test_asterisk_include_reserved_columns_false_hides_tp_columns(api: Any) -> None:
    """Proton's own tests read streams with ``asterisk_include_reserved_columns=false``:
    ``*`` (also ``t.*`` and ``*`` as a function argument) leaves out ``_tp_time`` and
    ``_tp_delta``, which stay readable by name; ``count(*)`` is unchanged."""
    name = api.create_stream("s string, n int32")
    api.sql(f"INSERT INTO {name} (s, n) VALUES ('ab', 1), ('cde', 2)")
    off = " SETTINGS asterisk_include_reserved_columns=false"
    stream = api.query(f"SELECT * FROM table({name}) ORDER BY n{off}")
    assert [c["name"] for c in stream.header] == ["s", "n"]
    assert stream.rows() == [["ab", 1], ["cde", 2]]
    assert api.table(f"SELECT t.*, _tp_time > '2020-01-01' FROM table({name}) AS t "
                     f"ORDER BY n{off}") == [["ab", 1, True], ["cde", 2, True]]
    assert api.table(f"SELECT sum(length(* EXCEPT n)), count(*), 2 * 3 FROM table({name}){off}"
                     ) == [["5", "2", 6]]
    assert [c["name"] for c in api.query(f"SELECT * FROM table({name})").header] == \
        ["s", "n", "_tp_time"]  # the default includes them
    one = api.create_stream("s string")
    api.sql(f"INSERT INTO {one} VALUES ('ab'), ('cde')")
    assert api.table(f"SELECT sum(length(*)) FROM table({one}){off}") == [["5"]]
    kv = api.create_stream("k int32", extra=" PRIMARY KEY k SETTINGS mode='changelog_kv'")
    api.sql(f"INSERT INTO {kv} (k) VALUES (1)")
    assert api.table(f"SELECT * FROM table({kv}){off}") == [[1]]


def test_proton_parser_forms(api: Any) -> None:
    """Names starting with digits, format(), $$heredocs$$, 1_000 and columns declared with
    DEFAULT/ALIAS/MATERIALIZED and no type, as Proton's tests write them."""
    name = f"99006_v{uuid.uuid4().hex[:8]}"  # all digits after _ would be a number (1_000)
    api.sql(f"CREATE STREAM {name} (id int, b DEFAULT id + 1, c ALIAS id * 2, "
            "d MATERIALIZED to_string(id))")
    api.sql(f"INSERT INTO {name} VALUES (1, 5)")  # the writable columns: id and b
    api.sql(f"INSERT INTO {name} (id) VALUES (2)")
    assert api.table(f"SELECT * FROM table({name}) ORDER BY id SETTINGS "
                     "asterisk_include_reserved_columns=false") == [[1, "5"], [2, "3"]]
    assert api.table(f"SELECT id, b, c, d FROM table({name}) ORDER BY id") == \
        [[1, "5", "2", "1"], [2, "3", "4", "2"]]  # ALIAS/MATERIALIZED read by name
    assert api.table(f"SELECT t.*, c FROM table({name}) AS t WHERE id = 1 SETTINGS "
                     "asterisk_include_reserved_columns=false") == [[1, "5", "2"]]
    described = [r[:4] for r in api.table(f"DESCRIBE {name}")][:4]
    assert described == [["id", "int32", "", ""], ["b", "int64", "DEFAULT", "id + 1"],
                         ["c", "int64", "ALIAS", "id * 2"],
                         ["d", "string", "MATERIALIZED", "to_string(id)"]]
    assert [c["type"] for c in api.get(f"/streams/{name}").json()["columns"][:4]] == \
        ["int32", "int64", "int64", "string"]
    assert api.table(f"SELECT name, default_kind FROM system.columns WHERE table = '{name}' "
                     "AND default_kind != '' ORDER BY position") == \
        [["b", "DEFAULT"], ["c", "ALIAS"], ["d", "MATERIALIZED"], ["_tp_time", "DEFAULT"]]
    assert api.table("SELECT format('{}-{}', 'a', 'b'), $$it's$$, $t$x$$y$t$, 1_000") == \
        [["a-b", "it's", "x$$y", 1000]]
    refused = api.post("/queries", json={"sql": "SELECT {num:uint64}"})
    assert api.error(refused, 400)["code"] == 48
