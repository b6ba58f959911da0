"""Operands whose types are unified: a ``bool`` beside numbers becomes a number, as in Proton.

Owns: deciding which operand of a unified group (``if``/``multi_if``/``?:`` branches,
``coalesce``/``if_null`` arguments, ``[...]`` elements, ``array_cast``/``array_concat`` arguments,
``map_cast`` keys and values, CASE branches, an array's elements beside a value in
``array_push_back``/``array_push_front``/``array_resize``/``transform``) chDB must receive
through a cast, and its text.

Why: chDB's ``Bool`` is a UInt8 under another name, and its least supertype of types that
are "equal" is the first of them, so ``if(c, boolcol, 5)`` is Bool there (5 reads ``true``)
while ``if(c, 5, boolcol)`` is UInt8. Proton's least supertype of bool and uint8 is uint8
(getLeastSupertype.cpp counts bool as a one-bit unsigned number), and bool only when every
operand is bool. So the first operand that is not NULL decides chDB's type, and only it
needs care:

* statically bool (a comparison, ``true``, a bool function): the rewriter's
  :func:`~timeplus_emulator.sql.booleans.in_unifying_position` sends it as UInt8 already;
  beside operands whose types only chDB knows (and no surely non-bool one) it is typed Bool
  again and cast as below (so it stays bool beside a bool);
* surely not bool (a number, a string, arithmetic): nothing to do;
* anything else (a column — a stream's bool column too, though the catalog marks it bool
  for the all-bool test —, ``to_bool(x)``, ``max(b)``, a subquery's column): its type is
  known only to chDB, so it is sent as ``UINT8_CAST(x)`` — ``x`` cast to its own type with
  ``Bool`` replaced by ``UInt8`` (``Array(Bool)`` → ``Array(UInt8)``, other types unchanged)
  — when a sibling is surely not bool, else as ``UNIFY_CAST(x, '<T1><T2>...')``, which does
  the same unless every sibling's type (``Nullable`` aside, NULL ignored) is ``x``'s own:
  the siblings' types are written as ``toTypeName(sibling)`` (``Bool`` for a static bool).

chDB types an aggregate's result (and ``array_join``'s) only after computing it, too late
for a CAST's type argument: ``max(b)``, ``any(b)``, ``arg_max(b, t)``... are cast from their
argument's type (``UINT8_CAST_as(max(b), b)``), ``array_join(a)`` from its array's element;
other aggregates never give bool. An expression over an aggregate (or a select alias of one)
cannot be cast: it is refused (48) where it holds a stream's bool column and left alone
otherwise (a known difference, listed in the emulator's compatibility table).

An integer literal from 2^32 to 2^64 - 1 in such a group is sent as ``WIDE_LITERAL(n)``
(``toUInt64``): its type is ``uint64`` in both, but chDB 26.9 lets such a literal join signed
siblings as ``Int64`` (``if_not_finite(1234567890123456789, -1)``, ``[5000000000, -1]``),
where Proton finds no common type of ``uint64`` and a signed integer (386,
getLeastSupertype.cpp); chDB does the same for a ``uint64`` that is not a literal.

The helpers are SQL functions the engine defines (:data:`HELPER_DDL`); result column names
show only their first argument (``reverse.to_timeplus_column_name``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from timeplus_emulator.sql import functions as fn
from timeplus_emulator.sql.booleans import is_bool_column, is_bool_value
from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, TranslationError
from timeplus_emulator.sql.tokens import Kind, Token, quote_string, tokenize

UINT8_CAST = "__tp_u8"
WIDE_LITERAL = "__tp_u64"
UNIFY_CAST = "__tp_unify"
#: helpers whose operand is written once in their body (see _helper_ddl)
ONCE_HELPERS = (UINT8_CAST, UNIFY_CAST)
MAX_PROBE_TEXT = 4000  # characters of sibling text copied into one UNIFY_CAST

OperandKind = Literal["null", "bool", "other", "unknown"]
Range = tuple[int, int]

_ARITHMETIC = ("+", "-", "*", "/", "%", "||")
_BOOL_TO_UINT8 = (r"(^|[(, ])Bool([),]|$)", r"\1UInt8\2")
_STRIP = r"Nullable\(|LowCardinality\(|\)|!"
_STRIP_TYPES = r"Nullable\(|LowCardinality\(|\)"  # the coalescing mark stays
_FIRST_NON_NULLABLE = "!"  # types prefix: x decides alone unless it is nullable (coalesce)


def _helper_ddl() -> tuple[str, ...]:
    """The helpers; ``t`` has the type the cast starts from (``x`` itself, or for an
    aggregate or ``array_join``, whose type chDB knows too late, its argument or element).
    Each body names ``x`` and ``types`` once: chDB expands a helper's arguments where its
    body names them, so a nested unified operand named twice per level grew the query
    2^depth times ("Query tree is too big" at 14 nested ifs). The ``_once`` forms bind
    ``x`` to a lambda parameter, so that ``t`` is ``x`` without writing ``x`` again."""
    pattern, replacement = map(quote_string, _BOOL_TO_UINT8)
    as_uint8 = f"replaceRegexpAll(toTypeName(t), {pattern}, {replacement})"
    strip = quote_string(_STRIP)
    own = f"concat('<', replaceRegexpAll(toTypeName(t), {strip}, ''), '>')"
    # the siblings' types left after taking out x's own and NULL's, behind N/F (t nullable
    # or not): nothing (or the coalescing mark alone) is alike; a coalescing mark with t not
    # nullable keeps t's type too
    left = (f"replaceAll(replaceAll(replaceRegexpAll(types, {quote_string(_STRIP_TYPES)}, ''), "
            f"{own}, ''), '<Nothing>', '')")
    keep = (f"match(concat(if(isNullable(t), 'N', 'F'), {left}), "
            f"'^[NF]{_FIRST_NON_NULLABLE}?$|^F{_FIRST_NON_NULLABLE}')")
    return (
        f"CREATE OR REPLACE FUNCTION {UINT8_CAST}_as AS (x, t) -> CAST(x, {as_uint8})",
        f"CREATE OR REPLACE FUNCTION {UNIFY_CAST}_as AS (x, t, types) -> "
        f"CAST(x, if({keep}, toTypeName(t), {as_uint8}))",
        f"CREATE OR REPLACE FUNCTION {UINT8_CAST} AS (x) -> {UINT8_CAST}_as(x, x)",
        f"CREATE OR REPLACE FUNCTION {UNIFY_CAST} AS (x, types) -> "
        f"{UNIFY_CAST}_as(x, x, types)",
        f"CREATE OR REPLACE FUNCTION {UINT8_CAST}_once AS (x) -> "
        f"arrayElement(arrayMap(__tp_o -> {UINT8_CAST}_as(__tp_o, __tp_o), [x]), 1)",
        f"CREATE OR REPLACE FUNCTION {UNIFY_CAST}_once AS (x, types) -> "
        f"arrayElement(arrayMap(__tp_o -> {UNIFY_CAST}_as(__tp_o, __tp_o, types), [x]), 1)",
        f"CREATE OR REPLACE FUNCTION {WIDE_LITERAL} AS (x) -> toUInt64(x)",
    )


HELPER_DDL = _helper_ddl()


def is_wide_unsigned(tokens: list[Token], index: int) -> bool:
    """The token at ``index`` is an integer literal typed ``uint64`` (2^32 .. 2^64 - 1), not
    negated (``-5000000000`` is an ``int64`` literal in both)."""
    tok = tokens[index]
    if tok.kind is not Kind.NUMBER or (index > 0 and tokens[index - 1].is_op("-")):
        return False
    text = tok.text.lower().replace("_", "")
    try:
        value = int(text[2:], 16 if text.startswith("0x") else 2) \
            if text.startswith(("0x", "0b")) else int(text)
    except ValueError:
        return False  # a float
    return 2 ** 32 <= value < 2 ** 64


def _enclosed(tokens: list[Token], start: int, end: int, open_op: str) -> bool:
    """``[start, end)`` is one bracket pair opened by ``open_op`` (``(x)``, ``[a, b]``)."""
    if end - start < 2 or not tokens[start].is_op(open_op):
        return False
    depth = 0
    for i in range(start, end):
        depth += tokens[i].is_op("(", "[") - tokens[i].is_op(")", "]")
        if depth == 0:
            return i == end - 1
    return False


def _elements(tokens: list[Token], start: int, end: int) -> list[Range]:
    from timeplus_emulator.sql.rewriter import split_args  # the rewriter imports this module

    return split_args(tokens, start, end)


def operand_kind(tokens: list[Token], start: int, end: int) -> OperandKind:
    """What the expression ``[start, end)`` is known to be before chDB types it."""
    if end - start == 1:
        tok = tokens[start]
        if tok.is_word("NULL"):
            return "null"
        if tok.kind in (Kind.NUMBER, Kind.STRING, Kind.INTERVAL):
            return "other"
    if any(tokens[i].bool_column for i in range(start, end)):
        return "unknown"  # chDB types a stream's bool column Bool itself: cast as it is
    if _enclosed(tokens, start, end, "("):
        parts = _elements(tokens, start + 1, end - 1)
        if len(parts) == 1:
            return operand_kind(tokens, *parts[0])
        return "other" if all(operand_kind(tokens, a, b) == "other" for a, b in parts) \
            else "unknown"
    if is_bool_value(tokens, start, end):
        return "bool"
    if _enclosed(tokens, start, end, "["):
        parts = _elements(tokens, start + 1, end - 1)
        return "other" if parts and all(operand_kind(tokens, a, b) == "other"
                                        for a, b in parts) else "unknown"
    depth = 0
    for i in range(start, end):
        tok = tokens[i]
        depth += tok.is_op("(", "[") - tok.is_op(")", "]")
        if depth == 0 and (tok.is_op("?", "->") or tok.is_word("CASE", "AS")):
            return "unknown"
        if depth == 0 and tok.is_op(*_ARITHMETIC):
            return "other"  # arithmetic, negation, concatenation: never bool
    return "unknown"


_NAMES = (Kind.IDENT, Kind.QUOTED_IDENT)
_TERNARY_ENDS = ("AS", "FROM", "WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "SETTINGS",
                 "UNION", "EXCEPT", "INTERSECT", "THEN", "ELSE", "WHEN", "END", "EMIT",
                 "WINDOW", "QUALIFY", "PREWHERE", "INTO", "FORMAT")


def ternary_branches(tokens: list[Token], question: int, end: int) -> list[Range] | None:
    """The two branch ranges of ``c ? a : b`` at the ``?`` at ``question`` (None if malformed);
    the second runs to the end of the expression (a comma, a closing bracket, a clause)."""
    depth, colon, nested = 0, None, 0
    for i in range(question + 1, end):
        tok = tokens[i]
        depth += tok.is_op("(", "[") - tok.is_op(")", "]")
        if depth < 0 or (depth == 0 and (tok.is_op(",") or tok.is_word(*_TERNARY_ENDS))):
            return None if colon is None else [(question + 1, colon), (colon + 1, i)]
        if depth == 0 and tok.is_op("?"):
            nested += 1
        elif depth == 0 and tok.is_op(":") and colon is None and not (
                tok.pre == "" and tokens[i + 1].pre == "" and tokens[i + 1].kind in _NAMES
                and tokens[i - 1].kind in _NAMES):  # raw:a.b is JSON access
            if nested:
                nested -= 1
            else:
                colon = i
    return None if colon is None else [(question + 1, colon), (colon + 1, end)]


@dataclass(frozen=True)
class Group:
    """Operands whose types a call unifies. ``coalescing``: Proton's coalesce/if_null,
    which stop at their first operand that is not nullable (coalesce.cpp). ``elements``:
    the first operand is an array whose element type is unified with the others'."""

    ranges: tuple[Range, ...]
    coalescing: bool = False
    elements: bool = False


