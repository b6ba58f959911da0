"""OPTIMIZE TABLE: Proton merges a stream's parts, which changes no answer; what it refuses
stays refused. Expected answers follow Proton's ParserOptimizeQuery and IStorage::optimize."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import unique


def code_of(api: Any, sql: str) -> int:
    return int(api.query_error(sql)["code"])


@pytest.mark.parametrize("engine", ["", " ENGINE = MergeTree ORDER BY a"])
def test_optimize_keeps_every_row(api: Any, engine: str) -> None:
    name = api.create_stream("a int32, b string", extra=engine)
    for a, b in ((2, "x"), (1, "y"), (2, "x")):  # two inserts, two parts; a duplicate row
        api.sql(f"INSERT INTO {name} (a, b) VALUES ({a}, '{b}')")
    for statement in (f"OPTIMIZE TABLE {name}", f"OPTIMIZE TABLE default.{name} FINAL",
                      f"OPTIMIZE TABLE {name} PARTITION tuple() FINAL"):
        api.sql(statement)
    assert api.table(f"SELECT a, b FROM table({name}) ORDER BY a, b") \
        == [[1, "y"], [2, "x"], [2, "x"]]


def test_optimize_refuses_what_proton_refuses(api: Any) -> None:
    memory = api.create_stream("a int32", extra=" ENGINE = Memory")
    view = f"v_{memory}"
    api.sql(f"CREATE VIEW {view} AS SELECT a FROM table({memory})")
    assert code_of(api, f"OPTIMIZE TABLE {memory}") == 48   # IStorage::optimize
    assert code_of(api, f"OPTIMIZE TABLE {view}") == 48
    assert code_of(api, "OPTIMIZE TABLE no_such_stream_here") == 60
    assert code_of(api, f"OPTIMIZE STREAM {memory}") == 62  # only OPTIMIZE TABLE parses


def test_optimize_deduplicate_is_refused_not_ignored(api: Any) -> None:
    # it would remove the duplicate row, which a no-op would silently keep
    name = api.create_stream("a int32", extra=" ENGINE = MergeTree ORDER BY a")
    assert code_of(api, f"OPTIMIZE TABLE {name} FINAL DEDUPLICATE") == 48
    assert code_of(api, f"OPTIMIZE TABLE {name} DEDUPLICATE BY a") == 48
    assert code_of(api, f"OPTIMIZE TABLE {name} ON CLUSTER c FINAL") == 48


def test_limits_on_inactive_parts_are_refused(api: Any) -> None:
    # Proton refuses inserts once a merge left more inactive parts than the limit; the
    # emulator keeps no parts, so a store with such a limit would take inserts Proton refuses
    sql = ("CREATE STREAM {} (a int32) ENGINE = MergeTree ORDER BY a "
           "SETTINGS inactive_parts_to_throw_insert = 2")
    assert code_of(api, sql.format(unique("parts_limited"))) == 48
    api.sql(sql.format(unique("parts_unlimited")).replace("= 2", "= 0"))
