"""Emulated ``system.tables``, ``system.columns`` and ``system.databases``.

Owns: replacing references to those three system tables in translated SQL with inline
tables built from this instance's catalog, with Timeplus names (databases without the
private prefix, Timeplus type names, ``Stream``/``View``/``MaterializedView`` engines). Other
``system.*`` tables (``one``, ``numbers``, ``functions``, ...) go to chDB unchanged.
"""

from __future__ import annotations

from typing import Any, Callable

from timeplus_emulator.engine import Engine
from timeplus_emulator.sql.tokens import Kind, Token, quote_string, render, tokenize

_STRUCTURES = {
    "databases": "name String, engine String, comment String",
    "tables": "database String, name String, engine String, is_temporary UInt8, "
              "comment String, create_table_query String, total_rows Nullable(UInt64), "
              "primary_key String",
    "columns": "database String, table String, name String, type String, position UInt64, "
               "default_kind String, default_expression String, comment String, "
               "is_in_primary_key UInt8, is_in_sorting_key UInt8",
}


def rewrite_system_tables(engine: Engine, ch_sql: str) -> str:
    """Replace ``system.tables/columns/databases`` in ``ch_sql`` with inline tables."""
    tokens = tokenize(ch_sql)
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        target = _system_table_at(tokens, i)
        if target is not None:
            out.append(tok.with_text(_inline_table(engine, target)))
            i += 3
            continue
        out.append(tok)
        i += 1
    return render(out)


def _system_table_at(tokens: list[Token], i: int) -> str | None:
    if i + 2 >= len(tokens) or not tokens[i].is_word("SYSTEM") or not tokens[i + 1].is_op("."):
        return None
    if i > 0 and tokens[i - 1].is_op("."):
        return None
    name_tok = tokens[i + 2]
    if name_tok.kind not in (Kind.IDENT, Kind.QUOTED_IDENT):
        return None
    name = name_tok.text.strip("`\"").lower()
    return name if name in _STRUCTURES else None


def _inline_table(engine: Engine, name: str) -> str:
    """The rows as ``values()`` (chDB allows it under readonly = 1, unlike ``format()``)."""
    rows = _ROWS[name](engine)
    structure = _STRUCTURES[name]
    where = ""
    if not rows:  # values() needs a row: one placeholder row, filtered out
        rows, where = [[_EMPTY.get(t.split("(")[0], "") for t in _types(structure)]], " WHERE 0"
    body = ", ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in rows)
    return f"(SELECT * FROM values({quote_string(structure)}, {body}){where})"


_EMPTY: dict[str, Any] = {"UInt8": 0, "UInt64": 0, "Nullable": None}


def _types(structure: str) -> list[str]:
    return [part.strip().split(" ", 1)[1] for part in structure.split(", ")]


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return quote_string(str(value))


def _database_rows(engine: Engine) -> list[list[Any]]:
    return [[db, kind, ""] for db, kind in engine.database_rows()]


def _table_rows(engine: Engine) -> list[list[Any]]:
    rows: list[list[Any]] = []
    with engine.lock:
        for (db, name), info in sorted(engine.streams.items()):
            if (db, name) in engine.views:
                continue
            rows.append([db, name, info.engine, 0, info.description, info.create_query, None,
                         ", ".join(info.primary_key)])
        for (db, name), view in sorted(engine.views.items()):
            kind = "MaterializedView" if view.materialized else "View"
            rows.append([db, name, kind, 0, view.description,
                         view.to_json()["create_query"], None, ""])
    return rows


def _column_rows(engine: Engine) -> list[list[Any]]:
    rows: list[list[Any]] = []
    with engine.lock:
        for (db, name), info in sorted(engine.streams.items()):
            position = 0
            for position, col in enumerate(info.columns, start=1):
                rows.append([db, name, col.name, col.type, position,
                             col.default_kind if col.default else "", col.default or "",
                             col.comment or "", int(col.name in info.primary_key),
                             int(col.name in info.primary_key)])
            for offset, (col_name, col_type, default) in enumerate(info.reserved_columns(), 1):
                rows.append([db, name, col_name, col_type, position + offset, "DEFAULT", default,
                             "", 0, 0])
        for (db, name), view in sorted(engine.views.items()):
            if view.materialized and (db, name) in engine.streams:
                continue
            for index, view_col in enumerate(view.columns, start=1):
                rows.append([db, name, view_col["name"], view_col["type"], index, "", "", "",
                             0, 0])
    return rows


_ROWS: dict[str, Callable[[Engine], list[list[Any]]]] = {
    "databases": _database_rows,
    "tables": _table_rows,
    "columns": _column_rows,
}
