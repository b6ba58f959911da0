"""Statement compiler, type compiler and identifier preparer of the Timeplus dialect.

Literals and identifiers are rendered by the driver (:mod:`timeplus_dbapi.literals`), the one
place that escapes. Timeplus has no UPDATE or RETURNING: compiling them raises
``CompileError``. ``EMIT``/``SETTINGS`` clauses travel as statement hints (see
:mod:`sqlalchemy_timeplus.constructs`) and are rendered after ``LIMIT``/``OFFSET``.
"""

from __future__ import annotations

import json
import re
from typing import Any, cast

from sqlalchemy import exc
from sqlalchemy import types as sqltypes
from sqlalchemy.sql import compiler, elements, selectable

from timeplus_dbapi.literals import quote_identifier, quote_string, render_literal

from . import types as tp

__all__ = ["TimeplusCompiler", "TimeplusIdentifierPreparer", "TimeplusTypeCompiler"]

# Keywords that must be quoted when used as names (Timeplus/ClickHouse grammar words).
RESERVED_WORDS = set(
    """
    all alter and anti any array as asc asof between both by case cast changelog column create
    cross database default delete desc describe distinct drop else emit end except exists
    explain false final format from full global group having hop if ilike in inner insert
    intersect interval into is join key left like limit materialized not null offset on or
    order outer over partition periodic prewhere primary right rows sample select semi session
    settings show stream table then to top true truncate tumble union update using values view
    watermark when where window with
    """.split()
)

_HINT_ORDER = {"EMIT": 0, "SETTINGS": 1}


def _refuse_missing_primary_key(compiler: Any, insert_stmt: Any) -> None:
    """CompileError for an INSERT that gives no value for a primary key column.

    Timeplus has no autoincrement (nor RETURNING, nor last row ids): a key column left out is
    stored as its type's zero value, and the ORM then fails to learn the new row's identity
    after the row was stored. Refused at compile time, before anything is sent. A column
    with a Python-side default (SQLAlchemy computes it) or a server default counts as given.
    """
    state = compiler.dml_compile_state
    if state is None or state.statement is not insert_stmt:
        return  # an INSERT inside another statement: the outer one is what runs
    if compiler.column_keys is None and state._no_parameters:
        return  # every column is rendered as a bind parameter
    given = set(compiler.column_keys or ())
    given.update(getattr(key, "key", key) for key in state._dict_parameters or ())
    for column in insert_stmt.table.primary_key:
        if column.key in given or column.default is not None:
            continue
        if column.server_default is not None:
            continue
        raise exc.CompileError(
            f"Timeplus has no autoincrement: the INSERT into {insert_stmt.table.name} gives no "
            f"value for primary key column {column.name!r}, which would be stored as its "
            "type's default (0 or ''). Give the key value (or a Python-side default=)."
        )


def _has_order_by(statement: Any) -> bool:
    """Whether a select has ORDER BY (2.x: ``_order_by_clauses``; 1.4: ``_order_by_clause``)."""
    clauses = getattr(statement, "_order_by_clauses", None)
    if clauses is None:
        clauses = getattr(getattr(statement, "_order_by_clause", None), "clauses", None)
    return bool(clauses)


class TimeplusIdentifierPreparer(compiler.IdentifierPreparer):
    """Backquoted identifiers, escaped by the driver's :func:`quote_identifier`."""

    reserved_words = RESERVED_WORDS
    illegal_initial_characters = compiler.ILLEGAL_INITIAL_CHARACTERS

    def __init__(self, dialect: Any, **kw: Any) -> None:
        super().__init__(dialect, initial_quote="`", escape_quote="`", **kw)

    def quote_identifier(self, value: str) -> str:
        quoted = quote_identifier(value)
        return quoted.replace("%", "%%") if self._double_percents else quoted

    def _escape_identifier(self, value: str) -> str:
        escaped = value.replace("\\", "\\\\").replace("`", "\\`")
        return escaped.replace("%", "%%") if self._double_percents else escaped

    def _unescape_identifier(self, value: str) -> str:
        return re.sub(r"\\(.)", r"\1", value)


def _refuse_collation(type_: Any) -> None:
    """A column collation would be dropped: Timeplus compares strings by bytes."""
    if getattr(type_, "collation", None):
        raise exc.CompileError(
            f"Timeplus has no column collations: string COLLATE {type_.collation!r} cannot be "
            "created (collate in ORDER BY instead: order_by(collate(column, 'en')))"
        )


