"""Entry point: one Timeplus SQL statement → one :mod:`model` statement.

Owns: statement dispatch and the small statements (DROP, INSERT, SHOW, DESCRIBE,
USE). SELECT lives in :mod:`select`, CREATE in :mod:`ddl`.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from typing import Any, Callable, Optional, cast

from timeplus_emulator.sql.allowlist import (
    INSERT_SETTINGS,
    check_setting,
    check_values_data,
    insert_format,
    is_literal_tokens,
    refuse_words,
    setting_values,
)
from timeplus_emulator.sql.alter import parse_alter
from timeplus_emulator.sql.arrayjoin import check_nested_alias_array_join
from timeplus_emulator.sql.columns import ColumnTypes, in_database, mark_bool_columns
from timeplus_emulator.sql.cursor import TokenCursor
from timeplus_emulator.sql.ddl import parse_create
from timeplus_emulator.sql.errors import (
    INCORRECT_QUERY,
    NOT_IMPLEMENTED,
    SYNTAX_ERROR,
    TOO_DEEP_RECURSION,
    TranslationError,
)
from timeplus_emulator.sql.insertvalues import convert_datetime_values, datetime_targets
from timeplus_emulator.sql.joinkeys import refuse_keyless_join_on
from timeplus_emulator.sql.lambdas import refuse_shadowed_parameters
from timeplus_emulator.sql.model import (
    PLACEHOLDER_PREFIX,
    DescribeStatement,
    DropKind,
    DropStatement,
    ExplainEstimateStatement,
    InsertStatement,
    SelectStatement,
    ShowStatement,
    ShowWhat,
    Statement,
    UseStatement,
)
from timeplus_emulator.sql.modulo import modulo_calls
from timeplus_emulator.sql.mutations import parse_delete, parse_optimize, parse_truncate
from timeplus_emulator.sql.prepass import (
    materialized_using_constants,
    position_in_calls,
    refuse_sample,
    refuse_unaliased_joined_subqueries,
)
from timeplus_emulator.sql.rewriter import (
    Context,
    Rewriter,
    StreamColumns,
    collect_cte_names,
    top_level_index,
)
from timeplus_emulator.sql.select import SelectTranslator
from timeplus_emulator.sql.tokens import Kind, Token, name_of, quote_string, tokenize, unquote
from timeplus_emulator.sql.tuplenull import refuse_null_tuple_comparisons
from timeplus_emulator.sql.unsupported import refuse_unsupported_objects, without_no_op_settings

ViewResolver = Callable[[Optional[str], str], Optional[str]]
SystemTableSql = Callable[[str, str], Optional[str]]
_INSERT_FORMAT = re.compile(
    r"\s*INSERT\s+INTO\s+(?:`(?:[^`\\]|\\.)*`|\"(?:[^\"\\]|\\.)*\"|[^'\"`])*?"
    r"\bFORMAT\s+[A-Za-z0-9_]+",
    re.IGNORECASE | re.DOTALL,
)

MAX_NESTING = 100  # brackets; deeper input is refused instead of exhausting the stack
_DROP_KINDS: dict[str, DropKind] = {"STREAM": "stream", "VIEW": "view", "DATABASE": "database"}


def translate(
    sql: str,
    *,
    resolve_view: Optional[ViewResolver] = None,
    system_table_sql: Optional[SystemTableSql] = None,
    stream_columns: Optional[StreamColumns] = None,
    database: Optional[str] = None,
    column_types: Optional[ColumnTypes] = None,
) -> Statement:
    """Translate one Timeplus SQL statement for the chDB-backed engine.

    ``resolve_view(database, name)`` must return the Timeplus SELECT text of a
    **non-materialized** view, or ``None`` for anything else (streams, materialized
    views, unknown names). ``database`` is ``None`` when the query did not qualify
    the name. Views are inlined as subqueries, so their streams become ``sources``.

    Database names: the translator never maps names. Every ``Source`` and statement
    carries the Timeplus database as written (``None`` = the current database); the
    engine substitutes placeholders ``__TP_SOURCE_<i>__`` with its own qualified
    chDB names (the placeholder covers the whole FROM item including the alias, see
    :mod:`timeplus_emulator.sql.model`). ``system.*`` (and ``information_schema.*``)
    tables are listed in ``SelectStatement.system_tables``; they pass through
    unchanged unless ``system_table_sql(database, table)`` returns a replacement
    FROM item such as ``(SELECT ... FROM system.tables WHERE ...)`` — the translator
    appends the alias (the user's, else the table name). ``stream_columns(database, name)``
    returns the columns ``*`` shows of a stream (None if unknown), for ``SELECT *`` over
    ``JOIN ... USING`` (:mod:`joinorder`). ``column_types(database, name)`` returns a
    stream's ``{column: Timeplus type}`` (None if unknown): references to its bool columns
    count as bool (:mod:`columns`).

    ``database`` is the current database (``None``: the engine's default). With it, every
    unqualified name of the statement is given that database, except inside an inlined view,
    whose unqualified names resolve in the view's own database.

    ``INSERT ... FORMAT <name>`` keeps everything after the format name verbatim (it is
    data, never tokenized).

    Raises :class:`TranslationError` with a Proton error code for rejected SQL.
    """
    insert_format = _INSERT_FORMAT.match(sql)
    data = ""
    if insert_format is not None:
        sql, data = sql[: insert_format.end()], sql[insert_format.end():]
    tokens = modulo_calls(_prewhere_as_where(_comma_after_on(position_in_calls(_format_calls(
        materialized_using_constants(_strip_semicolon(tokenize(sql))))))))
    if PLACEHOLDER_PREFIX in sql:
        tokens = [_defuse_placeholder_text(t) for t in tokens]
    _refuse_query_parameters(tokens)
    _refuse_totals(tokens)
    refuse_sample(tokens)
    refuse_unaliased_joined_subqueries(tokens)
    refuse_keyless_join_on(tokens)
    refuse_null_tuple_comparisons(tokens)
    check_nested_alias_array_join(tokens)
    _check_brackets(tokens)
    estimate = _is_explain_estimate(tokens)
    if estimate:
        tokens = tokens[2:]
    refuse_words(tokens)
    refuse_shadowed_parameters(tokens)
    cte_names = collect_cte_names(tokens)
    tokens = mark_bool_columns(tokens, in_database(column_types, database), cte_names)
    if database is not None and stream_columns is not None:
        stream_columns = _in_current(stream_columns, database)
    ctx = Context(resolve_view=resolve_view, cte_names=cte_names,
                  system_table_sql=system_table_sql, format_data=data,
                  stream_columns=stream_columns, database=database,
                  column_types=column_types)
    try:
        statement = _in_database(_dispatch(tokens, ctx), database)
    except RecursionError:
        raise TranslationError(
            TOO_DEEP_RECURSION, "Maximum parse depth exceeded (deeply nested views?)"
        ) from None
    if not estimate:
        return statement
    if not isinstance(statement, SelectStatement):
        raise TranslationError(
            INCORRECT_QUERY, "Only SELECT is supported for EXPLAIN ESTIMATE query"
        )
    return ExplainEstimateStatement(statement)


def _in_current(lookup: StreamColumns, database: str) -> StreamColumns:
    """``lookup`` with an unqualified name looked up in ``database``."""
    return lambda db, name: lookup(db or database, name)


_NAMED_DATABASES = ("database", "target_database")


def _in_database(statement: Statement, database: Optional[str]) -> Statement:
    """``statement`` with its unqualified stream, view or target names put in ``database``
    (sources were placed while translating; see :class:`Context`)."""
    if database is None:
        return statement
    unset = {f.name: database for f in fields(statement)
             if f.name in _NAMED_DATABASES and getattr(statement, f.name) is None}
    if not unset:
        return statement
    moved: Statement = replace(cast(Any, statement), **unset)
    return moved


def _is_explain_estimate(tokens: list[Token]) -> bool:
    """``EXPLAIN ESTIMATE`` leading the statement: the one EXPLAIN form allowed (any other
    EXPLAIN, anywhere, stays refused by :func:`refuse_words`)."""
    return len(tokens) > 2 and tokens[0].is_word("EXPLAIN") and tokens[1].is_word("ESTIMATE")


def _dispatch(tokens: list[Token], ctx: Context) -> Statement:
    refuse_unsupported_objects(tokens)
    cur = TokenCursor(without_no_op_settings(tokens))
    first = cur.peek()
    if first.is_word("SELECT", "WITH") or first.is_op("("):
        return SelectTranslator(tokens, ctx, bool_comparisons=True).translate(0, len(tokens) - 1)
    handler = _HANDLERS.get(first.upper)
    if handler is None:
        if first.kind is Kind.EOF:
            raise TranslationError(SYNTAX_ERROR, "Syntax error: empty query")
        if first.kind is Kind.IDENT and first.upper in _UNSUPPORTED:
            feature = _FEATURES.get(first.upper, "")
            raise TranslationError(
                NOT_IMPLEMENTED,
                f"{first.upper} statements{feature} are not supported by the emulator",
            )
        raise cur.error("a statement (SELECT, CREATE, ALTER, DROP, INSERT, SHOW, DESCRIBE, USE)")
    cur.take()
    return handler(cur, ctx)


def _defuse_placeholder_text(tok: Token) -> Token:
    """Spell user text that looks like a source placeholder so the engine never matches it.

    Literals and quoted names keep their value (``\\x5F`` is ``_``); comments and bare
    words are changed outright (a bare word becomes a quoted name).
    """
    pre = tok.pre.replace(PLACEHOLDER_PREFIX, "__TP_SOURCE-")
    text = tok.text
    if PLACEHOLDER_PREFIX in text and tok.kind is Kind.STRING and text.startswith("$"):
        text = quote_string(unquote(text))  # a heredoc has no escapes: re-spell it quoted
    if PLACEHOLDER_PREFIX in text:
        escaped = text.replace(PLACEHOLDER_PREFIX, "\\x5F" + PLACEHOLDER_PREFIX[1:])
        if tok.kind is Kind.IDENT:
            return Token(Kind.QUOTED_IDENT, "`" + escaped + "`", tok.pos, pre)
        if tok.kind in (Kind.STRING, Kind.QUOTED_IDENT):
            text = escaped
    return Token(tok.kind, text, tok.pos, pre)


def _comma_after_on(tokens: list[Token]) -> list[Token]:
    """``a JOIN b ON cond, c`` → ``a JOIN b ON cond CROSS JOIN c`` (a comma is a cross join;
    after an ON condition it would be read as part of the condition). ``DISTINCT ON (a, b)``
    is no join condition."""
    out: list[Token] = []
    in_on: list[bool] = [False]  # per bracket depth: inside a JOIN's ON condition
    for tok in tokens:
        if tok.is_op("(", "["):
            in_on.append(False)
        elif tok.is_op(")", "]") and len(in_on) > 1:
            in_on.pop()
        elif tok.is_word("ON") and not (out and out[-1].is_word("DISTINCT")):
            in_on[-1] = True
        elif tok.is_word("JOIN", *_CLAUSE_ENDS, "PREWHERE", "ARRAY", "USING"):
            in_on[-1] = False
        elif tok.is_op(",") and in_on[-1]:
            out += [Token(Kind.IDENT, "CROSS", tok.pos, " "), Token(Kind.IDENT, "JOIN", tok.pos,
                                                                      " ")]
            in_on[-1] = False
            continue
        out.append(tok)
    return out


def _format_calls(tokens: list[Token]) -> list[Token]:
    """``format(pattern, args...)`` is a function, not a FORMAT clause, and ``x.settings``
    (``system.settings``) or ``x.format`` a name, not a clause: spell them as quoted names,
    which no clause parser takes for the keyword."""
    return [Token(Kind.QUOTED_IDENT, f"`{tok.text}`", tok.pos, tok.pre)
            if (tok.is_word("FORMAT") and tokens[i + 1].is_op("("))
            or (tok.is_word("SETTINGS", "FORMAT") and i > 0 and tokens[i - 1].is_op("."))
            else tok
            for i, tok in enumerate(tokens)]


_NAME_BEFORE = ("FROM", "JOIN", "STREAM", "TABLE", "VIEW", "EXISTS", "INTO", "AS", "SELECT", "BY",
                "DISTINCT")  # a word PREWHERE after these is a name (DROP STREAM prewhere)
_CLAUSE_ENDS = ("WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "SETTINGS", "WINDOW", "QUALIFY",
                "UNION", "EXCEPT", "INTERSECT", "EMIT", "FORMAT", "INTO")


def _prewhere_as_where(tokens: list[Token]) -> list[Token]:
    """``PREWHERE p [WHERE w]`` → ``WHERE (p) [AND (w)]``: the same rows (PREWHERE may only
    read the table's own columns, so filtering first or after joins and ARRAY JOIN is the
    same), and chDB allows PREWHERE only directly on a table, where the emulator reads every
    stream through a subquery (it refused PREWHERE with 182)."""
    at = next((i for i, tok in enumerate(tokens) if tok.is_word("PREWHERE") and i > 0
               and not tokens[i - 1].is_word(*_NAME_BEFORE)
               and not tokens[i - 1].is_op(".", ",", "(")
               and not tokens[i + 1].is_op(".", ",", ")") and tokens[i + 1].kind is not Kind.EOF),
              None)
    if at is None:
        return tokens
    end = _clause_end(tokens, at + 1)
    _refuse_prewhere_on_aliases(tokens, at + 1, end)
    condition = [Token(Kind.OP, "(", tokens[at].pos, " "), *tokens[at + 1:end],
                 Token(Kind.OP, ")", tokens[end].pos)]
    rest = tokens[end:]
    if tokens[end].is_word("WHERE"):
        after = _clause_end(tokens, end + 1)
        condition += [Token(Kind.IDENT, "AND", tokens[end].pos, " "),
                      Token(Kind.OP, "(", tokens[end].pos, " "), *tokens[end + 1:after],
                      Token(Kind.OP, ")", tokens[after].pos)]
        rest = tokens[after:]
    where = Token(Kind.IDENT, "WHERE", tokens[at].pos, tokens[at].pre)
    return _prewhere_as_where([*tokens[:at], where, *condition, *rest])


def _refuse_prewhere_on_aliases(tokens: list[Token], start: int, end: int) -> None:
    """Proton refuses (182) a PREWHERE on what is computed after reading (an ``array_join``
    alias, an aggregate); as WHERE it would run. A PREWHERE naming any ``AS`` alias of the
    statement is refused (48), as the emulator cannot tell which kind it is."""
    names = (Kind.IDENT, Kind.QUOTED_IDENT)
    aliases = {name_of(tokens[i + 1]) for i, tok in enumerate(tokens[:-1])
               if tok.is_word("AS") and tokens[i + 1].kind in names}
    for i in range(start, end):
        tok = tokens[i]
        if tok.kind in names and name_of(tok) in aliases and not tokens[i + 1].is_op(".", "("):
            raise TranslationError(
                NOT_IMPLEMENTED, f"PREWHERE naming the alias {name_of(tok)} is not supported by "
                "the emulator (Proton allows only the stream's own columns there); use WHERE")


def _clause_end(tokens: list[Token], start: int) -> int:
    """Index of the word, closing bracket or end that ends the clause starting at ``start``."""
    depth = 0
    for i in range(start, len(tokens)):
        tok = tokens[i]
        if tok.is_op("(", "["):
            depth += 1
        elif tok.is_op(")", "]"):
            if depth == 0:
                return i
            depth -= 1
        elif depth == 0 and (tok.kind is Kind.EOF or tok.is_word(*_CLAUSE_ENDS)):
            return i
    return len(tokens) - 1


def _refuse_query_parameters(tokens: list[Token]) -> None:
    """``{name:type}`` query parameters: the REST API has no field to pass their values."""
    for i, tok in enumerate(tokens[:-3]):
        if tok.is_op("{") and tokens[i + 1].kind is Kind.IDENT and tokens[i + 2].is_op(":"):
            raise TranslationError(
                NOT_IMPLEMENTED, f"query parameters ({{{tokens[i + 1].text}:...}}) are not "
                "supported: the REST API has no way to pass their values")


def _refuse_totals(tokens: list[Token]) -> None:
    """``GROUP BY ... WITH TOTALS``: ClickHouse sends the totals row apart from the data, and
    a query result over the REST API has no place for it (it would be lost silently)."""
    for i, tok in enumerate(tokens[:-1]):
        if tok.is_word("WITH") and tokens[i + 1].is_word("TOTALS"):
            raise TranslationError(NOT_IMPLEMENTED, "WITH TOTALS is not supported by the "
                                   "emulator: a query result has no place for the totals row")


def _strip_semicolon(tokens: list[Token]) -> list[Token]:
    semis = [i for i, t in enumerate(tokens) if t.is_op(";")]
    if not semis:
        return tokens
    if semis != [len(tokens) - 2]:
        raise TranslationError(SYNTAX_ERROR, "Syntax error: Multi-statements are not allowed")
    eof = tokens[-1]
    return [*tokens[:-2], eof.with_text("")]


def _check_brackets(tokens: list[Token]) -> None:
    for i, tok in enumerate(tokens[1:-1], 1):  # session(s, 1m, [a, b)): a range, not brackets
        if (tok.is_word("SESSION") and tokens[i + 1].is_op("(")
                and tokens[i - 1].is_word("FROM", "JOIN")):
            raise TranslationError(NOT_IMPLEMENTED,
                                   "session windows are not supported by the emulator")
    stack: list[Token] = []
    pairs = {")": "(", "]": "["}
    for tok in tokens:
        if tok.is_op("(", "["):
            stack.append(tok)
            if len(stack) > MAX_NESTING:
                raise TranslationError(
                    TOO_DEEP_RECURSION, f"Maximum parse depth ({MAX_NESTING}) exceeded"
                )
        elif tok.is_op(")", "]"):
            if not stack or stack.pop().text != pairs[tok.text]:
                raise TranslationError(
                    SYNTAX_ERROR, f"Syntax error: failed at position {tok.pos + 1} ('{tok.text}'): "
                    "unmatched bracket"
                )
    if stack:
        raise TranslationError(
            SYNTAX_ERROR, f"Syntax error: failed at position {stack[-1].pos + 1}: unclosed bracket"
        )


def _drop(cur: TokenCursor, ctx: Context) -> Statement:
    word = cur.expect_word("STREAM", "VIEW", "DATABASE", "TABLE")
    if word == "TABLE":
        raise TranslationError(SYNTAX_ERROR, "Syntax error: use DROP STREAM, not DROP TABLE")
    if_exists = cur.if_exists()
    if word == "DATABASE":
        database, name = None, cur.name()
    else:
        database, name = cur.qualified_name()
    if not cur.accept_word("SYNC"):  # the emulator drops synchronously: SYNC changes nothing
        cur.accept_words("NO", "DELAY")
    cur.expect_end()
    return DropStatement(_DROP_KINDS[word], database, name, if_exists)


def _insert(cur: TokenCursor, ctx: Context) -> Statement:
    cur.expect_word("INTO")
    if cur.peek().is_word("FUNCTION") and cur.peek(1).kind in (Kind.IDENT, Kind.QUOTED_IDENT):
        raise TranslationError(NOT_IMPLEMENTED, "INSERT INTO FUNCTION is not supported by the "
                                                "emulator; use INSERT INTO stream")
    cur.accept_word("STREAM")
    database, name = cur.qualified_name()
    columns: Optional[tuple[str, ...]] = None
    if cur.accept_op("("):
        names = [_column_name(cur)]
        while cur.accept_op(","):
            names.append(_column_name(cur))
        cur.expect_op(")")
        columns = tuple(names)
    settings: dict[str, str] = {}
    tokens = cur.toks
    end = len(tokens) - 1
    if cur.accept_word("SETTINGS"):
        stop = top_level_index(tokens, cur.pos, end, "VALUES", "SELECT", "WITH", "FORMAT")
        stop = end if stop is None else stop
        for setting in setting_values(tokens, cur.pos, stop):
            checked = check_setting(setting, INSERT_SETTINGS)
            if checked is not None:
                settings[setting.name] = checked.sql
        cur.pos = stop
    first = cur.peek()
    if first.is_word("VALUES"):
        if is_literal_tokens(tokens[cur.pos + 1:end]):
            body = "".join(t.pre + t.text for t in tokens[cur.pos:end]).strip()
        else:
            ctx.values_row = True  # no row-by-row refusal helpers: they do not fold
            lookup = in_database(ctx.column_types, ctx.database)
            targets, width = datetime_targets(columns, lookup(database, name) if lookup else None)
            if targets:
                tokens = convert_datetime_values(tokens, cur.pos + 1, end, targets, width)
                end = len(tokens) - 1
            body = Rewriter(tokens, ctx).rewrite(cur.pos, end, allow_from=False).strip()
        return InsertStatement(database, name, columns, body, tuple(ctx.sources), None, settings)
    if first.is_word("FORMAT"):
        return _insert_format(cur, ctx, InsertStatement(database, name, columns, "", (), None,
                                                        settings))
    if first.is_word("SELECT", "WITH") or first.is_op("("):
        select = SelectTranslator(tokens, ctx).translate(cur.pos, end)
        return InsertStatement(database, name, columns, select.ch_sql, select.sources, select,
                               settings)
    raise cur.error("VALUES, SELECT or FORMAT")


def _column_name(cur: TokenCursor) -> str:
    """A column of an INSERT's list: ``name``, or a nested column's ``n.x``."""
    name = cur.name()
    while cur.peek().is_op(".") and cur.peek(1).kind in (Kind.IDENT, Kind.QUOTED_IDENT):
        cur.pos += 1
        name += "." + cur.name()
    return name


def _insert_format(cur: TokenCursor, ctx: Context, stmt: InsertStatement) -> Statement:
    """``INSERT ... FORMAT <name> <data>``: an allow-listed format; Values data literal only."""
    cur.take()
    fmt = insert_format(cur.name())
    cur.expect_end()
    settings = stmt.settings
    if fmt == "Values":  # defence in depth: chDB evaluates no expression in the data
        check_values_data(ctx.format_data)
        settings = {**settings, "input_format_values_interpret_expressions": "0",
                    "input_format_values_deduce_templates_of_expressions": "0"}
    return replace(stmt, body_ch=f"FORMAT {fmt}{ctx.format_data}", settings=settings)


def _show(cur: TokenCursor, ctx: Context) -> Statement:
    _refuse_format(cur)
    if cur.accept_word("DATABASES"):
        statement = _like(cur, ShowStatement("databases"))
        cur.expect_end()
        return statement
    if cur.accept_word("CREATE"):
        if cur.accept_word("DATABASE"):
            name = cur.name()
            cur.expect_end()
            return ShowStatement("create_database", None, name)
        cur.accept_word("TEMPORARY")
        cur.accept_word("STREAM", "VIEW", "TABLE")
        database, name = cur.qualified_name()
        cur.expect_end()
        return ShowStatement("create", database, name)
    cur.accept_word("FULL")
    materialized = cur.accept_word("MATERIALIZED")
    word = cur.expect_word("STREAMS", "VIEWS", "TABLES")
    what: ShowWhat = "views" if word == "VIEWS" else "streams"
    if materialized and what != "views":
        raise cur.error("VIEWS")
    database = cur.name() if cur.accept_word("FROM", "IN") else None
    statement = _like(cur, ShowStatement(what, database))
    cur.expect_end()
    return statement


def _like(cur: TokenCursor, statement: ShowStatement) -> ShowStatement:
    """``[NOT] LIKE|ILIKE 'pattern'`` after SHOW STREAMS/DATABASES, as Proton's
    ``ParserShowTablesQuery`` reads it."""
    not_like = cur.accept_word("NOT")
    word = cur.peek()
    if not word.is_word("LIKE", "ILIKE"):
        if not_like:
            raise cur.error("LIKE or ILIKE")
        return statement
    cur.take()
    return replace(statement, like=cur.string(), not_like=not_like, ilike=word.is_word("ILIKE"))


def _refuse_format(cur: TokenCursor) -> None:
    """``FORMAT`` at the end of SHOW or DESCRIBE: 48, as for SELECT (results are SSE)."""
    toks = cur.toks
    if len(toks) >= 3 and toks[-3].is_word("FORMAT") and toks[-2].kind is Kind.IDENT:
        raise TranslationError(NOT_IMPLEMENTED, "FORMAT is not supported: results are always "
                                                "sent as SSE")


def _describe(cur: TokenCursor, ctx: Context) -> Statement:
    _refuse_format(cur)
    cur.accept_word("STREAM", "TABLE", "VIEW")
    if cur.peek().is_op("("):
        raise TranslationError(NOT_IMPLEMENTED, "DESCRIBE (query) is not supported by the emulator")
    database, name = cur.qualified_name()
    cur.expect_end()
    return DescribeStatement(database, name)


def _use(cur: TokenCursor, ctx: Context) -> Statement:
    name = cur.name()
    cur.expect_end()
    return UseStatement(name)


def _create(cur: TokenCursor, ctx: Context) -> Statement:
    return parse_create(cur, ctx)


_HANDLERS: dict[str, Callable[[TokenCursor, Context], Statement]] = {
    "ALTER": parse_alter,
    "CREATE": _create,
    "DROP": _drop,
    "INSERT": _insert,
    "SHOW": _show,
    "DESCRIBE": _describe,
    "DESC": _describe,
    "USE": _use,
    "DELETE": parse_delete,
    "TRUNCATE": parse_truncate,
    "OPTIMIZE": parse_optimize,
}
_UNSUPPORTED = frozenset(
    {"EXPLAIN", "RENAME", "SYSTEM", "KILL", "UPDATE",
     "GRANT", "REVOKE", "SET", "EXISTS", "CHECK", "ATTACH", "DETACH", "BACKUP", "RESTORE",
     "SUBSCRIBE", "UNSUBSCRIBE", "RECOVER"}
)
_CHECKPOINTS = " (Proton's query checkpoints)"
_FEATURES = {"SUBSCRIBE": _CHECKPOINTS, "UNSUBSCRIBE": _CHECKPOINTS, "RECOVER": _CHECKPOINTS}
