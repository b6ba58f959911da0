"""to_datetime(column) as a GROUP BY key that ORDER BY names too: the form every Superset
time grain takes. The emulator sends to_datetime's argument through a helper that reads
digit strings as Proton does; that helper once broke such queries (chDB: 'Not found
column ... in block', seen as 41), for datetime and string columns alike."""

from __future__ import annotations

from typing import Any


def test_grouping_by_a_month_of_to_datetime_and_ordering_by_it(api: Any) -> None:
    name = api.create_stream("ts datetime64(3, 'UTC'), s string")
    api.sql(f"INSERT INTO {name} (ts, s) VALUES ('2024-02-29 13:47:59.987', "
            "'2024-02-29 13:47:59'), ('2024-03-03 00:00:00', '1709424000'), "
            "('2024-03-04 23:59:59.001', '2024-03-04 23:59:59')")
    for column in ("ts", "s"):
        rows = api.table(
            f"SELECT to_start_of_month(to_datetime({column}, 'UTC')) AS bucket, "
            f"to_int32(count(*)) AS c FROM table({name}) GROUP BY bucket ORDER BY bucket")
        assert rows == [["2024-02-01", 1], ["2024-03-01", 2]], column
