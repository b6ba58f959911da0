"""Token-level rewriting of Timeplus expressions and queries into ClickHouse text.

Owns: function-name translation (including Timeplus argument conventions such as
``quantile(x, 0.9)``), type names inside ``CAST``/``::``, interval shorthand, and
FROM/JOIN items (streams become source placeholders, ``table(s)`` and
``tumble/hop/session`` become sources with flags, views are inlined).

Works on the token list of one statement; every method takes a half-open token range
``[start, end)`` and returns ClickHouse text (leading whitespace preserved).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Callable, Optional

from timeplus_emulator.sql import functions as fn
from timeplus_emulator.sql.allowlist import (
    HIGHER_ORDER_FUNCTIONS,
    QUERY_SETTINGS,
    TIMEPLUS_SETTINGS,
    passed_setting,
    setting_values,
)
from timeplus_emulator.sql.booleans import (
    all_bool_elements,
    bool_branches,
    bool_case,
    case_branches,
    in_unifying_position,
    is_array_literal,
    is_bool_expression,
    map_bool_arguments,
)
from timeplus_emulator.sql.calls import argument_texts, helper_for
from timeplus_emulator.sql.columns import ColumnTypes, in_database, mark_bool_columns
from timeplus_emulator.sql.constif import condition_value, ternary_condition
from timeplus_emulator.sql.decimalin import check_operand, decimal_in, float_list
from timeplus_emulator.sql.errors import (
    BAD_ARGUMENTS,
    NOT_IMPLEMENTED,
    SYNTAX_ERROR,
    TranslationError,
)
from timeplus_emulator.sql.insets import check_in_element
from timeplus_emulator.sql.intervals import shorthand_interval
from timeplus_emulator.sql.legacy import (
    RANGE_GUARD,
    RANGED_RESULTS,
    SUBSTRING_UTF8,
    YEAR_FILLING,
    checked_cast,
    range_check,
    year_2000_call,
)
from timeplus_emulator.sql.model import STAR_MARKER, Source, Window, placeholder
from timeplus_emulator.sql.modifiers import is_fill_bound, is_group_by_modifier
from timeplus_emulator.sql.protoncalls import (
    adjusted_arguments,
    check_call,
    check_pattern,
    wrapped_result,
)
from timeplus_emulator.sql.samplechecks import RANKED_ARGUMENTS, sample_checked
from timeplus_emulator.sql.tokens import (
    Kind,
    Token,
    name_of,
    operand_start,
    quote_string,
    tokenize,
    unquote,
)
from timeplus_emulator.sql.topk import top_k_call
from timeplus_emulator.sql.types import (
    TypeNode,
    parse_timeplus_type,
    parse_type_tokens,
    render_clickhouse,
)
from timeplus_emulator.sql.unify import (
    WIDE_LITERAL,
    Group,
    cast_first_operands,
    is_wide_unsigned,
    ternary_branches,
    unified_groups,
)
from timeplus_emulator.sql.unixtime import (
    UNIX_TIME_PARSERS,
    is_scaled_datetime,
    reads_datetime64,
    unix_digits_argument,
)
from timeplus_emulator.sql.wrapping import checked_arguments

ViewResolver = Callable[[Optional[str], str], Optional[str]]
SystemTableSql = Callable[[str, str], Optional[str]]
StreamColumns = Callable[[Optional[str], str], Optional[list[str]]]

# Bare words that may be followed by "(" without being a function call.
NOT_FUNCTIONS = frozenset(
    {"IN", "AS", "VALUES", "EXISTS", "OVER", "AND", "OR", "NOT", "FROM", "JOIN", "ON", "USING",
     "WHERE", "SELECT", "WITH", "BY", "HAVING", "THEN", "ELSE", "WHEN", "CASE", "IS", "LIKE",
     "ILIKE", "BETWEEN", "INTO", "WINDOW", "PARTITION", "INTERVAL", "ALL", "DISTINCT", "UNION",
     "EXCEPT", "INTERSECT", "LIMIT", "OFFSET", "SETTINGS", "PREWHERE", "QUALIFY", "GLOBAL",
     "ANY", "SOME", "KEY", "PRIMARY", "ORDER", "GROUP", "TUPLE_TYPE"}
)
# Words that end a FROM item (so they are not taken as an alias).
ALIAS_STOP = frozenset(
    {"WHERE", "JOIN", "LEFT", "RIGHT", "INNER", "OUTER", "FULL", "CROSS", "ON", "USING", "GROUP",
     "ORDER", "LIMIT", "SETTINGS", "EMIT", "FINAL", "SAMPLE", "ARRAY", "GLOBAL", "ANY", "ALL",
     "ASOF", "SEMI", "ANTI", "UNION", "HAVING", "WINDOW", "PARTITION", "FORMAT", "INTERSECT",
     "EXCEPT", "PREWHERE", "QUALIFY", "PASTE", "OFFSET", "INTO", "VALUES", "SELECT", "WITH"}
)
PASS_THROUGH_DATABASES = frozenset({"system", "information_schema", "INFORMATION_SCHEMA"})
# Words after which an expression starts (so ``in(`` there is a function call).
_EXPRESSION_STARTS = ("SELECT", "WHERE", "AND", "OR", "NOT", "ON", "HAVING", "PREWHERE",
                      "QUALIFY", "WHEN", "THEN", "ELSE", "CASE", "BY", "DISTINCT", "ALL",
                      "WITH", "LIMIT", "OFFSET", "VALUES", "DEFAULT", "MATERIALIZED", "ALIAS",
                      "TTL", "INTERVAL", "ARRAY", "JOIN", "USING", "IF", "ELIF")
# words before "(" that do not call a function there
_NOT_CALLS = ("FROM", "JOIN", "IN", "EXISTS", "ANY", "ALL", "SOME", "AS", "UNION", "SELECT",
              "WHERE", "AND", "OR", "NOT", "ON", "USING", "VALUES", "INTO", "TABLE", "BY",
              "EXCEPT", "INTERSECT", "DISTINCT", "THEN", "ELSE", "WHEN", "HAVING")
_CAST_FUNCTIONS = frozenset({"cast", "try_cast", "accurate_cast", "accurate_cast_or_null"})
_EARLIEST_FUNCTIONS = frozenset({"earliest_timestamp", "earliest_ts"})
#: Proton's virtual columns of a stream that the emulator does not give (``_tp_time`` and
#: ``_tp_delta`` are stored columns): its sequence numbers start elsewhere and it has no shards.
VIRTUAL_COLUMNS = frozenset({"_tp_sn", "_tp_shard", "_tp_append_time", "_tp_ingest_time",
                             "_tp_process_time"})
_MAX_VIEW_DEPTH = 16
RANGED_PREFIXES = tuple(f"{name}(" for name in RANGED_RESULTS)  # a rewritten call's text


@dataclass
class Scope:
    """Facts about one SELECT level collected while rewriting it."""

    aggregating: bool = False
    window_functions: bool = False
    source_indexes: list[int] = field(default_factory=list)


@dataclass
class Context:
    """State shared by every rewriter working on one statement (and inlined views)."""

    resolve_view: Optional[ViewResolver] = None
    system_table_sql: Optional[SystemTableSql] = None
    sources: list[Source] = field(default_factory=list)
    system_tables: list[str] = field(default_factory=list)
    cte_names: set[str] = field(default_factory=set)
    scopes: list[Scope] = field(default_factory=list)
    nested_aggregation_over_stream: bool = False
    stream_in_expression: bool = False  # a stream read inside IN (...)/scalar subquery
    uses_earliest: bool = False
    view_depth: int = 0
    force_historical: bool = False
    format_data: str = ""  # raw data after INSERT ... FORMAT name
    hide_reserved: bool = False  # SETTINGS asterisk_include_reserved_columns = false
    bool_results: bool = False  # type bool results as Proton does (see booleans.py)
    # the select items of a subquery, CTE or view to type bool (set with bool_results)
    nested_bool_items: Optional[Callable[[list[Token], int, int], list[tuple[int, int]]]] = None
    stream_columns: Optional[StreamColumns] = None  # what * shows of a stream (joinorder.py)
    values_row: bool = False  # INSERT ... VALUES: chDB folds each value to a constant
    ddl: bool = False  # a stream's column, TTL or time expression (run by chDB on writes)
    database: Optional[str] = None  # where unqualified names resolve (None: the engine's default)
    column_types: Optional[ColumnTypes] = None  # a stream's column types (columns.py)
    using_guards: dict[int, str] = field(default_factory=dict)  # token -> text (usingkeys.py)


def match_paren(tokens: list[Token], open_index: int) -> int:
    """Index of the ``)``/``]`` closing the bracket at ``open_index``."""
    depth = 0
    for i in range(open_index, len(tokens)):
        tok = tokens[i]
        if tok.is_op("(", "["):
            depth += 1
        elif tok.is_op(")", "]"):
            depth -= 1
            if depth == 0:
                return i
    raise TranslationError(SYNTAX_ERROR, "Syntax error: unbalanced parentheses")


def top_level(tokens: list[Token], start: int, end: int) -> Iterator[int]:
    """Indices in ``[start, end)`` of the tokens outside every bracket (brackets excluded)."""
    depth = 0
    for i in range(start, end):
        tok = tokens[i]
        if tok.is_op("(", "["):
            depth += 1
        elif tok.is_op(")", "]"):
            depth -= 1
        elif depth == 0:
            yield i


def split_args(tokens: list[Token], start: int, end: int) -> list[tuple[int, int]]:
    """Top-level comma-separated ranges in ``[start, end)``; empty range list if none."""
    if start >= end:
        return []
    parts: list[tuple[int, int]] = []
    part_start = start
    for i in top_level(tokens, start, end):
        if tokens[i].is_op(","):
            parts.append((part_start, i))
            part_start = i + 1
    parts.append((part_start, end))
    return parts


def top_level_index(tokens: list[Token], start: int, end: int, *words: str) -> Optional[int]:
    """Index of the first bare word among ``words`` at parenthesis depth 0."""
    return next((i for i in top_level(tokens, start, end) if tokens[i].is_word(*words)), None)


def collect_cte_names(tokens: list[Token]) -> set[str]:
    """Names defined as ``name AS (SELECT ...)`` anywhere in the statement."""
    names: set[str] = set()
    for i in range(len(tokens) - 3):
        if (tokens[i].kind in (Kind.IDENT, Kind.QUOTED_IDENT) and tokens[i + 1].is_word("AS")
                and tokens[i + 2].is_op("(") and tokens[i + 3].is_word("SELECT", "WITH")):
            names.add(name_of(tokens[i]))
    return names


class Rewriter:
    """Rewrites ranges of one token list, sharing a :class:`Context`."""

    def __init__(self, tokens: list[Token], ctx: Context) -> None:
        self.toks = tokens
        self.ctx = ctx
        from timeplus_emulator.sql.sources import collect_qualified_sources, collect_stream_aliases

        self.qualified_sources = collect_qualified_sources(tokens)  # db.stream.column names
        self.stream_aliases = collect_stream_aliases(tokens)  # stream.column, stream aliased

    # ----------------------------------------------------------------- generic
    def text(self, start: int, end: int) -> str:
        """Original text of a range (no rewriting)."""
        return "".join(t.pre + t.text for t in self.toks[start:end])

    def select_scope(self, start: int, end: int,
                     to_bool: Sequence[tuple[int, int]] = ()) -> tuple[str, Scope]:
        """Rewrite a whole query (one SELECT level, with nested ones) in a new scope.

        Ranges in ``to_bool`` (ascending, inside ``[start, end)``) come out typed bool; for a
        nested query, its bool select items (``ctx.nested_bool_items``) do.
        """
        from timeplus_emulator.sql.aliases import short_names
        from timeplus_emulator.sql.joinorder import check_star_using  # it imports this module
        from timeplus_emulator.sql.select import select_items
        from timeplus_emulator.sql.usingkeys import check_using_keys  # so does this one

        check_star_using(self.toks, start, end, self.ctx.stream_columns, self.ctx.cte_names)
        short_names(self.toks, select_items(self.toks, start, end) or [])  # refuses (48)
        self.ctx.using_guards.update(
            check_using_keys(self.toks, start, end, self.ctx.column_types))
        if self.ctx.scopes and self.ctx.bool_results and self.ctx.nested_bool_items:
            to_bool = self.ctx.nested_bool_items(self.toks, start, end)
        scope = Scope()
        self.ctx.scopes.append(scope)
        try:
            parts, at = [], start
            for a, b in to_bool:
                inner = self.rewrite(a, b)
                lead = inner[: len(inner) - len(inner.lstrip())]
                parts += [self.rewrite(at, a), f"{lead}{fn.BOOL_WRAPPER}({inner[len(lead):]})"]
                at = b
            text = "".join(parts) + self.rewrite(at, end, allow_from=True)
        finally:
            self.ctx.scopes.pop()
        if len(self.ctx.scopes) > 0 and scope.aggregating and self._scope_reads_stream(scope):
            self.ctx.nested_aggregation_over_stream = True
        for parent in self.ctx.scopes[-1:]:
            parent.source_indexes.extend(scope.source_indexes)
            parent.window_functions = parent.window_functions or scope.window_functions
        return text, scope

    def _scope_reads_stream(self, scope: Scope) -> bool:
        return any(not self.ctx.sources[i].historical for i in scope.source_indexes)

    @property
    def scope(self) -> Scope:
        if not self.ctx.scopes:
            self.ctx.scopes.append(Scope())
        return self.ctx.scopes[-1]

    def rewrite(self, start: int, end: int, allow_from: bool = True) -> str:
        """Rewrite ``[start, end)``; FROM/JOIN items are handled when ``allow_from``."""
        out: list[str] = []
        starts: dict[int, int] = {}  # token index -> where its item begins in out
        i = start
        while i < end:
            tok = self.toks[i]
            starts[i] = len(out)
            if i in self.ctx.using_guards and not tok.is_op("*"):  # see usingkeys.py
                out.append(tok.pre + self.ctx.using_guards[i])
                i += 1
            elif tok.is_word("CASE"):
                i = self._case(i, out, self.ctx.bool_results and bool_case(self.toks, i)
                               and not in_unifying_position(self.toks, i))
            elif tok.is_word("TRUE", "FALSE") and in_unifying_position(self.toks, i):
                # Proton unifies bool with numbers as uint8; chDB as Bool ([true, 5] read
                # [true, true], if(c, true, 5) read true): give chDB the uint8 value
                out.append(tok.pre + ("1" if tok.is_word("TRUE") else "0"))
                i += 1
            elif tok.kind is Kind.NUMBER and is_wide_unsigned(self.toks, i) \
                    and in_unifying_position(self.toks, i):
                out.append(f"{tok.pre}{WIDE_LITERAL}({tok.text})")  # unify.py
                i += 1
            elif tok.kind in (Kind.IDENT, Kind.QUOTED_IDENT) and self._database_qualified_column(i):
                i += 2  # db.stream.column: the source is named (aliased) stream
                out.append(tok.pre + self.toks[i].text)
                i += 1
            elif (alias := self._stream_alias(i)) is not None:
                out.append(f"{tok.pre}`{alias}`")  # stream.column of an aliased stream
                i += 1
            elif tok.is_word("IN", "NOT") and (found := self._float_in_list(i)) is not None:
                i = self._decimal_in(i, start, starts, out, *found)
            elif tok.kind is Kind.IDENT:
                i = self._word(i, end, out, allow_from)
            elif tok.kind is Kind.QUOTED_IDENT and self._is_call(i):
                i = self.function_call(i, out)
            elif tok.kind is Kind.INTERVAL:
                out.append(tok.pre + shorthand_interval(tok.text).ch_sql)
                i += 1
            elif tok.is_op("::"):
                i = self._double_colon(i, starts, out)
            elif tok.is_op("?") and ternary_branches(self.toks, i, end) is not None:
                i = self._ternary(i, start, end, starts, out)
            elif tok.is_op(":") and self._json_element(i, start, out):
                i = self._json_path_end(i)
            elif tok.is_op("(") and self.toks[i + 1].is_word("SELECT", "WITH"):
                i = self._expression_subquery(i, start, out)
            elif tok.is_op("[") and is_array_literal(self.toks, i):
                i = self._array_literal(i, out)
            elif self._is_asterisk(i):
                hidden = " EXCEPT (`_tp_time`, `_tp_delta`)" if self.ctx.hide_reserved else ""
                guard = self.ctx.using_guards.get(i, "")
                out.append(f"{tok.pre}*{hidden} {STAR_MARKER}{guard}")
                i += 1
            else:
                out.append(tok.pre + tok.text)
                i += 1
        return "".join(out)

    def _database_qualified_column(self, i: int) -> bool:
        """``db.stream.column`` at ``i`` (see :func:`~.sources.is_database_qualified_column`)."""
        from timeplus_emulator.sql.sources import is_database_qualified_column

        return is_database_qualified_column(self.toks, i, self.qualified_sources)

    def _stream_alias(self, i: int) -> Optional[str]:
        from timeplus_emulator.sql.sources import stream_name_qualifier

        alias = stream_name_qualifier(self.toks, i, self.stream_aliases)
        return alias.replace("`", "\\`") if alias is not None else None

    def _is_asterisk(self, i: int) -> bool:
        """``*`` standing for columns (``SELECT *``, ``t.*``, ``f(*)``) but not ``count(*)``
        and not a multiplication."""
        toks = self.toks
        if not toks[i].is_op("*") or i == 0:
            return False
        before = toks[i - 1]
        if before.is_op("(") and i >= 2 and toks[i - 2].is_word("COUNT"):
            return False
        return (before.is_word("SELECT", "DISTINCT", "ALL") or before.is_op(",", "(", ".")) \
            and (toks[i + 1].is_op(",", ")") or toks[i + 1].kind is Kind.EOF
                 or toks[i + 1].is_word("FROM", "EXCEPT", "REPLACE", "APPLY"))

    def _expression_subquery(self, i: int, start: int, out: list[str]) -> int:
        """A ``(SELECT ...)`` outside FROM: a CTE body, IN list or scalar subquery."""
        close = match_paren(self.toks, i)
        inner, scope = self.select_scope(i + 1, close)
        is_cte = (i - 2 >= start and self.toks[i - 1].is_word("AS")
                  and name_of(self.toks[i - 2]) in self.ctx.cte_names)
        if not is_cte and self._scope_reads_stream(scope):
            self.ctx.stream_in_expression = True
        text = "(" + inner + self.toks[close].pre + ")"
        out.append(self.toks[i].pre + (text if is_cte else self._scalar_tuple(i, close, text)))
        return close + 1

    def _scalar_tuple(self, i: int, close: int, text: str) -> str:
        """A scalar subquery of several columns is one unnamed tuple in Proton
        (``ExecuteScalarSubqueriesVisitor``: ``tuple(uint8, uint8)``, sent as ``[1, 2]``);
        chDB names its elements after the columns (``{"1": 1, "2": 2}``). IN, EXISTS and
        ANY/ALL lists are left alone."""
        from timeplus_emulator.sql.select import select_items  # it imports this module

        if not self._scalar_position(i, close):
            return text
        items = select_items(self.toks, i + 1, close)
        if items is None or len(items) < 2:
            return text
        return "tuple(" + ", ".join(f"tupleElement({text}, {k})"
                                    for k in range(1, len(items) + 1)) + ")"

    def _scalar_position(self, i: int, close: int) -> bool:
        """The ``(SELECT ...)`` from ``i`` to ``close`` is an operand: after an operator, a
        select/condition keyword or a function's ``(`` (not a union member, FROM item, IN,
        EXISTS or ANY/ALL list)."""
        after = self.toks[close + 1]
        if i == 0 or after.is_word("UNION", "EXCEPT", "INTERSECT"):
            return False
        before = self.toks[i - 1]
        if before.is_op("("):
            return i > 1 and self.toks[i - 2].kind in (Kind.IDENT, Kind.QUOTED_IDENT) \
                and not self.toks[i - 2].is_word(*_NOT_CALLS)
        if before.kind is Kind.OP:
            return not before.is_op(")", "]")
        return before.is_word("SELECT", "WHERE", "AND", "OR", "NOT", "THEN", "ELSE", "WHEN",
                              "HAVING", "PREWHERE")

    def _json_left(self, colon: int, start: int) -> Optional[int]:
        """Start of the operand of Timeplus ``raw:a.b`` JSON access, or None."""
        names = (Kind.IDENT, Kind.QUOTED_IDENT)
        if colon - 1 < start or self.toks[colon - 1].kind not in names:
            return None
        if self.toks[colon + 1].kind not in names:
            return None
        left = colon - 1
        while (left - 2 >= start and self.toks[left - 1].is_op(".")
               and self.toks[left - 2].kind in names):
            left -= 2
        if left > 0 and self.toks[left - 1].is_op("?"):
            return None
        return left

    def _json_element(self, colon: int, start: int, out: list[str]) -> bool:
        """Rewrite ``raw:a.b`` as ``JSON_VALUE(raw, '$.`a`.`b`')`` if it is one."""
        left = self._json_left(colon, start)
        count = colon - (left if left is not None else colon)
        operand = "".join(out[len(out) - count:]) if count else ""
        if left is None or operand != self.text(left, colon):
            return False
        del out[len(out) - count:]
        stripped = operand.lstrip()
        path = ["$"]
        i = colon + 1
        while i < self._json_path_end(colon):
            path.append("`" + name_of(self.toks[i]).replace("`", "\\`") + "`")
            i += 2
        text = f"JSON_VALUE({stripped}, {quote_string('.'.join(path))})"
        out.append(operand[: len(operand) - len(stripped)] + text)
        return True

    def _json_path_end(self, colon: int) -> int:
        """Index after the ``a.b.c`` path following the colon at ``colon``."""
        i = colon + 1
        names = (Kind.IDENT, Kind.QUOTED_IDENT)
        while self.toks[i + 1].is_op(".") and self.toks[i + 2].kind in names:
            i += 2
        return i + 1

    def _function_name(self, name: str) -> str:
        return fn.resolve_function(name).ch_name

    def _is_call(self, i: int) -> bool:
        """True if the name at ``i`` is called: ``name(`` not after ``.``."""
        return self.toks[i + 1].is_op("(") and not (i > 0 and self.toks[i - 1].is_op("."))

    def _word(self, i: int, end: int, out: list[str], allow_from: bool) -> int:
        tok = self.toks[i]
        word = tok.upper
        nxt = self.toks[i + 1]
        if word == "SETTINGS" and self._settings_clause_at(i):
            return self._nested_settings(i, end, out)
        if is_group_by_modifier(self.toks, i) or is_fill_bound(self.toks, i):
            out.append(tok.pre + tok.text)
            return i + 1
        if word == "IN":
            self._check_in(i)
        if word in ("LIKE", "ILIKE"):
            check_pattern(word, [nxt])
        if word == "APPLY":
            return self._apply(i, out)
        if allow_from and word == "FROM":
            out.append(tok.pre + tok.text)
            return self.from_items(i + 1, end, out, many=True)
        if allow_from and word == "JOIN" and not self.toks[i - 1].is_word("ARRAY"):
            out.append(tok.pre + tok.text)
            return self.from_items(i + 1, end, out, many=False)
        if word == "GROUP" and nxt.is_word("BY"):
            self.scope.aggregating = True
        if word.lower() in VIRTUAL_COLUMNS and not (i > 0 and self.toks[i - 1].is_word("AS")) \
                and not nxt.is_op("("):
            raise TranslationError(NOT_IMPLEMENTED, f"The virtual column {tok.text} of Proton "
                                   "streams is not supported by the emulator")
        if word == "FILTER" and nxt.is_op("(") and self.toks[i + 2].is_word("WHERE") \
                and i > 0 and self.toks[i - 1].is_op(")"):
            # an aggregate's ``FILTER (WHERE cond)`` clause, not a function named filter
            close = match_paren(self.toks, i + 1)
            inner = self.rewrite(i + 2, close)
            out.append(f"{tok.pre}FILTER{nxt.pre}({inner}{self.toks[close].pre})")
            return close + 1
        if word not in NOT_FUNCTIONS and self._is_call(i):
            return self.function_call(i, out)
        out.append(tok.pre + tok.text)
        return i + 1

    def _apply(self, i: int, out: list[str]) -> int:
        """The column transformer ``APPLY f`` / ``APPLY(f)`` / ``APPLY(lambda)``: the function
        named passes the function allow-list like any call."""
        tok, nxt = self.toks[i], self.toks[i + 1]
        names = (Kind.IDENT, Kind.QUOTED_IDENT)
        if nxt.kind in names and not self.toks[i + 2].is_op("("):
            out.append(f"{tok.pre}APPLY{nxt.pre}{self._function_name(name_of(nxt))}")
            return i + 2
        if not nxt.is_op("("):
            raise TranslationError(SYNTAX_ERROR, "Syntax error: APPLY needs a function")
        close = match_paren(self.toks, i + 1)
        inner = self.toks[i + 2]
        if close == i + 3 and inner.kind in names:
            text = inner.pre + self._function_name(name_of(inner))
        else:
            text = self.rewrite(i + 2, close, allow_from=False)
        out.append(f"{tok.pre}APPLY{nxt.pre}({text}{self.toks[close].pre})")
        return close + 1

    def _settings_clause_at(self, i: int) -> bool:
        """``SETTINGS name =`` (the clause, not a column called settings)."""
        name, eq = self.toks[i + 1], self.toks[i + 2] if i + 2 < len(self.toks) else None
        return name.kind in (Kind.IDENT, Kind.QUOTED_IDENT) and eq is not None and eq.is_op("=")

    def _nested_settings(self, i: int, end: int, out: list[str]) -> int:
        """SETTINGS of a subquery: to the end of the range, through the allow-list."""
        passed = []
        for setting in setting_values(self.toks, i + 1, end):
            if setting.name.lower() in TIMEPLUS_SETTINGS:
                raise TranslationError(
                    NOT_IMPLEMENTED, f"Setting {setting.name} in a subquery is not supported "
                    "by the emulator; set it on the outer query")
            passed += passed_setting(setting, QUERY_SETTINGS)
        if passed:
            out.append(f"{self.toks[i].pre}SETTINGS {', '.join(passed)}")
        return end

    def _check_in(self, at: int) -> None:
        """Refuse the forms of IN that read a table: ``IN db.t`` (bracketed or not), a
        qualified name among ``IN (...)`` items, and the function form ``in(x, db.t)``."""
        prev = self.toks[at - 1] if at > 0 else None
        if prev is not None and prev.is_word("NOT") and at > 1:
            prev = self.toks[at - 2]  # x NOT IN (...): the operand stands before NOT
        operand_before = prev is not None and (
            prev.kind in (Kind.NUMBER, Kind.STRING, Kind.INTERVAL, Kind.QUOTED_IDENT)
            or prev.is_op(")", "]")
            or (prev.kind is Kind.IDENT and not prev.is_word(*_EXPRESSION_STARTS)))
        if self.toks[at + 1].is_op("(") and not operand_before:
            raise TranslationError(NOT_IMPLEMENTED, "in(...) as a function is not supported "
                                                    "by the emulator; write x IN (...)")
        first = at + 1
        while self.toks[first].is_op("("):
            first += 1
        if first == at + 1:
            items = [(first, first + 3)]
        else:
            items = split_args(self.toks, first, match_paren(self.toks, first - 1))
        for a, b in items:
            toks = self.toks[a:b]
            check_in_element(toks)
            if len(toks) == 3 and toks[1].is_op(".") and all(
                    t.kind in (Kind.IDENT, Kind.QUOTED_IDENT) for t in (toks[0], toks[2])):
                table = f"{name_of(toks[0])}.{name_of(toks[2])}"
                raise TranslationError(
                    NOT_IMPLEMENTED, f"IN {table} (a table after IN) is not supported by "
                    "the emulator; use IN (SELECT column FROM ...)")

    # --------------------------------------------------------------- functions
    def function_call(self, i: int, out: list[str]) -> int:
        """Rewrite ``name(args)`` (and ``name(params)(args)``); return the next index."""
        tok = self.toks[i]
        written = name_of(tok)
        name = written.lower()
        close = match_paren(self.toks, i + 1)
        args = split_args(self.toks, i + 2, close)
        if name in _CAST_FUNCTIONS:
            out.append(tok.pre + self._cast(written, args, close))
            return close + 1
        if name == "table" or name in fn.WINDOW_TABLE_FUNCTIONS:
            raise TranslationError(
                SYNTAX_ERROR, f"Syntax error: {name}(...) is only allowed in FROM or JOIN"
            )
        if name == "if" and len(args) == 3 and condition_value(self.toks, *args[0]) is not None:
            chosen = args[1] if condition_value(self.toks, *args[0]) else args[2]
            out.append(f"{tok.pre}({self._folded_branch(i, chosen).lstrip()})")
            return close + 1  # Proton folds it before typing (constif.py)
        if name in _EARLIEST_FUNCTIONS and not args:
            self.ctx.uses_earliest = True
            out.append(tok.pre + "toDateTime64(0, 3, 'UTC')")
            return close + 1
        if self.toks[close + 1].is_op("("):
            return self._parametric_call(i, close, out)
        unifying = name in fn.UNIFYING_FUNCTIONS and not (
            bool_branches(self.toks, i + 1) and not in_unifying_position(self.toks, i))
        text, aggregate = self._plain_call(name, written, args, unifying)
        after = close + 1
        self._note_aggregate(aggregate, after)
        call = wrapped_result(text + self.toks[close].pre + ")")
        if aggregate and text.partition("(")[0] in RANKED_ARGUMENTS:
            call, after = self._sample_checked(call, args, after)
        if (text.startswith(RANGED_PREFIXES) or is_scaled_datetime(
                text, [self.toks[a:b] for a, b in args])) and not self.ctx.values_row \
                and not (i > 0 and self.toks[i - 1].is_word("STEP")):  # a WITH FILL step
            call = f"{RANGE_GUARD}({call})"
        if self.ctx.bool_results and name in fn.BOOL_FUNCTIONS \
                and not in_unifying_position(self.toks, i):
            call = f"{fn.BOOL_WRAPPER}({call})"
        out.append(tok.pre + call)
        return after

    def _sample_checked(self, call: str, args: list[tuple[int, int]],
                        after: int) -> tuple[str, int]:
        """A rank statistic's call with Proton's check (samplechecks.py), taking its OVER
        clause along; returns the text and the index after it."""
        end = after
        if self.toks[after].is_word("OVER"):
            end = after + 2
            if self.toks[after + 1].is_op("("):
                end = match_paren(self.toks, after + 1) + 1
        over = self.rewrite(after, end, allow_from=False) if end > after else ""
        texts = [self.rewrite(a, b, allow_from=False) for a, b in args]
        checked = sample_checked(call, texts, over)
        return (call, after) if checked is None else (checked, end)

    def _note_aggregate(self, aggregate: bool, after: int) -> None:
        """Record a call followed by OVER as a window function, else an aggregate."""
        if self.toks[after].is_word("OVER"):
            self.scope.window_functions = True
        elif aggregate:
            self.scope.aggregating = True

    def _args_text(self, args: list[tuple[int, int]], unifying: bool = False,
                   typed: Collection[int] = ()) -> list[str]:
        """Rewritten arguments; bool expressions (lambda bodies included) are typed bool
        unless the function unifies its arguments' types (then only those at ``typed``)."""
        if not self.ctx.bool_results:
            return [self.rewrite(a, b, allow_from=False) for a, b in args]
        return [self._bool_typed(a, b) if not unifying or k in typed
                else self.rewrite(a, b, allow_from=False) for k, (a, b) in enumerate(args)]

    def _bool_array(self, open_index: int) -> bool:
        """An array literal of bool elements only: Proton types it array(bool)."""
        return (self.ctx.bool_results and is_array_literal(self.toks, open_index)
                and all_bool_elements(self.toks, open_index))

    def _array_literal(self, i: int, out: list[str]) -> int:
        """``[...]``: elements typed bool if all are (array(bool), as in Proton), the first
        cast where chDB would make the array Bool beside numbers (see unify.py)."""
        close = match_paren(self.toks, i)
        elements = split_args(self.toks, i + 1, close)
        if self._bool_array(i):
            texts = self._args_text(elements)
        else:
            texts = [self.rewrite(a, b, allow_from=False) for a, b in elements]
        cast_first_operands(self.toks, [Group(tuple(elements))], elements, texts)
        out.append(f"{self.toks[i].pre}[" + ",".join(texts) + f"{self.toks[close].pre}]")
        return close + 1

    def _ternary(self, i: int, start: int, end: int, starts: dict[int, int],
                 out: list[str]) -> int:
        """``c ? a : b``: the branches, the first cast as unify.py says (chDB's if); only the
        chosen branch where Proton folds a constant ``c`` (constif.py)."""
        branches = ternary_branches(self.toks, i, end)
        assert branches is not None
        condition = ternary_condition(self.toks, i, start)
        if condition is not None:
            chosen = branches[0] if condition_value(self.toks, condition, i) else branches[1]
            pre = self.toks[condition].pre
            del out[starts[condition]:]
            out.append(pre + self._folded_branch(condition, chosen).lstrip())
            return branches[1][1]
        texts = [self.rewrite(a, b, allow_from=False) for a, b in branches]
        cast_first_operands(self.toks, [Group(tuple(branches))], branches, texts)
        colon = branches[0][1]
        out.append(f"{self.toks[i].pre}?{texts[0]}{self.toks[colon].pre}:{texts[1]}")
        return branches[1][1]

    def _folded_branch(self, at: int, branch: tuple[int, int]) -> str:
        """The branch an ``if`` at ``at`` with a constant condition is folded to: typed bool
        where it is bool and the ``if`` was not beside numbers."""
        unified = in_unifying_position(self.toks, at)
        first = self.toks[branch[0]]
        if branch[1] - branch[0] == 1 and first.is_word("TRUE", "FALSE"):
            value = ("1" if first.is_word("TRUE") else "0") if unified else first.text
            return first.pre + value  # not beside the other branch any more
        if self.ctx.bool_results and not unified:
            return self._bool_typed(*branch)
        return self.rewrite(*branch, allow_from=False)

    def _case(self, i: int, out: list[str], typed_bool: bool) -> int:
        """A CASE: its THEN/ELSE values typed bool when ``typed_bool`` (all are bool: Proton's
        CASE is bool then), else the first cast as unify.py says; returns the index of its
        END, left to the caller."""
        out.append(self.toks[i].pre + self.toks[i].text)
        branches = case_branches(self.toks, i)
        if typed_bool:
            texts = [self._bool_typed(a, b) for a, b in branches]
        else:
            texts = [self.rewrite(a, b, allow_from=False) for a, b in branches]
            cast_first_operands(self.toks, [Group(tuple(branches))], branches, texts)
        at = i + 1
        for (a, b), text in zip(branches, texts):
            out += [self.rewrite(at, a, allow_from=False), text]
            at = b
        return at

    def _bool_typed(self, start: int, end: int) -> str:
        arrow = next((i for i in top_level(self.toks, start, end) if self.toks[i].is_op("->")),
                     None)
        if arrow is not None:
            return self.rewrite(start, arrow + 1, allow_from=False) + self._bool_typed(arrow + 1,
                                                                                        end)
        text = self.rewrite(start, end, allow_from=False)
        if not is_bool_expression(self.toks, start, end):
            return text
        lead = text[: len(text) - len(text.lstrip())]
        return f"{lead}{fn.BOOL_WRAPPER}({text[len(lead):]})"

    def _plain_call(self, name: str, written: str, args: list[tuple[int, int]],
                    unifying: bool) -> tuple[str, bool]:
        """Text up to (not including) the closing parenthesis, and whether it aggregates;
        ``unifying``: the arguments' types are unified (bools stay UInt8, see booleans.py)."""
        in_map = name in ("map", "map_cast")
        texts = self._args_text(args, unifying,
                                map_bool_arguments(self.toks, args) if in_map else ())
        cast_first_operands(self.toks, unified_groups(name, args), args, texts)
        if name == "to_type_name":
            return fn.TYPE_NAME_FUNCTION + "(" + ",".join(texts), False
        if name in fn.PERCENTILES:
            return f"quantile({fn.PERCENTILES[name]})(" + ",".join(texts), True
        if name in ("top_k", "top_k_weighted"):
            return top_k_call(name, texts), True
        resolved = fn.resolve_function(written)
        if resolved.ch_name == "currentDatabase" and self.ctx.database not in (None, "default"):
            raise TranslationError(  # chDB would answer its own current database, 'default'
                NOT_IMPLEMENTED, f"{written}() with a current database other than default "
                "(?db=) is not supported by the emulator")
        arg_tokens = [self.toks[a:b] for a, b in args]
        check_call(name, arg_tokens)
        helper = helper_for(name, arg_tokens)
        if helper is not None:
            return helper + "(" + ",".join(texts), False
        texts = adjusted_arguments(name, argument_texts(name, arg_tokens, texts))
        if resolved.ch_name in UNIX_TIME_PARSERS and texts and not (
                self.ctx.values_row or self.ctx.ddl):
            texts[0] = unix_digits_argument(arg_tokens[0], texts[0],
                                            reads_datetime64(resolved.ch_name, arg_tokens))
        if not (self.ctx.values_row or self.ctx.ddl):
            texts = checked_arguments(resolved.ch_name, texts)
        split = fn.parametric_split(name, len(texts)) if resolved.aggregate else None
        if split is not None:
            params = ",".join(texts[split[1]]).strip()
            return f"{resolved.ch_name}({params})(" + ",".join(texts[split[0]]), True
        if resolved.ch_name in YEAR_FILLING and texts:
            return year_2000_call(resolved.ch_name, texts, self.ctx.values_row), False
        if resolved.ch_name == "substringUTF8" and len(texts) == 3:
            return SUBSTRING_UTF8 + "(" + ",".join(texts), False
        if resolved.ch_name in HIGHER_ORDER_FUNCTIONS and len(args) >= 2:
            texts[0] = self._function_argument(args[0], texts[0])
        return resolved.ch_name + "(" + ",".join(texts), resolved.aggregate

    def _function_argument(self, arg: tuple[int, int], text: str) -> str:
        """The first argument of a higher-order function: a name there is a function (chDB
        calls ``array_map(f, arr)`` with ``f``), so it passes the function allow-list."""
        start, end = arg
        tok = self.toks[start]
        if end - start != 1 or tok.kind not in (Kind.IDENT, Kind.QUOTED_IDENT):
            return text
        pos = end  # array_fold(acc, x -> acc + x, ...): the lambda's first parameter
        while self.toks[pos].is_op(",") and self.toks[pos + 1].kind in (Kind.IDENT,
                                                                       Kind.QUOTED_IDENT):
            if self.toks[pos + 2].is_op("->"):
                return text
            pos += 2
        return tok.pre + self._function_name(name_of(tok))

    def _parametric_call(self, i: int, close: int, out: list[str]) -> int:
        tok = self.toks[i]
        resolved = fn.resolve_function(name_of(tok))
        params = self.rewrite(i + 2, close, allow_from=False)
        close2 = match_paren(self.toks, close + 1)
        args = self.rewrite(close + 2, close2, allow_from=False)
        self._note_aggregate(resolved.aggregate, close2 + 1)
        out.append(f"{tok.pre}{resolved.ch_name}({params}{self.toks[close].pre})"
                   f"({args}{self.toks[close2].pre})")
        return close2 + 1

    def _cast(self, written: str, args: list[tuple[int, int]], close: int) -> str:
        ch_name = fn.resolve_function(written).ch_name
        if len(args) not in (1, 2):
            raise TranslationError(
                BAD_ARGUMENTS, f"Function {written} expects (x AS type) or (x, 'type')"
            )
        if len(args) == 1:
            start, end = args[0]
            as_index = self._top_level_as(start, end)
            if as_index is None:
                raise TranslationError(SYNTAX_ERROR, f"Syntax error: {written} needs AS type")
            expr = self.rewrite(start, as_index, allow_from=False)
            node, nxt = parse_type_tokens(self.toks, as_index + 1, self._function_name)
            if nxt != end:
                raise TranslationError(SYNTAX_ERROR, "Syntax error: unexpected text after type")
            type_pre = self.toks[as_index + 1].pre
            return self._range_checked(
                f"{ch_name}({expr}{self.toks[as_index].pre}AS{type_pre}"
                f"{render_clickhouse(node)}{self.toks[close].pre})", node)
        texts = self._args_text(args)
        type_start, type_end = args[1]
        if type_end - type_start == 1 and self.toks[type_start].kind is Kind.STRING:
            type_tok = self.toks[type_start]
            node = parse_timeplus_type(unquote(type_tok.text))
            texts[1] = type_tok.pre + quote_string(render_clickhouse(node))
            return self._range_checked(
                f"{ch_name}(" + ",".join(texts) + self.toks[close].pre + ")", node)
        return f"{ch_name}(" + ",".join(texts) + self.toks[close].pre + ")"

    def _range_checked(self, cast_text: str, node: TypeNode) -> str:
        """A cast refused where it makes a date Proton would clamp (legacy.checked_cast);
        inside ``INSERT ... VALUES`` the column's constraint refuses it instead."""
        return cast_text if self.ctx.values_row else checked_cast(cast_text, node)

    def _double_colon(self, i: int, starts: dict[int, int], out: list[str]) -> int:
        """``x::type`` at ``i``; a type holding date32/datetime64 is range-checked, which
        needs the operand's text: the items since its first token."""
        node, nxt = parse_type_tokens(self.toks, i + 1, self._function_name)
        tok = self.toks[i]
        cast_text = "::" + self.toks[i + 1].pre + render_clickhouse(node)
        first = operand_start(self.toks, i, lambda bracket: bracket not in starts or (
            self.toks[bracket].is_op("[") and not is_array_literal(self.toks, bracket)))
        if self.ctx.values_row or range_check(node, "x") is None:
            out.append(tok.pre + cast_text)
            return nxt
        if first not in starts:
            raise TranslationError(NOT_IMPLEMENTED, "A '::' cast to a type holding date32 or "
                                   "datetime64 after this operand is not supported by the "
                                   "emulator (write cast(x AS type))")
        operand = "".join(out[starts[first]:])
        del out[starts[first]:]
        stripped = operand.lstrip()
        out.append(operand[: len(operand) - len(stripped)]
                   + checked_cast(f"({stripped}{tok.pre}{cast_text})", node))
        return nxt

    def _float_in_list(self, i: int) -> Optional[tuple[int, list[tuple[int, int]], bool]]:
        """``[NOT] IN (...)`` at ``i`` whose list holds a float literal: its closing index,
        its elements, and whether all are number literals."""
        at = i + 1 if self.toks[i].is_word("NOT") else i
        if not self.toks[at].is_word("IN") or not self.toks[at + 1].is_op("(") \
                or self.toks[at + 2].is_word("SELECT", "WITH"):
            return None
        close = match_paren(self.toks, at + 1)
        elements = split_args(self.toks, at + 2, close)
        numbers = float_list(self.toks, elements)
        return None if numbers is None else (close, elements, numbers)

    def _decimal_in(self, i: int, start: int, starts: dict[int, int], out: list[str],
                    close: int, elements: list[tuple[int, int]], numbers: bool) -> int:
        """``x [NOT] IN (1.5, ...)`` answering as Proton for a decimal ``x`` (decimalin.py)."""
        first = check_operand(self.toks, operand_start(
            self.toks, i, lambda bracket: self._is_call(bracket - 1) and (
                self.toks[bracket - 1].upper not in NOT_FUNCTIONS)), start)
        if first not in starts:
            raise TranslationError(NOT_IMPLEMENTED, "IN with a float literal after this left "
                                   "operand is not supported by the emulator")
        operand = "".join(out[starts[first]:])
        del out[starts[first]:]
        texts = [self.rewrite(a, b, allow_from=False) for a, b in elements]
        out.append(decimal_in(operand, self.toks[i].is_word("NOT"), texts, numbers))
        return close + 1

    def _top_level_as(self, start: int, end: int) -> Optional[int]:
        """The last top-level ``AS`` in ``[start, end)``."""
        found: Optional[int] = None
        for i in top_level(self.toks, start, end):
            if self.toks[i].is_word("AS"):
                found = i
        return found

    # ------------------------------------------------------------- FROM items
    def from_items(self, i: int, end: int, out: list[str], many: bool) -> int:
        """Rewrite one FROM/JOIN item (and following comma-separated ones if ``many``)."""
        i = self.from_item(i, end, out)
        while many and i < end and self.toks[i].is_op(","):
            out.append(self.toks[i].pre + ",")
            i = self.from_item(i + 1, end, out)
        return i

    def from_item(self, i: int, end: int, out: list[str]) -> int:
        """Rewrite one FROM item starting at ``i``; return the index after it."""
        from timeplus_emulator.sql.sources import SourceParser

        return SourceParser(self).parse(i, end, out)

    def add_source(self, source: Source) -> str:
        """Register ``source`` and return its placeholder text."""
        if self.ctx.force_historical and not source.historical:
            source = Source(source.database, source.name, source.alias, True, source.window)
        self.ctx.sources.append(source)
        index = len(self.ctx.sources) - 1
        self.scope.source_indexes.append(index)
        return placeholder(index)

    def inline_view(self, view_sql: str, historical: bool, database: Optional[str]) -> str:
        """Translate a non-materialized view's SELECT text as a nested query; its unqualified
        names resolve in ``database``, the view's own database."""
        if self.ctx.view_depth >= _MAX_VIEW_DEPTH:
            raise TranslationError(NOT_IMPLEMENTED, "Views nested too deeply (a cycle?)")
        tokens = tokenize(view_sql)
        saved = (self.ctx.cte_names, self.ctx.force_historical, self.ctx.database)
        self.ctx.database = database
        tokens = mark_bool_columns(tokens, in_database(self.ctx.column_types, database),
                                   collect_cte_names(tokens))
        self.ctx.view_depth += 1
        self.ctx.cte_names = collect_cte_names(tokens)
        self.ctx.force_historical = saved[1] or historical
        end = len(tokens) - 1
        tail = top_level_index(tokens, 0, end, "EMIT", "SETTINGS")
        try:
            inner, _ = Rewriter(tokens, self.ctx).select_scope(0, end if tail is None else tail)
        finally:
            self.ctx.view_depth -= 1
            self.ctx.cte_names, self.ctx.force_historical, self.ctx.database = saved
        return inner.strip()


def make_window(kind: str, time_column: str, size_sql: str, size_seconds: float,
                step: Optional[tuple[str, float]], timezone: Optional[str]) -> Window:
    """Build a :class:`Window` with the ClickHouse expressions for its bounds."""
    tz = quote_string(timezone or "UTC")
    zone_arg = f", {tz}" if timezone else ""  # no zone given: keep the column's own type
    if kind == "tumble":
        start = (f"toDateTime64(toStartOfInterval({time_column}, {size_sql}{zone_arg}), "
                 f"3{zone_arg})")
    elif kind == "hop" and step is not None:
        step_ms = round(step[1] * 1000)
        size_ms = round(size_seconds * 1000)
        t_ms = f"toUnixTimestamp64Milli(toDateTime64({time_column}, 3, {tz}))"
        count = -(-size_ms // step_ms)
        starts = (f"arrayFilter(__tp_s -> __tp_s + {size_ms} > {t_ms}, arrayMap(__tp_k -> "
                  f"intDiv({t_ms}, {step_ms}) * {step_ms} - __tp_k * {step_ms}, range({count})))")
        start = f"fromUnixTimestamp64Milli(arrayJoin({starts}){zone_arg})"
    else:
        raise TranslationError(NOT_IMPLEMENTED, f"{kind} windows are not supported by the emulator")
    if not timezone:  # window_start/window_end have the time column's type, as in Proton
        start = f"CAST({start}, toTypeName({time_column}))"
    end = f"window_start + {size_sql}"
    return Window(
        "tumble" if kind == "tumble" else "hop", time_column, size_sql, size_seconds,
        step[0] if step else None, step[1] if step else None, timezone, start, end,
    )
