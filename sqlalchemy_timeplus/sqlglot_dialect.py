"""A sqlglot dialect for Timeplus: tools that parse and re-generate SQL keep it valid Timeplus SQL.

Superset (5.x/6.x) parses every SQL Lab statement with sqlglot, adds or rewrites ``LIMIT``, applies
row-level security and then *re-generates* the statement text from the syntax tree. Without a
dialect for the engine name ``timeplus`` it would use sqlglot's generic dialect, which cannot parse
``EMIT`` clauses, backquoted identifiers or ClickHouse-style type names. sqlglot's ClickHouse
dialect parses most of it but re-generates ClickHouse spellings (``CAST(x AS String)``,
``countIf(...)``, ``DATE_DIFF(SECOND, ...)``) that Timeplus rejects. This dialect starts from
ClickHouse and changes three things:

* functions are kept exactly as written (no canonicalisation into sqlglot expression classes, which
  would re-generate ClickHouse camelCase names or drop Timeplus' trailing aggregate parameters such
  as ``quantile(x, 0.9)``);
* type names are generated in Timeplus' lowercase spelling (``string``, ``nullable(int32)``,
  ``datetime64(3, 'UTC')``, ``low_cardinality(string)``), and Timeplus' snake_case type names parse;
* the Timeplus ``EMIT ...`` clause (between ``LIMIT`` and ``SETTINGS``) is parsed and re-generated
  verbatim, and the substream clauses ``SHUFFLE BY`` and ``PARTITION BY`` (between ``WHERE`` and
  ``GROUP BY``) are parsed as expression lists (a :class:`Substreams` node kept in the select's
  ``connect`` slot, which only Oracle's ``CONNECT BY`` uses, so it is generated in that position).

Registration: defining the class registers it in sqlglot's dialect registry under its lowercased
class name, so ``sqlglot.parse(sql, read="timeplus")`` works once this module is imported. The
``sqlglot.dialects`` entry point (name ``timeplus``) lets sqlglot load it by name without an import.
Superset keeps its own ``engine name -> dialect`` table (``superset.sql.parse.SQLGLOT_DIALECTS``);
``sqlalchemy_timeplus.superset`` adds ``"timeplus": Timeplus`` to it when Superset loads the engine
spec, and ``SQLGLOT_DIALECTS_EXTENSIONS = {"timeplus": Timeplus}`` in ``superset_config.py`` does
the same explicitly.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from sqlglot import exp
from sqlglot.dialects.clickhouse import ClickHouse
from sqlglot.tokens import Token, TokenType

__all__ = ["Substreams", "Timeplus", "timeplus_type_name"]

# ClickHouse type words (as sqlglot's ClickHouse generator spells them) -> Timeplus type words.
_TYPE_WORDS = {
    "String": "string",
    "FixedString": "fixed_string",
    "Bool": "bool",
    "Date": "date",
    "Date32": "date32",
    "DateTime": "datetime",
    "DateTime64": "datetime64",
    "UUID": "uuid",
    "IPv4": "ipv4",
    "IPv6": "ipv6",
    "JSON": "json",
    "Array": "array",
    "Map": "map",
    "Tuple": "tuple",
    "Nested": "nested",
    "Nullable": "nullable",
    "LowCardinality": "low_cardinality",
    "Nothing": "nothing",
    "Point": "point",
    "Ring": "ring",
    "Polygon": "polygon",
    "MultiPolygon": "multi_polygon",
    "AggregateFunction": "aggregate_function",
    "SimpleAggregateFunction": "simple_aggregate_function",
}
_NUMBERED_TYPE_WORD = re.compile(r"^(U?Int|Float|Decimal|Enum)(\d*)$")
# A quoted literal (kept as is: enum labels, time zones) or a bare word.
_TYPE_TOKEN = re.compile(r"'(?:[^'\\]|\\.)*'|[A-Za-z_][A-Za-z0-9_]*")
_EMIT_STOP_WORDS = frozenset({"SETTINGS", "FORMAT", "UNION", "EXCEPT", "INTERSECT"})


def _timeplus_type_word(word: str) -> str:
    mapped = _TYPE_WORDS.get(word)
    if mapped is not None:
        return mapped
    numbered = _NUMBERED_TYPE_WORD.match(word)
    if numbered is not None:
        return numbered.group(1).lower() + numbered.group(2)
    return word


class Substreams(exp.Expression):  # type: ignore[misc,unused-ignore]
    """``SHUFFLE BY a, ... PARTITION BY b, ...`` of a Timeplus SELECT (either may be absent)."""

    arg_types = {"shuffle": False, "partition": False}  # noqa: RUF012


def timeplus_type_name(clickhouse_type: str) -> str:
    """Rewrite a ClickHouse-spelled type (``Nullable(DateTime64(3, 'UTC'))``) in Timeplus spelling.

    Quoted parts (time zones, enum labels) are left untouched; unknown words pass unchanged.
    """

    def replace(match: re.Match[str]) -> str:
        text = match.group(0)
        return text if text.startswith("'") else _timeplus_type_word(text)

    return _TYPE_TOKEN.sub(replace, clickhouse_type)


class Timeplus(ClickHouse):  # type: ignore[misc,unused-ignore]
    """sqlglot dialect for Timeplus (Proton / Timeplus Enterprise / Timeplus Cloud) SQL."""

    class Tokenizer(ClickHouse.Tokenizer):  # type: ignore[misc,unused-ignore]
        KEYWORDS: dict[str, TokenType] = {  # noqa: RUF012 (sqlglot's class-level tables)
            # `unique(x)` is a Timeplus aggregate function, not the UNIQUE constraint keyword.
            **{k: v for k, v in ClickHouse.Tokenizer.KEYWORDS.items() if k != "UNIQUE"},
            "LOW_CARDINALITY": TokenType.LOWCARDINALITY,
            "FIXED_STRING": TokenType.FIXEDSTRING,
            "MULTI_POLYGON": TokenType.MULTIPOLYGON,
            "AGGREGATE_FUNCTION": TokenType.AGGREGATEFUNCTION,
            "SIMPLE_AGGREGATE_FUNCTION": TokenType.SIMPLEAGGREGATEFUNCTION,
        }

    class Parser(ClickHouse.Parser):  # type: ignore[misc,unused-ignore]
        # Keep every function call as written: an empty builder table makes each call an
        # `exp.Anonymous` that is generated back verbatim (name case and argument order kept).
        FUNCTIONS: dict[str, Any] = {}  # noqa: RUF012
        AGG_FUNC_MAPPING: dict[str, Any] = {}  # noqa: RUF012
        FUNCTION_PARSERS: dict[str, Any] = {  # noqa: RUF012
            name: parser
            for name, parser in ClickHouse.Parser.FUNCTION_PARSERS.items()
            if name not in {"ARRAYJOIN", "QUANTILE", "MEDIAN", "TUPLE", "AND", "OR"}
        }
        # `SELECT 1 SETTINGS x = 1`: SETTINGS starts the clause, as on the server; sqlglot's
        # ClickHouse parser took it for the implicit alias of `1` and then failed on `x`
        # (`SELECT 1 AS settings` still names a column).
        ALIAS_TOKENS = ClickHouse.Parser.ALIAS_TOKENS - {TokenType.SETTINGS}

        def _parse_query_modifiers(self, this: Any) -> Any:
            this = super()._parse_query_modifiers(this)
            if not isinstance(this, self.MODIFIABLES):
                return this
            if self._at_substreams() and not this.args.get("connect"):
                this.set("connect", self._parse_substreams())
                this = super()._parse_query_modifiers(this)
            if self._is_emit_keyword(self._curr):
                this.set("emit", self._parse_emit_clause())
                this = super()._parse_query_modifiers(this)
            return this

        def _parse_table_alias(self, alias_tokens: Any = None) -> Optional[exp.TableAlias]:
            # `FROM s EMIT ...`, `FROM s SHUFFLE BY k`: clauses, not aliases of `s`.
            if self._is_emit_keyword(self._curr) or self._at_shuffle_by():
                return None
            alias: Optional[exp.TableAlias] = super()._parse_table_alias(alias_tokens)
            return alias

        def _parse_alias(self, this: Any, explicit: bool = False) -> Any:
            if not explicit and (self._is_emit_keyword(self._curr) or self._at_shuffle_by()):
                return this
            return super()._parse_alias(this, explicit)

        def _at_shuffle_by(self) -> bool:
            token, following = self._curr, self._next
            return (
                token is not None
                and token.token_type == TokenType.VAR
                and token.text.upper() == "SHUFFLE"
                and following is not None
                and following.token_type == TokenType.VAR
                and following.text.upper() == "BY"
            )

        def _at_substreams(self) -> bool:
            token = self._curr
            return self._at_shuffle_by() or (
                token is not None and token.token_type == TokenType.PARTITION_BY
            )

        def _parse_substreams(self) -> Substreams:
            """``[SHUFFLE BY expr, ...] [PARTITION BY expr, ...]``, in that order."""
            node = Substreams()
            if self._at_shuffle_by():
                self._advance(2)
                node.set("shuffle", self._parse_keys("SHUFFLE BY"))
            if self._match(TokenType.PARTITION_BY):  # type: ignore[no-untyped-call,unused-ignore]
                node.set("partition", self._parse_keys("PARTITION BY"))
            return node

        def _parse_keys(self, clause: str) -> list[exp.Expression]:
            keys: list[exp.Expression] = self._parse_csv(self._parse_assignment)
            if not keys or any(key is None for key in keys):
                self.raise_error(f"{clause} needs one or more expressions")
            return keys

        @staticmethod
        def _is_emit_keyword(token: Optional[Token]) -> bool:
            return (
                token is not None
                and token.token_type == TokenType.VAR
                and token.text.upper() == "EMIT"
            )

        def _parse_emit_clause(self) -> exp.Var:
            """Consume ``EMIT ...`` up to SETTINGS, FORMAT, UNION, ``;`` or an unmatched ``)``."""
            first = self._curr
            assert first is not None  # the caller saw the EMIT token
            last: Token = first
            depth = 0
            while self._curr is not None:
                token = self._curr
                if token.token_type == TokenType.L_PAREN:
                    depth += 1
                elif token.token_type == TokenType.R_PAREN:
                    if depth == 0:
                        break
                    depth -= 1
                elif depth == 0 and (
                    token.token_type == TokenType.SEMICOLON
                    or (token is not first and token.text.upper() in _EMIT_STOP_WORDS)
                ):
                    break
                last = token
                self._advance()
            if depth:
                self.raise_error("Unbalanced parentheses in EMIT clause", first)
            if last is first:
                self.raise_error("EMIT needs a policy, e.g. EMIT CHANGELOG", first)
            return exp.Var(this=self.sql[first.start : last.end + 1])

    class Generator(ClickHouse.Generator):  # type: ignore[misc,unused-ignore]
        def datatype_sql(self, expression: exp.DataType) -> str:
            clickhouse_spelling: str = super().datatype_sql(expression)
            return timeplus_type_name(clickhouse_spelling)

        def interval_sql(self, expression: exp.Interval) -> str:
            # sqlglot stores `interval 5 minute` as the string '5'; Timeplus wants a number there.
            value = expression.this
            if isinstance(value, exp.Literal) and value.is_string and value.name.isdigit():
                expression = expression.copy()
                expression.set("this", exp.Literal.number(value.name))
            text: str = super().interval_sql(expression)
            return text

        def substreams_sql(self, expression: Substreams) -> str:
            parts = []
            for key, words in (("shuffle", "SHUFFLE BY"), ("partition", "PARTITION BY")):
                if expression.args.get(key):
                    keys = self.expressions(expression, key=key, flat=True)
                    parts.append(self.seg(f"{words} {keys}"))
            return "".join(parts)

        def after_limit_modifiers(self, expression: exp.Expression) -> list[str]:
            modifiers: list[str] = super().after_limit_modifiers(expression)
            emit = expression.args.get("emit")
            if emit is None:
                return modifiers
            # ClickHouse appends SETTINGS and FORMAT last; EMIT goes right before them.
            return [*modifiers[:-2], self.seg(emit.name), *modifiers[-2:]]
