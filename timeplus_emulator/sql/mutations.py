"""DELETE FROM and TRUNCATE STREAM (Timeplus Enterprise; docs ``sql-delete.md``,
``sql-truncate-stream.md``), and OPTIMIZE TABLE.

Owns: parsing these statements. The WHERE condition of DELETE is translated like any
expression (functions allow-listed, no trailing clause such as SETTINGS or FORMAT) and kept
in parentheses. Its subqueries (``IN (SELECT ...)``, scalar) are translated as any SELECT;
the streams they read are ``sources``, and each must be read with ``table(s)``: a bare
stream there is a streaming read, which a one-shot DELETE cannot wait for, and Timeplus
documents no other reading of it (code 48). Whether the stream takes the condition, and how
(synchronously on a mutable stream, in the background on a normal one), is the executor's
business (:mod:`timeplus_emulator.mutations`).
"""

from __future__ import annotations

from timeplus_emulator.sql.cursor import TokenCursor
from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, SYNTAX_ERROR, TranslationError
from timeplus_emulator.sql.model import (
    DeleteStatement,
    OptimizeStatement,
    Statement,
    TruncateStatement,
)
from timeplus_emulator.sql.rewriter import Context, Rewriter, top_level_index

#: Query clauses that cannot follow a DELETE condition (the condition is one expression).
_CLAUSES = ("SETTINGS", "FORMAT", "LIMIT", "ORDER", "GROUP", "HAVING", "UNION", "EXCEPT",
            "INTERSECT", "INTO", "WINDOW", "QUALIFY")


def parse_delete(cur: TokenCursor, ctx: Context) -> Statement:
    """After DELETE: ``FROM [db.]s WHERE condition``."""
    cur.expect_word("FROM")
    database, name = cur.qualified_name()
    cur.expect_word("WHERE")
    start, end = cur.pos, len(cur.toks) - 1
    if start == end:
        raise cur.error("a condition")
    clause = top_level_index(cur.toks, start, end, *_CLAUSES)
    if clause is not None:
        raise TranslationError(SYNTAX_ERROR, f"Syntax error: DELETE takes one condition after "
                               f"WHERE, not {cur.toks[clause].upper}")
    where = Rewriter(cur.toks, ctx).rewrite(start, end, allow_from=False).strip()
    streaming = next((s for s in ctx.sources if not s.historical), None)
    if streaming is not None:
        raise TranslationError(NOT_IMPLEMENTED, f"DELETE reads stream {streaming.name} in a "
                               f"subquery: read it as table({streaming.name}) (a streaming read "
                               "in DELETE is not supported by the emulator)")
    # parenthesized: whatever the rewriter renders stays one expression in every statement
    return DeleteStatement(database, name, f"({where})", tuple(ctx.sources))


def parse_truncate(cur: TokenCursor, ctx: Context) -> Statement:
    """After TRUNCATE: ``[STREAM] [db.]s`` (TRUNCATE TABLE is refused, as DROP TABLE is)."""
    if cur.peek().is_word("TABLE"):
        raise TranslationError(62, "Syntax error: Timeplus truncates with TRUNCATE STREAM")
    cur.accept_word("STREAM")
    database, name = cur.qualified_name()
    cur.expect_end()
    return TruncateStatement(database, name)


def parse_optimize(cur: TokenCursor, ctx: Context) -> Statement:
    """After OPTIMIZE: ``TABLE [db.]s [PARTITION p] [FINAL]`` (Proton's ParserOptimizeQuery
    knows only ``OPTIMIZE TABLE``). A merge of a stream's parts changes no answer, since no
    store of the emulator (or of Proton's streams) replaces or collapses rows, so the
    partition is not read. ``DEDUPLICATE`` removes rows and ``ON CLUSTER`` needs a cluster:
    both are refused (48)."""
    if not cur.accept_word("TABLE"):
        raise cur.error("TABLE")
    database, name = cur.qualified_name()
    for tok in cur.toks[cur.pos:]:
        if tok.is_word("DEDUPLICATE", "ON"):
            words = "DEDUPLICATE" if tok.is_word("DEDUPLICATE") else "ON CLUSTER"
            raise TranslationError(NOT_IMPLEMENTED, f"OPTIMIZE TABLE ... {words} is not "
                                   "supported by the emulator")
    if cur.accept_word("PARTITION"):
        final = top_level_index(cur.toks, cur.pos, len(cur.toks) - 1, "FINAL")
        if final == cur.pos:
            raise cur.error("a partition")
        cur.pos = len(cur.toks) - 1 if final is None else final
    cur.accept_word("FINAL")
    cur.expect_end()
    return OptimizeStatement(database, name)
