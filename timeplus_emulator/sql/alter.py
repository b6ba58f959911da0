"""ALTER STREAM, as Timeplus documents it (docs ``sql-alter-stream.md``).

Owns: parsing ``ALTER STREAM [db.]s <command>[, <command>...]`` into an
:class:`AlterStreamStatement`, and the checks made before any change (the engine calls them
once it knows the stream's storage). For a stream, Proton's
(``StorageStream::checkAlterIsPossible``): all commands of one statement have one type, only
``ADD COLUMN`` may repeat, reserved columns cannot be renamed, ``MODIFY SETTING`` takes only
the four ``logstore_*`` settings, and any other command type (``DROP COLUMN``,
``MODIFY COLUMN``...) is refused with code 48 and Proton's words ("Alter command of type
'DROP_COLUMN' is not supported by storage Stream"). ``ADD INDEX``/``DROP INDEX`` (Proton
accepts them) are refused as not supported by the emulator. An ``ENGINE = Memory|MergeTree``
store alters as a ClickHouse table: the emulator does ADD, DROP and RENAME COLUMN there.
"""

from __future__ import annotations

from typing import Optional

from timeplus_emulator.sql.allowlist import parse_settings
from timeplus_emulator.sql.cursor import TokenCursor
from timeplus_emulator.sql.ddl import StreamParser
from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, TranslationError
from timeplus_emulator.sql.model import AlterCommand, AlterStreamStatement
from timeplus_emulator.sql.rewriter import Context, split_args, top_level_index
from timeplus_emulator.sql.tokens import Token

MODIFIABLE_SETTINGS = ("logstore_flush_messages", "logstore_flush_ms",
                       "logstore_retention_bytes", "logstore_retention_ms")
RESERVED_NAMES = frozenset({"_tp_time", "_tp_delta", "_tp_sn", "_tp_index_time"})
# the words of each command, as Proton names its type (AlterCommand::Type)
_TYPES = {
    ("ADD", "COLUMN"): "ADD_COLUMN", ("DROP", "COLUMN"): "DROP_COLUMN",
    ("RENAME", "COLUMN"): "RENAME_COLUMN", ("MODIFY", "COLUMN"): "MODIFY_COLUMN",
    ("COMMENT", "COLUMN"): "COMMENT_COLUMN", ("CLEAR", "COLUMN"): "DROP_COLUMN",
    ("MODIFY", "TTL"): "MODIFY_TTL", ("REMOVE", "TTL"): "REMOVE_TTL",
    ("MODIFY", "SETTING"): "MODIFY_SETTING", ("RESET", "SETTING"): "RESET_SETTING",
    ("ADD", "INDEX"): "ADD_INDEX", ("DROP", "INDEX"): "DROP_INDEX",
    ("MATERIALIZE", "INDEX"): "MATERIALIZE_INDEX",
    ("MODIFY", "ORDER"): "MODIFY_ORDER_BY", ("ADD", "CONSTRAINT"): "ADD_CONSTRAINT",
    ("DROP", "CONSTRAINT"): "DROP_CONSTRAINT", ("ADD", "PROJECTION"): "ADD_PROJECTION",
    ("DROP", "PROJECTION"): "DROP_PROJECTION", ("MODIFY", "COMMENT"): "COMMENT_TABLE",
}
# other ALTER words Timeplus or ClickHouse know (mutations, partitions, query settings)
_OTHER_COMMANDS = frozenset({"UPDATE", "DELETE", "DROP", "MODIFY", "RESET", "MATERIALIZE",
                             "CLEAR", "ATTACH", "DETACH", "FREEZE", "UNFREEZE", "MOVE",
                             "REPLACE", "FETCH", "APPLY", "ADD", "COMMENT", "REMOVE"})
_OTHER_OBJECTS = frozenset({"PARTITION", "PART", "QUERY", "STATISTICS", "SAMPLE"})
_SUPPORTED = frozenset({"ADD_COLUMN", "RENAME_COLUMN", "MODIFY_TTL", "REMOVE_TTL",
                        "MODIFY_SETTING"})
INDEX_COMMANDS = frozenset({"ADD_INDEX", "DROP_INDEX", "MATERIALIZE_INDEX"})
TABLE_COMMANDS = frozenset({"ADD_COLUMN", "DROP_COLUMN", "RENAME_COLUMN"})


