"""Server error → PEP 249 class mapping (no server)."""

import pytest

import timeplus_dbapi as db
from timeplus_dbapi.errors import translate
from timeplus_dbapi.protocol.errors import ServerError, StreamError, TransportError


@pytest.mark.parametrize(
    "code, status, expected",
    [
        (62, 400, db.ProgrammingError),
        (60, 404, db.ProgrammingError),
        (57, 400, db.ProgrammingError),
        (47, 400, db.ProgrammingError),
        (53, 400, db.DataError),
        (117, 400, db.DataError),
        (516, 401, db.OperationalError),
        (159, 500, db.OperationalError),
        (48, 501, db.NotSupportedError),
        (None, 400, db.ProgrammingError),
        (None, 401, db.OperationalError),
        (None, 405, db.NotSupportedError),
        (None, 503, db.OperationalError),
        (None, 500, db.DatabaseError),
        (99999, 413, db.DataError),
        (None, None, db.DatabaseError),
    ],
)
def test_code_then_status(code, status, expected):
    error = translate(ServerError("boom", code=code, http_status=status), host="h:1")
    assert type(error) is expected
    assert error.code == code and error.http_status == status


def test_message_names_host_query_and_cause():
    error = translate(
        ServerError("Syntax error at position 7", code=62, http_status=400),
        host="example:8000",
        query_id="q-123",
    )
    text = str(error)
    assert "Syntax error at position 7" in text
    assert "example:8000" in text and "q-123" in text
    assert error.query_id == "q-123"


def test_transport_and_stream_failures_are_operational():
    assert type(translate(TransportError("reset"), host="h")) is db.OperationalError
    assert type(translate(StreamError("ended early"), host="h")) is db.OperationalError


def test_hierarchy():
    assert issubclass(db.ProgrammingError, db.DatabaseError)
    assert issubclass(db.DatabaseError, db.Error)
    assert issubclass(db.InterfaceError, db.Error)
    assert not issubclass(db.InterfaceError, db.DatabaseError)
    assert issubclass(db.Warning, Exception)
