"""CREATE STREAM / VIEW / DATABASE.

Owns: parsing Timeplus DDL into :mod:`model` statements, validating reserved column
names and stream modes, and translating types, defaults and TTL expressions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from timeplus_emulator.sql.allowlist import parse_settings
from timeplus_emulator.sql.cursor import NAME_KINDS, TokenCursor
from timeplus_emulator.sql.errors import (
    BAD_ARGUMENTS,
    ILLEGAL_COLUMN,
    NOT_IMPLEMENTED,
    SUSPICIOUS_TYPE_FOR_LOW_CARDINALITY,
    SYNTAX_ERROR,
    TranslationError,
)
from timeplus_emulator.sql.functions import resolve_function
from timeplus_emulator.sql.model import (
    ColumnDef,
    CreateDatabaseStatement,
    CreateStreamStatement,
    CreateViewStatement,
    IndexDef,
)
from timeplus_emulator.sql.rewriter import (
    Context,
    Rewriter,
    match_paren,
    split_args,
    top_level,
    top_level_index,
)
from timeplus_emulator.sql.select import SelectTranslator
from timeplus_emulator.sql.storage_def import StorageDefinition
from timeplus_emulator.sql.tokens import Kind, Token, name_of, quote_name, tokenize
from timeplus_emulator.sql.types import (
    TypeNode,
    parse_type_tokens,
    render_clickhouse,
    render_timeplus,
)

STREAM_MODES = frozenset({"append", "changelog", "changelog_kv", "versioned_kv"})
KV_MODES = frozenset({"changelog_kv", "versioned_kv"})
RESERVED_COLUMNS = frozenset({"window_start", "window_end"})
DEFAULT_EVENT_TIME = "now64(3, 'UTC')"
_COLUMN_CLAUSES = ("DEFAULT", "MATERIALIZED", "ALIAS", "EPHEMERAL", "COMMENT", "CODEC", "TTL",
                   "NULL", "NOT")
_STREAM_CLAUSES = ("ENGINE", "PRIMARY", "ORDER", "PARTITION", "SAMPLE", "TTL", "SETTINGS",
                   "COMMENT")
# ENGINE = ... on CREATE STREAM: Proton's default ``Stream``, or a non-streaming store
TABLE_ENGINES = {"memory": "Memory", "mergetree": "MergeTree"}


@dataclass
class _StreamParts:
    columns: list[ColumnDef] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()
    ttl: Optional[str] = None
    ttl_ch: Optional[str] = None
    settings: dict[str, str] = field(default_factory=dict)
    comment: Optional[str] = None
    tp_time: Optional[ColumnDef] = None
    engine: Optional[str] = None  # a TABLE_ENGINES value; None for a stream
    indexes: list[IndexDef] = field(default_factory=list)
    order_by_ch: Optional[str] = None  # a MergeTree store's sorting key (chDB text)
    storage: StorageDefinition = field(default_factory=StorageDefinition)


def _function_name(name: str) -> str:
    return resolve_function(name).ch_name


class StreamParser:
    """Parses CREATE STREAM after the word STREAM."""

    def __init__(self, cur: TokenCursor, mutable: bool = False) -> None:
        self.cur = cur
        self.mutable = mutable
        self.toks = cur.toks
        self.rewriter = Rewriter(self.toks, Context(ddl=True))
        self.dotted: frozenset[str] = frozenset()

    def parse(self) -> CreateStreamStatement:
        if_not_exists = self.cur.if_not_exists()
        database, name = self.cur.qualified_name()
        parts = _StreamParts()
        self._dotted_names()
        if top_level_select(self.toks, self.cur.pos):
            raise TranslationError(NOT_IMPLEMENTED, "CREATE STREAM ... AS SELECT is not "
                                   "supported by the emulator")
        if not self.cur.peek().is_op("("):
            if self.cur.peek().is_word("AS", "ENGINE"):
                raise TranslationError(NOT_IMPLEMENTED, "CREATE STREAM without a column list "
                                       "(AS SELECT, AS another stream) is not supported by "
                                       "the emulator")
            raise self.cur.error("'(' and a column list")
        close = match_paren(self.toks, self.cur.pos)
        for start, end in split_args(self.toks, self.cur.pos + 1, close):
            self._element(start, end, parts)
        self.cur.pos = close + 1
        self._clauses(parts)
        self.cur.expect_end()
        return self._statement(database, name, if_not_exists, parts)

    def _statement(self, database: Optional[str], name: str, if_not_exists: bool,
                   parts: _StreamParts) -> CreateStreamStatement:
        mode = parts.settings.pop("mode", "append")
        if self.mutable:
            mode = self._mutable_mode(parts)
        elif mode not in STREAM_MODES:
            raise TranslationError(BAD_ARGUMENTS, f"Unknown stream mode '{mode}'")
        if parts.engine is not None and mode != "append":
            raise TranslationError(NOT_IMPLEMENTED, f"mode '{mode}' with ENGINE = "
                                   f"{parts.engine} is not supported by the emulator")
        if mode in KV_MODES and not parts.primary_key:
            raise TranslationError(BAD_ARGUMENTS, f"Stream mode '{mode}' requires a PRIMARY KEY")
        names = {c.name for c in parts.columns}
        for key in parts.primary_key:
            if key not in names:
                raise TranslationError(47, f"Primary key column '{key}' is not a column of {name}")
        if not parts.columns:
            raise TranslationError(SYNTAX_ERROR, "Syntax error: a stream needs at least one column")
        return CreateStreamStatement(
            storage=None if self.mutable else _storage_to_check(parts),
            database=database, name=name, columns=tuple(parts.columns),
            if_not_exists=if_not_exists, mode=mode, primary_key=parts.primary_key,
            ttl_expression=parts.ttl, ttl_expression_ch=parts.ttl_ch, settings=parts.settings,
            comment=parts.comment, tp_time_default_ch=self._event_time(parts),
            table_engine=parts.engine, indexes=tuple(parts.indexes),
            order_by_ch=_sorting_key(parts),
        )

    def _mutable_mode(self, parts: _StreamParts) -> str:
        """CREATE MUTABLE STREAM: a PRIMARY KEY is required, ENGINE is not allowed."""
        if not parts.primary_key:
            raise TranslationError(BAD_ARGUMENTS, "Mutable stream requires a PRIMARY KEY")
        if parts.engine is not None:
            raise TranslationError(SYNTAX_ERROR, "Syntax error: ENGINE in CREATE MUTABLE STREAM")
        names = {c.name for c in parts.columns}
        for index in parts.indexes:
            for column in index.columns + index.storing:
                if column not in names:
                    raise TranslationError(47, f"Index {index.name} names unknown column "
                                           f"'{column}'")
        return "mutable"

    def _event_time(self, parts: _StreamParts) -> str:
        if parts.tp_time is not None and parts.tp_time.default_ch:
            return parts.tp_time.default_ch
        column = parts.settings.get("event_time_column")
        if column:
            tokens = tokenize(column)
            if any(t.is_word("SELECT") for t in tokens):
                raise TranslationError(NOT_IMPLEMENTED, "event_time_column with a subquery "
                                                        "is not supported by the emulator")
            return Rewriter(tokens, Context(ddl=True)).rewrite(0, len(tokens) - 1, False).strip()
        return DEFAULT_EVENT_TIME

    def _element(self, start: int, end: int, parts: _StreamParts) -> None:
        first = self.toks[start]
        if self.mutable and first.is_word("INDEX"):
            parts.indexes.append(self.index_at(start + 1, end))
            return
        if self.mutable and first.is_word("FAMILY"):  # column families: storage layout only
            return
        if first.is_word("CONSTRAINT") and any(t.is_word("CHECK") for t in self.toks[start:end]):
            raise TranslationError(NOT_IMPLEMENTED, "CONSTRAINT ... CHECK is not supported by "
                                   "the emulator: it would not refuse the rows that break it")
        if first.is_word("INDEX", "PROJECTION"):  # built by no one, validated by the engine
            parts.storage.elements.append(self._storage_element(start, end))
            return
        if first.is_word("CONSTRAINT"):  # ASSUME: a hint for the optimizer, no effect
            return
        if first.is_word("PRIMARY") and self.toks[start + 1].is_word("KEY"):
            parts.primary_key = self._key_names(start + 2, end)
            key = self.rewrite_of(start + 2, end)
            parts.storage.clauses.setdefault("PRIMARY KEY", f"PRIMARY KEY {key}")
            return
        column = self._column(start, end)
        _check_low_cardinality(column)
        if column.name == "_tp_time":
            if not column.type.startswith("datetime64"):
                raise TranslationError(
                    ILLEGAL_COLUMN,
                    f"Column _tp_time is reserved, expected type 'datetime64' but actual type "
                    f"'{column.type}'.",
                )
            parts.tp_time = column
            return
        if column.name.startswith("_tp_") or column.name in RESERVED_COLUMNS:
            raise TranslationError(
                ILLEGAL_COLUMN,
                f"Column {column.name} is reserved, should not used in create query.",
            )
        parts.columns.append(column)

    def _storage_element(self, start: int, end: int) -> str:
        """``INDEX name expr TYPE t(args) [GRANULARITY n]`` or ``PROJECTION name (SELECT ...)``
        as chDB text."""
        word, name = self.toks[start].upper, self.toks[start + 1]
        if name.kind not in NAME_KINDS:
            raise TranslationError(SYNTAX_ERROR, f"Syntax error: expected the {word.lower()}'s "
                                                 f"name at '{name.text}'")
        head = f"{word} {quote_name(name_of(name))}"
        if word == "INDEX":
            kind = top_level_index(self.toks, start + 2, end, "TYPE")
            if kind is None or kind == start + 2:
                raise TranslationError(SYNTAX_ERROR, "Syntax error: expected an expression and "
                                                     "TYPE in the index definition")
            return f"{head} {self.rewrite_of(start + 2, kind)} {self.text_of(kind, end)}"
        if not self.toks[start + 2].is_op("(") or match_paren(self.toks, start + 2) != end - 1:
            raise TranslationError(SYNTAX_ERROR, "Syntax error: expected (SELECT ...) after "
                                                 "the projection's name")
        inner = self.rewriter.rewrite(start + 3, end - 1, allow_from=False).strip()
        return f"{head} ({inner})"

    def _dotted_names(self) -> None:
        """The declared column names with a dot (`` `struct.d1` ``, a nested column's
        spelling), whose unquoted use in defaults :func:`_quote_dotted` quotes."""
        if not self.cur.peek().is_op("("):
            return
        close = match_paren(self.toks, self.cur.pos)
        self.dotted = frozenset(
            name_of(self.toks[a]) for a, _ in split_args(self.toks, self.cur.pos + 1, close)
            if self.toks[a].kind is Kind.QUOTED_IDENT and "." in name_of(self.toks[a]))

    def _key_names(self, start: int, end: int) -> tuple[str, ...]:
        if self.toks[start].is_op("("):
            close = match_paren(self.toks, start)
            ranges = split_args(self.toks, start + 1, close)
        else:
            ranges = split_args(self.toks, start, end)
        names: list[str] = []
        for a, b in ranges:
            if b - a != 1 or self.toks[a].kind not in NAME_KINDS:
                raise TranslationError(NOT_IMPLEMENTED, "PRIMARY KEY must list column names")
            names.append(name_of(self.toks[a]))
        return tuple(names)

    def index_at(self, start: int, end: int) -> IndexDef:
        """``name (columns) [UNIQUE] [STORING (columns)]`` in ``[start, end)``."""
        cur = TokenCursor(self.toks, start)
        name = cur.name()
        if not cur.peek().is_op("("):
            raise cur.error("'(' and the index columns")
        columns = self._key_names(cur.pos, end)
        cur.pos = match_paren(self.toks, cur.pos) + 1
        unique = cur.accept_word("UNIQUE")
        storing: tuple[str, ...] = ()
        if cur.accept_word("STORING"):
            if not cur.peek().is_op("("):
                raise cur.error("'(' and the stored columns")
            storing = self._key_names(cur.pos, end)
            cur.pos = match_paren(self.toks, cur.pos) + 1
        if cur.pos != end:
            raise cur.error("UNIQUE, STORING (...) or the end of the index")
        return IndexDef(name, columns, unique, storing)

    def column_at(self, start: int, end: int) -> ColumnDef:
        """The column definition in ``[start, end)`` (ALTER STREAM ... ADD COLUMN)."""
        return self._column(start, end)

    def text_of(self, start: int, end: int) -> str:
        """The text of ``[start, end)`` as written."""
        return self._text((start, end)) or ""

    def rewrite_of(self, start: int, end: int) -> str:
        """``[start, end)`` translated for chDB (no FROM allowed)."""
        return self._rewrite((start, end)) or ""

    def _column(self, start: int, end: int) -> ColumnDef:
        name_tok = self.toks[start]
        if name_tok.kind not in NAME_KINDS:
            raise TranslationError(SYNTAX_ERROR, f"Syntax error: expected a column name at "
                                                 f"'{name_tok.text}'")
        node: Optional[TypeNode] = None
        pos = start + 1
        if not self.toks[pos].is_word("DEFAULT", "MATERIALIZED", "ALIAS"):  # else: inferred
            node, pos = parse_type_tokens(self.toks, pos, _function_name)
        clauses = self._column_clauses(pos, end)
        nullable = node is not None and node.tp_name == "nullable"
        if "NULL" in clauses and node is not None and not nullable:
            node = TypeNode("nullable", "Nullable", (node,), True)
            nullable = True
        default_kind = next((k for k in ("DEFAULT", "MATERIALIZED", "ALIAS") if k in clauses),
                            None)
        default = clauses.get(default_kind) if default_kind else None
        if default_kind == "ALIAS" and "CODEC" in clauses:  # as Proton's InterpreterCreateQuery
            raise TranslationError(BAD_ARGUMENTS, "Cannot specify codec for column type ALIAS")
        return ColumnDef(
            name=name_of(name_tok), type=render_timeplus(node) if node else "",
            ch_type=render_clickhouse(node) if node else "",
            default=self._text(default), default_ch=_quote_dotted(self._rewrite(default),
                                                                  self.dotted),
            nullable=nullable,
            codec=self._codec(clauses.get("CODEC")), comment=self._comment(clauses.get("COMMENT")),
            default_kind=default_kind or "DEFAULT",
        )

    def _column_clauses(self, pos: int, end: int) -> dict[str, tuple[int, int]]:
        clauses: dict[str, tuple[int, int]] = {}
        while pos < end:
            tok = self.toks[pos]
            if tok.is_word("NOT") and self.toks[pos + 1].is_word("NULL"):
                pos += 2
                continue
            if not tok.is_word(*_COLUMN_CLAUSES):
                raise TranslationError(
                    SYNTAX_ERROR, f"Syntax error: unexpected '{tok.text}' in column definition"
                )
            nxt = self._clause_end(pos, end)
            stop = end if nxt is None else nxt
            if tok.upper == "EPHEMERAL":
                raise TranslationError(NOT_IMPLEMENTED, "EPHEMERAL columns are not supported")
            clauses[tok.upper] = (pos + 1, stop)
            pos = stop
        return clauses

    def _clause_end(self, pos: int, end: int) -> Optional[int]:
        """Where the clause at ``pos`` ends: at the next clause word, except a NULL that is the
        expression itself (``DEFAULT NULL``) or part of it (``... IS NULL``)."""
        for i in top_level(self.toks, pos + 1, end):
            tok = self.toks[i]
            after_is = self.toks[i - 1].is_word("IS") or (
                self.toks[i - 1].is_word("NOT") and self.toks[i - 2].is_word("IS"))
            if (tok.is_word("NULL") and (i == pos + 1 or after_is)) or (
                    tok.is_word("NOT") and self.toks[i - 1].is_word("IS")):
                continue
            if tok.is_word(*_COLUMN_CLAUSES):
                return i
        return None

    def _text(self, span: Optional[tuple[int, int]]) -> Optional[str]:
        if span is None:
            return None
        return "".join(t.pre + t.text for t in self.toks[span[0]:span[1]]).strip()

    def _rewrite(self, span: Optional[tuple[int, int]]) -> Optional[str]:
        if span is None:
            return None
        if any(t.is_word("SELECT") for t in self.toks[span[0]:span[1]]):
            raise TranslationError(NOT_IMPLEMENTED, "Subqueries in column defaults and TTL "
                                                    "are not supported by the emulator")
        return self.rewriter.rewrite(span[0], span[1], allow_from=False).strip()

    def _codec(self, span: Optional[tuple[int, int]]) -> Optional[str]:
        text = self._text(span)
        if text is None:
            return None
        return text[1:-1].strip() if text.startswith("(") and text.endswith(")") else text

    def _comment(self, span: Optional[tuple[int, int]]) -> Optional[str]:
        if span is None:
            return None
        cur = TokenCursor(self.toks, span[0])
        return cur.string()

    def _clauses(self, parts: _StreamParts) -> None:
        cur = self.cur
        while not cur.at_end():
            word = cur.expect_word(*_STREAM_CLAUSES)
            start = cur.pos
            nxt = next((i for i in top_level(self.toks, start, len(self.toks) - 1)
                        if _starts_clause(self.toks, i)), None)
            end = len(self.toks) - 1 if nxt is None else nxt
            if word == "ENGINE":
                parts.engine = self._engine(end, parts)
            elif word == "PRIMARY":
                cur.expect_word("KEY")
                parts.primary_key = self._key_names(cur.pos, end)
                key = self.rewrite_of(cur.pos, end)
                parts.storage.clauses["PRIMARY KEY"] = f"PRIMARY KEY {key}"
            elif word in ("ORDER", "PARTITION", "SAMPLE"):  # SAMPLE BY: queries cannot sample
                cur.expect_word("BY")
                key = self.rewrite_of(cur.pos, end)
                parts.storage.clauses[f"{word} BY"] = f"{word} BY {key}"
                if word == "ORDER":
                    parts.order_by_ch = key
            elif word == "TTL":
                parts.ttl = self._text((start, end))
                parts.ttl_ch = self._rewrite((start, end))
                parts.storage.clauses["TTL"] = f"TTL {parts.ttl_ch}"
            elif word == "SETTINGS":
                for key, value, sql in parse_settings(self.toks, start, end):
                    _check_pool_setting(key, value)
                    _check_parts_setting(key, value)
                    parts.settings[key] = value
                    parts.storage.settings.append((key, f"{key} = {sql}"))
            else:
                parts.comment = cur.string()
            cur.pos = end


    def _engine(self, end: int, parts: _StreamParts) -> Optional[str]:
        """``ENGINE [=] Name[(args)]``: ``Stream`` (the default), Memory or MergeTree; the old
        ``MergeTree(date, key, granularity)`` form gives the sorting key."""
        cur = self.cur
        cur.accept_op("=")
        name = cur.name()
        if cur.peek().is_op("("):
            close = match_paren(self.toks, cur.pos)
            args = split_args(self.toks, cur.pos + 1, close)
            if name.lower() == "mergetree" and len(args) >= 3:
                parts.order_by_ch = self._rewrite(args[-2])
                parts.storage.engine = f"MergeTree({', '.join(self.rewrite_of(*a) for a in args)})"
                parts.storage.old_syntax = True
            cur.pos = close + 1
        if cur.pos != end:
            raise cur.error("ORDER BY, PARTITION BY, SAMPLE BY, PRIMARY KEY, TTL, SETTINGS or "
                            "COMMENT")
        if name.lower() == "stream":
            return None
        engine = TABLE_ENGINES.get(name.lower())
        if engine is None:
            raise TranslationError(NOT_IMPLEMENTED, f"ENGINE = {name} is not supported by the "
                                   "emulator (it accepts Stream, Memory and MergeTree)")
        if engine == "Memory":
            parts.storage.engine = engine
        return engine


def _sorting_key(parts: _StreamParts) -> Optional[str]:
    """A MergeTree store's read order: ORDER BY, else its PRIMARY KEY (the sorting key then)."""
    if parts.engine != "MergeTree":
        return None
    return parts.order_by_ch or (", ".join(map(quote_name, parts.primary_key)) or None)


