"""pytest plugin: fixtures that run a Timeplus emulator (filled in by the emulator work)."""
