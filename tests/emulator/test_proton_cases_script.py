"""Smoke test of scripts/proton_cases.py's parsing and TSV rendering (no server, no Proton files).

Expected texts are clickhouse-client's TabSeparated output as Proton's ``.reference`` files show
it (``\\N`` for NULL, quoted strings inside arrays, ``true``/``false``, ``1e21``), written by hand.
"""

from __future__ import annotations

import decimal
from pathlib import Path

import pytest

from tests.emulator.conftest import load_script

cases = load_script("proton_cases.py")


def test_statements_split_at_top_level_semicolons_with_error_hints() -> None:
    text = ("-- a comment; not a split\nSELECT 'a;b', `c;d` FROM t; -- { serverError 48 }\n"
            "/* x; */ SELECT 2;\nSET max_threads = 1;\n")
    statements = cases.split_statements(text)
    assert [s.sql for s in statements] == [
        "SELECT 'a;b', `c;d` FROM t", "SELECT 2", "SET max_threads = 1"]
    assert [s.expect_error for s in statements] == ["48", None, None]


def test_a_statement_after_another_on_the_same_line_is_kept() -> None:
    text = "insert into t (a) values (1); select 11111;\nSELECT 2; -- { serverError 1 }\n"
    statements = cases.split_statements(text)
    assert [(s.sql, s.expect_error) for s in statements] == [
        ("insert into t (a) values (1)", None), ("select 11111", None), ("SELECT 2", "1")]


def test_inline_insert_data_ends_with_its_line() -> None:
    # clickhouse-client reads `INSERT ... FORMAT CSV data` up to the end of the line
    text = ("INSERT INTO t FORMAT CSV 1,a\nINSERT INTO t FORMAT TSV 2\tb;\n"
            "insert into t values (3, 'c');\nSELECT * FROM t ORDER BY 1;\n")
    assert [s.sql for s in cases.split_statements(text)] == [
        "INSERT INTO t FORMAT CSV 1,a", "INSERT INTO t FORMAT TSV 2\tb",
        "insert into t values (3, 'c')", "SELECT * FROM t ORDER BY 1"]


def test_block_comments_separate_words_and_nest() -> None:
    # ORDER/* x */BY is ORDER BY (it was sent as ORDERBY); /*a/*b*/c*/ is one comment
    text = "SELECT 1 AS x ORDER/* hello */BY x;\nSELECT /*a/*b*/c*/ 1;\n"
    assert [s.sql.split() for s in cases.split_statements(text)] == [
        ["SELECT", "1", "AS", "x", "ORDER", "BY", "x"], ["SELECT", "1"]]


def test_a_sleep_after_set_is_still_answered_without_running() -> None:
    session: dict[str, str] = {}
    cases.apply_session("SET query_mode = 'table'", session)
    sql = cases.apply_session("SELECT sleep(3)", session)
    assert sql == "SELECT sleep(3)"  # no SETTINGS: run_statement answers 0 without sleeping
    assert cases.run_statement(None, sql, deadline=0.0) == ["0"]


def test_hints_in_comments_before_a_statement_do_not_count() -> None:
    text = ("SELECT 1;\n\n-- SELECT bad; -- { clientError 62 }\n/* { serverError 1 } */\n"
            "DROP STREAM IF EXISTS t1;\nSELECT 2 -- { serverError 43 }\n;\n")
    statements = cases.split_statements(text)
    assert [(s.sql, s.expect_error) for s in statements] == [
        ("SELECT 1", None), ("DROP STREAM IF EXISTS t1", None), ("SELECT 2", "43")]


def test_set_statements_become_settings_of_later_selects() -> None:
    session: dict[str, str] = {}
    probe = cases.apply_session("SET a = 1, b = 'x'", session)
    # the server judges the values, rows not printed; only a refusal (48) counts unless the
    # SET is expected to fail (SET max_threads = nan)
    assert isinstance(probe, cases.SetProbe) and not probe.strict
    assert set(probe.removeprefix("SELECT 1 SETTINGS ").split(", ")) == {"a=1", "b='x'"}
    strict = cases.apply_session("SET c = nan", {}, checked=True)
    assert isinstance(strict, cases.SetProbe) and strict.strict
    query = cases.apply_session("SELECT 1", session)
    assert query.startswith("SELECT 1 SETTINGS ")
    assert set(query.removeprefix("SELECT 1 SETTINGS ").split(", ")) == {"a=1", "b='x'"}
    assert cases.apply_session("INSERT INTO t VALUES (1)", session) == "INSERT INTO t VALUES (1)"
    # INSERT ... SELECT runs in the session too (SET join_use_nulls = 1 shapes its rows)
    insert = cases.apply_session("INSERT INTO t (k) SELECT k FROM u", session)
    assert insert.startswith("INSERT INTO t (k) SELECT k FROM u SETTINGS ")


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.0, "1"), (0.1, "0.1"), (-0.0, "-0"), (1e21, "1e21"), (1e20, "100000000000000000000"),
     (1e-7, "1e-7"), (0.000001, "0.000001"), (float("nan"), "nan"), (float("-inf"), "-inf")],
)
def test_floats_render_as_clickhouse_writes_them(value: float, text: str) -> None:
    assert cases.format_float(value) == text


