"""Tokenizer-based SQL handling: parameters, SETTINGS merging, INSERT analysis (no server)."""

import pytest

from timeplus_dbapi import ProgrammingError
from timeplus_dbapi.literals import render_literal
from timeplus_dbapi.sqltext import (
    analyze_insert,
    decode_quoted,
    is_select,
    merge_settings,
    split_values_template,
    statement_kind,
    substitute_params,
    top_level_limit,
    values_placeholders,
)

TABLE = "query_mode='table'"


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("SELECT 1", f"SELECT 1 SETTINGS {TABLE}"),
        ("SELECT 1;", f"SELECT 1 SETTINGS {TABLE};"),
        ("SELECT 1 ;  ", f"SELECT 1 SETTINGS {TABLE} ;  "),
        (
            "SELECT 1 -- trailing SETTINGS comment",
            f"SELECT 1 SETTINGS {TABLE} -- trailing SETTINGS comment",
        ),
        ("SELECT 1 /* c */", f"SELECT 1 SETTINGS {TABLE} /* c */"),
        (
            "SELECT * FROM s SETTINGS seek_to='earliest'",
            f"SELECT * FROM s SETTINGS {TABLE}, seek_to='earliest'",
        ),
        (
            "select * from s settings max_threads = 2, seek_to = '-1h';",
            f"select * from s settings {TABLE}, max_threads = 2, seek_to = '-1h';",
        ),
        ("SELECT 'SETTINGS x=1' FROM s", f"SELECT 'SETTINGS x=1' FROM s SETTINGS {TABLE}"),
        ("SELECT settings FROM s", f"SELECT settings FROM s SETTINGS {TABLE}"),
        (
            "SELECT * FROM (SELECT 1 SETTINGS a=1) AS t",
            f"SELECT * FROM (SELECT 1 SETTINGS a=1) AS t SETTINGS {TABLE}",
        ),
        ("SELECT `SETTINGS` FROM s", f"SELECT `SETTINGS` FROM s SETTINGS {TABLE}"),
        ("SELECT 1 SETTINGS query_mode='streaming'", "SELECT 1 SETTINGS query_mode='streaming'"),
    ],
)
def test_merge_settings(sql, expected):
    assert merge_settings(sql, "query_mode", "'table'") == expected


@pytest.mark.parametrize(
    "sql, params, expected",
    [
        ("SELECT %s, %s", (1, "a'b"), "SELECT 1, 'a\\'b'"),
        ("SELECT %(x)s + %(x)s", {"x": 2}, "SELECT 2 + 2"),
        ("SELECT '100%%', %s", (None,), "SELECT '100%', NULL"),
        ("SELECT %s", ["%s"], "SELECT '%s'"),
        ("SELECT 1", (), "SELECT 1"),
        ("SELECT '%'", None, "SELECT '%'"),
    ],
)
def test_substitute_params(sql, params, expected):
    assert substitute_params(sql, params, render_literal) == expected


@pytest.mark.parametrize(
    "sql, params, fragment",
    [
        ("SELECT %s, %s", (1,), "not enough"),
        ("SELECT %s", (1, 2), "2 parameters"),
        ("SELECT %(a)s", (1,), "mapping"),
        ("SELECT %s", {"a": 1}, "positional"),
        ("SELECT %(a)s", {"b": 1}, "'a'"),
        ("SELECT %d", (1,), "unsupported"),
        ("SELECT %s", "ab", "sequence or a mapping"),
    ],
)
def test_parameter_errors(sql, params, fragment):
    with pytest.raises(ProgrammingError, match=fragment):
        substitute_params(sql, params, render_literal)


@pytest.mark.parametrize(
    "sql, kind",
    [
        ("SELECT 1", "query"),
        ("  -- c\n /* x */ with a as (select 1) select * from a", "query"),
        ("(SELECT 1)", "query"),
        ("SHOW STREAMS", "query"),
        ("INSERT INTO s VALUES (1)", "insert"),
        ("CREATE STREAM s (a int)", "command"),
        ("DROP STREAM s", "command"),
        ("", "command"),
    ],
)
def test_statement_kind(sql, kind):
    assert statement_kind(sql) == kind


def test_is_select():
    assert is_select("  (WITH x AS (SELECT 1) SELECT * FROM x)")
    assert is_select("select 1")
    assert not is_select("SHOW STREAMS")
    assert not is_select("DESCRIBE s")


@pytest.mark.parametrize(("sql", "limit"), [
    ("SELECT * FROM s LIMIT 5", 5),
    ("select * from s limit 5 settings seek_to='earliest';", 5),
    ("SELECT * FROM s LIMIT 10, 5", 5),
    ("SELECT * FROM s LIMIT 5 OFFSET 10 EMIT STREAM", 5),
    ("SELECT * FROM s LIMIT 1 BY k LIMIT 7", 7),
    ("SELECT * FROM s LIMIT 0", 0),
    ("SELECT * FROM s", None),
    ("SELECT * FROM (SELECT * FROM s LIMIT 5)", None),
    ("SELECT 'LIMIT 5' FROM s -- LIMIT 5", None),
    ("SELECT * FROM s LIMIT 2 BY k", None),
    ("SELECT * FROM s LIMIT 1 + 1", None),
    ("SELECT * FROM s LIMIT (2)", None),
    ("SELECT * FROM s LIMIT 5 WITH TIES", None),
    ("SELECT * FROM s LIMIT %s", None),
    ("SELECT 1 UNION ALL SELECT 2 LIMIT 1", None),
    ("SELECT * FROM s LIMIT 0x10", None),
])
def test_top_level_limit(sql, limit):
    assert top_level_limit(sql) == limit