def _storage_to_check(parts: _StreamParts) -> Optional[StorageDefinition]:
    """The storage definition for the engine to validate, or None if it declares nothing.

    A plain stream's SETTINGS are stream settings (handled elsewhere); a ``MergeTree`` store
    needs a sorting key, as in Proton (registerStorageMergeTree)."""
    storage = parts.storage
    if parts.engine is None:
        storage.settings.clear()
    elif (parts.engine == "MergeTree" and not storage.old_syntax and not parts.primary_key
          and not {"ORDER BY", "PRIMARY KEY"} & storage.clauses.keys()):
        raise TranslationError(BAD_ARGUMENTS, "You must provide an ORDER BY or PRIMARY KEY "
                               "expression in the stream definition. If you don't want this "
                               "stream to be sorted, use ORDER BY/PRIMARY KEY tuple()")
    return storage if storage.declares_storage() else None


def parse_create(
    cur: TokenCursor, ctx: Context
) -> CreateDatabaseStatement | CreateStreamStatement | CreateViewStatement:
    """Dispatch on what follows CREATE; returns a model statement."""
    cur.accept_words("OR", "REPLACE")
    if cur.accept_word("DATABASE"):
        if_not_exists = cur.if_not_exists()
        name = cur.name()
        cur.expect_end()
        return CreateDatabaseStatement(name, if_not_exists)
    if cur.peek().is_word("MUTABLE") and cur.peek(1).is_word("STREAM"):
        cur.pos += 2
        return StreamParser(cur, mutable=True).parse()
    for kind in ("EXTERNAL", "RANDOM"):
        if cur.peek().is_word(kind) and cur.peek(1).is_word("STREAM"):
            raise TranslationError(
                NOT_IMPLEMENTED, f"CREATE {kind} STREAM is not supported by the emulator"
            )
    if cur.accept_word("STREAM"):
        return StreamParser(cur).parse()
    materialized = cur.accept_word("MATERIALIZED")
    if cur.accept_word("VIEW"):
        return _parse_view(cur, ctx, materialized)
    raise TranslationError(
        NOT_IMPLEMENTED if cur.peek().kind is Kind.IDENT else SYNTAX_ERROR,
        f"CREATE {cur.peek().text} is not supported by the emulator",
    )


