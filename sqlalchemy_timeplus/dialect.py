"""The Timeplus dialect bound to the ``timeplus_dbapi`` driver (``timeplus://`` and ``timeplus+rest://``).

URL grammar is the driver's DSN: ``timeplus://[user[:password]@]host[:port][/workspace][?params]``
(``timeplus://:API_KEY@host/workspace`` for an API key); query parameters (``query_mode``,
``api_key``, ``secure``, ``verify``, ``timeout``...) go to ``timeplus_dbapi.connect``.
``reflect_reserved_columns`` (URL parameter or ``create_engine`` keyword) controls whether
reflection lists ``_tp_time`` (default true). SQLAlchemy masks only the password slot in
``repr(engine)``, so a lone ``?api_key=`` moves there when the engine is created.

Execution:

* Engines run queries in historical mode (``query_mode=table``): every result ends, as Core and
  ORM code expect. This differs from the driver, whose default is Timeplus's streaming.
* Streaming is opt-in: ``execution_options(timeplus_query_mode="streaming")`` for a connection
  or statement, or ``?query_mode=streaming`` in the URL (or ``connect_args``) for the engine.
  A streaming result is read lazily: iterating a ``Result`` pulls one row at a time from the
  driver, ``yield_per(n)`` and ``partitions(n)`` ``n`` at a time; nothing buffers the stream.
* ``CreateTable``/``DropTable`` and the view constructs go to the driver's REST stream/view API
  (see :mod:`sqlalchemy_timeplus.ddl`); ``CREATE INDEX`` is skipped. In another database
  (``Table(..., schema="db")``: schemas are Timeplus databases) they run as SQL naming it, and
  reflection lists that database with ``?db=`` (Timeplus Enterprise).
* ``conn.execute(table.insert(), rows)`` is one ``cursor.executemany``, which the driver sends to
  the ingest endpoint in size-capped chunks (``use_insertmanyvalues`` is off).
"""

from __future__ import annotations

import logging
import sys
import weakref
from typing import TYPE_CHECKING, Any, Callable, Optional, cast

from sqlalchemy import exc, util
from sqlalchemy.engine import reflection as sa_reflection
from sqlalchemy.sql import ddl as sa_ddl

from .base import TimeplusBaseDialect, dialect_flag
from .ddl import CreateView, DropView, is_mutable, stream_arguments, view_arguments
from .reflection import column_info, index_infos, primary_key_names, table_options

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import (
        ReflectedColumn,
        ReflectedPrimaryKeyConstraint,
        ReflectedTableComment,
    )

__all__ = ["TimeplusDialect", "dialect", "driver_client", "url_without_query_secrets"]

logger = logging.getLogger(__name__)

_DIALECT_QUERY_PARAMS = ("reflect_reserved_columns",)
_QUERY_MODE, _HISTORICAL = "query_mode", "table"
_RESERVED_PREFIX = "_tp_"
# Index objects created inline by CREATE MUTABLE STREAM: their own CREATE INDEX is skipped
_CREATED_INDEXES: weakref.WeakSet[Any] = weakref.WeakSet()


def _skip_index_ddl(element: Any, index: Any) -> bool:
    """True (skip) for CREATE/DROP INDEX except on a mutable stream, where an index not
    created with the stream is added (``ALTER STREAM ... ADD INDEX``) and DROP INDEX runs."""
    if not is_mutable(index.table):
        logger.debug("skipping %s: only mutable streams have secondary indexes",
                     type(element).__name__)
        return True
    if isinstance(element, sa_ddl.CreateIndex):
        return index in _CREATED_INDEXES
    _CREATED_INDEXES.discard(index)
    return False

ObjectsByName = dict[str, dict[str, Any]]
_VIEW_DDL = (CreateView, DropView)
_SECRET_QUERY_KEYS = ("api_key", "password")


