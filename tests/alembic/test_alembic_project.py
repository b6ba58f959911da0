"""A real Alembic project from a stock ``alembic init`` against a private emulator.

The project's only edits are ``sqlalchemy.url`` in alembic.ini and ``target_metadata`` in
env.py (read from a models file the test rewrites between steps). No impl import, no options:
the ``timeplus`` impl registers itself. A private emulator keeps other tests' streams out of
autogenerate.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

alembic_command = pytest.importorskip("alembic.command")
alembic_config = pytest.importorskip("alembic.config")

from timeplus_emulator.server import EmulatorServer  # noqa: E402

MODEL_HEAD = """\
import sqlalchemy as sa
from sqlalchemy_timeplus import types as tp

metadata = sa.MetaData()
"""

V1 = MODEL_HEAD + """
sa.Table("orders", metadata,
         sa.Column("id", tp.Int32, primary_key=True),
         sa.Column("item", tp.String),
         sa.Column("price", tp.Decimal(10, 2)),
         sa.Column("tags", tp.Array(tp.String), nullable=False))
"""
V2 = V1.replace('sa.Column("price", tp.Decimal(10, 2)),',
                'sa.Column("price", tp.Decimal(10, 2)),\n'
                '         sa.Column("qty", tp.Nullable(tp.UInt16)),')
V3 = V2.replace('"item"', '"product"')
V4 = V3.replace('         sa.Column("qty", tp.Nullable(tp.UInt16)),\n', "")

ENV_METADATA = """\
import runpy as _runpy
target_metadata = _runpy.run_path(str(__import__("pathlib").Path(config.config_file_name)
                                  .parent / "models.py"))["metadata"]
"""


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(profile="cloud") as server:
        yield server


@pytest.fixture
def project(tmp_path: Path, emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)
    config = alembic_config.Config(str(tmp_path / "alembic.ini"))
    alembic_command.init(config, str(tmp_path / "migrations"))
    ini = tmp_path / "alembic.ini"
    ini.write_text(re.sub(r"(?m)^sqlalchemy\.url = .*$", f"sqlalchemy.url = {emulator.dsn}",
                          ini.read_text()))
    env = tmp_path / "migrations" / "env.py"
    env.write_text(env.read_text().replace("target_metadata = None\n", ENV_METADATA))
    config = alembic_config.Config(str(ini), stdout=io.StringIO())
    config.attributes["tmp"] = tmp_path
    return config


def _revise(config: Any, model: str, message: str) -> str:
    tmp: Path = config.attributes["tmp"]
    (tmp / "models.py").write_text(model)
    script = alembic_command.revision(config, message=message, autogenerate=True)
    return Path(script.path).read_text()


def _with_bodies(migration: str, upgrade: str, downgrade: str) -> str:
    head = migration.split("def upgrade()")[0]
    return (f"{head}def upgrade() -> None:\n    {upgrade}\n\n\n"
            f"def downgrade() -> None:\n    {downgrade}\n")


def _upgrade_section(migration: str) -> str:
    return migration.split("def upgrade()")[1].split("def downgrade()")[0]


def _columns(emulator: EmulatorServer, name: str = "orders") -> list[str]:
    engine = sa.create_engine(emulator.dsn)
    try:
        return [c["name"] for c in sa.inspect(engine).get_columns(name)
                if not c["name"].startswith("_tp_")]
    finally:
        engine.dispose()


def _rows(emulator: EmulatorServer, sql: str) -> list[Any]:
    engine = sa.create_engine(emulator.dsn)
    try:
        with engine.connect() as conn:
            result = conn.exec_driver_sql(sql)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _printed(config: Any, command: Any) -> str:
    config.stdout.seek(0)
    config.stdout.truncate()
    command(config)
    return str(config.stdout.getvalue())


def _current(config: Any) -> str:
    return _printed(config, alembic_command.current).strip()


def test_stock_project_full_cycle(project: Any, emulator: EmulatorServer) -> None:
    first = _revise(project, V1, "v1")
    assert "from sqlalchemy_timeplus.types import" in first and "_tp_" not in first
    alembic_command.upgrade(project, "head")
    assert _columns(emulator) == ["id", "item", "price", "tags"]
    _rows(emulator, "INSERT INTO orders (id, item, price, tags) VALUES (1, 'pen', 2.5, ['a'])")

    second = _revise(project, V2, "add qty")
    assert "op.add_column('orders', sa.Column('qty', Nullable(UInt16())" in second
    alembic_command.upgrade(project, "head")
    assert _columns(emulator) == ["id", "item", "price", "tags", "qty"]

    third = _revise(project, V3, "rename")  # autogenerate sees add + drop; write it by hand
    path = Path(project.attributes["tmp"]) / "migrations" / "versions"
    rename = next(p for p in path.iterdir() if p.name.endswith("_rename.py"))
    rename.write_text(_with_bodies(
        third, "op.alter_column('orders', 'item', new_column_name='product')",
        "op.alter_column('orders', 'product', new_column_name='item')"))
    alembic_command.upgrade(project, "head")

    fourth = _revise(project, V4, "drop qty")
    assert "op.drop_column('orders', 'qty')" in fourth
    drop = next(p for p in path.iterdir() if p.name.endswith("_drop_qty.py"))
    drop.write_text(fourth.replace("op.drop_column('orders', 'qty')", (
        "with op.batch_alter_table('orders') as batch_op:\n"
        "        batch_op.drop_column('qty')")))
    alembic_command.upgrade(project, "head")
    assert _columns(emulator) == ["id", "product", "price", "tags"]
    assert _rows(emulator, "SELECT id, product, tags FROM table(orders)") == [(1, "pen", ["a"])]

    heads = []
    for _ in range(4):
        heads.append(_current(project))
        alembic_command.downgrade(project, "-1")
    assert heads[0].endswith("(head)") and len(set(heads)) == 4
    assert _current(project) == ""
    assert not sa.inspect(sa.create_engine(emulator.dsn)).has_table("orders")

    alembic_command.upgrade(project, "head")
    assert _current(project) == heads[0]
    assert _columns(emulator) == ["id", "product", "price", "tags"]

    alembic_command.stamp(project, "base")
    assert _current(project) == ""
    alembic_command.stamp(project, "head")
    assert _current(project) == heads[0]
    history = _printed(project, alembic_command.history)
    assert len(re.findall(r" -> ", history)) == 4 and heads[0].split()[0] in history

    last = _revise(project, V4, "nothing")
    assert "pass" in _upgrade_section(last) and "op." not in _upgrade_section(last)
