"""Tokenizer: lossless round trip, literal decoding, Timeplus interval shorthand."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeplus_emulator.sql import TranslationError
from timeplus_emulator.sql.tokens import Kind, quote_string, render, tokenize, unquote


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        "select a, b -- comment\nfrom s /* block */ where x = 'it''s'",
        "SELECT `we\\`ird`, \"dq\"\"x\" FROM db.s AS t",
        "SELECT 1.5e-3, .5, 0x1F, 0b101, t.1 FROM s",
        "SELECT a::int32, [1, 2][1], x -> x + 1, a <=> b, a != b",
        "  SELECT 5s, 10ms, 2h, 1M  ;  ",
    ],
)
def test_render_is_inverse_of_tokenize(sql: str) -> None:
    assert render(tokenize(sql)) == sql


def test_token_kinds() -> None:
    kinds = [(t.kind, t.text) for t in tokenize("SELECT `a b`, 'x', 5s, 1.5 FROM s")]
    assert kinds == [
        (Kind.IDENT, "SELECT"), (Kind.QUOTED_IDENT, "`a b`"), (Kind.OP, ","),
        (Kind.STRING, "'x'"), (Kind.OP, ","), (Kind.INTERVAL, "5s"), (Kind.OP, ","),
        (Kind.NUMBER, "1.5"), (Kind.IDENT, "FROM"), (Kind.IDENT, "s"), (Kind.EOF, ""),
    ]


def test_tuple_access_dot_is_not_a_number() -> None:
    texts = [t.text for t in tokenize("t.1")]
    assert texts == ["t", ".", "1", ""]


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("'a\\'b'", "a'b"),
        ("'a''b'", "a'b"),
        ("'back\\\\slash'", "back\\slash"),
        ("'tab\\there'", "tab\there"),
        ("'\\N'", ""),
        ("'\\x41'", "A"),
        ("'keep\\q'", "keep\\q"),
        ("`a\\`b`", "a`b"),
    ],
)
def test_unquote(literal: str, value: str) -> None:
    assert unquote(literal) == value


@pytest.mark.parametrize("sql", ["SELECT 'abc", "SELECT `abc", "SELECT /* x", "SELECT 1.5xs",
                                 "SELECT $$abc", "SELECT /* /* */ 1"])
def test_lexical_errors_are_syntax_errors(sql: str) -> None:
    with pytest.raises(TranslationError) as info:
        tokenize(sql)
    assert info.value.code == 62


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_random_string_literal_survives(value: str) -> None:
    literal = quote_string(value)
    sql = f"SELECT {literal} AS v"
    tokens = tokenize(sql)
    assert render(tokens) == sql
    strings = [t for t in tokens if t.kind is Kind.STRING]
    assert len(strings) == 1
    assert unquote(strings[0].text) == value


def test_clickhouse_words_numbers_and_heredocs() -> None:
    sql = "SELECT 99006_v, 1_000_000, $$it's \\n$$, $t$a$$b$t$, 5s FROM 00338_s"
    tokens = tokenize(sql)
    # a heredoc's token is the same string single-quoted: chDB never reads a heredoc
    assert [(t.kind, t.text) for t in tokens[1:-1:2]] == [
        (Kind.IDENT, "99006_v"), (Kind.NUMBER, "1_000_000"), (Kind.STRING, "'it\\'s \\\\n'"),
        (Kind.STRING, "'a$$b'"), (Kind.INTERVAL, "5s"), (Kind.IDENT, "00338_s")]
    assert unquote(tokens[5].text) == "it's \\n"  # no escapes in a heredoc
    assert unquote(tokens[7].text) == "a$$b"
    assert unquote("$t$a$$b$t$") == "a$$b"


@pytest.mark.parametrize(("sql", "value"), [
    ("SELECT $$$$", ""), ("SELECT $doc$$doc$", ""),
    ("SELECT $doc$$do$ $ doc$ $doc $ $doco$$doc$", "$do$ $ doc$ $doc $ $doco$"),
    ("SELECT $\u0442\u0435\u0433$VALUE$\u0442\u0435\u0433$", "VALUE"),  # any tag
    ("SELECT $a b$x$a b$", "x"),
])
def test_heredoc_tags_as_protons_lexer(sql: str, value: str) -> None:
    token = tokenize(sql)[1]
    assert token.kind is Kind.STRING and unquote(token.text) == value


def test_words_starting_with_a_dollar_are_names() -> None:
    token = tokenize("SELECT 1 AS $alias$name$")[3]
    assert token.kind is Kind.QUOTED_IDENT and unquote(token.text) == "$alias$name$"


@pytest.mark.parametrize("sql", ["SELECT $", "SELECT $$x", "SELECT $ x"])
def test_a_dollar_that_starts_nothing_is_a_syntax_error(sql: str) -> None:
    with pytest.raises(TranslationError) as info:
        tokenize(sql)
    assert info.value.code == 62


@pytest.mark.parametrize("space", ["\u00a0", "\u0085", "\u180e", "\u2000", "\u200b", "\u200d",
                                   "\u2028", "\u202f", "\u205f", "\u2060", "\u3000", "\ufeff"])
def test_protons_unicode_spaces_separate_tokens_as_one_ascii_space(space: str) -> None:
    tokens = tokenize(f"SELECT{space}1{space}+{space}{space}2")
    assert [t.text for t in tokens] == ["SELECT", "1", "+", "2", ""]
    assert render(tokens) == "SELECT 1 + 2"


@pytest.mark.parametrize("char", ["\u200e", "\u2061", "\u00ad"])
def test_other_space_like_characters_in_words_stay_refused(char: str) -> None:
    with pytest.raises(TranslationError) as info:
        tokenize(f"SELECT a{char}b")
    assert info.value.code == 62


@pytest.mark.parametrize(("sql", "rendered"), [
    ("SELECT /*/**/*/ 1", "SELECT   1"),
    ("SELECT /*a/*b*/c*/ 1", "SELECT   1"),
    ("SELECT /* flat */ 1", "SELECT /* flat */ 1"),
])
def test_block_comments_nest_and_nested_ones_become_a_space(sql: str, rendered: str) -> None:
    tokens = tokenize(sql)
    assert [t.text for t in tokens] == ["SELECT", "1", ""]
    assert render(tokens) == rendered


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8")).filter(
    lambda v: "$$" not in v and not v.endswith("$")))
def test_random_heredoc_survives(value: str) -> None:
    tokens = tokenize(f"SELECT $${value}$$")
    assert tokens[1].kind is Kind.STRING and unquote(tokens[1].text) == value
