"""The Superset engine spec. Skipped unless Apache Superset is installed in the running venv
(``scripts/superset/run_e2e.sh`` builds such a venv and runs these tests in it)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from importlib.metadata import entry_points
from typing import Any

import pytest

pytest.importorskip("superset")

import flask
import flask_babel
import sqlalchemy as sa
from sqlalchemy.engine.url import make_url
from superset.constants import TimeGrain
from superset.errors import SupersetErrorType
from superset.sql.parse import SQLGLOT_DIALECTS, LimitMethod, SQLScript
from superset.utils.core import GenericDataType

import sqlalchemy_timeplus.types as tp
import timeplus_dbapi
from sqlalchemy_timeplus.dialect import TimeplusDialect
from sqlalchemy_timeplus.sqlglot_dialect import Timeplus
from sqlalchemy_timeplus.superset import TimeplusEngineSpec
from tests.superset.conftest import StreamFactory, query_error


@pytest.fixture
def app_context() -> Iterator[None]:
    """The few config keys the time-grain class methods read from ``current_app``."""
    app = flask.Flask(__name__)
    app.config.update(TIME_GRAIN_ADDONS={}, TIME_GRAIN_ADDON_EXPRESSIONS={}, TIME_GRAIN_DENYLIST=[])
    with app.app_context():
        yield


def test_registered_under_the_superset_entry_point() -> None:
    (entry,) = [
        ep for ep in entry_points(group="superset.db_engine_specs") if ep.name == "timeplus"
    ]
    assert entry.load() is TimeplusEngineSpec


def test_identity() -> None:
    assert TimeplusEngineSpec.engine == "timeplus"
    assert TimeplusEngineSpec.engine_name == "Timeplus"
    assert TimeplusEngineSpec.supports_backend("timeplus", "rest")
    assert not TimeplusEngineSpec.supports_backend("clickhouse")
    assert TimeplusEngineSpec.sqlalchemy_uri_placeholder.startswith("timeplus://")


def test_sqlglot_dialect_registered_for_the_engine() -> None:
    assert SQLGLOT_DIALECTS["timeplus"] is Timeplus


def test_sql_lab_limit_keeps_timeplus_sql() -> None:
    script = SQLScript(
        "SELECT k, count_if(v > 1), quantile(v, 0.9) FROM s GROUP BY k EMIT CHANGELOG",
        TimeplusEngineSpec.engine,
    )
    (statement,) = script.statements
    statement.set_limit_value(1001, LimitMethod.FORCE_LIMIT)
    assert script.format() == (
        "SELECT\n  k,\n  count_if(v > 1),\n  quantile(v, 0.9)\nFROM s\nGROUP BY\n  k\n"
        "LIMIT 1001\nEMIT CHANGELOG"
    )
    assert not script.has_mutation()
    assert {table.table for table in statement.tables} == {"s"}


def test_time_grains_offered(app_context: None) -> None:
    """An expression for every grain Superset knows (21 in 6.1). Its menus offer the 19 it
    labels; HALF_HOUR and QUARTER_YEAR are used by a chart that asks for them (or
    TIME_GRAIN_ADDONS)."""
    expressions = TimeplusEngineSpec.get_time_grain_expressions()
    assert set(expressions) == {None, *TimeGrain}
    assert len(TimeGrain) == 21
    offered = {grain.duration for grain in TimeplusEngineSpec.get_time_grains()}
    assert offered == set(TimeGrain) - {TimeGrain.HALF_HOUR, TimeGrain.QUARTER_YEAR}


def _compiled(expression: Any) -> str:
    return str(expression.compile(compile_kwargs={"literal_binds": True}))


def test_timestamp_expressions(app_context: None) -> None:
    column = sa.column("ts")
    five = TimeplusEngineSpec.get_timestamp_expr(column, None, TimeGrain.FIVE_MINUTES)
    assert _compiled(five) == "to_start_of_interval(to_datetime(ts), interval 5 minute)"
    hourly_ms = TimeplusEngineSpec.get_timestamp_expr(column, "epoch_ms", TimeGrain.HOUR)
    assert _compiled(hourly_ms) == (
        "to_start_of_hour(to_datetime(from_unix_timestamp64_milli(to_int64(ts))))"
    )
    daily_s = TimeplusEngineSpec.get_timestamp_expr(column, "epoch_s", TimeGrain.DAY)
    assert _compiled(daily_s) == "to_start_of_day(to_datetime(to_datetime(ts)))"


@pytest.mark.parametrize(
    ("target_type", "expected"),
    [
        ("date", "to_date('2024-05-06')"),
        ("DateTime", "to_datetime('2024-05-06 07:08:09')"),
        ("nullable(datetime64(3, 'UTC'))", "to_datetime64('2024-05-06 07:08:09.123', 3, 'UTC')"),
        ("string", None),
    ],
)
def test_convert_dttm(target_type: str, expected: Any) -> None:
    moment = dt.datetime(2024, 5, 6, 7, 8, 9, 123456)
    assert TimeplusEngineSpec.convert_dttm(target_type, moment) == expected


@pytest.mark.parametrize(
    ("native", "sqla_type", "generic", "is_dttm"),
    [
        ("int32", tp.Int32, GenericDataType.NUMERIC, False),
        ("UINT64", tp.UInt64, GenericDataType.NUMERIC, False),
        ("nullable(float64)", tp.Float64, GenericDataType.NUMERIC, False),
        ("Nullable(Float32)", tp.Float32, GenericDataType.NUMERIC, False),
        ("decimal(10, 2)", tp.Decimal, GenericDataType.NUMERIC, False),
        ("decimal64(4)", tp.Decimal, GenericDataType.NUMERIC, False),
        ("int256", tp.Int256, GenericDataType.NUMERIC, False),
        ("uint8", tp.UInt8, GenericDataType.NUMERIC, False),
        ("bool", tp.Bool, GenericDataType.BOOLEAN, False),
        ("nullable(bool)", tp.Bool, GenericDataType.BOOLEAN, False),
        ("string", tp.String, GenericDataType.STRING, False),
        ("low_cardinality(nullable(string))", tp.String, GenericDataType.STRING, False),
        ("fixed_string(16)", tp.FixedString, GenericDataType.STRING, False),
        ("uuid", tp.UUID, GenericDataType.STRING, False),
        ("ipv4", tp.IPv4, GenericDataType.STRING, False),
        ("ipv6", tp.IPv6, GenericDataType.STRING, False),
        ("json", tp.Json, GenericDataType.STRING, False),
        ("enum8('a' = 1)", tp.Enum8, GenericDataType.STRING, False),
        ("enum16('a' = 1, 'b' = 300)", tp.Enum16, GenericDataType.STRING, False),
        ("array(int32)", tp.Array, GenericDataType.STRING, False),
        ("array(nullable(string))", tp.Array, GenericDataType.STRING, False),
        ("map(string, array(int64))", tp.Map, GenericDataType.STRING, False),
        ("tuple(a int32, b string)", tp.Tuple, GenericDataType.STRING, False),
        ("date", tp.Date, GenericDataType.TEMPORAL, True),
        ("date32", tp.Date32, GenericDataType.TEMPORAL, True),
        ("datetime('Europe/Paris')", tp.DateTime, GenericDataType.TEMPORAL, True),
        ("DATETIME64(3, 'UTC')", tp.DateTime64, GenericDataType.TEMPORAL, True),
        ("nullable(datetime64(6))", tp.DateTime64, GenericDataType.TEMPORAL, True),
    ],
)
def test_column_spec(native: str, sqla_type: type, generic: GenericDataType, is_dttm: bool) -> None:
    """Through Superset's own lookup (column_type_mappings): the dialect's type for the value
    type, and the generic type that sets a dataset column's is_dttm and numeric flags."""
    spec = TimeplusEngineSpec.get_column_spec(native)
    assert spec is not None
    assert type(spec.sqla_type) is sqla_type
    assert (spec.generic_type, spec.is_dttm) == (generic, is_dttm)


