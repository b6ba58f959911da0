"""What Timeplus supports, for SQLAlchemy's dialect suite. Every closed requirement says why."""

from __future__ import annotations

import os
import re
from typing import Any, Optional

from sqlalchemy.testing import exclusions
from sqlalchemy.testing.requirements import SuiteRequirements

PROFILE = os.environ.get("TIMEPLUS_SUITE_PROFILE", "enterprise")


_ONE_DATABASE = (
    "Timeplus Cloud's REST API (v1beta2) has no ?db= parameter: a workspace's streams and "
    "views are one database (databases and ?db= are Timeplus Enterprise 2.7+)"
)
_NO_CREATE_AS = "no CREATE STREAM ... AS SELECT (a materialized view INTO a stream does that)"


def _closed(reason: str) -> Any:
    """A closed requirement; ``reason`` (why Timeplus lacks the feature) is the skip reason."""
    return exclusions.skip_if(exclusions.BooleanPredicate(True, f"Timeplus: {reason}"))


class Requirements(SuiteRequirements):  # type: ignore[misc]
    # --- things Timeplus has --------------------------------------------------------------

    @property
    def views(self) -> Any:
        return exclusions.open()

    @property
    def view_reflection(self) -> Any:
        return exclusions.open()

    @property
    def view_column_reflection(self) -> Any:
        return exclusions.open()

    @property
    def window_functions(self) -> Any:
        return exclusions.open()

    @property
    def window_range(self) -> Any:
        return exclusions.open()

    @property
    def window_range_numeric(self) -> Any:
        return _closed("RANGE frame offsets must be non-negative integers")

    @property
    def materialized_views(self) -> Any:
        # Timeplus has them (see tests/dialect), but the suite's fixtures index them with
        # CREATE INDEX, which Timeplus does not have.
        return _closed("the suite's materialized-view fixtures need CREATE INDEX on the view")

    @property
    def server_side_cursors(self) -> Any:
        # Only timeplus+async has them (conn.stream); the suite's ServerSideCursorsTest tells a
        # server-side cursor by a hard-coded list of driver names, which cannot include ours.
        return _closed("the suite recognises server-side cursors of named drivers only")

    @property
    def ctes(self) -> Any:
        return exclusions.open()

    @property
    def array_type(self) -> Any:
        return _closed("suite's ARRAY tests are PostgreSQL-specific (ARRAY(dimensions) literals)")

    @property
    def json_type(self) -> Any:
        return _closed(
            "Timeplus json is an object type: JSON null/scalars/arrays at top level fail"
        )

    @property
    def uuid_data_type(self) -> Any:
        return exclusions.open()

    @property
    def datetime(self) -> Any:
        return exclusions.open()

    @property
    def date(self) -> Any:
        return exclusions.open()

    @property
    def datetime_timezone(self) -> Any:
        return exclusions.open()

    @property
    def datetime_literals(self) -> Any:
        return exclusions.open()

    @property
    def regexp_match(self) -> Any:
        return exclusions.open()

    @property
    def regexp_replace(self) -> Any:
        return exclusions.open()

    @property
    def multivalues_inserts(self) -> Any:
        return exclusions.open()

    @property
    def intersect(self) -> Any:
        return exclusions.open()

    @property
    def except_(self) -> Any:
        return exclusions.open()

    @property
    def nullsordering(self) -> Any:
        return exclusions.open()

    @property
    def tuple_in(self) -> Any:
        return exclusions.open()

    @property
    def infinity_floats(self) -> Any:
        return exclusions.open()

    @property
    def schema_reflection(self) -> Any:
        return self.schemas  # get_schema_names() is SHOW DATABASES

    @property
    def server_defaults(self) -> Any:
        return exclusions.open()

    @property
    def expression_server_defaults(self) -> Any:
        return exclusions.open()

    @property
    def supports_bitwise_and(self) -> Any:
        return exclusions.open()

    @property
    def supports_bitwise_or(self) -> Any:
        return exclusions.open()

    @property
    def supports_bitwise_xor(self) -> Any:
        return exclusions.open()

    @property
    def supports_bitwise_not(self) -> Any:
        return exclusions.open()

    @property
    def supports_bitwise_shift(self) -> Any:
        return exclusions.open()

    @property
    def indexes_check_column_order(self) -> Any:
        return self.index_reflection

    @property
    def fetch_first(self) -> Any:
        return exclusions.open()

    @property
    def fetch_ties(self) -> Any:
        return exclusions.open()

    @property
    def fetch_no_order_by(self) -> Any:
        return _closed("FETCH FIRST needs ORDER BY (the ClickHouse grammar Proton keeps)")

    @property
    def fetch_percent(self) -> Any:
        return _closed("no FETCH FIRST ... PERCENT")

    @property
    def fetch_expression(self) -> Any:
        return exclusions.open()

    @property
    def fetch_offset_with_options(self) -> Any:
        return exclusions.open()

    @property
    def reflect_table_options(self) -> Any:
        return exclusions.open()  # timeplus_mode, timeplus_ttl_expression

    # --- no transactions, no row changes ------------------------------------------------------

    @property
    def autocommit(self) -> Any:
        return _closed("no transactions: the suite's autocommit tests expect ROLLBACK to undo")

    @property
    def independent_connections(self) -> Any:
        return _closed("no transactions: isolation between connections cannot be shown")

    @property
    def independent_readonly_connections(self) -> Any:
        return _closed("no transactions")

    @property
    def savepoints(self) -> Any:
        return _closed("no transactions, so no savepoints")

    @property
    def two_phase_transactions(self) -> Any:
        return _closed("no transactions")

    @property
    def sane_rowcount(self) -> Any:
        return _closed("no UPDATE, and the REST API reports no DELETE row count (rowcount -1)")

    @property
    def sane_multi_rowcount(self) -> Any:
        return _closed("no UPDATE, and the REST API reports no DELETE row count (rowcount -1)")

    @property
    def update_where_target_in_subquery(self) -> Any:
        return _closed("no UPDATE")

    @property
    def ctes_on_dml(self) -> Any:
        return _closed("no UPDATE; DELETE takes one stream and one condition, no WITH")

    @property
    def insert_from_select(self) -> Any:
        return exclusions.open()

    @property
    def empty_inserts(self) -> Any:
        return _closed("a row needs at least one column value (no DEFAULT VALUES)")

    @property
    def empty_inserts_executemany(self) -> Any:
        return _closed("a row needs at least one column value (no DEFAULT VALUES)")

    # --- keys, constraints, indexes, sequences ---------------------------------------------------

    @property
    def autoincrement_insert(self) -> Any:
        return _closed("no autoincrement columns")

    @property
    def autoincrement_without_sequence(self) -> Any:
        return _closed("no autoincrement columns")

    @property
    def foreign_keys(self) -> Any:
        return _closed("no foreign keys")

    @property
    def foreign_key_ddl(self) -> Any:
        # Kept open: FOREIGN KEY clauses are accepted and left out of CREATE STREAM (closing it
        # makes the test harness strip ForeignKey() and leave typeless columns).
        return exclusions.open()

    @property
    def self_referential_foreign_keys(self) -> Any:
        return _closed("no foreign keys")

    @property
    def foreign_key_constraint_reflection(self) -> Any:
        return _closed("no foreign keys")

    @property
    def primary_key_constraint_reflection(self) -> Any:
        # keyed tables are mutable streams on the enterprise profile (see conftest)
        if PROFILE == "enterprise":
            return exclusions.open()
        return _closed("a stream's PRIMARY KEY is a sort key, not a constraint; not reflected")

    @property
    def unique_constraint_reflection(self) -> Any:
        return _closed("no unique constraints")

    @property
    def check_constraint_reflection(self) -> Any:
        return _closed("no check constraints")

    @property
    def duplicate_key_raises_integrity_error(self) -> Any:
        return _closed("no unique constraints: duplicates are stored")

    @property
    def index_reflection(self) -> Any:
        if PROFILE == "enterprise":  # mutable streams have secondary indexes
            return exclusions.open()
        return _closed("no secondary indexes outside mutable streams")

    @property
    def indexes_with_ascdesc(self) -> Any:
        return _closed("a mutable stream's index is a list of columns, without ASC/DESC")

    @property
    def reflect_indexes_with_ascdesc(self) -> Any:
        return _closed("a mutable stream's index is a list of columns, without ASC/DESC")

    @property
    def named_constraints(self) -> Any:
        return _closed("no named constraints")

    @property
    def implicitly_named_constraints(self) -> Any:
        return _closed("no constraints")

    @property
    def table_ddl_if_exists(self) -> Any:
        return exclusions.open()

    @property
    def index_ddl_if_exists(self) -> Any:
        return _closed("indexes are added with ALTER STREAM ... ADD INDEX, documented "
                       "without IF NOT EXISTS")

    @property
    def comment_reflection(self) -> Any:
        return exclusions.open()  # column COMMENT and the stream's COMMENT (its description)

    @property
    def comment_reflection_full_unicode(self) -> Any:
        return exclusions.open()

    # --- schemas, temporary objects, names -------------------------------------------------

    @property
    def schemas(self) -> Any:
        # databases (test_schema, test_schema_2: created by the conftest), ?db= on REST
        if PROFILE == "enterprise":
            return exclusions.open()
        return _closed(_ONE_DATABASE)

    @property
    def cross_schema_fk_reflection(self) -> Any:
        return _closed("no foreign keys")

    @property
    def temporary_tables(self) -> Any:
        return _closed("no temporary streams")

    @property
    def temp_table_reflection(self) -> Any:
        return _closed("no temporary streams")

    @property
    def temporary_views(self) -> Any:
        return _closed("no temporary views")

    @property
    def symbol_names_w_double_quote(self) -> Any:
        return _closed("stream names are letters, digits and _ only")

    @property
    def unusual_column_name_characters(self) -> Any:
        return exclusions.open()

    @property
    def reflect_tables_no_columns(self) -> Any:
        return _closed("a stream needs at least one column")

    # --- closed by SQLAlchemy's defaults; the reasons, stated here --------------------------

    @property
    def schema_create_delete(self) -> Any:
        return _closed("the suite runs CREATE SCHEMA / DROP SCHEMA as text; Timeplus spells "
                       "them CREATE DATABASE / DROP DATABASE")

    @property
    def create_table_as(self) -> Any:
        return _closed(_NO_CREATE_AS)

    @property
    def create_temp_table_as(self) -> Any:
        return _closed("no temporary streams")

    @property
    def create_or_replace_view(self) -> Any:
        return _closed("CREATE OR REPLACE VIEW is not documented for Timeplus")

    @property
    def ctes_with_values(self) -> Any:
        return _closed("no SQL VALUES row lists as a table, in a CTE or FROM")

    @property
    def fk_constraint_option_reflection_ondelete_restrict(self) -> Any:
        return _closed("no foreign keys")

    @property
    def fk_constraint_option_reflection_ondelete_noaction(self) -> Any:
        return _closed("no foreign keys")

    @property
    def fk_constraint_option_reflection_onupdate_restrict(self) -> Any:
        return _closed("no foreign keys")

    @property
    def foreign_key_constraint_option_reflection_ondelete(self) -> Any:
        return _closed("no foreign keys")

    @property
    def foreign_key_constraint_option_reflection_onupdate(self) -> Any:
        return _closed("no foreign keys")

    @property
    def inline_check_constraint_reflection(self) -> Any:
        return _closed("no check constraints")

    @property
    def reflects_pk_names(self) -> Any:
        return _closed("a stream's primary key has no name")

    @property
    def identity_columns(self) -> Any:
        return _closed("no identity / autoincrement columns")

    @property
    def window_range_non_numeric(self) -> Any:
        return _closed("RANGE frame offsets must be non-negative integers")

    @property
    def indexes_with_expressions(self) -> Any:
        return _closed("a mutable stream's index is a list of columns, not expressions")

    @property
    def index_reflects_included_columns(self) -> Any:
        return _closed("its table has no primary key (no mutable stream, no secondary "
                       "index); a mutable stream's STORING columns reflect as timeplus_storing")

    @property
    def temp_table_names(self) -> Any:
        return _closed("no temporary streams")

    @property
    def has_temp_table(self) -> Any:
        return _closed("no temporary streams")

    @property
    def column_collation_reflection(self) -> Any:
        return _closed("no collations")

    @property
    def order_by_collation(self) -> Any:
        return _closed("COLLATE is not documented for Timeplus")

    # --- types ------------------------------------------------------------------------------

    @property
    def time(self) -> Any:
        return _closed("no time-of-day type")

    @property
    def time_microseconds(self) -> Any:
        return _closed("no time-of-day type")

    @property
    def time_implicit_bound(self) -> Any:
        return _closed("no time-of-day type")

    @property
    def datetime_microseconds(self) -> Any:
        return exclusions.open()  # DateTime maps to datetime64(6)

    @property
    def timestamp_microseconds(self) -> Any:
        return exclusions.open()

    @property
    def datetime_historic(self) -> Any:
        return _closed("datetime64 starts at 1900-01-01")

    @property
    def date_historic(self) -> Any:
        return _closed("date starts at 1970-01-01")

    @property
    def date_coerces_from_datetime(self) -> Any:
        return _closed("ingest does not accept a datetime string for a date column")

    @property
    def binary_literals(self) -> Any:
        return _closed("bytes travel as JSON strings through ingest: only UTF-8 bytes fit")

    @property
    def binary_comparisons(self) -> Any:
        return _closed("bytes travel as JSON strings through ingest: only UTF-8 bytes fit")

    @property
    def precision_numerics_enotation_small(self) -> Any:
        return exclusions.open()

    @property
    def precision_numerics_enotation_large(self) -> Any:
        return exclusions.open()

    @property
    def precision_numerics_many_significant_digits(self) -> Any:
        return exclusions.open()

    @property
    def precision_numerics_retains_significant_digits(self) -> Any:
        return _closed("the server writes a decimal without trailing zeros (1.000 as 1), and "
                       "the driver does not pad it back to the column's scale")


