"""Engine spec features beyond queries: error mapping, the API key in Secure extra, table
metadata, metrics, result expansion, refusing a chart query that would stream forever.
Skipped unless Apache Superset is installed (``scripts/superset/run_e2e.sh`` runs them, and
``scripts/superset/e2e_check.py`` drives the same features through Superset's REST API)."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("superset")

import flask
import flask_babel
import sqlalchemy as sa
from superset.constants import PASSWORD_MASK
from superset.db_engine_specs.exceptions import (
    SupersetDBAPIConnectionError,
    SupersetDBAPIDataError,
    SupersetDBAPIOperationalError,
    SupersetDBAPIProgrammingError,
)
from superset.errors import SupersetErrorType
from superset.exceptions import SupersetException
from superset.sql.parse import Table

import timeplus_dbapi
from sqlalchemy_timeplus.superset import TimeplusEngineSpec
from sqlalchemy_timeplus.superset.errors import StreamingChartQueryError
from tests.superset.conftest import query_error
from timeplus_emulator.server import EmulatorServer


@pytest.fixture
def error_context() -> Iterator[None]:
    app = flask.Flask(__name__)
    app.config.update(CUSTOM_DATABASE_ERRORS={})
    flask_babel.Babel(app)
    with app.app_context():
        yield


@pytest.mark.integration
@pytest.mark.parametrize(
    ("sql", "error_type", "message", "code"),
    [
        ("SELECT 1 FROM nowhere_db.s", SupersetErrorType.SCHEMA_DOES_NOT_EXIST_ERROR,
         'The database "nowhere_db" does not exist.', 81),
        ("SELECT sleep(2) SETTINGS max_execution_time=1",
         SupersetErrorType.CONNECTION_DATABASE_TIMEOUT, "The query ran longer than Timeplus", 159),
        ("SELECT group_array(number) FROM numbers(1000000) SETTINGS max_memory_usage=100000",
         SupersetErrorType.GENERIC_DB_ENGINE_ERROR, "Timeplus ran out of memory", 241),
    ],
)
def test_server_codes_become_error_types_even_when_wrapped(
    error_context: None, timeplus_dsn: str, sql: str, error_type: Any, message: str, code: int
) -> None:
    """Superset raises its own exception ``from`` the driver's; the code is found through it."""
    failure = query_error(timeplus_dsn, sql)
    wrapped = TimeplusEngineSpec.get_dbapi_mapped_exception(failure)
    try:
        raise wrapped from failure
    except Exception as raised:  # the chained exception Superset sees
        (error,) = TimeplusEngineSpec.extract_errors(raised)
    assert error.error_type == error_type
    assert error.message.startswith(message)
    assert error.extra["timeplus_code"] == code


@pytest.mark.integration
def test_wrong_api_key_is_access_denied(error_context: None) -> None:
    with EmulatorServer(api_key="right-key-123") as server:
        dsn = f"timeplus://127.0.0.1:{server.port}/default"
        failure = query_error(dsn, "SELECT 1", api_key="wrong-key-456")
    (error,) = TimeplusEngineSpec.extract_errors(failure)
    assert error.error_type == SupersetErrorType.CONNECTION_ACCESS_DENIED_ERROR
    assert "wrong-key-456" not in error.message


@pytest.mark.parametrize(
    ("driver_error", "superset_class"),
    [
        (timeplus_dbapi.ProgrammingError("x", code=62), SupersetDBAPIProgrammingError),
        (timeplus_dbapi.DataError("x", code=6), SupersetDBAPIDataError),
        (timeplus_dbapi.OperationalError("x", code=159), SupersetDBAPIOperationalError),
        (timeplus_dbapi.OperationalError("connection failed"), SupersetDBAPIConnectionError),
    ],
)
def test_driver_exceptions_map_to_superset_classes(
    driver_error: Exception, superset_class: type
) -> None:
    mapped = TimeplusEngineSpec.get_dbapi_mapped_exception(driver_error)
    assert type(mapped) is superset_class
    assert str(mapped) == str(driver_error)