def unified_groups(name: str, args: Sequence[Range]) -> list[Group]:
    """The argument groups whose types a call of ``name`` unifies (none if it does not)."""
    if name == "if":
        return [Group(tuple(args[1:]))] if len(args) == 3 else []
    if name == "multi_if":
        return [Group((*args[1::2], *args[-1:]))] if len(args) >= 3 and len(args) % 2 else []
    if name in ("coalesce", "if_null"):
        return [Group(tuple(args), coalescing=True)]
    if name in ("array", "array_cast", "array_concat"):
        return [Group(tuple(args))]
    if name in ("map", "map_cast"):
        return [Group(tuple(args[0::2])), Group(tuple(args[1::2]))]
    # an array's elements beside a value: (array, value)
    pairs = {"array_push_back": (0, 1), "array_push_front": (0, 1), "array_resize": (0, 2),
             "transform": (2, 3)}
    if name in pairs and len(args) == max(pairs[name]) + 1:
        return [Group(tuple(args[k] for k in pairs[name]), elements=True)]
    return []


@dataclass(frozen=True)
class FirstOperand:
    """The operand of a group that chDB's type follows, and what its siblings are.

    ``position`` indexes the group; ``kinds`` are the group's operand kinds.
    """

    position: int
    kinds: tuple[OperandKind, ...]
    coalescing: bool
    as_bool: bool = False  # statically bool, rewritten as UInt8: typed Bool first

    @property
    def certain(self) -> bool:
        """A sibling is surely not bool: cast without looking at the others' types."""
        return not self.coalescing and "other" in self.kinds[self.position + 1:]


