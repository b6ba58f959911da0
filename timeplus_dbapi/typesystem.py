"""The one parser of Timeplus type names.

``parse_type("low_cardinality(nullable(string))")`` returns a :class:`TypeSpec` tree. Names are
canonicalised to Timeplus spelling (lowercase, snake_case): aliases (``int`` → ``int32``) and the
ClickHouse CamelCase names a compatible server may report (``DateTime64`` → ``datetime64``,
``LowCardinality`` → ``low_cardinality``) are accepted. Converters, ``cursor.description`` and the
SQLAlchemy dialect all read types through this module.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Union

from .sqltext import decode_quoted

__all__ = ["DECIMAL_DIGITS", "TypeParseError", "TypeSpec", "parse_result_type", "parse_type"]

logger = logging.getLogger(__name__)

TypeArg = Union["TypeSpec", int, str]

_CANONICAL_NAMES = (
    "int8 int16 int32 int64 int128 int256 uint8 uint16 uint32 uint64 uint128 uint256 "
    "float32 float64 string fixed_string uuid bool array map tuple nullable low_cardinality "
    "enum8 enum16 enum nested nothing date date32 datetime datetime32 datetime64 decimal "
    "decimal32 decimal64 decimal128 decimal256 ipv4 ipv6 json object point ring polygon "
    "multi_polygon line_string multi_line_string aggregate_function simple_aggregate_function "
    "interval_nanosecond interval_microsecond interval_millisecond interval_second "
    "interval_minute interval_hour interval_day interval_week interval_month interval_quarter "
    "interval_year variant dynamic bfloat16"
).split()

_ALIASES = {
    "int": "int32",
    "integer": "int32",
    "uint": "uint32",
    "smallint": "int16",
    "bigint": "int64",
    "byte": "int8",
    "tinyint": "int8",
    "float": "float32",
    "double": "float64",
    "varchar": "string",
    "text": "string",
    "inet4": "ipv4",
    "inet6": "ipv6",
    "boolean": "bool",
    "lowcardinality": "low_cardinality",
}

# Lookup by the squashed form (lowercase, underscores removed) so that "DateTime64",
# "FIXED_STRING" and "FixedString" all resolve to one canonical name.
_BY_SQUASHED = {name.replace("_", ""): name for name in _CANONICAL_NAMES}
_BY_SQUASHED.update(_ALIASES)

_WRAPPERS = ("nullable", "low_cardinality")
#: The precision of the fixed-size decimal types (their one argument is the scale)
DECIMAL_DIGITS = {"decimal32": 9, "decimal64": 18, "decimal128": 38, "decimal256": 76}
_NAMED_FIELD_TYPES = ("tuple", "nested")

_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.|'')*')
      | (?P<quoted>`(?:[^`\\]|\\.|``)*`|"(?:[^"\\]|\\.|"")*")
      | (?P<number>[-+]?\d+(?:\.\d+)?)
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<punct>[(),=])
    )""",
    re.VERBOSE | re.DOTALL,
)


class TypeParseError(ValueError):
    """A type string that is not a valid Timeplus type name."""


