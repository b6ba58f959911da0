"""The physical definition of a stream or store: keys, TTL, skip indexes, projections, settings.

Owns: collecting what ``CREATE STREAM`` declares about Proton's MergeTree storage (``ORDER BY``,
``PARTITION BY``, ``PRIMARY KEY``, ``SAMPLE BY``, ``TTL``, ``INDEX ... TYPE``, ``PROJECTION``,
the engine's ``SETTINGS``) as chDB text, so the engine can validate it on a scratch table
(:mod:`timeplus_emulator.storage_check`) with ClickHouse's own checks, which Proton shares
(``KeyDescription``, ``TTLDescription``, ``ProjectionsDescription``, the skip index
validators, ``MergeTreeSettings::sanityCheck``, ``StorageFactory``'s feature checks). The
emulator builds none of these: they change no result, except the engine settings below.

Engine settings: those that only tune the storage layout are accepted (:data:`LAYOUT_SETTINGS`);
Proton's stream settings (``mode``, ``shards``, ``logstore_*``...) keep their own handling; any
other setting is validated by chDB (an unknown name is 115, as in Proton) and then refused
with 48, because the emulator does not apply it (``max_parts_in_total`` refuses inserts in
Proton, ``non_replicated_deduplication_window`` drops repeated blocks...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from timeplus_emulator.sql.tokens import quote_name

# MergeTree settings that change how parts are written or merged, never what a query reads
LAYOUT_SETTINGS = frozenset({
    "index_granularity", "index_granularity_bytes", "min_index_granularity_bytes",
    "enable_mixed_granularity_parts", "min_bytes_for_wide_part", "min_rows_for_wide_part",
    "min_bytes_for_compact_part", "min_rows_for_compact_part", "min_compress_block_size",
    "max_compress_block_size", "write_final_mark", "allow_nullable_key",
    "allow_floating_point_partition_key", "enable_vertical_merge_algorithm",
    "vertical_merge_algorithm_min_rows_to_activate",
    "vertical_merge_algorithm_min_columns_to_activate", "merge_max_block_size",
    "old_parts_lifetime", "cleanup_delay_period", "cleanup_delay_period_random_add",
    "fsync_after_insert", "fsync_part_directory", "in_memory_parts_insert_sync",
    "min_merge_bytes_to_use_direct_io", "max_part_removal_threads",
    "merge_tree_clear_old_temporary_directories_interval_seconds",
    "temporary_directories_lifetime", "ratio_of_defaults_for_sparse_serialization",
    # merge scheduling; ddl.py refuses values beyond Proton's pool (36) and non-zero
    # inactive-parts limits (48)
    "number_of_free_entries_in_pool_to_execute_mutation",
    "number_of_free_entries_in_pool_to_lower_max_size_of_merge",
    "inactive_parts_to_throw_insert", "inactive_parts_to_delay_insert",
})
# checked by ddl.py against Proton's pool of 32 tasks; chDB's pool here is smaller
_NOT_SENT = frozenset({"number_of_free_entries_in_pool_to_execute_mutation",
                       "number_of_free_entries_in_pool_to_lower_max_size_of_merge"})
# Proton's STREAM_SETTINGS and CONFIGURABLE_STREAM_SETTINGS (MergeTreeSettings.h): not
# MergeTree settings in chDB, handled by the stream code
STREAM_SETTINGS = frozenset({
    "shards", "replicas", "sharding_expr", "event_time_column", "host_shards", "subtype",
    "version_column", "mode", "keep_versions", "flush_threshold_ms", "flush_threshold_count",
    "flush_threshold_bytes", "default_shards", "default_replicas", "default_sharding_expr",
    "distributed_ingest_mode", "logstore", "storage_type",
})


def is_stream_setting(name: str) -> bool:
    """A Proton stream setting (not one of chDB's MergeTree settings)."""
    return name in STREAM_SETTINGS or name.startswith("logstore_")


@dataclass
class StorageDefinition:
    """What a CREATE STREAM declares about its storage, as chDB text."""

    engine: str = "MergeTree"  # "MergeTree", "MergeTree(args)" (the old form) or "Memory"
    elements: list[str] = field(default_factory=list)  # INDEX / PROJECTION definitions
    clauses: dict[str, str] = field(default_factory=dict)  # "ORDER BY" -> "ORDER BY (a, b)"
    settings: list[tuple[str, str]] = field(default_factory=list)  # (name, "name = value")
    old_syntax: bool = False  # MergeTree(date, key, granularity)

    def declares_storage(self) -> bool:
        """Whether there is anything for chDB to check beyond the columns."""
        return bool(self.elements or self.clauses or self.settings)

    def unapplied_settings(self) -> list[str]:
        """The engine settings the emulator would accept without applying them."""
        return [name for name, _ in self.settings
                if name not in LAYOUT_SETTINGS and not is_stream_setting(name)]

    def create_sql(self, table: str, columns: list[str]) -> str:
        """``CREATE TEMPORARY TABLE`` with this definition over ``columns`` (chDB text)."""
        elements = ", ".join(columns + self.elements)
        clauses = list(self.clauses.values())
        if self.engine == "MergeTree" and not ({"ORDER BY", "PRIMARY KEY"} & self.clauses.keys()):
            clauses.insert(0, "ORDER BY tuple()")
        settings = [sql for name, sql in self.settings
                    if not is_stream_setting(name) and name not in _NOT_SENT]
        if self.old_syntax:  # query settings after the deprecated engine arguments
            settings.append("allow_deprecated_syntax_for_merge_tree = 1")
        tail = f" SETTINGS {', '.join(settings)}" if settings else ""
        return (f"CREATE TEMPORARY TABLE {quote_name(table)} ({elements}) "
                f"ENGINE = {self.engine} {' '.join(clauses)}{tail}")

