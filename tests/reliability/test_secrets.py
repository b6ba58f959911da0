"""Secrets and TLS (issue 8): API keys and passwords never appear in ``repr``, DEBUG logs,
exception messages (with their causes and tracebacks) or URLs in errors; TLS certificates are
verified by default, a custom CA bundle works, and turning verification off warns.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from reliability_support import TlsProxy, error_text, free_port, make_self_signed_cert

import timeplus_dbapi
from timeplus_dbapi.client import TimeplusClient
from timeplus_emulator import run_emulator
from timeplus_emulator.server import EmulatorServer

API_KEY = "tpk-Sup3rS3cr3tK3y-0123456789abcdef"
PASSWORD = "p@ss:w/rd%S3CR3T"
WRONG_KEY = "tpk-Wr0ngK3y-fedcba9876543210"
WRONG_PASSWORD = "n0t-th3-r1ght-S3CR3T"
REPEAT_STALE = 20  # the server closes after a 401: a reused dead socket shows up within a few tries
SECRETS = (API_KEY, PASSWORD, WRONG_KEY, WRONG_PASSWORD, quote(PASSWORD, safe=""))


def _assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"secret {secret[:6]}... leaked"


@pytest.fixture(scope="module")
def key_server() -> Iterator[EmulatorServer]:
    with run_emulator(api_key=API_KEY, enable_faults=True) as server:
        yield server


@pytest.fixture(scope="module")
def password_server() -> Iterator[EmulatorServer]:
    with run_emulator(user="admin", password=PASSWORD, profile="enterprise") as server:
        yield server


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every logger at DEBUG; no test may leak a secret into the records."""
    caplog.set_level(logging.DEBUG)
    yield caplog
    _assert_no_secret(caplog.text)
    _assert_no_secret("\n".join(repr(r.args) for r in caplog.records))


def _dsn(server: EmulatorServer, user: str, secret: str, port: int = 0) -> str:
    return f"timeplus://{user}:{quote(secret, safe='')}@127.0.0.1:{port or server.port}/default"


def _everything_shown(connection: timeplus_dbapi.Connection) -> str:
    cursor = connection.cursor()
    client: TimeplusClient = connection.client
    return "\n".join([repr(connection), str(connection), repr(cursor), repr(client),
                      repr(client.transport), repr(client.transport.config),
                      repr(connection.params), str(connection.params)])


# --- the right secrets work, and never show ---------------------------------------------------


def test_api_key_works_and_is_hidden(key_server: EmulatorServer) -> None:
    connection = timeplus_dbapi.connect(_dsn(key_server, "", API_KEY), timeout=5)
    with connection:
        cursor = connection.cursor()
        cursor.execute("SELECT 1", query_mode="table")
        assert cursor.fetchall() == [(1,)]
        connection.client.list_streams()
        _assert_no_secret(_everything_shown(connection))


def test_password_with_url_characters_works_and_is_hidden(
    password_server: EmulatorServer,
) -> None:
    connection = timeplus_dbapi.connect(_dsn(password_server, "admin", PASSWORD), timeout=5)
    with connection:
        cursor = connection.cursor()
        cursor.execute("SELECT 2", query_mode="table")
        assert cursor.fetchall() == [(2,)]
        _assert_no_secret(_everything_shown(connection))
    keyword = timeplus_dbapi.connect(host="127.0.0.1", port=password_server.port,
                                     user="admin", password=PASSWORD, timeout=5)
    with keyword:
        keyword.client.list_streams()
        _assert_no_secret(_everything_shown(keyword))


# --- failures with secret-bearing DSNs --------------------------------------------------------


def test_wrong_api_key_error_hides_it(key_server: EmulatorServer) -> None:
    connection = timeplus_dbapi.connect(_dsn(key_server, "", WRONG_KEY), timeout=5)
    with connection, pytest.raises(timeplus_dbapi.OperationalError) as caught:
        connection.cursor().execute("SELECT 1")
    assert caught.value.http_status == 401
    assert "authentication" in str(caught.value).lower()
    _assert_no_secret(error_text(caught.value))


def test_wrong_password_error_hides_it(password_server: EmulatorServer) -> None:
    """Repeated on one connection: each 401 must leave the connection usable for the next."""
    connection = timeplus_dbapi.connect(_dsn(password_server, "admin", WRONG_PASSWORD),
                                        timeout=5)
    calls = (lambda: connection.cursor().execute("SELECT 1"),
             connection.client.list_streams,
             lambda: connection.client.ingest("s", ["a"], [[1]]))
    with connection:
        for call in calls * REPEAT_STALE:
            with pytest.raises(timeplus_dbapi.OperationalError) as caught:
                call()
            assert caught.value.http_status == 401, caught.value
            _assert_no_secret(error_text(caught.value))


