"""Module globals, type objects, constructors, reprs (no server)."""

import datetime

import timeplus_dbapi as db


def test_globals():
    assert db.apilevel == "2.0"
    assert db.threadsafety == 1
    assert db.paramstyle == "pyformat"


def test_type_objects_compare_with_type_names():
    assert db.NUMBER == "int64"
    assert db.NUMBER == "nullable(decimal(10, 2))"
    assert db.STRING == "low_cardinality(nullable(string))"
    assert db.DATETIME == "datetime64(3, 'UTC')"
    assert db.DATETIME != "string"
    assert db.STRING != "int8"
    assert "date" == db.DATETIME
    assert db.ROWID != "int64"
    assert db.NUMBER != "not a type ("


def test_constructors():
    assert db.Date(2024, 1, 2) == datetime.date(2024, 1, 2)
    assert db.Timestamp(2024, 1, 2, 3, 4, 5).hour == 3
    assert db.Binary(b"ab") == b"ab"
    assert isinstance(db.TimestampFromTicks(0), datetime.datetime)
    assert isinstance(db.DateFromTicks(0), datetime.date)
    assert isinstance(db.TimeFromTicks(0), datetime.time)


def test_connection_and_client_repr_hide_secrets():
    conn = db.connect("timeplus://admin:topsecret@127.0.0.1:9/ws", api_key=None)
    keyed = db.connect("timeplus://:KEY-XYZ@127.0.0.1:9/ws")
    try:
        for obj in (conn, conn.client, conn.client.transport, conn.params, keyed, keyed.client):
            assert "topsecret" not in repr(obj) and "KEY-XYZ" not in repr(obj)
        assert keyed.client.transport.session.headers["X-Api-Key"] == "KEY-XYZ"
        assert conn.client.transport.session.headers["Authorization"].startswith("Basic ")
    finally:
        conn.close()
        keyed.close()


def test_closed_connection_refuses_cursors_and_rollback_never_raises():
    conn = db.connect("timeplus://127.0.0.1:9/ws")
    conn.close()
    conn.rollback()
    try:
        conn.cursor()
    except db.InterfaceError as exc:
        assert "closed" in str(exc)
    else:
        raise AssertionError("cursor() on a closed connection must raise")


def test_unreachable_server_is_operational_error_without_secrets():
    conn = db.connect("timeplus://u:pw-SECRET@127.0.0.1:9/ws", timeout=2)
    try:
        conn.cursor().execute("SELECT 1")
    except db.OperationalError as exc:
        assert "pw-SECRET" not in str(exc)
        assert "127.0.0.1:9" in str(exc)
    else:
        raise AssertionError("expected OperationalError")
    finally:
        conn.close()


def test_disabling_tls_verification_warns():
    import pytest

    with pytest.warns(db.InsecureConnectionWarning, match="verification is disabled"):
        conn = db.connect("timeplus://127.0.0.1:9/ws", secure=True, verify=False)
    conn.close()


def test_tls_verification_defaults_on_and_accepts_a_ca_bundle():
    default = db.connect("timeplus://example.invalid:443/ws")
    bundle = db.connect("timeplus://example.invalid:443/ws", verify="/etc/my-ca.pem")
    try:
        assert default.params.secure and default.client.transport.session.verify is True
        assert bundle.client.transport.session.verify == "/etc/my-ca.pem"
        assert default.params.base_url.startswith("https://")
    finally:
        default.close()
        bundle.close()


def test_names_become_exact_url_path_segments():
    from timeplus_dbapi.protocol.http import path_segment as _segment

    assert _segment("a/b") == "a%2Fb"
    assert _segment("..") == "%2E%2E"
    assert _segment(".") == "%2E"
    assert _segment("a.b") == "a.b"
    assert _segment("100%") == "100%25"
    assert _segment("名前") == "%E5%90%8D%E5%89%8D"