class TimeplusTypeCompiler(compiler.GenericTypeCompiler):
    """SQLAlchemy types → Timeplus type names (lowercase, as the server requires)."""

    def visit_timeplus_simple(self, type_: Any, **kw: Any) -> str:
        _refuse_collation(type_)
        return str(type_.timeplus_name)

    def visit_fixed_string(self, type_: tp.FixedString, **kw: Any) -> str:
        return f"fixed_string({type_.length})"

    def visit_timeplus_datetime(self, type_: Any, **kw: Any) -> str:
        args = [str(type_.precision)] if type_.timeplus_name == "datetime64" else []
        if type_.tz_name:
            args.append(quote_string(type_.tz_name))
        return f"{type_.timeplus_name}({', '.join(args)})" if args else str(type_.timeplus_name)

    def visit_timeplus_enum(self, type_: Any, **kw: Any) -> str:
        items = ", ".join(f"{quote_string(label)} = {value}" for label, value in type_.enum_values)
        return f"{type_.timeplus_name}({items})"

    def visit_enum(self, type_: sqltypes.Enum, **kw: Any) -> str:
        if not type_.native_enum:
            return "string"
        labels = list(type_.enums)
        if not labels:
            raise exc.CompileError("an Enum needs at least one label to become a Timeplus enum")
        name = "enum8" if len(labels) <= 127 else "enum16"
        items = ", ".join(f"{quote_string(label)} = {n}" for n, label in enumerate(labels, 1))
        return f"{name}({items})"

    def visit_timeplus_array(self, type_: Any, **kw: Any) -> str:
        return f"array({self.process(type_.item_type, **kw)})"

    def visit_ARRAY(self, type_: Any, **kw: Any) -> str:
        inner = self.process(type_.item_type, **kw)
        for _ in range(type_.dimensions or 1):
            inner = f"array({inner})"
        return inner

    def visit_timeplus_map(self, type_: tp.Map, **kw: Any) -> str:
        key = self.process(type_.key_type, **kw)
        return f"map({key}, {self.process(type_.value_type, **kw)})"

    def visit_timeplus_tuple(self, type_: tp.Tuple, **kw: Any) -> str:
        items = [self.process(t, **kw) for t in type_.types]
        if type_.names is not None:
            items = [f"{quote_identifier(n)} {t}" for n, t in zip(type_.names, items)]
        return f"tuple({', '.join(items)})"

    def visit_timeplus_nullable(self, type_: tp.Nullable, **kw: Any) -> str:
        return f"nullable({self.process(type_.type_, **kw)})"

    def visit_timeplus_low_cardinality(self, type_: tp.LowCardinality, **kw: Any) -> str:
        return f"low_cardinality({self.process(type_.type_, **kw)})"

    # --- generic SQLAlchemy types ----------------------------------------------------------

    def visit_INTEGER(self, type_: Any, **kw: Any) -> str:
        return "int32"

    def visit_SMALLINT(self, type_: Any, **kw: Any) -> str:
        return "int16"

    def visit_BIGINT(self, type_: Any, **kw: Any) -> str:
        return "int64"

    def visit_FLOAT(self, type_: Any, **kw: Any) -> str:
        return "float64"

    def visit_REAL(self, type_: Any, **kw: Any) -> str:
        return "float32"

    def visit_DOUBLE(self, type_: Any, **kw: Any) -> str:
        return "float64"

    def visit_DOUBLE_PRECISION(self, type_: Any, **kw: Any) -> str:
        return "float64"

    def visit_NUMERIC(self, type_: Any, **kw: Any) -> str:
        precision = type_.precision if type_.precision is not None else 38
        scale = type_.scale if type_.scale is not None else (10 if type_.precision is None else 0)
        if not 1 <= precision <= 76 or not 0 <= scale <= precision:
            raise exc.CompileError(f"decimal({precision}, {scale}) is out of range (P 1..76)")
        return f"decimal({precision}, {scale})"

    def visit_DECIMAL(self, type_: Any, **kw: Any) -> str:
        return self.visit_NUMERIC(type_, **kw)

    def _string(self, type_: Any, **kw: Any) -> str:
        _refuse_collation(type_)
        return "string"

    visit_VARCHAR = visit_NVARCHAR = visit_CHAR = visit_NCHAR = _string
    visit_TEXT = visit_CLOB = visit_NCLOB = _string
    visit_BLOB = visit_BINARY = visit_VARBINARY = _string

    def visit_BOOLEAN(self, type_: Any, **kw: Any) -> str:
        return "bool"

    def visit_DATE(self, type_: Any, **kw: Any) -> str:
        return "date"

    def visit_DATETIME(self, type_: Any, **kw: Any) -> str:
        # microseconds, as Python's datetime holds them: datetime64(3) would cut them silently
        return "datetime64(6, 'UTC')" if getattr(type_, "timezone", False) else "datetime64(6)"

    visit_TIMESTAMP = visit_DATETIME

    def visit_TIME(self, type_: Any, **kw: Any) -> str:
        raise exc.CompileError("Timeplus has no time-of-day type; use DateTime or String")

    def visit_uuid(self, type_: Any, **kw: Any) -> str:
        """``uuid``; ``Uuid(native_uuid=False)`` asks for text storage, so ``string``."""
        return "uuid" if getattr(type_, "native_uuid", True) else "string"

    def visit_UUID(self, type_: Any, **kw: Any) -> str:
        return "uuid"

    def visit_JSON(self, type_: Any, **kw: Any) -> str:
        return "json"


