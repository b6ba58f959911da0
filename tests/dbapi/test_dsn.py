"""DSN and keyword parsing (no server)."""

import pytest

from timeplus_dbapi import InterfaceError
from timeplus_dbapi.dsn import resolve_params


def test_defaults_without_dsn():
    params = resolve_params(None, {})
    assert (params.host, params.port, params.workspace, params.secure) == (
        "localhost",
        8000,
        "default",
        False,
    )
    assert params.base_url == "http://localhost:8000/default/api"
    assert params.verify is True
    assert params.query_mode == "streaming"


def test_full_dsn_with_user_and_params():
    params = resolve_params(
        "timeplus://alice:s%40cret@db.example:8443/ws1?secure=true&timeout=5"
        "&query_mode=table&idle_timeout=2.5&batching_policy=count=10,time_ms=50",
        {},
    )
    assert params.user == "alice"
    assert params.password == "s@cret"
    assert params.api_key is None
    assert params.base_url == "https://db.example:8443/ws1/api"
    assert params.timeout == 5.0
    assert params.idle_timeout == 2.5
    assert params.query_mode == "table"
    assert params.batching_policy == {"count": 10, "time_ms": 50}


def test_empty_user_with_password_is_an_api_key():
    params = resolve_params("timeplus://:KEY123@host:443/ws", {})
    assert params.api_key == "KEY123"
    assert params.password is None and params.user is None
    assert params.secure is True  # port 443 implies https
    assert params.base_url == "https://host:443/ws/api"


def test_https_scheme_defaults_to_port_443():
    params = resolve_params("https://cloud.example/ws", {})
    assert params.port == 443 and params.secure


def test_keywords_override_dsn():
    params = resolve_params("timeplus://h:1/ws", {"host": "other", "workspace": "w2", "port": 9})
    assert params.base_url == "http://other:9/w2/api"


def test_verify_accepts_ca_bundle_path():
    assert resolve_params(None, {"verify": "/etc/ca.pem"}).verify == "/etc/ca.pem"
    assert resolve_params("timeplus://h/ws?verify=false", {}).verify is False


def test_repr_hides_secrets():
    params = resolve_params("timeplus://bob:hunter2@h/ws", {"api_key": "KEYSECRET"})
    assert "hunter2" not in repr(params)
    assert "KEYSECRET" not in repr(params)


@pytest.mark.parametrize(
    "dsn, kwargs, fragment",
    [
        ("mysql://h/ws", {}, "scheme"),
        ("timeplus://h:notaport/ws", {}, "port"),
        (None, {"query_mode": "batch"}, "query_mode"),
        (None, {"timeout": "soon"}, "timeout"),
        (None, {"idle_timeout": -1}, "idle_timeout"),
        (None, {"bogus": 1}, "bogus"),
        (None, {"batching_policy": {"size": 1}}, "batching_policy"),
        (None, {"secure": "maybe"}, "secure"),
    ],
)
def test_invalid_values_are_named(dsn, kwargs, fragment):
    with pytest.raises(InterfaceError, match=fragment):
        resolve_params(dsn, kwargs)


@pytest.mark.parametrize(
    "dsn",
    [
        # '/', '?', '#', '[' or ']' in a password, not percent-encoded: the URL parser cut the
        # secret and read its tail as the host, port, workspace, query or fragment
        "timeplus://:1234#Tail9secret@db.example:8000/ws",  # was localhost:1234, no key
        "timeplus://u:8000/Tail9secret@db.example",  # was host 'u', workspace with the secret
        "timeplus://u:12/Tail9secret@db.example:8000/ws",  # error echoed the secret's tail
        "timeplus://:ab?Tail9secret@db.example:8000/ws",
        "timeplus://:ab[Tail9secret@db.example:8000/ws",  # a bare ValueError
        "timeplus://:Tail9]secret@db.example:8000/ws",
    ],
)
def test_an_unencoded_secret_is_refused_without_echoing_it(dsn):
    with pytest.raises(InterfaceError, match="percent-encode") as info:
        resolve_params(dsn, {})
    assert "Tail9" not in str(info.value) and "secret" not in str(info.value)


def test_at_signs_in_query_values_and_encoded_secrets_still_parse():
    params = resolve_params("timeplus://db.example:8000/ws?user=me@corp.example", {"password": "p"})
    assert (params.host, params.user, params.workspace) == ("db.example", "me@corp.example", "ws")
    params = resolve_params("timeplus://u:a%2Fb%3Fc%23d%40e%5B@db.example:8000/ws", {})
    assert (params.host, params.port, params.password) == ("db.example", 8000, "a/b?c#d@e[")