def test_every_driver_exception_class_is_mapped() -> None:
    mapping = TimeplusEngineSpec.get_dbapi_exception_mapping()
    classes = {getattr(timeplus_dbapi, name) for name in timeplus_dbapi.errors.__all__
               if isinstance(getattr(timeplus_dbapi, name, None), type)
               and issubclass(getattr(timeplus_dbapi, name), timeplus_dbapi.Error)}
    assert classes == set(mapping)


# ---------------------------------------------------------------- API key in Secure extra

SECRET = json.dumps({"api_key": "tp-secret-key-0123456789"})


def test_api_key_is_masked_and_an_edit_keeps_it() -> None:
    masked = TimeplusEngineSpec.mask_encrypted_extra(SECRET)
    assert masked is not None and "tp-secret" not in masked
    assert json.loads(masked) == {"api_key": PASSWORD_MASK}
    assert TimeplusEngineSpec.unmask_encrypted_extra(SECRET, masked) == SECRET
    changed = json.dumps({"api_key": "new-key"})
    assert TimeplusEngineSpec.unmask_encrypted_extra(SECRET, changed) == changed
    assert TimeplusEngineSpec.mask_encrypted_extra(None) is None
    assert TimeplusEngineSpec.mask_encrypted_extra("") == ""


class _Database:
    """The two attributes of Superset's Database model the methods under test read."""

    def __init__(self, encrypted_extra: str | None, engine: sa.engine.Engine | None = None):
        self.encrypted_extra = encrypted_extra
        self.engine = engine

    @contextlib.contextmanager
    def get_raw_connection(self, catalog: Any = None, schema: Any = None) -> Iterator[Any]:
        assert self.engine is not None
        conn = self.engine.raw_connection()
        try:
            yield conn.dbapi_connection if hasattr(conn, "dbapi_connection") else conn.connection
        finally:
            conn.close()


def test_api_key_goes_to_connect_args_and_is_used() -> None:
    params: dict[str, Any] = {}
    TimeplusEngineSpec.update_params_from_encrypted_extra(_Database(SECRET), params)
    assert params == {"connect_args": {"api_key": "tp-secret-key-0123456789"}}
    with EmulatorServer(api_key="tp-secret-key-0123456789") as server:
        engine = sa.create_engine(f"timeplus://127.0.0.1:{server.port}/default", **params)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 41 + 1").scalar() == 42
        assert "tp-secret" not in repr(engine)
        engine.dispose()


@pytest.mark.parametrize("extra", ['{"api_key": ""}', '{"api_key": "k", "user": "u"}',
                                   '"tp-secret-key-0123456789"', '["tp-secret-key-0123456789"]'])
def test_secure_extra_other_than_an_api_key_is_refused(extra: str) -> None:
    with pytest.raises(SupersetException, match="api_key"):
        TimeplusEngineSpec.update_params_from_encrypted_extra(_Database(extra), {})


def test_secure_extra_that_holds_nothing_is_no_error() -> None:
    for extra in ("null", "{}", "", " ", None):
        params: dict[str, Any] = {}
        TimeplusEngineSpec.update_params_from_encrypted_extra(_Database(extra), params)
        assert params == {}
        masked = TimeplusEngineSpec.mask_encrypted_extra(extra)
        assert TimeplusEngineSpec.unmask_encrypted_extra(extra, masked) == extra


@pytest.mark.parametrize("extra", ['"tp-secret-key-0123456789"', '["tp-secret-key-0123456789"]',
                                   "tp-secret-key-0123456789", '{"api_key": ["tp-secret"]}'])
def test_secure_extra_of_another_shape_is_masked_too(extra: str) -> None:
    """The key typed in quotes (JSON, but no object) was shown as stored in API answers."""
    masked = TimeplusEngineSpec.mask_encrypted_extra(extra)
    assert masked is not None and "tp-secret" not in masked
    json.loads(masked)  # Superset's form sends it back through its JSON validator
    assert TimeplusEngineSpec.unmask_encrypted_extra(extra, masked) == extra


