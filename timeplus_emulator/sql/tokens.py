"""Lexer for Timeplus SQL, following ClickHouse's lexical rules.

Owns: splitting SQL text into tokens that can be rendered back byte for byte
(``render(tokenize(s)) == s``), and decoding/encoding string literals and quoted
identifiers. Each token keeps the whitespace and comments that precede it in
``pre`` so that rewrites can replace one token's ``text`` without disturbing the
rest of the statement.

Timeplus additions: an integer immediately followed by an interval unit
(``5s``, ``10ms``, ``2h``, ``1M``) is one ``INTERVAL`` token.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from timeplus_emulator.sql.errors import SYNTAX_ERROR, TranslationError


class Kind(enum.Enum):
    """Token categories."""

    IDENT = "ident"  # bare word: keyword, function, column, type name
    QUOTED_IDENT = "quoted_ident"  # `x` or "x"
    STRING = "string"  # 'x'
    NUMBER = "number"
    INTERVAL = "interval"  # Timeplus shorthand such as 5s
    OP = "op"  # operators and punctuation
    EOF = "eof"  # carries trailing whitespace/comments


@dataclass(frozen=True)
class Token:
    """One lexical token; ``pre`` is the whitespace/comments before it."""

    kind: Kind
    text: str
    pos: int
    pre: str = ""

    @property
    def upper(self) -> str:
        """Upper-cased text, for keyword comparisons of bare words."""
        return self.text.upper() if self.kind is Kind.IDENT else ""

    def is_word(self, *words: str) -> bool:
        """True if this is a bare word equal (case-insensitively) to one of ``words``."""
        return self.kind is Kind.IDENT and self.text.upper() in words

    def is_op(self, *ops: str) -> bool:
        """True if this is one of the given operator/punctuation tokens."""
        return self.kind is Kind.OP and self.text in ops

    def with_text(self, text: str) -> Token:
        """A copy with different text (same position and leading whitespace)."""
        return replace(self, text=text)


INTERVAL_UNITS: dict[str, str] = {
    "ns": "Nanosecond",
    "us": "Microsecond",
    "ms": "Millisecond",
    "s": "Second",
    "m": "Minute",
    "h": "Hour",
    "d": "Day",
    "w": "Week",
    "M": "Month",
    "q": "Quarter",
    "y": "Year",
}

_MULTI_OPS = ("<=>", "::", "->", "<=", ">=", "!=", "<>", "==", "||", "=>")
_SINGLE_OPS = set("+-*/%=<>()[]{},;.?:@^!&|~")
_WHITESPACE = " \t\n\r\f\v"


def _is_word_start(ch: str) -> bool:
    return ch.isalpha() or ch == "_" or ord(ch) > 127


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$" or ord(ch) > 127


class _Lexer:
    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.i = 0
        self.tokens: list[Token] = []

    def fail(self, message: str, pos: int) -> TranslationError:
        snippet = self.sql[pos : pos + 20]
        return TranslationError(
            SYNTAX_ERROR, f"Syntax error: failed at position {pos + 1} ('{snippet}'): {message}"
        )

    def skip_trivia(self) -> str:
        sql, start = self.sql, self.i
        while self.i < len(sql):
            ch = sql[self.i]
            if ch in _WHITESPACE:
                self.i += 1
            elif sql.startswith("--", self.i):
                end = sql.find("\n", self.i)
                self.i = len(sql) if end < 0 else end + 1
            elif sql.startswith("/*", self.i):
                end = sql.find("*/", self.i + 2)
                if end < 0:
                    raise self.fail("unterminated comment", self.i)
                self.i = end + 2
            else:
                break
        return sql[start : self.i]

    def run(self) -> list[Token]:
        while True:
            pre = self.skip_trivia()
            if self.i >= len(self.sql):
                self.tokens.append(Token(Kind.EOF, "", self.i, pre))
                return self.tokens
            start = self.i
            kind = self.lex_one()
            self.tokens.append(Token(kind, self.sql[start : self.i], start, pre))

    def lex_one(self) -> Kind:
        sql, ch = self.sql, self.sql[self.i]
        if ch in "'\"`":
            end = scan_quoted(sql, self.i)
            if end < 0:
                raise self.fail("unterminated quoted literal", self.i)
            self.i = end
            return Kind.STRING if ch == "'" else Kind.QUOTED_IDENT
        if ch.isdigit() or (ch == "." and self._dot_starts_number()):
            return self.lex_number()
        if _is_word_start(ch):
            while self.i < len(sql) and _is_word_char(sql[self.i]):
                self.i += 1
            return Kind.IDENT
        for op in _MULTI_OPS:
            if sql.startswith(op, self.i):
                self.i += len(op)
                return Kind.OP
        if ch in _SINGLE_OPS:
            self.i += 1
            return Kind.OP
        raise self.fail(f"unexpected character {ch!r}", self.i)

    def _dot_starts_number(self) -> bool:
        nxt = self.sql[self.i + 1 : self.i + 2]
        if not nxt.isdigit():
            return False
        if not self.tokens:
            return True
        prev = self.tokens[-1]
        ends_operand = prev.kind in (Kind.IDENT, Kind.QUOTED_IDENT, Kind.NUMBER)
        return not (ends_operand or prev.is_op(")", "]"))

    def lex_number(self) -> Kind:
        sql, start = self.sql, self.i
        if sql[self.i] == "0" and sql[self.i + 1 : self.i + 2] in ("x", "X", "b", "B"):
            self.i += 2
            while self.i < len(sql) and sql[self.i].isalnum():
                self.i += 1
            return Kind.NUMBER
        self._digits()
        if sql[self.i : self.i + 1] == ".":
            self.i += 1
            self._digits()
        if sql[self.i : self.i + 1] in ("e", "E"):
            nxt = sql[self.i + 1 : self.i + 2]
            after = sql[self.i + 2 : self.i + 3]
            if nxt.isdigit() or (nxt in "+-" and nxt and after.isdigit()):
                self.i += 2
                self._digits()
        suffix_start = self.i
        while self.i < len(sql) and _is_word_char(sql[self.i]):
            self.i += 1
        suffix = sql[suffix_start : self.i]
        if not suffix:
            return Kind.NUMBER
        if suffix in INTERVAL_UNITS and sql[start:suffix_start].isdigit():
            return Kind.INTERVAL
        raise self.fail(f"invalid number or interval {sql[start:self.i]!r}", start)

    def _digits(self) -> None:
        while self.i < len(self.sql) and self.sql[self.i].isdigit():
            self.i += 1


def scan_quoted(sql: str, start: int) -> int:
    """Index just past the quoted literal starting at ``start``, or -1 if unterminated.

    Backslash escapes any character; a doubled quote character stands for one.
    """
    quote = sql[start]
    i = start + 1
    n = len(sql)
    while i < n:
        ch = sql[i]
        if ch == "\\":
            i += 2
        elif ch == quote:
            if i + 1 < n and sql[i + 1] == quote:
                i += 2
            else:
                return i + 1
        else:
            i += 1
    return -1


def tokenize(sql: str) -> list[Token]:
    """Split ``sql`` into tokens; the last one is always ``Kind.EOF``."""
    return _Lexer(sql).run()


def render(tokens: list[Token]) -> str:
    """Concatenate tokens back into SQL text (inverse of :func:`tokenize`)."""
    return "".join(t.pre + t.text for t in tokens)


_DECODE_ESCAPES = {
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "0": "\0",
    "a": "\a",
    "v": "\v",
    "e": "\x1b",
    "N": "",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "`": "`",
}


def unquote(text: str) -> str:
    """Decode a quoted string literal or identifier token text to its value."""
    quote, body = text[0], text[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "x" and _is_hex(body[i + 2 : i + 4]):
                out.append(chr(int(body[i + 2 : i + 4], 16)))
                i += 4
                continue
            out.append(_DECODE_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        elif ch == quote and body[i + 1 : i + 2] == quote:
            out.append(quote)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _is_hex(text: str) -> bool:
    return len(text) == 2 and all(c in "0123456789abcdefABCDEF" for c in text)


def quote_string(value: str) -> str:
    """Render ``value`` as a single-quoted literal (backslash and quote escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def quote_name(name: str) -> str:
    """Render an identifier in backquotes (backslash and backquote escaped)."""
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def name_of(token: Token) -> str:
    """The identifier a bare or quoted identifier token stands for."""
    return unquote(token.text) if token.kind is Kind.QUOTED_IDENT else token.text