def test_nested_column_keeps_its_element_types() -> None:
    spec = TimeplusEngineSpec.get_column_spec("map(string, array(nullable(int64)))")
    assert spec is not None
    compiled = spec.sqla_type.compile(dialect=TimeplusDialect())
    assert compiled == "map(string, array(nullable(int64)))"


@pytest.mark.parametrize(
    "native",
    [None, "", "nothing", "nullable(nothing)", "timestamp with time zone", "TIMESTAMP",
     "interval_second", "aggregate_function(sum, int64)", "varchar(10"],
)
def test_column_spec_unknown(native: Any) -> None:
    """Types Timeplus does not have, or with no Superset meaning, are left to SQLAlchemy (no
    fallback to Superset's generic regexes such as ``^timestamp``)."""
    assert TimeplusEngineSpec.get_column_spec(native) is None


def test_labels_never_equal_the_column_they_come_from() -> None:
    first = TimeplusEngineSpec.make_label_compatible("ts")
    assert first != "ts"
    assert first.startswith("ts__")
    assert TimeplusEngineSpec.make_label_compatible("ts") == first
    assert TimeplusEngineSpec.make_label_compatible("ts2") != first


def test_datatype_keeps_timeplus_spelling() -> None:
    assert TimeplusEngineSpec.get_datatype("datetime64(3, 'UTC')") == "datetime64(3, 'UTC')"
    assert TimeplusEngineSpec.get_datatype(None) is None


