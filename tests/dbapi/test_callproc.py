"""``callproc(name, params)`` runs ``SELECT name(params...)`` and makes its result the result set
(issue 13, item 13); a second ``close()`` does nothing. Against both emulator profiles."""

from __future__ import annotations

from typing import Any

import pytest

import timeplus_dbapi


@pytest.mark.parametrize(("name", "parameters", "rows"), [
    ("lower", ("FOO",), [("foo",)]),
    ("plus", [40, 2], [(42,)]),
    ("concat", ("it's a \\ back", "slash"), [("it's a \\ backslash",)]),
    ("to_string", (None,), [(None,)]),
    ("length", ([1, 2, 3],), [(3,)]),
])
def test_callproc_selects_the_function_and_returns_the_parameters(
    conn: timeplus_dbapi.Connection, name: str, parameters: Any, rows: list[Any]
) -> None:
    cursor = conn.cursor()
    returned = cursor.callproc(name, parameters)
    assert returned is parameters  # no output parameters: the input, unchanged (PEP 249)
    assert cursor.description is not None and len(cursor.description) == 1
    assert cursor.fetchall() == rows


def test_callproc_without_parameters(conn: timeplus_dbapi.Connection) -> None:
    cursor = conn.cursor()
    assert cursor.callproc("pi") is None
    (value,), = cursor.fetchall()
    assert abs(value - 3.141592653589793) < 1e-12


def test_an_unknown_function_is_the_servers_error(conn: timeplus_dbapi.Connection) -> None:
    with pytest.raises(timeplus_dbapi.DatabaseError):
        conn.cursor().callproc("no_such_function_here", (1,))


def test_a_second_close_does_nothing(conn: timeplus_dbapi.Connection) -> None:
    cursor = conn.cursor()
    cursor.callproc("lower", ("A",))
    cursor.close()
    cursor.close()  # no error: documented in Cursor.close
    assert cursor.closed
    with pytest.raises(timeplus_dbapi.InterfaceError, match="closed"):
        cursor.callproc("lower", ("A",))
