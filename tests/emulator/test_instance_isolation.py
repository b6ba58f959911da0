"""Two emulator instances in one process cannot see each other (issue 12 item 3).

The session's cloud and enterprise emulators share one chDB; each owns private chDB
databases (``tp<n>x<random>_<db>``). Naming the other's private database anywhere a
table can stand gets 81 (or 48 where the form itself is refused), listings show only the
instance's own objects, and no row is copied, whatever the statement.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest


def _probes(db: str, secrets: str, loot: str) -> list[str]:
    tables = [f"`{db}`.{secrets}", f"{db}.{secrets}", f'"{db}"."{secrets}"']
    out: list[str] = []
    for t in tables:
        out += [
            f"SELECT * FROM {t}",
            f"SELECT * FROM table({t})",
            f"SELECT * FROM tumble({t}, 1s)",
            f"SELECT * FROM numbers(1) AS n JOIN {t} AS s ON 1 = 1",
            f"SELECT * FROM (SELECT * FROM {t})",
            f"WITH c AS (SELECT * FROM {t}) SELECT * FROM c",
            f"SELECT 'alice' IN (SELECT owner FROM {t})",
            f"SELECT 'alice' IN {t}",
            f"SELECT 'alice' IN ({t})",
            f"SELECT (SELECT card FROM {t} LIMIT 1)",
            f"INSERT INTO {loot} (x) SELECT card FROM {t}",
            f"INSERT INTO {loot} (x) VALUES ((SELECT card FROM {t} LIMIT 1))",
            f"INSERT INTO {loot} (x) FORMAT Values ((SELECT concat(owner, ':', card) FROM {t}))",
            f"CREATE VIEW v_{uuid.uuid4().hex[:8]} AS SELECT * FROM {t}",
            f"CREATE MATERIALIZED VIEW mv_{uuid.uuid4().hex[:8]} AS SELECT * FROM {t}",
            f"DESCRIBE {t}",
            f"SHOW CREATE {t}",
        ]
    return [*out, f"SHOW STREAMS FROM `{db}`", f"USE `{db}`", f"DROP STREAM `{db}`.{secrets}",
            f"SELECT * FROM `{db}`.`{secrets}` SETTINGS query_mode = 'table'"]


def _own_objects_only(client: Any, own_prefix: str, other_prefix: str, other: str) -> None:
    listings = [
        "SELECT database, name FROM system.tables",
        "SELECT database, name FROM `system`.tables",
        "SELECT database, name FROM \"system\".\"tables\"",
        "SELECT name FROM system.databases",
        "SELECT database, table FROM `system`.`columns`",
    ]
    for sql in listings:
        text = repr(client.table(sql))
        assert own_prefix not in text and other_prefix not in text and other not in text, sql
    show = client.post("/queries", json={"sql": "SHOW DATABASES"}).text
    assert own_prefix not in show and other_prefix not in show


@pytest.mark.parametrize("direction", ["cloud reads enterprise", "enterprise reads cloud"])
def test_instances_cannot_read_list_or_copy_each_other(
        api: Any, ent: Any, timeplus_server: Any, timeplus_enterprise_server: Any,
        direction: str) -> None:
    victim, thief = (ent, api) if direction == "cloud reads enterprise" else (api, ent)
    victim_prefix = victim.server.engine.prefix
    thief_prefix = thief.server.engine.prefix
    secrets = victim.create_stream("owner string, card string")
    victim.ingest(secrets, ["owner", "card"], [["alice", "4111-1111"]])
    loot = thief.create_stream("x string")
    for sql in _probes(victim_prefix + "default", secrets, loot):
        response = thief.post("/queries", json={"sql": sql})
        assert 400 <= response.status_code < 500, (sql, response.status_code, response.text)
        error = response.json()
        assert error["code"] in (81, 48), (sql, error)
        assert thief_prefix not in error["message"], (sql, error)
        assert "4111" not in response.text, sql
    _own_objects_only(thief, thief_prefix, victim_prefix, secrets)
    assert thief.table(f"SELECT count() FROM table({loot})") == [["0"]]
    for column, table in (("name", "system.databases"), ("database", "system.tables"),
                          ("database", "`system`.`columns`")):
        thief.sql(f"INSERT INTO {loot} (x) SELECT {column} FROM {table}")
        # chDB cannot run values() inside VALUES data (393): an error, but never a leak
        thief.post("/queries", json={
            "sql": f"INSERT INTO {loot} (x) VALUES ((SELECT max({column}) FROM {table}))"})
    copied = repr(thief.table(f"SELECT x FROM table({loot})"))
    assert victim_prefix not in copied and thief_prefix not in copied, copied[:300]
    assert victim.table(f"SELECT card FROM table({secrets})") == [["4111-1111"]]


def test_errors_from_chdb_never_name_the_private_database(api: Any) -> None:
    name = api.create_stream("a int32")
    prefix = api.server.engine.prefix
    for sql in [f"SELECT nope FROM table({name})", f"SELECT a + 'x' FROM table({name})",
                f"SELECT * FROM table({name}) AS t JOIN table({name}) AS t ON 1"]:
        error = api.query_error(sql)
        assert prefix not in error["message"] and "tp" + prefix[2:] not in error["message"], error
