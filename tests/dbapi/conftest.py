"""Fixtures for the driver's integration tests.

``profile_dsn`` runs a test against both emulator profiles (cloud: no auth, ``POST /streams``;
enterprise: HTTP Basic, DDL over ``/queries``). With ``TIMEPLUS_TEST_URL`` set, the cloud case
uses that real server and the enterprise case is skipped. ``emulator`` gives tests that need
fault injection the cloud emulator object (skipped against a real server).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import timeplus_dbapi

REAL_SERVER = bool(os.environ.get("TIMEPLUS_TEST_URL"))


@pytest.fixture(params=["cloud", "enterprise"])
def profile_dsn(request: pytest.FixtureRequest) -> str:
    if request.param == "cloud":
        return str(request.getfixturevalue("timeplus_dsn"))
    if REAL_SERVER:
        pytest.skip("TIMEPLUS_TEST_URL is set: only the real server is tested")
    return str(request.getfixturevalue("timeplus_enterprise_server").dsn)


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> Any:
    if REAL_SERVER:
        pytest.skip("fault injection needs the emulator, not the real server")
    server = request.getfixturevalue("timeplus_server")
    server.faults.reset()
    yield server
    server.faults.reset()


@pytest.fixture
def conn(profile_dsn: str) -> Iterator[timeplus_dbapi.Connection]:
    connection = timeplus_dbapi.connect(profile_dsn)
    yield connection
    connection.close()


@pytest.fixture
def emu_conn(emulator: Any) -> Iterator[timeplus_dbapi.Connection]:
    connection = timeplus_dbapi.connect(emulator.dsn)
    yield connection
    connection.close()


def _stream_factory(connection: timeplus_dbapi.Connection) -> Iterator[Any]:
    created: list[str] = []

    def create(columns: list[tuple[str, str]], **options: Any) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        connection.client.create_stream(name, columns, **options)
        created.append(name)
        return name

    yield create
    for name in created:
        try:
            connection.client.delete_stream(name, if_exists=True)
        except timeplus_dbapi.Error:
            pass


@pytest.fixture
def new_stream(conn: timeplus_dbapi.Connection) -> Iterator[Any]:
    """``new_stream([(name, type), ...]) -> stream name``; dropped after the test."""
    yield from _stream_factory(conn)


@pytest.fixture
def emu_stream(emu_conn: timeplus_dbapi.Connection) -> Iterator[Any]:
    """Like ``new_stream`` on the fault-injection emulator's connection."""
    yield from _stream_factory(emu_conn)