# Tests that need something Timeplus does not do, where no suite requirement covers them.
# Keys are "SuiteClass" (the whole class), "SuiteClass.test_name" or, for one parametrized
# case, "SuiteClass.test_name[ids]"; values are the reasons.
_NO_AUTOINCREMENT = (
    "no autoincrement: an INSERT without a value for an integer primary key is refused "
    "(CompileError) instead of storing 0"
)
_DECIMAL_INTO_FLOAT = (
    "inserts a Decimal into a float column: the driver refuses it (DataError) rather than round "
    "it to the nearest float64, as it refuses every value the server would store as another"
)
_COMMENT_LATER = (
    "changes a stream's comment after creation: Timeplus documents ALTER VIEW ... MODIFY "
    "COMMENT for views only (ALTER COMMENT on streams is a 2.9 release-note line without "
    "syntax), so the dialect refuses SetTableComment (CompileError)"
)
_DECIMAL_DIVISION = (
    "decimal(22, 20) and decimal(38, 20) divisions overflow (code 407, 'Overflow during "
    "decimal division') in the ClickHouse decimal arithmetic Timeplus keeps"
)
EXCLUDED_TESTS: dict[str, str] = {
    "ReturningGuardsTest": "RETURNING (and UPDATE) raise CompileError in the dialect, as "
    "Timeplus has neither; the suite expects the database to reject them at execution",
    "QuotedNameArgumentTest": "its stream names have quotes in them: stream names are "
    "letters, digits and _ only (the REST StreamDef's rule; the emulator refuses others, 36)",
    "NameDenormalizeTest.test_cols_driver_cols": "SELECT * also returns the stream's _tp_time "
    "(Proton's asterisk_include_reserved_columns defaults to true; a query can turn it off "
    "with SETTINGS, but the test's raw SQL has none and the REST API has no session settings)",
    "JoinTest.test_outer_join_false": "outer joins fill unmatched columns with type defaults "
    "(join_use_nulls=0), not NULL",
    "CTETest.test_select_recursive_round_trip": "no recursive CTEs",
    "CTETest.test_update_from_round_trip": "no UPDATE",
    "CTETest.test_delete_from_round_trip": "DELETE ... USING a CTE: a Timeplus DELETE takes "
    "one stream and one condition (CompileError)",
    "CTETest.test_delete_scalar_subq_round_trip": "a correlated subquery in DELETE (the CTE "
    "row of the deleted row's id): Timeplus, like the ClickHouse it forks, has none",
    "NumericTest.test_float_as_decimal": _DECIMAL_INTO_FLOAT,
    "NumericTest.test_float_as_float": _DECIMAL_INTO_FLOAT,
    "NumericTest.test_float_custom_scale": _DECIMAL_INTO_FLOAT,
    "ComponentReflectionTestExtra.test_string_length_reflection": "string has no length",
    "ComponentReflectionTestExtra.test_varchar_reflection": "string has no length",
    "ComponentReflectionTest.test_autoincrement_col": "no autoincrement: reflected as False",
    "ComponentReflectionTest.test_get_multi_columns": "expects an integer primary key to "
    "reflect autoincrement=True; Timeplus has no autoincrement, reflected as False (its "
    "column comments are checked by test_get_comments and test_reflect_comments)",
    "TableDDLTest.test_add_table_comment": _COMMENT_LATER,
    "TableDDLTest.test_drop_table_comment": _COMMENT_LATER,
    "FutureTableDDLTest.test_add_table_comment": _COMMENT_LATER,
    "FutureTableDDLTest.test_drop_table_comment": _COMMENT_LATER,
    "TableViaSelectTest.test_without_metadata": _NO_CREATE_AS,
    "HasIndexTest.test_has_index": "creates an Index on a table without a primary key: a "
    "mutable stream (secondary indexes) needs a key, and a normal stream's indexes are "
    "data-skipping indexes that need a TYPE (minmax, set, bloom_filter...), which "
    "SQLAlchemy's Index does not carry",
    "TrueDivTest.test_truediv_numeric": "Timeplus reads the literal 5.52 as a float64, so "
    "5.52 / 2.4 is the float64 2.3, not a decimal; the dialect returns the float it got "
    "rather than round it into a Decimal",
    "TrueDivTest.test_truediv_divisor[numeric_tiny_divisor-typed]": _DECIMAL_DIVISION,
    "TrueDivTest.test_truediv_divisor[numeric_tiny_divisor-untyped_function]": _DECIMAL_DIVISION,
    "TrueDivTest.test_truediv_divisor[numeric_many_decimals-typed]": _DECIMAL_DIVISION,
    "TrueDivTest.test_truediv_divisor[numeric_many_decimals-untyped_function]":
    _DECIMAL_DIVISION,
    "InsertBehaviorTest.test_insert_from_select_autoinc": _NO_AUTOINCREMENT,
    "InsertBehaviorTest.test_insert_from_select_autoinc_no_rows": _NO_AUTOINCREMENT,
    "InsertBehaviorTest.test_no_results_for_non_returning_insert": _NO_AUTOINCREMENT,
}

_STREAM_NAME = re.compile(r"[A-Za-z0-9_]+")


def excluded_parameters(params: dict[str, Any]) -> Optional[str]:
    """Why a parametrized case cannot run (its stream name has other characters, or it
    needs a secondary index or a database on the cloud profile), or None."""
    name = params.get("tablename")
    if isinstance(name, str) and not _STREAM_NAME.fullmatch(name):
        return f"stream name {name!r}: stream names are letters, digits and _ only"
    if PROFILE != "enterprise" and params.get("type_") == "ix":
        return _ENTERPRISE_ONLY
    if PROFILE != "enterprise" and params.get("use_schema") is True:
        return _ONE_DATABASE  # a case not gated by requirements.schemas (test_metadata)
    return None


_ENTERPRISE_ONLY = "needs DELETE or a secondary index: Timeplus Enterprise only (cloud profile)"
if PROFILE != "enterprise":
    EXCLUDED_TESTS["NumericTest"] = _ENTERPRISE_ONLY


# Tests that real Timeplus should pass but the local emulator cannot run yet: expected to fail
# (strictly, so a fixed emulator shows up as XPASS and the entry is removed).
EMULATOR_GAPS: dict[str, str] = {}
