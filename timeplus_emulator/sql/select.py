"""SELECT statements: tail clauses (EMIT, SETTINGS, LIMIT), streaming checks.

Owns: building a :class:`SelectStatement` from the tokens of one query: the
rewritten ClickHouse text, Timeplus-only settings, the EMIT policy, output column
names, and the reason (if any) the engine cannot run it as a streaming query.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import Callable, Optional

from timeplus_emulator.sql.aliases import short_names
from timeplus_emulator.sql.allowlist import (
    QUERY_SETTINGS,
    TIMEPLUS_SETTINGS,
    passed_setting,
    setting_values,
)
from timeplus_emulator.sql.booleans import BOOL_WORDS, is_bool_expression, is_bool_value
from timeplus_emulator.sql.errors import (
    BAD_ARGUMENTS,
    ILLEGAL_TYPE_OF_ARGUMENT,
    INVALID_LIMIT_EXPRESSION,
    NOT_IMPLEMENTED,
    SYNTAX_ERROR,
    WINDOW_COLUMN_NOT_REFERENCED,
    TranslationError,
)
from timeplus_emulator.sql.intervals import UNIT_SECONDS, require_interval
from timeplus_emulator.sql.model import SelectStatement
from timeplus_emulator.sql.modifiers import grouping_or_fill_modifier
from timeplus_emulator.sql.rewriter import (
    Context,
    Rewriter,
    Scope,
    split_args,
    top_level,
    top_level_index,
)
from timeplus_emulator.sql.seek import event_time_comparisons
from timeplus_emulator.sql.tokens import Kind, Token, name_of

SUPPORTED_EMITS = frozenset({"periodic", "after_window_close"})


@dataclass(frozen=True)
class Emit:
    """A parsed EMIT clause."""

    kind: str
    periodic_seconds: Optional[float] = None


def parse_emit(tokens: list[Token], start: int, end: int) -> Optional[Emit]:
    """Parse the words after EMIT. Proton's ``EMIT STREAM`` names its default mode (the
    other is ``CHANGELOG``): ``EMIT STREAM`` alone is no EMIT clause, ``EMIT STREAM PERIODIC
    5s`` is ``EMIT PERIODIC 5s``; its ``AFTER WATERMARK`` is Timeplus's ``AFTER WINDOW CLOSE``
    (``ParserEmitQuery``)."""
    if start < end and tokens[start].is_word("STREAM"):
        start += 1
        if start == end:
            return None
    words = [t.upper for t in tokens[start:end]]
    if words[:2] == ["AFTER", "WATERMARK"]:
        return Emit("after_window_close" if len(words) == 2 else "after_window_close_with_delay")
    if words[:1] == ["PERIODIC"]:
        repeat = words[-1:] == ["REPEAT"]
        interval_end = end - 1 if repeat else end
        interval = require_interval(tokens[start + 1 : interval_end], "EMIT PERIODIC interval")
        if UNIT_SECONDS[interval.unit] > UNIT_SECONDS["Day"]:  # Proton's checkIntervalAST
            raise TranslationError(ILLEGAL_TYPE_OF_ARGUMENT, "Invalid EMIT PERIODIC interval: "
                                   "the max interval kind supported is DAY.")
        return Emit("periodic_repeat" if repeat else "periodic", interval.seconds)
    if words[:3] == ["AFTER", "WINDOW", "CLOSE"]:
        return Emit("after_window_close" if len(words) == 3 else "after_window_close_with_delay")
    known = {("ON", "UPDATE"): "on_update", ("PER", "EVENT"): "per_event"}
    if tuple(words[:2]) in known:
        return Emit(known[(words[0], words[1])])
    if words[:1] in (["CHANGELOG"], ["STREAM"], ["LAST"], ["TIMEOUT"], ["ON"]):
        return Emit(words[0].lower())
    raise TranslationError(SYNTAX_ERROR, "Syntax error: unknown EMIT policy " + " ".join(words))


def _is_zero(text: str) -> bool:
    try:
        return float(text) == 0
    except ValueError:
        return False


#: Timeplus settings that change the rows a query gives, which the emulator runs only at
#: Proton's default: ``replay_speed`` (0: no replay at the original pace),
#: ``asterisk_include_tp_sn_column``, ``emit_during_backfill``, ``force_backfill_in_order``.
_DEFAULT_ONLY: dict[str, Callable[[str], bool]] = {
    "replay_speed": _is_zero,
    "asterisk_include_tp_sn_column": lambda v: v in ("false", "0"),
    "emit_during_backfill": lambda v: v in ("false", "0"),
    "force_backfill_in_order": lambda v: v in ("false", "0"),
}


def references_window_columns(tokens: list[Token]) -> bool:
    """Whether the query names ``window_start`` or ``window_end``, or has a ``*`` that may
    stand for them (not ``count(*)``, not a product)."""
    for i, tok in enumerate(tokens):
        if tok.kind in (Kind.IDENT, Kind.QUOTED_IDENT) and \
                name_of(tok).lower() in ("window_start", "window_end"):
            return True
        if tok.is_op("*") and i > 0:
            before = tokens[i - 1]
            counted = before.is_op("(") and i > 1 and tokens[i - 2].is_word("COUNT")
            if not counted and (before.is_word("SELECT", "DISTINCT", "ALL")
                                or before.is_op(",", ".", "(")):
                return True
    return False


def substream_at(tokens: list[Token]) -> Optional[int]:
    """Index of a ``PARTITION BY`` of a query (Proton's substreams: ``FROM s PARTITION BY k
    GROUP BY ...``), not of a window specification (``OVER (PARTITION BY ...)``)."""
    opened: list[int] = []
    for i, tok in enumerate(tokens):
        if tok.is_op("("):
            opened.append(i)
        elif tok.is_op(")") and opened:
            opened.pop()
        elif tok.is_word("PARTITION") and tokens[i + 1].is_word("BY"):
            spec = opened and opened[-1] > 0 and tokens[opened[-1] - 1].is_word("OVER", "AS")
            if not spec:
                return i
    return None


def select_items(tokens: list[Token], start: int, end: int) -> Optional[list[tuple[int, int]]]:
    """Token ranges of the outer select items; None when the list has ``*`` or no SELECT."""
    select = top_level_index(tokens, start, end, "SELECT")
    if select is None:
        return None
    first = select + 1
    if tokens[first].is_word("DISTINCT", "ALL"):
        first += 1
    stop = top_level_index(
        tokens, first, end, "FROM", "WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "UNION",
        "SETTINGS", "EMIT", "FORMAT", "INTO", "WINDOW", "QUALIFY", "EXCEPT", "INTERSECT",
    )
    items = split_args(tokens, first, end if stop is None else stop)
    if any(_has_star(tokens[a:b]) for a, b in items):
        return None
    return items


def output_names(tokens: list[Token], start: int, end: int) -> Optional[tuple[Optional[str], ...]]:
    """Timeplus names of the outer select items where the text fixes them."""
    items = select_items(tokens, start, end)
    if items is None:
        return None
    short = short_names(tokens, items)  # t.c beside the same column aliased c: named c
    return tuple(short.get(k) or _item_name(tokens[a:b]) for k, (a, b) in enumerate(items))


def bool_ranges(tokens: list[Token], items: list[tuple[int, int]],
                test: Callable[[list[Token], int, int], bool] = is_bool_expression,
                ) -> tuple[tuple[int, int, int], ...]:
    """``(position, start, end)`` of the select items that Proton types ``bool`` by their
    outermost operator (:func:`~timeplus_emulator.sql.booleans.is_bool_expression`), or
    by another ``test``.

    The range excludes a trailing ``AS alias``; items with an alias without AS are left alone.
    """
    found = []
    for position, (a, b) in enumerate(items):
        if b - a >= 3 and tokens[b - 2].is_word("AS"):
            b -= 2
        elif b - a >= 2 and tokens[b - 1].kind in (Kind.IDENT, Kind.QUOTED_IDENT) and not (
                tokens[b - 2].kind is Kind.OP and not tokens[b - 2].is_op(")", "]")) \
                and not tokens[b - 1].is_word("NULL") and not tokens[b - 2].is_word(*BOOL_WORDS):
            continue  # an alias without AS (or a keyword at the end): leave it
        if test(tokens, a, b):
            found.append((position, a, b))
    return tuple(found)


def nested_bool_items(tokens: list[Token], start: int, end: int) -> list[tuple[int, int]]:
    """The select items of a subquery, CTE or view body that Proton types bool (none beside
    ``*`` or in a UNION/INTERSECT/EXCEPT). A bool item read beside numbers outside is cast
    back where Proton unifies it (see unify.py)."""
    if any(tokens[i].is_word("UNION", "INTERSECT", "EXCEPT")
           for i in top_level(tokens, start, end)):
        return []
    items = select_items(tokens, start, end)
    return [] if items is None else [(a, b) for _, a, b in bool_ranges(tokens, items)]


_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult)


def _constant_value(node: ast.AST) -> Optional[int]:
    """The value of integer arithmetic (``0 - 1``, ``(2 + 3) * 4``); None for anything else."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _constant_value(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.BinOp) and isinstance(node.op, _ARITHMETIC):
        left, right = _constant_value(node.left), _constant_value(node.right)
        if left is None or right is None:
            return None
        return left + right if isinstance(node.op, ast.Add) else \
            left - right if isinstance(node.op, ast.Sub) else left * right
    return None