def _parse_view(cur: TokenCursor, ctx: Context, materialized: bool) -> CreateViewStatement:
    if_not_exists = cur.if_not_exists()
    database, name = cur.qualified_name()
    target_db: Optional[str] = None
    target: Optional[str] = None
    if cur.accept_word("INTO"):
        if not materialized:
            raise TranslationError(SYNTAX_ERROR, "Syntax error: INTO needs MATERIALIZED VIEW")
        target_db, target = cur.qualified_name()
    if cur.peek().is_op("("):  # Proton converts the query's columns to the listed types
        raise TranslationError(NOT_IMPLEMENTED, "CREATE VIEW with a column list is not "
                               "supported by the emulator")
    cur.expect_word("AS")
    start = cur.pos
    end = len(cur.toks) - 1
    if not cur.peek().is_word("SELECT", "WITH") and not cur.peek().is_op("("):
        raise cur.error("SELECT")
    select_sql = "".join(t.pre + t.text for t in cur.toks[start:end]).strip()
    select = SelectTranslator(cur.toks, ctx).translate(start, end)
    return CreateViewStatement(
        database=database, name=name, select_sql=select_sql, materialized=materialized,
        target=target, target_database=target_db, if_not_exists=if_not_exists, select=select,
    )


#: Proton's background_pool_size (16) times background_merges_mutations_concurrency_ratio (2):
#: MergeTreeSettings::sanityCheck refuses a pool setting above it
_POOL_TASKS = 32
_POOL_SETTINGS = {
    "number_of_free_entries_in_pool_to_execute_mutation":
        "mutations cannot work with these settings",
    "number_of_free_entries_in_pool_to_lower_max_size_of_merge":
        "the maximum size of merge will be always lowered",
}