@pytest.mark.parametrize("extra", [
    {"engine_params": {"connect_args": {"api_key": "tp-secret-key"}}},
    {"engine_params": {"connect_args": {"password": "tp-secret-key", "timeout": 5}}},
])
def test_secrets_in_extra_connect_args_are_refused(extra: dict[str, Any]) -> None:
    """Extra is stored and shown as plain text (only Secure extra is encrypted and masked)."""
    database = _Database(None)
    database.extra = json.dumps(extra)
    with pytest.raises(SupersetException, match="Secure extra") as caught:
        TimeplusEngineSpec.get_extra_params(database)
    assert "tp-secret" not in str(caught.value)
    database.extra = json.dumps({"engine_params": {"connect_args": {"timeout": 5}}})
    assert TimeplusEngineSpec.get_extra_params(database)["engine_params"] == \
        {"connect_args": {"timeout": 5}}


@pytest.mark.parametrize("uri", ["timeplus://h:8000/default?api_key=tp-secret-key",
                                 "timeplus://h:8000/default?user=u&password=tp-secret-key",
                                 "timeplus+async://h:8000/default?api_key=tp-secret-key"])
def test_secrets_in_the_uri_query_are_refused(uri: str) -> None:
    """Superset masks only the URI's password slot and stores the rest as plain text, so an
    API key (or password) in the query string showed in every API answer."""
    app = flask.Flask(__name__)
    app.config.update(DB_SQLA_URI_VALIDATOR=None)
    with app.app_context():
        with pytest.raises(ValueError, match=r"api_key|password") as caught:
            TimeplusEngineSpec.validate_database_uri(sa.engine.make_url(uri))
        assert "tp-secret" not in str(caught.value)
        for fine in ("timeplus://:tp-secret-key@h:443/ws?secure=true",
                     "timeplus://u:p@h:8000/default?query_mode=streaming"):
            TimeplusEngineSpec.validate_database_uri(sa.engine.make_url(fine))


# ---------------------------------------------------------------- metadata, metrics, charts


@pytest.fixture
def engine(timeplus_dsn: str) -> Iterator[sa.engine.Engine]:
    engine = sa.create_engine(timeplus_dsn)
    yield engine
    engine.dispose()


@pytest.fixture
def kv_stream(timeplus_dsn: str) -> Iterator[str]:
    conn = timeplus_dbapi.connect(timeplus_dsn)
    name = f"superset_kv_{uuid.uuid4().hex[:10]}"
    conn.client.create_stream(
        name, [("k", "string"), ("v", "float64"), ("at", "datetime64(3)")],
        mode="versioned_kv", primary_key="k", event_time_column="at",
        ttl_expression="to_datetime(_tp_time) + INTERVAL 7 DAY",
        logstore_retention_bytes=123456789, logstore_retention_ms=3600000,
    )
    conn.client.create_view(f"{name}_v", f"SELECT k, v FROM {name} WHERE v > 1")
    try:
        yield name
    finally:
        conn.client.delete_view(f"{name}_v", if_exists=True)
        conn.client.delete_stream(name, if_exists=True)
        conn.close()


@pytest.mark.integration
def test_extra_table_metadata_of_a_stream_and_a_view(
    engine: sa.engine.Engine, kv_stream: str
) -> None:
    database = _Database(None, engine)
    got = TimeplusEngineSpec.get_extra_table_metadata(database, Table(kv_stream, "default"))
    assert got == {"metadata": {
        "Kind": "stream", "Stream mode": "versioned_kv", "Primary key": "k",
        "Event time column": "at", "TTL": "to_datetime(_tp_time) + INTERVAL 7 DAY",
        "Log store retention (bytes)": 123456789, "Log store retention (ms)": 3600000,
        "Engine": "Stream", "Description": "(none)",
    }}
    view = TimeplusEngineSpec.get_extra_table_metadata(database, Table(f"{kv_stream}_v", None))
    assert view["metadata"]["Kind"] == "view"
    assert view["metadata"]["Query"] == f"SELECT k, v FROM {kv_stream} WHERE v > 1"
    assert view["view"].startswith(f"CREATE VIEW default.{kv_stream}_v AS SELECT")
    assert TimeplusEngineSpec.get_extra_table_metadata(database, Table("nope", None)) == {}
    assert TimeplusEngineSpec.get_extra_table_metadata(database, Table(kv_stream, "other")) == {}