@dataclass(frozen=True)
class TypeSpec:
    """A parsed Timeplus type.

    ``name`` is the canonical lowercase Timeplus name; ``args`` holds nested ``TypeSpec`` values
    and int/str literal parameters in order; ``field_names`` names the elements of a named
    ``tuple``/``nested``; ``enum_values`` holds ``(label, value)`` pairs of an enum.
    """

    name: str
    args: tuple[TypeArg, ...] = ()
    field_names: tuple[str, ...] = ()
    enum_values: tuple[tuple[str, int], ...] = ()

    @property
    def is_nullable(self) -> bool:
        """True for ``nullable(T)``, also when wrapped in ``low_cardinality``."""
        if self.name == "nullable":
            return True
        return self.name == "low_cardinality" and self.type_args[0].is_nullable

    @property
    def type_args(self) -> tuple[TypeSpec, ...]:
        """The nested type arguments, without literal parameters."""
        return tuple(arg for arg in self.args if isinstance(arg, TypeSpec))

    @property
    def precision_scale(self) -> tuple[Optional[int], Optional[int]]:
        """(precision, scale) of a decimal; (precision, None) of a datetime64; else Nones."""
        ints = [a for a in self.args if isinstance(a, int)]
        if self.name == "decimal" and ints:
            return ints[0], (ints[1] if len(ints) > 1 else 0)
        if self.name in DECIMAL_DIGITS:
            return DECIMAL_DIGITS[self.name], (ints[0] if ints else 0)
        if self.name == "datetime64":
            return (ints[0] if ints else 3), None
        return None, None

    def unwrap(self) -> TypeSpec:
        """The value type under any ``nullable``/``low_cardinality`` wrappers."""
        spec = self
        while spec.name in _WRAPPERS and spec.type_args:
            spec = spec.type_args[0]
        return spec

    def __str__(self) -> str:
        if self.enum_values:
            items = ", ".join(f"{_quote(label)} = {value}" for label, value in self.enum_values)
            return f"{self.name}({items})"
        if not self.args:
            return self.name
        rendered = [_render_arg(arg) for arg in self.args]
        if self.field_names:
            rendered = [f"{_quote_field(n)} {r}" for n, r in zip(self.field_names, rendered)]
        return f"{self.name}({', '.join(rendered)})"


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _quote_field(name: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return name
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def _render_arg(arg: TypeArg) -> str:
    if isinstance(arg, str):
        return _quote(arg)
    return str(arg)


def canonical_name(name: str) -> str:
    """Canonical Timeplus spelling of a type name; raises TypeParseError if unknown."""
    found = _BY_SQUASHED.get(name.lower().replace("_", ""))
    if found is None:
        raise TypeParseError(f"unknown Timeplus type name {name!r}")
    return found


@lru_cache(maxsize=1024)
def parse_type(text: str) -> TypeSpec:
    """Parse a Timeplus (or ClickHouse-style) type string into a :class:`TypeSpec`."""
    tokens = _tokenize(text)
    parser = _Parser(tokens, text)
    spec = parser.parse_type()
    if parser.pos != len(tokens):
        raise TypeParseError(f"unexpected {tokens[parser.pos][1]!r} in type {text!r}")
    return spec


def parse_result_type(text: str) -> TypeSpec:
    """Lenient variant for result headers: a type this parser does not know (a newer server)
    becomes an opaque ``TypeSpec`` named by its text, whose values pass through unconverted."""
    try:
        return parse_type(text)
    except TypeParseError:
        logger.debug("unknown result type %r; values are passed through", text)
        return TypeSpec(text.strip())


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    stripped_end = len(text.rstrip())
    while pos < stripped_end:
        match = _TOKEN_RE.match(text, pos)
        if match is None or match.lastgroup is None:
            raise TypeParseError(f"cannot parse type {text!r} at position {pos}")
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        pos = match.end()
    if not tokens:
        raise TypeParseError("empty type string")
    return tokens


def _unquote(token: str) -> str:
    value = decode_quoted(token)
    if value is None:
        raise TypeParseError(f"malformed quoted text {token!r} in a type")
    return value


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.pos = 0

    def peek(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            return ("end", "")
        return self.tokens[self.pos]

    def take(self, kind: str, value: str | None = None) -> str:
        tok_kind, tok_value = self.peek()
        if tok_kind != kind or (value is not None and tok_value != value):
            expected = value or kind
            raise TypeParseError(f"expected {expected!r} in type {self.text!r}, got {tok_value!r}")
        self.pos += 1
        return tok_value

    def parse_type(self) -> TypeSpec:
        name = canonical_name(self.take("word"))
        if self.peek() != ("punct", "("):
            return TypeSpec(name)
        self.take("punct", "(")
        if self.peek() == ("punct", ")"):
            self.take("punct", ")")
            return TypeSpec(name)
        if name in ("enum8", "enum16", "enum"):
            return self.finish_enum(name)
        args: list[TypeArg] = []
        fields: list[str] = []
        while True:
            field, arg = self.parse_arg(name in _NAMED_FIELD_TYPES)
            args.append(arg)
            if field is not None:
                fields.append(field)
            if self.take("punct") == ")":
                break
        if fields and len(fields) != len(args):
            raise TypeParseError(f"mixed named and unnamed elements in type {self.text!r}")
        return TypeSpec(name, tuple(args), tuple(fields))

    def parse_arg(self, allow_field_name: bool) -> tuple[str | None, TypeArg]:
        kind, value = self.peek()
        if kind == "number":
            self.pos += 1
            return None, int(value) if re.fullmatch(r"[-+]?\d+", value) else value
        if kind == "string":
            self.pos += 1
            return None, _unquote(value)
        if allow_field_name and kind in ("word", "quoted"):
            follower = self.tokens[self.pos + 1] if self.pos + 1 < len(self.tokens) else None
            if follower is not None and follower[0] in ("word", "quoted"):
                self.pos += 1
                return (_unquote(value) if kind == "quoted" else value), self.parse_type()
        if kind == "word" and _BY_SQUASHED.get(value.lower().replace("_", "")) is None:
            self.pos += 1  # an aggregate function name, e.g. aggregate_function(sum, int64)
            return None, value
        return None, self.parse_type()

    def finish_enum(self, name: str) -> TypeSpec:
        values: list[tuple[str, int]] = []
        while True:
            label = _unquote(self.take("string"))
            self.take("punct", "=")
            values.append((label, int(self.take("number"))))
            if self.take("punct") == ")":
                return TypeSpec(name, enum_values=tuple(values))