def parse_alter(cur: TokenCursor, ctx: Context) -> AlterStreamStatement:
    """After the word ALTER: ``STREAM [db.]name command[, command...]``."""
    if not cur.accept_word("STREAM"):
        raise TranslationError(
            NOT_IMPLEMENTED, f"ALTER {cur.peek().text} is not supported by the emulator "
            "(it supports ALTER STREAM)")
    database, name = cur.qualified_name()
    end = len(cur.toks) - 1
    commands = [_command(cur.toks, start, stop, ctx) for start, stop in
                _command_ranges(cur.toks, cur.pos, end)]
    return AlterStreamStatement(database, name, tuple(commands))


def _command_ranges(toks: list[Token], start: int, end: int) -> list[tuple[int, int]]:
    """Split at the top-level commas that start a new command (``MODIFY SETTING a = 1,
    b = 2`` is one command)."""
    ranges: list[tuple[int, int]] = []
    for a, b in split_args(toks, start, end):
        if ranges and (toks[a].upper, toks[a + 1].upper) not in _TYPES:
            a = ranges.pop()[0]
        ranges.append((a, b))
    return ranges


def _command(toks: list[Token], start: int, end: int, ctx: Context) -> AlterCommand:
    cur = TokenCursor(toks, start)
    words = (cur.peek().upper, cur.peek(1).upper)
    kind = _TYPES.get(words)
    if kind is None and words[0] in _OTHER_COMMANDS:
        what = " ".join(words) if words[1] in _OTHER_OBJECTS else words[0]
        raise TranslationError(NOT_IMPLEMENTED, f"ALTER STREAM ... {what} is not supported "
                               "by the emulator")
    if kind is None:
        raise cur.error("an ALTER STREAM command (ADD COLUMN, RENAME COLUMN, MODIFY TTL, "
                        "MODIFY SETTING)")
    if words[0] == "CLEAR":  # resets a column's values (in a partition): not a DROP
        raise TranslationError(NOT_IMPLEMENTED, "ALTER STREAM ... CLEAR COLUMN is not "
                               "supported by the emulator")
    cur.pos += 2
    if kind == "DROP_COLUMN" and words[0] == "DROP":
        if_exists = cur.if_exists()
        name = cur.name()
        _expect_at(cur, end)
        return AlterCommand(kind, name=name, if_exists=if_exists)
    if kind in INDEX_COMMANDS:
        return _index_command(cur, kind, end)
    if kind not in _SUPPORTED:
        return AlterCommand(kind)
    if kind == "ADD_COLUMN":
        return _add_column(cur, end, ctx)
    if kind == "RENAME_COLUMN":
        if_exists = cur.if_exists()
        old = cur.name()
        cur.expect_word("TO")
        new = cur.name()
        _expect_at(cur, end)
        return AlterCommand(kind, name=old, new_name=new, if_exists=if_exists)
    if kind == "MODIFY_TTL":
        parser = StreamParser(TokenCursor(toks, cur.pos))
        return AlterCommand(kind, ttl=parser.text_of(cur.pos, end),
                            ttl_ch=parser.rewrite_of(cur.pos, end))
    if kind == "MODIFY_SETTING":
        return AlterCommand(kind, settings=tuple((k, v) for k, v, _ in
                                                 parse_settings(toks, cur.pos, end)))
    _expect_at(cur, end)
    return AlterCommand(kind)


def _add_column(cur: TokenCursor, end: int, ctx: Context) -> AlterCommand:
    if_not_exists = cur.if_not_exists()
    toks = cur.toks
    place = top_level_index(toks, cur.pos, end, "AFTER", "FIRST")
    after: Optional[str] = None
    first = False
    column_end = end if place is None else place
    if place is not None:
        tail = TokenCursor(toks, place)
        if tail.accept_word("FIRST"):
            first = True
        else:
            tail.expect_word("AFTER")
            after = tail.name()
        _expect_at(tail, end)
    column = StreamParser(cur).column_at(cur.pos, column_end)
    if not column.type:  # ClickHouse's AlterCommands::validate, as Proton answers it
        raise TranslationError(36, f"Data type have to be specified for column "
                               f"`{column.name}` to add")
    if column.name in RESERVED_NAMES or column.name.startswith("_tp_"):
        raise TranslationError(44, f"Column {column.name} is reserved, should not used in "
                               "alter query.")
    return AlterCommand("ADD_COLUMN", column=column, if_not_exists=if_not_exists,
                        after=after, first=first)


