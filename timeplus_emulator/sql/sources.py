"""FROM/JOIN items: streams, ``table(s)``, windows, views, subqueries, table functions.

Owns: recognising what a FROM item refers to and replacing stream references with
source placeholders (see :mod:`timeplus_emulator.sql.model` for the placeholder
contract: it stands for the whole item, alias included).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from timeplus_emulator.sql.allowlist import SYSTEM_STAND_INS, TABLE_FUNCTIONS, check_system_table
from timeplus_emulator.sql.errors import (
    BAD_ARGUMENTS,
    NOT_IMPLEMENTED,
    SYNTAX_ERROR,
    TranslationError,
)
from timeplus_emulator.sql.intervals import Interval, require_interval
from timeplus_emulator.sql.model import Source, Window
from timeplus_emulator.sql.rewriter import (
    ALIAS_STOP,
    PASS_THROUGH_DATABASES,
    make_window,
    match_paren,
    split_args,
)
from timeplus_emulator.sql.tokens import Kind, Token, name_of, quote_string, unquote
from timeplus_emulator.sql.types import values_structure

if TYPE_CHECKING:
    from timeplus_emulator.sql.rewriter import Rewriter

_NAME_KINDS = (Kind.IDENT, Kind.QUOTED_IDENT)


class SourceParser:
    """Parses one FROM item for a :class:`Rewriter`."""

    def __init__(self, rewriter: Rewriter) -> None:
        self.rw = rewriter
        self.toks = rewriter.toks

    def parse(self, i: int, end: int, out: list[str]) -> int:
        """Append the rewritten item starting at ``i`` to ``out``; return the next index."""
        tok = self.toks[i]
        if tok.is_op("("):
            return self._parenthesised(i, out)
        if tok.kind not in _NAME_KINDS:
            raise TranslationError(
                SYNTAX_ERROR, f"Syntax error: expected a stream name at '{tok.text or 'end'}'"
            )
        if self.toks[i + 1].is_op("("):
            return self._table_function(i, out)
        database, name, nxt = self.qualified_name(i)
        alias, after = self.alias(nxt)
        pre = tok.pre
        if database is None and name in self.rw.ctx.cte_names:
            out.append(pre + self.rw.text(i, after).lstrip())
            return after
        if database in PASS_THROUGH_DATABASES:
            out.append(pre + self._system_table(database, name, alias, i, after))
            return after
        out.append(pre + self.stream_or_view(database, name, alias, historical=False))
        return after

    def _system_table(self, database: str, name: str, alias: Optional[str], start: int,
                      end: int) -> str:
        """An allow-listed ``system`` table, written out as ``system.name`` (never as given)."""
        check_system_table(database, name)
        self.rw.ctx.system_tables.append(name)
        hook = self.rw.ctx.system_table_sql
        replacement = hook(database, name) if hook is not None else None
        replacement = SYSTEM_STAND_INS.get(name) if replacement is None else replacement
        if replacement is None:
            return f"system.{name}" + (f" AS `{_escape(alias)}`" if alias else "")
        return f"{replacement} AS `{_escape(alias or name)}`"

    def stream_or_view(self, database: Optional[str], name: str, alias: Optional[str],
                       historical: bool) -> str:
        """Placeholder for a stream, or the inlined query of a non-materialized view."""
        database = database or self.rw.ctx.database
        resolver = self.rw.ctx.resolve_view
        view_sql = resolver(database, name) if resolver is not None else None
        if view_sql is not None:
            inner = self.rw.inline_view(view_sql, historical, database)
            return f"({inner}) AS `{_escape(alias or name)}`"
        return self.rw.add_source(Source(database, name, alias or name, historical))

    def qualified_name(self, i: int) -> tuple[Optional[str], str, int]:
        """``name`` or ``db.name`` at ``i``: (database, name, next index)."""
        first = self.toks[i]
        if self.toks[i + 1].is_op(".") and self.toks[i + 2].kind in _NAME_KINDS:
            return name_of(first), name_of(self.toks[i + 2]), i + 3
        return None, name_of(first), i + 1

    def alias(self, i: int) -> tuple[Optional[str], int]:
        """Optional ``[AS] alias`` at ``i``: (alias, next index)."""
        tok = self.toks[i]
        if tok.is_word("AS") and self.toks[i + 1].kind in _NAME_KINDS:
            return name_of(self.toks[i + 1]), i + 2
        bare = tok.kind is Kind.IDENT and tok.upper not in ALIAS_STOP
        if tok.kind is Kind.QUOTED_IDENT or bare:
            return name_of(tok), i + 1
        return None, i

    def _parenthesised(self, i: int, out: list[str]) -> int:
        close = match_paren(self.toks, i)
        if self.toks[i + 1].is_word("SELECT", "WITH"):
            inner, _ = self.rw.select_scope(i + 1, close)
        else:
            parts: list[str] = []
            end = self.rw.from_items(i + 1, close, parts, many=True)
            parts.append(self.rw.rewrite(end, close))
            inner = "".join(parts)
        out.append(self.toks[i].pre + "(" + inner + self.toks[close].pre + ")")
        return close + 1

    def _table_function(self, i: int, out: list[str]) -> int:
        tok = self.toks[i]
        name = name_of(tok).lower()
        close = match_paren(self.toks, i + 1)
        args = split_args(self.toks, i + 2, close)
        if name == "table":
            return self._historical(i, close, args, out)
        if name in ("tumble", "hop", "session"):
            return self._window(name, i, close, args, out)
        if name == "values":
            return self._values(i, close, args, out)
        if name in TABLE_FUNCTIONS:
            inner = self.rw.rewrite(i + 2, close, allow_from=False)
            alias, after = self.alias(close + 1)
            text = TABLE_FUNCTIONS[name].replace("{args}", inner + self.toks[close].pre)
            suffix = f" AS `{_escape(alias)}`" if alias else ""
            out.append(tok.pre + text + suffix)
            return after
        raise TranslationError(
            NOT_IMPLEMENTED, f"Table function {name_of(tok)} is not supported by the emulator "
            f"(it accepts table, tumble, hop, {', '.join(sorted(TABLE_FUNCTIONS))})"
        )

    def _values(self, i: int, close: int, args: list[tuple[int, int]], out: list[str]) -> int:
        """``values('name type, ...', row, ...)``: the structure's types in chDB spelling, the
        rows rewritten like any expression (functions allow-listed, no subquery source)."""
        first = args[0] if args else (i + 2, i + 2)
        if first[1] - first[0] != 1 or self.toks[first[0]].kind is not Kind.STRING:
            raise TranslationError(NOT_IMPLEMENTED, "values() without a structure string "
                                   "('name type, ...') is not supported by the emulator")
        if len(args) < 2:
            raise TranslationError(42, "Table function 'values' requires at least 2 arguments: "
                                   "the structure and the values")
        structure = values_structure(unquote(self.toks[first[0]].text))
        rows = self.rw.rewrite(args[1][0], close, allow_from=False)
        alias, after = self.alias(close + 1)
        suffix = f" AS `{_escape(alias)}`" if alias else ""
        out.append(f"{self.toks[i].pre}values({quote_string(structure)},{rows}){suffix}")
        return after

    def _single_name(self, start: int, end: int, what: str) -> tuple[Optional[str], str]:
        if end - start == 1 and self.toks[start].kind in _NAME_KINDS:
            return None, name_of(self.toks[start])
        if end - start == 3 and self.toks[start + 1].is_op("."):
            return name_of(self.toks[start]), name_of(self.toks[start + 2])
        raise TranslationError(BAD_ARGUMENTS, f"{what} expects a stream name")

    def _historical(self, i: int, close: int, args: list[tuple[int, int]], out: list[str]) -> int:
        if len(args) != 1:
            raise TranslationError(BAD_ARGUMENTS, "table() expects exactly one stream name")
        database, name = self._single_name(*args[0], "table()")
        self._not_a_cte(database, name, "table()")
        alias, after = self.alias(close + 1)
        out.append(self.toks[i].pre + self.stream_or_view(database, name, alias, historical=True))
        return after

    def _not_a_cte(self, database: Optional[str], name: str, what: str) -> None:
        """Proton reads a CTE named in ``table()``/``tumble()``/``hop()`` (it hides a stream
        of that name); the emulator only reads streams there, so it refuses rather than read
        the hidden stream."""
        if database is None and name in self.rw.ctx.cte_names:
            raise TranslationError(NOT_IMPLEMENTED, f"{what} over a CTE ({name}) is not "
                                   "supported by the emulator")

    def _window_source(self, start: int, end: int, kind: str) -> tuple[Optional[str], str, bool]:
        toks = self.toks
        if toks[start].is_word("TABLE") and toks[start + 1].is_op("("):
            close = match_paren(toks, start + 1)
            database, name = self._single_name(start + 2, close, "table()")
            return database, name, True
        database, name = self._single_name(start, end, f"{kind}()")
        return database, name, False

    def _window(self, kind: str, i: int, close: int, args: list[tuple[int, int]],
                out: list[str]) -> int:
        if len(args) < 2:
            raise TranslationError(BAD_ARGUMENTS, f"{kind}() needs a stream and an interval")
        database, name, historical = self._window_source(*args[0], kind)
        self._not_a_cte(database, name, f"{kind}()")
        database = database or self.rw.ctx.database
        rest = list(args[1:])
        timezone = self._timezone(rest) if kind != "session" else None
        window = self._build_window(kind, rest, timezone)
        resolver = self.rw.ctx.resolve_view
        if resolver is not None and resolver(database, name) is not None:
            raise TranslationError(
                NOT_IMPLEMENTED, f"{kind}() over a view is not supported by the emulator"
            )
        alias, after = self.alias(close + 1)
        source = Source(database, name, alias or name, historical, window)
        out.append(self.toks[i].pre + self.rw.add_source(source))
        return after

    def _timezone(self, rest: list[tuple[int, int]]) -> Optional[str]:
        last_start, last_end = rest[-1]
        single = last_end - last_start == 1
        if len(rest) > 1 and single and self.toks[last_start].kind is Kind.STRING:
            rest.pop()
            return unquote(self.toks[last_start].text)
        return None

    def _interval(self, arg: tuple[int, int], what: str) -> Interval:
        return require_interval(self.toks[arg[0]:arg[1]], what)

    def _build_window(self, kind: str, rest: list[tuple[int, int]],
                      timezone: Optional[str]) -> Window:
        time_column = "`_tp_time`"
        intervals_needed = 2 if kind == "hop" else 1
        if kind == "session":
            raise TranslationError(
                NOT_IMPLEMENTED, "session windows are not supported by the emulator"
            )
        if len(rest) == intervals_needed + 1:
            time_column = self.rw.rewrite(*rest[0], allow_from=False).strip()
            rest = rest[1:]
        if len(rest) != intervals_needed:
            raise TranslationError(BAD_ARGUMENTS, f"Wrong number of arguments for {kind}()")
        size = self._interval(rest[-1], "window size")
        if kind == "tumble":
            return make_window("tumble", time_column, size.ch_sql, size.seconds, None, timezone)
        step = self._interval(rest[0], "hop interval")
        if size.calendar or step.calendar:
            raise TranslationError(
                NOT_IMPLEMENTED, "hop() with month/quarter/year intervals is not supported"
            )
        if step.seconds > size.seconds:  # as Proton's HopWindowParams
            raise TranslationError(BAD_ARGUMENTS, "Slide size shall be less than or equal to "
                                   "window size in hop function")
        return make_window("hop", time_column, size.ch_sql, size.seconds,
                           (step.ch_sql, step.seconds), timezone)


def _escape(name: str) -> str:
    return name.replace("\\", "\\\\").replace("`", "\\`")


def collect_qualified_sources(tokens: list[Token]) -> set[tuple[str, str]]:
    """``(db, stream)`` of every ``FROM|JOIN db.stream`` written without an alias: the
    sources a column may name as ``db.stream.column``."""
    found: set[tuple[str, str]] = set()
    for i in range(len(tokens) - 4):
        if not (tokens[i].is_word("FROM", "JOIN") and tokens[i + 1].kind in _NAME_KINDS
                and tokens[i + 2].is_op(".") and tokens[i + 3].kind in _NAME_KINDS):
            continue
        after = tokens[i + 4]
        aliased = after.is_word("AS") or after.kind is Kind.QUOTED_IDENT or (
            after.kind is Kind.IDENT and after.upper not in ALIAS_STOP)
        if not aliased and not after.is_op("(", "."):
            found.add((name_of(tokens[i + 1]), name_of(tokens[i + 3])))
    return found


def is_database_qualified_column(toks: list[Token], i: int,
                                 sources: set[tuple[str, str]]) -> bool:
    """``db.stream.column`` at ``i``, ``db.stream`` one of ``sources`` (unaliased: its
    placeholder is aliased ``stream``, so the column is written ``stream.column``). Proton,
    like ClickHouse, reads the three-part name as that stream's column."""
    if not (toks[i + 1].is_op(".") and toks[i + 2].kind in _NAME_KINDS
            and toks[i + 3].is_op(".") and toks[i + 4].kind in _NAME_KINDS):
        return False
    if toks[i - 1].is_op(".") or toks[i + 5].is_op(".", "("):
        return False
    return (name_of(toks[i]), name_of(toks[i + 2])) in sources