#: MergeTree settings that refuse or delay inserts by the count of parts that a merge left
#: inactive: the emulator keeps no parts, so it could never refuse as Proton does
_INACTIVE_PARTS_SETTINGS = ("inactive_parts_to_throw_insert", "inactive_parts_to_delay_insert")


def _check_parts_setting(key: str, value: str) -> None:
    if key in _INACTIVE_PARTS_SETTINGS and value not in ("0", ""):
        raise TranslationError(NOT_IMPLEMENTED, f"Setting {key} is not supported by the "
                               "emulator (it keeps no inactive parts to count)")


def _check_pool_setting(key: str, value: str) -> None:
    """Refuse (36) a MergeTree pool setting larger than Proton's pool, as Proton does."""
    if key in _POOL_SETTINGS and value.isdigit() and int(value) > _POOL_TASKS:
        raise TranslationError(BAD_ARGUMENTS, (
            f"The value of '{key}' setting ({value}) is greater than the value of "
            f"'background_pool_size'*'background_merges_mutations_concurrency_ratio' "
            f"({_POOL_TASKS}). This indicates incorrect configuration because "
            f"{_POOL_SETTINGS[key]}"))


def _check_low_cardinality(column: ColumnDef) -> None:
    """Refuse (455) a stored column of type ``low_cardinality(<not a string>)``, as Proton.

    Proton checks the column's own type only, so ``array(low_cardinality(uint64))`` is
    allowed (chDB, which checks nested types too, runs with the check off).
    """
    if column.default_kind == "ALIAS" or not column.type.startswith("low_cardinality("):
        return
    inner = column.type[len("low_cardinality("):-1]
    if inner.startswith("nullable("):
        inner = inner[len("nullable("):-1]
    if inner != "string" and not inner.startswith("fixed_string("):
        raise TranslationError(SUSPICIOUS_TYPE_FOR_LOW_CARDINALITY, (
            f"Creating columns of type {column.type} is prohibited by default due to expected "
            "negative impact on performance. It can be enabled with the "
            '"allow_suspicious_low_cardinality_types" setting.'))