def first_to_cast(tokens: list[Token], group: Group) -> FirstOperand | None:
    """The first non-NULL operand of ``group`` if it may be a chDB ``Bool`` that needs care."""
    kinds = tuple(operand_kind(tokens, a, b) for a, b in group.ranges)
    present = [i for i, kind in enumerate(kinds) if kind != "null"]
    if len(present) < 2:
        return None
    siblings = [kinds[i] for i in present[1:]]
    runtime = [i for i in present[1:] if kinds[i] == "unknown"
               and not is_bool_column(tokens, *group.ranges[i])]  # typed only by chDB
    if kinds[present[0]] == "bool" and runtime and "other" not in siblings:
        # a comparison or true beside what may be bool: sent as Bool, cast if it is not
        return FirstOperand(present[0], kinds, group.coalescing, as_bool=True)
    if kinds[present[0]] != "unknown":
        return None
    return FirstOperand(present[0], kinds, group.coalescing)


_TYPE_OF_KIND = {"bool": "'<Bool>'", "other": "'<?>'"}  # '?' is never alike
# aggregates whose result has their first argument's type (the others never return bool);
# array_join's is its argument's element type
_TYPE_PASSING = frozenset({"array_join", "any", "any_last", "min", "max", "arg_min", "arg_max",
                           "earliest", "latest", "first_value", "last_value", "any_heavy"})


