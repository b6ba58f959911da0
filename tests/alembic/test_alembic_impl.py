"""The ``timeplus`` Alembic impl, driven through Alembic's API against a private emulator.

* registration: a fresh interpreter that imports only ``alembic`` finds the impl;
* autogenerate finds no change right after the model's streams are created, for every public
  type (the cases of tests/dialect/test_types_generic.py), nullable and not;
* the version table (a ``changelog_kv`` stream) keeps the right heads through upgrade, downgrade,
  upgrade again, branches and a purge;
* type changes and dropped columns rebuild the stream with its rows and ``_tp_time``; a rebuild
  that fails while copying leaves the original stream and its rows as they were.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

pytest.importorskip("alembic")

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.util import CommandError

import sqlalchemy_timeplus.types as tp
from tests.dialect.test_types_generic import CASES
from timeplus_emulator.server import EmulatorServer


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(profile="cloud", enable_faults=True) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def engine(server: EmulatorServer) -> Iterator[sa.engine.Engine]:
    engine = sa.create_engine(server.dsn)
    yield engine
    engine.dispose()


def _name() -> str:
    return f"m_{uuid.uuid4().hex[:10]}"


def test_importing_alembic_alone_registers_the_impl() -> None:
    code = ("import alembic.ddl.impl as i, sqlalchemy as sa; "
            "print(i.DefaultImpl.get_by_dialect(sa.create_engine('timeplus://h/ws').dialect)"
            ".__name__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.stdout.strip() == "TimeplusImpl", done.stderr


def test_entry_point_loads_under_alembic_before_1_20() -> None:
    """Alembic < 1.20 (the last on SQLAlchemy 1.4, as Superset 6.1 runs) iterates over what the
    entry point loads and calls setup() on each item: that must be this module, once."""
    from importlib.metadata import entry_points

    import sqlalchemy_timeplus.alembic as plugin

    (entry,) = [ep for ep in entry_points(group="alembic.plugins") if ep.name == "timeplus"]
    loaded = entry.load()
    assert loaded is plugin
    assert list(loaded) == [plugin]


def test_autogenerate_is_empty_after_create_for_every_type(engine: sa.engine.Engine) -> None:
    metadata = sa.MetaData()
    columns = [sa.Column("id", tp.Int32, primary_key=True)]
    for number, (type_, _) in enumerate(CASES):
        columns += [sa.Column(f"c{number}", type_), sa.Column(f"n{number}", type_,
                                                                nullable=False)]
    table = sa.Table(_name(), metadata, *columns)
    metadata.create_all(engine)
    with engine.connect() as conn:
        context = _context(conn, table.name)
        assert compare_metadata(context, metadata) == []
        table.c.n0.type = tp.Int64()  # CASES[0] is Int8: now a real difference
        diffs = compare_metadata(context, metadata)
        assert [(d[0][0], d[0][3]) for d in diffs] == [("modify_type", "n0")]


def _context(conn: sa.Connection, only: str) -> MigrationContext:
    """A context whose autogenerate looks at stream ``only`` (the module's emulator is shared)."""
    return MigrationContext.configure(conn, opts={
        "include_name": lambda name, kind, parents: kind != "table" or name == only})


def _heads(conn: sa.Connection, context: MigrationContext) -> list[str]:
    return sorted(MigrationContext.configure(conn, opts={
        "version_table": context.version_table}).get_current_heads())


def test_version_table_heads_through_moves_branches_and_purge(engine: sa.engine.Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": _name()})
        context._ensure_version_table()
        from alembic.runtime.migration import HeadMaintainer

        heads = HeadMaintainer(context, ())
        heads._insert_version("a1")
        heads._update_version("a1", "a2")          # upgrade
        heads._update_version("a2", "a1")          # downgrade
        heads._update_version("a1", "a2")          # upgrade again
        heads._insert_version("b1")                # a second branch
        assert _heads(conn, context) == ["a2", "b1"]
        heads._delete_version("b1")                # that branch back to base
        assert _heads(conn, context) == ["a2"]
        heads._insert_version("b1")
        context._ensure_version_table(purge=True)  # stamp --purge
        assert _heads(conn, context) == []


def _stream_with_rows(conn: sa.Connection) -> str:
    name = _name()
    conn.exec_driver_sql(f"CREATE STREAM {name} (k int32, v int32, s string)")
    conn.exec_driver_sql(f"INSERT INTO {name} (k, v, s, _tp_time) VALUES "
                         "(1, 10, 'x', '2024-01-02 03:04:05.678'), (2, 20, 'y', '2024-05-06')")
    return name


def _rows(conn: sa.Connection, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.exec_driver_sql(sql)]


def test_type_change_and_drop_rebuild_with_rows_and_event_time(engine: sa.engine.Engine) -> None:
    with engine.connect() as conn:
        name = _stream_with_rows(conn)
        before = _rows(conn, f"SELECT k, _tp_time FROM table({name}) ORDER BY k")
        op = Operations(MigrationContext.configure(conn))
        op.alter_column(name, "v", type_=tp.Int64(), existing_type=tp.Int32())
        op.drop_column(name, "s")
        described = {c["name"]: c["type"] for c in sa.inspect(conn).get_columns(name)}
        assert isinstance(described["v"], tp.Int64) and "s" not in described
        assert _rows(conn, f"SELECT k, _tp_time FROM table({name}) ORDER BY k") == before
        assert _rows(conn, f"SELECT v FROM table({name}) ORDER BY k") == [(10,), (20,)]
        assert not sa.inspect(conn).has_table(name + "__rebuild")


def test_failed_copy_leaves_the_original_intact(engine: sa.engine.Engine) -> None:
    with engine.connect() as conn:
        name = _stream_with_rows(conn)
        op = Operations(MigrationContext.configure(conn))
        with pytest.raises(CommandError, match="unchanged"):  # 'x' is no uint8
            op.alter_column(name, "s", type_=tp.UInt8(), existing_type=tp.String())
        columns = [c["name"] for c in sa.inspect(conn).get_columns(name)]
        assert columns == ["k", "v", "s", "_tp_time"]
        assert _rows(conn, f"SELECT k, s FROM table({name}) ORDER BY k") == [(1, "x"), (2, "y")]
        assert not sa.inspect(conn).has_table(name + "__rebuild")


def test_rebuild_refuses_when_a_scratch_stream_is_left(engine: sa.engine.Engine) -> None:
    with engine.connect() as conn:
        name = _stream_with_rows(conn)
        conn.exec_driver_sql(f"CREATE STREAM {name}__rebuild (k int32)")
        op = Operations(MigrationContext.configure(conn))
        with pytest.raises(CommandError, match="earlier failed rebuild"):
            op.drop_column(name, "s")


def test_stream_ttl_settings_and_view_operations(engine: sa.engine.Engine) -> None:
    with engine.connect() as conn:
        name = _stream_with_rows(conn)
        op = Operations(MigrationContext.configure(conn))
        op.modify_stream_ttl(name, "to_datetime(_tp_time) + INTERVAL 30 DAY")
        op.modify_stream_settings(name, logstore_retention_ms=3_600_000)
        client = conn.connection.dbapi_connection.client  # type: ignore[union-attr]
        stream = client.get_stream(name)
        assert stream["ttl_expression"] == "to_datetime(_tp_time) + INTERVAL 30 DAY"
        assert stream["logstore_retention_ms"] == 3_600_000
        op.modify_stream_ttl(name, None)
        assert client.get_stream(name)["ttl_expression"] == ""
        with pytest.raises(sa.exc.ArgumentError, match="invalid stream setting"):
            op.modify_stream_settings(name, **{"x = 1, mode": "append"})

        op.create_view(f"{name}_v", f"SELECT k, v FROM {name} WHERE v > 15")
        op.create_materialized_view(f"{name}_mv", sa.select(sa.column("k")).select_from(
            sa.table(name)))
        inspector = sa.inspect(conn)
        assert f"{name}_v" in inspector.get_view_names()
        assert f"{name}_mv" in inspector.get_materialized_view_names()
        assert _rows(conn, f"SELECT k FROM table({name}_v)") == [(2,)]
        op.drop_view(f"{name}_mv")
        op.drop_view(f"{name}_v")
        op.drop_view(f"{name}_v", if_exists=True)
        names = sa.inspect(conn)
        assert {f"{name}_v", f"{name}_mv"}.isdisjoint(
            names.get_view_names() + names.get_materialized_view_names())


def test_autogenerate_compares_ttl_and_retention_and_renders_them(
        engine: sa.engine.Engine) -> None:
    from alembic.autogenerate import produce_migrations, render_python_code

    name = _name()
    created = sa.Table(name, sa.MetaData(), sa.Column("k", tp.String, primary_key=True),
                       timeplus_ttl_expression="to_datetime(_tp_time) + INTERVAL 1 DAY")
    created.create(engine)
    wanted = sa.MetaData()
    sa.Table(name, wanted, sa.Column("k", tp.String, primary_key=True),
             timeplus_ttl_expression="to_datetime(_tp_time)   + INTERVAL 2 DAY",
             timeplus_logstore_retention_ms=3_600_000)
    with engine.connect() as conn:
        context = _context(conn, name)
        code = render_python_code(produce_migrations(context, wanted).upgrade_ops)
        downgrade = render_python_code(produce_migrations(context, wanted).downgrade_ops)
        assert (f"op.modify_stream_ttl('{name}', 'to_datetime(_tp_time) + INTERVAL 2 DAY', "
                "existing_ttl_expression='to_datetime(_tp_time) + INTERVAL 1 DAY')") in code
        assert (f"op.modify_stream_settings('{name}', logstore_retention_ms=3600000, "
                "existing={'logstore_retention_ms': 604800000})") in code
        assert "INTERVAL 1 DAY', existing_ttl_expression=" in downgrade
        op = Operations(context)
        op.modify_stream_ttl(name, "to_datetime(_tp_time) + INTERVAL 2 DAY")
        op.modify_stream_settings(name, logstore_retention_ms=3_600_000)
        assert compare_metadata(_context(conn, name), wanted) == []
        options = wanted.tables[name].dialect_options["timeplus"]
        for key, value in (("mode", "versioned_kv"), ("event_time_column", "k")):
            options[key] = value
            with pytest.warns(sa.exc.SAWarning, match="cannot change them in place"):
                assert compare_metadata(_context(conn, name), wanted) == []
            options[key] = None


def test_rename_table_is_refused_by_name(engine: sa.engine.Engine) -> None:
    with engine.connect() as conn:
        name = _stream_with_rows(conn)
        op = Operations(MigrationContext.configure(conn))
        with pytest.raises(CommandError, match="has no RENAME STREAM"):
            op.rename_table(name, name + "_2")
        with pytest.raises(CommandError, match="comments only when a stream is created"):
            op.alter_column(name, "s", comment="a note")
        with pytest.raises(CommandError, match="has no RENAME STREAM"), \
                op.batch_alter_table(name, recreate="always") as batch:
            batch.drop_column("s")
        assert [c["name"] for c in sa.inspect(conn).get_columns(name)] == [
            "k", "v", "s", "_tp_time"]


def test_failure_after_the_drop_names_the_stream_holding_the_rows(
        engine: sa.engine.Engine, server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with engine.connect() as conn:
        name = _stream_with_rows(conn)
        client = conn.connection.dbapi_connection.client  # type: ignore[union-attr]
        delete = client.delete_stream

        def delete_then_break_creates(stream: str, **kw: Any) -> None:
            delete(stream, **kw)
            server.faults.fail_next(1, status=400, path_contains="/streams")

        monkeypatch.setattr(client, "delete_stream", delete_then_break_creates)
        op = Operations(MigrationContext.configure(conn))
        with pytest.raises(CommandError, match=f"rows are in stream '{name}__rebuild'"):
            op.drop_column(name, "s")
        server.faults.reset()
        assert _rows(conn, f"SELECT k, v FROM table({name}__rebuild) ORDER BY k") == [
            (1, 10), (2, 20)]
        assert not sa.inspect(conn).has_table(name)


def test_new_stream_renders_its_options(engine: sa.engine.Engine) -> None:
    from alembic.autogenerate import produce_migrations, render_python_code

    name = _name()
    wanted = sa.MetaData()
    sa.Table(name, wanted, sa.Column("k", tp.String, primary_key=True),
             sa.Column("at", tp.DateTime64(3, "UTC"), nullable=False),
             timeplus_mode="versioned_kv", timeplus_event_time_column="at",
             timeplus_ttl_expression="to_datetime(at) + INTERVAL 1 DAY")
    with engine.connect() as conn:
        code = render_python_code(produce_migrations(_context(conn, name), wanted).upgrade_ops)
    for text in (f"op.create_table('{name}'", "timeplus_mode='versioned_kv'",
                 "timeplus_event_time_column='at'",
                 "timeplus_ttl_expression='to_datetime(at) + INTERVAL 1 DAY'",
                 "sa.PrimaryKeyConstraint('k')", "DateTime64(3, 'UTC')"):
        assert text in code, code
