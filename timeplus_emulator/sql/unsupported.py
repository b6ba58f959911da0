"""Statements Proton parses that the emulator answers without a syntax error.

Owns: the refusal (48, naming the statement) of Proton's access control (users, roles,
quotas, row policies, settings profiles: ``ParserCreateUserQuery`` and its siblings,
``ParserDropAccessEntityQuery``, ``SHOW CREATE USER``...), SQL user-defined functions,
dictionaries and format schemas, which the emulator has no notion of (they used to get a
syntax error, 62); and the trailing ``SETTINGS`` of DROP and ALTER that change nothing in
the emulator, whose DDL is synchronous and has no size limit (``force_drop_big_stream``,
``mutations_sync``, ``alter_sync``): they are checked and dropped before parsing.
"""

from __future__ import annotations

from typing import Optional

from timeplus_emulator.sql.allowlist import setting_values
from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, TranslationError
from timeplus_emulator.sql.tokens import Token

_ACCESS = "the emulator has no access control (users, roles, quotas, row policies, " \
          "settings profiles)"
#: Object kinds after CREATE/ALTER/DROP/SHOW CREATE (longest spelling first) → why refused.
_OBJECTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("ROW", "POLICY"), _ACCESS), (("SETTINGS", "PROFILE"), _ACCESS), (("USER",), _ACCESS),
    (("ROLE",), _ACCESS), (("QUOTA",), _ACCESS), (("POLICY",), _ACCESS),
    (("PROFILE",), _ACCESS),
    (("FUNCTION",), "the emulator has no SQL user-defined functions"),
    (("DICTIONARY",), "the emulator has no dictionaries"),
    (("FORMAT", "SCHEMA"), "the emulator has no format schemas"),
)
#: SHOW forms that list access entities or dictionaries.
_SHOW_LISTS: tuple[tuple[str, ...], ...] = (
    ("GRANTS",), ("USERS",), ("ROLES",), ("CURRENT", "ROLES"), ("ENABLED", "ROLES"),
    ("QUOTA",), ("QUOTAS",), ("POLICIES",), ("ROW", "POLICIES"), ("PROFILES",),
    ("SETTINGS", "PROFILES"), ("ACCESS",), ("PRIVILEGES",), ("DICTIONARIES",),
)
_VERBS = ("CREATE", "ALTER", "DROP")


def _words_at(tokens: list[Token], at: int, words: tuple[str, ...]) -> bool:
    return all(tokens[at + k].is_word(word) for k, word in enumerate(words))


def _object_at(tokens: list[Token], at: int) -> Optional[tuple[tuple[str, ...], str]]:
    return next(((words, why) for words, why in _OBJECTS if _words_at(tokens, at, words)), None)


def refuse_unsupported_objects(tokens: list[Token]) -> None:
    """48 for CREATE/ALTER/DROP/SHOW CREATE of an access entity, a SQL function, a
    dictionary or a format schema, and for SHOW GRANTS/USERS/ROLES/... (``tokens`` ends
    with EOF)."""
    first = tokens[0]
    at = 1
    if first.is_word(*_VERBS):
        if first.is_word("CREATE") and _words_at(tokens, 1, ("OR", "REPLACE")):
            at = 3
        found = _object_at(tokens, at)
        if found is not None:
            _refuse(f"{first.upper} {' '.join(found[0])}", found[1])
    if not first.is_word("SHOW"):
        return
    if tokens[1].is_word("CREATE"):
        found = _object_at(tokens, 2)
        if found is not None:
            _refuse(f"SHOW CREATE {' '.join(found[0])}", found[1])
        return
    for words in _SHOW_LISTS:
        if _words_at(tokens, 1, words):
            why = "the emulator has no dictionaries" if words == ("DICTIONARIES",) else _ACCESS
            _refuse(f"SHOW {' '.join(words)}", why)


def _refuse(statement: str, why: str) -> None:
    raise TranslationError(NOT_IMPLEMENTED, f"{statement} is not supported by the emulator: "
                                            f"{why}")


#: Settings of DROP / ALTER statements that change nothing in the emulator.
NO_OP_DDL_SETTINGS = {
    "DROP": frozenset({"force_drop_big_stream"}),
    "ALTER": frozenset({"mutations_sync", "alter_sync", "replication_alter_partitions_sync"}),
}


def without_no_op_settings(tokens: list[Token]) -> list[Token]:
    """``tokens`` without a trailing ``SETTINGS a = 1, ...`` of a DROP or ALTER whose every
    setting is in :data:`NO_OP_DDL_SETTINGS` (with a literal value); else unchanged."""
    allowed = next((names for verb, names in NO_OP_DDL_SETTINGS.items()
                    if tokens[0].is_word(verb)), None)
    if allowed is None:
        return tokens
    at = _last_top_level(tokens, "SETTINGS")
    if at is None or tokens[at - 1].is_word("MODIFY", "RESET", "QUERY"):
        return tokens
    end = len(tokens) - 1
    try:
        settings = setting_values(tokens, at + 1, end)
    except TranslationError:
        return tokens
    if not all(s.name.lower() in allowed for s in settings):
        return tokens
    return [*tokens[:at], tokens[end]]


def _last_top_level(tokens: list[Token], word: str) -> Optional[int]:
    depth, found = 0, None
    for i, tok in enumerate(tokens):
        if tok.is_op("(", "["):
            depth += 1
        elif tok.is_op(")", "]"):
            depth -= 1
        elif depth == 0 and tok.is_word(word):
            found = i
    return found
