"""Smoke test of scripts/proton_stream_cases.py's loading, scope and comparison (no server,
no Proton files).

The rules are those of Proton's smoke-case checker, written out by hand: rows in any order but
as many as expected, ``any_value`` matches anything, float columns within 1%, integer columns
by value, other values by the ``str()`` of the Python value the Proton driver returns
(``2020-02-02 20:00:00+00:00`` for a zoned datetime), ``error_code:N`` for a failed query.
"""

from __future__ import annotations

import datetime
import decimal
import json
from pathlib import Path

from tests.emulator.conftest import load_script

cases = load_script("proton_stream_cases.py")
UTC = datetime.timezone.utc


def test_fields_compare_by_column_type() -> None:
    assert cases.field_matches("58.3", 58.29999923706055, "float32")
    assert cases.field_matches(66, 66.5, "nullable(float64)")  # within 1%
    assert not cases.field_matches("58.3", 60.0, "float32")
    assert cases.field_matches("4", 4, "uint64") and cases.field_matches(4, 4, "int32")
    assert not cases.field_matches("4", 5, "uint64")
    assert cases.field_matches("any_value", "whatever", "string")
    stamp = datetime.datetime(2020, 2, 2, 20, 0, 5, tzinfo=UTC)
    assert cases.field_matches("2020-02-02 20:00:05+00:00", stamp, "datetime64(3, 'UTC')")
    assert not cases.field_matches("2020-02-02 20:00:05", stamp, "datetime64(3, 'UTC')")
    assert cases.field_matches("2020-02-02 20:00:05", stamp.replace(tzinfo=None), "datetime64(3)")
    assert cases.field_matches("[1, 2]", [1, 2], "array(int32)")
    assert cases.field_matches("a,any_value,c", "a,b,c", "string")
    assert cases.field_matches("None", None, "nullable(string)")
    # the Proton driver's values: a decimal without its scale's zeros, a fixed string
    # without its padding
    assert cases.field_matches("1", decimal.Decimal("1.00000"), "decimal(10, 5)")
    assert not cases.field_matches("1", decimal.Decimal("1.00001"), "decimal(10, 5)")
    assert cases.field_matches("ab", "ab\0\0", "fixed_string(4)")


def test_rows_match_in_any_order_but_not_fewer_or_more() -> None:
    types = ["string", "float32"]
    got = [("dev2", 80.0), ("dev1", 66.0)]
    assert cases.rows_match([["dev1", "66"], ["dev2", "80"]], got, types)
    assert not cases.rows_match([["dev1", "66"]], got, types)  # one row too many
    assert not cases.rows_match([["dev1", "66"], ["dev2", "80"], ["dev3", "1"]], got, types)
    # Proton's checker: each expected row matches some result row, so a repeated one may
    # match the same row (its references rely on that)
    assert cases.rows_match([["dev1", "66"], ["dev1", "66"]], got, types)
    assert not cases.rows_match([["dev1"], ["dev2"]], got, types)  # a row of other width


def test_expected_errors_and_skips() -> None:
    assert cases.result_matches("error_code:36", "error_code:36")
    assert not cases.result_matches("error_code:36", "error_code:48")
    assert not cases.result_matches("error_code:36", ([], []))
    assert cases.result_matches("skip", None)
    assert not cases.result_matches([], None)  # the query never ran
    assert cases.result_matches([], ([], ["string"]))


def _case(test: dict[str, object], **config: object) -> object:
    config.setdefault("tests_2_run", {"tags_2_skip": {"default": ["todo", "bug"]}})
    base = {"id": 1, "tags": [], "expected_results": [{"query_id": "1", "expected_results": []}],
            "steps": [{"statements": [{"client": "python", "query_type": "table",
                                       "query": "select 1"}]}]}
    return cases.Case("0000_x", {**base, **test}, config)


def test_out_of_scope_cases_say_why() -> None:
    assert cases.skip_reason(_case({})) is None
    assert "'bug'" in cases.skip_reason(_case({"tags": ["bug", "window"]}))
    assert "REST" in cases.skip_reason(_case({"steps": [{"statements": [{"client": "rest"}]}]}))
    external = {"steps": [{"statements": [{"client": "python", "query_type": "table",
                                           "query": "create external stream k (raw string)"}]}]}
    assert "external stream" in cases.skip_reason(_case(external))
    shards = {"steps": [{"statements": [{"query": "create stream s (i int) settings shards=3"}]}]}
    assert "multishard" in cases.skip_reason(_case(shards))
    assert "expected" in cases.skip_reason(_case({"expected_results": []}))
    users = {"steps": [{"statements": [{"query": "select 1", "user": "u", "password": "p"}]}]}
    assert "privileges" in cases.skip_reason(_case(users))


def test_suites_load_and_select_by_suite_or_id(tmp_path: Path) -> None:
    suite = {"test_suite_config": {"table_schemas": []},
             "tests": [{"id": 0, "steps": []}, {"id": 7, "steps": []}]}
    (tmp_path / "0001_view_case.json").write_text(json.dumps(suite))
    (tmp_path / "0002_other.json").write_text(json.dumps(suite))
    picked = [(p.stem, [c.name for c in found]) for p, found, _ in
              cases.load_cases(tmp_path, ["0001_view_case:7"])]
    assert picked == [("0001_view_case", ["0001_view_case:7"])]
    everything = [c.name for _, found, _ in cases.load_cases(tmp_path, []) for c in found]
    assert everything == ["0001_view_case:0", "0001_view_case:7", "0002_other:0", "0002_other:7"]


def test_kill_statements_name_the_query() -> None:
    match = cases._KILL.match("kill query where query_id = '301'")
    assert match is not None and match.group(1) == "301"
    assert cases._KILL.match("select 'kill query'") is None