def check_limit_values(tokens: list[Token]) -> None:
    """Refuse a LIMIT/OFFSET whose integer value is negative, as Proton does (code 440);
    chDB would read a negative LIMIT as "the last n rows"."""
    for i, tok in enumerate(tokens):
        if not tok.is_word("LIMIT", "OFFSET") and not (
                tok.is_op(",") and i >= 2 and tokens[i - 2].is_word("LIMIT")):
            continue
        j = i + 1
        while tokens[j].kind is Kind.NUMBER or tokens[j].is_op("+", "-", "*", "(", ")"):
            j += 1
        text = "".join(t.pre + t.text for t in tokens[i + 1 : j]).strip()
        while text.count(")") > text.count("("):
            text = text[: text.rindex(")")]
        try:
            value = _constant_value(ast.parse(text, mode="eval").body)
        except (SyntaxError, ValueError):
            continue
        if value is not None and value < 0:
            word = "OFFSET" if tok.is_word("OFFSET") else "LIMIT"
            raise TranslationError(INVALID_LIMIT_EXPRESSION, f"The value {value} of {word} "
                                   "expression is not representable as uint64")


def _has_star(item: list[Token]) -> bool:
    for i, tok in enumerate(item):
        if tok.is_op("*") and (i == 0 or item[i - 1].is_op(".")):
            return True
        if tok.is_word("COLUMNS") and item[i + 1 : i + 2] and item[i + 1].is_op("("):
            return True
    return False