def test_float32_values_render_with_float32_digits() -> None:
    # the driver reads a float32 as its exact value (-0.8999999761581421); Proton prints -0.9
    spec = cases.parse_result_type
    assert cases.format_value(-0.8999999761581421, spec("float32")) == "-0.9"
    assert cases.format_value(34073008.0, spec("float32")) == "34073010"
    assert cases.format_value(0.1, spec("float64")) == "0.1"
    assert cases.format_value(-0.8999999761581421, spec("float64")) == "-0.8999999761581421"


def test_decimals_render_without_trailing_zeros() -> None:
    # Proton's output_format_decimal_trailing_zeros is false (Settings.h): 00700's 42.42
    spec = cases.parse_result_type
    assert cases.format_value(decimal.Decimal("42.4200"), spec("decimal(9, 4)")) == "42.42"
    assert cases.format_value(decimal.Decimal("1.00000"), spec("decimal(9, 5)")) == "1"
    assert cases.format_value(decimal.Decimal("-0.00"), spec("decimal(9, 2)")) == "0"
    assert cases.format_value(decimal.Decimal("120"), spec("decimal(9, 0)")) == "120"
    assert cases.format_value([decimal.Decimal("3.10")], spec("array(decimal(9, 2))")) == "[3.1]"


def test_values_render_as_tab_separated() -> None:
    spec = cases.parse_result_type
    assert cases.format_value(None, spec("nullable(string)")) == "\\N"
    assert cases.format_value("a'b\tc", spec("string")) == "a\\'b\\tc"
    assert cases.format_value([None, "x"], spec("array(nullable(string))")) == "[NULL,'x']"
    assert cases.format_value((1, True), spec("tuple(uint8, bool)")) == "(1,true)"
    assert cases.format_value({"k": 1}, spec("map(string, uint8)")) == "{'k':1}"


def test_echo_directives_toggle_printing() -> None:
    assert cases._echo_state("-- { echo }\nSELECT 1;", False) is True
    assert cases._echo_state("-- { echoOff }\nSELECT 1;", True) is False
    assert cases._echo_state("SELECT 1;", True) is True


def test_echo_starts_at_the_directive_not_at_the_file_header() -> None:
    raw = "-- Tags: no-fasttest\n\n-- { echo }\nSELECT 1; -- note"
    assert cases.echo_lines(raw, False) == (["-- { echo }", "SELECT 1; -- note"], True)
    assert cases.echo_lines("-- before\nSELECT 2;", True) == (["-- before", "SELECT 2;"], True)
    assert cases.echo_lines("-- { echoOff }\nSELECT 3;", True) == ([], False)
    assert cases.echo_lines("SELECT 4;", False) == ([], False)


class _RecordingCursor:
    """Stands in for a DB-API cursor: records what the script sends."""

    description = None

    def __init__(self) -> None:
        self.sent: list[str] = []

    def execute(self, sql: str, **kwargs: object) -> None:
        self.sent.append(sql)


def test_sleep_is_faked_unless_an_error_is_expected() -> None:
    cursor = _RecordingCursor()
    assert cases.run_statement(cursor, "SELECT sleep(3)", deadline=1e18) == ["0"]
    assert cursor.sent == []
    # `SELECT sleep(4295.967296); -- { serverError 160 }` must reach the server
    cases.run_statement(cursor, "SELECT sleep(4295.967296)", deadline=1e18, fake_sleep=False)
    assert cursor.sent == ["SELECT sleep(4295.967296)"]


class _FailingCursor(_RecordingCursor):
    """A cursor whose queries fail with one server code (what the emulator answers)."""

    def __init__(self, code: int) -> None:
        super().__init__()
        self.code = code

    def execute(self, sql: str, **kwargs: object) -> None:
        super().execute(sql)
        error = RuntimeError("refused")
        error.code = self.code  # type: ignore[attr-defined]
        raise error

    def close(self) -> None:
        """Nothing to release."""


class _Connection:
    def __init__(self, cursor: _RecordingCursor) -> None:
        self.made = cursor

    def cursor(self) -> _RecordingCursor:
        return self.made


def test_expected_errors_are_checked_as_streaming_queries_with_the_hinted_code() -> None:
    # 99003: `select sum(id) over () from v; -- { serverError 48 }` fails in Proton because
    # the client runs it streaming; the script reads in table mode, then retries streaming
    refusing = _FailingCursor(48)
    assert cases.fails_streaming(_Connection(refusing), "select sum(id) over () from v", "48")
    assert refusing.sent == ["select sum(id) over () from v SETTINGS query_mode='streaming'"]
    assert not cases.fails_streaming(_Connection(_FailingCursor(62)), "SELECT 1", "48")
    untouched = _FailingCursor(48)
    assert not cases.fails_streaming(_Connection(untouched), "INSERT INTO t VALUES (1)", "48")
    assert untouched.sent == []