def url_without_query_secrets(url: Any) -> Any:
    """``url`` with a query-string API key moved to the (masked) password slot.

    SQLAlchemy masks only the password in ``repr(engine)``/``str(url)``; ``?api_key=K`` is the
    same credential as ``timeplus://:K@host`` (an empty user with a password is an API key), so
    it moves there when the URL has no other credentials; so do ``?user=U&password=P`` (the
    same as ``timeplus://U:P@host``). Otherwise a warning says what shows.
    """
    query = url.query
    key, user, password = (query.get(name) for name in ("api_key", "user", "password"))
    plain = url.username is None and url.password is None
    if isinstance(key, str) and plain and not {"user", "password"} & set(query):
        return url.difference_update_query(["api_key"]).set(username="", password=key)
    if isinstance(user, str) and user and isinstance(password, str) and plain and key is None:
        return url.difference_update_query(["user", "password"]).set(username=user,
                                                                     password=password)
    shown = [name for name in _SECRET_QUERY_KEYS if name in query]
    if shown:
        util.warn(
            f"{' and '.join(shown)} in the URL's query string show in repr(engine) and "
            "str(engine.url); put the API key in the password slot (timeplus://:KEY@host/ws) "
            "or pass secrets in connect_args"
        )
    return url


def driver_connection(connection: Any) -> Any:
    """The driver's DB-API connection behind a SQLAlchemy Connection (1.4 and 2.x)."""
    fairy = connection.connection
    return getattr(fairy, "dbapi_connection", None) or fairy.connection


def driver_client(connection: Any) -> Any:
    """The driver's REST client behind a SQLAlchemy Connection (1.4 and 2.x)."""
    return driver_connection(connection).client


def _cached(
    kw: dict[str, Any], key: str, load: Callable[[], list[dict[str, Any]]]
) -> ObjectsByName:
    """REST listings by name, kept in the Inspector's ``info_cache`` when there is one."""
    cache = kw.get("info_cache")
    cache_key = ("timeplus", key)
    if cache is not None and cache_key in cache:
        found: ObjectsByName = cache[cache_key]
        return found
    objects = {str(item.get("name")): item for item in load()}
    if cache is not None:
        cache[cache_key] = objects
    return objects


def register_alembic_impl() -> None:
    """Import the Alembic impl when Alembic is imported (cheap otherwise: no import attempted).

    Alembic's ``alembic.plugins`` entry point covers installed packages; this covers the rest
    (older Alembic, an engine made before Alembic was imported: checked again per engine).
    """
    if "alembic" in sys.modules and "sqlalchemy_timeplus.alembic" not in sys.modules:
        try:
            from . import alembic  # noqa: F401 - importing registers the impl
        except ImportError as error:  # an unusable Alembic: migrations then say KeyError
            logger.debug("Alembic support not loaded: %s", error)


