"""Translation errors and their Proton error codes.

Owns: :class:`TranslationError` (raised for any SQL the translator rejects) and the
Proton error code constants used by the SQL layer (PROTOCOL.md §7).
"""

from __future__ import annotations

SYNTAX_ERROR = 62
INCORRECT_QUERY = 80
UNKNOWN_STREAM = 60
UNKNOWN_DATABASE = 81
UNKNOWN_IDENTIFIER = 47
UNKNOWN_FUNCTION = 46
UNKNOWN_TYPE = 50
NOT_IMPLEMENTED = 48
BAD_ARGUMENTS = 36
ILLEGAL_COLUMN = 44
UNKNOWN_SETTING = 115
STREAM_ALREADY_EXISTS = 57
DATABASE_ALREADY_EXISTS = 82
TYPE_MISMATCH = 53
ILLEGAL_TYPE_OF_ARGUMENT = 43
CANNOT_PARSE_TEXT = 6
CANNOT_PARSE_DATETIME = 41
TOO_DEEP_RECURSION = 306
INVALID_LIMIT_EXPRESSION = 440
DECIMAL_OVERFLOW = 407
SUSPICIOUS_TYPE_FOR_LOW_CARDINALITY = 455
NUMBER_OF_ARGUMENTS_DOESNT_MATCH = 42
WINDOW_COLUMN_NOT_REFERENCED = 2002


class TranslationError(Exception):
    """Timeplus SQL the emulator rejects, with the Proton error code to report."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"TranslationError({self.code}, {self.message!r})"

#: Starts the message of a ``throwIf`` the translator emits to refuse, row by row, a value it
#: cannot answer as Proton would; the error mapping turns such an error into code 48.
RUNTIME_REFUSAL = "[emulator] "


def runtime_error(code: int) -> str:
    """Starts the message of a ``throwIf`` that answers Proton's error ``code`` (the error
    mapping reports that code and the rest of the message)."""
    return f"[emulator:{code}] "


#: Characters of one expression a rewrite may write out several times (decimal IN, range
#: checked casts, rank statistics' checks). Such a rewrite nested in its own operand grows
#: geometrically (12 nested decimal INs, 200 characters of SQL, made 870 MB), so a longer
#: operand is refused before it is copied.
MAX_COPIED_TEXT = 20_000


def check_copied(text: str, feature: str) -> str:
    """``text``, or 48 naming ``feature`` when it is too long to be written out again."""
    if len(text) > MAX_COPIED_TEXT:
        raise TranslationError(
            NOT_IMPLEMENTED, f"{feature} over an expression this long (or nested this deep) "
            "is not supported by the emulator")
    return text
