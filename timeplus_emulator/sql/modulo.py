"""``a % b`` as Proton computes it: the C++ ``%`` of the two integers, unsigned where C++ is.

Owns: spelling ``a % b`` (with simple operands) as ``modulo(a, b)`` before translation, and the
helper ``modulo`` calls go through (``calls.py``), with its ``CREATE FUNCTION``.

Proton's ``ModuloImpl`` (ClickHouse ~22.8) computes ``IntegerAType(a) % IntegerBType(b)`` in
C++, where a signed and an unsigned operand meet in the unsigned type when the unsigned one is
32 bits and the signed one at most 32 (``uint32``), or the unsigned one is 64 bits (``uint64``):
``to_int32(-199) % to_uint32(200)`` is ``(2**32 - 199) % 200`` = 97, ``% to_uint64(200)`` 17
(01700_mod_negative_type_promotion); chDB answers -199 for both. The result keeps the type chDB
gives the call (``int64`` there, as in Proton). Other type pairs are computed by chDB's modulo.

The operator form is rewritten only where its operands can be read from the tokens: a name,
literal, call or bracketed group, with a unary minus, and nothing binding tighter beside it
(``x * a % b`` is ``(x * a) % b``, so it is left alone, as are ``::`` casts after the right
operand), and neither is a float or an unsigned literal below 65536 (``number % 2``: C++ and
chDB agree there); ``modulo(a, b)`` calls always go through the helper.
"""

from __future__ import annotations

from timeplus_emulator.sql.tokens import Kind, Token, operand_start

MODULO = "__tp_modulo"  # (a, b): Proton's a % b
_SIGNED = "('Int8', 'Int16', 'Int32')"
_SIGNED64 = "('Int8', 'Int16', 'Int32', 'Int64')"
_NAME = (Kind.IDENT, Kind.QUOTED_IDENT)
_TIGHTER = ("*", "/", "%", "::", ".")  # a left operand after these belongs to them
#: Words that end no operand: a sign after them is unary, a bracket after them no call.
KEYWORDS = frozenset({
    "SELECT", "WHERE", "PREWHERE", "HAVING", "AND", "OR", "NOT", "XOR", "CASE", "WHEN", "THEN",
    "ELSE", "END", "BY", "ON", "IN", "LIKE", "ILIKE", "IS", "BETWEEN", "LIMIT", "OFFSET",
    "DISTINCT", "AS", "FROM", "JOIN", "USING", "INTERVAL", "ALL", "ANY", "EXISTS", "SETTINGS",
    "WITH", "VALUES", "TO", "STEP", "FILL", "DESC", "ASC", "GLOBAL", "ARRAY", "UNION", "EXCEPT",
    "INTERSECT", "OVER", "PARTITION", "ROWS", "RANGE", "PRECEDING", "FOLLOWING", "DIV", "MOD",
    "NULLS", "FIRST", "LAST", "TOTALS", "EMIT", "RETURN", "WINDOW", "GROUP", "ORDER", "INTO",
})


def _plain_type(x: str) -> str:
    return f"replaceRegexpAll(toTypeName({x}), 'Nullable\\\\(|LowCardinality\\\\(|\\\\)', '')"


def _unsigned(width: int, signed: str) -> str:
    """True (a constant) where C++ computes ``a % b`` in the ``width``-bit unsigned type."""
    ta, tb = _plain_type("a"), _plain_type("b")
    return (f"(({ta} = 'UInt{width}' AND {tb} IN {signed}) OR "
            f"({tb} = 'UInt{width}' AND {ta} IN {signed}))")


def modulo_body() -> str:
    """The helper's body: in the unsigned type where C++ is, else chDB's ``a % b``."""
    body = "a % b"
    for width, signed in ((32, _SIGNED), (64, _SIGNED64)):
        cond = _unsigned(width, signed)
        wrapped = (f"CAST(if({cond}, moduloOrZero(toUInt{width}(a), toUInt{width}(b)), 0), "
                   "toTypeName(a % b))")
        body = f"if({cond}, {wrapped}, {body})"
    return body


def modulo_calls(tokens: list[Token]) -> list[Token]:
    """``tokens`` with each ``a % b`` whose operands are plain spelt ``modulo(a, b)``."""
    out = list(tokens)
    i = 1
    while i < len(out) - 1:
        if out[i].is_op("%"):
            span = _operands(out, i)
            if span is not None:
                start, end = span
                out[start:end] = _call(out, start, i, end)
        i += 1
    return out


def _operands(tokens: list[Token], op: int) -> tuple[int, int] | None:
    """The token span ``[start, end)`` of ``a % b`` around the ``%`` at ``op``, or None."""
    if not _ends_operand(tokens[op - 1]):
        return None
    start = operand_start(tokens, op, lambda bracket: bracket > 0 and not tokens[
        bracket - 1].is_word(*KEYWORDS))
    if start > 0 and tokens[start - 1].is_op(")", "]"):  # (a)[1], f(x)(y): left alone
        return None
    if start > 0 and tokens[start - 1].is_op("-", "+") and (
            start == 1 or not _ends_operand(tokens[start - 2])):
        start -= 1
    if start > 0 and tokens[start - 1].is_op(*_TIGHTER):
        return None
    end = _operand_end(tokens, op + 1)
    if end is None or tokens[end].is_op("::", ".", "[") or any(
            _small_literal(tokens[a:b]) for a, b in ((start, op), (op + 1, end))):
        return None
    return start, end


def _small_literal(operand: list[Token]) -> bool:
    """A literal that is a float or an unsigned number below 65536 (uint8/uint16): beside it
    C++ and chDB agree, so ``number % 2`` stays as written."""
    if len(operand) != 1 or operand[0].kind is not Kind.NUMBER:
        return False
    text = operand[0].text.lower()
    try:
        return not text.isdigit() or int(text) < 65536
    except ValueError:
        return True


def _ends_operand(tok: Token) -> bool:
    return (tok.kind in (*_NAME, Kind.NUMBER, Kind.STRING) and not tok.is_word(*KEYWORDS)) \
        or tok.is_op(")", "]")


def _operand_end(tokens: list[Token], i: int) -> int | None:
    """The index after the operand starting at ``i`` (a unary sign allowed), or None."""
    if tokens[i].is_op("-", "+"):
        i += 1
    tok = tokens[i]
    if tok.is_op("("):
        return _after_group(tokens, i)
    if tok.kind in (Kind.NUMBER, Kind.STRING):
        return i + 1
    if tok.kind not in _NAME or tok.is_word(*KEYWORDS, "CAST"):
        return None
    while tokens[i + 1].is_op(".") and tokens[i + 2].kind in _NAME:
        i += 2
    if tokens[i + 1].is_op("("):
        return _after_group(tokens, i + 1)
    return i + 1


def _after_group(tokens: list[Token], i: int) -> int | None:
    """The index after the bracket group opening at ``i`` (None when it never closes)."""
    depth = 0
    for j in range(i, len(tokens)):
        depth += 1 if tokens[j].is_op("(", "[") else -1 if tokens[j].is_op(")", "]") else 0
        if depth == 0:
            return j + 1
    return None


def _call(tokens: list[Token], start: int, op: int, end: int) -> list[Token]:
    first = tokens[start]
    name = Token(Kind.IDENT, "modulo", first.pos, first.pre)
    return [name, Token(Kind.OP, "(", first.pos), first._replace(pre=""),
            *tokens[start + 1:op], Token(Kind.OP, ",", tokens[op].pos), *tokens[op + 1:end],
            Token(Kind.OP, ")", tokens[end - 1].pos)]
