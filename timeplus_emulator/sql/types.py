"""Data type names: Timeplus ⇄ ClickHouse.

Owns: parsing a type name (from tokens or text) into a small tree, rendering it as
ClickHouse (for chDB) or as the normalized Timeplus name (for result headers and
stream metadata). Translation is driven by explicit Timeplus name tables: a name
Timeplus does not have (``String``, ``timestamp``, ``LowCardinality``) is rejected
with code 50 even when ClickHouse would accept it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Optional, Union

from timeplus_emulator.sql.errors import (
    NOT_IMPLEMENTED,
    SYNTAX_ERROR,
    UNKNOWN_TYPE,
    TranslationError,
)
from timeplus_emulator.sql.tokens import Kind, Token, name_of, quote_name, tokenize

_INT_SIZES = ("8", "16", "32", "64", "128", "256")

# Case-sensitive Timeplus names → (canonical Timeplus name, ClickHouse name).
_SENSITIVE: dict[str, tuple[str, str]] = {
    **{f"int{n}": (f"int{n}", f"Int{n}") for n in _INT_SIZES},
    **{f"uint{n}": (f"uint{n}", f"UInt{n}") for n in _INT_SIZES},
    "float32": ("float32", "Float32"),
    "float64": ("float64", "Float64"),
    "string": ("string", "String"),
    "fixed_string": ("fixed_string", "FixedString"),
    "uuid": ("uuid", "UUID"),
    "bool": ("bool", "Bool"),
    "array": ("array", "Array"),
    "map": ("map", "Map"),
    "tuple": ("tuple", "Tuple"),
    "nested": ("nested", "Nested"),
    "nullable": ("nullable", "Nullable"),
    "low_cardinality": ("low_cardinality", "LowCardinality"),
    "enum8": ("enum8", "Enum8"),
    "enum16": ("enum16", "Enum16"),
    "enum": ("enum", "Enum"),
    "nothing": ("nothing", "Nothing"),
    "aggregate_function": ("aggregate_function", "AggregateFunction"),
    "simple_aggregate_function": ("simple_aggregate_function", "SimpleAggregateFunction"),
    "point": ("point", "Point"),
    "ring": ("ring", "Ring"),
    "polygon": ("polygon", "Polygon"),
    "multi_polygon": ("multi_polygon", "MultiPolygon"),
    **{
        f"interval_{u.lower()}": (f"interval_{u.lower()}", f"Interval{u}")
        for u in (
            "Nanosecond", "Microsecond", "Millisecond", "Second", "Minute",
            "Hour", "Day", "Week", "Month", "Quarter", "Year",
        )
    },
}

# Case-insensitive names (keyed upper-case) → (canonical Timeplus, ClickHouse).
_INSENSITIVE: dict[str, tuple[str, str]] = {
    "DATE": ("date", "Date"),
    "DATE32": ("date32", "Date32"),
    "DATETIME": ("datetime", "DateTime"),
    "DATETIME32": ("datetime", "DateTime"),
    "DATETIME64": ("datetime64", "DateTime64"),
    "DECIMAL": ("decimal", "Decimal"),
    "DECIMAL32": ("decimal32", "Decimal32"),
    "DECIMAL64": ("decimal64", "Decimal64"),
    "DECIMAL128": ("decimal128", "Decimal128"),
    "DECIMAL256": ("decimal256", "Decimal256"),
    "IPV4": ("ipv4", "IPv4"),
    "IPV6": ("ipv6", "IPv6"),
    "INET4": ("ipv4", "IPv4"),
    "INET6": ("ipv6", "IPv6"),
    "JSON": ("json", "JSON"),
    "INT": ("int32", "Int32"),
    "INTEGER": ("int32", "Int32"),
    "UINT": ("uint32", "UInt32"),
    "SMALLINT": ("int16", "Int16"),
    "BIGINT": ("int64", "Int64"),
    "BYTE": ("int8", "Int8"),
    "FLOAT": ("float32", "Float32"),
    "DOUBLE": ("float64", "Float64"),
    "VARCHAR": ("string", "String"),
    "BOOLEAN": ("bool", "Bool"),
}

# ClickHouse type names as chDB prints them → Timeplus names.
_CH_TO_TP: dict[str, str] = {ch: tp for tp, ch in _SENSITIVE.values()}
_CH_TO_TP.update({ch: tp for tp, ch in _INSENSITIVE.values() if ch not in _CH_TO_TP})
_CH_TO_TP.update(
    {"Object": "json", "Bool": "bool", "BFloat16": "bfloat16", "LineString": "line_string",
     "MultiLineString": "multi_line_string", "Dynamic": "dynamic", "Variant": "variant"}
)

_DECIMAL_PRECISION = {"decimal32": 9, "decimal64": 18, "decimal128": 38, "decimal256": 76}


@dataclass(frozen=True)
class EnumValue:
    """One ``'name' = n`` member of an enum type (``text`` is the quoted literal)."""

    text: str
    value: Optional[str]


@dataclass(frozen=True)
class NamedField:
    """A ``name type`` element of a named tuple or nested type."""

    name: str
    type: TypeNode


@dataclass(frozen=True)
class Literal:
    """A literal parameter (number or quoted string), kept as written."""

    text: str


@dataclass(frozen=True)
class FunctionArg:
    """The aggregate-function parameter of ``aggregate_function(f(params), ...)``."""

    name: str
    params: tuple[str, ...]


TypeArg = Union["TypeNode", EnumValue, NamedField, Literal, FunctionArg]


@dataclass(frozen=True)
class TypeNode:
    """A parsed type: canonical Timeplus name, ClickHouse name and parameters."""

    tp_name: str
    ch_name: str
    args: tuple[TypeArg, ...] = ()
    has_parens: bool = False


def _lookup(word: str) -> tuple[str, str]:
    found = _SENSITIVE.get(word) or _INSENSITIVE.get(word.upper())
    if found is None:
        raise TranslationError(UNKNOWN_TYPE, f"Unknown data type family: {word}")
    return found


class _TypeParser:
    """Recursive-descent parser over a token list for one type name."""

    def __init__(
        self, tokens: list[Token], pos: int, lookup: Callable[[str], tuple[str, str]],
        function_name: Callable[[str], str],
    ) -> None:
        self.tokens = tokens
        self.pos = pos
        self.lookup = lookup
        self.function_name = function_name

    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def take(self) -> Token:
        tok = self.peek()
        self.pos += 1
        return tok

    def expect(self, op: str) -> None:
        tok = self.take()
        if not tok.is_op(op):
            raise TranslationError(
                SYNTAX_ERROR, f"Syntax error in type: expected '{op}' at '{tok.text or 'end'}'"
            )

    def parse_type(self) -> TypeNode:
        tok = self.take()
        if tok.kind is not Kind.IDENT:
            raise TranslationError(
                SYNTAX_ERROR, f"Syntax error: expected a data type at '{tok.text or 'end'}'"
            )
        tp_name, ch_name = self.lookup(tok.text)
        if not self.peek().is_op("("):
            return TypeNode(tp_name, ch_name)
        self.take()
        args: list[TypeArg] = []
        while not self.peek().is_op(")"):
            args.append(self.parse_arg(tp_name, first=not args))
            if self.peek().is_op(","):
                self.take()
            elif not self.peek().is_op(")"):
                raise TranslationError(
                    SYNTAX_ERROR, f"Syntax error in type {tp_name}: unexpected '{self.peek().text}'"
                )
        self.take()
        return TypeNode(tp_name, ch_name, tuple(args), True)

    def parse_arg(self, owner: str, first: bool) -> TypeArg:
        tok = self.peek()
        if owner.endswith("aggregate_function") and first:
            return self.parse_function_arg()
        if tok.kind is Kind.STRING:
            self.take()
            if self.peek().is_op("="):
                self.take()
                sign = "-" if self.peek().is_op("-") and self.take() else ""
                return EnumValue(tok.text, sign + self.take().text)
            return EnumValue(tok.text, None) if owner.startswith("enum") else Literal(tok.text)
        if tok.kind is Kind.NUMBER:
            self.take()
            return Literal(tok.text)
        if tok.is_op("-") and self.peek(1).kind is Kind.NUMBER:
            self.take()
            return Literal("-" + self.take().text)
        if owner in ("tuple", "nested") and self.peek(1).kind in (Kind.IDENT, Kind.QUOTED_IDENT):
            name_tok = self.take()
            return NamedField(name_of(name_tok), self.parse_type())
        return self.parse_type()

    def parse_function_arg(self) -> FunctionArg:
        name_tok = self.take()
        params: list[str] = []
        if self.peek().is_op("("):
            self.take()
            while not self.peek().is_op(")"):
                tok = self.take()
                if tok.kind is Kind.EOF:
                    raise TranslationError(SYNTAX_ERROR, "Syntax error: unterminated type")
                if not tok.is_op(","):
                    params.append(tok.text)
            self.take()
        return FunctionArg(self.function_name(name_tok.text), tuple(params))


def _identity(name: str) -> str:
    return name


def parse_type_tokens(
    tokens: list[Token], pos: int, function_name: Callable[[str], str] = _identity
) -> tuple[TypeNode, int]:
    """Parse a Timeplus type starting at ``tokens[pos]``; return it and the next index."""
    parser = _TypeParser(tokens, pos, _lookup, function_name)
    node = parser.parse_type()
    _check_node(node)
    return node, parser.pos


def _check_node(node: TypeNode) -> None:
    inner = [a for a in node.args if isinstance(a, TypeNode)]
    if node.tp_name == "nullable" and inner and inner[0].tp_name == "low_cardinality":
        raise TranslationError(
            43, "Nested type low_cardinality(...) cannot be inside nullable type"
        )
    for arg in node.args:
        if isinstance(arg, TypeNode):
            _check_node(arg)
        elif isinstance(arg, NamedField):
            _check_node(arg.type)


def parse_timeplus_type(text: str) -> TypeNode:
    """Parse a whole Timeplus type name; trailing text is a syntax error."""
    from timeplus_emulator.sql.functions import resolve_function

    tokens = tokenize(text)
    node, pos = parse_type_tokens(tokens, 0, lambda name: resolve_function(name).ch_name)
    if tokens[pos].kind is not Kind.EOF:
        raise TranslationError(
            SYNTAX_ERROR, f"Syntax error: unexpected '{tokens[pos].text}' in type"
        )
    return node


def render_clickhouse(node: TypeNode) -> str:
    """ClickHouse spelling of a parsed type."""
    return _render(node, ch=True)


def render_timeplus(node: TypeNode) -> str:
    """Normalized Timeplus spelling (``datetime64(3, 'UTC')``, ``decimal(10, 2)``)."""
    if node.tp_name in _DECIMAL_PRECISION and len(node.args) == 1:
        scale = node.args[0]
        precision = Literal(str(_DECIMAL_PRECISION[node.tp_name]))
        return _render(TypeNode("decimal", "Decimal", (precision, scale), True), ch=False)
    if node.tp_name == "datetime64" and not node.args:
        return "datetime64(3)"
    return _render(node, ch=False)


def _render(node: TypeNode, ch: bool) -> str:
    name = node.ch_name if ch else node.tp_name
    if not node.has_parens:
        return name
    args = node.args
    if node.tp_name.startswith("enum") and any(isinstance(a, EnumValue) and a.value is None
                                               for a in args):
        args = _number_enum(args)
    return name + "(" + ", ".join(_render_arg(a, ch) for a in args) + ")"


def _number_enum(args: tuple[TypeArg, ...]) -> tuple[TypeArg, ...]:
    out: list[TypeArg] = []
    for i, arg in enumerate(args, start=1):
        if isinstance(arg, EnumValue) and arg.value is None:
            out.append(EnumValue(arg.text, str(i)))
        else:
            out.append(arg)
    return tuple(out)


def _render_arg(arg: TypeArg, ch: bool) -> str:
    if isinstance(arg, TypeNode):
        return render_timeplus(arg) if not ch else _render(arg, ch=True)
    if isinstance(arg, EnumValue):
        return arg.text if arg.value is None else f"{arg.text} = {arg.value}"
    if isinstance(arg, NamedField):
        inner = _render(arg.type, ch=True) if ch else render_timeplus(arg.type)
        return f"{_field_name(arg.name)} {inner}"
    if isinstance(arg, FunctionArg):
        params = "(" + ", ".join(arg.params) + ")" if arg.params else ""
        return arg.name + params
    return arg.text


_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _field_name(name: str) -> str:
    return name if _PLAIN_NAME.match(name) else quote_name(name)


def to_clickhouse_type(timeplus_type: str) -> str:
    """ClickHouse spelling of a Timeplus type name; raises TranslationError(50) if unknown."""
    return render_clickhouse(parse_timeplus_type(timeplus_type))


def normalize_timeplus_type(timeplus_type: str) -> str:
    """Canonical Timeplus spelling (``int`` → ``int32``, ``DateTime64(3)`` → ``datetime64(3)``)."""
    return render_timeplus(parse_timeplus_type(timeplus_type))


def _ch_lookup(word: str) -> tuple[str, str]:
    if word in _CH_TO_TP:
        return _CH_TO_TP[word], word
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", word).lower()
    return snake, word


def parse_clickhouse_type(
    ch_type: str, function_name: Callable[[str], str] = _identity
) -> TypeNode:
    """Parse a ClickHouse type as chDB prints it (``Array(Nullable(Date32))``)."""
    return _TypeParser(tokenize(ch_type), 0, _ch_lookup, function_name).parse_type()


@functools.lru_cache(maxsize=1024)
def to_timeplus_type(ch_type: str, function_name: Callable[[str], str] = _identity) -> str:
    """Timeplus name of a ClickHouse type as chDB prints it in result headers.

    ``function_name`` maps ClickHouse aggregate function names inside
    ``AggregateFunction(...)`` (the package-level wrapper passes the real map).
    """
    if ch_type.startswith(("JSON", "Object")):
        return "json"
    node = parse_clickhouse_type(ch_type, function_name)
    if node.tp_name == "decimal" and not node.args:
        node = TypeNode("decimal", "Decimal", (Literal("10"), Literal("0")), True)
    return render_timeplus(node)


def values_structure(text: str) -> str:
    """chDB spelling of the structure of ``values('x uint64, s string', ...)``: each column a
    name and a Timeplus type. A column with ``DEFAULT``/``ALIAS`` is refused (48)."""
    from timeplus_emulator.sql.functions import resolve_function

    tokens = tokenize(text)
    columns: list[str] = []
    pos = 0
    while True:
        tok = tokens[pos]
        if tok.kind not in (Kind.IDENT, Kind.QUOTED_IDENT):
            raise TranslationError(SYNTAX_ERROR, "Syntax error: expected a column name in the "
                                   f"structure of values(), not {tok.text!r}")
        if tokens[pos + 1].is_word("DEFAULT", "ALIAS", "MATERIALIZED", "EPHEMERAL"):
            raise TranslationError(NOT_IMPLEMENTED, f"values() with a {tokens[pos + 1].upper} "
                                   "column is not supported by the emulator")
        node, pos = parse_type_tokens(tokens, pos + 1,
                                      lambda name: resolve_function(name).ch_name)
        columns.append(f"{quote_name(name_of(tok))} {render_clickhouse(node)}")
        if tokens[pos].kind is Kind.EOF:
            return ", ".join(columns)
        if not tokens[pos].is_op(","):
            raise TranslationError(NOT_IMPLEMENTED, "values() with a column that is not "
                                   f"'name type' ({tokens[pos].text} ...) is not supported "
                                   "by the emulator")
        pos += 1
