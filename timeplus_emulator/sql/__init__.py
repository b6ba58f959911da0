"""Timeplus SQL → ClickHouse SQL translation for the emulator."""