def _aggregate_name(tokens: list[Token], start: int, end: int) -> str | None:
    """The name of the aggregate function (or ``array_join``) called by ``[start, end)``,
    if it is one call: chDB types its result too late for a CAST's type argument."""
    tok = tokens[start]
    if tok.kind is not Kind.IDENT or not _enclosed(tokens, start + 1, end, "("):
        return None
    name = tok.text.lower()
    try:
        return name if name == "array_join" or fn.resolve_function(name).aggregate else None
    except TranslationError:
        return None


def _holds_aggregate(tokens: list[Token], start: int, end: int) -> bool:
    """Some call in ``[start, end)`` is an aggregate (not over a window) or ``array_join``,
    or a name there is the alias of such an expression (``max(b) AS m`` in the statement)."""
    return _aggregate_within(tokens, start, end, _alias_spans(tokens), set())


def _aggregate_within(tokens: list[Token], start: int, end: int,
                      aliases: dict[str, Range], seen: set[str]) -> bool:
    for i in range(start, end):
        tok = tokens[i]
        if tok.kind is Kind.IDENT and tokens[i + 1].is_op("("):
            after = match_close(tokens, i + 1) + 1
            if _aggregate_name(tokens, i, after) is not None \
                    and not tokens[after].is_word("OVER"):  # a window function types in time
                return True
        elif tok.kind in _NAMES and tok.text in aliases and tok.text not in seen:
            seen.add(tok.text)
            if _aggregate_within(tokens, *aliases[tok.text], aliases, seen):
                return True
    return False


def _alias_spans(tokens: list[Token]) -> dict[str, Range]:
    """``name`` → the expression it is the alias of (``expr AS name``), for every alias."""
    spans: dict[str, Range] = {}
    for i in range(1, len(tokens) - 1):
        if not (tokens[i].is_word("AS") and tokens[i + 1].kind in _NAMES):
            continue
        depth, start = 0, i
        while start > 0:
            tok = tokens[start - 1]
            depth += tok.is_op(")", "]") - tok.is_op("(", "[")
            if depth < 0 or (depth == 0 and (tok.is_op(",") or tok.is_word(
                    "SELECT", "WITH", "DISTINCT", "BY", "WHERE", "HAVING"))):
                break
            start -= 1
        if i > start:
            spans.setdefault(tokens[i + 1].text, (start, i))
    return spans


