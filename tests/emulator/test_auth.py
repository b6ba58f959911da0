"""Authentication: no credentials configured = open; otherwise 401 ErrorResponse."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from timeplus_emulator import run_emulator
from timeplus_emulator.server import EmulatorServer


@pytest.fixture(scope="module")
def keyed() -> Iterator[EmulatorServer]:
    with run_emulator(api_key="k3y-secret") as server:
        yield server


def _streams(server: EmulatorServer, **kw: object) -> requests.Response:
    return requests.get(server.base_url + "/v1beta2/streams", timeout=5, **kw)  # type: ignore


def _assert_401(response: requests.Response) -> None:
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == 516
    assert set(body) == {"code", "message", "system"}


def test_no_credentials_configured_means_open(timeplus_server: EmulatorServer) -> None:
    assert _streams(timeplus_server).status_code == 200


def test_api_key_required_and_checked(keyed: EmulatorServer) -> None:
    _assert_401(_streams(keyed))
    _assert_401(_streams(keyed, headers={"X-Api-Key": "wrong"}))
    wrong = _streams(keyed, headers={"X-Api-Key": "wrong"})
    assert "k3y-secret" not in wrong.text


@pytest.mark.parametrize("header", ["X-Api-Key", "X-Api-key", "X-API-KEY", "x-api-key"])
def test_api_key_header_name_is_case_insensitive(keyed: EmulatorServer, header: str) -> None:
    assert _streams(keyed, headers={header: "k3y-secret"}).status_code == 200


def test_api_key_as_basic_password(keyed: EmulatorServer) -> None:
    assert _streams(keyed, auth=("", "k3y-secret")).status_code == 200
    _assert_401(_streams(keyed, auth=("", "nope")))


def test_queries_need_auth_too(keyed: EmulatorServer) -> None:
    response = requests.post(keyed.base_url + "/v1beta2/queries", json={"sql": "SELECT 1"},
                             timeout=5)
    _assert_401(response)


def test_dsn_carries_credentials(keyed: EmulatorServer,
                                 timeplus_enterprise_server: EmulatorServer) -> None:
    assert keyed.dsn == f"timeplus://:k3y-secret@127.0.0.1:{keyed.port}/default"
    ent = timeplus_enterprise_server
    assert ent.dsn == f"timeplus://admin:secret@127.0.0.1:{ent.port}/default"


def test_enterprise_basic_auth(timeplus_enterprise_server: EmulatorServer) -> None:
    server = timeplus_enterprise_server
    _assert_401(_streams(server))
    _assert_401(_streams(server, auth=("admin", "wrong")))
    _assert_401(_streams(server, auth=("other", "secret")))
    _assert_401(_streams(server, headers={"Authorization": "Basic !!notbase64"}))
    denied = _streams(server)
    assert "Basic" in denied.headers.get("WWW-Authenticate", "")
    assert _streams(server, auth=("admin", "secret")).status_code == 200


def test_info_and_fault_control_need_auth(timeplus_enterprise_server: EmulatorServer) -> None:
    server = timeplus_enterprise_server
    _assert_401(requests.get(server.base_url + "/info", timeout=5))
    control = server.url + "/_emulator/faults"
    _assert_401(requests.get(control, timeout=5))
    _assert_401(requests.post(control, json={"fail_count": 5}, timeout=5))
    assert server.faults.snapshot()["fail_count"] == 0  # the refused POST changed nothing
    allowed = requests.get(control, auth=("admin", "secret"), timeout=5)
    assert allowed.status_code == 200 and allowed.json()["fail_count"] == 0