def test_analyze_insert_forms():
    target = analyze_insert('INSERT INTO `my stream` (a, "b") VALUES (%s, %s);')
    assert target is not None
    assert target.stream == "my stream" and target.columns == ("a", "b")
    assert target.placeholders == ((None, None),)
    named = analyze_insert("insert into s values (%(x)s, %(y)s), (%(z)s, %(w)s)")
    assert named is not None and named.stream == "s" and named.columns == ()
    assert named.placeholders == (("x", "y"), ("z", "w"))


def test_analyze_insert_reads_names_as_pyformat_leaves_them():
    # SQLAlchemy doubles '%' in quoted names for pyformat; the server would see one '%'.
    target = analyze_insert('INSERT INTO `s%%x` ("%%pct", `a%%%%b`) VALUES (%s, %s)')
    assert target is not None
    assert target.stream == "s%x"
    assert target.columns == ("%pct", "a%%b")


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO s (a, b) VALUES (%s, 1)",
        "INSERT INTO db.s (a) VALUES (%s)",  # ingest only reaches the workspace's streams
        "INSERT INTO `default`.`s` VALUES (%s)",
        "INSERT INTO s (a, b) VALUES (%s, now())",
        "INSERT INTO s (a) SELECT %s",
        "INSERT INTO s (a, b) VALUES (%s)",
        "INSERT INTO s VALUES (%s, %(b)s)",
        "SELECT %s",
    ],
)
def test_analyze_insert_rejects_non_ingest_forms(sql):
    assert analyze_insert(sql) is None


def test_split_values_template():
    sql = "INSERT INTO s (a, t) VALUES (%s, now()) SETTINGS x=1"
    assert split_values_template(sql) == (
        "INSERT INTO s (a, t) VALUES ",
        "(%s, now())",
        " SETTINGS x=1",
    )
    nested = "insert into s values (%s, to_date(%s), (1, 2))"
    assert split_values_template(nested) == ("insert into s values ", nested[21:], "")
    assert split_values_template("INSERT INTO s VALUES (%s), (%s)") is None
    assert split_values_template("INSERT INTO s SELECT %s") is None
    assert split_values_template("SELECT 1") is None


@pytest.mark.parametrize(
    ("sql", "columns"),
    [
        ('INSERT INTO s (`a""b`) VALUES (%s)', ('a""b',)),  # "" is not special in backquotes
        ('INSERT INTO s ("a""b") VALUES (%s)', ('a"b',)),
        ("INSERT INTO s (`a``b`) VALUES (%s)", ("a`b",)),
        ('INSERT INTO s (`a\\`b`, "c\\"d", `e\\\\f`) VALUES (%s, %s, %s)', ("a`b", 'c"d', "e\\f")),
        ("INSERT INTO s (\"a``b\", `it's`) VALUES (%s, %s)", ("a``b", "it's")),
    ],
)
def test_analyze_insert_reads_quoted_names_as_the_server_does(sql, columns):
    target = analyze_insert(sql)
    assert target is not None and target.columns == columns


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO s (`a\\nb`) VALUES (%s)",  # an escape whose meaning the driver leaves to SQL
        "INSERT INTO s (`a\\x41`) VALUES (%s)",
        "INSERT INTO s (`a\\qb`) VALUES (%s)",
        "INSERT INTO `s\\t` (a) VALUES (%s)",
        "INSERT INTO s (`a%sb`) VALUES (%s)",  # a placeholder inside a name: SQL substitution
        "INSERT INTO s (`ab) VALUES (%s)",  # unterminated
        "INSERT INTO s (`ab\\`) VALUES (%s)",
        "INSERT INTO s (näme) VALUES (%s)",
    ],
)
def test_analyze_insert_leaves_names_it_cannot_be_sure_of_to_the_sql_path(sql):
    assert analyze_insert(sql) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("`a``b`", "a`b"), ('"a""b"', 'a"b'), ("'a''b'", "a'b"), ('`a""b`', 'a""b'),
        ("`a\\nb`", "a\nb"), ("`\\x41\\N`", "A"), ("`a\\qb`", "a\\qb"), ("'\\''", "'"),
    ],
)
def test_decode_quoted_follows_the_server_rules(text, value):
    assert decode_quoted(text) == value


@pytest.mark.parametrize("text", ["`a", "`a\\`", "`a`b`", "a", "", "'a\"", '"'])
def test_decode_quoted_refuses_what_is_not_one_whole_quoted_token(text):
    assert decode_quoted(text) is None


@pytest.mark.parametrize(
    ("sql", "columns", "params"),
    [
        ("INSERT INTO s (a, b) VALUES (%s, now())", ("a",), (0,)),
        ("INSERT INTO s (a, b, c) VALUES (now(), %(x)s, f(%(y)s))", ("b",), ("x",)),
        ("INSERT INTO s (a, `b c`) VALUES (f(%s, [1, %s]), %s);", ("b c",), (2,)),
        ("INSERT INTO s (a, b) VALUES ((%s), [%s])", (), ()),
    ],
)
def test_values_placeholders_maps_bare_placeholders_to_their_columns(sql, columns, params):
    found = values_placeholders(sql)
    assert found is not None and found.stream == "s"
    assert (found.columns, found.params) == (columns, params)


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO s VALUES (%s, now())",  # no column list
        "INSERT INTO s (a) VALUES (%s) SETTINGS x = 1",
        "INSERT INTO s (`%s`, b) VALUES (%s, %s)",  # substitution sees a third %s
        "INSERT INTO s (a, b) VALUES (%s)",
        "INSERT INTO s (a) VALUES (%s), (%s)",
        "INSERT INTO s (a) SELECT %s",
    ],
)
def test_values_placeholders_is_none_where_it_cannot_be_sure(sql):
    assert values_placeholders(sql) is None
