"""DDL text and JSON bodies for the REST client's create/drop helpers.

Types are validated with :func:`parse_type` and re-rendered canonically, names quoted with
:func:`quote_identifier`, values rendered with :func:`render_literal`: nothing user-supplied is
pasted into SQL unchecked except ``DEFAULT``/TTL/view query expressions, which are SQL by nature.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional, Union

from .errors import ProgrammingError
from .literals import quote_identifier, render_literal
from .typesystem import TypeParseError, TypeSpec, parse_type

__all__ = [
    "ColumnDefinition",
    "StreamDefinition",
    "column_clauses",
    "create_view_sql",
    "drop_sql",
    "index_sql",
]

MUTABLE = "mutable"  # the mode of a Timeplus Enterprise mutable stream (CREATE MUTABLE STREAM)


def index_sql(index: Mapping[str, Any]) -> str:
    """``INDEX name (cols) [UNIQUE] [STORING (cols)]`` of a mutable stream, from
    ``{"name", "columns", "unique", "storing"}`` (docs ``mutable-stream-indexes.md``)."""
    name, columns = index.get("name"), index.get("columns")
    if not isinstance(name, str) or not name or not columns or isinstance(columns, str):
        raise ProgrammingError(f"an index needs a name and a list of columns, got {index!r}")
    text = f"INDEX {quote_identifier(name)} ({', '.join(map(quote_identifier, columns))})"
    if index.get("unique"):
        text += " UNIQUE"
    if index.get("storing"):
        text += f" STORING ({', '.join(map(quote_identifier, index['storing']))})"
    return text


def column_clauses(default: Optional[str], comment: Optional[str]) -> str:
    """What follows a column's type in CREATE STREAM: `` DEFAULT expr`` and `` COMMENT '...'``."""
    text = f" DEFAULT {default}" if default is not None else ""
    return text + (f" COMMENT {render_literal(comment)}" if comment else "")


@dataclass(frozen=True)
class ColumnDefinition:
    name: str
    type: TypeSpec
    default: Optional[str] = None
    comment: Optional[str] = None  # COMMENT '...' (docs append-stream.md; set at creation)

    @classmethod
    def build(cls, item: Union[Mapping[str, Any], Sequence[Any]]) -> ColumnDefinition:
        comment = None
        if isinstance(item, Mapping):
            name, type_text = item.get("name"), item.get("type")
            default, nullable = item.get("default"), bool(item.get("nullable"))
            comment = item.get("comment")
        elif isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2:
            (name, type_text), default, nullable = item, None, False
        else:
            raise ProgrammingError(f"a column must be a dict or a (name, type) pair, not {item!r}")
        if not isinstance(name, str) or not name or not isinstance(type_text, str):
            raise ProgrammingError(f"a column needs a name and a type string, got {item!r}")
        try:
            spec = parse_type(type_text)
        except TypeParseError as exc:
            raise ProgrammingError(f"column {name!r}: {exc}") from None
        if comment is not None and not isinstance(comment, str):
            raise ProgrammingError(f"column {name!r}: a comment must be a string, not {comment!r}")
        if nullable and not spec.is_nullable:
            spec = TypeSpec("nullable", (spec,))
        return cls(name, spec, None if default is None else str(default), comment or None)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name, "type": str(self.type)}
        if self.default is not None:
            body["default"] = self.default
        if self.comment:
            body["comment"] = self.comment
        return body

    def to_sql(self) -> str:
        clauses = column_clauses(self.default, self.comment)
        return f"{quote_identifier(self.name)} {self.type}{clauses}"


@dataclass(frozen=True)
class StreamDefinition:
    name: str
    columns: tuple[ColumnDefinition, ...]
    options: tuple[tuple[str, Any], ...]
    primary_key: tuple[str, ...]
    settings: tuple[tuple[str, Any], ...]
    indexes: tuple[str, ...] = ()  # rendered INDEX clauses (mutable streams)

    @property
    def mutable(self) -> bool:
        """A Timeplus Enterprise mutable stream (created with SQL: the REST body has no mode
        for it)."""
        return dict(self.options).get("mode") == MUTABLE

    @classmethod
    def build(
        cls,
        name: str,
        columns: Sequence[Union[Mapping[str, Any], Sequence[Any]]],
        *,
        primary_key: Union[str, Sequence[str], None] = None,
        settings: Optional[Mapping[str, Any]] = None,
        indexes: Optional[Sequence[Mapping[str, Any]]] = None,
        **options: Any,
    ) -> StreamDefinition:
        if not columns:
            raise ProgrammingError("a stream needs at least one column")
        keys = (primary_key,) if isinstance(primary_key, str) else tuple(primary_key or ())
        mutable = options.get("mode") == MUTABLE
        if mutable and not keys:
            raise ProgrammingError("a mutable stream needs a primary_key")
        if indexes and not mutable:
            raise ProgrammingError("secondary indexes need mode='mutable' (a mutable stream)")
        return cls(
            name,
            tuple(ColumnDefinition.build(c) for c in columns),
            tuple((k, v) for k, v in options.items() if v is not None),
            keys,
            tuple((settings or {}).items()),
            tuple(index_sql(i) for i in indexes or ()),
        )

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name, "columns": [c.to_json() for c in self.columns]}
        body.update(self.options)
        if self.primary_key:
            body["primary_key"] = ", ".join(self.primary_key)
        return body

    def to_sql(self, *, if_not_exists: bool = False) -> str:
        columns = ", ".join([c.to_sql() for c in self.columns] + list(self.indexes))
        parts = [
            f"CREATE {'MUTABLE ' if self.mutable else ''}STREAM "
            f"{'IF NOT EXISTS ' if if_not_exists else ''}{quote_identifier(self.name)} ({columns})"
        ]
        options = dict(self.options)
        if self.mutable:
            del options["mode"]
        if self.primary_key:
            parts.append(
                f"PRIMARY KEY ({', '.join(quote_identifier(k) for k in self.primary_key)})"
            )
        if options.get("ttl_expression"):
            parts.append(f"TTL {options['ttl_expression']}")
        settings = {k: options[k] for k in _SETTING_OPTIONS if options.get(k) is not None}
        settings.update(dict(self.settings))
        if settings:
            rendered = ", ".join(
                f"{key}={render_literal(value)}" for key, value in settings.items()
            )
            parts.append(f"SETTINGS {rendered}")
        if options.get("description"):
            parts.append(f"COMMENT {render_literal(options['description'])}")
        return " ".join(parts)


_SETTING_OPTIONS = (
    "mode",
    "event_time_column",
    "logstore_retention_bytes",
    "logstore_retention_ms",
)


def drop_sql(kind: str, name: str, if_exists: bool) -> str:
    return f"DROP {kind} {'IF EXISTS ' if if_exists else ''}{quote_identifier(name)}"


def create_view_sql(
    name: str, query: str, materialized: bool, target_stream: Optional[str], if_not_exists: bool
) -> str:
    kind = "MATERIALIZED VIEW" if materialized else "VIEW"
    exists = "IF NOT EXISTS " if if_not_exists else ""
    into = f" INTO {quote_identifier(target_stream)}" if target_stream else ""
    return f"CREATE {kind} {exists}{quote_identifier(name)}{into} AS {query}"
