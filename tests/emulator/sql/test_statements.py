"""CREATE/DROP/INSERT/SHOW/DESCRIBE/USE translation."""

from __future__ import annotations

import pytest

from timeplus_emulator.sql import (
    ColumnDef,
    CreateDatabaseStatement,
    CreateStreamStatement,
    CreateViewStatement,
    DescribeStatement,
    DropStatement,
    InsertStatement,
    SelectStatement,
    ShowStatement,
    Source,
    TranslationError,
    UseStatement,
    translate,
)


def create_stream(sql: str) -> CreateStreamStatement:
    statement = translate(sql)
    assert isinstance(statement, CreateStreamStatement)
    return statement


def test_create_stream_columns() -> None:
    st = create_stream(
        "CREATE STREAM IF NOT EXISTS db.s (a int, b string DEFAULT 'x' COMMENT 'the b', "
        "c nullable(float64), d low_cardinality(string) CODEC(ZSTD(1)), e datetime64(3) NULL, "
        "f uint8 DEFAULT to_uint8(1) + 1)"
    )
    assert (st.database, st.name, st.if_not_exists, st.mode) == ("db", "s", True, "append")
    assert st.columns == (
        ColumnDef("a", "int32", "Int32"),
        ColumnDef("b", "string", "String", "'x'", "'x'", comment="the b"),
        ColumnDef("c", "nullable(float64)", "Nullable(Float64)", nullable=True),
        ColumnDef("d", "low_cardinality(string)", "LowCardinality(String)", codec="ZSTD(1)"),
        ColumnDef("e", "nullable(datetime64(3))", "Nullable(DateTime64(3))", nullable=True),
        ColumnDef("f", "uint8", "UInt8", "to_uint8(1) + 1", "toUInt8(1) + 1"),
    )
    assert st.tp_time_default_ch == "now64(3, 'UTC')"


def test_create_stream_modes_ttl_settings() -> None:
    st = create_stream(
        "CREATE STREAM kv (k string, v int64, ts datetime64(3)) PRIMARY KEY (k) "
        "TTL to_datetime(_tp_time) + INTERVAL 7 DAY "
        "SETTINGS mode='versioned_kv', event_time_column='ts', logstore_retention_bytes=1024"
    )
    assert st.mode == "versioned_kv"
    assert st.primary_key == ("k",)
    assert st.ttl_expression == "to_datetime(_tp_time) + INTERVAL 7 DAY"
    assert st.ttl_expression_ch == "toDateTime(_tp_time) + INTERVAL 7 DAY"
    assert st.settings == {"event_time_column": "ts", "logstore_retention_bytes": "1024"}
    assert st.tp_time_default_ch == "ts"


def test_kv_mode_needs_primary_key() -> None:
    with pytest.raises(TranslationError) as info:
        translate("CREATE STREAM kv (k string) SETTINGS mode='changelog_kv'")
    assert info.value.code == 36


def test_unknown_mode() -> None:
    with pytest.raises(TranslationError) as info:
        translate("CREATE STREAM s (k string) SETTINGS mode='weird'")
    assert info.value.code == 36


@pytest.mark.parametrize("column", ["_tp_sn", "_tp_custom", "window_start"])
def test_reserved_column_names_are_rejected(column: str) -> None:
    with pytest.raises(TranslationError) as info:
        translate(f"CREATE STREAM s (a int, {column} int64)")
    assert info.value.code == 44
    assert "reserved" in info.value.message


def test_user_declared_tp_time_sets_the_event_time_default() -> None:
    st = create_stream("CREATE STREAM s (a int, _tp_time datetime64(3, 'UTC') DEFAULT now64(3))")
    assert [c.name for c in st.columns] == ["a"]
    assert st.tp_time_default_ch == "now64(3)"


def test_tp_time_with_wrong_type_is_rejected() -> None:
    with pytest.raises(TranslationError) as info:
        translate("CREATE STREAM s (_tp_time string)")
    assert info.value.code == 44


@pytest.mark.parametrize(
    ("sql", "code"),
    [
        ("CREATE STREAM s (a String)", 50),
        ("CREATE STREAM s (a timestamp)", 50),
        ("CREATE MUTABLE STREAM s (a int)", 36),
        ("CREATE STREAM s", 62),
        ("CREATE TABLE t (a int)", 48),
        ("CREATE STREAM s ENGINE = Memory AS SELECT 1 AS a", 48),
        ("CREATE STREAM s AS other", 48),
        ("CREATE STREAM s (a int) ENGINE = SummingMergeTree ORDER BY a", 48),
    ],
)
def test_create_stream_errors(sql: str, code: int) -> None:
    with pytest.raises(TranslationError) as info:
        translate(sql)
    assert info.value.code == code


def test_create_views() -> None:
    view = translate("CREATE VIEW IF NOT EXISTS v AS SELECT a FROM s WHERE a > 1")
    assert isinstance(view, CreateViewStatement)
    assert (view.name, view.materialized, view.target, view.if_not_exists) == (
        "v", False, None, True)
    assert view.select_sql == "SELECT a FROM s WHERE a > 1"
    assert view.select.ch_sql == "SELECT a FROM __TP_SOURCE_0__ WHERE a > 1"
    mv = translate("CREATE MATERIALIZED VIEW db.mv INTO db.target AS SELECT a, count() FROM s "
                   "GROUP BY a")
    assert isinstance(mv, CreateViewStatement)
    assert (mv.database, mv.name, mv.materialized, mv.target_database, mv.target) == (
        "db", "mv", True, "db", "target")
    assert mv.select.aggregating