def test_column_type_string_keeps_time_zone_case() -> None:
    class ZonedDateTime(sa.types.UserDefinedType):  # type: ignore[type-arg]
        cache_ok = True

        def get_col_spec(self, **kwargs: Any) -> str:
            return "datetime64(3, 'Europe/Berlin')"

    text = TimeplusEngineSpec.column_datatype_to_string(
        ZonedDateTime(), sa.create_mock_engine("sqlite://", executor=None).dialect
    )
    assert text == "datetime64(3, 'Europe/Berlin')"
    assert TimeplusEngineSpec.convert_dttm(text, dt.datetime(2024, 1, 1)) == (
        "to_datetime64('2024-01-01 00:00:00.000', 3, 'Europe/Berlin')"
    )


def test_engine_params_default_to_historical_mode() -> None:
    url, args = TimeplusEngineSpec.adjust_engine_params(make_url("timeplus://h:8000/default"), {})
    assert url.query == {"query_mode": "table"}
    assert args == {}


def test_streaming_mode_can_be_chosen() -> None:
    chosen = make_url("timeplus://h:8000/default?query_mode=streaming")
    url, _ = TimeplusEngineSpec.adjust_engine_params(chosen, {})
    assert url.query == {"query_mode": "streaming"}
    url, args = TimeplusEngineSpec.adjust_engine_params(
        make_url("timeplus://h/default"), {"query_mode": "streaming"}
    )
    assert url.query == {}
    assert args == {"query_mode": "streaming"}


# ---------------------------------------------------------------- integration (emulator)


@pytest.fixture
def stream(new_stream: StreamFactory) -> tuple[Any, str]:
    return new_stream("superset_cancel", [("v", "int64")])


@pytest.mark.integration
def test_stop_a_streaming_query(stream: tuple[Any, str], timeplus_dsn: str) -> None:
    """SQL Lab's Stop: the id is read after execute, the cancel goes through another connection."""
    conn, name = stream
    cursor = conn.cursor()
    assert TimeplusEngineSpec.get_cancel_query_id(cursor, None) is None
    cursor.execute(f"SELECT v FROM {name}", query_mode="streaming")
    query_id = TimeplusEngineSpec.get_cancel_query_id(cursor, None)
    assert query_id
    other = timeplus_dbapi.connect(timeplus_dsn)
    try:
        assert TimeplusEngineSpec.cancel_query(other.cursor(), None, query_id) is True
    finally:
        other.close()
    # A cancel the cursor did not ask for is not a silently short result: the reader gets a
    # PEP 249 error with QUERY_WAS_CANCELLED (SQL Lab has already marked the query stopped).
    with pytest.raises(timeplus_dbapi.OperationalError) as caught:
        cursor.fetchall()
    assert caught.value.code == 394
    cursor.close()


@pytest.mark.integration
def test_cancel_of_an_unknown_query_reports_false(stream: tuple[Any, str]) -> None:
    conn, _ = stream
    assert TimeplusEngineSpec.cancel_query(conn.cursor(), None, str(uuid.uuid4())) is False


@pytest.fixture
def error_context() -> Iterator[None]:
    app = flask.Flask(__name__)
    app.config.update(CUSTOM_DATABASE_ERRORS={})
    flask_babel.Babel(app)  # SupersetError translates its issue texts
    with app.app_context():
        yield


@pytest.mark.integration
@pytest.mark.parametrize(
    ("sql", "error_type", "message"),
    [
        (
            "SELECT * FROM no_such_stream_4711",
            SupersetErrorType.TABLE_DOES_NOT_EXIST_ERROR,
            'The stream "default.no_such_stream_4711" does not exist.',
        ),
        (
            "SELECT no_such_column FROM system.one",
            SupersetErrorType.COLUMN_DOES_NOT_EXIST_ERROR,
            'The column "no_such_column" does not exist.',
        ),
        ("SELEC 1", SupersetErrorType.SYNTAX_ERROR, "Timeplus could not parse the query: "),
    ],
)
def test_server_errors_become_superset_errors(
    error_context: None, timeplus_dsn: str, sql: str, error_type: Any, message: str
) -> None:
    (error,) = TimeplusEngineSpec.extract_errors(query_error(timeplus_dsn, sql))
    assert error.error_type == error_type
    assert error.message.startswith(message)


@pytest.mark.integration
def test_unreachable_server_is_reported_as_host_down(error_context: None) -> None:
    (error,) = TimeplusEngineSpec.extract_errors(
        query_error("timeplus://127.0.0.1:9/x", "SELECT 1")
    )
    assert error.error_type == SupersetErrorType.CONNECTION_HOST_DOWN_ERROR
    assert error.message == 'Timeplus at "127.0.0.1:9" cannot be reached.'


@pytest.mark.integration
def test_wrong_password_is_access_denied(
    error_context: None, timeplus_enterprise_server: Any
) -> None:
    dsn = timeplus_enterprise_server.dsn.replace(":secret@", ":wrong@")
    assert dsn != timeplus_enterprise_server.dsn
    (error,) = TimeplusEngineSpec.extract_errors(query_error(dsn, "SELECT 1"))
    assert error.error_type == SupersetErrorType.CONNECTION_ACCESS_DENIED_ERROR
    assert "wrong" not in error.message