def top_level_select(tokens: list[Token], start: int) -> bool:
    """Whether ``AS SELECT``/``AS WITH`` follows at bracket depth 0 from ``start``."""
    depth = 0
    for i in range(start, len(tokens) - 1):
        tok = tokens[i]
        depth += 1 if tok.is_op("(", "[") else -1 if tok.is_op(")", "]") else 0
        if depth == 0 and tok.is_word("AS") and tokens[i + 1].is_word("SELECT", "WITH"):
            return True
    return False


def _starts_clause(tokens: list[Token], i: int) -> bool:
    """Whether ``tokens[i]`` starts a clause of CREATE STREAM: ``ORDER``, ``PARTITION`` and
    ``SAMPLE`` only before ``BY``, ``PRIMARY`` before ``KEY`` (``partition by partition``
    names a column called partition)."""
    tok = tokens[i]
    if not tok.is_word(*_STREAM_CLAUSES):
        return False
    if tok.is_word("ORDER", "PARTITION", "SAMPLE"):
        return tokens[i + 1].is_word("BY")
    return tokens[i + 1].is_word("KEY") if tok.is_word("PRIMARY") else True


def _quote_dotted(text: Optional[str], dotted: frozenset[str]) -> Optional[str]:
    """``struct.d1`` in a column's default as the one name `` `struct.d1` `` where such a
    column is declared: chDB typed ``x ALIAS struct.d1`` as uint8, where Proton reads the
    column ``struct.d1`` (00261)."""
    if not text or not dotted:
        return text
    toks = tokenize(text)
    out: list[str] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if (i + 2 < len(toks) and tok.kind is Kind.IDENT and toks[i + 1].is_op(".")
                and toks[i + 2].kind is Kind.IDENT and not (i and toks[i - 1].is_op("."))
                and f"{tok.text}.{toks[i + 2].text}" in dotted):
            out.append(f"{tok.pre}`{tok.text}.{toks[i + 2].text}`")
            i += 3
            continue
        out.append(tok.pre + tok.text)
        i += 1
    return "".join(out)
