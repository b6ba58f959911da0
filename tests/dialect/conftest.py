"""Fixtures for the dialect tests.

pytest-sqlalchemy's ``engine``/``connection`` fixtures point at the session emulator: its
``sqlalchemy_connect_url`` fixture is overridden to fall back to ``timeplus_dsn`` (so
``--sqlalchemy-connect-url`` or ``TIMEPLUS_TEST_URL`` still choose another server).
``counted_server`` is the session emulator, whose ``request_counts`` tell how many ingest/query
requests a test caused.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any, Optional

import pytest
import sqlalchemy as sa

REAL_SERVER = bool(os.environ.get("TIMEPLUS_TEST_URL"))

# SQLAlchemy's dialect suite is its own pytest root (tests/dialect/suite/setup.cfg); run it from
# that folder. Its conftest loads SQLAlchemy's testing plugin, which must not join this run.
collect_ignore = ["suite"]


@pytest.fixture(scope="session")
def sqlalchemy_connect_url(request: pytest.FixtureRequest) -> Optional[str]:
    given = request.config.getoption("--sqlalchemy-connect-url", default=None)
    if given:
        return str(given)
    return str(request.getfixturevalue("timeplus_dsn"))


@pytest.fixture
def stream_name() -> str:
    return f"sa_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def historical(engine: sa.engine.Engine) -> sa.engine.Engine:
    """The pytest-sqlalchemy engine with every statement in historical (table) mode."""
    return engine.execution_options(timeplus_query_mode="table")


@pytest.fixture(params=["cloud", "enterprise"])
def profile_engine(request: pytest.FixtureRequest) -> Iterator[sa.engine.Engine]:
    """An engine per emulator profile (streams via POST /streams, or via SQL DDL)."""
    if request.param == "cloud":
        url = str(request.getfixturevalue("sqlalchemy_connect_url"))
    elif REAL_SERVER:
        pytest.skip("TIMEPLUS_TEST_URL is set: only the real server is tested")
    else:
        url = str(request.getfixturevalue("timeplus_enterprise_server").dsn)
    engine = sa.create_engine(url, execution_options={"timeplus_query_mode": "table"})
    yield engine
    engine.dispose()


@pytest.fixture
def counted_server(timeplus_server: Any) -> Any:
    """The session emulator, for tests that compare ``server.request_counts`` snapshots."""
    if REAL_SERVER:
        pytest.skip("request counting needs the emulator")
    return timeplus_server


@pytest.fixture
def mixed_frame() -> Any:
    """A DataFrame with ints, floats (NaN, 1e300), strings (None, quotes, backslash, unicode),
    tz-aware timestamps (NaT) and bools: the pandas round-trip tests share it."""
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    return pd.DataFrame(
        {
            "i": np.array([1, 2, 3, 4], dtype="int64"),
            "f": [1.5, np.nan, -2.25, 1e300],
            "s": ["plain", None, "quote ' and \\ backslash", "ünïcødé 🚀"],
            "ts": pd.to_datetime(
                [
                    "2024-01-01 00:00:00.123",
                    "2024-06-01 12:00:00.000",
                    None,
                    "1999-12-31 23:59:59.000",
                ],
                utc=True,
            ),
            "b": [True, False, True, False],
        }
    )
