"""Lexer for Timeplus SQL, following ClickHouse's lexical rules.

Owns: splitting SQL text into tokens that can be rendered back byte for byte
(``render(tokenize(s)) == s`` for text without the three spellings below), and
decoding/encoding string literals and quoted identifiers. Each token keeps the whitespace
and comments that precede it in ``pre`` so that rewrites can replace one token's ``text``
without disturbing the rest of the statement.

Timeplus additions: an integer immediately followed by an interval unit
(``5s``, ``10ms``, ``2h``, ``1M``) is one ``INTERVAL`` token. As in ClickHouse, digits
followed by other word characters are a name (``99006_v``), and ``1_000_000`` is a number.

As Proton's lexer (``Lexer.cpp``) and chDB's read them, and spelt so that chDB cannot read
them otherwise: Unicode spaces between tokens (U+00A0, U+3000, U+FEFF, ... as
``skipWhitespacesUTF8``) and nested ``/* /* */ */`` comments are whitespace, kept in ``pre``
as one ASCII space; ``$tag$text$tag$`` (any tag without ``$``, ``$$`` too) is a string
without escapes, whose token is the same string single-quoted; a bare word starting with
``$`` (``$alias$name$``) is a name, whose token is backquoted. Digits and the word after
them stop at ``$`` (``1$a$`` is ``1`` and the name ``$a$``).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from typing import Callable, NamedTuple

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


class Token(NamedTuple):
    """One lexical token; ``pre`` is the whitespace/comments before it."""

    kind: Kind
    text: str
    pos: int
    pre: str = ""
    bool_column: bool = False  # a name the catalog types bool (sql/columns.py)

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
        return self._replace(text=text)


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

#: The Unicode spaces Proton's lexer skips between tokens (``skipWhitespacesUTF8``).
_UNICODE_SPACES = "\u0085\u00a0\u180e\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
_NON_ASCII_WORD = ("\u0080-\u0084\u0086-\u009f\u00a1-\u180d\u180f-\u1fff\u200e-\u2027"
                   "\u202a-\u202e\u2030-\u205e\u2061-\u2fff\u3001-\ufefe\uff00-\U0010ffff")
_WORD_START = "A-Za-z_" + _NON_ASCII_WORD
_WORD_CHARS = "A-Za-z0-9_$" + _NON_ASCII_WORD
# after digits a word goes on without `$` (Proton's lexer: 1$a$ is the number 1, then $a$)
_NUMBER_WORD_CHARS = "A-Za-z0-9_" + _NON_ASCII_WORD
_SPACES = re.compile(f"[ \t\n\r\f\v{_UNICODE_SPACES}]+")
_LINE_COMMENT = re.compile(r"--[^\n]*\n?")
_DOLLAR_WORD = re.compile(r"\$[A-Za-z0-9_][A-Za-z0-9_$]*")  # Proton: an ASCII word char next
_TOKEN_RE = re.compile(
    r"(?P<string>'(?:[^'\\]|\\.|'')*')"
    r"|(?P<quoted>`(?:[^`\\]|\\.|``)*`|\"(?:[^\"\\]|\\.|\"\")*\")"
    r"|(?P<number>0[xXbB][0-9A-Za-z]*|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    rf"(?P<suffix>[{_NUMBER_WORD_CHARS}]*)"
    rf"|(?P<word>[{_WORD_START}][{_WORD_CHARS}]*)"
    r"|(?P<op><=>|::|->|<=|>=|!=|<>|==|\|\||=>|[-+*/%=<>()\[\]{},;.?:@^!&|~])",
    re.DOTALL,
)
# Unicode categories treated as spaces: separators and format characters (U+200B, U+FEFF)
_SPACE_LIKE = frozenset({"Zs", "Zl", "Zp", "Cf", "Cc"})
_KIND_OF_GROUP = {
    "string": Kind.STRING,
    "quoted": Kind.QUOTED_IDENT,
    "word": Kind.IDENT,
    "op": Kind.OP,
}


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$" or ord(ch) > 127


class _Lexer:
    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.tokens: list[Token] = []

    def fail(self, message: str, pos: int) -> TranslationError:
        snippet = self.sql[pos : pos + 20]
        return TranslationError(
            SYNTAX_ERROR, f"Syntax error: failed at position {pos + 1} ('{snippet}'): {message}"
        )

    def run(self) -> list[Token]:
        sql, tokens, pos = self.sql, self.tokens, 0
        match = _TOKEN_RE.match
        while True:
            pre, pos = self._trivia(pos)
            if pos >= len(sql):
                break
            if sql[pos] == "$":
                kind, text, end = self._dollar(pos)
                tokens.append(Token(kind, text, pos, pre))
                pos = end
                continue
            found = match(sql, pos)
            if found is None:
                raise self._no_token(pos)
            group = found.lastgroup
            if group == "suffix" or group == "number":
                kind, text = self._number(found, pos)
            elif group == "op" and sql.startswith("/*", pos):
                raise self.fail("unterminated comment", pos)
            else:
                kind, text = _KIND_OF_GROUP[group or "op"], found.group()
                if kind is Kind.IDENT:
                    self._check_word(text, pos)
            tokens.append(Token(kind, text, pos, pre))
            pos += len(text)
        tokens.append(Token(Kind.EOF, "", len(sql), pre))
        return tokens

    def _trivia(self, pos: int) -> tuple[str, int]:
        """Whitespace and comments from ``pos``: (their text for ``pre``, the next index).
        Unicode spaces and nested comments become one ASCII space each."""
        sql, parts = self.sql, []
        while pos < len(sql):
            found = _SPACES.match(sql, pos) or _LINE_COMMENT.match(sql, pos)
            if found is not None:
                text = found.group()
                parts.append(text if text.isascii() or text.startswith("--") else " ")
                pos = found.end()
            elif sql.startswith("/*", pos):
                end = self._block_comment_end(pos)
                parts.append(" " if "/*" in sql[pos + 2:end] else sql[pos:end])
                pos = end
            else:
                break
        return "".join(parts), pos

    def _block_comment_end(self, pos: int) -> int:
        """Index past the ``/* ... */`` at ``pos``; comments nest, as in Proton's lexer."""
        sql, depth, i = self.sql, 1, pos + 2
        while i + 1 < len(sql):
            if sql.startswith("/*", i):
                depth, i = depth + 1, i + 2
            elif sql.startswith("*/", i):
                depth, i = depth - 1, i + 2
                if depth == 0:
                    return i
            else:
                i += 1
        raise self.fail("unterminated comment", pos)

    def _dollar(self, pos: int) -> tuple[Kind, str, int]:
        """``$tag$text$tag$`` (a string) or a bare word starting with ``$`` (a name), as
        Proton's lexer reads them: (kind, token text, index past it)."""
        sql = self.sql
        close = sql.find("$", pos + 1)
        if close >= 0:
            tag = sql[pos:close + 1]
            end = sql.find(tag, close + 1)
            if end >= 0:
                return Kind.STRING, quote_string(sql[close + 1:end]), end + len(tag)
        word = _DOLLAR_WORD.match(sql, pos)
        if word is None:
            raise self.fail("unexpected character '$'", pos)
        return Kind.QUOTED_IDENT, quote_name(word.group()), word.end()

    def _check_word(self, word: str, pos: int) -> None:
        """ClickHouse skips Unicode spaces (U+00A0, U+200B, U+2028, ...) between tokens, so a
        bare word holding one would be read as several words there: refused."""
        for offset, ch in enumerate(word):
            if ord(ch) > 127 and (ch.isspace() or unicodedata.category(ch) in _SPACE_LIKE):
                raise self.fail(f"unexpected character {ch!r} (a space outside quotes)",
                                pos + offset)

    def _no_token(self, pos: int) -> TranslationError:
        ch = self.sql[pos]
        if ch in "'\"`":
            return self.fail("unterminated quoted literal", pos)
        if self.sql.startswith("/*", pos):
            return self.fail("unterminated comment", pos)
        return self.fail(f"unexpected character {ch!r}", pos)

    def _number(self, found: re.Match[str], pos: int) -> tuple[Kind, str]:
        number, suffix = found.group("number"), found.group("suffix")
        if number.startswith(".") and self._ends_operand():
            return Kind.OP, "."
        if not suffix:
            return Kind.NUMBER, number
        if suffix in INTERVAL_UNITS and number.isdigit():
            return Kind.INTERVAL, number + suffix
        if number.isdigit() and suffix.replace("_", "").isdigit():
            return Kind.NUMBER, number + suffix  # 1_000_000
        if number.isdigit():  # a name starting with digits, such as 99006_v
            return Kind.IDENT, number + suffix
        raise self.fail(f"invalid number or interval {number + suffix!r}", pos)

    def _ends_operand(self) -> bool:
        if not self.tokens:
            return False
        prev = self.tokens[-1]
        ends_operand = prev.kind in (Kind.IDENT, Kind.QUOTED_IDENT, Kind.NUMBER)
        return ends_operand or prev.is_op(")", "]")


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
    if text.startswith("$"):  # heredoc: the text between the two tags, as written
        tag_end = text.index("$", 1) + 1
        return text[tag_end:len(text) - tag_end]
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



def operand_start(tokens: list[Token], op_index: int,
                  called: Callable[[int], bool]) -> int:
    """Index of the first token of the operand just before a postfix operator (``::``) at
    ``op_index``: a bracketed group (with the name before it when ``called(bracket)``:
    ``f(x)``, ``a[1]``), or a literal or name (``t.c``)."""
    i = op_index - 1
    if tokens[i].is_op(")", "]"):
        depth = 0
        while i > 0:
            if tokens[i].is_op(")", "]"):
                depth += 1
            elif tokens[i].is_op("(", "["):
                depth -= 1
                if depth == 0:
                    break
            i -= 1
        if i > 0 and tokens[i - 1].kind in (Kind.IDENT, Kind.QUOTED_IDENT) and called(i):
            i -= 1
    while i > 1 and tokens[i - 1].is_op(".") and \
            tokens[i - 2].kind in (Kind.IDENT, Kind.QUOTED_IDENT):
        i -= 2
    return i