def _aggregate_alias(tokens: list[Token], name: str) -> Range | None:
    """The expression holding an aggregate that ``name`` is the alias of, if any."""
    span = _alias_spans(tokens).get(name)
    return span if span is not None and _holds_aggregate(tokens, *span) else None


def match_close(tokens: list[Token], opening: int) -> int:
    """Index of the bracket closing the one at ``opening``."""
    from timeplus_emulator.sql.rewriter import match_paren  # the rewriter imports this module

    return match_paren(tokens, opening)


def _first_argument(text: str) -> tuple[int, int] | None:
    """Character span of the first argument of the call ``text`` (rewritten SQL)."""
    tokens = tokenize(text)
    opening = next((i for i, t in enumerate(tokens) if t.is_op("(")), None)
    if opening is None or tokens[opening + 1].is_op(")"):
        return None
    depth = 0
    for tok in tokens[opening + 1:]:
        if depth == 0 and tok.is_op(",", ")"):
            return tokens[opening + 1].pos, tok.pos - len(tok.pre)
        depth += tok.is_op("(", "[") - tok.is_op(")", "]")
    return None


def _typed_by(tokens: list[Token], operand: Range, text: str) -> str | None:
    """SQL text of the type's source for an aggregate or ``array_join`` call (chDB types
    them too late for a CAST): the argument of a type-passing one, the array's first element
    for array_join; ``''`` for other aggregates (never bool); None if not such a call."""
    aggregate = _aggregate_name(tokens, *operand)
    if aggregate is None:
        return "" if _holds_aggregate(tokens, *operand) else None
    base = aggregate.removesuffix("_if").removesuffix("_distinct")
    span = _first_argument(text) if base in _TYPE_PASSING else None
    if span is None:
        return ""
    typed = text[span[0]:span[1]]
    return f"arrayElement({typed}, 1)" if base == "array_join" else typed


def _type_probes(tokens: list[Token], operand: Range, kind: OperandKind,
                 text: str) -> list[str]:
    """SQL texts giving ``'<type>'`` of a sibling operand, as :data:`UNIFY_CAST` reads them:
    an ``if``/``multi_if`` sibling by its branches (its type is theirs, unified as in Proton),
    so that a chain of nested ifs copies each branch's text a bounded number of times
    instead of doubling the chain at every level."""
    nested = _branch_probes(tokens, operand, text) if kind == "unknown" else None
    return [_type_probe(tokens, operand, kind, text)] if nested is None else nested


def _branch_probes(tokens: list[Token], operand: Range, text: str) -> list[str] | None:
    """The probes of the branches of an ``if``/``multi_if`` call (None for anything else)."""
    start, end = operand
    if tokens[start].kind is not Kind.IDENT or not _enclosed(tokens, start + 1, end, "("):
        return None
    args = _elements(tokens, start + 2, end - 1)
    name, count = tokens[start].text.lower(), len(args)
    if name == "if" and count == 3:
        branches = [1, 2]
    elif name == "multi_if" and count >= 3 and count % 2:
        branches = [*range(1, count - 1, 2), count - 1]
    else:
        return None
    texts = _call_arguments(text)
    if texts is None or len(texts) != count:
        return None
    probes: list[str] = []
    for k in branches:
        kind = operand_kind(tokens, *args[k])
        if kind != "null":
            probes.extend(_type_probes(tokens, args[k], kind, _uncast(texts[k])))
    return probes


def _uncast(text: str) -> str:
    """A branch as written before its cast: the nested call's own first operand is cast
    after its siblings, whose types are probed beside it here anyway."""
    body = text.strip()
    if not body.startswith(ONCE_HELPERS):
        return text
    inner = _call_arguments(body)
    return inner[0] if inner else text