@pytest.mark.integration
def test_default_metrics_run_on_the_stream(engine: sa.engine.Engine, kv_stream: str) -> None:
    metrics = TimeplusEngineSpec.get_metrics(None, sa.inspect(engine), Table(kv_stream, None))
    assert [m["metric_name"] for m in metrics] == ["count", "latest_event_time"]
    expressions = ", ".join(m["expression"] for m in metrics)
    with engine.connect() as conn:
        count, latest = conn.exec_driver_sql(f"SELECT {expressions} FROM {kv_stream}").one()
    assert count == 0 and latest is not None
    virtual = TimeplusEngineSpec.get_metrics(None, sa.inspect(engine), Table("sql_only", None))
    assert [m["metric_name"] for m in virtual] == ["count"]


@pytest.mark.integration
@pytest.mark.parametrize(
    ("query_mode", "idle", "table_function", "async_", "refused"),
    [
        ("streaming", None, False, False, True),  # a chart on a live stream: never ends
        ("streaming", None, False, True, False),  # SQL Lab: its LIMIT ends it, Stop cancels it
        ("streaming", None, True, False, False),  # table(stream) is bounded
        ("streaming", 1.0, False, False, False),  # idle_timeout ends it
        ("table", None, False, False, False),  # historical (the default)
    ],
)
def test_chart_query_that_would_stream_forever_is_refused(
    error_context: None, timeplus_dsn: str, kv_stream: str, query_mode: str, idle: Any,
    table_function: bool, async_: bool, refused: bool,
) -> None:
    conn = timeplus_dbapi.connect(timeplus_dsn, query_mode=query_mode, idle_timeout=idle)
    source = f"table({kv_stream})" if table_function else kv_stream
    sql = f"SELECT k FROM {source} LIMIT 1"
    cursor = conn.cursor()
    try:
        if refused:
            with pytest.raises(StreamingChartQueryError) as caught:
                TimeplusEngineSpec.execute(cursor, sql, None, async_=async_)
            (error,) = TimeplusEngineSpec.extract_errors(caught.value)
            assert error.extra["timeplus_error"] == "streaming_query_in_chart"
            assert "idle_timeout" in error.message
        elif not async_:
            TimeplusEngineSpec.execute(cursor, sql, None, async_=async_)
            assert cursor.fetchall() == []
        else:  # SQL Lab on a quiet stream: started, then stopped as its Stop button would
            TimeplusEngineSpec.execute(cursor, sql, None, async_=async_)
            assert cursor.description[0][0] == "k"
    finally:
        cursor.close()
        conn.close()


# ---------------------------------------------------------------- cost estimate


@pytest.mark.integration
def test_cost_estimate_of_a_sql_lab_statement(timeplus_dsn: str, kv_stream: str) -> None:
    """EXPLAIN ESTIMATE as SQL Lab asks for it: a plain SELECT on a historical-mode connection
    gets query_mode='table' (as it would when run), so the stream's stored rows are counted."""
    conn = timeplus_dbapi.connect(timeplus_dsn, query_mode="table")
    try:
        conn.client.ingest(kv_stream, ["k", "v", "at"],
                           [[f"k{i}", float(i), "2024-01-01 00:00:00"] for i in range(50)])
        cursor = conn.cursor()
        assert TimeplusEngineSpec.get_allow_cost_estimate({})
        cost = TimeplusEngineSpec.estimate_statement_cost(
            None, f"SELECT k FROM {kv_stream} WHERE v > 3", cursor
        )
        none = TimeplusEngineSpec.estimate_statement_cost(None, "SELECT 1", cursor)
    finally:
        conn.close()
    assert cost == {"streams": [f"default.{kv_stream}"], "parts": 1, "rows": 50, "marks": 1}
    assert TimeplusEngineSpec.query_cost_formatter([cost, none]) == [
        {"Streams read": f"default.{kv_stream}", "Rows": "50", "Parts": "1", "Marks": "1"},
        {"Streams read": "(none)", "Rows": "0", "Parts": "0", "Marks": "0"},
    ]


@pytest.mark.integration
def test_no_cost_estimate_for_a_live_read(timeplus_dsn: str, kv_stream: str) -> None:
    conn = timeplus_dbapi.connect(timeplus_dsn, query_mode="streaming")
    try:
        with pytest.raises(timeplus_dbapi.NotSupportedError, match="streaming query"):
            TimeplusEngineSpec.estimate_statement_cost(
                None, f"SELECT k FROM {kv_stream}", conn.cursor()
            )
    finally:
        conn.close()
