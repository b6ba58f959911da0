"""pytest plugin (entry point ``pytest11``): fixtures that run a Timeplus emulator.

* ``timeplus_server`` — session-scoped cloud-profile emulator, no auth.
* ``timeplus_enterprise_server`` — session-scoped enterprise profile, user ``admin`` /
  password ``secret``.
* ``timeplus_dsn`` — the DSN of ``timeplus_server``, or ``$TIMEPLUS_TEST_URL`` when set
  (then no emulator is started).

Both servers have fault injection on (``server.faults``, :mod:`timeplus_emulator.faults`).
Tests should create uniquely named streams: the session servers are shared.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from timeplus_emulator.server import EmulatorServer


@pytest.fixture(scope="session")
def timeplus_server() -> Iterator[EmulatorServer]:
    """A cloud-profile emulator for the whole test session."""
    with EmulatorServer(profile="cloud", enable_faults=True) as server:
        yield server


@pytest.fixture(scope="session")
def timeplus_enterprise_server() -> Iterator[EmulatorServer]:
    """An enterprise-profile emulator with HTTP Basic auth (admin / secret)."""
    with EmulatorServer(profile="enterprise", user="admin", password="secret",  # noqa: S106
                        enable_faults=True) as server:
        yield server


@pytest.fixture(scope="session")
def timeplus_dsn(request: pytest.FixtureRequest) -> str:
    """``$TIMEPLUS_TEST_URL`` if set, else the DSN of the session emulator."""
    url = os.environ.get("TIMEPLUS_TEST_URL")
    if url:
        return url
    server: EmulatorServer = request.getfixturevalue("timeplus_server")
    return server.dsn