class TimeplusDialect(TimeplusBaseDialect):
    """Timeplus over its REST API through ``timeplus_dbapi``."""

    driver = "rest"
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> Any:
        import timeplus_dbapi

        return timeplus_dbapi

    @classmethod
    def dbapi(cls) -> Any:  # type: ignore[override]  # SQLAlchemy 1.4 spelling
        return cls.import_dbapi()

    @classmethod
    def engine_created(cls, engine: Any) -> None:
        """Keep a query-string API key out of the engine's repr (see url_without_query_secrets)."""
        engine.url = url_without_query_secrets(engine.url)

    def initialize(self, connection: Any) -> None:
        super().initialize(connection)
        register_alembic_impl()

    def create_connect_args(self, url: Any) -> Any:
        query = dict(url.query)
        for name in _DIALECT_QUERY_PARAMS:
            value = query.pop(name, None)
            if value is not None:
                setattr(self, name, dialect_flag(name, value))
        dsn_url = url.set(drivername="timeplus", query=query)
        dsn = dsn_url.render_as_string(hide_password=False)
        # SQLAlchemy code expects every result to end: historical unless the URL (or
        # connect_args, which override these keywords) chooses streaming.
        defaults = {} if _QUERY_MODE in query else {_QUERY_MODE: _HISTORICAL}
        return [dsn], defaults

    # --- execution ---------------------------------------------------------------------------

    def do_execute(
        self, cursor: Any, statement: str, parameters: Any, context: Optional[Any] = None
    ) -> None:
        if context is not None:
            if context.isddl and self._execute_ddl_via_rest(cursor, context.compiled):
                return
            mode = context.execution_options.get("timeplus_query_mode")
            if mode is not None:
                cursor.execute(statement, parameters, query_mode=mode)
                return
        cursor.execute(statement, parameters)

    def do_execute_no_params(
        self, cursor: Any, statement: str, context: Optional[Any] = None
    ) -> None:
        if context is not None:
            if context.isddl and self._execute_ddl_via_rest(cursor, context.compiled):
                return
            mode = context.execution_options.get("timeplus_query_mode")
            if mode is not None:
                cursor.execute(statement, query_mode=mode)
                return
        cursor.execute(statement)

    def _execute_ddl_via_rest(self, cursor: Any, compiled: Any) -> bool:
        """Run a DDL element through the REST API; False when it must go as SQL instead."""
        element = getattr(compiled, "statement", None)
        client = cursor.connection.client
        target: Any = getattr(element, "element", None)
        if isinstance(element, (sa_ddl.CreateIndex, sa_ddl.DropIndex)):
            return _skip_index_ddl(element, target)
        schema = getattr(element if isinstance(element, _VIEW_DDL) else target, "schema", None)
        if self._database(schema) is not None:
            return self._execute_ddl_elsewhere(client, compiled, element, target)
        if isinstance(element, sa_ddl.CreateTable):
            arguments = stream_arguments(compiled, target)
            client.create_stream(
                **arguments, if_not_exists=bool(getattr(element, "if_not_exists", False))
            )
            if is_mutable(target):  # its indexes were created with it
                _CREATED_INDEXES.update(target.indexes)
            return True
        if isinstance(element, sa_ddl.DropTable):
            client.delete_stream(target.name, if_exists=bool(getattr(element, "if_exists", False)))
            return True
        return self._execute_view_ddl(client, compiled, element)

    @staticmethod
    def _execute_ddl_elsewhere(client: Any, compiled: Any, element: Any, target: Any) -> bool:
        """Stream and view DDL in another database: its SQL, as one command (the REST
        creation routes reach the default database only). Sent without parameter
        substitution, so a '%' in a comment or a view's query stays one '%'."""
        if not isinstance(element, (sa_ddl.CreateTable, sa_ddl.DropTable, *_VIEW_DDL)):
            return False
        client.execute_command(str(compiled).strip())
        if isinstance(element, sa_ddl.CreateTable) and is_mutable(target):
            _CREATED_INDEXES.update(target.indexes)  # CREATE MUTABLE STREAM made them
        return True

    def _execute_view_ddl(self, client: Any, compiled: Any, element: Any) -> bool:
        if isinstance(element, CreateView):
            client.create_view(**view_arguments(compiled, element))
            return True
        if isinstance(element, DropView):
            client.delete_view(element.name, if_exists=element.if_exists)
            return True
        return False

    def do_ping(self, dbapi_connection: Any) -> bool:
        """One ``GET /info`` request (bounded by the connection's timeout)."""
        dbapi_connection.client.server_info()
        return True

    def is_disconnect(self, e: Any, connection: Any, cursor: Any) -> bool:
        dbapi = self.import_dbapi()
        if isinstance(e, dbapi.InterfaceError):
            return "closed" in str(e)
        return isinstance(e, dbapi.OperationalError) and getattr(e, "code", None) is None

    # --- reflection ----------------------------------------------------------------------------

    def _database(self, schema: Optional[str]) -> Optional[str]:
        """The ``?db=`` of a REST listing: None for the default database."""
        return None if schema is None or schema == self.default_schema_name else schema

    def _streams(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> ObjectsByName:
        """Stream objects by name, cached per reflection run (``info_cache``)."""
        db = self._database(schema)
        return _cached(kw, f"streams:{db or ''}",
                       lambda: driver_client(connection).list_streams(db=db))

    def _views(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> ObjectsByName:
        db = self._database(schema)
        return _cached(kw, f"views:{db or ''}", lambda: driver_client(connection).list_views(db=db))

    def get_schema_names(self, connection: Any, **kw: Any) -> list[str]:
        # SHOW is bounded; streaming mode keeps the driver from adding SETTINGS query_mode.
        result = connection.exec_driver_sql(
            "SHOW DATABASES", execution_options={"timeplus_query_mode": "streaming"}
        )
        hidden = ("system", "information_schema", "INFORMATION_SCHEMA")
        return [str(row[0]) for row in result if row[0] not in hidden]

    def get_table_names(
        self, connection: Any, schema: Optional[str] = None, **kw: Any
    ) -> list[str]:
        views = self._views(connection, schema, info_cache=kw.get("info_cache"))
        streams = self._streams(connection, schema, info_cache=kw.get("info_cache"))
        return sorted(name for name in streams if name not in views)

    def _view_names(
        self, connection: Any, schema: Optional[str], materialized: bool, **kw: Any
    ) -> list[str]:
        views = self._views(connection, schema, info_cache=kw.get("info_cache"))
        return sorted(n for n, v in views.items() if bool(v.get("materialized")) == materialized)

    def get_view_names(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> list[str]:
        """Plain views; 1.4 has no materialized-view API, so there this lists both kinds."""
        if not hasattr(sa_reflection.Inspector, "get_materialized_view_names"):
            return self._view_names(connection, schema, False, **kw) + self._view_names(
                connection, schema, True, **kw
            )
        return self._view_names(connection, schema, False, **kw)

    def get_materialized_view_names(
        self, connection: Any, schema: Optional[str] = None, **kw: Any
    ) -> list[str]:
        return self._view_names(connection, schema, True, **kw)

    def get_view_definition(
        self, connection: Any, view_name: str, schema: Optional[str] = None, **kw: Any
    ) -> str:
        view = self._views(connection, schema, info_cache=kw.get("info_cache")).get(view_name)
        if view is None:
            raise exc.NoSuchTableError(view_name)
        return str(view.get("query") or "")

    def has_table(
        self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any
    ) -> bool:
        """False also when ``schema`` names no database (the server's code 81)."""
        info_cache = kw.get("info_cache")
        try:
            streams = self._streams(connection, schema, info_cache=info_cache)
        except self.import_dbapi().Error as error:
            if self._database(schema) is not None and getattr(error, "code", None) == 81:
                return False
            raise
        return table_name in streams or (
            table_name in self._views(connection, schema, info_cache=info_cache)
        )

    def _stream_or_view(
        self, connection: Any, name: str, schema: Optional[str], **kw: Any
    ) -> dict[str, Any]:
        """The REST object of a stream or view; NoSuchTableError when there is none."""
        info_cache = kw.get("info_cache")
        found = self._streams(connection, schema, info_cache=info_cache).get(name)
        if found is None:
            found = self._views(connection, schema, info_cache=info_cache).get(name)
        if found is None:
            raise exc.NoSuchTableError(name)
        return found

    def get_columns(
        self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any
    ) -> list[ReflectedColumn]:
        found = self._stream_or_view(connection, table_name, schema, **kw)
        columns = [column_info(c) for c in found.get("columns") or []]
        if not self.reflect_reserved_columns:
            columns = [c for c in columns if not c["name"].startswith(_RESERVED_PREFIX)]
        return cast("list[ReflectedColumn]", columns)

    def get_pk_constraint(
        self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any
    ) -> ReflectedPrimaryKeyConstraint:
        """The key of a mutable, ``versioned_kv`` or ``changelog_kv`` stream; none for others."""
        found = self._stream_or_view(connection, table_name, schema, **kw)
        return {"constrained_columns": primary_key_names(found), "name": None}

    def get_foreign_keys(
        self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any
    ) -> list[Any]:
        return []

    def get_table_options(
        self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any
    ) -> dict[str, Any]:
        """``timeplus_mode`` and ``timeplus_ttl_expression``, so that a reflected ``Table``
        re-creates the same kind of stream (and the ORM sees a mutable one)."""
        return table_options(self._stream_or_view(connection, table_name, schema, **kw))

    def get_indexes(
        self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any
    ) -> list[Any]:
        """The secondary indexes of a mutable stream (``unique`` from ``UNIQUE``)."""
        return index_infos(self._stream_or_view(connection, table_name, schema, **kw))

    def get_unique_constraints(
        self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any
    ) -> list[Any]:
        return []

    def get_check_constraints(
        self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any
    ) -> list[Any]:
        return []

    def get_table_comment(
        self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any
    ) -> ReflectedTableComment:
        """The stream's description (where ``Table.comment`` goes on creation)."""
        description = self._stream_or_view(connection, table_name, schema, **kw).get("description")
        return {"text": str(description) if description else None}

    def get_sequence_names(
        self, connection: Any, schema: Optional[str] = None, **kw: Any
    ) -> list[str]:
        return []

    def get_temp_table_names(
        self, connection: Any, schema: Optional[str] = None, **kw: Any
    ) -> list[str]:
        return []

    def get_temp_view_names(
        self, connection: Any, schema: Optional[str] = None, **kw: Any
    ) -> list[str]:
        return []


dialect = TimeplusDialect


register_alembic_impl()