def test_connection_refused_error_hides_secrets() -> None:
    port = free_port()
    for dsn in (f"timeplus://:{API_KEY}@127.0.0.1:{port}/default",
                f"timeplus://admin:{quote(PASSWORD, safe='')}@127.0.0.1:{port}/default"):
        connection = timeplus_dbapi.connect(dsn, timeout=2)
        with connection, pytest.raises(timeplus_dbapi.OperationalError) as caught:
            connection.cursor().execute("SELECT 1")
        assert f"127.0.0.1:{port}" in str(caught.value)
        _assert_no_secret(error_text(caught.value))
        assert "@127.0.0.1" not in str(caught.value)  # no userinfo-bearing URL


@pytest.mark.watchdog(30)
def test_timeout_error_hides_secrets(key_server: EmulatorServer) -> None:
    connection = timeplus_dbapi.connect(_dsn(key_server, "", API_KEY), timeout=1,
                                        idle_timeout=None)
    key_server.faults.delay_events(2.5)
    try:
        with connection, pytest.raises(timeplus_dbapi.OperationalError) as caught:
            cursor = connection.cursor()
            cursor.execute("SELECT 1", query_mode="table")
            cursor.fetchall()
    finally:
        key_server.faults.reset()
    _assert_no_secret(error_text(caught.value))


def test_invalid_dsn_error_hides_secrets() -> None:
    with pytest.raises(timeplus_dbapi.InterfaceError) as caught:
        timeplus_dbapi.connect(f"timeplus://:{API_KEY}@127.0.0.1:notaport/default")
    _assert_no_secret(error_text(caught.value))
    with pytest.raises(timeplus_dbapi.InterfaceError) as unknown:
        timeplus_dbapi.connect(f"timeplus://admin:{quote(PASSWORD, safe='')}@h/ws?bogus=1")
    _assert_no_secret(error_text(unknown.value))


# --- TLS ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory,
        key_server: EmulatorServer) -> Iterator[tuple[TlsProxy, str]]:
    directory = tmp_path_factory.mktemp("tls")
    try:
        cert, key = make_self_signed_cert(str(directory))
    except (OSError, Exception) as exc:  # no openssl CLI on this machine
        pytest.skip(f"cannot create a certificate with openssl: {exc}")
    proxy = TlsProxy(cert, key, key_server.port)
    yield proxy, cert
    proxy.close()


def _tls_dsn(proxy: TlsProxy, **params: Any) -> str:
    query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params.items())
    return f"timeplus://:{API_KEY}@127.0.0.1:{proxy.port}/default?secure=true&{query}"


def _select_one(connection: timeplus_dbapi.Connection) -> list[Any]:
    cursor = connection.cursor()
    cursor.execute("SELECT 1", query_mode="table")
    return cursor.fetchall()


def test_tls_verification_is_on_by_default(tls: tuple[TlsProxy, str]) -> None:
    proxy, _ = tls
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # verification on: no warning at all
        connection = timeplus_dbapi.connect(_tls_dsn(proxy), timeout=5)
    assert connection.params.verify is True
    with connection, pytest.raises(timeplus_dbapi.OperationalError) as caught:
        _select_one(connection)
    text = str(caught.value).lower()
    assert "ssl" in text or "certificate" in text, text
    assert f"127.0.0.1:{proxy.port}" in str(caught.value)
    _assert_no_secret(error_text(caught.value))


def test_tls_custom_ca_bundle(tls: tuple[TlsProxy, str]) -> None:
    proxy, cert = tls
    for connection in (timeplus_dbapi.connect(_tls_dsn(proxy), verify=cert, timeout=5),
                       timeplus_dbapi.connect(_tls_dsn(proxy, verify=cert), timeout=5)):
        with connection:
            assert _select_one(connection) == [(1,)]
            assert connection.client.list_streams() is not None


def test_tls_wrong_ca_bundle_fails(tls: tuple[TlsProxy, str], tmp_path: Path) -> None:
    proxy, _ = tls
    other_cert, _ = make_self_signed_cert(str(tmp_path))
    connection = timeplus_dbapi.connect(_tls_dsn(proxy), verify=other_cert, timeout=5)
    with connection, pytest.raises(timeplus_dbapi.OperationalError):
        _select_one(connection)


def test_tls_verification_off_warns(tls: tuple[TlsProxy, str]) -> None:
    proxy, _ = tls
    with pytest.warns(timeplus_dbapi.InsecureConnectionWarning, match="127.0.0.1"):
        connection = timeplus_dbapi.connect(_tls_dsn(proxy, verify="false"), timeout=5)
    with connection, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # urllib3 also warns on each unverified request
        assert _select_one(connection) == [(1,)]