def collect_stream_aliases(tokens: list[Token]) -> dict[str, str]:
    """``stream -> alias`` for each ``FROM|JOIN|, [db.]stream [AS] alias``: Proton (like
    ClickHouse's old analyzer) lets a column be qualified by the stream's own name even when
    the stream has an alias (``FROM t1 AS a JOIN t2 AS b ON t1.x = t2.x``). A name given
    two aliases, also used as an alias, or also read without an alias anywhere in the statement
    (an outer query's ``FROM t``, or ``db.t`` beside ``t AS a``), is left out: the name could
    mean that other source."""
    found: dict[str, set[str]] = {}
    bare: set[str] = set()
    for i in range(len(tokens) - 2):
        if not tokens[i].is_word("FROM", "JOIN") and not tokens[i].is_op(","):
            continue
        j = i + 3 if tokens[i + 2].is_op(".") else i + 1
        if tokens[j].kind not in _NAME_KINDS or tokens[j + 1].is_op("(", "."):
            continue
        after = tokens[j + 1]
        if after.is_word("AS") and tokens[j + 2].kind in _NAME_KINDS:
            alias = name_of(tokens[j + 2])
        elif after.kind is Kind.QUOTED_IDENT or (after.kind is Kind.IDENT
                                                 and after.upper not in ALIAS_STOP):
            alias = name_of(after)
        else:
            bare.add(name_of(tokens[j]))
            continue
        found.setdefault(name_of(tokens[j]), set()).add(alias)
    aliases = set().union(*found.values()) if found else set()
    return {name: next(iter(a)) for name, a in found.items()
            if len(a) == 1 and name not in aliases and name not in bare}


def stream_name_qualifier(toks: list[Token], i: int, aliases: dict[str, str]) -> Optional[str]:
    """The alias to write for ``stream.column`` at ``i`` when ``stream`` is aliased (see
    :func:`collect_stream_aliases`), else None."""
    tok = toks[i]
    if tok.kind not in _NAME_KINDS or name_of(tok) not in aliases:
        return None
    if not (toks[i + 1].is_op(".") and toks[i + 2].kind in _NAME_KINDS) or (
            i > 0 and toks[i - 1].is_op(".")) or toks[i + 3].is_op("("):
        return None
    return aliases[name_of(tok)]