def _index_command(cur: TokenCursor, kind: str, end: int) -> AlterCommand:
    """ADD INDEX name (cols) [UNIQUE] [STORING (...)], DROP INDEX [IF EXISTS] name,
    MATERIALIZE INDEX name [WITH CLEAR] (docs ``mutable-stream-indexes.md``)."""
    if kind == "ADD_INDEX":
        if_not_exists = cur.if_not_exists()
        if not cur.peek(1).is_op("("):  # a skipping index (``i expr TYPE minmax``)
            return AlterCommand(kind, name=cur.peek().text)
        index = StreamParser(cur).index_at(cur.pos, end)
        return AlterCommand(kind, index=index, name=index.name, if_not_exists=if_not_exists)
    if_exists = cur.if_exists() if kind == "DROP_INDEX" else False
    name = cur.name()
    if kind == "MATERIALIZE_INDEX":
        cur.accept_words("WITH", "CLEAR")
    _expect_at(cur, end)
    return AlterCommand(kind, name=name, if_exists=if_exists)


def check_mutable_alter(commands: tuple[AlterCommand, ...], columns: set[str],
                        indexes: set[str]) -> None:
    """A mutable stream alters its secondary indexes only (in the emulator)."""
    for command in commands:
        if command.kind not in INDEX_COMMANDS:
            raise TranslationError(NOT_IMPLEMENTED, f"Alter command of type '{command.kind}' "
                                   "on a mutable stream is not supported by the emulator")
        if command.kind == "ADD_INDEX" and command.index is None:
            raise TranslationError(NOT_IMPLEMENTED, "ALTER STREAM ... ADD INDEX of a skipping "
                                   "index on a mutable stream is not supported by the emulator")
        if command.index is not None:
            unknown = [c for c in command.index.columns + command.index.storing
                       if c not in columns]
            if unknown:
                raise TranslationError(47, f"Index {command.index.name} names unknown column "
                                       f"'{unknown[0]}'")
            if command.name in indexes and not command.if_not_exists:
                raise TranslationError(44, f"Index {command.name} already exists")
        elif command.name not in indexes and not command.if_exists:
            raise TranslationError(36, f"Index {command.name} does not exist")


def _expect_at(cur: TokenCursor, end: int) -> None:
    if cur.pos != end:
        raise cur.error("',' or the end of the statement")


def check_table_alter(commands: tuple[AlterCommand, ...], engine: str) -> None:
    """An ``ENGINE = MergeTree`` store alters as in ClickHouse; the emulator does ADD, DROP
    and RENAME COLUMN there. Proton's Memory engine alters nothing (its base
    ``checkAlterIsPossible`` refuses every command, 48)."""
    if engine == "Memory":
        raise TranslationError(NOT_IMPLEMENTED, f"Alter of type '{commands[0].kind}' is not "
                               "supported by storage Memory")
    for command in commands:
        if command.kind not in TABLE_COMMANDS:
            raise TranslationError(NOT_IMPLEMENTED, f"Alter command of type '{command.kind}' "
                                   f"on ENGINE = {engine} is not supported by the emulator")


def check_stream_alter(commands: tuple[AlterCommand, ...]) -> None:
    """Proton's ``StorageStream::checkAlterIsPossible``, in its order and words."""
    kind = commands[0].kind
    if any(c.kind != kind for c in commands):
        listed = ", ".join(c.kind for c in commands)
        raise TranslationError(NOT_IMPLEMENTED, "Multi different alter commands are not "
                               f"supported for Stream storage engine. Alter commands=[{listed}]")
    if len(commands) > 1 and kind != "ADD_COLUMN":
        raise TranslationError(NOT_IMPLEMENTED, f"Multi {kind} alter commands are not "
                               "supported for Stream storage engine")
    for command in commands:
        if command.kind in INDEX_COMMANDS:
            words = command.kind.replace("_", " ")
            raise TranslationError(NOT_IMPLEMENTED, f"ALTER STREAM ... {words} is not "
                                   "supported by the emulator on a stream that is not mutable")
        if command.kind not in _SUPPORTED:
            raise TranslationError(NOT_IMPLEMENTED, f"Alter command of type '{command.kind}' "
                                   "is not supported by storage Stream")
        if command.kind == "RENAME_COLUMN" and command.name in RESERVED_NAMES:
            raise TranslationError(NOT_IMPLEMENTED, f"Cannot rename reserved column "
                                   f"'{command.name}' in Stream storage engine")
        for key, _ in command.settings:
            if key not in MODIFIABLE_SETTINGS:
                raise TranslationError(
                    NOT_IMPLEMENTED, f"Modify setting {key} is not supported, only "
                    f"{', '.join(MODIFIABLE_SETTINGS)} settings can be modified")
