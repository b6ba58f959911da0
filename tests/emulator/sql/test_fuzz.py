"""Property tests: odd names survive, and no input crashes the translator."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from timeplus_emulator.sql import STAR_MARKER, SelectStatement, Source, TranslationError, translate
from timeplus_emulator.sql.tokens import quote_name

names = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20)


@settings(max_examples=200, deadline=None)
@given(database=names.filter(lambda d: d not in ("system", "information_schema",
                                                 "INFORMATION_SCHEMA")),
       stream=names, alias=names)
def test_quoted_names_reach_the_source_unchanged(database: str, stream: str, alias: str) -> None:
    sql = f"SELECT * FROM {quote_name(database)}.{quote_name(stream)} AS {quote_name(alias)}"
    statement = translate(sql)
    assert isinstance(statement, SelectStatement)
    assert statement.sources == (Source(database, stream, alias, False),)
    assert statement.ch_sql == f"SELECT * {STAR_MARKER} FROM __TP_SOURCE_0__"


WORDS = [
    "SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "LIMIT", "JOIN", "ON", "AS", "WITH",
    "table", "tumble", "hop", "session", "s", "t", "a", "b", "count", "sum", "p90", "quantile",
    "top_k", "cast", "EMIT", "PERIODIC", "AFTER", "WINDOW", "CLOSE", "SETTINGS", "query_mode",
    "seek_to", "=", "(", ")", ",", ".", "*", "+", "::", ":", "?", "'x'", "5s", "1", "2.5",
    "INTERVAL", "SECOND", "string", "int32", "array", "IN", "UNION", "ALL", "CREATE", "STREAM",
    "VIEW", "MATERIALIZED", "INTO", "INSERT", "VALUES", "DROP", "SHOW", "STREAMS", "DESCRIBE",
    "OVER", "PARTITION", "`q`", "raw", "->", "[", "]", "DEFAULT", "PRIMARY", "KEY", "NULL",
]


STARTS = [
    "", "SELECT", "SELECT a FROM", "SELECT * FROM s", "CREATE STREAM s (", "INSERT INTO s",
    "SELECT count() FROM tumble(s,", "SELECT a FROM s JOIN", "CREATE VIEW v AS SELECT",
    "SELECT cast(a AS", "SELECT a FROM hop(table(s),", "WITH x AS (SELECT", "SELECT raw:",
]


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(STARTS), st.lists(st.sampled_from(WORDS), min_size=1, max_size=14))
def test_token_soup_never_crashes(start: str, words: list[str]) -> None:
    sql = start + " " + " ".join(words)
    try:
        translate(sql, resolve_view=lambda db, name: "SELECT a FROM s" if name == "v" else None)
    except TranslationError as exc:
        assert exc.code > 0
        assert exc.message