def _item_name(item: list[Token]) -> Optional[str]:
    names = (Kind.IDENT, Kind.QUOTED_IDENT)
    if len(item) >= 3 and item[-2].is_word("AS") and item[-1].kind in names:
        return name_of(item[-1])
    if len(item) == 1 and item[0].kind in names:
        return name_of(item[0])
    if len(item) == 1 and item[0].kind is Kind.INTERVAL:
        return item[0].text
    if any(t.is_op(":") for t in item) and all(t.kind in names or t.is_op(":", ".")
                                               for t in item):
        return "".join(t.text for t in item)
    return None


# Proton counts the rows it reads after its primary key and skip indexes pruned them; the
# emulator reads every row of a stream and chDB's stream storage does not count them
# (00990_hasToken_and_tokenbf: Proton answers or refuses, 158, by its token index).
_ROWS_TO_READ = ("SETTINGS max_rows_to_read on a query that reads a stream is not supported by "
                 "the emulator (Proton counts the rows left after index pruning, which the "
                 "emulator does not do)")


class SelectTranslator:
    """Translates one SELECT (the whole statement or the body of INSERT/CREATE VIEW)."""

    def __init__(self, tokens: list[Token], ctx: Context, bool_comparisons: bool = False) -> None:
        """``bool_comparisons``: type results ``bool`` where Proton does (a query's own
        result without UNION/INTERSECT/EXCEPT; INSERT ... SELECT and view bodies keep
        chDB's types)."""
        self.toks = tokens
        self.ctx = ctx
        self.bool_comparisons = bool_comparisons
        self.set_operation = False
        self.distinct = False

    def translate(self, start: int, end: int) -> SelectStatement:
        self._reject_output_clauses(start, end)  # before SETTINGS, which FORMAT may follow
        if substream_at(self.toks) is not None:
            raise TranslationError(NOT_IMPLEMENTED, "PARTITION BY in a SELECT (Proton's "
                                   "substreams) is not supported by the emulator")
        emit_at = top_level_index(self.toks, start, end, "EMIT")
        settings_at = top_level_index(self.toks, start, end, "SETTINGS")
        body_end = min(i for i in (emit_at, settings_at, end) if i is not None)
        emit = None
        if emit_at is not None:
            emit_end = settings_at if settings_at is not None and settings_at > emit_at else end
            emit = parse_emit(self.toks, emit_at + 1, emit_end)
        settings_sql = ""
        tp_settings: dict[str, str] = {}
        if settings_at is not None:
            settings_end = emit_at if emit_at is not None and emit_at > settings_at else end
            settings_sql, tp_settings = self._settings(settings_at, settings_end)
        self.set_operation = self._has_set_operation(start, body_end)
        self.ctx.bool_results = self.bool_comparisons and not any(
            tok.is_word("UNION", "INTERSECT", "EXCEPT") for tok in self.toks)
        self.ctx.nested_bool_items = nested_bool_items
        bools = self._bool_items(start, body_end)
        rewriter = Rewriter(self.toks, self.ctx)
        body, scope = rewriter.select_scope(start, body_end, [(a, b) for _, a, b in bools])
        select_at = top_level_index(self.toks, start, body_end, "SELECT")
        self.distinct = select_at is not None and self.toks[select_at + 1].is_word("DISTINCT")
        check_limit_values(self.toks)
        limit, offset = self._limit(start, body_end)
        statement = self._statement(body + settings_sql, scope, emit, tp_settings, limit, offset,
                                    output_names(self.toks, start, body_end))
        if statement.sources and "max_rows_to_read" in settings_sql:
            raise TranslationError(NOT_IMPLEMENTED, _ROWS_TO_READ)
        return statement

    def _bool_items(self, start: int, end: int) -> tuple[tuple[int, int, int], ...]:
        """Comparison items to return as bool: outer query only, not beside ``*`` or UNION."""
        if not self.bool_comparisons:
            return ()
        if self.set_operation:
            return self._set_operation_bool_items(start, end)
        items = select_items(self.toks, start, end)
        return () if items is None else bool_ranges(self.toks, items)

    def _set_operation_bool_items(self, start: int, end: int
                                  ) -> tuple[tuple[int, int, int], ...]:
        """Items of a UNION/INTERSECT/EXCEPT that are bool in every branch (their common
        type is bool in Proton); a position with a non-bool in any branch stays UInt8."""
        per_branch = []
        for a, b in self._set_branches(start, end):
            items = select_items(self.toks, a, b)
            if items is None:
                return ()
            per_branch.append((len(items), bool_ranges(self.toks, items, is_bool_value)))
        if len({count for count, _ in per_branch}) != 1:
            return ()
        common = set.intersection(*({p for p, _, _ in found} for _, found in per_branch))
        return tuple(sorted((item for _, found in per_branch for item in found
                             if item[0] in common), key=lambda item: item[1]))

    def _set_branches(self, start: int, end: int) -> list[tuple[int, int]]:
        """The SELECTs that top-level UNION/INTERSECT/EXCEPT combine (one if none)."""
        toks, branches, at = self.toks, [], start
        for i in top_level(toks, start, end):
            if toks[i].is_word("UNION", "INTERSECT") or (
                    toks[i].is_word("EXCEPT") and not toks[i - 1].is_op("*")):
                branches.append((at, i))
                at = i + 2 if toks[i + 1].is_word("ALL", "DISTINCT") else i + 1
        return [*branches, (at, end)]

    def _reject_output_clauses(self, start: int, end: int) -> None:
        at = top_level_index(self.toks, start, end, "FORMAT", "OUTFILE")
        if at is not None:
            raise TranslationError(
                NOT_IMPLEMENTED,
                f"{self.toks[at].text.upper()} is not supported: results are always sent as SSE",
            )

    def _has_set_operation(self, start: int, end: int) -> bool:
        return len(self._set_branches(start, end)) > 1

    def _settings(self, at: int, end: int) -> tuple[str, dict[str, str]]:
        tp: dict[str, str] = {}
        passed: list[str] = []
        for setting in setting_values(self.toks, at + 1, end):
            if setting.name.lower() in TIMEPLUS_SETTINGS:
                tp[setting.name.lower()] = setting.value
            else:
                passed += passed_setting(setting, QUERY_SETTINGS)
        for name, value in tp.items():
            if name in _DEFAULT_ONLY and not _DEFAULT_ONLY[name](value.strip("'\"").lower()):
                raise TranslationError(NOT_IMPLEMENTED, f"SETTINGS {name} = {value} is not "
                                       "supported by the emulator (only its default)")
        reserved = tp.get("asterisk_include_reserved_columns", "true").lower()
        self.ctx.hide_reserved = reserved in ("false", "0")
        mode = tp.get("query_mode")
        if mode is not None and mode not in ("table", "streaming"):
            raise TranslationError(BAD_ARGUMENTS, f"Invalid query_mode '{mode}'")
        return (" SETTINGS " + ", ".join(passed) if passed else ""), tp

    def _limit(self, start: int, end: int) -> tuple[Optional[int], Optional[int]]:
        at = top_level_index(self.toks, start, end, "LIMIT")
        if at is None:
            return None, None
        nums = self.toks[at + 1 : at + 4]
        if not nums or nums[0].kind is not Kind.NUMBER or not nums[0].text.isdigit():
            return None, None
        first = int(nums[0].text)
        if len(nums) >= 3 and nums[1].is_op(",") and nums[2].text.isdigit():
            return int(nums[2].text), first
        if len(nums) >= 3 and nums[1].is_word("OFFSET") and nums[2].text.isdigit():
            return first, int(nums[2].text)
        if len(nums) >= 2 and nums[1].is_word("BY"):
            return None, None
        return first, None

    def _statement(self, ch_sql: str, scope: Scope, emit: Optional[Emit],
                   tp_settings: dict[str, str], limit: Optional[int], offset: Optional[int],
                   names: Optional[tuple[Optional[str], ...]]) -> SelectStatement:
        if any(s.window is not None for s in self.ctx.sources) and \
                not references_window_columns(self.toks):
            raise TranslationError(  # Proton's InterpreterSelectQuery checks it (2002)
                WINDOW_COLUMN_NOT_REFERENCED, "Neither window_start nor window_end is "
                "referenced in the query, but streaming window function is used")
        seek_to = tp_settings.get("seek_to")
        if seek_to is None and (self.ctx.uses_earliest or self._event_time_predicate()):
            seek_to = "earliest"
        statement = SelectStatement(
            ch_sql=ch_sql.strip(),
            sources=tuple(self.ctx.sources),
            query_mode_table=tp_settings.get("query_mode") == "table",
            seek_to=seek_to,
            limit=limit,
            offset=offset,
            aggregating=scope.aggregating,
            emit=emit.kind if emit else None,
            emit_periodic_seconds=emit.periodic_seconds if emit else None,
            settings=tp_settings,
            output_names=names,
            system_tables=tuple(dict.fromkeys(self.ctx.system_tables)),
        )
        reason = self._streaming_problem(statement, scope)
        if reason is None:
            return statement
        return replace(statement, unsupported_streaming_reason=reason)

    def _event_time_predicate(self) -> bool:
        """A WHERE compares the ``_tp_time`` of a stream read live (unqualified, or named by
        its alias): Proton starts that read in the past (:mod:`~.seek`)."""
        live = {n for s in self.ctx.sources if not s.historical for n in (s.alias, s.name)}
        return bool(live) and any(q is None or q in live for q in event_time_comparisons(self.toks))

    def _streaming_problem(self, st: SelectStatement, scope: Scope) -> Optional[str]:
        streams = [s for s in st.sources if not s.historical]
        modifier = grouping_or_fill_modifier(self.toks)
        checks = (
            (len(streams) > 1,
             "joining or combining two streams is not supported by the emulator; "
             "read all but one of them with table()"),
            (st.emit is not None and st.emit not in SUPPORTED_EMITS,
             f"EMIT {st.emit} is not supported by the emulator; "
             "use EMIT PERIODIC or EMIT AFTER WINDOW CLOSE"),
            (scope.window_functions,
             "window functions (OVER ...) are not supported by the emulator in streaming queries"),
            (st.emit in ("periodic", "periodic_repeat") and st.aggregating
             and any(s.window is not None for s in streams),
             "EMIT PERIODIC on a tumble/hop window aggregation (Proton emits the open windows "
             "periodically) is not supported by the emulator"),
            (self.ctx.nested_aggregation_over_stream,
             "aggregation inside a subquery over a stream is not supported by the emulator"),
            (self.ctx.stream_in_expression,
             "reading a stream inside IN (...) or a scalar subquery is not supported by the "
             "emulator; use table() there"),
            (self.distinct and not scope.aggregating,
             "SELECT DISTINCT over a stream is not supported by the emulator; "
             "use GROUP BY or table()"),
            (self.set_operation and bool(streams),
             "UNION/INTERSECT/EXCEPT with a stream is not supported by the emulator in "
             "streaming queries"),
            (st.offset is not None, "LIMIT ... OFFSET is not supported in streaming queries"),
            (bool(streams) and modifier is not None,
             f"{modifier} is not supported by the emulator in streaming queries; use table()"),
        )
        for failed, reason in checks:
            if failed:
                return reason
        return None
