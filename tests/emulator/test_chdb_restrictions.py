"""What chDB restricts by itself, measured (the emulator's defence in depth, issue 12).

These run SQL on chDB directly, past the translator, to pin down the facts the
:mod:`timeplus_emulator` docstring states: ``readonly = 1`` (added to every SELECT the
emulator runs) refuses DDL, writes and the table functions that read files, the network
or programs, but neither the scalar ``file()`` nor ``INTO OUTFILE``; so the allow-list
in :mod:`timeplus_emulator.sql.allowlist` is what keeps those out.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from timeplus_emulator import backend
from timeplus_emulator.backend import Backend, EngineError
from timeplus_emulator.streaming import with_readonly

READONLY = 164


@pytest.fixture(scope="module")
def chdb() -> Iterator[Backend]:
    pool = backend.acquire_backend(None)
    yield pool
    backend.release_backend(pool)


@pytest.mark.parametrize("sql", [
    "SELECT * FROM file('/etc/hostname', 'LineAsString')",
    "SELECT * FROM url('http://127.0.0.1:9/', 'LineAsString')",
    "SELECT * FROM executable('true', 'TSV', 'a String')",
    "SELECT * FROM format(CSV, 'a String', 'x')",
    "SELECT * FROM zeros(1)",
    "SELECT 1 SETTINGS max_threads = 1",  # readonly joins an existing SETTINGS clause
])
def test_readonly_select_refuses_table_functions_that_read_outside(chdb: Backend,
                                                                   sql: str) -> None:
    if "max_threads" in sql:
        assert chdb.query(with_readonly(sql), "CSV") == b"1\n"
        return
    with pytest.raises(EngineError) as caught:
        chdb.query(with_readonly(sql), "CSV")
    assert caught.value.code == READONLY


def test_readonly_does_not_stop_scalar_file_or_outfile(chdb: Backend, tmp_path: Path) -> None:
    """Why the allow-list must refuse these itself."""
    assert chdb.query(with_readonly("SELECT length(file('/etc/hostname')) > 0"), "CSV") == b"1\n"
    target = Path(f"tpro_{uuid.uuid4().hex[:8]}.txt")
    try:
        chdb.query(f"SELECT 1 INTO OUTFILE '{target}' SETTINGS readonly = 1", "CSV")
        assert target.exists()
    finally:
        if target.exists():
            os.remove(target)


def test_values_format_without_expression_interpretation(chdb: Backend) -> None:
    db = f"tpro_{uuid.uuid4().hex[:8]}"
    chdb.query(f"CREATE DATABASE {db}", "CSV")
    try:
        chdb.query(f"CREATE TABLE {db}.t (s String) ENGINE = Log", "CSV")
        off = " SETTINGS input_format_values_interpret_expressions = 0"
        # interpret_expressions = 0 alone still evaluates calls through template deduction
        chdb.query(f"INSERT INTO {db}.t{off} FORMAT Values (concat('a', 'b'))", "CSV")
        off += ", input_format_values_deduce_templates_of_expressions = 0"
        for data in ("(concat('c', 'd'))", "((SELECT 'x'))"):
            with pytest.raises(EngineError) as caught:
                chdb.query(f"INSERT INTO {db}.t{off} FORMAT Values {data}", "CSV")
            assert caught.value.code == 344  # SUPPORT_IS_DISABLED
        chdb.query(f"INSERT INTO {db}.t{off} FORMAT Values ('ef'), (NULL)", "CSV")
        # a Log table returns its blocks in any order
        rows = chdb.query(f"SELECT s FROM {db}.t ORDER BY s", "CSV")
        assert rows == b'""\n"ab"\n"ef"\n'
    finally:
        chdb.query(f"DROP DATABASE {db}", "CSV")
