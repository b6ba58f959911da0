"""The allow-lists at translation time (no server): what reaches chDB text, and what is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeplus_emulator.sql import InsertStatement, SelectStatement, TranslationError, translate
from timeplus_emulator.sql.allowlist import is_literal_tokens, setting_values
from timeplus_emulator.sql.model import STAR_MARKER
from timeplus_emulator.sql.tokens import quote_string, tokenize, unquote


def ch_sql(sql: str) -> str:
    """The translated text, without the engine's marker after ``*`` (not our concern here)."""
    statement = translate(sql)
    assert isinstance(statement, SelectStatement)
    return statement.ch_sql.replace(f" {STAR_MARKER}", "")


def refused(sql: str) -> TranslationError:
    with pytest.raises(TranslationError) as caught:
        translate(sql)
    return caught.value


@given(st.text(max_size=30))
def test_string_setting_values_are_re_rendered(value: str) -> None:
    tokens = tokenize(f"seek_to = {quote_string(value)}")
    (setting,) = setting_values(tokens, 0, len(tokens) - 1)
    assert setting.value == value and unquote(setting.sql) == value


@pytest.mark.parametrize(("written", "sql", "kind"), [
    ("2", "2", "number"), ("- 3", "-3", "number"), ("TRUE", "true", "bool"),
    ("'a''b'", "'a\\'b'", "string"), ("1.5e3", "1.5e3", "number"),
])
def test_setting_value_forms(written: str, sql: str, kind: str) -> None:
    tokens = tokenize(f"x = {written}")
    (setting,) = setting_values(tokens, 0, len(tokens) - 1)
    assert (setting.sql, setting.kind) == (sql, kind)


@pytest.mark.parametrize("value", ["1 + 1", "(SELECT 1)", "max_threads", "[1]", "file('x')",
                                   "1 FORMATS CSV", ""])
def test_setting_value_must_be_one_literal(value: str) -> None:
    assert refused(f"SELECT 1 SETTINGS max_threads = {value}").code == 62


def test_settings_pass_re_rendered_everywhere() -> None:
    assert ch_sql("SELECT 1 SETTINGS `max_threads` = 2") == "SELECT 1 SETTINGS max_threads = 2"
    assert ch_sql("SELECT * FROM (SELECT 1 SETTINGS \"max_threads\"=1)") == \
        "SELECT * FROM (SELECT 1 SETTINGS max_threads = 1)"
    insert = translate("INSERT INTO s SETTINGS max_threads = 2 VALUES (1)")
    assert isinstance(insert, InsertStatement) and insert.settings == {"max_threads": "2"}


@pytest.mark.parametrize(("sql", "code"), [
    ("SELECT * FROM (SELECT 1 SETTINGS seek_to = 'earliest')", 48),
    ("SELECT 1 SETTINGS log_comment = 'x'", 48),
    ("SELECT 1 SETTINGS max_threads = 'x'", 48),
    ("SELECT 1 SETTINGS join_use_nulls = 2", 48),
    ("INSERT INTO s SETTINGS input_format_values_interpret_expressions = 1 VALUES (1)", 48),
])
def test_settings_outside_the_list_or_of_the_wrong_kind(sql: str, code: int) -> None:
    assert refused(sql).code == code


@pytest.mark.parametrize(("sql", "code"), [
    ("SELECT `toString`(1)", 46), ('SELECT "file"(\'x\')', 48), ("SELECT `\\x66ile`('x')", 48),
    ("SELECT dict_get_string('d', 'a', 1)", 48), ("SELECT in(1, system.one)", 48),
    ("SELECT 1 IN (1, db.t)", 48), ("SELECT 1 IN ((db.t))", 48), ("SELECT * APPLY file FROM s", 48),
    ("SELECT * APPLY(`file`) FROM s", 48), ("SELECT * FROM `generateRandom`(3)", 48),
    ("SELECT * FROM (EXPLAIN SELECT 1)", 48), ("SELECT 1 /* /* */", 62),
    ("SELECT\u00a0file('x')", 48), ("INSERT INTO FUNCTION file('x') SELECT 1", 48),
    ("INSERT INTO s FORMAT Template x", 48), ("SELECT * FROM system.processes", 48),
    ("SELECT * FROM `system`.`settings`", 48), ("SELECT * FROM system.nothing_here", 81),
    ("INSERT INTO s FROM INFILE 'x'", 48),
])
def test_refused_with_code(sql: str, code: int) -> None:
    assert refused(sql).code == code


@pytest.mark.parametrize("sql", [
    "SELECT 1 FROM system.one WHERE dummy NOT IN (2, 3)",
    "SELECT 1 FROM system.one WHERE (dummy) NOT IN (2, 3) AND NOT dummy IN (4)",
    "SELECT 1 FROM system.one WHERE dummy IN (NULL) AND dummy NOT IN (1)",
])
def test_not_in_is_the_operator_not_the_function(sql: str) -> None:
    # SQLAlchemy's expanding IN renders "x NOT IN (...)": NOT is not what stands before IN
    assert " IN (" in ch_sql(sql)


def test_allowed_forms_come_out_canonical() -> None:
    assert ch_sql("SELECT `to_string`(1)") == "SELECT toString(1)"
    assert ch_sql("SELECT * APPLY to_string FROM system.one") == \
        "SELECT * APPLY toString FROM system.one"
    assert ch_sql("SELECT * FROM `system`.`one` AS o") == "SELECT * FROM system.one AS `o`"
    assert ch_sql("SELECT zero FROM zeros(2)") == \
        "SELECT zero FROM (SELECT toUInt8(0) AS zero FROM numbers(2))"


@pytest.mark.parametrize(("data", "ok"), [
    ("('a', 1), (NULL, -2.5), ([1, 2], {'k': 3}), (nan, inf)", True),
    ("(concat('a'))", False), ("((SELECT 1))", False), ("(`c`)", False), ("(1::string)", False),
    ("(5s)", False), ("(1 * 2)", False),
])
def test_values_data_literal_check(data: str, ok: bool) -> None:
    assert is_literal_tokens(tokenize(data)) is ok
