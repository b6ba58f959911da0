"""A small SQL tokenizer and the statement facts the driver needs from it.

Owns: pyformat parameter substitution (``%s``, ``%(name)s``, ``%%``), statement classification,
recognising ``INSERT ... VALUES (%s, ...)`` for the ingest path, the driver's one reading of quoted
names and literals (:func:`decode_quoted`, the server's rules; the type parser uses it too; an
ingest-path INSERT whose names hold escapes the driver cannot be sure of runs as SQL), and merging
``SETTINGS query_mode='table'`` into a query. Everything works on tokens, so string literals,
quoted identifiers and comments that contain keywords are never mistaken for clauses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Optional, Union

from .errors import ProgrammingError

__all__ = [
    "InsertTarget",
    "Token",
    "analyze_insert",
    "decode_quoted",
    "is_select",
    "merge_settings",
    "split_values_template",
    "statement_kind",
    "substitute_params",
    "tokenize",
    "top_level_limit",
    "values_placeholders",
]

_TOKEN_RE = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<string>'(?:[^'\\]|\\.|'')*(?:'|\Z))
    | (?P<qident>`(?:[^`\\]|\\.|``)*(?:`|\Z)|"(?:[^"\\]|\\.|"")*(?:"|\Z))
    | (?P<param>%\([^)]*\)s|%s)
    | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<number>\d[\w.]*(?:[eE][-+]?\d+)?)
    | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_QUERY_WORDS = {"select", "with", "show", "describe", "desc", "explain", "exists"}


class Token(NamedTuple):
    kind: str
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text


def tokenize(sql: str) -> list[Token]:
    """All tokens, including whitespace and comments, covering ``sql`` end to end."""
    tokens: list[Token] = []
    for match in _TOKEN_RE.finditer(sql):
        kind = match.lastgroup or "punct"
        tokens.append(Token(kind, match.group(), match.start(), match.end()))
    return tokens


def significant(tokens: Sequence[Token]) -> list[Token]:
    return [t for t in tokens if t.kind not in ("ws", "comment")]


# --- parameters -----------------------------------------------------------------------------

_PARAM_RE = re.compile(r"%(?:\((?P<name>[^)]*)\))?(?P<kind>.?)", re.DOTALL)


def substitute_params(sql: str, params: Any, render: Callable[[Any], str]) -> str:
    """Replace pyformat placeholders with rendered literals (``params`` None: SQL unchanged).

    As in other pyformat drivers, ``%%`` stands for ``%`` everywhere once parameters are given.
    """
    if params is None:
        return sql
    named = isinstance(params, Mapping)
    if not named and (isinstance(params, (str, bytes)) or not isinstance(params, Sequence)):
        raise ProgrammingError(
            f"parameters must be a sequence or a mapping, not {type(params).__name__}"
        )
    position = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal position
        name, kind = match.group("name"), match.group("kind")
        if kind == "%" and name is None:
            return "%"
        if kind != "s":
            raise ProgrammingError(f"unsupported placeholder {match.group()!r}; use %s or %(name)s")
        if name is not None:
            if not named:
                raise ProgrammingError(f"placeholder %({name})s needs a mapping of parameters")
            if name not in params:
                raise ProgrammingError(f"no value for parameter {name!r}")
            return render(params[name])
        if named:
            raise ProgrammingError("positional %s placeholder used with a mapping of parameters")
        if position >= len(params):
            raise ProgrammingError(f"not enough parameters: {len(params)} given")
        position += 1
        return render(params[position - 1])

    result = _PARAM_RE.sub(replace, sql)
    if not named and position != len(params):
        raise ProgrammingError(f"{len(params)} parameters given, the statement uses {position}")
    return result


# --- classification ---------------------------------------------------------------------------


def _first_word(sql: str) -> str:
    for token in significant(tokenize(sql)):
        if token.text == "(":
            continue
        return token.text.lower() if token.kind == "word" else ""
    return ""


def statement_kind(sql: str) -> str:
    """``query`` (returns rows), ``insert`` or ``command`` (DDL and everything else)."""
    word = _first_word(sql)
    if word in _QUERY_WORDS:
        return "query"
    return "insert" if word == "insert" else "command"


def is_select(sql: str) -> bool:
    """SELECT or WITH ... SELECT: the statements that take a ``query_mode`` setting."""
    return _first_word(sql) in ("select", "with")


def _top_level(tokens: Sequence[Token]) -> list[Token]:
    depth = 0
    found: list[Token] = []
    for token in tokens:
        if token.text in "([" and token.kind == "punct":
            depth += 1
        elif token.text in ")]" and token.kind == "punct":
            depth = max(0, depth - 1)
        elif depth == 0:
            found.append(token)
    return found


_SET_OPERATIONS = {"UNION", "INTERSECT", "EXCEPT"}
_AFTER_LIMIT = {"", ";", "SETTINGS", "EMIT", "FORMAT"}  # what may follow a plain LIMIT clause


def top_level_limit(sql: str) -> Optional[int]:
    """The row count the statement's top-level ``LIMIT`` caps its result at.

    None when there is no such limit or the text does not fix it: an expression or parameter,
    ``WITH TIES``, or a set operation (whose ``LIMIT`` binds to one branch). ``LIMIT n BY``
    limits rows per group, not the result, and is skipped. ``LIMIT m, n`` and
    ``LIMIT n OFFSET m`` cap at n.
    """
    top = _top_level(significant(tokenize(sql)))
    if any(t.upper in _SET_OPERATIONS for t in top):
        return None
    found: Optional[int] = None
    for index, token in enumerate(top):
        if token.upper == "LIMIT":
            clause = _limit_clause(top[index + 1 :])
            if clause is None:
                return None
            if clause >= 0:
                found = clause
    return found


def _limit_clause(rest: Sequence[Token]) -> Optional[int]:
    """n of ``LIMIT [m,] n [OFFSET k]`` at the start of ``rest``; -1 for ``LIMIT ... BY``;
    None when the clause is anything else."""
    words = [t.upper for t in rest[:6]] + [""] * 6
    if not _is_count(rest, 0):
        return None
    if words[1] == ",":
        if not _is_count(rest, 2):
            return None
        count, after = int(rest[2].text), 3
    elif words[1] == "OFFSET":
        if not _is_count(rest, 2):
            return None
        count, after = int(rest[0].text), 3
    else:
        count, after = int(rest[0].text), 1
    if words[after] == "BY":
        return -1
    return count if words[after] in _AFTER_LIMIT else None


def _is_count(tokens: Sequence[Token], index: int) -> bool:
    return index < len(tokens) and tokens[index].kind == "number" and tokens[index].text.isdigit()


# --- SETTINGS merging -------------------------------------------------------------------------


def _settings_clause(tokens: list[Token]) -> Optional[tuple[int, list[str]]]:
    """Index of a trailing top-level SETTINGS keyword in ``tokens`` and the names it sets."""
    top = _top_level(tokens)
    for pos in range(len(top) - 1, -1, -1):
        if top[pos].upper != "SETTINGS":
            continue
        rest = tokens[tokens.index(top[pos]) + 1 :]
        names = _setting_names(rest)
        return (tokens.index(top[pos]), names) if names is not None else None
    return None


def _setting_names(rest: list[Token]) -> Optional[list[str]]:
    """Names in ``name = value, ...``; None when ``rest`` is not such a list."""
    names: list[str] = []
    index = 0
    while index < len(rest):
        if index + 2 >= len(rest) or rest[index].kind not in ("word", "qident"):
            return None
        if rest[index + 1].text != "=":
            return None
        names.append(rest[index].text.lower())
        index += 3
        while index < len(rest) and rest[index].text != ",":
            if rest[index].kind == "word" and rest[index].upper in ("SELECT", "FROM", "WHERE"):
                return None
            index += 1
        index += 1
    return names or None


def merge_settings(sql: str, name: str, value_literal: str) -> str:
    """Add ``name=value`` to the query's top-level SETTINGS clause, or append one.

    An explicit setting of the same name in the query wins. Trailing ``;`` and comments stay after
    the clause.
    """
    tokens = tokenize(sql)
    sig = [t for t in significant(tokens)]
    while sig and sig[-1].text == ";":
        sig.pop()
    if not sig:
        return sql
    clause = _settings_clause(sig)
    if clause is not None:
        index, names = clause
        if name.lower() in names:
            return sql
        insert_at = sig[index].end
        return f"{sql[:insert_at]} {name}={value_literal},{sql[insert_at:]}"
    insert_at = sig[-1].end
    return f"{sql[:insert_at]} SETTINGS {name}={value_literal}{sql[insert_at:]}"


# --- INSERT ... VALUES (%s, ...) ------------------------------------------------------------


@dataclass(frozen=True)
class InsertTarget:
    """An ``INSERT INTO stream [(cols)] VALUES (placeholders)...`` that can go to ingest."""

    stream: str
    columns: tuple[str, ...]  # empty: the stream's own column list
    placeholders: tuple[tuple[Optional[str], ...], ...]  # per VALUES tuple; name or None


# --- quoted names: the server's (ClickHouse's) rules --------------------------------------------

# Backslash escapes the server decodes in quoted strings and identifiers. ``\\xHH`` gives a raw
# byte; any other escaped character keeps its backslash.
_ESCAPES = {
    "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "0": "\0", "a": "\a",
    "v": "\v", "e": "\x1b", "N": "", "\\": "\\", "'": "'", '"': '"', "`": "`",
}
# The escapes every Timeplus/ClickHouse version reads the same way
_CERTAIN_ESCAPES = frozenset("\\'\"`")
_HEX = frozenset("0123456789abcdefABCDEF")


def decode_quoted(text: str, *, certain_only: bool = False) -> Optional[str]:
    """The value of a quoted identifier (backquotes or double quotes) or string literal, as
    the server reads it: a backslash escapes the next character (see ``_ESCAPES``; ``\\xHH``
    is a byte), and the quote character doubled stands for itself (only that one: two double
    quotes inside backquotes stay two double quotes). None when ``text`` is not one whole
    quoted token, or, with ``certain_only``, when it holds an escape other than an escaped
    backslash or quote character.
    """
    quote = text[:1]
    if quote not in ("`", '"', "'") or len(text) < 2 or text[-1] != quote:
        return None
    out: list[str] = []
    body, i = text[1:-1], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            if i + 1 >= len(body):
                return None  # the closing quote is escaped: not a whole token
            nxt = body[i + 1]
            if certain_only and nxt not in _CERTAIN_ESCAPES:
                return None
            if nxt == "x" and len(body) > i + 3 and set(body[i + 2 : i + 4]) <= _HEX:
                out.append(chr(int(body[i + 2 : i + 4], 16)))
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        elif ch == quote:
            if body[i + 1 : i + 2] != quote:
                return None  # a lone quote ends the token early
            out.append(quote)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _identifier(token: Token) -> Optional[str]:
    """The name an identifier token of an ingest-path INSERT stands for; None when the driver
    cannot be sure the server reads it the same way (the statement then runs as SQL).

    The ingest path only runs with parameters, where pyformat turns ``%%`` into ``%``; a
    ``%`` that is not doubled is left to the SQL path's substitution to judge.
    """
    if token.kind != "qident":
        return token.text
    if "%" in token.text.replace("%%", ""):
        return None
    name = decode_quoted(token.text, certain_only=True)
    return None if name is None else name.replace("%%", "%")


def _param_name(token: Token) -> Optional[str]:
    return token.text[2:-2] if token.text.startswith("%(") else None




def _parse_group(
    sig: list[Token], pos: int, item_kinds: tuple[str, ...]
) -> tuple[list[Token], int]:
    """A parenthesised, comma-separated list of single tokens of ``item_kinds``."""
    if pos >= len(sig) or sig[pos].text != "(":
        raise ValueError("expected (")
    items: list[Token] = []
    pos += 1
    while True:
        if pos + 1 >= len(sig) or sig[pos].kind not in item_kinds:
            raise ValueError("not a simple list")
        items.append(sig[pos])
        if sig[pos + 1].text == ")":
            return items, pos + 2
        if sig[pos + 1].text != ",":
            raise ValueError("not a simple list")
        pos += 2


def analyze_insert(sql: str) -> Optional[InsertTarget]:
    """The ingest target of an INSERT whose VALUES are only placeholders, else None.

    Names are read as pyformat leaves them (``%%`` → ``%``): the statement has placeholders.
    A database-qualified stream (``db.s``) is None: the REST ingest endpoint addresses
    streams by name within the workspace, so such INSERTs run as SQL.
    """
    sig = significant(tokenize(sql))
    while sig and sig[-1].text == ";":
        sig.pop()
    words = [t.upper for t in sig[:3]]
    if words[:2] != ["INSERT", "INTO"] or len(sig) < 4:
        return None
    pos = 3 if words[2] == "TABLE" else 2
    try:
        if sig[pos].kind not in ("word", "qident"):
            return None
        stream, pos = _identifier(sig[pos]), pos + 1
        if stream is None:
            return None
        if pos < len(sig) and sig[pos].text == ".":
            return None  # db.stream: the ingest endpoint only reaches the workspace's streams
        columns: list[Token] = []
        if pos < len(sig) and sig[pos].text == "(":
            columns, pos = _parse_group(sig, pos, ("word", "qident"))
        if pos >= len(sig) or sig[pos].upper != "VALUES":
            return None
        pos += 1
        groups: list[tuple[Optional[str], ...]] = []
        while True:
            params, pos = _parse_group(sig, pos, ("param",))
            groups.append(tuple(_param_name(p) for p in params))
            if pos == len(sig):
                break
            if sig[pos].text != ",":
                return None
            pos += 1
    except (ValueError, IndexError):
        return None
    if len({len(g) for g in groups}) != 1 or (columns and len(columns) != len(groups[0])):
        return None
    if len({name is None for group in groups for name in group}) != 1:
        return None  # mixed %s and %(name)s: let substitution report it
    names = [_identifier(c) for c in columns]
    if None in names:
        return None  # a name the driver cannot read for sure: the SQL path sends it as written
    return InsertTarget(stream, tuple(str(n) for n in names), tuple(groups))


@dataclass(frozen=True)
class ValuesPlaceholders:
    """The VALUES items of an INSERT that are a placeholder alone, with their columns:
    ``params[i]`` (a positional index or a name) gives the value of ``columns[i]``."""

    stream: str
    columns: tuple[str, ...]
    params: tuple[Union[int, str], ...]


def _placeholder_key(token: Token, position: int) -> Union[int, str]:
    name = _param_name(token)
    return position if name is None else name


def values_placeholders(sql: str) -> Optional[ValuesPlaceholders]:
    """For ``INSERT INTO s (cols) VALUES (items)`` with one row of items: the columns whose
    item is a bare placeholder (the others are expressions, e.g. ``now()``); None for other
    statements, or when the placeholders cannot be matched to substitution for sure."""
    sig = significant(tokenize(sql))
    while sig and sig[-1].text == ";":
        sig.pop()
    template = split_values_template(sql)
    params = [t for t in sig if t.kind == "param"]
    if template is None or len(params) != len(_PARAM_RE.findall(sql)):
        return None  # e.g. a %s inside a quoted name: substitution sees more than the tokens
    words = [t.upper for t in sig[:3]]
    pos = 3 if words[2:3] == ["TABLE"] else 2
    try:
        stream = _identifier(sig[pos]) if sig[pos].kind in ("word", "qident") else None
        names, pos = _parse_group(sig, pos + 1, ("word", "qident"))
    except (ValueError, IndexError):
        return None
    columns = [_identifier(t) for t in names]
    if stream is None or None in columns or sig[pos : pos + 2] != _values_open(sig, pos):
        return None
    if sig[-1].text != ")":
        return None
    items = _top_level_items(sig[pos + 2 : -1])
    if len(items) != len(columns) or any(not item for item in items):
        return None
    found = [
        (str(column), _placeholder_key(item[0], params.index(item[0])))
        for column, item in zip(columns, items)
        if len(item) == 1 and item[0].kind == "param"
    ]
    return ValuesPlaceholders(stream, tuple(c for c, _ in found), tuple(k for _, k in found))


def _values_open(sig: list[Token], pos: int) -> list[Token]:
    """``sig[pos:pos + 2]`` when it is ``VALUES (``, else an empty list."""
    pair = sig[pos : pos + 2]
    return pair if [t.upper for t in pair] == ["VALUES", "("] else []


def _top_level_items(tokens: Sequence[Token]) -> list[list[Token]]:
    """Comma-separated items of a parenthesised list's inside, commas nested in () or []
    left alone."""
    items: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == "punct" and token.text in "([":
            depth += 1
        elif token.kind == "punct" and token.text in ")]":
            depth -= 1
        elif token.kind == "punct" and token.text == "," and depth == 0:
            items.append([])
            continue
        items[-1].append(token)
    return items


def split_values_template(sql: str) -> Optional[tuple[str, str, str]]:
    """``(head, row, tail)`` of ``INSERT ... VALUES (row) tail`` with one parenthesised row.

    ``executemany`` renders the row once per parameter set and joins them, so an INSERT whose
    values mix placeholders and expressions still goes in a few multi-row statements.
    """
    sig = significant(tokenize(sql))
    if len(sig) < 2 or sig[0].upper != "INSERT":
        return None
    values_at = next((i for i, t in enumerate(sig) if t.upper == "VALUES"), None)
    if values_at is None or values_at + 1 >= len(sig) or sig[values_at + 1].text != "(":
        return None
    depth = 0
    for index in range(values_at + 1, len(sig)):
        token = sig[index]
        if token.kind == "punct" and token.text == "(":
            depth += 1
        elif token.kind == "punct" and token.text == ")":
            depth -= 1
            if depth == 0:
                start, end = sig[values_at + 1].start, token.end
                rest = [t.text for t in sig[index + 1 :]]
                if rest and rest[0] == ",":
                    return None  # several rows already: leave the statement alone
                return sql[:start], sql[start:end], sql[end:]
    return None