def test_create_database() -> None:
    assert translate("CREATE DATABASE IF NOT EXISTS d") == CreateDatabaseStatement("d", True)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("DROP STREAM s", DropStatement("stream", None, "s", False)),
        ("drop stream if exists db.s;", DropStatement("stream", "db", "s", True)),
        ("DROP VIEW IF EXISTS v", DropStatement("view", None, "v", True)),
        ("DROP DATABASE d", DropStatement("database", None, "d", False)),
        ("SHOW STREAMS", ShowStatement("streams")),
        ("SHOW STREAMS FROM db LIKE 'x%'", ShowStatement("streams", "db", None, "x%")),
        ("SHOW DATABASES", ShowStatement("databases")),
        ("SHOW MATERIALIZED VIEWS", ShowStatement("views")),
        ("SHOW CREATE STREAM db.s", ShowStatement("create", "db", "s")),
        ("DESCRIBE s", DescribeStatement(None, "s")),
        ("DESC STREAM db.s", DescribeStatement("db", "s")),
        ("USE db", UseStatement("db")),
    ],
)
def test_small_statements(sql: str, expected: object) -> None:
    assert translate(sql) == expected


def test_insert_values() -> None:
    st = translate("INSERT INTO s (a, b) VALUES (1, 'x'), (2, to_string(3))")
    assert st == InsertStatement(None, "s", ("a", "b"), "VALUES (1, 'x'), (2, toString(3))")


def test_insert_select() -> None:
    st = translate("INSERT INTO db.t SELECT a, b FROM table(s) WHERE a > 0")
    assert isinstance(st, InsertStatement)
    assert st.body_ch == "SELECT a, b FROM __TP_SOURCE_0__ WHERE a > 0"
    assert st.sources == (Source(None, "s", "s", True),)
    assert st.columns is None and st.database == "db"


def test_insert_format_body_is_untouched() -> None:
    st = translate('INSERT INTO s FORMAT JSONEachRow {"a": "toDateTime"}')
    assert isinstance(st, InsertStatement)
    assert st.body_ch == 'FORMAT JSONEachRow {"a": "toDateTime"}'


def test_drop_table_is_a_syntax_error() -> None:
    with pytest.raises(TranslationError) as info:
        translate("DROP TABLE s")
    assert info.value.code == 62


def test_insert_format_data_is_never_tokenized() -> None:
    data = ' {"a": "it\'s `odd /* not a comment"}\n1,"unterminated\n'
    st = translate("INSERT INTO s (a) FORMAT JSONEachRow" + data)
    assert isinstance(st, InsertStatement)
    assert st.body_ch == "FORMAT JSONEachRow" + data
    assert st.columns == ("a",)


def test_insert_format_with_quoted_names() -> None:
    st = translate('INSERT INTO `my db`.`odd``name` (`a b`) FORMAT CSV\n1,"x\n')
    assert isinstance(st, InsertStatement)
    assert (st.database, st.name, st.columns) == ("my db", "odd`name", ("a b",))
    assert st.body_ch == 'FORMAT CSV\n1,"x\n'


def test_format_function_is_not_a_format_clause() -> None:
    stmt = translate("SELECT format('{}-{}', a, 'x') AS f FROM table(s)")
    assert isinstance(stmt, SelectStatement) and "format('{}-{}', a, 'x') AS f" in stmt.ch_sql
    with pytest.raises(TranslationError) as info:
        translate("SELECT format('{}', 1) FORMAT JSON")
    assert info.value.code == 48


@pytest.mark.parametrize("sql", ["SELECT {num:uint64}", "SELECT * FROM s WHERE a = {a: string}"])
def test_query_parameters_are_refused(sql: str) -> None:
    with pytest.raises(TranslationError) as info:
        translate(sql)
    assert info.value.code == 48 and "query parameters" in info.value.message


def test_columns_with_a_default_and_no_type_are_left_to_infer() -> None:
    stmt = translate("CREATE STREAM 99006_v (id int, b DEFAULT id + 1, c ALIAS id * 2)")
    assert isinstance(stmt, CreateStreamStatement) and stmt.name == "99006_v"
    assert [(c.name, c.type, c.default_kind, c.default) for c in stmt.columns] == [
        ("id", "int32", "DEFAULT", None), ("b", "", "DEFAULT", "id + 1"),
        ("c", "", "ALIAS", "id * 2")]


def test_check_constraints_are_refused_not_ignored() -> None:
    # Proton refuses rows that break a CHECK; ignoring it would store them
    with pytest.raises(TranslationError) as caught:
        translate("CREATE STREAM s (a int, CONSTRAINT c CHECK a > 0)")
    assert caught.value.code == 48
    # skip indexes and ASSUME constraints change no result: accepted
    translate("CREATE STREAM s (a int, CONSTRAINT c ASSUME a > 0, INDEX i a TYPE minmax "
              "GRANULARITY 1) ENGINE = MergeTree ORDER BY a")
