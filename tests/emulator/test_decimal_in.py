"""``x [NOT] IN (float literals)`` for a decimal ``x``, as Proton answers (sql/decimalin.py).

Proton converts each literal to the decimal's scale by cutting digits off (convertFieldToType,
convertToDecimalImpl); the expected values below follow that rule, worked out by hand.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest


def one_value(api: Any, sql: str) -> Any:
    rows = api.table(sql)
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    return rows[0][0]


@pytest.mark.parametrize(
    ("sql", "value"),
    [
        ("to_decimal64(2.25, 2) IN (2.2599)", True),  # 2.2599 -> 2.25
        ("to_decimal64(2.25, 2) IN (2.2401, 2.2)", False),  # 2.24, 2.20
        ("to_decimal128(-7.5, 1) IN (-7.59)", True),  # towards zero: -7.5
        ("to_decimal32(7, 0) NOT IN (7.9)", False),  # 7.9 -> 7
        ("to_decimal256(0.125, 3) IN (0.1259, 5)", True),
    ],
)
def test_float_literals_take_the_decimals_scale(api: Any, sql: str, value: bool) -> None:
    assert one_value(api, f"SELECT {sql}") is value


def test_other_operands_compare_exactly(api: Any) -> None:
    # a float or integer operand keeps exact comparison: 2 is not in (2.5), 2.5 is
    rows = api.table("SELECT number FROM numbers(4) WHERE number IN (2.5, 3.0) ORDER BY number")
    assert [int(row[0]) for row in rows] == [3]
    assert one_value(api, "SELECT to_float64(2.25) IN (2.2599)") is False


@pytest.fixture()
def prices(api: Any) -> Iterator[str]:
    name = api.create_stream("p decimal(12, 1)", extra=" ENGINE = Memory")
    api.sql(f"INSERT INTO {name} (p) VALUES ('19.9'), ('20.0')")
    yield name
    api.sql(f"DROP STREAM {name}")


def test_stream_column_in_float_literals(api: Any, prices: str) -> None:
    rows = api.table(f"SELECT p FROM {prices} WHERE p IN (19.95, 20.01) ORDER BY p")
    assert [float(row[0]) for row in rows] == [19.9, 20.0]
    assert one_value(api, f"SELECT count() FROM {prices} WHERE p NOT IN (19.99)") in (1, "1")


def test_undelimited_operand_or_mixed_list_is_refused(api: Any) -> None:
    for sql in ("SELECT 1 + to_decimal32(1, 1) IN (2.05)",
                "SELECT to_decimal32(1, 1) IN (1.05, '1.0')"):
        body = api.query_error(sql)
        assert body["code"] == 48, body
    # not a decimal: answered as before (Proton compares 1 with the string's number)
    assert one_value(api, "SELECT -1 IN (1.5, -1)") is True
    assert one_value(api, "SELECT 1 IN (1.23, '1', 2)") is True


def test_float_literal_inside_an_element_is_refused_for_a_decimal(api: Any, prices: str) -> None:
    # Proton folds 19.9 + 0.05 (19.95 in float64) and cuts it to the decimal's scale (19.9:
    # true); chDB compared it exactly and answered no row: refused instead
    for sql in (f"SELECT p FROM {prices} WHERE p IN (19.9 + 0.05)",
                "SELECT to_decimal64(0.3, 2) IN (0.1 + 0.2)",
                "SELECT to_decimal64(0.3, 2) NOT IN (3, 0.1 * 3)"):
        body = api.query_error(sql)
        assert body["code"] == 48, (sql, body)
    # not a decimal: answered as before
    assert one_value(api, "SELECT (0.1 + 0.2) IN (0.1 + 0.2)") is True
    assert one_value(api, "SELECT 3 IN (1.5 * 2)") is True