@pytest.mark.parametrize(("zone", "text"), [
    ("Asia/Kolkata", "2021-03-23 13:58:00+05:30"),
    ("UTC", "2021-03-23 13:58:00Z"),
    # Proton's DateLUT writes the 1970 offset plus the change since, within 12 hours:
    # Kiritimati (+14:00) reads -10:00, Kwajalein (+12:00) -12:00 (01252_weird_time_zone)
    ("Pacific/Kiritimati", "2021-03-23 13:58:00-10:00"),
    ("Pacific/Kwajalein", "2021-03-23 13:58:00-12:00"),
])
def test_zoned_datetimes_are_written_with_protons_offset(zone: str, text: str) -> None:
    value = cases.RawDatetime("2021-03-23 13:58:00")
    assert cases.format_value(value, cases.parse_result_type(f"datetime('{zone}')")) == text


class _AnsweringCursor(_RecordingCursor):
    """Answers every query with fixed rows."""

    def __init__(self, rows: list[tuple[object, ...]]) -> None:
        super().__init__()
        self.rows = rows

    def fetchall(self) -> list[tuple[object, ...]]:
        return self.rows

    def close(self) -> None:
        """Nothing to release."""


def test_a_wall_time_that_occurs_twice_takes_the_servers_offset() -> None:
    # Lord Howe's clocks went from 02:00 +11:00 back to 01:30 +10:30 on 2019-04-07: the
    # server sends only "01:30:00", which is 1554561000 (+11:00) or 1554562800 (+10:30)
    spec = cases.parse_result_type("datetime('Australia/Lord_Howe')")
    rows = [(cases.RawDatetime("2019-04-07 01:30:00"),),
            (cases.RawDatetime("2019-04-07 03:00:00"),)]
    assert cases.format_value(rows[0][0], spec) == "2019-04-07 01:30:00+11:00"  # the first
    server = _AnsweringCursor([("2019-04-07 01:30:00", 37800), ("2019-04-07 03:00:00", 37800)])
    cases.ask_offsets(_Connection(server), "SELECT x FROM t", ["x"], [spec], rows)
    assert server.sent == ["SELECT to_string(`x`), timezone_offset(`x`) FROM (SELECT x FROM t)"]
    assert [cases.format_value(r[0], spec) for r in rows] == [
        "2019-04-07 01:30:00+10:30", "2019-04-07 03:00:00+10:30"]
    # an answer for other rows (another order) is not used
    rows = [(cases.RawDatetime("2019-04-07 01:30:00"),)]
    cases.ask_offsets(_Connection(_AnsweringCursor([("2019-04-07 01:40:00", 37800)])),
                      "SELECT x FROM t", ["x"], [spec], rows)
    assert cases.format_value(rows[0][0], spec) == "2019-04-07 01:30:00+11:00"
    # no wall time occurs twice: nothing is asked
    quiet = _AnsweringCursor([])
    cases.ask_offsets(_Connection(quiet), "SELECT x FROM t", ["x"], [spec],
                      [(cases.RawDatetime("2019-04-07 03:00:00"),)])
    assert quiet.sent == []


def test_statements_after_use_go_to_that_database(tmp_path: Path) -> None:
    # clickhouse-client keeps a session: after USE, unqualified names are in that database
    # (01073_show_tables_not_like); the script sends them with ?db= (enterprise profile)
    (tmp_path / "use_case.sql").write_text(
        "CREATE DATABASE db_use_case;\nUSE db_use_case;\n"
        "CREATE STREAM s (x uint8) ENGINE = Memory;\nINSERT INTO s (x) VALUES (5);\n"
        "SELECT x FROM db_use_case.s;\nSHOW STREAMS FROM db_use_case;\n"
        "DROP DATABASE db_use_case;\n")
    (tmp_path / "use_case.reference").write_text("5\ns\n")
    [outcome] = list(cases.run_cases([tmp_path / "use_case.sql"], timeout=30.0))
    assert (outcome.kind, outcome.detail, outcome.diff) == ("pass", "", [])


def test_running_cases_leaves_the_drivers_converters_as_they_were(tmp_path: Path) -> None:
    # the script hands datetimes over as text while it runs; a later test in the same
    # process (Superset's time grains) got strings for datetimes when it did not put them back
    from timeplus_dbapi.converters import converter_for
    from timeplus_dbapi.typesystem import parse_result_type

    spec = parse_result_type("datetime('UTC')")
    before = converter_for(spec)
    (tmp_path / "x.sql").write_text("SELECT to_datetime('2020-01-02 03:04:05', 'UTC');\n")
    (tmp_path / "x.reference").write_text("2020-01-02 03:04:05\n")
    [outcome] = list(cases.run_cases([tmp_path / "x.sql"], timeout=30.0))
    assert outcome.kind != "error", outcome
    after = converter_for(spec)
    assert before is not None and after is not None
    assert after("2020-01-02 03:04:05") == before("2020-01-02 03:04:05")