class TimeplusCompiler(compiler.SQLCompiler):
    """SELECT, INSERT and DELETE for Timeplus; UPDATE and RETURNING raise ``CompileError``."""

    # A bare UNION is an error in Timeplus: say DISTINCT, as SQL's UNION means.
    compound_keywords = {  # noqa: RUF012
        **compiler.SQLCompiler.compound_keywords,
        cast(Any, selectable.CompoundSelect).UNION: "UNION DISTINCT",
    }

    def render_literal_value(self, value: Any, type_: Any) -> str:
        """Inline a value (``literal_binds``) through the driver's literal renderer.

        As with other pyformat dialects, ``%`` comes out doubled; SQL text run without
        parameters must undo that (Superset does: ``sql.replace("%%", "%")``).
        """
        if value is None and not getattr(type_, "should_evaluate_none", False):
            return "NULL"
        if isinstance(type_, sqltypes.JSON) and value is not None:
            value = json.dumps(value, ensure_ascii=False)  # a JSON document as a string literal
        else:
            processor = type_._cached_bind_processor(self.dialect)
            if processor is not None:
                value = processor(value)
        try:
            rendered = render_literal(value)
        except Exception as error:  # the driver's NotSupportedError/DataError
            raise exc.CompileError(
                f"cannot render a literal of type {type(value).__name__} for {type_}: {error}"
            ) from error
        # pyformat: '%' is written '%%' in statement text, as SQLAlchemy's own literals do.
        return rendered.replace("%", "%%") if self.preparer._double_percents else rendered

    def visit_compound_select(
        self, cs: Any, asfrom: bool = False, compound_index: Any = None, **kw: Any
    ) -> str:
        """``SELECT * FROM (a UNION b) ORDER BY ... LIMIT ...``.

        In Timeplus (as in ClickHouse) an ORDER BY/LIMIT written after a UNION belongs to its
        last SELECT only; wrapping keeps SQL's meaning (order and limit the whole result).
        """
        parent: Any = super()
        has_limit = cs._limit_clause is not None or cs._offset_clause is not None
        if not (has_limit or _has_order_by(cs)) or getattr(cs, "_fetch_clause", None) is not None:
            return str(parent.visit_compound_select(cs, asfrom, compound_index, **kw))
        inner = cs.order_by(None).limit(None).offset(None)
        body = parent.visit_compound_select(inner, asfrom, compound_index, **kw)
        kw.pop("include_table", None)
        tail: str = parent.order_by_clause(cs, include_table=False, **kw)
        if has_limit:
            tail += self.limit_clause(cs, **kw)
        return f"SELECT * FROM ({body}){tail}"

    def visit_true(self, expr: Any, **kw: Any) -> str:
        return "true"

    def visit_false(self, expr: Any, **kw: Any) -> str:
        return "false"

    def limit_clause(self, select: Any, **kw: Any) -> str:
        text = ""
        limit, offset = select._limit_clause, select._offset_clause
        if limit is not None:
            text += "\n LIMIT " + self.process(limit, **kw)
        if offset is not None:
            if limit is None:
                text += "\n LIMIT 18446744073709551615"
            text += " OFFSET " + self.process(offset, **kw)
        return text

    def for_update_clause(self, select: Any, **kw: Any) -> str:
        raise exc.CompileError("Timeplus has no row locking (SELECT ... FOR UPDATE)")

    def get_statement_hint_text(self, hint_texts: Any) -> str:
        """EMIT clauses first, then one SETTINGS clause merging every ``.settings()`` call."""
        ordered = sorted(hint_texts, key=lambda h: _HINT_ORDER.get(h.split(" ", 1)[0], 2))
        emits = [h for h in ordered if not h.startswith("SETTINGS ")]
        settings = [h[len("SETTINGS ") :] for h in ordered if h.startswith("SETTINGS ")]
        parts = emits + (["SETTINGS " + ", ".join(settings)] if settings else [])
        return " ".join(parts)

    def visit_insert(self, insert_stmt: Any, *args: Any, **kw: Any) -> str:
        parent: Any = super()
        text = str(parent.visit_insert(insert_stmt, *args, **kw))
        _refuse_missing_primary_key(self, insert_stmt)
        return text

    def visit_update(self, *args: Any, **kw: Any) -> str:
        raise exc.CompileError(
            "Timeplus has no UPDATE: on a mutable stream an INSERT of the whole row replaces "
            "the row of its key (the ORM does so on flush); other streams are append-only"
        )

    def visit_delete(self, delete_stmt: Any, *args: Any, **kw: Any) -> str:
        """``DELETE FROM s WHERE ...`` (Timeplus Enterprise 2.7+): synchronous on a mutable
        stream, applied in the background on other streams. Without a WHERE clause every
        row is deleted (``WHERE true``: Timeplus requires the clause)."""
        parent: Any = super()
        text = str(parent.visit_delete(delete_stmt, *args, **kw))
        if delete_stmt.whereclause is None:
            text += " WHERE true"
        return text

    def delete_extra_from_clause(self, *args: Any, **kw: Any) -> str:
        raise exc.CompileError("Timeplus DELETE takes one stream (no USING / extra FROM)")

    def returning_clause(self, *args: Any, **kw: Any) -> str:
        raise exc.CompileError("Timeplus has no RETURNING clause")

    def visit_sequence(self, *args: Any, **kw: Any) -> str:
        raise exc.CompileError("Timeplus has no sequences")

    def visit_is_not_distinct_from_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        """Null-safe equality, which Timeplus has no operator for (only ``=`` and IS NULL)."""
        left = self.process(binary.left, **kw)
        right = self.process(binary.right, **kw)
        return f"coalesce(({left}) = ({right}), ({left}) IS NULL AND ({right}) IS NULL)"

    def visit_is_distinct_from_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return "NOT " + self.visit_is_not_distinct_from_binary(binary, operator, **kw)

    def visit_getitem_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        """``arr[i]`` (1-based, as SQLAlchemy's ARRAY counts); a slice ``arr[i:j]`` includes j."""
        array = self.process(binary.left, **kw)
        index = binary.right
        if isinstance(index, elements.Slice):
            missing = [isinstance(e, elements.Null) for e in (index.start, index.stop, index.step)]
            if missing != [False, False, True]:
                raise exc.CompileError("array slices need a start and a stop, and no step")
            start, stop = self.process(index.start, **kw), self.process(index.stop, **kw)
            return f"array_slice({array}, {start}, ({stop}) - ({start}) + 1)"
        return f"{array}[{self.process(index, **kw)}]"

    def _bit_function(self, name: str, binary: Any, **kw: Any) -> str:
        """Timeplus has no bitwise operators (``&``, ``|``, ``^``, ``<<``, ``>>`` are syntax
        errors); it has the functions (Proton ``bitAnd.cpp`` ... ``bitShiftRight.cpp``)."""
        return f"{name}({self.process(binary.left, **kw)}, {self.process(binary.right, **kw)})"

    def visit_bitwise_and_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return self._bit_function("bit_and", binary, **kw)

    def visit_bitwise_or_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return self._bit_function("bit_or", binary, **kw)

    def visit_bitwise_xor_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return self._bit_function("bit_xor", binary, **kw)

    def visit_bitwise_lshift_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return self._bit_function("bit_shift_left", binary, **kw)

    def visit_bitwise_rshift_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return self._bit_function("bit_shift_right", binary, **kw)

    def visit_bitwise_not_op_unary_operator(self, element: Any, operator: Any, **kw: Any) -> str:
        return f"bit_not({self.process(element.element, **kw)})"

    def visit_ilike_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return f"{self.process(binary.left, **kw)} ILIKE {self.process(binary.right, **kw)}"

    def visit_not_ilike_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return f"{self.process(binary.left, **kw)} NOT ILIKE {self.process(binary.right, **kw)}"

    def visit_regexp_match_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return f"match({self.process(binary.left, **kw)}, {self.process(binary.right, **kw)})"

    def visit_not_regexp_match_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return "NOT " + self.visit_regexp_match_op_binary(binary, operator, **kw)

    def visit_regexp_replace_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        pattern, replacement = binary.right.clauses
        return (
            f"replace_regex({self.process(binary.left, **kw)}, "
            f"{self.process(pattern, **kw)}, {self.process(replacement, **kw)})"
        )

    def visit_nullif_func(self, fn: Any, **kw: Any) -> str:
        return "null_if" + self.function_argspec(fn, **kw)

    def visit_empty_set_expr(self, element_types: Any, **kw: Any) -> str:
        return "SELECT 1 WHERE 1 = 0"
