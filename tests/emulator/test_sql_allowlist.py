"""SQL cannot touch files, the network or the server through the emulator (issue 12 item 1).

The hostile corpus: every table function chDB has (its ``system.table_functions``, read
from chDB directly) and every file/network/system function name, bare, backquoted and
double-quoted, in each place a name can stand: select list, WHERE, FROM, JOIN, subquery,
CTE, IN, INSERT ... VALUES/SELECT, ``FORMAT Values`` data, column DEFAULT, view and
materialized-view bodies; plus SETTINGS names and values, ``INTO OUTFILE``/``FROM INFILE``
in every spot. Each must get a 4xx ErrorResponse, no response may carry the contents of
the file it asked for, and no file named in the corpus may appear on disk.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

MARK = f"tpevil{uuid.uuid4().hex[:8]}"
SECRET_FILE = "/etc/hostname"
#: Table functions the emulator allows (they read nothing but their arguments).
ALLOWED_TABLE_FUNCTIONS = {"numbers", "zeros", "numbers_mt", "zeros_mt"}
#: Scalar functions that read files, the network, dictionaries, other tables or the process.
SCALAR_FUNCTIONS = [
    "file", "url", "s3", "hdfs", "remote", "remoteSecure", "cluster", "mysql", "postgresql",
    "jdbc", "odbc", "sqlite", "mongodb", "redis", "executable", "input", "generateRandom",
    "merge", "dictionary", "dictGet", "dict_get", "dict_get_string", "dict_has", "join_get",
    "joinGet", "has_column_in_table", "filesystem_available", "filesystemCapacity",
    "address_to_symbol", "demangle", "log_trace", "in", "not_in", "global_in", "python",
    "toString", "currentDatabase", "getSetting",
]
QUOTES = [lambda n: n, lambda n: f"`{n}`", lambda n: f'"{n}"']


def chdb_table_functions() -> list[str]:
    import chdb

    conn = chdb.connect(":memory:")
    try:
        raw = bytes(conn.query("SELECT name FROM system.table_functions ORDER BY name",
                               "TSVRaw").bytes())
    finally:
        conn.close()
    names = raw.decode().split()
    assert len(names) > 50 and "file" in names and "url" in names
    return names


def _path(i: int) -> str:
    return f"{MARK}_{i}.txt"


def table_function_statements(names: list[str], target: str, source: str) -> list[str]:
    """Each table function, in each quoting, in each place a table can stand."""
    out: list[str] = []
    for n, name in enumerate(names):
        for q, quote in enumerate(QUOTES):
            call = f"{quote(name)}('{SECRET_FILE}', 'LineAsString', 'x String')"
            i = len(out)
            places = [
                f"SELECT * FROM {call}",
                f"SELECT * FROM table({source}) AS a JOIN {call} AS b ON 1 = 1",
                f"SELECT * FROM (SELECT * FROM {call})",
                f"WITH c AS (SELECT * FROM {call}) SELECT * FROM c",
                f"SELECT 1 IN (SELECT * FROM {call})",
                f"INSERT INTO {target} (s) SELECT * FROM {call}",
                f"CREATE VIEW {MARK}_v{i} AS SELECT * FROM {call}",
                f"CREATE MATERIALIZED VIEW {MARK}_mv{i} AS SELECT * FROM {call}",
                f"INSERT INTO FUNCTION {quote(name)}('{_path(i)}', 'CSV', 'x String') SELECT 'x'",
            ]
            # every name in FROM in every quoting; the other places rotate the quoting
            out.extend(places if (n + q) % 3 == 0 else places[:1])
    return out


def scalar_function_statements(target: str, source: str) -> list[str]:
    out: list[str] = []
    for name in SCALAR_FUNCTIONS:
        for quote in QUOTES:
            call = f"{quote(name)}('{SECRET_FILE}')"
            i = len(out)
            out += [
                f"SELECT {call}",
                f"SELECT 1 FROM table({source}) WHERE {call} != ''",
                f"SELECT * FROM (SELECT {call} AS x)",
                f"WITH {call} AS x SELECT x",
                f"SELECT 'a' IN ({call})",
                f"INSERT INTO {target} (s) VALUES ({call})",
                f"INSERT INTO {target} (s) SELECT {call}",
                f"INSERT INTO {target} (s) FORMAT Values ({call})",
                f"CREATE VIEW {MARK}_sv{i} AS SELECT {call} AS x",
                f"CREATE MATERIALIZED VIEW {MARK}_smv{i} AS SELECT {call} AS x "
                f"FROM {source}",
                f"CREATE STREAM {MARK}_st{i} (s string DEFAULT {call})",
            ]
    return out


def clause_statements(target: str) -> list[str]:
    """INTO OUTFILE / FROM INFILE / COMPRESSION / FORMAT and SETTINGS abuse."""
    out = []
    for i, tail in enumerate([
        "INTO OUTFILE '{p}'",
        "INTO OUTFILE '{p}' APPEND FORMAT TSVRaw",
        "SETTINGS max_threads = 1 INTO OUTFILE '{p}' APPEND FORMAT TSVRaw",
        "SETTINGS max_threads = 1 INTO OUTFILE '{p}' COMPRESSION 'gzip'",
        "SETTINGS `max_threads` = 1 INTO OUTFILE '{p}'",
        "FORMAT TSVRaw INTO OUTFILE '{p}'",
        "SETTINGS max_threads = 1, log_comment = '{p}'",
        "SETTINGS max_threads = (SELECT 1)",
        "SETTINGS max_threads = 1 + 1",
        "SETTINGS max_threads = 'many'",
        "SETTINGS readonly = 0",
        "SETTINGS \"allow_introspection_functions\" = 1",
        "SETTINGS format_template_row = '/etc/passwd'",
        "SETTINGS user_files_path = '/'",
        "SETTINGS max_bytes_before_external_sort = 1",
        "SETTINGS input_format_values_interpret_expressions = 1",
        "SETTINGS max_threads = file('{p}')",
    ]):
        text = tail.format(p=_path(10_000 + i))
        out += [f"SELECT 'x' AS x {text}", f"SELECT * FROM (SELECT 'x' AS x {text})",
                f"WITH c AS (SELECT 'x' AS x {text}) SELECT * FROM c",
                f"INSERT INTO {target} (s) SELECT 'x' {text}",
                f"CREATE VIEW {MARK}_cv{i} AS SELECT 'x' AS x {text}"]
    infile = _path(20_000)
    out += [
        f"INSERT INTO {target} FROM INFILE '{infile}' FORMAT CSV",
        f"INSERT INTO {target} (s) FROM INFILE '{infile}' COMPRESSION 'gzip' FORMAT CSV",
        f"INSERT INTO {target} SETTINGS log_comment = '9' VALUES ('x')",
        f"INSERT INTO {target} SETTINGS format_template_row = '/etc/passwd' FORMAT Template x",
        f"INSERT INTO {target} (s) FORMAT Template x",
        f"INSERT INTO {target} (s) FORMAT Values (concat('a', 'b'))",
        f"INSERT INTO {target} (s) FORMAT Values ((SELECT 'x'))",
        f"INSERT INTO {target} (s) FORMAT Values (`s`)",
        "SYSTEM RELOAD DICTIONARIES", "SYSTEM FLUSH LOGS", f"ATTACH TABLE {MARK}_t",
        f"DETACH TABLE {target}", "KILL QUERY WHERE 1", "GRANT ALL ON *.* TO default",
        "CREATE DICTIONARY d (k UInt64) PRIMARY KEY k SOURCE(FILE(path '/etc/passwd'))",
        "CREATE FUNCTION f AS x -> x", "CREATE USER u", f"BACKUP TABLE {target} TO File('b')",
        f"RESTORE TABLE {target} FROM File('b')", "SET readonly = 0",
        "SELECT * FROM system.processes", "SELECT * FROM `system`.`settings`",
        "SELECT * FROM information_schema.tables", "SELECT 1 IN system.one",
        "SELECT 1 IN (`system`.`one`)",
        # ClickHouse nests block comments and skips Unicode spaces: the translator reads
        # them so too (test_nested_comments_and_unicode_spaces_read_as_proton_reads_them)
        f"SELECT name AS x /* /* */ FROM table({target}) */ FROM system.processes",
        f"SELECT name AS x FROM /* /* */ table({target}) */ system.processes",
        f"SELECT * FROM table({target}) /* /* */ AS t */ JOIN system.parts AS d ON 1",
        "SELECT name AS x\u00a0FROM\u00a0system.processes",
        "SELECT 'a' AS x\u2028FROM\u2028system.processes",
        "SELECT 1 AS x,\u200bfile('/etc/hostname')",
        "SELECT 1 AS x\u3000FROM\u3000system.users",
        "SELECT 1 AS x\u200eFROM\u200esystem.users",
        # a column transformer names its function without a call
        f"SELECT * APPLY file FROM (SELECT '{SECRET_FILE}' AS p)",
        f"SELECT * APPLY `file` FROM (SELECT '{SECRET_FILE}' AS p)",
        f"SELECT COLUMNS('p') APPLY(file) FROM (SELECT '{SECRET_FILE}' AS p)",
        f"SELECT * APPLY(x -> file(x)) FROM (SELECT '{SECRET_FILE}' AS p)",
        # higher-order functions take a function by name
        f"SELECT array_map(file, ['{SECRET_FILE}'])",
        f"SELECT array_map(`file`, ['{SECRET_FILE}'])",
        f"SELECT array_sort(\"file\", ['{SECRET_FILE}'])",
        f"SELECT array_fold(file, ['{SECRET_FILE}'], '')",
        f"SELECT map_apply(file, map_cast('{SECRET_FILE}', 1))",
        "SELECT * FROM (EXPLAIN SELECT * FROM system.databases)",
        "SELECT (EXPLAIN SYNTAX SELECT 1) AS x",
    ]
    return out


@pytest.fixture(scope="module")
def corpus_streams(timeplus_server: Any) -> Iterator[tuple[str, str]]:
    base = timeplus_server.base_url + "/v1beta2"
    target, source = f"{MARK}_loot", f"{MARK}_src"
    for name in (target, source):
        response = requests.post(base + "/queries", timeout=10,
                                 json={"sql": f"CREATE STREAM {name} (s string)"})
        assert response.status_code in (200, 204), response.text
    yield target, source
    for name in (target, source):
        requests.post(base + "/queries", json={"sql": f"DROP STREAM IF EXISTS {name}"},
                      timeout=10)


def _files_named(marker: str, roots: list[Path]) -> list[str]:
    found = []
    for root in roots:
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in (".git", ".venv", "node_modules")]
            found += [os.path.join(dirpath, f) for f in filenames + dirnames if marker in f]
            if dirpath.count(os.sep) - str(root).count(os.sep) >= 2:
                dirnames[:] = []
    return found


def test_hostile_corpus_is_refused_and_leaves_no_file(timeplus_server: Any, api: Any,
                                                      corpus_streams: tuple[str, str]) -> None:
    target, source = corpus_streams
    statements = (table_function_statements(chdb_table_functions(), target, source)
                  + scalar_function_statements(target, source) + clause_statements(target))
    statements = [s for s in statements
                  if not any(f"{q(n)}(" in s for n in ALLOWED_TABLE_FUNCTIONS for q in QUOTES)]
    assert len(statements) >= 300
    secret = Path(SECRET_FILE).read_text().strip()
    roots = [Path.cwd(), Path("/tmp"), Path("/var/lib/clickhouse")]
    before = set(os.listdir(Path.cwd()))
    base = timeplus_server.base_url + "/v1beta2"
    accepted = []
    started = time.monotonic()
    with requests.Session() as session:  # one keep-alive connection
        for sql in statements:
            response = session.post(base + "/queries", json={"sql": sql}, timeout=10)
            body = response.content.decode("utf-8", "replace")
            if not 400 <= response.status_code < 500 or (secret and secret in body):
                accepted.append((sql, response.status_code, body[:200]))
                continue
            error = response.json()
            assert set(error) >= {"code", "message", "system"}, (sql, error)
            assert error["code"] in (46, 48, 62, 81), (sql, error)
            assert "tp" not in error["message"] or timeplus_server.engine.prefix not in \
                error["message"], (sql, error)
    elapsed = time.monotonic() - started
    print(f"hostile corpus: {len(statements)} statements in {elapsed:.1f} s")
    assert accepted == [], f"{len(accepted)} of {len(statements)} accepted, e.g. {accepted[:3]}"
    assert _files_named(MARK, roots) == []
    assert set(os.listdir(Path.cwd())) - before == set()
    assert api.table(f"SELECT count() FROM table({target})") == [["0"]]  # nothing inserted
    assert elapsed < 20, f"{len(statements)} statements took {elapsed:.1f} s"


@pytest.mark.parametrize("sql", [
    "SELECT name FROM /* /* */ table({target}) */ system.databases ORDER BY name",
    "SELECT name /* /* */ FROM table({target}) */ FROM system.databases ORDER BY name",
    "SELECT name\u00a0FROM\u3000system.databases\ufeffORDER BY name",
])
def test_nested_comments_and_unicode_spaces_read_as_proton_reads_them(
        timeplus_server: Any, api: Any, sql: str) -> None:
    # Proton's lexer nests comments and skips these spaces: the query reads this
    # instance's databases (through the catalog), never the stream inside the comment
    target = api.create_stream("s string")
    api.sql(f"INSERT INTO {target} (s) VALUES ('loot')")
    names = [row[0] for row in api.table(sql.format(target=target))]
    assert "default" in names and "loot" not in names
    assert all(timeplus_server.engine.prefix not in name for name in names)


@pytest.mark.parametrize(("sql", "code", "named"), [
    ("SELECT file('/etc/hostname')", 48, "file"),
    ("SELECT `toString`(1)", 46, "toString"),
    ("SELECT \"toString\"(1)", 46, "toString"),
    (f"SELECT 'echo pwned' AS x SETTINGS max_threads = 1 INTO OUTFILE '{MARK}.txt' APPEND "
     "FORMAT TSVRaw", 48, "INTO OUTFILE"),
    ("SELECT 1 SETTINGS log_comment = 'x'", 48, "log_comment"),
    ("SELECT 1 SETTINGS max_threads = 'x'", 48, "max_threads"),
    ("SELECT 1 SETTINGS max_threads = 1 FORMAT CSV", 48, "FORMAT"),
    ("SELECT * FROM `url`('http://127.0.0.1:9/', 'LineAsString')", 48, "url"),
    ("SELECT * FROM `system`.processes", 48, "system.processes"),
])
def test_issue_attacks_are_refused_by_name(api: Any, sql: str, code: int, named: str) -> None:
    error = api.query_error(sql)
    assert error["code"] == code and named in error["message"], error
    assert not list(Path.cwd().glob(f"{MARK}*"))


@pytest.mark.parametrize("sql", [
    "SELECT 1 AS one SETTINGS max_threads = 2",
    "SELECT 1 AS one SETTINGS `max_threads` = 2, join_use_nulls = true",
    "SELECT * FROM (SELECT 1 AS one SETTINGS max_threads = 1)",
    "SELECT 1 AS one SETTINGS max_execution_time = 5.5, seek_to = 'earliest'",
])
def test_allowed_settings_still_run(api: Any, sql: str) -> None:
    assert api.table(sql) == [[1]]


def test_higher_order_function_with_an_allowed_function_name(api: Any) -> None:
    assert api.table("SELECT array_map(to_string, [1, 2]) AS a") == [[["1", "2"]]]
    assert api.table("SELECT array_map(x -> x * 2, [1, 2]) AS a") == [[[2, 4]]]


def test_apply_with_an_allowed_function(api: Any) -> None:
    rows = api.table("SELECT * APPLY to_string FROM (SELECT 1 AS a, 2 AS b)")
    assert rows == [["1", "2"]]
    assert api.table("SELECT * APPLY(x -> x + 1) FROM (SELECT 1 AS a)") == [[2]]


def test_format_values_literals_are_inserted(api: Any) -> None:
    name = api.create_stream("s string, n int32")
    api.sql(f"INSERT INTO {name} (s, n) FORMAT Values ('a', 1), ('b', -2), (NULL, 3)")
    assert api.table(f"SELECT s, n FROM table({name}) ORDER BY n") == [["b", -2], ["a", 1],
                                                                       ["", 3]]


def test_values_with_a_subquery_over_an_own_stream(api: Any) -> None:
    source = api.create_stream("s string")
    api.ingest(source, ["s"], [["own"]])
    target = api.create_stream("s string")
    api.sql(f"INSERT INTO {target} (s) VALUES ((SELECT s FROM table({source}) LIMIT 1))")
    assert api.table(f"SELECT s FROM table({target})") == [["own"]]


def test_hostile_corpus_in_delete_subqueries_is_refused(timeplus_enterprise_server: Any,
                                                        ent: Any) -> None:
    """DELETE takes subqueries (Timeplus Enterprise): each SELECT of the corpus as the
    subquery of a DELETE on a mutable and on a normal stream is refused, and no row goes."""
    mutable, normal = f"{MARK}_dm", f"{MARK}_dn"
    ent.sql(f"CREATE MUTABLE STREAM {mutable} (id int64, s string) PRIMARY KEY id")
    ent.sql(f"CREATE STREAM {normal} (s string)")
    ent.sql(f"INSERT INTO {mutable} (id, s) VALUES (1, 'a')")
    ent.sql(f"INSERT INTO {normal} (s) VALUES ('a')")
    statements = (table_function_statements(chdb_table_functions(), normal, normal)
                  + scalar_function_statements(normal, normal) + clause_statements(normal))
    selects = [s for s in statements if s.startswith(("SELECT", "WITH")) and not any(
        f"{q(n)}(" in s for n in ALLOWED_TABLE_FUNCTIONS for q in QUOTES)]
    assert len(selects) >= 300
    base = timeplus_enterprise_server.base_url + "/v1beta2"
    accepted = []
    with requests.Session() as session:
        session.auth = ("admin", "secret")
        for sql in selects:
            for target in (mutable, normal):
                statement = f"DELETE FROM {target} WHERE s IN ({sql})"
                response = session.post(base + "/queries", json={"sql": statement}, timeout=10)
                if not 400 <= response.status_code < 500 or \
                        response.json().get("code") not in (46, 48, 62, 81):
                    accepted.append((statement, response.status_code, response.text[:200]))
    assert accepted == [], f"{len(accepted)} accepted, e.g. {accepted[:3]}"
    time.sleep(0.2)  # a wrongly started background delete would have run by now
    assert ent.table(f"SELECT s FROM table({mutable})") == [["a"]]
    assert ent.table(f"SELECT s FROM table({normal})") == [["a"]]
    assert _files_named(MARK, [Path.cwd(), Path("/tmp")]) == []
