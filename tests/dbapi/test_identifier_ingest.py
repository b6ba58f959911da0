"""Random column names, quoted in every way the server accepts, through ``executemany``:
the value must land in the named column (issue 13, item 11). The server's parser is the judge:
the value is read back with a SELECT of the column, whose name the server resolves itself."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import timeplus_dbapi as db
from timeplus_dbapi.literals import quote_identifier
from timeplus_dbapi.sqltext import analyze_insert

pytestmark = pytest.mark.integration


def _backslashed(name: str, quote: str) -> str:
    return quote + name.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


def _doubled(name: str, quote: str) -> str:
    return quote + name.replace("\\", "\\\\").replace(quote, quote * 2) + quote


def _control_escapes(name: str) -> str:
    """Backquotes, with tab and newline written as escapes the fast path leaves to SQL."""
    return _backslashed(name, "`").replace("\t", "\\t").replace("\n", "\\n")


STYLES = {
    "backquote-backslash": lambda n: _backslashed(n, "`"),
    "backquote-doubled": lambda n: _doubled(n, "`"),
    "double-quote-backslash": lambda n: _backslashed(n, '"'),
    "double-quote-doubled": lambda n: _doubled(n, '"'),
    "control-escapes": _control_escapes,
}
FAST_PATH_STYLES = set(STYLES) - {"control-escapes"}

names = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=12,
).filter(lambda n: not n.startswith("_tp_") and n != "other")
tricky = st.sampled_from(['a""b', "a``b", 'a"b', "a`b", "a\\b", "a\\`b", "%", "%%s", "a'b", " "])


@pytest.fixture(scope="module")
def iconn(request):
    connection = db.connect(request.getfixturevalue("timeplus_dsn"), query_mode="table")
    yield connection
    connection.close()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.one_of(tricky, names), style=st.sampled_from(sorted(STYLES)))
def test_random_names_in_any_quoting_receive_their_own_values(iconn, name, style):
    assume(style != "control-escapes" or "\t" in name or "\n" in name or "\\" not in name)
    stream = f"ident_{uuid.uuid4().hex[:10]}"
    iconn.client.create_stream(stream, [("other", "string"), (name, "string")])
    try:
        quoted = STYLES[style](name).replace("%", "%%")  # pyformat: parameters are given
        sql = f"INSERT INTO {stream} (other, {quoted}) VALUES (%s, %s)"
        if style in FAST_PATH_STYLES:
            target = analyze_insert(sql)
            assert target is not None and target.columns == ("other", name)
        iconn.cursor().executemany(sql, [("o", "mine")])
        cur = iconn.cursor()
        cur.execute(f"SELECT {quote_identifier(name)}, other FROM table({stream})")
        assert cur.fetchall() == [("mine", "o")]
    finally:
        iconn.client.delete_stream(stream, if_exists=True)


@pytest.mark.parametrize(
    ("quoted", "target"),
    [('`a""b`', 'a""b'), ('"a""b"', 'a"b'), ("`a``b`", "a`b"), ('`a\\"b`', 'a"b'),
     ('`a\\x22b`', 'a"b'), ('"a\\\\\\"b"', 'a\\"b')],
)
def test_the_value_lands_in_the_column_the_server_reads(iconn, quoted, target):
    """Columns named a""b, a"b, a`b and a\\"b all exist: a misread name would store silently."""
    stream = f"ident_{uuid.uuid4().hex[:10]}"
    columns = ['a""b', 'a"b', "a`b", 'a\\"b']
    iconn.client.create_stream(stream, [(c, "string") for c in columns])
    try:
        iconn.cursor().executemany(f"INSERT INTO {stream} ({quoted}) VALUES (%s)", [("mine",)])
        cur = iconn.cursor()
        cur.execute(f"SELECT {', '.join(map(quote_identifier, columns))} FROM table({stream})")
        assert cur.fetchall() == [tuple("mine" if c == target else "" for c in columns)]
    finally:
        iconn.client.delete_stream(stream, if_exists=True)