@functools.lru_cache(maxsize=256)  # the branches of a chain are read again at every level
def _call_arguments(text: str) -> tuple[str, ...] | None:
    """The argument texts of ``text`` when it is one call (rewritten SQL), else None."""
    tokens = tokenize(text)
    first = next((i for i, t in enumerate(tokens) if t.kind is not Kind.EOF), None)
    last = len(tokens) - 1  # the EOF token
    if first is None or tokens[first].kind is not Kind.IDENT \
            or not _enclosed(tokens, first + 1, last, "("):
        return None
    return tuple(text[tokens[a].pos:tokens[b - 1].pos + len(tokens[b - 1].text)]
                 for a, b in _elements(tokens, first + 2, last - 1))


def _type_probe(tokens: list[Token], operand: Range, kind: OperandKind, text: str) -> str:
    """SQL text giving ``'<type>'`` of one sibling operand."""
    if kind in _TYPE_OF_KIND:
        return _TYPE_OF_KIND[kind]
    typed = _typed_by(tokens, operand, text)
    if typed == "":
        return _TYPE_OF_KIND["other"]  # an expression over an aggregate: taken as no bool
    return f"'<', toTypeName({text.strip() if typed is None else typed}), '>'"


def cast_text(first: FirstOperand, text: str, probes: Sequence[str],
              typed: str | None = None) -> str:
    """``text`` (the first operand, rewritten; leading whitespace kept) sent through the
    right helper; ``probes`` are its siblings' :func:`_type_probe` texts; ``typed``: the
    expression whose type to start from, if not the operand's own."""
    body = text.lstrip()
    lead = text[: len(text) - len(body)]
    if first.as_bool:
        body = f"{fn.BOOL_WRAPPER}({body})"
    name, args = (UINT8_CAST, [body]) if first.certain else (UNIFY_CAST, [body])
    if typed is not None:
        name, args = f"{name}_as", [body, typed]
    elif any(helper in body for helper in ONCE_HELPERS):
        name += "_once"  # a unified operand inside: named once (the helper DDL says why)
    if not first.certain:
        parts = [f"'{_FIRST_NON_NULLABLE}'", *probes] if first.coalescing else list(probes)
        args.append(f"concat({', '.join(parts)}, '')")
    return f"{lead}{name}({', '.join(args)})"


def _cast_operand(tokens: list[Token], first: FirstOperand, operand: Range, text: str,
                  probes: Sequence[str]) -> str:
    """The cast first operand; an aggregate or array_join call is cast from its argument's
    type; an expression over one is left alone (chDB cannot type it in time)."""
    typed = _typed_by(tokens, operand, text)
    if typed == "" and _aggregate_name(tokens, *operand) is None:
        start, end = operand
        if end - start == 1:
            start, end = _aggregate_alias(tokens, tokens[start].text) or operand
        if any(tokens[i].bool_column for i in range(start, end)):
            raise TranslationError(
                NOT_IMPLEMENTED, "An expression over an aggregate of a bool column beside "
                "other types (in if/multi_if/coalesce/[...]/CASE) is not supported by the "
                "emulator; write the aggregate itself there (max(b)), or cast it")
    if typed == "":
        return text
    return cast_text(first, text, probes, typed)


def cast_first_operands(tokens: list[Token], groups: Sequence[Group],
                        ranges: Sequence[Range], texts: list[str]) -> None:
    """Replace, in ``texts`` (the rewritten ``ranges``), the first operand of each group
    that needs it by its cast (:func:`cast_text`)."""
    position = {r: k for k, r in enumerate(ranges)}
    for group in groups:
        first = first_to_cast(tokens, group)
        if first is None:
            continue
        siblings = [(r, kind, texts[position[r]]) for r, kind in
                    zip(group.ranges[first.position + 1:], first.kinds[first.position + 1:])
                    if kind != "null"]
        probes = [] if first.certain else \
            [probe for sibling in siblings for probe in _type_probes(tokens, *sibling)]
        if sum(len(probe) for probe in probes) > MAX_PROBE_TEXT:
            raise TranslationError(
                NOT_IMPLEMENTED, "Unifying the types of long expressions that may be bool "
                "(if/multi_if/coalesce/[...]/CASE) is not supported by the emulator")
        if group.elements:  # the first is cast as an array: compare it with arrays of theirs
            probes = [probe.replace("'<", "'<Array(", 1) for probe in probes]
        operand = group.ranges[first.position]
        texts[position[operand]] = _cast_operand(tokens, first, operand, texts[position[operand]],
                                                 probes)
