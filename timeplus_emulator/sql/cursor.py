"""A small forward cursor over tokens for the statement-level parsers."""

from __future__ import annotations

from typing import Optional

from timeplus_emulator.sql.errors import SYNTAX_ERROR, TranslationError
from timeplus_emulator.sql.tokens import Kind, Token, name_of

NAME_KINDS = (Kind.IDENT, Kind.QUOTED_IDENT)


class TokenCursor:
    """Sequential access to a token list with keyword helpers."""

    def __init__(self, tokens: list[Token], pos: int = 0) -> None:
        self.toks = tokens
        self.pos = pos

    def peek(self, offset: int = 0) -> Token:
        return self.toks[min(self.pos + offset, len(self.toks) - 1)]

    def take(self) -> Token:
        tok = self.peek()
        if tok.kind is not Kind.EOF:
            self.pos += 1
        return tok

    def at_end(self) -> bool:
        return self.peek().kind is Kind.EOF

    def error(self, expected: str) -> TranslationError:
        tok = self.peek()
        found = tok.text or "end of query"
        return TranslationError(
            SYNTAX_ERROR,
            f"Syntax error: failed at position {tok.pos + 1} ('{found}'): expected {expected}",
        )

    def accept_word(self, *words: str) -> bool:
        """Consume the next token if it is one of ``words`` (one word each)."""
        if self.peek().is_word(*words):
            self.pos += 1
            return True
        return False

    def accept_words(self, *words: str) -> bool:
        """Consume the exact word sequence ``words`` if it comes next."""
        for offset, word in enumerate(words):
            if not self.peek(offset).is_word(word):
                return False
        self.pos += len(words)
        return True

    def expect_word(self, *words: str) -> str:
        tok = self.peek()
        if not tok.is_word(*words):
            raise self.error(" or ".join(words))
        self.pos += 1
        return tok.upper

    def accept_op(self, op: str) -> bool:
        if self.peek().is_op(op):
            self.pos += 1
            return True
        return False

    def expect_op(self, op: str) -> None:
        if not self.accept_op(op):
            raise self.error(f"'{op}'")

    def name(self) -> str:
        tok = self.peek()
        if tok.kind not in NAME_KINDS:
            raise self.error("a name")
        self.pos += 1
        return name_of(tok)

    def qualified_name(self) -> tuple[Optional[str], str]:
        """``name`` or ``db.name``."""
        first = self.name()
        if self.peek().is_op(".") and self.peek(1).kind in NAME_KINDS:
            self.pos += 1
            return first, self.name()
        return None, first

    def if_not_exists(self) -> bool:
        return self.accept_words("IF", "NOT", "EXISTS")

    def if_exists(self) -> bool:
        return self.accept_words("IF", "EXISTS")

    def expect_end(self) -> None:
        if not self.at_end():
            raise self.error("end of query")

    def string(self) -> str:
        from timeplus_emulator.sql.tokens import unquote

        tok = self.peek()
        if tok.kind is not Kind.STRING:
            raise self.error("a string literal")
        self.pos += 1
        return unquote(tok.text)
